"""``run --local --resume RUN``: a run that failed in its batch transform finishes once the image's
``serve`` is fixed, without training again; resumes that would reuse states whose inputs changed,
of a run that succeeded, of a missing folder or of another pipeline's run are refused."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from local_helpers import BLUEPRINTS, ROOT, csv_rows, sample

from helpers import data_rows
from mlops_dsl.cli import main
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.emit import names as n

BROKEN_SERVE = ("#!/usr/bin/env python3\nimport sys\n"
                "print('serve: cannot load the model: schema.json missing', file=sys.stderr)\n"
                "sys.exit(3)\n")


def blueprint_file(folder: Path, name: str = "resumable", max_jobs: int = 1,
                   eta: str = "0.1", gate: str = "attrition.gate") -> Path:
    """A module defining the sample as ``name``, with ``max_jobs`` jobs, static ``eta`` and the
    ``gate`` expression."""
    path = folder / f"{name}.py"
    path.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(BLUEPRINTS)!r})\n"
        "from attrition import attrition\n"
        "from mlops_dsl import metric\n"
        f"{name} = attrition.with_(name={name!r}, gate={gate}, tuning=attrition.tuning.with_(\n"
        f"    max_jobs={max_jobs}, max_parallel_jobs=1,\n"
        f"    static_hyperparameters=dict(attrition.tuning.static_hyperparameters, eta={eta!r})))\n")
    return path


def broken_image(folder: Path) -> Path:
    """The sample's container with a ``serve`` that fails (its batch transform fails)."""
    image = folder / "image"
    shutil.copytree(ROOT / "container" / "xgboost", image)
    (image / "serve").write_text(BROKEN_SERVE)
    return image


def fix(image: Path) -> None:
    shutil.copy(ROOT / "container" / "xgboost" / "serve", image / "serve")


def cli_run(blueprint: Path, image: Path, workspace: Path, *extra: str) -> int:
    return main(["run", str(blueprint), "--local", "--no-serve", "--local-image", str(image),
                 "--workspace", str(workspace), *extra])


def record(run_dir: Path, name: str = "run.json") -> dict:
    return json.loads((run_dir / name).read_text())


def runs(workspace: Path) -> set[str]:
    return {p.name for p in workspace.iterdir()} if workspace.is_dir() else set()


def training_jobs(run_dir: Path) -> list[Path]:
    """The sandboxes of the training jobs that ran in this run folder."""
    return sorted((run_dir / "work" / "tuning").glob("*/jobs/*"))


