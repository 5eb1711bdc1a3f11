"""`python -m mlops_dsl new DIR`: the files it writes, what they say, and what it refuses."""
from __future__ import annotations

import ast
import csv
import io
import os
import subprocess
import sys

import pytest
from scaffold_helpers import PROBLEM_TYPES, REGION, ROOT, new, train_program

from mlops_dsl.loader import load_blueprint
from mlops_dsl.scaffold import data
from mlops_dsl.scaffold.glue_script import SHARED
from mlops_dsl.scaffold.problems import PROBLEM_TYPES as KINDS
from mlops_dsl.scaffold.project import CONTAINER_FILES, PROGRAM, PROGRAM_FILES

CONTAINER = ROOT / "container"


def files_of(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_files_of_a_project(projects, capsys):
    folder = projects["binary"]
    expected = {"blueprint.py", "README.md", "data/train.csv", "data/score.csv",
                "glue/transform.py", *(f"container/{f}" for f in CONTAINER_FILES),
                *(f"container/{PROGRAM}/{f}" for f in PROGRAM_FILES)}
    assert set(files_of(folder)) == expected
    for name in ("train", "serve"):
        assert os.access(folder / "container" / PROGRAM / name, os.X_OK)
    assert os.access(folder / "container" / "build_and_push.sh", os.X_OK)
    assert not any(p.name.startswith(".") for p in folder.parent.iterdir())  # no staging left


@pytest.mark.parametrize("problem", PROBLEM_TYPES)
def test_the_container_is_the_shipped_one(projects, problem):
    folder = projects[problem] / "container"
    for relative in (*CONTAINER_FILES, *(f"{PROGRAM}/{f}" for f in PROGRAM_FILES)):
        assert (folder / relative).read_bytes() == (CONTAINER / relative).read_bytes(), relative


@pytest.mark.parametrize("problem", PROBLEM_TYPES)
def test_the_blueprint_uses_the_public_dsl_and_fits_the_problem(projects, problem):
    path = projects[problem] / "blueprint.py"
    tree = ast.parse(path.read_text())
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert [n.module for n in imports] == ["mlops_dsl"]  # the public API only (docs/dsl.md)
    import mlops_dsl
    assert {a.name for a in imports[0].names} <= set(mlops_dsl.__all__)
    name, blueprint = load_blueprint(path)
    kind = KINDS[problem]
    assert name == f"{problem}-demo" == blueprint.name_prefix
    assert blueprint.environment.region == REGION
    assert blueprint.tuning.objective.metric == blueprint.gate.metric == kind.metric
    assert blueprint.tuning.static_hyperparameters["problem_type"] == problem
    assert blueprint.tuning.max_jobs <= 2  # a local run stays quick
    assert blueprint.image.source == "container" and blueprint.transform.script == (
        "glue/transform.py")
    # the objective is a metric the container prints for this problem type
    assert kind.metric in train_program().METRICS[problem]


@pytest.mark.parametrize("problem", PROBLEM_TYPES)
def test_the_data_is_made_up_deterministically(projects, problem, tmp_path):
    folder = projects[problem]
    train = rows((folder / "data" / "train.csv").read_text())
    score = rows((folder / "data" / "score.csv").read_text())
    label = data.LABELS[problem]
    assert (len(train), len(score)) == (data.TRAIN_ROWS, data.SCORE_ROWS)
    assert list(train[0]) == [data.ROW_ID, label, *data.NUMERIC, *data.CATEGORICAL]
    assert list(score[0]) == [data.ROW_ID, *data.NUMERIC, *data.CATEGORICAL]
    ids = [r[data.ROW_ID] for r in train + score]
    assert len(set(ids)) == len(ids)
    assert any(r["visits_per_month"] == "" for r in train)  # some missing values
    labels = [r[label] for r in train]
    if problem == "regression":
        assert all(float(v) > 0 for v in labels)
    else:
        counts = {v: labels.count(v) for v in set(labels)}
        assert len(counts) == (2 if problem == "binary" else 3)
        assert min(counts.values()) > len(labels) / 6  # every class well represented
    # the same bytes every time, whatever the folder or the name
    assert new(tmp_path / "again", "--problem", problem, "--name", "other") == 0
    for name in ("train.csv", "score.csv"):
        assert (tmp_path / "again" / "data" / name).read_bytes() == (
            folder / "data" / name).read_bytes()


@pytest.mark.parametrize("problem", PROBLEM_TYPES)
def test_the_glue_script_is_the_samples_around_the_projects_columns(projects, problem):
    source = (projects[problem] / "glue" / "transform.py").read_text()
    tree = ast.parse(source, feature_version=(3, 9))  # Glue's Python shell runs Python 3.9
    defined = {getattr(n, "name", None) or n.targets[0].id for n in tree.body
               if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Assign))}
    assert set(SHARED) | {"ROW_ID", "LABEL", "NUMERIC", "ONE_HOT", "feature_columns",
                          "engineer"} <= defined
    sample = (ROOT / "glue" / "transform.py").read_text()
    for name in ("parse_arguments", "read_text", "write_text", "run"):
        segment = next(ast.get_source_segment(sample, n) for n in ast.parse(sample).body
                       if getattr(n, "name", None) == name)
        assert segment in source, name  # copied as it is, not rewritten
    assert "EmployeeNumber" not in source and "Attrition" not in source
    assert f'LABEL = "{data.LABELS[problem]}"' in source


