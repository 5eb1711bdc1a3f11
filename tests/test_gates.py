"""The deployment gate keeps every bound: chained comparisons, ``and`` and ``&`` compile to one
``And`` Choice rule; forms that would lose a bound are refused at their own line; a direction that
contradicts the objective is a warning."""
from __future__ import annotations

import json
import subprocess
import textwrap

import pytest
from test_workflow import ASL_VALIDATOR, deployed_form

from helpers import BLUEPRINTS, sample
from mlops_dsl import BlueprintError, Bound, Gate, maximize, metric, minimize
from mlops_dsl.compiler import WORKFLOW, compile_blueprint
from mlops_dsl.config import blueprint_from_config, config_from_blueprint
from mlops_dsl.emit.workflow import BELOW_THRESHOLD, GATE, GATE_VARIABLE
from mlops_dsl.loader import load_blueprint
from mlops_dsl.local.progress import describe_choice

BAND = Gate(metric="roc_auc", operator="NumericGreaterThan", threshold=0.9,
            also=(Bound(operator="NumericLessThan", threshold=0.999),))


def test_a_chain_an_and_and_an_ampersand_make_the_same_two_sided_gate():
    chained = 0.9 < metric("roc_auc") < 0.999
    joined = metric("roc_auc") > 0.9 and metric("roc_auc") < 0.999
    ampersand = (metric("roc_auc") > 0.9) & (metric("roc_auc") < 0.999)
    assert chained == joined == ampersand == BAND
    assert chained.describe() == "0.9 < roc_auc < 0.999"
    assert chained.bounds == (("NumericGreaterThan", 0.9), ("NumericLessThan", 0.999))


def test_a_chain_written_the_other_way_and_an_and_over_lines_keep_every_bound():
    # (gates are made outside assert statements, which pytest rewrites into other expressions)
    reversed_chain = 0.999 > metric("auc") >= 0.9
    assert reversed_chain.describe() == "0.9 <= auc < 0.999"
    gate = (metric("auc") > 0.5
            and metric("auc") <= 0.99     # a comment between the operands
            and metric("auc") >= 0.6)
    assert gate.describe() == "auc > 0.5 and auc <= 0.99 and auc >= 0.6"
    mixed = metric("auc") > 0.5 and 0.6 < metric("auc") < 0.9
    assert mixed.bounds == (("NumericGreaterThan", 0.5), ("NumericGreaterThan", 0.6),
                            ("NumericLessThan", 0.9))


@pytest.mark.parametrize("bounds, text", [
    ((("NumericGreaterThan", 0.85),), "auc > 0.85"),
    ((("NumericLessThanEquals", 0.999), ("NumericGreaterThanEquals", 0.9)), "0.9 <= auc <= 0.999"),
    ((("NumericGreaterThan", 0.5), ("NumericGreaterThan", 0.6)), "auc > 0.5 and auc > 0.6"),
    ((("NumericEquals", 1), ("NumericLessThan", 2)), "auc == 1 and auc < 2"),
])
def test_bounds_read_as_one_comparison_a_band_or_a_conjunction(bounds, text):
    from mlops_dsl.asl.operators import reads

    assert reads("auc", bounds) == text


def _band(low, high):
    return low < metric("auc") < high


def test_nothing_carries_over_from_one_gate_to_the_next():
    """A gate is joined only inside the expression that tested it: a helper called twice, or
    one metric compared in two statements, makes independent gates."""
    bands = [_band(i, i + 1).describe() for i in range(3)]
    assert bands == ["0 < auc < 1", "1 < auc < 2", "2 < auc < 3"]
    auc = metric("auc")
    low = auc > 0.5
    high = auc < 0.9
    assert (low.describe(), high.describe()) == ("auc > 0.5", "auc < 0.9")


def _module(tmp_path, gate_line: str, name: str = "bp.py"):
    """A blueprint module whose gate is written on its own line; returns (path, that line)."""
    (tmp_path / "transform.py").write_text("print('transform')\n")
    (tmp_path / "image").mkdir(exist_ok=True)
    (tmp_path / "image" / "Dockerfile").write_text("FROM scratch\n")
    source = textwrap.dedent(f"""\
        from mlops_dsl import *
        upper = metric("auc") < 0.99
        bp = Blueprint(
            name_prefix="demo", job_name="demo", environment=Environment(region="eu-west-1"),
            transform=GlueTransform(script="transform.py", wheels=()), image=ByoImage(source="image"),
            tuning=Tuning(objective=maximize("auc"), ranges=(Integer(name="d", min=1, max=5),)),
            data=LocalData(train=None, score=None),
            gate={gate_line},
        )
        """)
    path = tmp_path / name
    path.write_text(source)
    return path, source.splitlines().index(f"    gate={gate_line},") + 1


