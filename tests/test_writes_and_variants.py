"""Writes that are safe (issue 11) and paths and variants that mean what they say (issue 10).

``compile --all`` checks every output folder before it writes one and reports what it wrote when
the file system fails midway; a stale staging folder is removed by the next compile; a module's
``print()`` never reaches a command's stdout. ``.with_()`` keeps the folder each unchanged path
resolves against, a helper module's paths resolve against the helper's own file, ``validate
--all`` checks every blueprint, and score data on an endpoint or an image without ``serve`` are
caught at validate.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from mlops_dsl import exit_codes
from mlops_dsl.artifacts import MARKER


def make_project(folder, *, serve=True):
    """A Glue script and an image folder (Dockerfile, train[, serve]) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "transform.py").write_text("print('t')\n")
    image = folder / "image"
    image.mkdir(exist_ok=True)
    for name in ("Dockerfile", "train", *(("serve",) if serve else ())):
        (image / name).write_text("#!/bin/sh\n")
    return folder


BASE = """\
from mlops_dsl import *
base = Blueprint(name_prefix="demo", job_name="demo", environment=Environment(region="us-east-1"),
                 transform=GlueTransform(script="transform.py", wheels=()),
                 image=ByoImage(source="image"), data=LocalData(train=None, score=None))
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path)


def two_blueprints(project):
    (project / "bp.py").write_text(BASE + "prod = base.with_(name='prod', name_prefix='demo-prod')\n")
    return project / "bp.py"


# Writes -------------------------------------------------------------------------------------------

def test_compile_all_checks_every_output_folder_before_writing_any(project, cli):
    out = project / "out"
    (out / "prod").mkdir(parents=True)
    (out / "prod" / "precious.txt").write_text("keep me")
    code, _, err = cli("compile", "--all", two_blueprints(project), "-o", out)
    assert code == exit_codes.INVALID
    assert err.splitlines() == [
        f"error: {out / 'prod'}: --output: {out / 'prod'} exists and was not written by mlops_dsl; "
        "choose an empty or new folder [MLD030]",
        "1 problem found; nothing was written."]
    assert sorted(p.name for p in out.iterdir()) == ["prod"]  # base/ was not written first
    assert (out / "prod" / "precious.txt").read_text() == "keep me"


def test_compile_all_says_what_it_wrote_when_a_later_write_fails(project, cli, monkeypatch):
    import errno

    import mlops_dsl.artifacts as artifacts

    real, calls = artifacts._replace, []

    def disk_full_on_the_second(target, files):
        calls.append(target)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(target, files)

    monkeypatch.setattr(artifacts, "_replace", disk_full_on_the_second)
    out = project / "out"
    code, stdout, err = cli("compile", "--all", two_blueprints(project), "-o", out)
    assert code == exit_codes.INVALID
    assert err.splitlines() == [
        f"error: {out / 'prod'}: --output: {out / 'prod'} cannot be written (No space left on "
        "device) [MLD031]",
        f"1 problem found; written before it: {out / 'base'}/"]
    assert "nothing was written" not in err and f"compiled base: {out / 'base'}/" in stdout
    assert (out / "base" / MARKER).exists() and not (out / "prod").exists()


def test_stale_staging_folders_of_an_interrupted_compile_are_removed(project, cli):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(gone.stdout)  # a process that has exited: its staging folders are stale
    build = project / "build"
    stale = [build / f".demo.mlops_dsl-{dead}-a1b2c3", build / f".other.mlops_dsl-old-{dead}-x_y"]
    for folder in stale:
        (folder / "previous").mkdir(parents=True)
    running = build / f".demo.mlops_dsl-{os.getpid()}-live"  # a compile still running: kept
    running.mkdir()
    mine = build / ".demo.notours"  # not a staging folder name: never touched
    mine.mkdir()
    (project / "bp.py").write_text(BASE)
    code, _, err = cli("compile", project / "bp.py")
    assert code == exit_codes.OK, err
    assert sorted(p.name for p in build.iterdir()) == sorted(["base", running.name, mine.name])


def test_a_modules_print_goes_to_stderr_so_graph_output_stays_clean(project, cli):
    (project / "bp.py").write_text("print('hello from the module')\n" + BASE)
    code, out, err = cli("graph", project / "bp.py")
    assert code == exit_codes.OK, err
    assert "hello from the module" in err and "hello" not in out
    assert out.startswith(("flowchart", "graph", "stateDiagram"))


def test_a_modules_print_goes_to_stderr_in_a_real_process(project):
    (project / "bp.py").write_text("print('hello from the module')\n" + BASE)
    result = subprocess.run([sys.executable, "-m", "mlops_dsl", "graph", "bp.py"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == exit_codes.OK, result.stderr
    assert result.stderr == "hello from the module\n" and "hello" not in result.stdout


# Paths and variants ------------------------------------------------------------------------------

def test_with_across_folders_keeps_the_anchor_of_unchanged_paths(tmp_path, cli, monkeypatch):
    """A helper in shared/ defines the base blueprint; a variant made in team/ keeps the helper's
    paths (they resolve in shared/) and resolves the paths it sets itself in team/."""
    shared = make_project(tmp_path / "shared")
    team = tmp_path / "team"
    team.mkdir()
    (team / "own.py").write_text("print('team transform')\n")
    (shared / "common.py").write_text(BASE)
    (team / "bp.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(shared)!r})
        from common import base
        from mlops_dsl import GlueTransform

        same = base.with_(name="same", name_prefix="same")
        spark = base.with_(name="spark", name_prefix="spark", transform=base.transform.with_(spark=True))
        own = base.with_(name="own", name_prefix="own", transform=GlueTransform(script="own.py", wheels=()))
        """))
    monkeypatch.chdir(tmp_path)
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.loader import load_all

    found = load_all(team / "bp.py")
    scripts = {name: compile_blueprint(bp, name=name).pipeline.transform.script.source
               for name, bp in found.items()}
    assert scripts == {"same": shared / "transform.py", "spark": shared / "transform.py",
                       "own": team / "own.py"}
    assert found["spark"].transform.where_of("script") == found["same"].transform.where
    assert found["spark"].transform.where.file == str(team / "bp.py")
    code, _, err = cli("validate", "--all", team / "bp.py")
    assert code == exit_codes.OK, err


