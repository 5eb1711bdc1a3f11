"""The working folder leaves ``sys.path`` when mlops_dsl runs as ``python -m mlops_dsl``.

``python -m`` puts the working folder first on ``sys.path``, so a ``json.py`` or ``copy.py`` there
would be imported in place of the standard library's module by anything imported from then on.
The package's ``__init__`` calls ``drop_working_folder`` before it imports anything (while
``python -m`` locates the package, ``sys.argv[0]`` is ``"-m"``), and ``__main__`` refuses a
standard-library module that was taken from the folder before that (MLD027).
"""
import os
import sys


def _here() -> str | None:
    try:
        return os.getcwd()
    except OSError:  # the working folder was deleted: nothing can be imported from it either
        return None


_dropped = False


def drop_working_folder() -> None:
    """Remove the entry ``python -m`` put first; once, however often it is called."""
    global _dropped
    here = _here()
    if _dropped or sys.flags.safe_path or not sys.path or here is None:
        return
    if os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]
        _dropped = True


def shadowed_stdlib() -> list[tuple[str, str]]:
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