def _refusal(tmp_path, gate_line: str) -> str:
    path, line = _module(tmp_path, gate_line)
    with pytest.raises(BlueprintError) as caught:
        load_blueprint(path)
    (problem,) = caught.value.problems
    assert (problem.location.file, problem.location.line) == (str(path), line)
    return f"{problem.field}: {problem.message} [{problem.code}]"


def test_a_blueprint_module_with_a_chained_gate_compiles_to_an_and_rule(tmp_path):
    path, _ = _module(tmp_path, '0.9 < metric("auc") < 0.999')
    _, blueprint = load_blueprint(path)
    compiled = compile_blueprint(blueprint)
    gate = compiled.definition["States"][GATE]
    assert gate["Choices"] == [{"And": [
        {"Variable": GATE_VARIABLE, "NumericGreaterThan": 0.9},
        {"Variable": GATE_VARIABLE, "NumericLessThan": 0.999}], "Next": "Create model"}]
    assert gate["Comment"] == "Deploy only when 0.9 < auc < 0.999"
    assert compiled.definition["States"][BELOW_THRESHOLD]["Cause"] == (
        "The best training job did not pass the deployment gate 0.9 < auc < 0.999 "
        "(NumericGreaterThan 0.9 and NumericLessThan 0.999); its metrics are in the metadata store.")
    assert compiled.pipeline.gate.describe() == "0.9 < auc < 0.999"
    assert compiled.notes == ()


@pytest.mark.parametrize("gate_line, tested", [
    ('metric("auc") > 0.9 or metric("auc") < 0.999', "auc > 0.9"),
    ('not (metric("auc") > 0.9)', "auc > 0.9"),
    ('bool(metric("auc") > 0.9)', "auc > 0.9"),
    ('all([metric("auc") > 0.9, metric("auc") < 0.999])', "auc > 0.9"),
    ('(metric("auc") > 0.9) and upper', "auc > 0.9"),  # an and ending in a variable: use &
    ('metric("auc") > 0.9 if metric("auc") > 0.5 else None', "auc > 0.5"),
])
def test_a_gate_used_as_a_truth_value_is_refused_at_its_line(tmp_path, gate_line, tested):
    assert _refusal(tmp_path, gate_line) == (
        f"gate: {tested!r} is asked for its truth value here (by 'or', 'not', 'if', bool(), "
        "all(), or code whose source Python cannot show), so one bound would be kept and the "
        "others dropped; write the bounds as a chain (low < metric('auc') < high), as comparisons "
        "joined by 'and', or join gates with '&': (metric('auc') > low) & (metric('auc') < high) "
        "[MLD130]")


def test_a_chain_whose_source_python_cannot_show_is_refused():
    with pytest.raises(BlueprintError) as caught:
        exec(compile("gate = 0.9 < metric('auc') < 0.999", "<no source>", "exec"),
             {"metric": metric})
    (problem,) = caught.value.problems
    assert problem.code == "MLD130" and str(problem.location) == "<no source>:1"


