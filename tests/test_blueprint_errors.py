"""One test per blueprint error code, asserting the message a user sees."""
from __future__ import annotations

import dataclasses

import pytest

from mlops_dsl import (BatchTransform, Blueprint, BlueprintError, BuiltInImage, ByoImage, Categorical,
                       Continuous, Endpoint, Environment, FeatureStore, Gate, GlueTransform, Integer,
                       LocalData, Training, Tuning, maximize, metric)
from mlops_dsl.compiler import compile_blueprint


@pytest.fixture
def base(tmp_path, monkeypatch):
    """A valid blueprint whose files live in tmp_path (made here, so paths resolve to this file)."""
    (tmp_path / "transform.py").write_text("print('transform')\n")
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "Dockerfile").write_text("FROM scratch\n")
    script, image = str(tmp_path / "transform.py"), str(tmp_path / "image")
    return Blueprint(
        name_prefix="demo", job_name="demo", environment=Environment(region="eu-west-1"),
        transform=GlueTransform(script=script, wheels=()), image=ByoImage(source=image),
        tuning=Tuning(objective=maximize("auc"), ranges=(Integer(name="max_depth", min=1, max=5),)),
        gate=metric("auc") > 0.8, data=LocalData(train=None, score=None))


def problems(bp) -> list[str]:
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(bp)
    return [f"{p.field}: {p.message} [{p.code}]" for p in caught.value.problems]


def test_base_compiles(base):
    assert compile_blueprint(base).files


def test_type_error_points_at_the_users_line():
    with pytest.raises(BlueprintError) as caught:
        Training(instance_count="two")  # the line reported below
    problem = caught.value.problems[0]
    assert str(problem).endswith("Training.instance_count: 'two' is not an integer [MLD001]")
    assert problem.location.file == __file__
    assert problem.location.line is not None


def test_an_enumeration_of_the_wrong_type_is_a_type_error():
    with pytest.raises(BlueprintError) as caught:
        Tuning(strategy=5)
    assert [f"{p.field}: {p.message} [{p.code}]" for p in caught.value.problems] == [
        "Tuning.strategy: 5 is not a string [MLD001]"]


def test_empty_paths_are_type_errors():
    with pytest.raises(BlueprintError) as caught:
        GlueTransform(script="", wheels=("lib.whl", ""))
    assert [f"{p.field}: {p.message} [{p.code}]" for p in caught.value.problems] == [
        "GlueTransform.script: '' is not a non-empty string [MLD001]",
        "GlueTransform.wheels: '' is not a non-empty string [MLD001]"]


def test_long_bad_values_are_shortened(base):
    (found,) = problems(base.with_(environment=Environment(region="x" * 200)))
    # at most about 80 characters of the value: the quote, 75 of 200, "...", the quote
    assert found == f"Environment.region: '{'x' * 75}...' is not valid; use an AWS region such as 'us-east-1' [MLD112]"


def test_type_errors_of_one_value_are_reported_together():
    with pytest.raises(BlueprintError) as caught:
        Training(instance_count="two", volume_gb=1.5, instance_type=3)
    assert [p.field for p in caught.value.problems] == [
        "Training.instance_type", "Training.instance_count", "Training.volume_gb"]


# Blueprint's fields after the seed's, in declaration order
FIELDS_AFTER_DATA = [f.name for f in dataclasses.fields(Blueprint)][15:]


def test_with_unknown_field(base):
    with pytest.raises(BlueprintError) as caught:
        base.with_(job_nmae="x", colour="blue")
    here = caught.traceback[0].lineno + 1  # the with_ line of this test
    assert [str(p) for p in caught.value.problems] == [
        f"{__file__}:{here}: Blueprint: unknown field 'job_nmae'; did you mean 'job_name'? [MLD002]",
        f"{__file__}:{here}: Blueprint: unknown field 'colour'; the fields are: name_prefix, "
        "job_name, environment, tags, name, credentials_file, kms_key, transform, image, tuning, "
        "training, gate, deployment, feature_store, data, "
        + ", ".join(FIELDS_AFTER_DATA) + " [MLD002]"]


def test_job_name_too_long(base):
    assert problems(base.with_(job_name="a" * 19)) == [
        "Blueprint.job_name: 'aaaaaaaaaaaaaaaaaaa' has 19 characters; use 1 to 18 (a timestamp is "
        "appended for each run) [MLD101]"]


