"""Shared test helpers: where things are, and the sample blueprints discovered by scanning."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ROOT / "blueprints"
GOLDEN = ROOT / "tests" / "golden"
SAMPLE_DATA = ROOT / "blueprints" / "data"  # the shared employee-attrition sample, shipped


def sample_blueprints() -> list[Path]:
    """Every sample blueprint (Python module or JSON config) in blueprints/: each is a golden test."""
    return sorted(p for p in BLUEPRINTS.iterdir()
                  if p.suffix in (".py", ".json") and not p.name.startswith(("_", ".")))


def sample(name: str = "attrition", module: str | None = None):
    """A sample blueprint by name, from ``blueprints/<module or name>.py``, loaded as the CLI
    loads it (the module run as a script with its folder on ``sys.path``)."""
    from mlops_dsl.loader import load_all

    return load_all(BLUEPRINTS / f"{module or name}.py")[name]


def data_rows(name: str) -> list[dict]:
    """The rows of the shipped sample ``blueprints/data/<name>.csv`` (``train`` or ``score``)."""
    import csv

    with open(SAMPLE_DATA / f"{name}.csv", encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def write_wheel(path):
    """A minimal real wheel at ``path`` (a zip holding ``<name>.dist-info/WHEEL``), as the
    compiler requires of ``GlueTransform.wheels``; returns the path."""
    import zipfile
    from pathlib import Path

    path = Path(path)
    name, version = path.name.split("-")[:2]
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}-{version}.dist-info/WHEEL",
                       "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    return path
