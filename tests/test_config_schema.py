"""The config's JSON schema and the README's input table are generated from one table of inputs."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from helpers import ROOT
from mlops_dsl.config import CONFIG_FIELDS, config_schema
from mlops_dsl.config.schema import SCHEMA_FILE, main, readme_table, schema_text

REGENERATE = "python -m mlops_dsl.config --write"


def test_the_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), f"run {REGENERATE}"


def test_the_readme_table_is_the_generated_one():
    assert readme_table() in (ROOT / "README.md").read_text(encoding="utf-8"), f"run {REGENERATE}"


def test_the_dsl_reference_names_every_input():
    """docs/dsl.md's table gives each DSL value its seed inputs: every config key is among them."""
    text = (ROOT / "docs" / "dsl.md").read_text(encoding="utf-8")
    section = text[text.index("## Values and their seed inputs"):text.index("## The gate")]
    seed_column = " ".join(line.rsplit("|", 2)[1] for line in section.splitlines()
                           if line.startswith("| `") or line.startswith("| |"))
    assert [row.key for row in CONFIG_FIELDS if row.parts[-1] not in seed_column] == []


def test_the_command_prints_the_committed_schema(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out == SCHEMA_FILE.read_text(encoding="utf-8")


def test_the_schema_is_valid_and_accepts_the_sample_config():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    sample = json.loads((ROOT / "blueprints" / "attrition_config.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(sample)) == []


def test_the_schema_states_the_dsl_declarations():
    """Bounds, enumerations and patterns come from the DSL fields; defaults from their defaults."""
    properties = config_schema()["properties"]
    # an integer, or its digits as text (Terraform's conversion of the module's inputs)
    assert properties["max_number_training_jobs"] == {
        "default": 3, "description": "total tuning jobs", "maximum": 750, "minimum": 1,
        "type": ["integer", "string"], "pattern": "^[+-]?[0-9]+$"}
    assert properties["glue_job_spark_flag"]["enum"] == [True, False, "true", "false"]
    assert properties["tuning_strategy"]["enum"] == ["Bayesian", "Random", "Hyperband", "Grid"]
    assert properties["inference_comparison_operator"]["enum"][0] == "NumericGreaterThan"
    assert properties["endpoint_or_batch_transform"]["default"] == "Batch Transform"
    assert properties["whl_path"]["default"] == "source/scripts/python/pandasmodule-0.1-py3-none-any.whl"
    assert sorted(config_schema()["required"]) == sorted(r.key for r in CONFIG_FIELDS
                                                         if r.required and "." not in r.key)