def test_job_name_characters(base):
    assert problems(base.with_(job_name="my_job")) == [
        "Blueprint.job_name: 'my_job' is not valid; use letters, digits and hyphens, starting and "
        "ending with a letter or digit [MLD101]"]


def test_name_prefix(base):
    assert problems(base.with_(name_prefix="My Team")) == [
        "Blueprint.name_prefix: 'My Team' is not valid; use 1 to 30 lower-case letters, digits and "
        "hyphens that start and end with a letter or digit, optionally followed by one hyphen (as "
        "in 'attrition-') [MLD102]"]


@pytest.mark.parametrize("prefix", ["-team", "team--", "a" * 31, "Team-"])
def test_name_prefix_message_says_exactly_what_is_refused(base, prefix):
    [message] = problems(base.with_(name_prefix=prefix))
    assert "[MLD102]" in message



def test_min_not_below_max(base):
    bp = base.with_(tuning=base.tuning.with_(ranges=(Continuous(name="gamma", min=5, max=1),)))
    assert problems(bp) == ["Continuous.min: gamma: MinValue 5 must be less than MaxValue 1 [MLD103]"]


def test_bounds_must_be_finite(base):
    bp = base.with_(tuning=base.tuning.with_(ranges=(Continuous(name="gamma", min=0, max=float("inf")),)))
    assert problems(bp) == ["Continuous.max: inf must be a finite number [MLD103]"]


def test_no_ranges(base):
    assert problems(base.with_(tuning=base.tuning.with_(ranges=()))) == [
        "Tuning.ranges: no hyperparameter ranges; give at least one [MLD103]"]


def test_scaling_types(base):
    ranges = (Continuous(name="eta", min=0.1, max=1, scaling="Exponential"),
              Continuous(name="gamma", min=0, max=1, scaling="Logarithmic"),
              Integer(name="depth", min=1, max=9, scaling="ReverseLogarithmic"),
              Continuous(name="alpha", min=0.5, max=2, scaling="ReverseLogarithmic"))
    assert problems(base.with_(tuning=base.tuning.with_(ranges=ranges))) == [
        "Continuous.scaling: 'Exponential' is not allowed; use one of Auto, Linear, Logarithmic, "
        "ReverseLogarithmic [MLD104]",
        "Continuous.scaling: gamma: Logarithmic scaling needs MinValue > 0, got 0 [MLD104]",
        "Integer.scaling: depth: ReverseLogarithmic scaling is for continuous ranges only [MLD104]",
        "Continuous.scaling: alpha: ReverseLogarithmic scaling needs 0 <= MinValue < MaxValue < 1, "
        "got 0.5..2 [MLD104]"]


def test_parallel_exceeds_total(base):
    bp = base.with_(tuning=base.tuning.with_(max_jobs=3, max_parallel_jobs=5))
    assert problems(bp) == ["Tuning.max_parallel_jobs: 5 exceeds max_jobs 3 [MLD105]"]


def test_counts_must_be_positive(base):
    bp = base.with_(training=Training(instance_count=0, volume_gb=0),
                    deployment=BatchTransform(instance_count=-1),
                    tuning=base.tuning.with_(max_jobs=0, max_parallel_jobs=0))
    assert problems(bp) == [
        "Tuning.max_jobs: 0 is out of range; use 1 to 750 [MLD106]",
        "Tuning.max_parallel_jobs: 0 is out of range; use 1 to 100 [MLD106]",
        "Training.instance_count: 0 is out of range; use 1 to 2147483647 [MLD106]",
        "Training.volume_gb: 0 is out of range; use 1 to 16384 GB [MLD106]",
        "BatchTransform.instance_count: -1 is out of range; use 1 to 2147483647 [MLD106]"]


def test_counts_above_the_aws_limits(base):
    bp = base.with_(training=Training(volume_gb=20000),
                    tuning=base.tuning.with_(max_jobs=751, max_parallel_jobs=101))
    assert problems(bp) == [
        "Tuning.max_jobs: 751 is out of range; use 1 to 750 [MLD106]",
        "Tuning.max_parallel_jobs: 101 is out of range; use 1 to 100 [MLD106]",
        "Training.volume_gb: 20000 is out of range; use 1 to 16384 GB [MLD106]"]


def test_a_broken_bound_is_not_also_compared(base):
    """max_jobs=0 is reported once, not again as 'max_parallel_jobs 1 exceeds max_jobs 0'."""
    assert problems(base.with_(tuning=base.tuning.with_(max_jobs=0))) == [
        "Tuning.max_jobs: 0 is out of range; use 1 to 750 [MLD106]"]


