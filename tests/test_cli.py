"""The command line: exit codes, messages without tracebacks, output folders, blueprint discovery.

Commands run in this process (the ``cli`` fixture); the tests about the process itself, its exit
status and ``python -m mlops_dsl``, start a real one (``python_m``).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT
from mlops_dsl import exit_codes
from mlops_dsl.artifacts import MARKER


def python_m(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "mlops_dsl", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with a Glue script and an image folder, made the working folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "transform.py").write_text("print('t')\n")
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


HEADER = textwrap.dedent("""\
    from mlops_dsl import *
    base = Blueprint(name_prefix="demo", job_name="demo", environment=Environment(region="us-east-1"),
                     transform=GlueTransform(script="transform.py", wheels=()),
                     image=ByoImage(source="image"), data=LocalData(train=None, score=None))
    """)


def test_compile_sample_writes_the_artifacts(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("compile", ROOT / "blueprints" / "attrition.py")
    assert code == exit_codes.OK, err
    build = tmp_path / "build" / "attrition"
    assert (build / "template.json").is_file() and (build / "statemachine.asl.json").is_file()
    assert len(list((build / "assets").rglob("transform.py"))) == 1
    assert "compiled attrition: build/attrition/" in out


def test_validate_writes_nothing(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("validate", ROOT / "blueprints" / "attrition_endpoint.py")
    assert code == exit_codes.OK, err
    assert "attrition_endpoint: valid (" in out
    assert list(tmp_path.iterdir()) == []


def test_invalid_blueprint_exits_2_with_one_line_per_problem(project, cli):
    (project / "bp.py").write_text(HEADER + textwrap.dedent("""\
        bad = base.with_(job_name="this-name-is-far-too-long",
                         tuning=Tuning(max_jobs=2, max_parallel_jobs=4))
        """))
    code, _, err = cli("compile", project / "bp.py", "--name", "bad")
    assert code == exit_codes.INVALID
    lines = err.splitlines()
    assert lines[0] == (f"error: {project / 'bp.py'}:5: Blueprint.job_name: 'this-name-is-far-too-long' has "
                        "25 characters; use 1 to 18 (a timestamp is appended for each run) [MLD101]")
    assert lines[1] == f"error: {project / 'bp.py'}:6: Tuning.max_parallel_jobs: 4 exceeds max_jobs 2 [MLD105]"
    assert lines[-1] == "2 problems found; nothing was written."
    assert "Traceback" not in err
    assert not (project / "build").exists()


def test_several_blueprints_need_a_name(project, cli):
    (project / "bp.py").write_text(HEADER + "prod = base.with_(name='prod', name_prefix='demo-prod')\n")
    code, _, err = cli("compile", project / "bp.py")
    assert code == exit_codes.INVALID
    assert "this file defines 2 blueprints (base, prod); pick one with --name [MLD023]" in err
    code, _, err = cli("compile", project / "bp.py", "--name", "nope")
    assert code == exit_codes.INVALID
    assert "no blueprint named 'nope'; this file defines: base, prod [MLD022]" in err
    code, _, err = cli("compile", project / "bp.py", "--name", "prod")
    assert code == exit_codes.OK, err
    assert (project / "build" / "prod" / "template.json").is_file()


def test_module_without_blueprint(project, cli):
    (project / "empty.py").write_text("x = 1\n")
    code, _, err = cli("validate", project / "empty.py")
    assert code == exit_codes.INVALID and "defines no Blueprint at module level [MLD024]" in err


def test_duplicate_blueprint_names(project, cli):
    (project / "bp.py").write_text(HEADER + "other = base.with_(name='base')\n")
    code, _, err = cli("validate", project / "bp.py")
    assert code == exit_codes.INVALID and "two blueprints are named 'base'" in err
    assert "[MLD025]" in err


def test_syntax_and_runtime_errors_point_at_the_users_line(project, cli):
    (project / "syntax.py").write_text("from mlops_dsl import *\nx = (\n")
    code, _, err = cli("validate", project / "syntax.py")
    assert code == exit_codes.INVALID and "syntax.py:2: (python): syntax error:" in err
    (project / "name.py").write_text(HEADER + "oops = undefined_thing\n")
    code, _, err = cli("validate", project / "name.py")
    assert code == exit_codes.INVALID
    assert "name.py:5: (python): NameError: name 'undefined_thing' is not defined [MLD021]" in err
    assert "Traceback" not in err


def test_unknown_keyword_points_at_the_users_line(project, cli):
    (project / "kw.py").write_text("from mlops_dsl import Training, Tuning, Environment\n"
                                   "t = Training(instance_cnt=2)\n")
    code, _, err = cli("validate", project / "kw.py")
    assert code == exit_codes.INVALID
    assert err.splitlines()[0] == (f"error: {project / 'kw.py'}:2: Training: unknown field "
                                   "'instance_cnt'; did you mean 'instance_count'? [MLD003]")


@pytest.mark.parametrize("call, message", [
    ("Tuning(max_job=3)", "Tuning: unknown field 'max_job'; did you mean 'max_jobs'?"),
    ("Tuning(colour=3)", "Tuning: unknown field 'colour'; the fields are: objective, ranges, "
                         "static_hyperparameters, max_jobs"),
    ("Environment()", "Environment: 'region' is required"),
    ("Training('ml.m5.large')", "Training: takes keyword arguments only, as in "
                                "Training(instance_type=...); got 1 positional"),
])
def test_a_wrong_call_of_a_dsl_class_is_located_with_a_hint(project, cli, call, message):
    (project / "kw.py").write_text(f"from mlops_dsl import *\n\nx = {call}\n")
    code, _, err = cli("validate", project / "kw.py")
    assert code == exit_codes.INVALID
    assert err.startswith(f"error: {project / 'kw.py'}:3: {message}") and "[MLD003]" in err


def test_missing_or_unsupported_blueprint_file(tmp_path, cli):
    code, _, err = cli("validate", tmp_path / "nope.py")
    assert code == exit_codes.INVALID and f"{tmp_path / 'nope.py'} does not exist [MLD026]" in err
    code, _, err = cli("validate", tmp_path)
    assert code == exit_codes.INVALID and f"{tmp_path} is a directory, not a file [MLD026]" in err
    (tmp_path / "bp.yaml").write_text("a: 1\n")
    code, _, err = cli("validate", tmp_path / "bp.yaml")
    assert code == exit_codes.INVALID
    assert "use a Python module (.py) or a JSON config (.json) [MLD026]" in err


def test_output_folder_not_ours_is_never_replaced(project, cli):
    (project / "bp.py").write_text(HEADER)
    mine = project / "mine"
    mine.mkdir()
    (mine / "precious.txt").write_text("keep me")
    code, _, err = cli("compile", project / "bp.py", "-o", mine)
    assert code == exit_codes.INVALID and "was not written by mlops_dsl" in err
    assert "[MLD030]" in err and (mine / "precious.txt").read_text() == "keep me"


def test_recompile_replaces_our_own_output_atomically(project, cli):
    (project / "bp.py").write_text(HEADER)
    out = project / "out"
    assert cli("compile", project / "bp.py", "-o", out)[0] == exit_codes.OK
    (out / "stale.txt").write_text("from an older compile")
    assert cli("compile", project / "bp.py", "-o", out)[0] == exit_codes.OK
    assert not (out / "stale.txt").exists() and (out / MARKER).exists()
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_unexpected_failure_exits_1_without_traceback(project, cli, monkeypatch):
    import mlops_dsl.compiler

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    (project / "bp.py").write_text(HEADER)
    monkeypatch.delenv("MLOPS_DSL_DEBUG", raising=False)
    monkeypatch.setattr(mlops_dsl.compiler, "compile_blueprint", boom)
    code, _, err = cli("validate", project / "bp.py")
    assert code == exit_codes.FAILED
    assert "internal error: RuntimeError: disk on fire" in err
    assert "rerun with MLOPS_DSL_DEBUG=1" in err and "Traceback" not in err


def test_a_missing_dependency_is_named_with_the_install_command_not_called_a_bug(tmp_path):
    """``python3 -m mlops_dsl`` outside the environment it was installed in: troposphere (the
    compile's) cannot be imported. A real process, with an import hook that hides it."""
    program = textwrap.dedent(f"""\
        import sys

        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "troposphere":
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, Hide())
        from mlops_dsl.cli import main
        sys.exit(main(["compile", {str(ROOT / "blueprints" / "attrition.py")!r},
                       "--out", {str(tmp_path / "out")!r}]))
        """)
    env = {k: v for k, v in os.environ.items() if k != "MLOPS_DSL_DEBUG"}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          env=env, timeout=120, cwd=tmp_path)
    assert done.returncode == exit_codes.FAILED, done.stderr
    assert "cannot import 'troposphere', which mlops_dsl needs" in done.stderr
    assert f"{sys.executable} -m pip install -e '.[local]'" in done.stderr
    assert "bug" not in done.stderr and "Traceback" not in done.stderr


