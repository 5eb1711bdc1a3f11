"""``graph BLUEPRINT [--format mermaid|dot] [-o FILE]``: the workflow as a diagram; no AWS."""
from __future__ import annotations

from .. import exit_codes

HELP = "draw the workflow (Mermaid or Graphviz DOT)"


def add_arguments(parser) -> None:
    from . import add_blueprint

    add_blueprint(parser)
    parser.add_argument("--format", choices=("mermaid", "dot"), default="mermaid",
                        help="mermaid (renders on GitHub; default) or dot (Graphviz)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")


def gate_aliases(compiled) -> dict[str, str]:
    """Name the gate's metric in its Choice rules: ``roc_auc > 0.8`` rather than a JSON path."""
    from ..emit.workflow import GATE

    state = compiled.definition.get("States", {}).get(GATE, {})
    return {part["Variable"]: compiled.pipeline.gate.metric
            for rule in state.get("Choices", ()) for part in rule.get("And", [rule])
            if "Variable" in part}


def run(args) -> int:
    from pathlib import Path

    from ..compiler import compile_file
    from ..asl.graph import render

    compiled = compile_file(args.blueprint, name=args.name)
    text = render(compiled.definition, args.format, gate_aliases(compiled))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output} ({args.format}, {compiled.state_count} states)")
    else:
        print(text, end="")
    return exit_codes.OK
