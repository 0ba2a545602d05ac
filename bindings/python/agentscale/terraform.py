"""AWS Application Auto Scaling from Terraform: aws_from_terraform().

The HCL2 is parsed with python-hcl2 (the ``aws`` extra); the resources
``aws_appautoscaling_target``, ``aws_appautoscaling_policy`` (target tracking
and step scaling), ``aws_appautoscaling_scheduled_action`` and, for step
scaling, ``aws_cloudwatch_metric_alarm`` are mapped to the AWS API's JSON
request bodies (RegisterScalableTarget, PutScalingPolicy, PutScheduledAction,
PutMetricAlarm) and handed to the C++ loader, which validates them.

References to another resource of the same file
(``aws_appautoscaling_target.t.resource_id``, ``${...}`` inside a string) are
resolved; any other reference (a variable, a resource defined elsewhere) is
kept as text and reported in the warnings. python-hcl2 does not report line
numbers, so errors give the line of the resource's ``resource`` header,
found in the source text.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import re
from collections.abc import Mapping
from typing import Any, Optional, Union

from agentscale._core import ScalableTargetSpec, load_aws_string

KINDS = (
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_appautoscaling_scheduled_action",
    "aws_cloudwatch_metric_alarm",
)
_REF = re.compile(r"\$\{([^{}]*)\}")
# A reference as some python-hcl2 versions give it, without ${...}: only the
# forms Terraform has (a resource, var., local., data., module.), so that a
# plain string with a dot ("app.tasks") is not taken for one.
_BARE_REF = re.compile(r"^(aws_\w+|var|local|data|module)(\.[\w-]+|\[\d+\])+$")


@dataclasses.dataclass
class AwsTerraform:
    """What aws_from_terraform() read: the validated spec, the AWS API
    request bodies it was loaded from, and warnings ("file: resource:
    field: ...")."""

    spec: ScalableTargetSpec
    requests: dict[str, Any]
    warnings: list[str]
    source: str


class TerraformError(ValueError):
    """A Terraform file that cannot be mapped; the message names the file,
    the resource and the field."""


def _import_hcl2() -> Any:
    try:
        import hcl2
    except ImportError:
        raise ImportError(
            "reading Terraform needs python-hcl2: pip install 'agentscale[aws]' "
            "(or pip install 'python-hcl2>=4')"
        ) from None
    return hcl2


def _parse(text: str, source: str) -> dict[str, Any]:
    hcl2 = _import_hcl2()
    try:
        try:
            from hcl2.utils import SerializationOptions

            opts = SerializationOptions(with_comments=False, strip_string_quotes=True)
            data = hcl2.loads(text, serialization_options=opts)
        except ImportError:
            data = hcl2.loads(text)
    except Exception as e:  # python-hcl2 raises lark's errors
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise TerraformError(f"{source}: not valid HCL2: {first}") from None
    return _clean(data)  # type: ignore[no-any-return]


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _clean(v: Any) -> Any:
    """python-hcl2's output across versions, as plain values: no meta keys,
    no quotes around keys or strings."""
    if isinstance(v, dict):
        return {_unquote(k): _clean(x) for k, x in v.items() if not k.startswith("__")}
    if isinstance(v, list):
        return [_clean(x) for x in v]
    if isinstance(v, str):
        return _unquote(v)
    return v


class _Mapper:
    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.text = text
        self.warnings: list[str] = []
        self.resources: dict[tuple[str, str], dict[str, Any]] = {}

    # --- positions and messages -------------------------------------------

    def line(self, kind: str, name: str) -> Optional[int]:
        m = re.search(rf'^[ \t]*resource\s+"{re.escape(kind)}"\s+"{re.escape(name)}"', self.text, re.M)
        return self.text.count("\n", 0, m.start()) + 1 if m else None

    def where(self, kind: str, name: str, field: str = "") -> str:
        line = self.line(kind, name)
        at = f"{self.source}:{line}" if line else self.source
        return f"{at}: {kind}.{name}" + (f": {field}" if field else "")

    def error(self, kind: str, name: str, field: str, problem: str) -> TerraformError:
        return TerraformError(f"{self.where(kind, name, field)}: {problem}")

    # --- references ---------------------------------------------------------

    def lookup(self, ref: str) -> Optional[Any]:
        parts = ref.split(".")
        if len(parts) != 3:
            return None
        body = self.resources.get((parts[0], parts[1]))
        if body is None:
            return None
        attr = parts[2]
        if attr == "arn" and parts[0] == "aws_appautoscaling_policy":
            name = body.get("name")
            return f"policyName/{name}" if isinstance(name, str) else None
        if attr == "id" and parts[0] == "aws_appautoscaling_target":
            attr = "resource_id"
        value = body.get(attr)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return self.resolve(value, parts[0], parts[1], attr)
        return None

    def resolve(self, value: Any, kind: str, name: str, field: str) -> Any:
        if not isinstance(value, str):
            return value
        whole = _REF.fullmatch(value)
        if whole or _BARE_REF.match(value):
            ref = whole.group(1).strip() if whole else value
            got = self.lookup(ref)
            if got is not None:
                return got
            self.warnings.append(f"{self.where(kind, name, field)}: {ref} is not a resource of "
                                 f"this file; kept as the text {value!r}")
            return value

        def sub(m: "re.Match[str]") -> str:
            got = self.lookup(m.group(1).strip())
            if got is None:
                self.warnings.append(f"{self.where(kind, name, field)}: {m.group(1).strip()} is not "
                                     "a resource of this file; kept as text")
                return m.group(0)
            return str(got)

        return _REF.sub(sub, value)

    # --- fields -------------------------------------------------------------

    def get(self, body: Mapping[str, Any], kind: str, name: str, field: str,
            required: bool = False) -> Any:
        if field not in body:
            if required:
                raise self.error(kind, name, field, "missing")
            return None
        return self.resolve(body[field], kind, name, field)

    def number(self, body: Mapping[str, Any], kind: str, name: str, field: str,
               required: bool = False) -> Optional[float]:
        v = self.get(body, kind, name, field, required)
        if v is None:
            return None
        try:
            return float(v)
        except (TypeError, ValueError):
            raise self.error(kind, name, field, f"{v!r} is not a number") from None

    def integer(self, body: Mapping[str, Any], kind: str, name: str, field: str,
                required: bool = False) -> Optional[int]:
        v = self.number(body, kind, name, field, required)
        if v is None:
            return None
        if v != int(v):
            raise self.error(kind, name, field, f"{v} is not a whole number")
        return int(v)

    def block(self, body: Mapping[str, Any], kind: str, name: str,
              field: str) -> Optional[dict[str, Any]]:
        v = body.get(field)
        if v is None:
            return None
        if isinstance(v, list):
            if len(v) != 1:
                raise self.error(kind, name, field, f"expected one {field} block, found {len(v)}")
            v = v[0]
        if not isinstance(v, dict):
            raise self.error(kind, name, field, "expected a block")
        return v

    def blocks(self, body: Mapping[str, Any], field: str) -> list[dict[str, Any]]:
        v = body.get(field)
        if v is None:
            return []
        items = v if isinstance(v, list) else [v]
        return [x for x in items if isinstance(x, dict)]

    @staticmethod
    def put(out: dict[str, Any], key: str, value: Any) -> None:
        if value is not None:
            out[key] = value

    # --- resources -----------------------------------------------------------

    def target(self, name: str, b: Mapping[str, Any]) -> dict[str, Any]:
        k = "aws_appautoscaling_target"
        out: dict[str, Any] = {}
        self.put(out, "ServiceNamespace", self.get(b, k, name, "service_namespace", True))
        self.put(out, "ResourceId", self.get(b, k, name, "resource_id", True))
        self.put(out, "ScalableDimension", self.get(b, k, name, "scalable_dimension", True))
        self.put(out, "MinCapacity", self.integer(b, k, name, "min_capacity", True))
        self.put(out, "MaxCapacity", self.integer(b, k, name, "max_capacity", True))
        return out

    def identity(self, k: str, name: str, b: Mapping[str, Any], out: dict[str, Any]) -> None:
        self.put(out, "ServiceNamespace", self.get(b, k, name, "service_namespace"))
        self.put(out, "ResourceId", self.get(b, k, name, "resource_id"))
        self.put(out, "ScalableDimension", self.get(b, k, name, "scalable_dimension"))

    def dimensions(self, k: str, name: str, field: str, v: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if isinstance(v, dict):  # a CloudWatch alarm's dimensions = {Name = value}
            return [{"Name": n, "Value": self.resolve(x, k, name, f"{field}.{n}")} for n, x in v.items()]
        for d in v if isinstance(v, list) else [v]:
            if isinstance(d, dict):
                out.append({"Name": self.resolve(d.get("name"), k, name, field),
                            "Value": self.resolve(d.get("value"), k, name, field)})
        return out

    def policy(self, name: str, b: Mapping[str, Any]) -> dict[str, Any]:
        k = "aws_appautoscaling_policy"
        out: dict[str, Any] = {"PolicyName": self.get(b, k, name, "name", True)}
        self.put(out, "PolicyType", self.get(b, k, name, "policy_type"))
        self.identity(k, name, b, out)
        tt = self.block(b, k, name, "target_tracking_scaling_policy_configuration")
        if tt is not None:
            f = "target_tracking_scaling_policy_configuration"
            c: dict[str, Any] = {}
            self.put(c, "TargetValue", self._num(tt, k, name, f, "target_value", True))
            pre = self.block(tt, k, name, "predefined_metric_specification")
            if pre is not None:
                p: dict[str, Any] = {}
                g = f"{f}.predefined_metric_specification"
                if "predefined_metric_type" not in pre:
                    raise self.error(k, name, f"{g}.predefined_metric_type", "missing")
                self.put(p, "PredefinedMetricType", self.resolve(
                    pre["predefined_metric_type"], k, name, f"{g}.predefined_metric_type"))
                self.put(p, "ResourceLabel", self.resolve(pre.get("resource_label"), k, name,
                                                          f"{g}.resource_label"))
                c["PredefinedMetricSpecification"] = p
            cus = self.block(tt, k, name, "customized_metric_specification")
            if cus is not None:
                g = f"{f}.customized_metric_specification"
                cm: dict[str, Any] = {}
                for tf, aws in (("metric_name", "MetricName"), ("namespace", "Namespace"),
                                ("statistic", "Statistic"), ("unit", "Unit")):
                    self.put(cm, aws, self.resolve(cus.get(tf), k, name, f"{g}.{tf}"))
                if "dimensions" in cus:
                    cm["Dimensions"] = self.dimensions(k, name, f"{g}.dimensions", cus["dimensions"])
                if "metrics" in cus:
                    raise self.error(k, name, f"{g}.metrics", "metric math is not modelled")
                c["CustomizedMetricSpecification"] = cm
            self.put(c, "ScaleInCooldown", self._int(tt, k, name, f, "scale_in_cooldown"))
            self.put(c, "ScaleOutCooldown", self._int(tt, k, name, f, "scale_out_cooldown"))
            self.put(c, "DisableScaleIn", self.resolve(tt.get("disable_scale_in"), k, name,
                                                       f"{f}.disable_scale_in"))
            out["TargetTrackingScalingPolicyConfiguration"] = c
        st = self.block(b, k, name, "step_scaling_policy_configuration")
        if st is not None:
            f = "step_scaling_policy_configuration"
            c = {}
            for tf, aws in (("adjustment_type", "AdjustmentType"),
                            ("metric_aggregation_type", "MetricAggregationType")):
                self.put(c, aws, self.resolve(st.get(tf), k, name, f"{f}.{tf}"))
            self.put(c, "Cooldown", self._int(st, k, name, f, "cooldown"))
            self.put(c, "MinAdjustmentMagnitude", self._int(st, k, name, f, "min_adjustment_magnitude"))
            steps = []
            for i, s in enumerate(self.blocks(st, "step_adjustment")):
                g = f"step_adjustment[{i}]"
                step: dict[str, Any] = {}
                self.put(step, "MetricIntervalLowerBound", self._num(s, k, name, f"{f}.{g}",
                                                                     "metric_interval_lower_bound"))
                self.put(step, "MetricIntervalUpperBound", self._num(s, k, name, f"{f}.{g}",
                                                                     "metric_interval_upper_bound"))
                self.put(step, "ScalingAdjustment", self._int(s, k, name, f"{f}.{g}",
                                                              "scaling_adjustment", True))
                steps.append(step)
            c["StepAdjustments"] = steps
            out["StepScalingPolicyConfiguration"] = c
        return out

    def scheduled(self, name: str, b: Mapping[str, Any]) -> dict[str, Any]:
        k = "aws_appautoscaling_scheduled_action"
        out: dict[str, Any] = {"ScheduledActionName": self.get(b, k, name, "name", True)}
        self.identity(k, name, b, out)
        self.put(out, "Schedule", self.get(b, k, name, "schedule", True))
        self.put(out, "Timezone", self.get(b, k, name, "timezone"))
        self.put(out, "StartTime", self.get(b, k, name, "start_time"))
        self.put(out, "EndTime", self.get(b, k, name, "end_time"))
        action = self.block(b, k, name, "scalable_target_action")
        if action is None:
            raise self.error(k, name, "scalable_target_action", "missing")
        a: dict[str, Any] = {}
        self.put(a, "MinCapacity", self._int(action, k, name, "scalable_target_action", "min_capacity"))
        self.put(a, "MaxCapacity", self._int(action, k, name, "scalable_target_action", "max_capacity"))
        out["ScalableTargetAction"] = a
        return out

    def alarm(self, name: str, b: Mapping[str, Any]) -> dict[str, Any]:
        k = "aws_cloudwatch_metric_alarm"
        out: dict[str, Any] = {"AlarmName": self.get(b, k, name, "alarm_name", True)}
        for tf, aws in (("metric_name", "MetricName"), ("namespace", "Namespace"),
                        ("statistic", "Statistic"), ("comparison_operator", "ComparisonOperator")):
            self.put(out, aws, self.get(b, k, name, tf))
        self.put(out, "Period", self.integer(b, k, name, "period"))
        self.put(out, "EvaluationPeriods", self.integer(b, k, name, "evaluation_periods"))
        self.put(out, "DatapointsToAlarm", self.integer(b, k, name, "datapoints_to_alarm"))
        self.put(out, "Threshold", self.number(b, k, name, "threshold"))
        if "dimensions" in b:
            out["Dimensions"] = self.dimensions(k, name, "dimensions", b["dimensions"])
        actions = b.get("alarm_actions")
        if actions is not None:
            items = actions if isinstance(actions, list) else [actions]
            out["AlarmActions"] = [self.resolve(a, k, name, "alarm_actions") for a in items]
        return out

    def _num(self, b: Mapping[str, Any], k: str, name: str, prefix: str, field: str,
             required: bool = False) -> Optional[float]:
        if field not in b and required:
            raise self.error(k, name, f"{prefix}.{field}", "missing")
        if field not in b:
            return None
        return self._to_float(b[field], k, name, f"{prefix}.{field}")

    def _int(self, b: Mapping[str, Any], k: str, name: str, prefix: str, field: str,
             required: bool = False) -> Optional[int]:
        v = self._num(b, k, name, prefix, field, required)
        if v is None:
            return None
        if v != int(v):
            raise self.error(k, name, f"{prefix}.{field}", f"{v} is not a whole number")
        return int(v)

    def _to_float(self, raw: Any, k: str, name: str, field: str) -> float:
        v = self.resolve(raw, k, name, field)
        try:
            return float(v)
        except (TypeError, ValueError):
            raise self.error(k, name, field, f"{v!r} is not a number") from None


def _resources(data: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    out: list[tuple[str, str, dict[str, Any]]] = []
    res = data.get("resource", [])
    for entry in res if isinstance(res, list) else [res]:
        if not isinstance(entry, dict):
            continue
        for kind, named in entry.items():
            if not isinstance(named, dict):
                continue
            for name, body in named.items():
                if isinstance(body, list) and len(body) == 1:
                    body = body[0]
                if isinstance(body, dict):
                    out.append((kind, name, body))
    return out


def to_aws_requests(text: str, source: str = "<terraform>") -> tuple[dict[str, Any], list[str]]:
    """The AWS API request bodies of the Application Auto Scaling resources
    of Terraform `text`, and the warnings. TerraformError (a ValueError)
    names the file, the resource and the field."""
    data = _parse(text, source)
    m = _Mapper(source, text)
    found = _resources(data)
    for kind, name, body in found:
        m.resources[(kind, name)] = body
    targets = [(n, b) for k, n, b in found if k == "aws_appautoscaling_target"]
    if len(targets) != 1:
        raise TerraformError(f"{source}: expected exactly one aws_appautoscaling_target, found "
                             f"{len(targets)}" + (f" ({', '.join(n for n, _ in targets)})" if targets else ""))
    requests: dict[str, Any] = {"RegisterScalableTarget": m.target(*targets[0])}
    policies = [m.policy(n, b) for k, n, b in found if k == "aws_appautoscaling_policy"]
    actions = [m.scheduled(n, b) for k, n, b in found if k == "aws_appautoscaling_scheduled_action"]
    alarms = [m.alarm(n, b) for k, n, b in found if k == "aws_cloudwatch_metric_alarm"]
    if policies:
        requests["PutScalingPolicy"] = policies
    if actions:
        requests["PutScheduledAction"] = actions
    if alarms:
        requests["PutMetricAlarm"] = alarms
    others = sorted({k for k, _, _ in found if k not in KINDS})
    if others:
        m.warnings.append(f"{source}: ignored resources of other types: {', '.join(others)}")
    return requests, list(dict.fromkeys(m.warnings))


def aws_from_terraform(path_or_text: Union[str, "os.PathLike[str]"]) -> AwsTerraform:
    """The scalable target of a Terraform file (a path, or HCL2 text when it
    holds a newline or a ``resource`` block): python-hcl2 parses it, its
    Application Auto Scaling resources become the AWS API request bodies,
    and the C++ loader validates them (ValueError names the file, the
    resource or request, and the field)."""
    text_arg = os.fspath(path_or_text)
    if isinstance(path_or_text, str) and ("\n" in text_arg or "resource" in text_arg and "{" in text_arg):
        text, source = text_arg, "<terraform>"
    else:
        path = pathlib.Path(text_arg)
        text, source = path.read_text(encoding="utf-8"), str(path)
    requests, warnings = to_aws_requests(text, source)
    body = json.dumps(requests, indent=1)
    try:
        spec = load_aws_string(body, f"{source} (as AWS API JSON)")
    except ValueError as e:
        raise TerraformError(str(e)) from None
    return AwsTerraform(spec=spec, requests=requests, warnings=warnings, source=source)