def test_a_helper_modules_relative_paths_resolve_against_the_helpers_file(tmp_path, cli):
    shared = make_project(tmp_path / "shared")
    (shared / "parts.py").write_text(textwrap.dedent("""\
        from mlops_dsl import ByoImage, GlueTransform

        TRANSFORM = GlueTransform(script="transform.py", wheels=())
        IMAGE = ByoImage(source="image")
        """))
    app = tmp_path / "app"
    app.mkdir()
    (app / "bp.py").write_text(textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(shared)!r})
        from parts import IMAGE, TRANSFORM
        from mlops_dsl import Blueprint, Environment, LocalData

        bp = Blueprint(name_prefix="demo", job_name="demo", environment=Environment(region="us-east-1"),
                       transform=TRANSFORM, image=IMAGE, data=LocalData(train=None, score=None))
        """))
    code, out, err = cli("compile", app / "bp.py", "-o", tmp_path / "out")
    assert code == exit_codes.OK, err
    assert list((tmp_path / "out" / "assets").rglob("transform.py"))


def test_validate_all_checks_every_blueprint(project, cli):
    path = two_blueprints(project)
    code, out, err = cli("validate", "--all", path)
    assert code == exit_codes.OK, err
    assert [line.split(": ")[1] for line in out.splitlines() if ": valid (" in line] == ["base", "prod"]
    (project / "bad.py").write_text(BASE + "a = base.with_(name='a', job_name='x' * 20)\n"
                                    "b = base.with_(name='b', name_prefix='B')\n")
    code, _, err = cli("validate", "--all", project / "bad.py")
    assert code == exit_codes.INVALID and "[MLD101]" in err and "[MLD102]" in err


def test_score_data_on_an_endpoint_blueprint_is_a_note_at_validate(project, cli):
    (project / "score.csv").write_text("a,b\n1,2\n")
    (project / "bp.py").write_text(BASE + "ep = base.with_(name='ep', deployment=Endpoint(), "
                                   "data=LocalData(train=None, score='score.csv'))\n")
    code, out, err = cli("validate", project / "bp.py", "--name", "ep")
    assert code == exit_codes.OK, err
    assert (f"note: {project / 'bp.py'}:5: LocalData.score: scoring data 'score.csv' is given, but an "
            "endpoint does no batch scoring, so it is not used; set it to None (score_local_path: "
            "null), or deploy with BatchTransform() [MLD125]") in out.splitlines()
    code, out, _ = cli("validate", project / "bp.py", "--name", "base")
    assert "MLD125" not in out


@pytest.mark.parametrize("nested", [False, True])
def test_an_image_with_train_but_no_serve_is_refused_at_validate(tmp_path, cli, nested):
    project = make_project(tmp_path, serve=False)
    if nested:  # the programs in one subfolder, as container/xgboost/
        (project / "image" / "xgb").mkdir()
        os.replace(project / "image" / "train", project / "image" / "xgb" / "train")
    (project / "bp.py").write_text(BASE)
    code, _, err = cli("validate", project / "bp.py")
    assert code == exit_codes.INVALID
    where = "its folder xgb/" if nested else "it"
    assert err.splitlines()[0] == (
        f"error: {project / 'bp.py'}:4: ByoImage.source: image folder 'image' has a `train` "
        f"program but no `serve` beside it ({where}); the endpoint and the batch transform both "
        "run `serve` [MLD207]")
