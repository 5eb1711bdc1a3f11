"""The rollout's CloudWatch alarms locally: read from the compiled template, evaluated on the
metrics a bake measured, and described by ``aws-sdk:cloudwatch:describeAlarms``.

An alarm is evaluated as CloudWatch would on one period of the SageMaker endpoint metrics
(``Invocations``, ``Invocation5XXErrors``, ``Invocation4XXErrors`` as sums, ``ModelLatency`` in
microseconds as its samples): a single-metric alarm by its ``Statistic`` or ``ExtendedStatistic``
(``p99``), a metric-math alarm by its ``Expression`` over its queries (``IF``, arithmetic,
comparisons). No data with ``TreatMissingData: notBreaching`` is not a breach. The threshold and
the operator are the template's, so a local rollback fires on exactly the cloud's numbers.
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass

from ..emit.tasks import cloudwatch as tasks
from .context import Fake, RunContext

ALARM_TYPE = "AWS::CloudWatch::Alarm"
COMPARE = {"GreaterThanThreshold": operator.gt, "GreaterThanOrEqualToThreshold": operator.ge,
           "LessThanThreshold": operator.lt, "LessThanOrEqualToThreshold": operator.le}
WORDS = {"GreaterThanThreshold": "greater than", "GreaterThanOrEqualToThreshold":
         "greater than or equal to", "LessThanThreshold": "less than",
         "LessThanOrEqualToThreshold": "less than or equal to"}


def template_alarms(template: dict) -> dict[str, dict]:
    """AlarmName -> the alarm's Properties, for every alarm of the template."""
    return {r["Properties"]["AlarmName"]: r["Properties"]
            for r in template.get("Resources", {}).values()
            if r.get("Type") == ALARM_TYPE and isinstance(r["Properties"].get("AlarmName"), str)}


def statistic(samples: list[float], stat: str) -> float | None:
    if not samples:
        return None
    if stat == "Sum":
        return float(sum(samples))
    if stat == "SampleCount":
        return float(len(samples))
    if stat == "Average":
        return sum(samples) / len(samples)
    if stat == "Maximum":
        return float(max(samples))
    if stat == "Minimum":
        return float(min(samples))
    if stat.startswith("p"):  # nearest-rank percentile
        ordered = sorted(samples)
        rank = max(1, math.ceil(float(stat[1:]) / 100 * len(ordered)))
        return float(ordered[rank - 1])
    raise ValueError(f"the local runner does not compute the statistic {stat!r}")


def _expression(text: str, values: dict[str, float]) -> float:
    """A metric-math expression of numbers, query ids, + - * /, comparisons and IF(c, a, b)."""
    tree = ast.parse(text.replace("IF(", "IF_("), mode="eval")
    binary = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: lambda a, b: a / b if b else math.nan}
    compare = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt,
               ast.LtE: operator.le, ast.Eq: operator.eq, ast.NotEq: operator.ne}

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id in values:
            return values[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in binary:
            return binary[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in compare:
            return float(compare[type(node.ops[0])](value(node.left), value(node.comparators[0])))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "IF_" and \
                len(node.args) == 3:
            return value(node.args[1]) if value(node.args[0]) else value(node.args[2])
        raise ValueError(f"the local runner cannot evaluate the metric math {text!r}")

    return value(tree.body)


def alarm_value(alarm: dict, metrics: dict[str, list[float]]) -> float | None:
    """The value the alarm compares with its threshold, or None (no data)."""
    if "Metrics" not in alarm:
        stat = alarm.get("ExtendedStatistic") or alarm.get("Statistic")
        return statistic(metrics.get(alarm["MetricName"], []), stat)
    values, result = {}, None
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            stat = query["MetricStat"]
            values[query["Id"]] = statistic(metrics.get(stat["Metric"]["MetricName"], []),
                                            stat["Stat"])
        if query.get("ReturnData") and "Expression" in query:
            if any(v is None for v in values.values()):
                return None
            result = _expression(query["Expression"], values)
    return result


@dataclass(frozen=True)
class Evaluation:
    name: str
    state: str  # OK, ALARM, INSUFFICIENT_DATA
    reason: str
    value: float | None
    threshold: float


def evaluate(alarm: dict, metrics: dict[str, list[float]], when: str) -> Evaluation:
    value = alarm_value(alarm, metrics)
    threshold = float(alarm["Threshold"])
    operator_name = alarm["ComparisonOperator"]
    if value is None or math.isnan(value):
        breaching = alarm.get("TreatMissingData") == "breaching"
        state = "ALARM" if breaching else "OK"
        return Evaluation(alarm["AlarmName"], state, "no datapoints in the bake", None, threshold)
    crossed = COMPARE[operator_name](value, threshold)
    reason = (f"Threshold Crossed: 1 datapoint [{value:g} ({when})] was "
              f"{'' if crossed else 'not '}{WORDS[operator_name]} the threshold ({threshold:g}).")
    return Evaluation(alarm["AlarmName"], "ALARM" if crossed else "OK", reason, value, threshold)


class LocalCloudWatch(Fake):
    """DescribeAlarms of the template's alarms, in the states the run's bakes left them."""

    ROUTES = {tasks.DescribeAlarms.API: "describe_alarms"}

    def __init__(self, context: RunContext):
        self.context = context

    def describe_alarms(self, parameters: dict, state: str) -> dict:
        alarms = template_alarms(self.context.template)
        found = []
        for name in parameters.get("AlarmNames") or list(alarms):
            if name not in alarms:
                continue  # DescribeAlarms leaves out names that do not exist
            value, reason = self.context.alarm_states.get(
                name, ("INSUFFICIENT_DATA", "Unchecked: no bake has evaluated this alarm"))
            found.append({"AlarmName": name, "AlarmArn": self.context.arn(
                "cloudwatch", f"alarm:{name}"), "StateValue": value, "StateReason": reason,
                "Threshold": alarms[name]["Threshold"],
                "ComparisonOperator": alarms[name]["ComparisonOperator"]})
        return {"MetricAlarms": found, "CompositeAlarms": []}