@pytest.mark.parametrize("gate_line, message", [
    ('metric("auc") > 0.9 & metric("auc") < 0.999',
     "metric('auc'): '&' binds more tightly than a comparison; put each comparison in "
     "parentheses: (metric('auc') > low) & (metric('auc') < high) [MLD131]"),
    ('(metric("auc") > 0.9) & metric("auc") < 0.999',
     "gate: '&' binds more tightly than a comparison, so this joins a gate with metric('auc') "
     "itself; put each comparison in parentheses: (metric('auc') > low) & (metric('auc') < high) "
     "[MLD131]"),
    ('metric("auc") > 0.9 & (metric("auc") < 0.999)',
     "gate: '&' binds more tightly than a comparison, so this joins 0.9 with a gate; put each "
     "comparison in parentheses: (metric('auc') > low) & (metric('auc') < high) [MLD131]"),
    ('(metric("auc") > 0.9) & 0.999',
     "gate: '&' joins a gate with another gate, not with float 0.999; write "
     "(metric('auc') > low) & (metric('auc') < high) [MLD131]"),
    ('(metric("auc") < 0.5) | (metric("auc") > 0.9)',
     "gate: '|' cannot join gates: a gate deploys when all of its bounds hold; write them joined "
     "with &: (metric('auc') > low) & (metric('auc') < high) [MLD131]"),
    ('metric("auc") > 0.9 and metric("loss") < 0.2',
     "gate: the bounds of one gate compare one metric, the tuning objective's; 'auc > 0.9' and "
     "'loss < 0.2' compare two [MLD110]"),
    ('metric("auc") != 0.9',
     "metric('auc'): a gate cannot use '!=' (Step Functions has no numeric not-equal); use one "
     "of >, >=, <, <=, == [MLD107]"),
])
def test_gate_expressions_that_cannot_be_compiled_are_refused_at_their_line(tmp_path, gate_line,
                                                                          message):
    assert _refusal(tmp_path, gate_line) == message


def test_bounds_no_value_passes_are_an_error(tmp_path):
    path, line = _module(tmp_path, 'metric("auc") > 0.9 and metric("auc") < 0.5')
    _, blueprint = load_blueprint(path)
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(blueprint)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:{line}: Gate.also: no value passes 0.9 < auc < 0.5, so the gate never deploys; "
        "check the directions and the thresholds [MLD132]"]


@pytest.mark.parametrize("bounds, satisfiable", [
    ((("NumericGreaterThan", 0.9), ("NumericLessThan", 0.9)), False),
    ((("NumericGreaterThanEquals", 0.9), ("NumericLessThanEquals", 0.9)), True),
    ((("NumericEquals", 0.5), ("NumericGreaterThan", 0.5)), False),
    ((("NumericEquals", 0.5), ("NumericLessThan", 0.6)), True),
    ((("NumericGreaterThan", 0.1), ("NumericGreaterThan", 0.2)), True),
    ((("NumericEquals", 0.1), ("NumericEquals", 0.2)), False),
])
def test_which_bounds_some_value_passes(bounds, satisfiable):
    from mlops_dsl.validate.blueprint import _satisfiable

    assert _satisfiable(list(bounds)) is satisfiable


def _blueprint(**parts):
    return sample().with_(**parts)


def test_a_gate_against_the_objective_is_a_warning_in_compile_and_validate(tmp_path, cli):
    path, line = _module(tmp_path, 'metric("auc") < 0.5')
    expected = (f"note: {path}:{line}: Gate.operator: warning: tuning maximizes 'auc' but the gate "
                "deploys only when auc < 0.5: the higher the best model's value, the less it "
                "passes; did you mean auc > 0.5? [MLD135]")
    code, out, _ = cli("validate", path)
    assert code == 0 and expected in out.splitlines()
    code, out, _ = cli("compile", path, "-o", tmp_path / "build")
    assert code == 0 and expected in out.splitlines()
    assert (tmp_path / "build" / WORKFLOW).is_file()


def test_which_gates_are_warned_about():
    def notes(gate, objective):
        return compile_blueprint(_blueprint(tuning=sample().tuning.with_(objective=objective),
                                            gate=gate)).notes

    (note,) = notes(metric("roc_auc") > 0.5, minimize("roc_auc"))
    assert note.endswith("warning: tuning minimizes 'roc_auc' but the gate deploys only when "
                         "roc_auc > 0.5: the lower the best model's value, the less it passes; "
                         "did you mean roc_auc < 0.5? [MLD135]")
    (note,) = notes((metric("roc_auc") < 0.5) & (metric("roc_auc") <= 0.4), maximize("roc_auc"))
    assert "the gate deploys only when roc_auc < 0.5 and roc_auc <= 0.4: the higher" in note
    band = 0.5 < metric("roc_auc") < 0.9
    for quiet in (metric("roc_auc") > 0.5, band, metric("roc_auc") == 0.5):
        assert notes(quiet, maximize("roc_auc")) == ()


