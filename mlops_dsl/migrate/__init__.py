"""``migrate``: a Terraform module block of the reference module -> our JSON config or a blueprint.

Three steps, one module each: ``hcl`` reads the .tf file and resolves what the file alone determines
(literals, ``local.*``, ``path.*``); ``mapping`` picks the module block, names the inputs we do not
support and makes paths relative to the output; ``writers`` renders the JSON config or the Python
blueprint. Every problem of every step is collected and raised together; nothing is written here
(the command writes the result, atomically).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import BlueprintError, Location, Problem

FORMATS = (".json", ".py")


@dataclass(frozen=True)
class Migration:
    """What migrating one module block gives: the file to write, its bytes, and notes for the user."""

    output: Path
    data: bytes
    module: str
    inputs: int  # keys of the config written
    notes: tuple[str, ...]


def migrate(tf_path: str | Path, *, module: str | None = None, output: str | Path | None = None,
            skip: tuple[str, ...] = (), force: bool = False) -> Migration:
    """Migrate one module block of ``tf_path``; raises BlueprintError with every problem found.

    ``output`` defaults to ``<module label>.json`` beside the .tf file; its suffix picks the form
    (``.json`` or ``.py``). An existing output is a problem unless ``force``.
    """
    from .hcl import read_terraform
    from .mapping import check_config, choose_module, config_from_module
    from .writers import render_json, render_python

    tf_path = Path(tf_path)
    tf = read_terraform(tf_path)
    block, notes = choose_module(tf, module)
    out = Path(output) if output is not None else tf_path.parent / f"{block.label}.json"
    migrated, problems = config_from_module(tf, block, out_folder=out.parent, skip=tuple(skip))
    blueprint, refused = check_config(migrated, file=tf.file, name=out.stem)
    problems = sorted(problems + refused, key=lambda p: p.location.line or 0)
    problems += _output_problems(out, force)
    if problems:
        raise BlueprintError(problems)
    if out.suffix == ".json":
        data = render_json(migrated.config)
    else:
        source = Path(os.path.relpath(os.path.abspath(tf_path), os.path.abspath(out.parent))).as_posix()
        data = render_python(blueprint, name=out.stem, docstring=f"Migrated by `python -m mlops_dsl "
                             f"migrate` from module {block.label!r} of {source}.")
    return Migration(out, data, block.label, len(migrated.config), notes + migrated.notes)


def _output_problems(out: Path, force: bool) -> list[Problem]:
    if out.suffix not in FORMATS:
        return [Problem("MLD607", "-o", f"{out.name}: the output's suffix picks what is written; use "
                        ".json (a JSON config) or .py (a blueprint module)", Location(str(out)))]
    if out.is_dir():
        return [Problem("MLD607", "-o", f"{out} is a folder; name the file to write", Location(str(out)))]
    if out.exists() and not force:
        return [Problem("MLD607", "-o", f"{out} exists; pass --force to replace it", Location(str(out)))]
    return []
