"""Hostile and broken input (issue 11): a clear, located error and exit 2, never a traceback or 1.

One test per kind of bad input. Commands run in this process (the ``cli`` fixture) except where the
process itself is the point (``os._exit``, Ctrl-C, ``python -m`` in a folder holding ``json.py``).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from helpers import BLUEPRINTS, ROOT, write_wheel
from mlops_dsl import exit_codes

SCRIPT = ROOT / "glue" / "transform.py"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with a Glue script, an image folder (Dockerfile, train, serve) and a config
    ``pipeline.json`` that compiles; made the working folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "transform.py").write_text("print('t')\n")
    image = tmp_path / "image"
    image.mkdir()
    for name in ("Dockerfile", "train", "serve"):
        (image / name).write_text("#!/bin/sh\n")
    return tmp_path


def config(**changes) -> dict:
    base = {"aws_credentials_file": "~/.aws/credentials", "environment": {"aws_region": "us-east-1"},
            "job_name": "demo", "name_prefix": "demo", "resource_tags": {"team": "ml"},
            "script_path": "transform.py", "whl_path": None, "byo_model_image_source_path": "image",
            "train_local_path": None, "score_local_path": None}
    return {**base, **changes}


def write_config(folder, value=None, *, raw: bytes | None = None, name="pipeline.json"):
    path = folder / name
    path.write_bytes(raw if raw is not None else json.dumps(value).encode())
    return path


HEADER = textwrap.dedent("""\
    from mlops_dsl import *
    base = Blueprint(name_prefix="demo", job_name="demo", environment=Environment(region="us-east-1"),
                     transform=GlueTransform(script="transform.py", wheels=()),
                     image=ByoImage(source="image"), data=LocalData(train=None, score=None))
    """)


def refused(result, *expected: str) -> list[str]:
    """The error lines of a refused command, after checking it exited 2 without a traceback."""
    code, _, err = result
    assert code == exit_codes.INVALID, err
    assert "Traceback" not in err and "internal error" not in err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    for text in expected:
        assert any(text in line for line in errors), (text, err)
    return errors


def python_m(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "mlops_dsl", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


# Config files -----------------------------------------------------------------------------------

def test_a_config_that_is_not_utf8_is_refused_and_a_utf8_bom_is_read(project, cli):
    text = json.dumps(config(resource_tags={"owner": "José"}), indent=1, ensure_ascii=False)
    latin1 = write_config(project, raw=text.encode("latin-1"))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "José" in row)
    refused(cli("validate", latin1), f"{latin1}:{line}: (config): not UTF-8: byte 0xe9 at column",
            "save it as UTF-8 [MLD014]")
    utf16 = write_config(project, raw=text.encode("utf-16"), name="utf16.json")
    refused(cli("validate", utf16), f"{utf16}:1: (config): the file is UTF-16 (it starts with a "
            "byte order mark)")
    bare16 = write_config(project, raw=text.encode("utf-16-le"), name="bare16.json")
    refused(cli("validate", bare16), "NUL bytes at its start")
    bom = write_config(project, raw=b"\xef\xbb\xbf" + text.encode(), name="bom.json")
    code, out, err = cli("validate", bom)
    assert code == exit_codes.OK, err


def test_json_nested_thousands_deep_is_refused(project, cli):
    deep = write_config(project, raw=b'{"a": "[[[[",\n "b":\n' + b"[" * 5000 + b"]" * 5000 + b"}")
    refused(cli("validate", deep), f"{deep}:3: (config): objects and lists are nested more than 32 "
            "levels deep; a config needs at most 4 [MLD015]")
    inside = write_config(project, config(resource_tags={"a": json.loads("[" * 40 + "]" * 40)}),
                          name="inside.json")
    (line,) = refused(cli("validate", inside))
    assert line.startswith(f"error: {inside}#/resource_tags/a/0/0/") and "more than 32 levels" in line


def test_integers_beyond_float_range_are_refused_where_they_are(project, cli):
    ranges = {"IntegerParameterRanges": [{"Name": "depth", "MinValue": 1, "MaxValue": 10**400}],
              "ContinuousParameterRanges": [{"Name": "eta", "MinValue": 0, "MaxValue": 10**400}]}
    path = write_config(project, config(inference_metric_threshold=10**400, parameter_ranges=ranges,
                                        max_number_training_jobs=10**400))
    errors = refused(cli("validate", path))
    assert [line.split(": ", 2)[1] for line in errors] == [  # built values, then the rules
        f"{path}#/inference_metric_threshold",
        f"{path}#/parameter_ranges/ContinuousParameterRanges/0/MaxValue",
        f"{path}#/max_number_training_jobs"]
    assert "(401 digits) is beyond the range of a number (about 1.8e308) [MLD012]" in errors[0]
    assert "(401 digits) is beyond the range of a number (about 1.8e308) [MLD012]" in errors[1]
    assert "(401 digits) is out of range; use 1 to 750 [MLD106]" in errors[2]
    # An integer range may hold big integers; SageMaker's ParameterValue is at most 256 characters.
    path = write_config(project, config(parameter_ranges={"IntegerParameterRanges": [
        {"Name": "depth", "MinValue": 1, "MaxValue": 10**400}]}), name="int.json")
    refused(cli("validate", path),
            f"{path}#/parameter_ranges/IntegerParameterRanges/0/MaxValue:", "[MLD315]")
    huge = write_config(project, raw=json.dumps(config())[:-1].encode() + b', "x": ' + b"9" * 5000
                        + b"}", name="huge.json")
    refused(cli("validate", huge), f"{huge}:1: (config): not valid JSON: a number of 5000 digits")


def test_integers_too_long_to_print_are_described_by_size(project, cli):
    (project / "bp.py").write_text(HEADER + "big = base.with_(name='big', training=Training("
                                   "instance_count=10**5000), gate=metric('accuracy') > 10**5000)\n")
    errors = refused(cli("validate", project / "bp.py", "--name", "big"))
    assert errors == [f"error: {project / 'bp.py'}:5: Gate.threshold: an integer of about 5000 digits "
                      "is beyond the range of a number (about 1.8e308) [MLD001]"]
    (project / "bp.py").write_text(HEADER + "big = base.with_(name='big', training=Training("
                                   "instance_count=10**5000))\n")
    errors = refused(cli("validate", project / "bp.py", "--name", "big"))
    assert errors == [f"error: {project / 'bp.py'}:5: Training.instance_count: an integer of about "
                      "5000 digits is out of range; use 1 to 2147483647 [MLD106]"]


def test_path_components_over_255_bytes_are_refused(project, cli):
    long_name = "é" * 150 + ".py"  # 303 bytes in UTF-8, 153 characters
    path = write_config(project, config(script_path=f"scripts/{long_name}"))
    refused(cli("validate", path), f"{path}#/script_path: script_path: Glue script",
            "has a name of 303 bytes", "file systems allow at most 255 (looked for", "[MLD201]")
    refused(cli("validate", project / long_name), "BLUEPRINT:", "has a name of 303 bytes [MLD026]"
            .replace(" [MLD026]", ""), "[MLD026]")
    good = write_config(project, config(), name="good.json")
    refused(cli("compile", good, "-o", project / "out" / ("x" * 300)), "--output:",
            "has a name of 300 bytes", "[MLD031]")


@pytest.mark.parametrize("statement, message", [
    ("raise SystemExit(3)", "the module called sys.exit(3) (SystemExit); a blueprint module must "
                            "not end the process"),
    ("import sys; sys.exit('bye')", "the module called sys.exit('bye') (SystemExit)"),
    ("raise GeneratorExit('g')", "GeneratorExit: g"),
    ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    ("class Custom(BaseException): pass\nraise Custom('mine')", "Custom: mine"),
])
def test_a_module_raising_a_base_exception_is_reported_at_its_line(project, cli, statement, message):
    (project / "bp.py").write_text(HEADER + statement + "\n")
    line = HEADER.count("\n") + statement.count("\n") + 1
    refused(cli("validate", project / "bp.py"),
            f"error: {project / 'bp.py'}:{line}: (python): {message}")


def test_a_module_calling_os_exit_is_reported_at_its_line(project):
    (project / "helper.py").write_text("import os\n\n\ndef leave():\n    os._exit(0)\n")
    (project / "bp.py").write_text(HEADER + "import helper\nhelper.leave()\n")
    result = python_m("validate", project / "bp.py", cwd=project)
    assert result.returncode == exit_codes.INVALID, result.stderr
    assert result.stderr.splitlines()[0] == (
        f"error: {project / 'bp.py'}:6: (python): the module called os._exit(0); a blueprint "
        f"module must not end the process (at {project / 'helper.py'}:5) [MLD021]")
    assert "not checked: the rest of the module" in result.stderr
    assert os._exit.__module__ == "posix"  # the guard is gone after loading (in this process too)


def test_a_real_ctrl_c_while_a_module_loads_still_interrupts(project):
    (project / "slow.py").write_text("import sys, time\nprint('loading', flush=True)\ntime.sleep(60)\n")
    process = subprocess.Popen([sys.executable, "-m", "mlops_dsl", "validate", "slow.py"],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr.readline() == "loading\n"  # the module's print goes to stderr
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (exit_codes.INTERRUPTED, "interrupted\n")


def test_output_under_a_regular_file_is_refused(project, cli):
    path = write_config(project, config())
    (project / "plain").write_text("a file")
    refused(cli("compile", path, "-o", project / "plain" / "out"),
            f"--output: {project / 'plain' / 'out'} cannot be made: {project / 'plain'} is a file, "
            "not a folder; choose a folder [MLD031]")
    refused(cli("compile", path, "-o", project / "plain"),
            f"--output: {project / 'plain'} is a file, not a folder; choose a folder [MLD030]")
    assert (project / "plain").read_text() == "a file"


def test_a_json_py_in_the_working_folder_does_not_shadow_the_standard_library(project):
    (project / "json.py").write_text("raise SystemExit('the json.py of the working folder ran')\n")
    result = python_m("validate", BLUEPRINTS / "attrition.py", cwd=project)
    assert result.returncode == exit_codes.OK, result.stderr
    # Nor a module the package itself imports (copy): the package drops the folder first.
    (project / "copy.py").write_text("raise SystemExit('the copy.py of the working folder ran')\n")
    result = python_m("validate", BLUEPRINTS / "attrition.py", cwd=project)
    assert result.returncode == exit_codes.OK, result.stderr


def test_a_standard_module_taken_from_the_working_folder_is_named(project, monkeypatch):
    """What Python imported from the folder before the package ran (nothing today: runpy's own
    modules are imported at start-up) would be refused by name (MLD027)."""
    import types

    from mlops_dsl._as_module import shadowed_stdlib

    monkeypatch.chdir(project)
    (project / "copy.py").write_text("x = 1\n")
    assert shadowed_stdlib() == []
    taken = types.ModuleType("copy")
    taken.__file__ = str(project / "copy.py")
    monkeypatch.setitem(sys.modules, "copy", taken)
    assert shadowed_stdlib() == [("copy", str(project / "copy.py"))]


def test_the_mlops_dsl_command_is_declared_and_ignores_the_working_folder(project):
    import configparser
    from pathlib import Path

    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    assert setup["options.entry_points"]["console_scripts"].split() == [
        "mlops-dsl", "=", "mlops_dsl.cli:main"]
    script = Path(sys.executable).parent / "mlops-dsl"
    if not script.exists():
        pytest.skip("the mlops-dsl script is not installed here: pip install -e . makes it")
    (project / "json.py").write_text("raise SystemExit('shadowed')\n")
    (project / "copy.py").write_text("raise SystemExit('shadowed')\n")
    result = subprocess.run([str(script), "validate", BLUEPRINTS / "attrition.py"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == exit_codes.OK, result.stderr
    assert result.stdout.endswith("attrition: valid (" + result.stdout.split("valid (", 1)[1])


def test_duplicate_json_keys_are_refused_at_their_pointer(project, cli):
    text = json.dumps(config())[:-1] + ', "job_name": "other", "environment": {"aws_region": ' \
        '"us-east-1", "aws_region": "eu-west-1"}}'
    path = write_config(project, raw=text.encode())
    errors = refused(cli("validate", path))
    assert errors == [
        f"error: {path}#/environment: environment: the key 'environment' is given more than once "
        "(JSON would keep only the last); give it once [MLD016]",
        f"error: {path}#/environment/aws_region: environment.aws_region: the key 'aws_region' is "
        "given more than once (JSON would keep only the last); give it once [MLD016]",
        f"error: {path}#/job_name: job_name: the key 'job_name' is given more than once (JSON "
        "would keep only the last); give it once [MLD016]"]


@pytest.mark.parametrize("key", ["training_job_instance_count", "endpoint_instance_count",
                                 "batch_transform_instance_count"])
def test_instance_counts_beyond_32_bits_are_refused(project, cli, key):
    extra = {"endpoint_or_batch_transform": "Create Model Endpoint Config"} if "endpoint" in key else {}
    path = write_config(project, config(**{key: 2**31}, **extra))
    refused(cli("validate", path), f"{path}#/{key}: {key}: 2147483648 is out of range; use 1 to "
            "2147483647 [MLD106]")
    path = write_config(project, config(**{key: str(2**31 - 1)}, **extra))
    assert cli("validate", path)[0] == exit_codes.OK


@pytest.mark.parametrize("uri", [
    "no-registry", "model:1.0", "library/python:3", "registry.example.com/", "a.b/Repo:1",
    "a.b/repo:bad tag", "a.b/repo:1:2", "a.b/repo@sha256:short", "a.b//repo", "a.b/repo:" + "t" * 129,
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + "r" * 250,
])
def test_image_uris_not_registry_repo_tag_or_digest_are_refused(project, cli, uri):
    path = write_config(project, config(built_in_model_image=uri))
    (line,) = refused(cli("validate", path))
    assert line.startswith(f"error: {path}#/built_in_model_image: built_in_model_image: ")
    assert line.endswith("[MLD117]")


@pytest.mark.parametrize("uri", [
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/model:1.0",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/model@sha256:" + "a" * 64,
    "registry.example.com:5000/model", "localhost/model:latest"])
def test_image_uris_of_that_grammar_are_accepted(project, cli, uri):
    path = write_config(project, config(built_in_model_image=uri))
    code, _, err = cli("validate", path)
    assert code == exit_codes.OK, err


@pytest.mark.parametrize("vpc", ["vpc-123", "VPC-0a1b2c3d", "subnet-0a1b2c3d", "vpc-0a1b2c3g",
                                 "vpc-0a1b2c3d4e5f6071"])
def test_a_vpc_id_that_is_not_a_vpc_id_is_refused(project, cli, vpc):
    path = write_config(project, config(environment={"aws_region": "us-east-1", "vpc_id": vpc}))
    refused(cli("validate", path), f"{path}#/environment/vpc_id: environment.vpc_id: {vpc!r} is not "
            "a VPC ID; use a VPC ID such as 'vpc-0a1b2c3d' (vpc- and 8 or 17 hexadecimal digits) "
            "[MLD124]")


SUBNET_RULE = ("is not a subnet ID; use a subnet ID such as 'subnet-0a1b2c3d' (subnet- and 8 or "
               "17 hexadecimal digits) [MLD040]")


@pytest.mark.parametrize("key", ["private_subnets", "public_subnets"])
@pytest.mark.parametrize("subnet", ["subnet-1", "SUBNET-0a1b2c3d", "vpc-0a1b2c3d", "subnet-0a1b2c3g",
                                    "subnet-0a1b2c3d4e5f6071", "subnet-${AWS::AccountId}",
                                    " subnet-0a1b2c3d"])
def test_a_subnet_that_is_not_a_subnet_id_is_refused_at_its_key(project, cli, key, subnet):
    environment = {"aws_region": "us-east-1", "vpc_id": "vpc-0a1b2c3d",
                   key: ["subnet-0a1b2c3d", subnet]}
    path = write_config(project, config(environment=environment))
    (line,) = refused(cli("validate", path))
    # the pointer names the entry (the second), not only the list
    assert line == f"error: {path}#/environment/{key}/1: environment.{key}: {subnet!r} {SUBNET_RULE}"


def test_a_subnet_that_is_not_a_subnet_id_is_refused_at_its_line(project, cli):
    (project / "bp.py").write_text(HEADER + (
        "net = base.with_(name='net', environment=Environment(\n"
        "    region='us-east-1', vpc_id='vpc-0a1b2c3d', private_subnets=('subnet-0a1b2c3d4e5f60718', 'sn-1')))\n"))
    (line,) = refused(cli("validate", project / "bp.py", "--name", "net"))
    assert line == f"error: {project / 'bp.py'}:5: Environment.private_subnets: 'sn-1' {SUBNET_RULE}"


@pytest.mark.parametrize("subnets", [["subnet-0a1b2c3d"], ["subnet-0a1b2c3d4e5f60718", "subnet-4e5f6a7b"]])
def test_subnet_ids_of_8_or_17_hex_digits_are_accepted(project, cli, subnets):
    environment = {"aws_region": "us-east-1", "vpc_id": "vpc-0a1b2c3d", "private_subnets": subnets,
                   "public_subnets": subnets}
    code, _, err = cli("validate", write_config(project, config(environment=environment)))
    assert code == exit_codes.OK, err


@pytest.mark.parametrize("content, message", [
    ("print('Jos\xe9')\n".encode("latin-1"), "is not UTF-8: byte 0xe9 on line 1"),
    (b"import sys\n\ndef f(:\n", "is not valid Python: line 3: "),
    (b"x = 1\x00\n", "is not valid Python: "),
    (b"return 1\n", "is not valid Python: line 1: 'return' outside function"),
])
def test_a_glue_script_that_is_not_utf8_python_is_refused(project, cli, content, message):
    (project / "transform.py").write_bytes(content)
    path = write_config(project, config())
    refused(cli("validate", path), f"{path}#/script_path: script_path: Glue script 'transform.py' "
            f"{message}", "[MLD205]")


def test_a_wheel_that_is_not_a_wheel_is_refused(project, cli):
    (project / "zipless-0.1-py3-none-any.whl").write_bytes(b"not a zip")
    import zipfile

    with zipfile.ZipFile(project / "bare-0.1-py3-none-any.whl", "w") as archive:
        archive.writestr("bare/__init__.py", "")
    write_wheel(project / "good-0.1-py3-none-any.whl")
    (project / "misnamed.whl").write_bytes((project / "good-0.1-py3-none-any.whl").read_bytes())
    path = write_config(project, config(whl_path=[
        "zipless-0.1-py3-none-any.whl", "bare-0.1-py3-none-any.whl", "misnamed.whl",
        "good-0.1-py3-none-any.whl"]))
    assert refused(cli("validate", path)) == [
        f"error: {path}#/whl_path: whl_path: Python wheel 'zipless-0.1-py3-none-any.whl' is not a "
        "wheel: it is not a zip archive (build it with `pip wheel .`) [MLD206]",
        f"error: {path}#/whl_path: whl_path: Python wheel 'bare-0.1-py3-none-any.whl' is not a "
        "wheel: it holds no <name>.dist-info/WHEEL (build it with `pip wheel .`) [MLD206]",
        f"error: {path}#/whl_path: whl_path: Python wheel 'misnamed.whl' is not named as a wheel "
        "is (name-version-python-abi-platform.whl, e.g. helpers-0.1-py3-none-any.whl); pip "
        "refuses it [MLD206]"]


def test_ecr_repository_names_outside_2_to_256_characters_are_refused(project, cli):
    path = write_config(project, config(byo_model_image_name="a" * 252))  # demo- + 252 = 257
    refused(cli("validate", path), f"{path}#/byo_model_image_name: byo_model_image_name: the "
            "image's ECR repository 'demo-aaaa", "has 257 characters; ECR allows 2 to 256", "[MLD117]")
    path = write_config(project, config(byo_model_image_name="a" * 251))
    assert cli("validate", path)[0] == exit_codes.OK


@pytest.mark.parametrize("tags", [{"team\n": "ml"}, {"team": "m\tl"}, {"team": "\x1b[31mred"},
                                  {"team": "a\u202eb"}, {"te\x00am": "ml"}])
def test_control_characters_in_tags_are_refused(project, cli, tags):
    path = write_config(project, config(resource_tags=tags))
    (line,) = refused(cli("validate", path))
    key = next(iter(tags)).replace("~", "~0").replace("/", "~1")
    assert line.startswith(f"error: {path}#/resource_tags/") and line.endswith("[MLD118]")
    assert not any(ord(c) < 32 or c == "\u202e" for c in line)  # escaped in the message too
    assert ("\\n" in line or "\\t" in line or "\\x1b" in line or "\\u202e" in line
            or "\\x00" in line), (line, key)


# Messages ---------------------------------------------------------------------------------------

def test_messages_echo_at_most_about_80_characters_of_a_value(project, cli):
    long = "x" * 5000
    path = write_config(project, config(job_name=long, endpoint_name=long, **{long: 1},
                                        resource_tags={"team": long}, tuning_metric=long,
                                        training_job_instance_type=long))
    errors = refused(cli("validate", path))
    # job_name, endpoint_name, the unknown key, the tag, the metric (its name and its default
    # regex's length) and the instance type
    assert len(errors) == 7
    assert sum("[MLD133]" in line for line in errors) == 1
    for line in errors:
        assert "x" * 90 not in line, line


def test_paths_with_control_characters_are_printed_escaped(project, cli):
    path = write_config(project, config(script_path="a\x1b[2J\nb.py", train_local_path="\rdata.csv"))
    code, _, err = cli("validate", path)
    assert code == exit_codes.INVALID and "\x1b" not in err and "\r" not in err
    lines = err.splitlines()
    assert len(lines) == 4  # two problems, "not checked", the count: no forged line
    assert "Glue script 'a\\x1b[2J\\nb.py' does not exist (looked for " in lines[0]
    assert f"{project}/a\\x1b[2J\\nb.py) [MLD201]" in lines[0]


def test_a_path_with_a_nul_character_is_refused_by_name(project, cli):
    path = write_config(project, config(train_local_path="da\u0000ta.csv"))
    refused(cli("validate", path), f"{path}#/train_local_path: train_local_path: local train data "
            "'da\\x00ta.csv' contains a NUL character (looked for ")


def test_a_directory_is_called_a_directory(project, cli):
    (project / "folder.py").mkdir()
    path = write_config(project, config(script_path="folder.py", train_local_path="."))
    refused(cli("validate", path), "Glue script 'folder.py' is a directory, not a file",
            "local train data '.' is a directory, not a file")
    refused(cli("validate", project / "folder.py"), f"{project / 'folder.py'} is a directory, not a file")
    path = write_config(project, config(byo_model_image_source_path="transform.py"), name="image.json")
    refused(cli("validate", path), "image folder 'transform.py' is a file, not a folder")


def test_problems_name_the_config_keys_real_json_pointer(project, cli):
    path = write_config(project, config(resource_tags={"a/b~c": "bad\x07", "aws:x": "y"},
                                        static_hyperparameters={"long": "v" * 3000},
                                        max_number_training_jobs=2.5))
    pointers = [line.split(": ", 2)[1] for line in refused(cli("validate", path))]
    assert pointers == [f"{path}#/max_number_training_jobs",  # a key ~ cannot be in, and a value
                        f"{path}#/resource_tags/a~1b~0c", f"{path}#/resource_tags/a~1b~0c",
                        f"{path}#/resource_tags/aws:x", f"{path}#/static_hyperparameters/long"]


def test_integer_strings_are_read_without_float_rounding(project, cli):
    exact = "9007199254740993"  # 2**53 + 1: a float would make it ...992
    path = write_config(project, config(parameter_ranges={
        "IntegerParameterRanges": [{"Name": "depth", "MinValue": "1", "MaxValue": exact}],
        "ContinuousParameterRanges": [{"Name": "eta", "MinValue": 0, "MaxValue": int(exact)}]}))
    code, _, err = cli("compile", path, "-o", project / "out")
    assert code == exit_codes.OK, err
    ranges = json.loads((project / "out" / "statemachine.asl.json").read_text())
    text = json.dumps(ranges)
    assert text.count(f'"MaxValue": "{exact}"') == 2 and "9007199254740992" not in text


def test_every_phase_reports_its_problems_together_and_says_what_was_not_checked(project, cli):
    path = write_config(project, config(job_name=3, max_parallel_training_jobs=9,
                                        resource_tags={"aws:owner": "x"}, script_path="gone.py"))
    code, _, err = cli("validate", path)
    assert code == exit_codes.INVALID
    assert err.splitlines() == [
        f"error: {path}#/job_name: job_name: 3 is not a string [MLD012]",
        f"error: {path}#/resource_tags/aws:owner: resource_tags: tag key 'aws:owner' is not "
        "allowed; use 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with "
        "'aws:' [MLD118]",
        f"error: {path}#/max_parallel_training_jobs: max_parallel_training_jobs: 9 exceeds max_jobs "
        "3 [MLD105]",
        "not checked: the files the config names, and the compiled workflow and template (they "
        "are checked once these are fixed)",
        "3 problems found; nothing was written."]
    # A Python blueprint: the blueprint's rules and its files together, the workflow not built.
    (project / "bp.py").write_text(HEADER + "bad = base.with_(name_prefix='Bad', transform="
                                   "GlueTransform(script='gone.py', wheels=()))\n")
    code, _, err = cli("validate", project / "bp.py", "--name", "bad")
    assert [line.rsplit("[", 1)[-1] for line in err.splitlines()[:2]] == ["MLD102]", "MLD201]"]
    assert err.splitlines()[2] == ("not checked: the compiled workflow and template (they are "
                                   "checked once these are fixed)")
