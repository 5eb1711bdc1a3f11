"""The command line: exit codes, messages without tracebacks, output folders, blueprint discovery."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT
from mlops_dsl.artifacts import MARKER


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "mlops_dsl", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.fixture
def project(tmp_path):
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


def test_compile_sample_writes_the_artifacts(tmp_path):
    result = cli("compile", ROOT / "blueprints" / "attrition.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "build" / "attrition"
    assert (out / "template.json").is_file() and (out / "statemachine.asl.json").is_file()
    assert len(list((out / "assets").rglob("transform.py"))) == 1
    assert "compiled attrition: build/attrition/" in result.stdout


def test_validate_writes_nothing(tmp_path):
    result = cli("validate", ROOT / "blueprints" / "attrition_endpoint.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "attrition_endpoint: valid (" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_invalid_blueprint_exits_2_with_one_line_per_problem(project):
    (project / "bp.py").write_text(HEADER + textwrap.dedent("""\
        bad = base.with_(job_name="this-name-is-far-too-long",
                         tuning=Tuning(max_jobs=2, max_parallel_jobs=4))
        """))
    result = cli("compile", project / "bp.py", "--name", "bad", cwd=project)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == (f"error: {project / 'bp.py'}:5: Blueprint.job_name: 'this-name-is-far-too-long' has "
                        "25 characters; use 1 to 18 (a timestamp is appended for each run) [MLD101]")
    assert lines[1] == f"error: {project / 'bp.py'}:6: Tuning.max_parallel_jobs: 4 exceeds max_jobs 2 [MLD105]"
    assert lines[-1] == "2 problems found; nothing was written."
    assert "Traceback" not in result.stderr
    assert not (project / "build").exists()


def test_several_blueprints_need_a_name(project):
    (project / "bp.py").write_text(HEADER + "prod = base.with_(name='prod', name_prefix='demo-prod')\n")
    result = cli("compile", project / "bp.py", cwd=project)
    assert result.returncode == 2
    assert "this file defines 2 blueprints (base, prod); pick one with --name [MLD023]" in result.stderr
    result = cli("compile", project / "bp.py", "--name", "nope", cwd=project)
    assert "no blueprint named 'nope'; this file defines: base, prod [MLD022]" in result.stderr
    result = cli("compile", project / "bp.py", "--name", "prod", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "build" / "prod" / "template.json").is_file()


def test_module_without_blueprint(project):
    (project / "empty.py").write_text("x = 1\n")
    result = cli("validate", project / "empty.py")
    assert result.returncode == 2 and "defines no Blueprint at module level [MLD024]" in result.stderr


def test_duplicate_blueprint_names(project):
    (project / "bp.py").write_text(HEADER + "other = base.with_(name='base')\n")
    result = cli("validate", project / "bp.py")
    assert result.returncode == 2 and "two blueprints are named 'base'" in result.stderr
    assert "[MLD025]" in result.stderr


def test_syntax_and_runtime_errors_point_at_the_users_line(project):
    (project / "syntax.py").write_text("from mlops_dsl import *\nx = (\n")
    result = cli("validate", project / "syntax.py")
    assert result.returncode == 2 and "syntax.py:2: (python): syntax error:" in result.stderr
    (project / "name.py").write_text(HEADER + "oops = undefined_thing\n")
    result = cli("validate", project / "name.py")
    assert result.returncode == 2
    assert "name.py:5: (python): NameError: name 'undefined_thing' is not defined [MLD021]" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_keyword_points_at_the_users_line(project):
    (project / "kw.py").write_text("from mlops_dsl import Training\nt = Training(instance_cnt=2)\n")
    result = cli("validate", project / "kw.py")
    assert result.returncode == 2
    assert "kw.py:2: (python): TypeError:" in result.stderr and "instance_cnt" in result.stderr


def test_missing_or_unsupported_blueprint_file(tmp_path):
    result = cli("validate", tmp_path / "nope.py")
    assert result.returncode == 2 and "does not exist or is not a file [MLD026]" in result.stderr
    (tmp_path / "bp.yaml").write_text("a: 1\n")
    result = cli("validate", tmp_path / "bp.yaml")
    assert "use a Python module (.py) or a JSON config (.json) [MLD026]" in result.stderr


def test_output_folder_not_ours_is_never_replaced(project):
    (project / "bp.py").write_text(HEADER)
    mine = project / "mine"
    mine.mkdir()
    (mine / "precious.txt").write_text("keep me")
    result = cli("compile", project / "bp.py", "-o", mine)
    assert result.returncode == 2 and "was not written by mlops_dsl" in result.stderr
    assert "[MLD030]" in result.stderr and (mine / "precious.txt").read_text() == "keep me"


def test_recompile_replaces_our_own_output_atomically(project):
    (project / "bp.py").write_text(HEADER)
    out = project / "out"
    assert cli("compile", project / "bp.py", "-o", out).returncode == 0
    (out / "stale.txt").write_text("from an older compile")
    assert cli("compile", project / "bp.py", "-o", out).returncode == 0
    assert not (out / "stale.txt").exists() and (out / MARKER).exists()
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".")) == []


def test_unexpected_failure_exits_1_without_traceback(project, monkeypatch):
    (project / "bp.py").write_text(HEADER)
    code = ("import sys\nimport mlops_dsl.compiler as c\n"
            "def boom(*a, **k):\n    raise RuntimeError('disk on fire')\n"
            "c.compile_blueprint = boom\nfrom mlops_dsl.cli import main\n"
            f"sys.exit(main(['validate', {str(project / 'bp.py')!r}]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert "internal error: RuntimeError: disk on fire" in result.stderr
    assert "Traceback" not in result.stderr


def test_version():
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("mlops_dsl ")


def test_compile_all_writes_every_blueprint(project):
    (project / "bp.py").write_text(HEADER + "prod = base.with_(name='prod', name_prefix='demo-prod')\n")
    result = cli("compile", "--all", project / "bp.py", "-o", project / "out")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "out").iterdir()) == ["base", "prod"]
    assert (project / "out" / "prod" / "template.json").is_file()


def test_compile_all_reports_every_blueprints_problems(project):
    (project / "bp.py").write_text(HEADER + "a = base.with_(name='a', job_name='x' * 20)\n"
                                   "b = base.with_(name='b', name_prefix='B')\n")
    result = cli("compile", "--all", project / "bp.py", "-o", project / "out")
    assert result.returncode == 2
    assert "[MLD101]" in result.stderr and "[MLD102]" in result.stderr
    assert not (project / "out").exists()
