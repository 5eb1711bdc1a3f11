"""``migrate``: a Terraform module block of the reference module -> our JSON config or a blueprint.

The fixture is written like the reference module's own sample: locals (spread over two blocks)
with ``project_shortname``, a ``module`` block with a git ``source``, ``name_prefix`` with the
module's trailing hyphen, an environment object, a tag map, ranges given as strings, and paths
written with ``${path.module}`` or relative to the file. Expected lines are found in the fixture
text, never counted by hand.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import ROOT, SAMPLE_DATA
from mlops_dsl import Blueprint, Environment
from mlops_dsl.artifacts import write_file
from mlops_dsl.cli import main
from mlops_dsl.config import config_from_blueprint, config_schema
from mlops_dsl.errors import BlueprintError
from mlops_dsl.loader import load_blueprint
from mlops_dsl.migrate import migrate
from mlops_dsl.migrate.mapping import PATH_INPUTS, is_reference_source
from mlops_dsl.migrate.writers import render_python, variable_for

SOURCE = "git::https://example.com/org/dataops-infra.git//catalog/aws/ml-ops?ref=main"
MODULE = 'module "mlops"'  # the module block's first line


def sample_tf(name_prefix: str = '"${local.project_shortname}-"', extra: str = "") -> str:
    """A root module like the reference module's sample; ``extra`` lines go into the module block."""
    return textwrap.dedent("""\
        locals {
          project_shortname = "attrition"
          aws_region        = "us-east-1"
        }

        # A second locals block, referring to the first.
        locals {
          resource_tags = { project = local.project_shortname, "managed-by" = "terraform" }
          subnets       = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
          label         = "${local.project_shortname}-${local.aws_region}"
        }

        module "mlops" {
          source               = "@SOURCE@"
          name_prefix          = @NAME_PREFIX@
          resource_tags        = local.resource_tags
          aws_credentials_file = "~/.aws/credentials"
          environment = {
            vpc_id          = "vpc-0a1b2c3d4e5f60718"
            aws_region      = local.aws_region
            public_subnets  = []
            private_subnets = "${local.subnets}"
          }
          job_name = local.project_shortname

          tuning_objective              = "Maximize"
          tuning_metric                 = "accuracy"
          inference_comparison_operator = "NumericGreaterThan"
          inference_metric_threshold    = 0.7
          endpoint_or_batch_transform   = "Batch Transform" # or "Create Model Endpoint Config"
          glue_job_name                 = "transform-${local.label}"

          max_number_training_jobs    = 3
          max_parallel_training_jobs  = 1
          training_job_instance_type  = "ml.m5.xlarge"
          training_job_instance_count = 1
          training_job_storage_in_gb  = 30

          train_local_path = "${path.module}/source/data/train.csv"
          score_local_path = "source/data/score.csv"
          script_path      = "${path.root}/source/scripts/transform.py"
          whl_path         = "./source/scripts/python/pandasmodule-0.1-py3-none-any.whl"
          byo_model_image_source_path = "source/containers/ml-ops-byo-xgboost"
        @EXTRA@
          static_hyperparameters = {
            kfold_splits = "5"
          }

          parameter_ranges = {
            ContinuousParameterRanges = [
              { Name = "gamma", MinValue = "0", MaxValue = "10", ScalingType = "Auto" },
              {
                Name        = "subsample",
                MinValue    = "0.1",
                MaxValue    = "0.5",
                ScalingType = "Auto"
              },
            ]
            IntegerParameterRanges = [
              { Name = "max_depth", MinValue = "1", MaxValue = "10", ScalingType = "Auto" }
            ]
          }
        }

        output "summary" {
          value = module.mlops.summary
        }
        """).replace("@SOURCE@", SOURCE).replace("@NAME_PREFIX@", name_prefix).replace("@EXTRA@", extra)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the one occurrence of ``needle``."""
    assert text.count(needle) == 1, needle
    return text[:text.index(needle)].count("\n") + 1


@pytest.fixture
def project(tmp_path):
    """``infra/main.tf`` with the files its paths name (the repository's sample, linked)."""
    infra = tmp_path / "infra"
    source = infra / "source"
    for folder in ("data", "scripts/python", "containers"):
        (source / folder).mkdir(parents=True)
    (source / "data" / "train.csv").symlink_to(SAMPLE_DATA / "train.csv")
    (source / "data" / "score.csv").symlink_to(SAMPLE_DATA / "score.csv")
    (source / "scripts" / "transform.py").symlink_to(ROOT / "glue" / "transform.py")
    (source / "containers" / "ml-ops-byo-xgboost").symlink_to(ROOT / "container")
    with zipfile.ZipFile(source / "scripts" / "python" / "pandasmodule-0.1-py3-none-any.whl", "w") as whl:
        whl.writestr("pandasmodule/__init__.py", "")
        whl.writestr("pandasmodule-0.1.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return tmp_path


def write_tf(project: Path, text: str, name: str = "main.tf") -> Path:
    path = project / "infra" / name
    path.write_text(text)
    return path


def problems_of(call) -> list[str]:
    with pytest.raises(BlueprintError) as error:
        call()
    return [str(p) for p in error.value.problems]


# -- the sample ---------------------------------------------------------------------------------

def test_sample_migrates_to_a_config_with_the_values_as_written(project):
    tf = write_tf(project, sample_tf())
    out = project / "pipeline" / "attrition.json"
    config = json.loads(migrate(tf, output=out).data)
    rebased = "../infra/source/"  # every path now relative to pipeline/, naming the same file
    assert config == {
        "name_prefix": "attrition-",  # the module's trailing hyphen, kept
        "resource_tags": {"project": "attrition", "managed-by": "terraform"},
        "aws_credentials_file": "~/.aws/credentials",  # read from ~, as Terraform did
        "environment": {"vpc_id": "vpc-0a1b2c3d4e5f60718", "aws_region": "us-east-1",
                        "public_subnets": [], "private_subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]},
        "job_name": "attrition",
        "tuning_objective": "Maximize",
        "tuning_metric": "accuracy",
        "inference_comparison_operator": "NumericGreaterThan",
        "inference_metric_threshold": 0.7,
        "endpoint_or_batch_transform": "Batch Transform",
        "glue_job_name": "transform-attrition-us-east-1",
        "max_number_training_jobs": 3,
        "max_parallel_training_jobs": 1,
        "training_job_instance_type": "ml.m5.xlarge",
        "training_job_instance_count": 1,
        "training_job_storage_in_gb": 30,
        "train_local_path": rebased + "data/train.csv",
        "score_local_path": rebased + "data/score.csv",
        "script_path": rebased + "scripts/transform.py",
        "whl_path": rebased + "scripts/python/pandasmodule-0.1-py3-none-any.whl",
        "byo_model_image_source_path": rebased + "containers/ml-ops-byo-xgboost",
        "static_hyperparameters": {"kfold_splits": "5"},
        "parameter_ranges": {
            "ContinuousParameterRanges": [
                {"Name": "gamma", "MinValue": "0", "MaxValue": "10", "ScalingType": "Auto"},
                {"Name": "subsample", "MinValue": "0.1", "MaxValue": "0.5", "ScalingType": "Auto"}],
            "IntegerParameterRanges": [
                {"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}]},
    }
    for key in PATH_INPUTS:  # the rebased paths name the files the .tf file names
        assert (out.parent / config[key]).resolve().exists(), key


def test_default_output_is_the_module_label_beside_the_tf_file(project, capsys):
    tf = write_tf(project, sample_tf())
    assert main(["migrate", str(tf)]) == 0
    written = project / "infra" / "mlops.json"
    config = json.loads(written.read_text())
    assert config["train_local_path"] == "source/data/train.csv"  # ${path.module}/ is the folder itself
    assert config["whl_path"] == "source/scripts/python/pandasmodule-0.1-py3-none-any.whl"
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"migrated module 'mlops' of {tf}: {written} ({len(config)} keys)"
    assert out[-1] == f"next: python -m mlops_dsl validate {written}"
    assert written.read_bytes().endswith(b"}\n") and not list(written.parent.glob(".mlops.json.*"))


def test_path_defaults_keep_naming_files_beside_the_tf_file(project):
    """Terraform resolves an omitted path input's default in the .tf folder; so must the config."""
    text = sample_tf()
    for key in ("whl_path", "byo_model_image_source_path"):
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(key + " "))
    migration = migrate(write_tf(project, text), output=project / "elsewhere" / "a.json")
    config = json.loads(migration.data)
    defaults = config_schema()["properties"]
    for key in ("whl_path", "byo_model_image_source_path"):
        assert config[key] == "../infra/" + defaults[key]["default"]
    assert any("whl_path" in note and "defaults" in note for note in migration.notes)


ENDPOINT_VARIANT = {
    '"Batch Transform" #': '"Create Model Endpoint Config" #',
    "@EXTRA@": textwrap.indent(textwrap.dedent("""\
        endpoint_name          = "attrition-endpoint"
        endpoint_instance_type = "ml.m5.large"
        built_in_model_image   = "123456789012.dkr.ecr.us-east-1.amazonaws.com/byo-xgboost:1.0"
        feature_store_override = "my-feature-store"
        score_local_path       = null
        glue_job_spark_flag    = true
        whl_path               = []
        """), "  "),
}


def variant(changes: dict[str, str]) -> str:
    text = sample_tf(extra="@EXTRA@")
    if "score_local_path" in changes.get("@EXTRA@", ""):
        text = text.replace('  score_local_path = "source/data/score.csv"\n', "")
    if "whl_path" in changes.get("@EXTRA@", ""):
        text = text.replace(next(x for x in text.splitlines(True) if x.startswith("  whl_path ")), "")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("text", [sample_tf(), variant(ENDPOINT_VARIANT)], ids=["batch", "endpoint"])
def test_python_and_json_outputs_load_as_equal_blueprints(project, text):
    tf = write_tf(project, text)
    outputs = {}
    for suffix in (".json", ".py"):
        out = project / "pipeline" / f"attrition{suffix}"
        write_file(out, migrate(tf, output=out).data)
        name, blueprint = load_blueprint(out)
        assert name == "attrition"
        outputs[suffix] = config_from_blueprint(blueprint)
    assert outputs[".py"] == outputs[".json"]
    source = (project / "pipeline" / "attrition.py").read_text()
    assert source.startswith('"Migrated by `python -m mlops_dsl migrate` from module \'mlops\' of '
                             '../infra/main.tf."\nfrom mlops_dsl import ')
    assert migrate(tf, output=project / "pipeline" / "attrition.py", force=True).data == source.encode()


def test_python_output_writes_only_what_differs_from_the_defaults(project):
    tf = write_tf(project, sample_tf())
    source = migrate(tf, output=project / "infra" / "attrition.py").data.decode()
    tree = ast.parse(source)
    call = tree.body[-1].value
    written = {k.arg for k in call.keywords}
    # Beside the .tf file the paths are the defaults; so are the objective, the gate and the
    # batch transform. The Glue job name, the ranges and the training instance type are not.
    assert written == {"name_prefix", "job_name", "environment", "tags", "transform", "tuning",
                       "training"}
    assert "gate=" not in source and "deployment=" not in source and "Gate" not in source


@pytest.mark.parametrize("name_prefix", ['"attrition"', '"${local.project_shortname}-"'])
def test_migrated_sample_compiles_the_same_from_json_and_python(project, name_prefix):
    from mlops_dsl.compiler import compile_file

    tf = write_tf(project, sample_tf(name_prefix))
    compiled = {}
    for suffix in (".json", ".py"):
        out = project / "pipeline" / f"attrition{suffix}"
        assert main(["migrate", str(tf), "-o", str(out)]) == 0
        compiled[suffix] = compile_file(out)
    json_form, python_form = compiled[".json"], compiled[".py"]
    assert json_form.definition == python_form.definition
    assert {k: v for k, v in json_form.files.items() if k != "template.json"} == \
        {k: v for k, v in python_form.files.items() if k != "template.json"}
    # the templates differ only in the blueprint file their upload commands name
    upload = [c.template["Outputs"].pop("UploadCommands") for c in (json_form, python_form)]
    assert json_form.template == python_form.template
    assert json.dumps(upload[0]).replace("attrition.json", "attrition.py") == json.dumps(upload[1])


def test_generated_module_compiles_through_the_cli(project):
    tf = write_tf(project, sample_tf('"attrition"'))
    out = project / "pipeline" / "attrition.py"
    assert main(["migrate", str(tf), "-o", str(out)]) == 0
    result = subprocess.run([sys.executable, "-m", "mlops_dsl", "compile", str(out), "-o",
                             str(project / "build")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert (project / "build" / "template.json").is_file()


def test_numbers_as_strings_and_string_booleans_are_kept_as_written(project):
    extra = '  endpoint_instance_count = "2"\n  glue_job_spark_flag = "true"\n'
    config = json.loads(migrate(write_tf(project, sample_tf(extra=extra)),
                                output=project / "a.json").data)
    assert config["endpoint_instance_count"] == "2" and config["glue_job_spark_flag"] == "true"


# -- what cannot be resolved ---------------------------------------------------------------------

UNRESOLVABLE = textwrap.dedent("""\
    variable "team" {}

    locals {
      project_shortname = var.project
    }

    module "env" {
      source = "../../catalog/aws/environment"
    }

    module "mlops" {
      source               = "../../catalog/aws/ml-ops"
      name_prefix          = "${local.project_shortname}-"
      job_name             = "attrition"
      aws_credentials_file = "~/.aws/credentials"
      environment          = module.env.environment
      resource_tags        = { team = var.team }
    }
    """)


def test_var_and_module_references_are_reported_with_their_lines(project, capsys):
    tf = write_tf(project, UNRESOLVABLE)
    out = project / "out" / "a.json"
    assert main(["migrate", str(tf), "-o", str(out)]) == 2
    assert not out.parent.exists()
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {tf}:{line_of(UNRESOLVABLE, 'var.project')}: name_prefix: var.project (through "
        "local.project_shortname) is an input variable, set outside main.tf (tfvars, -var, default); "
        "write its value in its place (in the module block or a local) [MLD602]",
        f"error: {tf}:{line_of(UNRESOLVABLE, 'module.env.environment')}: environment: "
        "module.env.environment is an output of module 'env', known only after terraform apply; "
        "write its value in its place (in the module block or a local) [MLD602]",
        f"error: {tf}:{line_of(UNRESOLVABLE, 'var.team')}: resource_tags.team: var.team is an input "
        "variable, set outside main.tf (tfvars, -var, default); write its value in its place (in the "
        "module block or a local) [MLD602]",
        "3 problems found; nothing was written.",
    ]


def test_unresolvable_file_exits_2_through_the_command_line(project):
    tf = write_tf(project, UNRESOLVABLE)
    result = subprocess.run([sys.executable, "-m", "mlops_dsl", "migrate", str(tf)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.endswith("3 problems found; nothing was written.\n")
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not (project / "infra" / "mlops.json").exists()


@pytest.mark.parametrize("expression, reason", [
    ('upper("x")', 'upper("x") is a function call; migrate evaluates no functions: write its result'),
    ('true ? "a" : "b"', 'true ? "a" : "b" is a conditional; migrate does not evaluate it'),
    ('"a${1 + 2}"', "1 + 2 is an operation; migrate does not evaluate it: write its result"),
    ("data.aws_region.current.name", "data.aws_region.current.name is a data source"),
    ("aws_s3_bucket.store.id", "is an attribute of the resource aws_s3_bucket.store, known only after"),
    ("local.missing", "local.missing is not defined in any locals block of main.tf (migrate reads "
                      "this one file)"),
    ("[for s in local.subnets : s][0]", "is a for expression"),
    ('"%{ if true }x%{ endif }"', "has a template directive (%{...}), which migrate does not evaluate"),
    ("local.resource_tags.owner", "local.resource_tags.owner looks up 'owner' in an object that has "
                                  "no such key"),
    ('"${local.subnets}-x"', "local.subnets is a list, which cannot be part of a string"),
])
def test_expressions_migrate_does_not_evaluate_are_reported(project, expression, reason):
    text = sample_tf(extra=f"  endpoint_name = {expression}\n")
    found = problems_of(lambda: migrate(write_tf(project, text), output=project / "a.json"))
    line = line_of(text, "endpoint_name =")
    assert len(found) == 1 and found[0].startswith(f"{project / 'infra' / 'main.tf'}:{line}: endpoint_name: ")
    assert reason in found[0] and found[0].endswith("[MLD602]")


def test_a_local_cycle_is_reported_once_for_every_input_using_it(project):
    text = sample_tf(extra='  endpoint_name = local.a\n  glue_job_name = local.b\n').replace(
        "locals {\n  project", 'locals {\n  a = local.b\n  b = "${local.a}-x"\n  project', 1)
    text = text.replace('  glue_job_name                 = "transform-${local.label}"\n', "")
    found = problems_of(lambda: migrate(write_tf(project, text), output=project / "a.json"))
    assert found == [f"{project / 'infra' / 'main.tf'}:{line_of(text, '${local.a}-x')}: endpoint_name, "
                     "glue_job_name: local.a (through local.a -> local.b) refers back to a local it "
                     "is part of, a cycle; give one of them a value [MLD602]"]


def test_what_the_file_determines_is_resolved(project):
    # A free-text input (the credentials file) carries the interpolation, escapes and unicode.
    text = sample_tf(extra=textwrap.dedent("""\
          feature_store_override = local.subnets.0
          built_in_model_image = <<-EOT
            image:1.0
            EOT
        """)).replace('aws_credentials_file = "~/.aws/credentials"',
                      'aws_credentials_file = "${local.subnets[1]}-$${kept}-%%{kept}-\\u00e9\\t"')
    config = json.loads(migrate(write_tf(project, text), output=project / "a.json").data)
    assert config["aws_credentials_file"] == "subnet-4e5f6a7b-${kept}-%{kept}-\u00e9\t"
    assert config["feature_store_override"] == "subnet-0a1b2c3d"
    assert config["built_in_model_image"] == "image:1.0\n"


# -- inputs we do not support ----------------------------------------------------------------------

def test_unsupported_inputs_are_named_with_the_closest_input(project):
    extra = '  training_job_volume_size_gb = 30\n  alarm_name = "x"\n  count = 1\n  lifecycle {\n  }\n'
    text = sample_tf(extra=extra)
    tf = write_tf(project, text)
    found = problems_of(lambda: migrate(tf, output=project / "a.json"))
    assert found == [
        f"{tf}:{line_of(text, 'training_job_volume')}: training_job_volume_size_gb: not an input "
        "mlops_dsl supports (did you mean 'training_job_storage_in_gb'?); remove it, or pass --skip "
        "training_job_volume_size_gb to leave it out [MLD603]",
        f"{tf}:{line_of(text, 'alarm_name')}: alarm_name: not an input mlops_dsl supports; remove it, "
        "or pass --skip alarm_name to leave it out [MLD603]",
        f"{tf}:{line_of(text, '  count = 1')}: count: a Terraform meta-argument, which has no equivalent "
        "(one blueprint is one pipeline); remove it, or pass --skip count to leave it out [MLD603]",
        f"{tf}:{line_of(text, 'lifecycle {')}: lifecycle: a nested block, which no input of the module "
        "is; remove it, or pass --skip lifecycle to leave it out [MLD603]",
    ]
    skip = ["training_job_volume_size_gb", "alarm_name", "count", "lifecycle"]
    migration = migrate(tf, output=project / "a.json", skip=tuple(skip))
    assert not set(skip) & set(json.loads(migration.data))
    assert migration.notes == (f"left out (--skip): training_job_volume_size_gb (line "
                               f"{line_of(text, 'training_job_volume')}), alarm_name (line "
                               f"{line_of(text, 'alarm_name')}), count (line {line_of(text, '  count = 1')}), "
                               f"lifecycle (line {line_of(text, 'lifecycle {')})",)


def test_skip_of_an_input_the_block_does_not_set_is_an_error(project):
    text = sample_tf()
    found = problems_of(lambda: migrate(write_tf(project, text), output=project / "a.json",
                                        skip=("alarm_nme",)))
    assert found == [f"{project / 'infra' / 'main.tf'}:{line_of(text, MODULE)}: --skip: module "
                     "'mlops' sets no input 'alarm_nme'; --skip names inputs of the module block to leave "
                     "out [MLD608]"]


def test_our_loader_problems_are_reported_at_the_tf_lines(project):
    text = sample_tf().replace('"Batch Transform" #', '"Batch" #').replace(
        '  aws_credentials_file = "~/.aws/credentials"\n', "")
    tf = write_tf(project, text)
    found = problems_of(lambda: migrate(tf, output=project / "a.json"))
    assert found == [
        f"{tf}:{line_of(text, MODULE)}: (config): 'aws_credentials_file' is required [MLD011]",
        f"{tf}:{line_of(text, 'endpoint_or_batch_transform')}: endpoint_or_batch_transform: 'Batch' is not "
        "allowed; use one of 'Batch Transform', 'Create Model Endpoint Config' [MLD012]",
    ]


# -- choosing the module block ---------------------------------------------------------------------

@pytest.mark.parametrize("address, recognised", [
    ("../../catalog/aws/ml-ops", True),
    ("../../catalog/aws/ml-ops-on-aws", True),
    ("git::https://example.com/org/dataops-infra.git//catalog/aws/ml-ops?ref=main", True),
    ("git::ssh://git@example.com/org/ml-ops.git?ref=v1", True),
    ("example/ml-ops/aws", True),
    ("app.example.com/example/ml-ops/aws", True),
    ("../../catalog/aws/environment", False),
    ("git::https://example.com/org/dataops-infra.git//catalog/aws/data-lake?ref=main", False),
    ("example/ml-ops/google", False),
    ("", False),
    (None, False),
])
def test_reference_module_sources(address, recognised):
    assert is_reference_source(address) is recognised


def test_module_selection_errors_list_the_blocks(project):
    other = 'module "lake" {\n  source = "../../catalog/aws/data-lake"\n}\n'
    tf = write_tf(project, other)
    assert problems_of(lambda: migrate(tf)) == [
        f"{tf}: --module: no module block uses the reference module (a source ending in ml-ops-on-aws "
        "or ml-ops); this file has: 'lake' (line 1, source '../../catalog/aws/data-lake'). Pass "
        "--module NAME to migrate one anyway [MLD604]"]
    assert problems_of(lambda: migrate(tf, module="mlops")) == [
        f"{tf}: --module: no module block is named 'mlops'; this file has: 'lake' (line 1, source "
        "'../../catalog/aws/data-lake') [MLD605]"]
    sample = sample_tf()
    block = sample[sample.index(MODULE):sample.index('output "summary"')]
    twice = write_tf(project, sample + block.replace(MODULE, 'module "mlops2"'), "two.tf")
    assert problems_of(lambda: migrate(twice)) == [
        f"{twice}: --module: 2 module blocks use the reference module ('mlops', 'mlops2'); pick one "
        "with --module NAME [MLD606]"]
    assert migrate(twice, module="mlops2", output=project / "a.json").module == "mlops2"


def test_module_forces_a_block_whose_source_is_not_recognised(project):
    text = sample_tf().replace(SOURCE, "../modules/my-fork")
    migration = migrate(write_tf(project, text), module="mlops", output=project / "a.json")
    assert migration.notes[0] == ("module 'mlops' has source '../modules/my-fork', which is not "
                                  "recognised as the reference module; migrating it because --module "
                                  "names it")


# -- the file and the output -------------------------------------------------------------------------

def test_syntax_errors_and_duplicates_are_reported_with_their_lines(project):
    broken = write_tf(project, 'module "mlops" {\n  source = "x"\n  name_prefix = = "a"\n}\n', "broken.tf")
    assert problems_of(lambda: migrate(broken)) == [
        f"{broken}:3: (hcl): not valid HCL: unexpected '=' at column 17 [MLD601]"]
    text = sample_tf().replace('  job_name = local', '  job_name = "x"\n  job_name = local').replace(
        '  aws_region        = "us-east-1"\n', '  aws_region        = "us-east-1"\n  label = "y"\n')
    tf = write_tf(project, text)
    first_job = line_of(text, 'job_name = "x"')
    assert problems_of(lambda: migrate(tf)) == [
        f"{tf}:{line_of(text, 'label         =')}: label: 'label' is set twice in locals (lines "
        f"{line_of(text, 'label = ')} and {line_of(text, 'label         =')}); Terraform refuses this "
        "file too [MLD601]",
        f"{tf}:{first_job + 1}: job_name: 'job_name' is set twice in module 'mlops' (lines {first_job} "
        f"and {first_job + 1}); Terraform refuses this file too [MLD601]"]
    missing = project / "infra" / "nope.tf"
    assert problems_of(lambda: migrate(missing)) == [
        f"{missing}: FILE.tf: cannot read {missing}: No such file or directory [MLD601]"]


def test_undefined_escapes_and_repeated_keys_are_reported(project):
    text = sample_tf(extra='  endpoint_name = "a\\qb"\n').replace(
        'kfold_splits = "5"', 'kfold_splits = "5"\n    kfold_splits = "6"')
    tf = write_tf(project, text)
    first = line_of(text, 'kfold_splits = "5"')
    assert problems_of(lambda: migrate(tf, output=project / "a.json")) == [
        f"{tf}:{line_of(text, 'endpoint_name')}: endpoint_name: \\q is not an escape sequence HCL knows "
        "(use \\n \\r \\t \\\" \\\\ \\uNNNN or \\UNNNNNNNN) [MLD601]",
        f"{tf}:{first + 1}: static_hyperparameters.kfold_splits: kfold_splits is set twice in this "
        f"object (lines {first} and {first + 1}) [MLD601]"]


def test_an_existing_output_is_replaced_only_with_force(project):
    tf = write_tf(project, sample_tf())
    out = project / "a.json"
    out.write_text("{}\n")
    assert problems_of(lambda: migrate(tf, output=out)) == [
        f"{out}: -o: {out} exists; pass --force to replace it [MLD607]"]
    assert main(["migrate", str(tf), "-o", str(out), "--force"]) == 0
    assert json.loads(out.read_text())["job_name"] == "attrition"
    assert problems_of(lambda: migrate(tf, output=project / "a.yaml")) == [
        f"{project / 'a.yaml'}: -o: a.yaml: the output's suffix picks what is written; use .json (a JSON "
        "config) or .py (a blueprint module) [MLD607]"]
    assert problems_of(lambda: migrate(tf, output=project / "infra")) == [
        f"{project / 'infra'}: -o: infra: the output's suffix picks what is written; use .json (a JSON "
        "config) or .py (a blueprint module) [MLD607]"]


def test_the_parser_is_not_imported_by_the_command_line_itself():
    code = ("import sys; from mlops_dsl.cli import _parser; _parser(); "
            "print(any(m in sys.modules for m in ('hcl2', 'lark', 'mlops_dsl.migrate')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout == "False\n", result.stderr


# -- the Python writer ---------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(tags=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=40), max_size=4),
       name=st.text(min_size=1, max_size=12))
def test_any_text_is_rendered_as_a_literal_never_as_code(tags, name):
    blueprint = Blueprint(name_prefix="p", job_name="j", environment=Environment(region="us-east-1"),
                          tags=tags)
    source = render_python(blueprint, name=name, docstring=f"from {name!r}\n\"\"\"")
    namespace: dict = {}
    exec(compile(source, "generated.py", "exec"), namespace)  # noqa: S102 - the code under test
    built = namespace[variable_for(name)]
    assert dict(built.tags) == tags and (built.name or variable_for(name)) == name
    assert ast.get_docstring(ast.parse(source)) == f"from {name!r}\n\"\"\""


@pytest.mark.parametrize("name, variable", [("attrition", "attrition"), ("attrition-dev", "attrition_dev"),
                                            ("2024", "bp_2024"), ("_x", "bp_x"), ("class", "class_")])
def test_variable_names_for_blueprint_names(name, variable):
    assert variable_for(name) == variable