def test_ctrl_c_exits_130_with_one_line(project, cli, monkeypatch):
    import mlops_dsl.compiler

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    (project / "bp.py").write_text(HEADER)
    monkeypatch.setattr(mlops_dsl.compiler, "compile_blueprint", interrupted)
    code, _, err = cli("validate", project / "bp.py")
    assert (code, err) == (exit_codes.INTERRUPTED, "interrupted\n")


def test_compile_all_writes_every_blueprint(project, cli):
    (project / "bp.py").write_text(HEADER + "prod = base.with_(name='prod', name_prefix='demo-prod')\n")
    code, _, err = cli("compile", "--all", project / "bp.py", "-o", project / "out")
    assert code == exit_codes.OK, err
    assert sorted(p.name for p in (project / "out").iterdir()) == ["base", "prod"]
    assert (project / "out" / "prod" / "template.json").is_file()


def test_compile_all_reports_every_blueprints_problems(project, cli):
    (project / "bp.py").write_text(HEADER + "a = base.with_(name='a', job_name='x' * 20)\n"
                                   "b = base.with_(name='b', name_prefix='B')\n")
    code, _, err = cli("compile", "--all", project / "bp.py", "-o", project / "out")
    assert code == exit_codes.INVALID
    assert "[MLD101]" in err and "[MLD102]" in err
    assert not (project / "out").exists()


