"""Property-based: random blueprints and configs compile cleanly or are refused cleanly.

The config files given to the command line are also mutated the ways a fuzzer found harmful
(encodings, duplicate keys, nesting, huge integers, long or control-character text): exit 0 with a
lint-clean template or exit 2 with every message located, never 1 (issue 11).

A blueprint either compiles to a template with no cfn-lint error or warning and a workflow that
passes every check, or it is refused with a BlueprintError; never another exception, and a refused
compile never leaves an output folder behind. Examples are few and cfn-lint results are cached by
template bytes, so the file runs in well under a minute.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from helpers import BLUEPRINTS
from mlops_dsl.artifacts import write_folder
from mlops_dsl.compiler import TEMPLATE, compile_blueprint
from mlops_dsl.config import blueprint_from_config
from mlops_dsl.errors import BlueprintError

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
SCRIPT = str(BLUEPRINTS.parent / "glue" / "transform.py")
IMAGE = str(BLUEPRINTS.parent / "container")
TRAIN = str(BLUEPRINTS / "data" / "train.csv")
SCORE = str(BLUEPRINTS / "data" / "score.csv")



def maybe(good, bad):
    """Mostly ``good``, one draw in sixteen ``bad``: many examples compile, the rest are refused.
    (The bad draw is the last value: hypothesis tries the simplest first, and 0 would make nearly
    every example bad.)"""
    return st.integers(0, 15).flatmap(lambda i: bad if i == 15 else good)


names = st.from_regex(r"[a-z][a-z0-9-]{0,12}[a-z0-9]", fullmatch=True)
awkward = maybe(names, st.one_of(st.text(max_size=40), st.sampled_from(["", "-x", "A_B", "x" * 40])))
instance = maybe(st.sampled_from(["ml.m5.xlarge", "ml.m5.large", "ml.c5.2xlarge"]),
                 st.sampled_from(["ml.m5.xlargee", "m5.xlarge", "ml.p9.huge"]))
count = maybe(st.integers(1, 3), st.one_of(st.integers(-2, 0), st.integers(10_000, 20_000)))
number = maybe(st.floats(-5, 5, allow_nan=False), st.sampled_from([float("nan"), 1e308]))


@st.composite
def ranges(draw):
    items = []
    for index in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["ContinuousParameterRanges", "IntegerParameterRanges",
                                     "CategoricalParameterRanges"]))
        name = draw(st.sampled_from(["eta", "gamma", "max_depth", "alpha"]))
        if kind == "CategoricalParameterRanges":
            items.append((kind, {"Name": name, "Values": draw(st.lists(names, max_size=3))}))
        else:
            low = draw(st.integers(-3, 5))
            items.append((kind, {"Name": name, "MinValue": str(low),
                                 "MaxValue": str(low + draw(st.integers(-1, 5))),
                                 "ScalingType": draw(st.sampled_from(
                                     ["Auto", "Linear", "Logarithmic", "ReverseLogarithmic",
                                      "Quadratic"]))}))
    out: dict = {}
    for kind, item in items:
        out.setdefault(kind, []).append(item)
    return out


@st.composite
def configs(draw):
    endpoint = draw(st.booleans())
    config = {
        "aws_credentials_file": "~/.aws/credentials",
        "environment": {"aws_region": draw(maybe(st.sampled_from(["us-east-1", "eu-west-1"]),
                                                  st.just("mars-1")))},
        "job_name": draw(awkward), "name_prefix": draw(awkward),
        # Empty values and other characters are refused (MLD118): see
        # test_bad_tag_values_are_refused_before_cloudformation.
        "resource_tags": draw(st.dictionaries(names, st.from_regex(r"[A-Za-z0-9 _.:/=+@-]{1,20}",
                                                                   fullmatch=True), max_size=3)),
        "script_path": SCRIPT, "whl_path": None,
        "built_in_model_image": draw(maybe(st.sampled_from(
            [None, "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"]), st.just("no-registry"))),
        "byo_model_image_source_path": IMAGE,
        "byo_model_image_tag": draw(maybe(st.sampled_from(["latest", "1.0"]), st.just("bad tag"))),
        "tuning_metric": draw(maybe(st.sampled_from(["auc", "roc_auc"]), st.just("bad metric!"))),
        "max_number_training_jobs": draw(count),
        "max_parallel_training_jobs": draw(maybe(st.just(1), count)),
        "training_job_instance_type": draw(instance), "training_job_storage_in_gb": draw(count),
        "inference_metric_threshold": draw(number),
        "endpoint_or_batch_transform": "Create Model Endpoint Config" if endpoint else "Batch Transform",
        "train_local_path": TRAIN, "score_local_path": None if endpoint else SCORE,
    }
    if draw(st.integers(0, 3)) == 3:
        config["parameter_ranges"] = draw(ranges())
    if endpoint:
        config.update(endpoint_name=draw(awkward), endpoint_instance_type=draw(instance),
                      endpoint_instance_count=draw(count))
    else:
        config.update(batch_transform_instance_type=draw(instance),
                      batch_transform_instance_count=draw(count))
    if draw(st.booleans()):
        config["environment"].update(vpc_id="vpc-0a1b2c3d", private_subnets=["subnet-0a1b2c3d"])
    return config


@lru_cache(maxsize=None)
def _lint(digest: str, body: bytes) -> tuple[str, ...]:
    from cfnlint.api import lint

    return tuple(f"{m.rule.id} {m.message}" for m in lint(body.decode(), regions=["us-east-1"]))


def _compiles_or_refuses(make, tmp_path) -> None:
    try:
        compiled = compile_blueprint(make())
    except BlueprintError as error:
        assert error.problems and all(p.code.startswith("MLD") for p in error.problems)
        return
    body = compiled.files[TEMPLATE]
    assert _lint(hashlib.sha256(body).hexdigest(), body) == ()
    target = tmp_path / "out"
    write_folder(target, compiled.files)
    assert (target / TEMPLATE).read_bytes() == body


@SETTINGS
@given(config=configs())
def test_random_configs_compile_or_are_refused(config, tmp_path):
    _compiles_or_refuses(lambda: blueprint_from_config(config, file="random.json", name="random"),
                         tmp_path)


# Hostile mutations of a config file's bytes: what a fuzzer (issue 11) sent. Each is applied to a
# drawn config, most leave it valid, so both outcomes are exercised.
HOSTILE = ("none", "utf16", "latin1", "bom", "duplicate", "deep", "big integer", "long text",
           "control", "unknown key", "wrong type", "integer text")


@st.composite
def config_files(draw, kind: str) -> bytes:
    config = draw(configs())
    key = draw(st.sampled_from(sorted(config)))
    if kind == "big integer":
        config[key] = draw(st.sampled_from([1, -1])) * 10 ** draw(st.integers(10, 400))
    elif kind == "long text":
        config[key] = "x" * draw(st.integers(100, 5000))
    elif kind == "control":
        config["resource_tags"] = {"team": "a" + draw(st.sampled_from(["\n", "\t", "\x1b[2J", "\x00",
                                                                       "\u202e", "\x7f"])) + "b"}
    elif kind == "unknown key":
        config[draw(st.sampled_from(["max_job", "jobname", "x" * 300, "a/b~c"]))] = 1
    elif kind == "wrong type":
        config[key] = draw(st.sampled_from([[1], {}, 2.5, True, None, "", "3"]))
    elif kind == "integer text":
        config["max_number_training_jobs"] = str(draw(st.integers(-5, 2**64)))
    text = json.dumps(config, ensure_ascii=False)
    if kind == "duplicate":
        text = text[:-1] + ', "job_name": "again"}'
    elif kind == "deep":
        depth = draw(st.integers(30, 3000))
        text = text[:-1] + ', "resource_tags": ' + "[" * depth + "]" * depth + "}"
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "latin1":
        return text.replace('"job_name": "', '"job_name": "\u00e9', 1).encode("latin-1", "replace")
    return (b"\xef\xbb\xbf" if kind == "bom" else b"") + text.encode("utf-8")


@pytest.mark.parametrize("kind", HOSTILE)
def test_the_cli_exits_0_lint_clean_or_2_with_every_message_located(kind, tmp_path_factory):
    """Issue 11: never exit 1, never a traceback; a refusal locates every problem (a line or a
    JSON pointer in the config), an acceptance writes a template cfn-lint finds nothing in.
    Four examples of each mutation, so every one is tried."""

    @settings(max_examples=4, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=config_files(kind))
    def check(data):
        _exits_0_or_2_located(data, tmp_path_factory)

    check()


def _exits_0_or_2_located(data: bytes, tmp_path_factory) -> None:
    from mlops_dsl.cli import main

    folder = tmp_path_factory.mktemp("config")
    path = folder / "random.json"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["compile", str(path), "-o", str(folder / "out")])
    event(f"exit {code}")
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    if code == 0:
        body = (folder / "out" / TEMPLATE).read_bytes()
        assert _lint(hashlib.sha256(body).hexdigest(), body) == ()
        return
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error: ")]
    assert errors and not (folder / "out").exists()
    located = re.compile(re.escape(f"error: {path}") + r"(:[0-9]+|#/[^ ]*): ")
    for line in errors:
        assert located.match(line), line
        assert "x" * 100 not in line and not any(ord(c) < 32 for c in line), line


@SETTINGS
@given(prefix=awkward, job=awkward, instance_type=instance, count=count, threshold=number,
       endpoint=st.booleans(), tag=st.sampled_from(["latest", "2.1", "", "a b"]))
def test_random_dsl_blueprints_compile_or_are_refused(prefix, job, instance_type, count, threshold,
                                                      endpoint, tag, tmp_path):
    from mlops_dsl import (BatchTransform, Blueprint, ByoImage, Endpoint, Environment,
                           GlueTransform, LocalData, Training, metric)

    def make():
        deployment = (Endpoint(name=prefix or "e", instance_type=instance_type, instance_count=count)
                      if endpoint else BatchTransform(instance_type=instance_type, instance_count=count))
        return Blueprint(name_prefix=prefix, job_name=job, environment=Environment(region="us-east-1"),
                         transform=GlueTransform(script=SCRIPT, wheels=()),
                         image=ByoImage(source=IMAGE, tag=tag),
                         training=Training(instance_type=instance_type, instance_count=count),
                         gate=metric("accuracy") > threshold, deployment=deployment,
                         data=LocalData(train=TRAIN, score=None if endpoint else SCORE))

    _compiles_or_refuses(make, tmp_path)


def test_a_refused_compile_leaves_no_output_folder(tmp_path):
    from mlops_dsl.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text('{"job_name": "x"}')
    target = tmp_path / "out"
    assert main(["compile", str(bad), "-o", str(target)]) == 2
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.json"]


@pytest.mark.parametrize("broken", ["ml.m5.xlargee", "ml.p9.huge"])
def test_unknown_instance_types_are_refused_before_deploy(broken):
    config = {"aws_credentials_file": "x", "environment": {"aws_region": "us-east-1"},
              "job_name": "j", "name_prefix": "p", "resource_tags": {}, "script_path": SCRIPT,
              "whl_path": None, "built_in_model_image": "1.dkr.ecr.us-east-1.amazonaws.com/x:1",
              "train_local_path": None, "score_local_path": None,
              "batch_transform_instance_type": broken}
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(blueprint_from_config(config, file="c.json", name="c"))
    assert [p.code for p in caught.value.problems] == ["MLD313"]


@pytest.mark.parametrize("value", ["", '-I"'])
def test_bad_tag_values_are_refused_before_cloudformation(value):
    from mlops_dsl.loader import load_blueprint

    _, blueprint = load_blueprint(BLUEPRINTS / "attrition.py")
    with pytest.raises(BlueprintError):
        compiled = compile_blueprint(blueprint.with_(tags={"owner": value}))
        body = compiled.files[TEMPLATE]
        assert _lint(hashlib.sha256(body).hexdigest(), body) == ()
