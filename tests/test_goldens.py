"""Every sample blueprint compiles to exactly its golden output, and ``graph`` draws exactly its
golden diagrams (regenerate both: pytest tests/test_goldens.py --update-goldens, then review the diff)."""
from __future__ import annotations

import shutil

import pytest

from helpers import GOLDEN, sample_blueprints
from mlops_dsl.cli import main
from mlops_dsl.compiler import compile_file

GOLDEN_GRAPH = GOLDEN.parent / "golden_graph"
GRAPH_FORMATS = {"mermaid": "mmd", "dot": "dot"}


@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.name)
def test_blueprint_matches_golden(path, update_goldens):
    compiled = compile_file(path)
    golden = GOLDEN / path.stem
    # Assets are copies of user files, checked by key (content hash) rather than stored twice.
    files = {name: data for name, data in compiled.files.items() if not name.startswith("assets/")}
    files["assets.txt"] = "".join(f"{a.key} {a.sha256}\n" for a in compiled.pipeline.assets).encode()
    if update_goldens:
        shutil.rmtree(golden, ignore_errors=True)
        for name, data in files.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(data)
    assert golden.is_dir(), f"no golden for {path.name}; run pytest --update-goldens and review it"
    expected = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected)
    for name, data in files.items():
        assert data == expected[name], f"{path.name}: {name} differs from tests/golden/{path.stem}/{name}"


@pytest.mark.parametrize("fmt", GRAPH_FORMATS)
@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.name)
def test_graph_command_draws_the_golden_diagram(path, fmt, update_goldens, capsys):
    code = main(["graph", str(path), "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 0, err
    golden = GOLDEN_GRAPH / f"{path.stem}.{GRAPH_FORMATS[fmt]}"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), f"no golden for {path.name}; run pytest --update-goldens and review it"
    assert out == golden.read_text(encoding="utf-8"), f"{path.name}: graph --format {fmt} differs " \
        f"from tests/golden_graph/{golden.name}"