def test_the_two_sided_gate_passes_the_asl_validator(tmp_path):
    band = 0.8 <= metric("roc_auc") < 0.999
    compiled = compile_blueprint(_blueprint(gate=band))
    definition = tmp_path / WORKFLOW
    definition.write_text(deployed_form(compiled.files[WORKFLOW].decode()))
    result = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(definition)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    rule = json.loads(definition.read_text())["States"][GATE]["Choices"][0]
    assert [key for part in rule["And"] for key in part if key.startswith("Numeric")] == [
        "NumericGreaterThanEquals", "NumericLessThan"]


def test_a_two_sided_gate_round_trips_through_the_config():
    band = 0.9 < metric("roc_auc") < 0.999
    blueprint = _blueprint(gate=band)
    config = config_from_blueprint(blueprint)
    assert (config["inference_comparison_operator"], config["inference_metric_threshold"],
            config["inference_metric_also"]) == (
        "NumericGreaterThan", 0.9, [{"operator": "NumericLessThan", "threshold": 0.999}])
    again = blueprint_from_config(json.loads(json.dumps(config)), file=str(BLUEPRINTS / "c.json"),
                                  name=blueprint.name)
    assert again.gate == blueprint.gate
    assert compile_blueprint(again).files[WORKFLOW] == compile_blueprint(blueprint).files[WORKFLOW]


def test_a_config_bound_is_checked_at_its_key():
    config = config_from_blueprint(sample())
    config["inference_metric_also"] = [{"operator": "NumericLessThan", "threshold": "0.99"},
                                       {"operator": "NumericNotEquals", "threshold": 1}]
    blueprint = blueprint_from_config(config, file=str(BLUEPRINTS / "c.json"))
    assert blueprint.gate.also[0] == Bound(operator="NumericLessThan", threshold=0.99)
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(blueprint)
    assert [str(p).replace(str(BLUEPRINTS), "") for p in caught.value.problems] == [
        "/c.json#/inference_metric_also/1/operator: inference_metric_also.1.operator: "
        "'NumericNotEquals' is not allowed; use one of NumericGreaterThan, "
        "NumericGreaterThanEquals, NumericLessThan, NumericLessThanEquals, NumericEquals [MLD107]"]
    config["inference_metric_also"] = [{"operator": "NumericLessThan"}]
    with pytest.raises(BlueprintError) as caught:
        blueprint_from_config(config, file="c.json")
    assert [p.code for p in caught.value.problems] == ["MLD011"]


def test_the_local_progress_line_evaluates_every_bound():
    state = {"Type": "Choice", "Default": BELOW_THRESHOLD, "Choices": [{"Next": "Create model", "And": [
        {"Variable": GATE_VARIABLE, "NumericGreaterThan": 0.9},
        {"Variable": GATE_VARIABLE, "NumericLessThan": 0.999}]}]}

    def line(value, next_state):
        best = {"FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "auc", "Value": value}}
        return describe_choice(state, json.dumps({"tuning": {"BestTrainingJob": best}}), next_state)

    assert line(0.95, "Create model") == "auc 0.95 > 0.9 and < 0.999? passed -> Create model"
    assert line(0.9995, BELOW_THRESHOLD) == (
        "auc 0.9995 > 0.9 and < 0.999? failed (not < 0.999) -> Metric below threshold")
    assert line(0.5, BELOW_THRESHOLD) == (
        "auc 0.5 > 0.9 and < 0.999? failed (not > 0.9) -> Metric below threshold")


def test_the_diagram_reads_a_two_sided_gate_as_it_is_written():
    from mlops_dsl.asl.graph import render
    from mlops_dsl.commands.graph import gate_aliases

    band = 0.9 < metric("roc_auc") < 0.999
    compiled = compile_blueprint(_blueprint(gate=band))
    text = render(compiled.definition, "mermaid", gate_aliases(compiled))
    assert 's_Check_metric_threshold -->|"0.9 #60; roc_auc #60; 0.999"| s_Create_model' in text


def test_the_seed_form_is_unchanged():
    """One bound compiles to one rule, as the seed's inputs say (the goldens hold the rest)."""
    compiled = compile_blueprint(_blueprint(gate=Gate(operator="NumericGreaterThanEquals",
                                                      threshold=0.8)))
    assert compiled.definition["States"][GATE]["Choices"] == [
        {"Variable": GATE_VARIABLE, "NumericGreaterThanEquals": 0.8, "Next": "Create model"}]
    assert compiled.pipeline.gate.describe() == "roc_auc >= 0.8"