def _transform(project, source, dest, kind="batch"):
    return subprocess.run(
        [sys.executable, str(project / "glue" / "transform.py"), "--S3_SOURCE", str(source),
         "--S3_DEST", str(dest), "--TRAIN_KEY", "data/train/train.csv", "--SCORE_KEY",
         "data/score/score.csv", "--INFERENCE_TYPE", kind, "--JOB_ID", "j_1"],
        capture_output=True, text=True, check=False, timeout=120)


def test_the_glue_script_runs_on_folders_and_names_bad_values(projects, tmp_path):
    project = projects["multiclass"]
    source = tmp_path / "source"
    for kind in ("train", "score"):
        (source / "data" / kind).mkdir(parents=True)
        (source / "data" / kind / f"{kind}.csv").write_bytes(
            (project / "data" / f"{kind}.csv").read_bytes())
    result = _transform(project, source, tmp_path / "dest")
    assert result.returncode == 0, result.stderr
    train = rows((tmp_path / "dest" / "train" / "train.csv").read_text())
    score = rows((tmp_path / "dest" / "score" / "score.csv").read_text())
    assert len(train) == data.TRAIN_ROWS and len(score) == data.SCORE_ROWS
    assert list(score[0]) == [c for c in train[0] if c != "segment"]
    assert {r["plan_premium"] for r in train} == {"0", "1"}
    # an unknown category stops the job, naming the column, the value and the row
    path = source / "data" / "score" / "score.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",premium", ",platinum").replace(",basic", ",platinum").replace(
        ",plus", ",platinum")
    path.write_text("\n".join(lines) + "\n")
    result = _transform(project, source, tmp_path / "again")
    assert result.returncode == 1
    assert "column plan: unknown value(s) 'platinum' (row 3); known: basic, plus, premium" in (
        result.stderr)
    assert not (tmp_path / "again").exists()  # nothing written


def test_new_is_deterministic(tmp_path):
    for parent in ("one", "two"):
        assert new(tmp_path / parent / "demo", "--problem", "multiclass") == 0
    assert files_of(tmp_path / "one" / "demo") == files_of(tmp_path / "two" / "demo")


@pytest.mark.parametrize("folder, name", [
    ("Churn Model 2024", "churn-model-2024"), ("__", "project"), ("x" * 40, "x" * 30),
    ("class", "class"), ("2024", "2024"),
])
def test_names_made_from_the_folder(tmp_path, folder, name):
    assert new(tmp_path / folder) == 0
    loaded, blueprint = load_blueprint(tmp_path / folder / "blueprint.py")
    assert loaded == name == blueprint.name_prefix
    assert blueprint.job_name == name[:18].rstrip("-")


def test_an_existing_folder_that_is_not_empty_is_refused(tmp_path, capsys):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert new(folder) == 2
    err = capsys.readouterr().err
    assert (f"error: DIR: {str(folder)!r} exists and is not empty; `new` writes only into a new "
            "or empty folder [MLD701]") in err
    assert "1 problem found; nothing was written." in err
    assert files_of(folder) == {"notes.txt": b"mine"}
    (tmp_path / "file").write_text("")
    assert new(tmp_path / "file") == 2
    assert "'" + str(tmp_path / "file") + "' is not a folder" in capsys.readouterr().err


def test_an_empty_folder_is_used(tmp_path):
    (tmp_path / "empty").mkdir()
    assert new(tmp_path / "empty", "--problem", "regression") == 0
    assert (tmp_path / "empty" / "blueprint.py").is_file()


def test_bad_name_and_region_are_reported_together(tmp_path, capsys):
    assert new(tmp_path / "p", "--name", "Bad_Name", "--region", "mars-1") == 2
    err = capsys.readouterr().err
    # the DSL's own rules for name_prefix and region, under the command's codes
    assert ("error: --name: 'Bad_Name' is not valid; use 1 to 30 lower-case letters, digits and "
            "hyphens that start and end with a letter or digit, optionally followed by one hyphen "
            "(as in 'attrition-') [MLD702]") in err
    assert "error: --region: 'mars-1' is not valid; use an AWS region such as 'us-east-1' [MLD703]" in err
    assert "2 problems found; nothing was written." in err
    assert not (tmp_path / "p").exists()


def test_a_failed_write_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    import errno

    from mlops_dsl.scaffold import project

    def refuse(source, target):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))

    monkeypatch.setattr(project.os, "replace", refuse)
    assert new(tmp_path / "demo") == 2
    err = capsys.readouterr().err
    assert (f"error: DIR: cannot write {str(tmp_path / 'demo')!r}: "
            f"{os.strerror(errno.EXDEV)} [MLD704]") in err
    assert list(tmp_path.iterdir()) == []  # neither the project nor its staging folder


def test_unknown_problem_type_is_a_usage_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mlops_dsl", "new", str(tmp_path / "p"),
                             "--problem", "ranking"], capture_output=True, text=True,
                            check=False, cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --problem: invalid choice: 'ranking'" in result.stderr
    assert all(name in result.stderr.split("choose from")[1] for name in PROBLEM_TYPES)


def test_new_prints_what_to_run_next(tmp_path, capsys):
    assert new(tmp_path / "demo", "--region", "ap-southeast-2") == 0
    out = capsys.readouterr().out
    assert f"created {tmp_path / 'demo'}/: a binary classifier in ap-southeast-2, " in out
    assert f"python -m mlops_dsl run {tmp_path / 'demo' / 'blueprint.py'} --local" in out
