"""The Python environment the container's programs run in locally, from its ``requirements.txt``.

In AWS the image's Dockerfile installs the container's requirements; locally there is no image.
``program_environment`` reads the requirements file of the image folder (the program folder's
own, else the image folder's, e.g. ``container/requirements.txt``) before anything runs:

- every requirement met by this interpreter: the programs run on it (nothing is built);
- otherwise an environment for that file is made once and kept in
  ``$XDG_CACHE_HOME/mlops_dsl/envs/<hash>`` (``~/.cache/...``): ``python -m venv`` with this
  interpreter, whose packages it sees (a ``.pth`` file adds this environment's site folders
  after its own), and ``pip install -r`` of the file into it, so pip installs only what is
  missing or of another version. Later runs with the same file reuse it;
- when pip cannot meet them, the run stops before it starts (MLD505) naming each unmet
  requirement, pip's error, and the commands that fix it.

Programs that are not Python still run directly, with the environment's ``bin`` first on PATH.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import site
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import BlueprintError, Location, Problem
from . import requirements as reqs

REQUIREMENTS_NOT_MET = "MLD505"
REQUIREMENTS_FILE = "requirements.txt"
COMPLETE = ".complete"  # written once an environment meets its file
PIP_ERROR_LINES = 3


@dataclass(frozen=True)
class ProgramEnvironment:
    """How the programs run: ``python`` for Python programs, ``bin`` put first on PATH (a cached
    environment's), the ``requirements`` file it was made for, and a line saying so."""

    python: str
    requirements: Path | None = None
    venv: Path | None = None
    summary: str = ""

    def environ(self, base: dict) -> dict:
        """``base`` with the environment activated (PATH, VIRTUAL_ENV) when it is a venv."""
        env = dict(base)
        if self.venv is not None:
            env["VIRTUAL_ENV"] = str(self.venv)
            env["PATH"] = os.pathsep.join([str(self.venv / "bin"), base.get("PATH", "")]).rstrip(
                os.pathsep)
        return env


def requirements_file(program: Path, image_folder: Path | None) -> Path | None:
    for folder in (program, image_folder):
        if folder is not None and (Path(folder) / REQUIREMENTS_FILE).is_file():
            return Path(folder) / REQUIREMENTS_FILE
    return None


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mlops_dsl" / "envs"


def base_site_folders() -> list[str]:
    """This interpreter's site folders (its venv's included), which the environment sees."""
    folders = list(site.getsitepackages())
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        folders.append(site.getusersitepackages())
    return folders


def environment_key(lines: list[reqs.Line]) -> str:
    text = "\n".join([sys.version, os.path.realpath(sys.executable), *base_site_folders(),
                      *(line.text for line in lines)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def program_environment(program: Path, image_folder: Path | None, reporter) -> ProgramEnvironment:
    """The environment for the programs of ``program`` (see the module docstring)."""
    path = requirements_file(program, image_folder)
    if path is None:
        return ProgramEnvironment(sys.executable, summary="no requirements.txt: the programs "
                                                          "run on this Python")
    shown = _shown(path)
    try:
        lines = reqs.read(path)
    except (OSError, UnicodeDecodeError) as error:
        raise _problem(path, None, f"cannot read {shown}: {error}") from None
    missing = reqs.unmet(lines)
    if not missing:
        return ProgramEnvironment(sys.executable, path, summary=(
            f"{shown}: {len(lines)} requirement(s) met by this Python"))
    venv = cache_root() / environment_key(lines)
    reporter.say(f"{shown}: {_listed(missing)} not met by this Python: the programs run in "
                 f"{venv}")
    began = time.monotonic()
    with _locked(venv.with_suffix(".lock")):
        still = _ensure(venv, path, lines, reporter)
    if still:
        raise _problem(path, still[0].requirement.line, _message(shown, path, still, venv))
    reporter.record("container environment", time.monotonic() - began)
    return ProgramEnvironment(str(venv / "bin" / "python"), path, venv, summary=(
        f"{shown}: the programs run in {venv}, which adds {_listed(missing)}"))


def _ensure(venv: Path, path: Path, lines: list[reqs.Line], reporter) -> list[reqs.Unmet]:
    """Make ``venv`` meet ``path`` (once); the requirements it still does not meet."""
    python = venv / "bin" / "python"
    if (venv / COMPLETE).is_file() and not _unmet_in(python, path):
        reporter.say("  made by an earlier run; reused")
        return []
    if not python.exists():
        if venv.exists():
            shutil.rmtree(venv)
        _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], venv.parent / "venv.log")
        site_packages = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL).stdout.strip()
        Path(site_packages).mkdir(parents=True, exist_ok=True)
        # after the environment's own site folder, this interpreter's (with their .pth files)
        (Path(site_packages) / "_mlops_dsl_base.pth").write_text("".join(
            f"import site; site.addsitedir({folder!r})\n" for folder in base_site_folders()))
    reporter.say(f"  pip install -r {path} into it (log: {venv / 'pip.log'})")
    with reporter.heartbeat("pip install"):
        status = _run([sys.executable, "-m", "pip", "--python", str(python), "install",
                       "--disable-pip-version-check", "--no-input", "--retries", "1", "-r",
                       str(path)], venv / "pip.log")
    still = _unmet_in(python, path)
    if status == 0 and not still:
        (venv / COMPLETE).write_text(json.dumps({"requirements": str(path)}) + "\n")
    return still


def _unmet_in(python: Path, path: Path) -> list[reqs.Unmet]:
    done = subprocess.run([str(python), reqs.__file__, str(path)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)
    if done.returncode != 0:
        return [reqs.Unmet(line, "the environment cannot check it") for line in reqs.read(path)]
    return [reqs.Unmet(reqs.Line(u["file"], u["line"], u["text"], u["name"]), u["why"])
            for u in json.loads(done.stdout)]


def _run(command: list[str], log: Path) -> int:
    """Run ``command`` in its own process group with its output in ``log``; Ctrl-C (or SIGTERM)
    stops the whole group."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return process.wait()
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
        process.wait()
        raise


class _locked:
    """An exclusive lock on a file, so two runs do not build one environment at once."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "w")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _listed(missing: list[reqs.Unmet], most: int = 6) -> str:
    shown = ", ".join(m.describe() for m in missing[:most])
    return shown + (f" and {len(missing) - most} more" if len(missing) > most else "")


def _pip_error(log: Path) -> str:
    try:
        lines = [line.strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return "(no pip log)"
    errors = [line for line in lines if line.startswith("ERROR:")]
    return " | ".join((errors or [line for line in lines if line])[-PIP_ERROR_LINES:])[:600]


def _message(shown: str, path: Path, still: list[reqs.Unmet], venv: Path) -> str:
    names = " ".join(sorted({m.requirement.name or m.requirement.text for m in still}))
    return (f"the container's requirements in {shown} are not met: {_listed(still)}; pip could "
            f"not install them into {venv}: {_pip_error(venv / 'pip.log')}. Fix the requirement "
            f"if it is misspelt, or install the requirements into this Python: {sys.executable} "
            f"-m pip install -r {path}  (missing: {names})")


def _problem(path: Path, line: int | None, message: str) -> BlueprintError:
    return BlueprintError([Problem(REQUIREMENTS_NOT_MET, "image", message,
                                   Location(str(path), line))])
