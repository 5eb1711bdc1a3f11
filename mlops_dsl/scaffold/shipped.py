"""Where the runtime code that mlops_dsl ships lives: ``container/`` and ``glue/``.

Each folder has one copy, at the top of the repository. A wheel carries it inside the package
(setup.cfg maps ``container/`` to ``mlops_dsl.container`` and ``glue/`` to ``mlops_dsl.glue``); a
source checkout or an editable install reads it where it is. The installed copy is looked for
first, so that an unrelated top-level ``glue`` or ``container`` folder beside an installed
package is never taken for ours.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # mlops_dsl/
FOLDERS = ("container", "glue")


def shipped_dir(folder: str) -> Path:
    """``mlops_dsl/<folder>`` of a wheel install, else ``<checkout>/<folder>``."""
    if folder not in FOLDERS:
        raise ValueError(f"{folder!r} is not one of the shipped folders {FOLDERS}")
    installed = PACKAGE / folder
    if installed.is_dir():
        return installed
    checkout = PACKAGE.parent
    if (checkout / "setup.cfg").is_file() and (checkout / folder).is_dir():
        return checkout / folder
    raise RuntimeError(f"the shipped {folder}/ folder is missing from this installation "
                       f"(looked in {installed} and {checkout / folder})")