def test_declared_rules_point_at_the_line_that_built_the_value(base):
    training = Training(instance_count=0)  # the line reported below
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(base.with_(training=training))
    (problem,) = caught.value.problems
    assert (problem.location.file, problem.location.line) == (__file__, training.where.line)
    assert training.field_problems[0].code == "MLD106"


def test_gate_operator(base):
    bp = base.with_(gate=base.gate.with_(operator="GreaterThan"))
    assert problems(bp) == [
        "Gate.operator: 'GreaterThan' is not allowed; use one of NumericGreaterThan, "
        "NumericGreaterThanEquals, NumericLessThan, NumericLessThanEquals, NumericEquals [MLD107]"]


def test_gate_cannot_use_not_equal():
    with pytest.raises(BlueprintError) as caught:
        metric("auc") != 0.8  # the line reported below
    (problem,) = caught.value.problems
    assert str(problem) == (
        f"{__file__}:{problem.location.line}: metric('auc'): a gate cannot use '!=' (Step Functions "
        "has no numeric not-equal); use one of >, >=, <, <=, == [MLD107]")
    assert problem.location.line is not None


def test_objective_type_and_metric(base):
    objective = base.tuning.objective.with_(type="Maximise", metric="a b")
    bp = base.with_(tuning=base.tuning.with_(objective=objective), gate=metric("a b") > 1)
    assert problems(bp) == [
        "Objective.metric: 'a b' is not a valid metric name; use letters, digits and _ : . - [MLD108]",
        "Objective.type: 'Maximise' is not allowed; use one of Maximize, Minimize [MLD108]"]


def test_strategy(base):
    assert problems(base.with_(tuning=base.tuning.with_(strategy="Genetic"))) == [
        "Tuning.strategy: 'Genetic' is not allowed; use one of Bayesian, Random, Hyperband, Grid [MLD109]"]
    assert problems(base.with_(tuning=base.tuning.with_(strategy="Grid"))) == [
        "Tuning.strategy: 'Grid' tuning accepts categorical ranges only [MLD109]"]


def test_gate_metric_must_be_the_objective(base):
    assert problems(base.with_(gate=metric("accuracy") > 0.9)) == [
        "Gate.metric: the gate tests 'accuracy' but tuning optimises 'auc'; the gate compares the "
        "best job's objective metric, so use metric('auc') [MLD110]"]


def test_gate_metric_defaults_to_the_objective(base):
    compiled = compile_blueprint(base.with_(gate=Gate(threshold=0.9)))
    assert compiled.pipeline.gate.describe() == "auc > 0.9"
    assert "(auc > 0.9)" in compiled.definition["Comment"]


def test_duplicate_and_static_ranges(base):
    ranges = (Integer(name="depth", min=1, max=3), Integer(name="depth", min=1, max=4),
              Categorical(name="booster", values=("gbtree", "dart")))
    tuning = base.tuning.with_(ranges=ranges, static_hyperparameters={"booster": "gbtree"})
    assert problems(base.with_(tuning=tuning)) == [
        "Integer.name: 'depth' has more than one range [MLD111]",
        "Categorical.name: 'booster' is both tuned and a static hyperparameter [MLD111]"]


def test_region(base):
    assert problems(base.with_(environment=Environment(region="Ireland"))) == [
        "Environment.region: 'Ireland' is not valid; use an AWS region such as 'us-east-1' [MLD112]"]


def test_instance_type(base):
    assert problems(base.with_(training=Training(instance_type="m5.large"))) == [
        "Training.instance_type: 'm5.large' is not valid; use a SageMaker instance type such as "
        "'ml.m5.xlarge' [MLD113]"]


def test_threshold_finite(base):
    assert problems(base.with_(gate=metric("auc") > float("nan"))) == [
        "Gate.threshold: nan must be a finite number [MLD114]"]


def test_private_subnets_need_vpc(base):
    bp = base.with_(environment=Environment(region="eu-west-1", private_subnets=("subnet-0a1b2c3d",)))
    assert problems(bp) == [
        "Environment.private_subnets: private subnets are given but vpc_id is not; set the VPC "
        "that holds them [MLD115]"]


def test_endpoint_name(base):
    assert problems(base.with_(deployment=Endpoint(name="my_endpoint"))) == [
        "Endpoint.name: 'my_endpoint' is not valid; use 1 to 63 letters, digits and hyphens [MLD116]"]


