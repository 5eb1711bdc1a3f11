"""``python -m mlops_dsl``.

``python -m`` puts the working folder first on ``sys.path``, so a ``json.py`` there would be
imported in place of the standard library's ``json`` by anything imported from now on. The entry
is dropped before anything else is imported (blueprint modules are loaded by path, with their own
folder on ``sys.path``: they do not need it). The package itself was imported just before this
file ran; a standard-library module it took from the working folder is refused by name
(MLD027). The ``mlops-dsl`` command (a console-script entry point) never has the working folder
on its path.
"""
import sys

from ._as_module import drop_working_folder, shadowed_stdlib


drop_working_folder()
shadowed = shadowed_stdlib()
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
