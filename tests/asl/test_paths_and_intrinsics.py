"""mlops_dsl.asl.paths and .intrinsics: one JSONPath parser, one evaluator, intrinsic calls."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_dsl.asl.intrinsics import RESULTS, call, expression_problem, split_arguments
from mlops_dsl.asl.paths import is_context, is_path, parse_path, value_at


def test_parse_path():
    assert parse_path("$.a[0]['b c'].d") == ["a", 0, "b c", "d"]
    assert parse_path("$$.Execution.Id") == ["Execution", "Id"] and is_context("$$.Execution.Id")
    assert parse_path("$") == [] and parse_path("$$") == []
    assert parse_path("$.items[*].id") == ["items", "*", "id"]


@pytest.mark.parametrize("text", ["", "a.b", ".a", "$.", "$..a", "$.a[", "$.a b", "$.0a", "$$$",
                                  "$.a\n", "$[a]", "$['']", None, 3])
def test_what_is_not_a_path(text):
    assert parse_path(text) is None and not is_path(text)


name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,8}", fullmatch=True)
quoted = st.text(st.characters(blacklist_characters="'", blacklist_categories=("Cs",)), min_size=1,
                 max_size=8)
segment = st.one_of(name.map(lambda s: (f".{s}", s)), st.integers(0, 99).map(lambda i: (f"[{i}]", i)),
                    quoted.map(lambda s: (f"['{s}']", s)), st.just(("[*]", "*")))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.sampled_from(["$", "$$"]), st.lists(segment, max_size=6))
def test_a_written_path_parses_back_to_its_segments(root, segments):
    text = root + "".join(written for written, _ in segments)
    assert parse_path(text) == [value for _, value in segments]
    assert is_context(text) == (root == "$$")


def test_value_at_reads_simple_paths_and_nothing_else():
    document = {"tuning": {"Best": {"Metric": {"Name": "auc", "Value": 0.9}}}, "rows": [{"id": 7}],
                "odd key": True}
    assert value_at(document, "$.tuning.Best.Metric.Value") == 0.9
    assert value_at(document, "$.rows[0].id") == 7
    assert value_at(document, "$['odd key']") is True
    assert value_at(document, "$") == document
    for missing in ("$.tuning.Nope", "$.rows[1].id", "$.rows.id", "$.rows[*].id", "$$.Execution.Id",
                    "tuning.Best", "$..x"):
        assert value_at(document, missing) is None, missing


@pytest.mark.parametrize("expression,problem", [
    ("$.a.b", None),
    ("$$.Execution.Name", None),
    ("States.Format('s3://b/{}/x', $.names.JobName)", None),
    ("States.Format('{}', States.UUID())", None),
    ("States.Nope($.a)", "States.Nope is not an intrinsic function"),
    ("States.Format('{}, $.a)", "unbalanced quotes in \"States.Format('{}, $.a)\""),
    ("States.Format('{}', $.a..b)", "'$.a..b' is not a valid JSONPath"),
    ("States.Array(States.Nope())", "States.Nope is not an intrinsic function"),
])
def test_expressions(expression, problem):
    assert expression_problem(expression) == problem


def test_every_intrinsic_is_known_and_returns_a_kind_the_analysis_models():
    assert len(RESULTS) == 18  # the functions listed in the Step Functions developer guide
    for function, kind in RESULTS.items():
        assert expression_problem(f"{function}($.a, 'x')") is None, function
        assert kind in (None, "string", "number", "array"), function


def test_call_splits_top_level_arguments_only():
    assert call("States.Format('{}, {}', $.a, States.Array(1, 2))") == (
        "States.Format", ["'{}, {}'", "$.a", "States.Array(1, 2)"])
    assert split_arguments(r"'it\'s, quoted', $.b") == [r"'it\'s, quoted'", "$.b"]
    assert call("$.a") is None