def test_image_names(base):
    bp = base.with_(image=base.image.with_(name="BYO", tag="a:b"))
    assert problems(bp) == [
        "ByoImage.name: 'BYO' is not valid; use lower-case letters, digits and . _ - / (an ECR "
        "repository name) [MLD117]",
        "ByoImage.tag: 'a:b' is not valid; use letters, digits, . _ - (at most 128 characters) [MLD117]"]
    assert problems(base.with_(image=BuiltInImage(uri="xgboost"))) == [
        "BuiltInImage.uri: 'xgboost' is not an image URI; use '<registry>/<repository>:<tag>' [MLD117]"]


def test_tags(base):
    assert problems(base.with_(tags={"aws:owner": "me", "team": "x" * 300, "cost": "", "q": 'a"b'})) == [
        "Blueprint.tags: tag key 'aws:owner' is not allowed; use 1 to 128 letters, digits, spaces "
        "and _ . : / = + - @, not starting with 'aws:' [MLD118]",
        "Blueprint.tags: tag 'cost' has the value '' (0 characters); use 1 to 256 letters, digits, "
        "spaces and _ . : / = + - @ [MLD118]",
        "Blueprint.tags: tag 'q' has the value 'a\"b' (3 characters); use 1 to 256 letters, digits, "
        "spaces and _ . : / = + - @ [MLD118]",
        f"Blueprint.tags: tag 'team' has the value '{'x' * 35}...' (300 "
        "characters); use 1 to 256 letters, digits, spaces and _ . : / = + - @ [MLD118]"]


def test_existing_bucket_name(base):
    assert problems(base.with_(feature_store=FeatureStore(existing_bucket="My_Bucket"))) == [
        "FeatureStore.existing_bucket: 'My_Bucket' is not valid; use an S3 bucket name (3-63 "
        "lower-case letters, digits, dots, hyphens) [MLD119]"]


def test_glue_job_name(base):
    assert problems(base.with_(transform=base.transform.with_(job_name="my job"))) == [
        "GlueTransform.job_name: 'my job' is not valid; use letters, digits, hyphens and "
        "underscores [MLD120]"]


def test_categorical_values(base):
    tuning = base.tuning.with_(ranges=(Categorical(name="booster", values=()),))
    assert problems(base.with_(tuning=tuning)) == ["Categorical.values: 0 values; use 1 to 30 [MLD122]"]


def test_missing_files_name_their_input(base, tmp_path):
    bp = base.with_(transform=GlueTransform(script="nope.py", wheels=("lib.whl",)),
                    image=ByoImage(source="no-such-folder"), data=LocalData(train="t.csv", score=None))
    found = problems(bp)
    assert [f.split(":")[0] for f in found] == ["GlueTransform.script", "GlueTransform.wheels",
                                                "ByoImage.source", "LocalData.train"]
    assert found[0].startswith("GlueTransform.script: Glue script 'nope.py' does not exist (looked for ")
    assert found[0].endswith("nope.py) [MLD201]")
    assert "[MLD202]" in found[1] and "[MLD203]" in found[2] and "[MLD204]" in found[3]


def test_image_folder_needs_a_dockerfile(base, tmp_path):
    (tmp_path / "empty").mkdir()
    assert problems(base.with_(image=ByoImage(source=str(tmp_path / "empty")))) == [
        f"ByoImage.source: image folder {str(tmp_path / 'empty')!r} has no Dockerfile [MLD203]"]


def test_all_problems_are_reported_together(base):
    bp = base.with_(job_name="x" * 30, name_prefix="UPPER",
                    tuning=base.tuning.with_(max_jobs=1, max_parallel_jobs=2))
    assert [p.split("[")[-1] for p in problems(bp)] == ["MLD102]", "MLD101]", "MLD105]"]


def test_kms_key_must_be_a_key_arn(base):
    assert problems(base.with_(kms_key="alias/my-key")) == [
        "Blueprint.kms_key: 'alias/my-key' is not valid; use a KMS key ARN such as "
        "'arn:aws:kms:us-east-1:123456789012:key/<key id>' [MLD121]"]


@pytest.mark.parametrize("prefix", ["team-", "team", "a" * 30 + "-", "a-b--c"])
def test_the_reference_modules_trailing_hyphen_is_accepted(base, prefix):
    names = compile_blueprint(base.with_(name_prefix=prefix)).pipeline.names
    stem = prefix.rstrip("-")
    assert names.state_machine == f"{stem}-pipeline"  # one hyphen, never two
    assert names.glue_job == f"{stem}-data-transformation" and "--" not in names.crawler[len(stem):]
