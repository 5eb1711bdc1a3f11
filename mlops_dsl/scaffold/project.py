"""``new DIR``: write a project that validates, compiles and runs locally as it is.

DIR/blueprint.py        the pipeline, in the public DSL (docs/dsl.md)
DIR/glue/transform.py   the Glue script for the made-up data's columns (glue_script.py)
DIR/container/          the shipped bring-your-own container, copied as it is
DIR/data/               made-up training and scoring data for the problem type (data.py)
DIR/README.md           what to run next and what to change

Everything is checked before anything is written: an existing DIR that is not an empty folder,
a name or region that a blueprint would refuse. The name (from ``--name`` or DIR's own name)
and the region are the only user text in the files, written as string literals after they
match the same patterns the blueprint checks use.
"""
from __future__ import annotations

import keyword
import os
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ..errors import BlueprintError, Problem
from ..dsl import Blueprint, Environment
from ..dsl._node import declared_problem
from ..dsl.blueprint import JOB_NAME_MAX
from . import data
from .glue_script import glue_script, literal
from .problems import DEFAULT_REGION, PROBLEM_TYPES, RANGES, STATIC
from .shipped import shipped_dir

TEMPLATES = Path(__file__).resolve().parent / "templates"
FALLBACK_NAME = "project"
EXECUTABLE = 0o755
NOT_EMPTY, BAD_NAME, BAD_REGION, CANNOT_WRITE = "MLD701", "MLD702", "MLD703", "MLD704"
# the shipped container's files a project needs (not its tests or caches)
CONTAINER_FILES = ("Dockerfile", "requirements.txt", "build_and_push.sh")
PROGRAM_FILES = ("train", "serve", "predictor.py", "wsgi.py", "nginx.conf")
PROGRAM = "xgboost"
EXECUTABLES = ("build_and_push.sh", "train", "serve")


@dataclass(frozen=True)
class Options:
    folder: Path
    problem: str = "binary"
    region: str = DEFAULT_REGION
    name: str | None = None


def derived_name(folder: Path) -> str:
    """A name prefix made from the folder's name: lower case, runs of other characters as one
    hyphen, at most 30 characters; ``project`` when nothing is left."""
    text = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")[:30].strip("-")
    return text if not declared_problem(Blueprint, "name_prefix", text) else FALLBACK_NAME


def check(options: Options) -> list[Problem]:
    problems = []
    folder = options.folder
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "is not a folder" if not folder.is_dir() else "exists and is not empty"
        problems.append(Problem(NOT_EMPTY, "DIR", f"{str(folder)!r} {what}; `new` writes only "
                                "into a new or empty folder"))
    # The name and the region are held to the DSL's own declarations of name_prefix and region.
    if options.name is not None and (why := declared_problem(Blueprint, "name_prefix", options.name)):
        problems.append(Problem(BAD_NAME, "--name", why))
    if why := declared_problem(Environment, "region", options.region):
        problems.append(Problem(BAD_REGION, "--region", why))
    return problems


def _imports(names: list[str]) -> str:
    lines = textwrap.wrap(", ".join(sorted(names, key=lambda n: (n[0].islower(), n))), 100 - 23,
                          break_on_hyphens=False)
    return "from mlops_dsl import (" + ",\n                       ".join(
        line.rstrip(",") for line in lines) + ")"


def _comment(text: str) -> str:
    return "\n".join(f"    # {line}" for line in textwrap.wrap(text, 92))


def blueprint_module(options: Options, name: str) -> str:
    kind = PROBLEM_TYPES[options.problem]
    label = data.LABELS[kind.name]
    ranges = "\n".join(f"            {cls}(name={literal(hp)}, min={low}, max={high}),"
                       for cls, hp, low, high in RANGES)
    static = {"problem_type": kind.name, **kind.static, **STATIC}
    items = textwrap.wrap(", ".join(f"{literal(k)}: {literal(v)}" for k, v in static.items()),
                          84, break_on_hyphens=False)
    static_text = "{\n" + "\n".join(f"            {line}" for line in items) + "\n        }"
    used = sorted({cls for cls, *_ in RANGES} | {
        "BatchTransform", "Blueprint", "ByoImage", "Environment", "GlueTransform", "LocalData",
        "Training", "Tuning", kind.direction, "metric"})
    return Template((TEMPLATES / "blueprint.py.tmpl").read_text("utf-8")).substitute(
        title=name, problem_title=kind.title, name=name, rows=data.TRAIN_ROWS, label=label,
        imports=_imports(used), variable=variable_name(name),
        name_literal=literal(name), job_name_literal=literal(name[:JOB_NAME_MAX].rstrip("-")),
        region_literal=literal(options.region), image_literal=literal(f"{name}-xgboost"),
        objective=f"{kind.direction}({literal(kind.metric)})", ranges=ranges,
        static=static_text, why=_comment(kind.why),
        gate=f"metric({literal(kind.metric)}) {kind.operator} {kind.threshold:g}")


def project_files(options: Options, name: str) -> dict[str, bytes]:
    """Relative path -> content of every file of the project."""
    files = {"blueprint.py": blueprint_module(options, name).encode()}
    for file_name, text in data.sample_data(options.problem).items():
        files[f"data/{file_name}"] = text.encode()
    files["glue/transform.py"] = glue_script(
        data.ROW_ID, data.LABELS[options.problem], data.NUMERIC, data.CATEGORICAL).encode()
    container = shipped_dir("container")
    for file_name in CONTAINER_FILES:
        files[f"container/{file_name}"] = (container / file_name).read_bytes()
    for file_name in PROGRAM_FILES:
        files[f"container/{PROGRAM}/{file_name}"] = (container / PROGRAM / file_name).read_bytes()
    readme = Template((TEMPLATES / "README.md.tmpl").read_text("utf-8")).substitute(
        name=name, problem_title=PROBLEM_TYPES[options.problem].title,
        label=data.LABELS[options.problem], metric=PROBLEM_TYPES[options.problem].metric,
        region=options.region, folder=options.folder.name)
    files["README.md"] = readme.encode()
    return files


def variable_name(name: str) -> str:
    """The module variable that holds the blueprint: the name as an identifier."""
    text = name.replace("-", "_")
    return text if text.isidentifier() and not keyword.iskeyword(text) else f"project_{text}"


def scaffold(options: Options) -> list[str]:
    """Write the project; returns the files written, relative to DIR. Raises BlueprintError,
    with nothing written, when the options are not usable or the folder cannot be written.

    The files are written into a hidden folder beside DIR that then takes DIR's place, so an
    error half-way leaves nothing behind."""
    problems = check(options)
    if problems:
        raise BlueprintError(problems)
    name = options.name or derived_name(options.folder)
    files = project_files(options, name)
    folder = options.folder.resolve()
    staging = folder.parent / f".{folder.name}.new-{os.getpid()}"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            if path.name in EXECUTABLES:
                os.chmod(path, EXECUTABLE)
        if folder.is_dir():
            folder.rmdir()  # empty (checked above); rmdir refuses if that changed since
        os.replace(staging, folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise BlueprintError([Problem(CANNOT_WRITE, "DIR", f"cannot write {str(folder)!r}: "
                                      f"{error.strerror or error}")]) from None
    return list(files)
