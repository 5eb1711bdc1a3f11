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
