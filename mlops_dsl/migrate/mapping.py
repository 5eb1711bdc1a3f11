"""From a module block of the reference module to our JSON config: same names, same values.

Our config keys are the reference module's input names, so the mapping is mostly a copy; what it
adds is the judgement around it: which module block is the reference module's, which inputs we do
not support (named, with the closest supported name), and paths made relative to the output's
folder. The config is then checked by our own loader (``blueprint_from_config``), and its problems
are reported at the lines of the .tf file, not at JSON pointers of a file that was never written.
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import BlueprintError, Location, Problem
from .hcl import ModuleBlock, TerraformFile, Unresolved, pointer_part

# The reference module's names in its repository's catalog (the older name first); a source
# address is recognised by its last path segment, see ``is_reference_source``.
REFERENCE_MODULE_NAMES = ("ml-ops-on-aws", "ml-ops")
# Arguments of every module block that select the module rather than set an input.
SOURCE_ARGUMENTS = ("source", "version")
META_ARGUMENTS = ("count", "for_each", "providers", "depends_on")
# The inputs whose values our loader resolves against the config's folder (model.py resolves
# them against the folder of the file that set them), as Terraform resolves them against the
# folder it runs in. aws_credentials_file is left as written: both read it from the working
# directory (or ~).
PATH_INPUTS = ("byo_model_image_source_path", "score_local_path", "script_path",
               "train_local_path", "whl_path")


@dataclass(frozen=True)
class MigratedConfig:
    """The config of one module block, where each part was written, and what to tell the user."""

    config: dict
    lines: dict[str, int]  # JSON pointer -> line in the .tf file
    notes: tuple[str, ...]
    blocked: tuple[str, ...] = ()  # inputs left out because their values did not resolve


def is_reference_source(address: str | None) -> bool:
    """Whether a module ``source`` is the reference module.

    The address's last path segment, after removing a forced getter (``git::``), the query
    (``?ref=main``) and the scheme, names the module: ``../../catalog/aws/ml-ops``,
    ``git::https://host/org/dataops-infra.git//catalog/aws/ml-ops?ref=main``. A registry address
    ``NAMESPACE/NAME/aws`` is recognised by its NAME.
    """
    if not address:
        return False
    text = address.rsplit("::", 1)[-1].split("?", 1)[0]
    local = text.startswith(("./", "../", "/"))
    text = text.split("://", 1)[-1]
    segments = [s for s in text.split("/") if s]
    if not segments:
        return False
    if not local and "://" not in address and "//" not in text and len(segments) in (3, 4) \
            and segments[-1] == "aws" and segments[-2] in REFERENCE_MODULE_NAMES:
        return True  # [HOST/]NAMESPACE/NAME/PROVIDER
    last = segments[-1]
    return (last[:-4] if last.endswith(".git") else last) in REFERENCE_MODULE_NAMES


def choose_module(tf: TerraformFile, name: str | None) -> tuple[ModuleBlock, tuple[str, ...]]:
    """The module block to migrate: ``--module NAME``, or the one block using the reference module."""
    where = Location(tf.file)
    listing = ", ".join(f"{m.label!r} (line {m.line}, source {m.source!r})" for m in tf.modules)
    if name is not None:
        for block in tf.modules:
            if block.label == name:
                notes = () if is_reference_source(block.source) else (
                    f"module {name!r} has source {block.source!r}, which is not recognised as the "
                    "reference module; migrating it because --module names it",)
                return block, notes
        raise BlueprintError([Problem("MLD605", "--module", f"no module block is named {name!r}; "
                                      f"this file has: {listing or 'no module blocks'}", where)])
    using = [m for m in tf.modules if is_reference_source(m.source)]
    if len(using) == 1:
        return using[0], ()
    if not using:
        names = " or ".join(REFERENCE_MODULE_NAMES)
        found = f"this file has: {listing}" if tf.modules else "this file has no module block"
        raise BlueprintError([Problem("MLD604", "--module", f"no module block uses the reference "
                                      f"module (a source ending in {names}); {found}. Pass "
                                      "--module NAME to migrate one anyway", where)])
    labels = ", ".join(repr(m.label) for m in using)
    raise BlueprintError([Problem("MLD606", "--module", f"{len(using)} module blocks use the reference "
                                  f"module ({labels}); pick one with --module NAME", where)])


def config_from_module(tf: TerraformFile, block: ModuleBlock, *, out_folder: Path,
                       skip: tuple[str, ...] = ()) -> tuple[MigratedConfig, list[Problem]]:
    """The JSON config a module block means, and every problem found on the way.

    The config holds the inputs that resolved; ``blocked`` on the result names those that did not.
    """
    from ..config import config_schema

    supported = set(config_schema()["properties"])
    config: dict = {}
    lines: dict[str, int] = {"": block.line}
    problems: list[Problem] = []
    # One problem per reference (its line and text), naming every input whose value it is part of.
    unresolved: dict[tuple, tuple[Unresolved, list[str]]] = {}
    skipped, given = [], set()
    items = [(a.name, a.line, a) for a in block.attributes] + [(k, line, None) for k, line in block.blocks]
    for name, line, attribute in items:
        given.add(name)
        if name in SOURCE_ARGUMENTS and attribute is not None:
            continue
        if name in skip:
            skipped.append(f"{name} (line {line})")
            continue
        if attribute is None or name not in supported:
            problems.append(_unsupported(name, line, supported, tf.file, block=attribute is None))
            continue
        resolved = tf.resolve(attribute.expression)
        for item in resolved.problems:
            key = (item.line, item.text, item.reason, item.code)
            unresolved.setdefault(key, (item, []))[1].append(_field(name, item))
        if resolved.problems:
            continue
        value = resolved.value
        config[name] = _rebase(value, tf.folder, out_folder) if name in PATH_INPUTS else value
        for pointer, where in resolved.lines.items():
            lines[pointer_part(name) + pointer] = where
        lines[pointer_part(name)] = line
    for name in skip:
        if name not in given:
            problems.append(Problem("MLD608", "--skip", f"module {block.label!r} sets no input {name!r}; "
                                    "--skip names inputs of the module block to leave out",
                                    Location(tf.file, block.line)))
    for item, fields in unresolved.values():
        through = f" (through {' -> '.join(item.via)})" if item.via else ""
        problems.append(Problem(item.code, ", ".join(dict.fromkeys(fields)),
                                f"{item.text}{through} {item.reason}", Location(tf.file, item.line)))
    notes = [f"left out (--skip): {', '.join(skipped)}"] if skipped else []
    notes += _rebase_defaults(config, lines, block, tf.folder, out_folder, config_schema())
    blocked = tuple(dict.fromkeys(f.split(".", 1)[0] for _, fields in unresolved.values() for f in fields))
    return MigratedConfig(config, lines, tuple(notes), blocked), problems


def check_config(migrated: MigratedConfig, *, file: str, name: str):
    """Our loader's Blueprint for the config (None if it refuses it) and its problems, at .tf lines.

    A required input that is missing only because its value did not resolve is not reported
    again: the unresolved reference already is.
    """
    from ..config import blueprint_from_config

    try:
        return blueprint_from_config(migrated.config, file=file, name=name), []
    except BlueprintError as error:
        problems = [p for p in error.problems
                    if not (p.code == "MLD011" and any(repr(k) in p.message for k in migrated.blocked))]
        return None, [_at_line(p, migrated.lines, file) for p in problems]


def _at_line(problem: Problem, lines: dict[str, int], file: str) -> Problem:
    """The problem at the line that wrote the value its JSON pointer names (or the block's line)."""
    pointer = problem.location.pointer if problem.location else None
    while pointer and pointer not in lines:
        pointer = pointer.rsplit("/", 1)[0]
    return Problem(problem.code, problem.field, problem.message, Location(file, lines[pointer or ""]))


def _unsupported(name: str, line: int, supported: set[str], file: str, *, block: bool) -> Problem:
    if block:
        what = "a nested block, which no input of the module is"
    elif name in META_ARGUMENTS:
        what = "a Terraform meta-argument, which has no equivalent (one blueprint is one pipeline)"
    else:
        close = difflib.get_close_matches(name, sorted(supported), n=1)
        what = "not an input mlops_dsl supports" + (f" (did you mean {close[0]!r}?)" if close else "")
    return Problem("MLD603", name, f"{what}; remove it, or pass --skip {name} to leave it out",
                   Location(file, line))


def _field(name: str, item: Unresolved) -> str:
    """The input, and the part of it, whose value is unresolved: ``resource_tags.owner``."""
    steps = [s.replace("~1", "/").replace("~0", "~") for s in item.at.split("/")[1:]]
    return ".".join([name, *steps])


def _rebase(value, tf_folder: str, out_folder: Path):
    """A path relative to the .tf file's folder (or ``path.module``), made relative to OUT's folder."""
    if isinstance(value, list):
        return [_rebase(v, tf_folder, out_folder) for v in value]
    if not isinstance(value, str) or not value or value.startswith("~") or os.path.isabs(value):
        return value
    return Path(os.path.relpath(os.path.join(tf_folder, value), os.path.abspath(out_folder))).as_posix()


def _rebase_defaults(config, lines, block, tf_folder, out_folder, schema) -> list[str]:
    """Path inputs left at their defaults mean files beside the .tf file: keep meaning them."""
    if os.path.abspath(out_folder) == os.path.abspath(tf_folder):
        return []
    written = []
    for key in PATH_INPUTS:
        default = schema["properties"].get(key, {}).get("default")
        if key in config or not isinstance(default, str):
            continue
        config[key] = _rebase(default, tf_folder, out_folder)
        lines[pointer_part(key)] = block.line
        written.append(key)
    if not written:
        return []
    return [f"{', '.join(written)}: not set in the module block; their defaults are written relative "
            "to the output's folder, so they still name files beside the .tf file"]
