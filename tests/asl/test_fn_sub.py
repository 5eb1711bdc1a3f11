"""mlops_dsl.asl.fn_sub: CloudFormation's Fn::Sub offline, and escaping user text for it."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_dsl.asl.fn_sub import escape, fn_sub, placeholders


def test_placeholders_are_replaced_and_literals_kept():
    text = "arn:${AWS::Partition}:s3:::${Bucket}/${!Literal} ${Role.Arn}"
    assert placeholders(text) == {"AWS::Partition", "Bucket", "Role.Arn"}
    values = {"AWS::Partition": "aws", "Bucket": "b", "Role.Arn": "arn:role"}
    assert fn_sub(text, values) == "arn:aws:s3:::b/${Literal} arn:role"
    assert fn_sub(text, lambda name: name.lower()) == "arn:aws::partition:s3:::bucket/${Literal} role.arn"


def test_an_unknown_name_is_an_error():
    with pytest.raises(KeyError, match=r"no value for \$\{Missing\}"):
        fn_sub("s3://${Missing}/x", {})


def test_escape_makes_every_dollar_brace_literal():
    assert escape("${Bucket} and ${!x} and ${a b} and $ {c}") == \
        "${!Bucket} and ${!!x} and ${!a b} and $ {c}"
    assert placeholders(escape("${AWS::Region}/${Bucket.Arn}")) == set()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from("${}!.:aZ_ 9"), max_size=30) | st.text(max_size=30))
def test_escaped_text_comes_out_of_fn_sub_unchanged(text):
    def no_lookup(name):
        raise AssertionError(f"escaped text looked up ${{{name}}}")

    assert fn_sub(escape(text), no_lookup) == text
    assert fn_sub("prefix ${X} " + escape(text), {"X": "x"}) == "prefix x " + text