def test_a_failed_batch_transform_resumes_without_training_again(tmp_path, capsys):
    workspace, image = tmp_path / "runs", broken_image(tmp_path)
    blueprint = blueprint_file(tmp_path)
    assert cli_run(blueprint, image, workspace) == 1
    (first,) = runs(workspace)
    first_dir = workspace / first
    failed = record(first_dir)
    assert (failed["status"], failed["failed_state"]) == ("FAILED", "Batch transform")
    trained = training_jobs(first_dir)
    assert len(trained) == 1  # max_jobs
    capsys.readouterr()

    # resumed with serve still broken: fails again, in the same state, as a new run folder
    assert cli_run(blueprint, image, workspace, "--resume", first) == 1
    (second,) = runs(workspace) - {first}
    assert record(workspace / second)["resumed_from"] == first
    assert record(workspace / second)["failed_state"] == "Batch transform"
    capsys.readouterr()

    # fixed, then `last`: the latest failed run no later run resumed, i.e. the second
    fix(image)
    assert cli_run(blueprint, image, workspace, "--resume", "last") == 0
    out = capsys.readouterr().out
    (third,) = runs(workspace) - {first, second}
    third_dir = workspace / third
    done = record(third_dir)
    assert done["status"] == "SUCCEEDED"
    assert (done["resumed_from"], done["resumed_at"]) == (second, "Batch transform")

    # nothing before the transform ran again: the states it reused are the first run's
    journal = record(first_dir, "resume.json")["states"]
    before = [e["name"] for e in journal[:[e["name"] for e in journal].index("Batch transform")]]
    assert "Tune model" in before and "Transform data" in before
    assert done["reused_states"] == list(dict.fromkeys(before))
    assert (f"resuming run {second} at state 'Batch transform'; reused, not run again: "
            f"{', '.join(dict.fromkeys(before))}") in out
    executed = record(third_dir, "resume.json")["states"][len(before):]
    assert "Tune model" not in {e["name"] for e in executed}
    assert training_jobs(workspace / second) == training_jobs(third_dir) == []  # no new job
    assert "tuning job" not in out and "training job 1/1" not in out

    # the model served is the first run's best job's, and every employee was scored
    assert done["best_training_job"] == failed["best_training_job"] == trained[0].name
    assert f"Best training job: {trained[0].name}" in out
    assert f"Resumed run {second} at state 'Batch transform'; reused, not run again: " in out
    (predictions,) = (third_dir / "output" / "predictions").glob("*/out.csv")
    assert len(csv_rows(predictions)) == len(data_rows("score"))

    # the chain's end succeeded: resuming it is refused, and `last` finds no failed run left
    assert cli_run(blueprint, image, workspace, "--resume", third) == 2
    error = capsys.readouterr().err
    assert f"{third_dir}: --resume: the run {third} succeeded: there is nothing to resume" in error
    assert "[MLD511]" in error
    assert cli_run(blueprint, image, workspace, "--resume", "last") == 2
    error = capsys.readouterr().err
    assert "no failed run of resumable to resume (`last`)" in error and "[MLD510]" in error
    assert runs(workspace) == {first, second, third}  # a refusal writes nothing


def test_a_gate_miss_resumes_at_the_gate_with_the_new_threshold(tmp_path, capsys):
    workspace, image = tmp_path / "runs", broken_image(tmp_path)
    fix(image)
    assert cli_run(blueprint_file(tmp_path, gate="metric('roc_auc') > 0.999"), image,
                   workspace) == 1
    (first,) = runs(workspace)
    missed = record(workspace / first)
    assert missed["failed_state"] == "Metric below threshold"
    capsys.readouterr()
    # the Fail state fails by design: the resume starts at the Choice that chose it, which may
    # change; the states before it (the tuning) are reused
    assert cli_run(blueprint_file(tmp_path, gate="metric('roc_auc') > 0.5"), image, workspace,
                   "--resume", "last") == 0
    out = capsys.readouterr().out
    (second,) = runs(workspace) - {first}
    done = record(workspace / second)
    assert (done["status"], done["resumed_at"]) == ("SUCCEEDED", "Check metric threshold")
    assert "Tune model" in done["reused_states"]
    assert "Check metric threshold" not in done["reused_states"]
    assert training_jobs(workspace / second) == []
    assert f"roc_auc {missed['best_metrics']['roc_auc']:g} > 0.5? passed -> Create model" in out


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    """(workspace, run id, image, folder) of one run that failed in its batch transform."""
    folder = tmp_path_factory.mktemp("resume")
    workspace, image = folder / "runs", broken_image(folder)
    assert cli_run(blueprint_file(folder), image, workspace) == 1
    (run_id,) = runs(workspace)
    return workspace, run_id, image, folder


def test_a_resume_after_the_hyperparameters_changed_is_refused(failed_run, tmp_path, capsys):
    workspace, run_id, image, _ = failed_run
    changed = blueprint_file(tmp_path, eta="0.3")
    capsys.readouterr()
    assert cli_run(changed, image, workspace, "--resume", run_id) == 2
    error = capsys.readouterr().err
    (line,) = [line for line in error.splitlines() if "[MLD513]" in line]
    assert f"{changed}:" in line  # the blueprint's own line
    assert (f"Tune model: reused by the resume of {run_id}, but the blueprint changed what it "
            "depended on: definition /Parameters/TrainingJobDefinition/StaticHyperParameters/eta: "
            '"0.1" -> "0.3"') in line
    assert runs(workspace) == {run_id}


