"""A new project's Glue script: its own columns, the sample script's arguments and storage.

The sample's ``glue/transform.py`` already parses the job's arguments, reads and writes S3 or a
local folder, reports bad values by row, and runs the job; only its feature engineering is
about employee attrition. A project's script is that script's generic definitions (``SHARED``,
copied from its source by name, so the one copy in ``glue/`` stays the reference) around the
project's column lists and ``feature_columns``/``engineer`` from ``templates/transform.py.tmpl``.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path
from string import Template

from .shipped import shipped_dir

TEMPLATE = Path(__file__).resolve().parent / "templates" / "transform.py.tmpl"
SAMPLE_SCRIPT = "transform.py"
# top-level names of glue/transform.py that are not about the sample's data, in file order
SHARED = ("ARGUMENTS", "INFERENCE_TYPES", "TRAIN_OUT", "SCORE_OUT", "TransformError",
          "one_hot_name", "parse_arguments", "is_local", "describe", "read_text", "write_text",
          "read_frame", "_rows", "_numeric", "_coded", "to_csv", "run", "main")


def _name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def shared_parts(source: str) -> tuple[str, str]:
    """(the import lines, the SHARED definitions) of the sample script, as written there."""
    tree = ast.parse(source)
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    lines = source.splitlines()[imports[0].lineno - 1:imports[-1].end_lineno]  # with blank lines
    found = {_name(node): ast.get_source_segment(source, node) for node in tree.body}
    missing = [name for name in SHARED if name not in found]
    if missing:
        raise RuntimeError(f"glue/{SAMPLE_SCRIPT} no longer defines {', '.join(missing)}: "
                           "update mlops_dsl/scaffold/glue_script.py")
    blocks, constants = [], []
    for name in SHARED:
        (constants if name.isupper() else blocks).append(found[name])
    return "\n".join(lines), "\n".join(constants) + "\n\n\n" + "\n\n\n".join(blocks)


def literal(value) -> str:
    """A Python literal of a string, or of a tuple or dict of strings (double-quoted)."""
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid Python string literal
    if isinstance(value, tuple):
        return "(" + ", ".join(map(literal, value)) + ("," if len(value) == 1 else "") + ")"
    lines = [f"    {literal(key)}: {literal(item)}," for key, item in value.items()]
    return "{\n" + "\n".join(lines) + "\n}"


def glue_script(row_id: str, label: str, numeric: tuple[str, ...],
                one_hot: dict[str, tuple[str, ...]]) -> str:
    """The project's Glue script for these columns (our own names, written as literals)."""
    imports, shared = shared_parts((shipped_dir("glue") / SAMPLE_SCRIPT).read_text("utf-8"))
    return Template(TEMPLATE.read_text("utf-8")).substitute(
        imports=imports, shared=shared, row_id=row_id, label=label,
        row_id_literal=literal(row_id), label_literal=literal(label),
        numeric_literal=literal(tuple(numeric)),
        one_hot_literal=literal({column: tuple(levels) for column, levels in one_hot.items()}))
