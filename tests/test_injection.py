"""User text never becomes live syntax in what we generate: Fn::Sub strings, JSONPath keys,
paths. (Shell lines: tests/test_upload_commands.py.)"""
from __future__ import annotations

import json
import shutil

import pytest

from helpers import ROOT, sample
from mlops_dsl import Categorical, GlueTransform, LocalData
from mlops_dsl.asl.fn_sub import fn_sub, placeholders
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.errors import BlueprintError

HOSTILE = "${AWS::AccountId}-${Foo}-${!Bar}"


def _subs(value):
    """Every Fn::Sub string of a template."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Fn::Sub":
                yield inner if isinstance(inner, str) else inner[0]
            else:
                yield from _subs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _subs(inner)


@pytest.fixture
def hostile(tmp_path):
    """The sample with user text holding ${...} in every free-text field that reaches a
    template: hyperparameter names and values, categorical values, the data and script files."""
    data = tmp_path / "data"
    data.mkdir()
    for kind in ("train", "score"):
        shutil.copy(ROOT / "blueprints" / "data" / f"{kind}.csv", data / f"{kind}{HOSTILE}.csv")
    script = tmp_path / f"transform{HOSTILE}.py"
    shutil.copy(ROOT / "glue" / "transform.py", script)
    base = sample()
    tuning = base.tuning.with_(
        static_hyperparameters={**base.tuning.static_hyperparameters, "note": HOSTILE,
                                f"k{HOSTILE}": "v"},
        ranges=(*base.tuning.ranges, Categorical(name="booster", values=("gbtree", HOSTILE))))
    return compile_blueprint(base.with_(
        tuning=tuning, transform=GlueTransform(script=str(script), wheels=()),
        data=LocalData(train=str(data / f"train{HOSTILE}.csv"), score=str(data / f"score{HOSTILE}.csv"))))


def test_every_fn_sub_names_only_the_stacks_own_resources(hostile):
    template = hostile.template
    known = set(template["Resources"]) | {"AWS::AccountId", "AWS::Region", "AWS::Partition",
                                          "AWS::URLSuffix", "AWS::StackName"}
    for text in _subs(template):
        for name in placeholders(text):
            assert name.split(".")[0] in known, f"${{{name}}} in {text[:120]!r}"


def test_user_text_comes_out_of_fn_sub_exactly_as_written(hostile):
    definition_sub = hostile.template["Resources"]["StateMachine"]["Properties"]["DefinitionString"]
    resolved = json.loads(fn_sub(definition_sub["Fn::Sub"], lambda name: "RESOLVED"))
    tuning = resolved["States"]["Tune model"]["Parameters"]
    static = tuning["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["note"] == HOSTILE and static[f"k{HOSTILE}"] == "v"
    [booster] = tuning["HyperParameterTuningJobConfig"]["ParameterRanges"]["CategoricalParameterRanges"]
    assert booster["Values"] == ["gbtree", HOSTILE]
    assert resolved["States"]["Train on the compiled key"]["Result"]["train_key"] == \
        f"data/train/train{HOSTILE}.csv"
    script = hostile.template["Resources"]["TransformJob"]["Properties"]["Command"]["ScriptLocation"]
    assert fn_sub(script["Fn::Sub"], lambda name: "bucket").endswith(f"/transform{HOSTILE}.py")


def test_a_hyperparameter_name_ending_in_a_jsonpath_suffix_is_refused():
    base = sample()
    blueprint = base.with_(tuning=base.tuning.with_(static_hyperparameters={"eta.$": "$.x"}))
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(blueprint)
    [problem] = raised.value.problems
    assert problem.code == "MLD141" and problem.field == "Tuning.static_hyperparameters"
    assert "'eta.$' ends in '.$'" in problem.message


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden", "x\ny", ""])
def test_a_blueprint_name_is_one_safe_path_part(name):
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(sample().with_(name=name))
    assert [p.code for p in raised.value.problems] == ["MLD140"]


def test_a_config_file_name_becomes_a_safe_blueprint_name(tmp_path):
    from mlops_dsl.config import load_config

    config = json.loads((ROOT / "blueprints" / "attrition_config.json").read_text())
    for key in ("script_path", "byo_model_image_source_path", "train_local_path",
                "score_local_path"):
        config[key] = str((ROOT / "blueprints" / config[key]).resolve())
    path = tmp_path / "my pipeline (v2).json"
    path.write_text(json.dumps(config))
    assert load_config(path).name == "my-pipeline-v2"
