"""The docs name the code they describe by path: every such path must exist (a module moved in a
restructuring leaves the docs pointing at nothing)."""
from __future__ import annotations

import re

from helpers import ROOT

DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
# a repository path in backticks: one of our top-level folders, then a file or folder
NAMED = re.compile(r"`((?:mlops_dsl|benchmarks|blueprints|container|glue|lambdas|tests)/"
                   r"[A-Za-z0-9_./-]*)`")


def test_every_path_the_docs_name_exists():
    named = {(doc.relative_to(ROOT).as_posix(), path) for doc in DOCS
             for path in NAMED.findall(doc.read_text(encoding="utf-8"))}
    assert len(named) > 10  # the pattern finds what the docs name
    assert sorted((doc, path) for doc, path in named
                  if "<" not in path and not (ROOT / path.rstrip("/")).exists()) == []
