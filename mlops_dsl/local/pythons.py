"""Which Python runs a program locally, and what the program imports.

``imported_modules`` reads a Python program's import statements (without running it): the fork
server preloads them, and the Glue script's are checked against the Python that is to run it.
``find_python("3.9", ...)`` finds the interpreter a Glue job's ``PythonVersion`` asks for on
``PATH`` (``python3.9``) and checks it runs, reports that version and can import what the script
imports; otherwise it says why, and the script runs on this interpreter.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

PROBE_SECONDS = 20
# ast.parse in two threads at once can fail on CPython 3.11 with "SystemError: AST constructor
# recursion depth mismatch" (seen here with parallel training jobs; the error's CPython issue:
# https://github.com/python/cpython/issues/106905): one parse at a time.
_PARSING = threading.Lock()
# Prints the interpreter's version and which of the modules named as arguments it cannot find.
_PROBE = ("import importlib.util, json, sys\n"
          "missing = []\n"
          "for name in sys.argv[1:]:\n"
          "    try:\n"
          "        found = importlib.util.find_spec(name) is not None\n"
          "    except (ImportError, ValueError):\n"
          "        found = False\n"
          "    if not found:\n"
          "        missing.append(name)\n"
          "print(json.dumps({'version': '%d.%d' % sys.version_info[:2], 'missing': missing}))\n")


def this_python() -> str:
    return "%d.%d" % sys.version_info[:2]


def is_python_script(program: Path) -> bool:
    """A ``.py`` file, or one whose ``#!`` line names python."""
    program = Path(program)
    if program.suffix == ".py":
        return True
    try:
        with open(program, "rb") as handle:
            first = handle.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


def imported_modules(program: Path) -> list[str]:
    """The absolute modules ``program`` imports anywhere in its code (``import a.b`` gives
    ``a`` and ``a.b``; ``from a import b`` gives ``a``), sorted; [] when it is not Python."""
    try:
        source = Path(program).read_bytes()
        with _PARSING:
            tree = ast.parse(source, filename=str(program))
    except (OSError, SyntaxError, ValueError):
        return []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return sorted(found)


def top_level(modules: list[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in modules})


def local_modules(program: Path, modules: list[str]) -> set[str]:
    """The top-level modules that are files or packages beside ``program`` (its own code)."""
    folder = Path(program).resolve().parent
    return {name for name in top_level(modules)
            if (folder / f"{name}.py").exists() or (folder / name / "__init__.py").exists()}


@dataclass(frozen=True)
class Choice:
    """The interpreter a program runs on: ``python`` (a path), its ``version``, and ``warning``
    when it is not the one asked for (why, and what would fix it)."""

    python: str
    version: str
    warning: str | None = None


def probe(python: str, modules: list[str], env: dict) -> dict:
    """``{"version": "3.9", "missing": [...]}`` from running ``python``; raises OSError or
    RuntimeError (with the reason) when it does not run."""
    try:
        done = subprocess.run([python, "-c", _PROBE, *modules], capture_output=True, text=True,
                              env=env, timeout=PROBE_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"did not answer within {PROBE_SECONDS}s") from None
    if done.returncode != 0:
        first = (done.stderr or done.stdout).strip().splitlines()[:1] or [""]
        raise RuntimeError(f"exit status {done.returncode}: {first[0][:200]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def distribution_names(modules: list[str]) -> list[str]:
    """What to ``pip install`` for each module, as this interpreter's packages name them
    (``sklearn`` -> ``scikit-learn``); the module name when none here provides it."""
    from importlib.metadata import packages_distributions

    known = packages_distributions()
    return [(known.get(name) or [name])[0] for name in modules]


def find_python(version: str, script: Path, env: dict, job: str) -> Choice:
    """The ``python<version>`` on PATH when it runs, is that version and finds every module the
    script imports that this interpreter finds; else this interpreter, with the reason."""
    here = this_python()
    if version == here:
        return Choice(sys.executable, here)
    name = f"python{version}"
    fallback = f"so the script runs on this Python {here} ({sys.executable})"
    found = shutil.which(name, path=env.get("PATH"))
    if found is None:
        return Choice(sys.executable, here, f"{job} runs on Python {version} in AWS; there is "
                                            f"no {name} on PATH, {fallback}")
    script_modules = top_level(imported_modules(script))
    wanted = sorted(set(script_modules) - local_modules(script, script_modules))
    try:
        ours = probe(sys.executable, wanted, env)["missing"]
        theirs = probe(found, wanted, env)
    except (OSError, RuntimeError, ValueError) as error:
        return Choice(sys.executable, here, f"{job} runs on Python {version} in AWS; {found} "
                                            f"did not run ({error}), {fallback}")
    if theirs["version"] != version:
        return Choice(sys.executable, here, f"{job} runs on Python {version} in AWS; {found} "
                                            f"is Python {theirs['version']}, {fallback}")
    lacking = [m for m in theirs["missing"] if m not in ours]
    if lacking:
        install = " ".join(distribution_names(lacking))
        return Choice(sys.executable, here,
                      f"{job} runs on Python {version} in AWS; {found} cannot import "
                      f"{', '.join(lacking)}, which the script imports, {fallback}; to run it on "
                      f"{version}: {found} -m pip install {install}")
    return Choice(found, version)