def test_a_resume_after_the_training_data_changed_names_the_file(failed_run, tmp_path, capsys):
    workspace, run_id, image, _ = failed_run
    data = tmp_path / "train.csv"
    data.write_text((BLUEPRINTS / "data" / "train.csv").read_text() + "\n")
    module = blueprint_file(tmp_path)
    module.write_text(module.read_text() + "from mlops_dsl import LocalData\n"
                      f"resumable = resumable.with_(data=LocalData(train={str(data)!r}, "
                      f"score={str(BLUEPRINTS / 'data' / 'score.csv')!r}))\n")
    capsys.readouterr()
    assert cli_run(module, image, workspace, "--resume", run_id) == 2
    error = capsys.readouterr().err
    changed = [line for line in error.splitlines() if "[MLD513]" in line]
    key = compile_blueprint(sample()).pipeline.data.train_key
    # the states that read the training data, not the ones its key rides along with
    assert [line.split(": ")[2] for line in changed] == ["Train on the compiled key",
                                                         "Transform data"], error
    assert all(f"input file {key} changed; undo the change" in line for line in changed)


def test_a_missing_run_folder_is_refused_listing_the_existing_ones(failed_run, capsys):
    workspace, run_id, image, folder = failed_run
    capsys.readouterr()
    assert cli_run(folder / "resumable.py", image, workspace, "--resume", "no-such-run") == 2
    error = capsys.readouterr().err
    assert (f"{workspace}: --resume: no run folder 'no-such-run' in the workspace; the run folders "
            f"of {workspace}, newest first: {run_id} (resumable, failed) [MLD510]") in error


def test_a_run_of_another_pipeline_is_refused(failed_run, tmp_path, capsys):
    workspace, run_id, image, _ = failed_run
    other = blueprint_file(tmp_path, name="other")
    capsys.readouterr()
    assert cli_run(other, image, workspace, "--resume", run_id) == 2
    error = capsys.readouterr().err
    assert (f"--resume: the run {run_id} is a run of the pipeline 'resumable', not of 'other' "
            "[MLD512]") in error


def test_a_run_without_a_resume_record_is_refused(failed_run, capsys):
    workspace, run_id, image, folder = failed_run
    old = workspace / "old-run"
    old.mkdir()
    (old / "run.json").write_text("{}\n")
    try:
        assert cli_run(folder / "resumable.py", image, workspace, "--resume", "old-run") == 2
    finally:
        shutil.rmtree(old)
    error = capsys.readouterr().err
    assert "--resume: the run old-run left no resume record (resume.json)" in error
    assert "[MLD514]" in error


def test_resume_needs_local(tmp_path, capsys):
    assert main(["run", str(blueprint_file(tmp_path)), "--resume", "last"]) == 2
    assert "--resume: --resume continues a local run: add --local [MLD514]" in (
        capsys.readouterr().err)


def test_a_resume_after_the_glue_script_changed_names_the_glue_job(failed_run, tmp_path, capsys):
    workspace, run_id, image, _ = failed_run
    script = tmp_path / "transform.py"
    script.write_text((ROOT / "glue" / "transform.py").read_text() + "# changed\n")
    module = blueprint_file(tmp_path)
    module.write_text(module.read_text() + "from mlops_dsl import GlueTransform\n"
                      f"resumable = resumable.with_(transform=GlueTransform(script={str(script)!r},"
                      " wheels=()))\n")
    capsys.readouterr()
    assert cli_run(module, image, workspace, "--resume", run_id) == 2
    error = capsys.readouterr().err
    changed = [line for line in error.splitlines() if "[MLD513]" in line]
    assert [line.split(": ")[2] for line in changed] == ["Transform data"], error
    assert f"template resource {n.GLUE_JOB} changed" in changed[0]
