"""The JSON config form of a blueprint: the reference module's input names, defaults and meanings.

One table, ``CONFIG_FIELDS`` (``fields``), maps each config key onto the DSL field it sets. From it
come the loader and its inverse (``load``), the JSON schema and the README's table (``schema``).
"""
from .fields import BATCH, CONFIG_FIELDS, ENDPOINT, Input
from .load import blueprint_from_config, config_from_blueprint, load_config
from .schema import config_schema, schema_problems

__all__ = ["BATCH", "CONFIG_FIELDS", "ENDPOINT", "Input", "blueprint_from_config",
           "config_from_blueprint", "config_schema", "load_config", "schema_problems"]
