"""``python -m mlops_dsl``.

``python -m`` puts the working folder first on ``sys.path``, so a ``json.py`` there would be
imported in place of the standard library's ``json`` by anything imported from now on. The entry
is dropped before anything else is imported (blueprint modules are loaded by path, with their own
folder on ``sys.path``: they do not need it). The package itself was imported just before this
file ran; a standard-library module it took from the working folder is refused by name
(MLD027). The ``mlops-dsl`` command (a console-script entry point) never has the working folder
on its path.
"""
import os
import sys


def _here() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the working folder was deleted: nothing can be imported from it either
        return None


def _drop_working_folder() -> None:
    here = _here()
    if sys.flags.safe_path or not sys.path or here is None:
        return
    if os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]


def _shadowed() -> list[tuple[str, str]]:
    """``(name, file)`` of standard-library modules already imported from the working folder."""
    here = _here()
    if here is None:
        return []
    found = []
    for name, module in list(sys.modules.items()):
        if "." in name or name not in sys.stdlib_module_names:
            continue
        file = getattr(module, "__file__", None)
        if file and os.path.dirname(os.path.abspath(file)) in (here, os.path.join(here, name)):
            found.append((name, file))
    return found


_drop_working_folder()
shadowed = _shadowed()
if shadowed:
    from . import exit_codes
    from .errors import escape

    for name, file in shadowed:
        print(escape(f"error: {file}: (python): this file shadows Python's own module {name!r} "
                     "when mlops_dsl runs as python -m from this folder; rename it, or run the "
                     "mlops-dsl command instead [MLD027]"), file=sys.stderr)
    sys.exit(exit_codes.INVALID)

from .cli import main  # noqa: E402 - after the working folder left sys.path

sys.exit(main())