# ---------------------------------------------------------------------------------------------
# The process: python -m mlops_dsl and its exit status (a real interpreter each)

def test_python_m_prints_the_version_and_exits_0():
    result = python_m("--version")
    assert result.returncode == exit_codes.OK and result.stdout.startswith("mlops_dsl ")


def test_python_m_exits_2_on_an_invalid_blueprint(project):
    (project / "bp.py").write_text(HEADER + "bad = base.with_(job_name='x' * 20)\n")
    result = python_m("validate", project / "bp.py", "--name", "bad")
    assert result.returncode == exit_codes.INVALID
    assert "[MLD101]" in result.stderr and "Traceback" not in result.stderr


def test_python_m_exits_1_on_an_aws_failure(tmp_path):
    """No credentials anywhere: deploy stops before any AWS call, with a message and status 1."""
    empty = tmp_path / "empty"
    empty.touch()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("AWS_") or key in ("AWS_EC2_METADATA_DISABLED", "AWS_REGION")}
    env.update(AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty))
    result = python_m("deploy", ROOT / "blueprints" / "attrition.py", "--stack-name", "demo", "--yes",
                      env=env)
    assert result.returncode == exit_codes.FAILED
    assert result.stderr.startswith("error: no AWS credentials found")
    assert "Traceback" not in result.stderr


def test_the_readme_lists_exactly_the_exit_codes():
    text = (ROOT / "README.md").read_text()
    listed = text.split("The exit codes are", 1)[1].split("\n\n", 2)[1]
    found = dict(re.fullmatch(r"- ([0-9]+): (.*?)[;.]", line).groups() for line in listed.splitlines())
    assert found == {str(code): meaning for code, meaning in exit_codes.MEANINGS.items()}
