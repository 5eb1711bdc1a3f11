"""The workflow as a diagram: Mermaid (``flowchart TD``, renders on GitHub) or Graphviz DOT. Pure.

Both renderers read one small graph built from the ASL: a node per state (nested Parallel branches
and Map iterators become subgraphs), an edge per ``Next``, per Choice rule (labelled with the rule,
e.g. ``roc_auc > 0.8``), per ``Default`` (labelled ``default``) and per ``Catch`` (dashed). States
are laid out in the order they are reached from ``StartAt``, so the output is deterministic.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .operators import NUMERIC, comparison, reads
from .transitions import TERMINAL, nested_workflows, transitions

START, END = "__start", "__end"


@dataclass
class Node:
    id: str
    label: str
    kind: str


@dataclass
class Cluster:
    id: str
    label: str
    nodes: list = field(default_factory=list)      # Node or Cluster, in order


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""
    dashed: bool = False


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


def rule_text(rule: dict, aliases: dict[str, str] | None = None) -> str:
    """A Choice rule as a short condition: ``roc_auc > 0.8``, ``$.endpoint.Exists == true``."""
    aliases = aliases or {}
    if "Condition" in rule:
        return str(rule["Condition"])
    if "And" in rule:
        bounds = _bounds(rule["And"])
        if bounds:  # a band on one value, as a gate with two bounds compiles: 0.9 < auc < 0.999
            return reads(aliases.get(bounds[0], bounds[0]), bounds[1])
        return " and ".join(f"({rule_text(r, aliases)})" for r in rule["And"])
    if "Or" in rule:
        return " or ".join(f"({rule_text(r, aliases)})" for r in rule["Or"])
    if "Not" in rule:
        return f"not ({rule_text(rule['Not'], aliases)})"
    variable = aliases.get(rule.get("Variable", ""), rule.get("Variable", "?"))
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment", "Assign", "Output"):
            continue
        found = comparison(key)
        if found is None:  # a data test (``IsPresent``), or a key we do not know
            return f"{variable} {key} {_value(value)}"
        operator, is_path = found
        shown = aliases.get(value, value) if is_path else _value(value)
        return f"{variable} {operator.symbol} {shown}"
    return variable


def _bounds(rules: list) -> tuple[str, list] | None:
    """``(variable, [(operator, number)])`` when every rule compares one variable with a number."""
    found = [(r.get("Variable"), key, value) for r in rules for key, value in r.items()
             if key in NUMERIC and isinstance(value, (int, float)) and len(r) == 2]
    if len(found) != len(rules) or len({variable for variable, _, _ in found}) != 1:
        return None
    return found[0][0], [(key, value) for _, key, value in found]


class _Builder:
    def __init__(self, aliases):
        self.aliases = aliases or {}
        self.edges: list[Edge] = []
        self.used: set[str] = set()

    def new_id(self, name: str, prefix: str) -> str:
        base = "s_" + re.sub(r"[^A-Za-z0-9_]", "_", prefix + name).strip("_")
        candidate, count = base, 2
        while candidate in self.used:
            candidate, count = f"{base}_{count}", count + 1
        self.used.add(candidate)
        return candidate

    def machine(self, definition: dict, container: list, prefix: str = "") -> tuple[str, list[str]]:
        """Add the states of one (sub)machine; return its entry node and the nodes that end it."""
        states = definition.get("States", {})
        order = _reach_order(definition)
        ids = {name: self.new_id(name, prefix) for name in order}
        enders = []
        for name in order:
            state = states[name]
            kind = state.get("Type", "Task")
            inner = nested_workflows(state)
            if inner:
                cluster = Cluster(ids[name], f"{name} ({kind})")
                for index, branch in enumerate(inner):  # nested edges stay inside the cluster
                    self.machine(branch, cluster.nodes, f"{prefix}{name}_{index}_")
                container.append(cluster)
            else:
                container.append(Node(ids[name], name, kind))
            self.state_edges(state, ids[name], ids)
            if state.get("End") and kind not in TERMINAL:
                enders.append(ids[name])
        return ids[definition["StartAt"]], enders

    def state_edges(self, state: dict, source: str, ids: dict[str, str]) -> None:
        for move in transitions(state):
            if not move.target:
                continue
            if move.rule is not None:
                self.edges.append(Edge(source, ids[move.target], rule_text(move.rule, self.aliases)))
            elif move.catch is not None:
                errors = ", ".join(move.catch.get("ErrorEquals", ()))
                self.edges.append(Edge(source, ids[move.target], f"catch {errors}", dashed=True))
            else:
                label = "default" if move.field == "Default" else ""
                self.edges.append(Edge(source, ids[move.target], label))


def _reach_order(definition: dict) -> list[str]:
    """State names in breadth-first order from StartAt; unreachable ones after, sorted."""
    states = definition.get("States", {})
    order, queue = [], [definition["StartAt"]]
    while queue:
        name = queue.pop(0)
        if name in order or name not in states:
            continue
        order.append(name)
        state = states[name]
        queue += [move.target for move in transitions(state) if move.target]
    return order + sorted(set(states) - set(order))


def build(definition: dict, aliases: dict[str, str] | None = None) -> tuple[list, list[Edge]]:
    """The graph of a workflow: top-level items (nodes and clusters) and every edge."""
    builder = _Builder(aliases)
    items: list = [Node(START, "start", "start")]
    entry, enders = builder.machine(definition, items)
    edges = [Edge(START, entry)] + builder.edges
    if enders:
        items.append(Node(END, "end", "end"))
        edges += [Edge(source, END) for source in enders]
    return items, edges


def _walk(items):
    for item in items:
        yield item
        if isinstance(item, Cluster):
            yield from _walk(item.nodes)


def _mermaid_text(text: str) -> str:
    """``text`` inside a quoted Mermaid label, with Mermaid's entity codes (``#quot;``, ``#60;``).

    Mermaid renders labels as HTML, so a bare ``<`` (a gate ``0.9 < auc``, a name ``a<b``) can
    open a tag the sanitiser drops along with the rest of the label, and ``&`` starts an HTML
    entity; ``"`` would end the label, and ``#`` starts an entity code, so ``#`` is coded first
    ("Entity codes to escape characters", https://mermaid.js.org/syntax/flowchart.html).
    ``>`` is left as is: it opens nothing, and the diagrams read ``roc_auc > 0.75``.
    """
    return (text.replace("#", "#35;").replace("&", "#38;").replace('"', "#quot;")
            .replace("<", "#60;"))


MERMAID_SHAPES = {"Choice": '{{"{}"}}', "Succeed": '(["{}"])', "Fail": '[["{}"]]', "Pass": '("{}")',
                  "Wait": '("{}")', "start": '(("{}"))', "end": '(("{}"))'}


def to_mermaid(definition: dict, aliases: dict[str, str] | None = None) -> str:
    items, edges = build(definition, aliases)
    lines = ["flowchart TD"]

    def emit(entries, indent):
        for item in entries:
            if isinstance(item, Cluster):
                lines.append(f'{indent}subgraph {item.id}["{_mermaid_text(item.label)}"]')
                emit(item.nodes, indent + "  ")
                lines.append(f"{indent}end")
            else:
                shape = MERMAID_SHAPES.get(item.kind, '["{}"]')
                lines.append(f"{indent}{item.id}{shape.format(_mermaid_text(item.label))}")

    emit(items, "  ")
    for edge in edges:
        arrow = "-.->" if edge.dashed else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} {arrow}{label} {edge.target}")
    for kind, style in (("Fail", "fill:#fde2e2,stroke:#c0392b"), ("Succeed", "fill:#e2f5e2,stroke:#27ae60")):
        members = [n.id for n in _walk(items) if isinstance(n, Node) and n.kind == kind]
        if members:
            lines.append(f"  classDef {kind.lower()} {style}")
            lines.append(f"  class {','.join(members)} {kind.lower()}")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


DOT_SHAPES = {"Choice": 'shape=diamond', "Succeed": 'shape=box, style="rounded,filled", fillcolor="#e2f5e2"',
              "Fail": 'shape=box, style="rounded,filled", fillcolor="#fde2e2"', "start": "shape=circle",
              "end": "shape=doublecircle", "Pass": "shape=box, style=dashed"}


def to_dot(definition: dict, aliases: dict[str, str] | None = None) -> str:
    items, edges = build(definition, aliases)
    lines = ["digraph workflow {", "  rankdir=TB;", '  node [shape=box, style=rounded, fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=10];']
    anchors = {}

    def emit(entries, indent):
        for item in entries:
            if isinstance(item, Cluster):
                lines.append(f"{indent}subgraph cluster_{item.id} {{")
                lines.append(f'{indent}  label="{_dot_text(item.label)}";')
                emit(item.nodes, indent + "  ")
                lines.append(f"{indent}}}")
                first = next((n for n in _walk(item.nodes) if isinstance(n, Node)), None)
                anchors[item.id] = first.id if first else item.id
            else:
                shape = DOT_SHAPES.get(item.kind, "shape=box, style=rounded")
                lines.append(f'{indent}{item.id} [label="{_dot_text(item.label)}", {shape}];')

    emit(items, "  ")
    for edge in edges:
        attributes = []
        if edge.label:
            attributes.append(f'label="{_dot_text(edge.label)}"')
        if edge.dashed:
            attributes.append("style=dashed")
        for end, name in ((edge.source, "ltail"), (edge.target, "lhead")):
            if end in anchors:
                attributes.append(f"{name}=cluster_{end}")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {anchors.get(edge.source, edge.source)} -> {anchors.get(edge.target, edge.target)}{suffix};")
    if anchors:
        lines.insert(2, "  compound=true;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(definition: dict, fmt: str = "mermaid", aliases: dict[str, str] | None = None) -> str:
    if fmt == "dot":
        return to_dot(definition, aliases)
    return to_mermaid(definition, aliases)
