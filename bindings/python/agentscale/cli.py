"""The ``agentscale`` command line (also ``python -m agentscale``).

    agentscale simulate SPEC [--trace FILE] [--model agent|fluid] [options] [--plot PNG] [--json]
    agentscale compare SPEC SPEC ... [--trace FILE] [--model agent|fluid] [--plot PNG] [--json]
    agentscale sweep SPEC --grid KEY=V1,V2 ... [--model fluid|agent] [--workers N] [--pareto] [--json]
    agentscale replay SPEC [--trace FILE] [--metric NAME] [--period S] [--initial-replicas N] [--json]
    agentscale lint FILE [--slots N] [--metrics-window S] [--startup-delay S] [--strict] [--name N] [--json]
    agentscale explain --state STATE.json --observation OBS.json SPEC [--json]
    agentscale list MANIFEST [--json]
    agentscale presets [--json]
    agentscale fetch --prometheus URL --query Q --start T --end T --step S [--output FILE.csv]

SPEC is a manifest path or a preset name. Manifests load leniently: what the
API server would reject but the intent is clear (a metric without `type`, an
HPA without scaleTargetRef, unknown keys in a Helm values `hpa:` block) is
filled in or skipped, each reported on stderr as "warning: file:line:col:
field: problem (filled: ...)"; --strict decodes as the API server does. In a
file with several objects, --name NAME picks one (`agentscale list` shows
them). Without --trace the embedded NASA
trace is used. A --trace file is a trace CSV (any header: --time-column and
--value-column name the columns; epoch or ISO 8601 times) or a saved
Prometheus query_range response (--trace-format prometheus-json, detected
when the file starts with '{'; --match/--sum choose series, --gaps and
--non-finite say what to do with missing and NaN points). Tables go to
stdout (rich), progress bars to stderr (only on a terminal, and not with
--quiet); --json prints one JSON object instead.

Exit codes: 0 ok; 1 findings (failed sweep points; lint warnings: a lint
run whose findings are all of severity "info", such as tolerance-edge, exits
0); 2 usage or input error (bad arguments, a missing or invalid file: the
message names the file, line and field). A bad value (a negative price, a zero interval, a
NaN duration, a grid value of the wrong type, a flag that would be ignored,
an output path in a missing directory) is argparse's usage error naming the
flag, before any work starts.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import pathlib
import re
import shutil
import sys
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, Optional

import agentscale
from agentscale import lint as lint_mod
from agentscale import sim

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A bad combination of arguments (exit code 2)."""


# ---------------------------------------------------------------------------
# Output helpers.
# ---------------------------------------------------------------------------


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() or "COLUMNS" in os.environ else 160
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def _table(title: Optional[str] = None, caption: Optional[str] = None) -> Any:
    from rich import box
    from rich.table import Table

    return Table(title=title, caption=caption, box=box.SIMPLE_HEAVY, title_justify="left")


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "to_dict"):
        return o.to_dict()
    if isinstance(o, pathlib.Path):
        return str(o)
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def _clean(o: Any) -> Any:
    """NaN and infinities as null (strict JSON), numpy arrays included."""
    if hasattr(o, "tolist") and hasattr(o, "dtype"):
        o = o.tolist()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(_clean(obj), default=_json_default, allow_nan=False))
    sys.stdout.write("\n")


def _when(seconds: float) -> str:
    """A trace time: UTC date and time for epoch timestamps, else seconds."""
    if seconds > 1e8:
        return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
    return f"{seconds:g} s"


def _trace_caption(trace: agentscale.Trace, reading: str = "") -> str:
    hours = (trace.end - trace.start) / 3600.0 if len(trace) else 0.0
    caption = f"trace {trace.name or '<trace>'}: {len(trace):,} rows, {hours:,.1f} h"
    return f"{caption}; read as {reading}" if reading else caption


# ---------------------------------------------------------------------------
# Argument types: a bad value is argparse's usage error naming the flag
# (exit 2), never a silent default or a crash later.
# ---------------------------------------------------------------------------


def _number(kind: type, minimum: Optional[float] = None, strict: bool = False,
            maximum: Optional[int] = None) -> Callable[[str], Any]:
    """An argparse type: an int or a finite float, >= minimum (> when
    strict), <= maximum."""
    what = "an integer" if kind is int else "a number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if minimum is not None and (value <= minimum if strict else value < minimum):
            raise argparse.ArgumentTypeError(f"must be {'>' if strict else '>='} {minimum:g}, got {text}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be <= {maximum}, got {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


_POSITIVE = _number(float, 0, strict=True)
_NON_NEGATIVE = _number(float, 0)
_INT32_MAX = 2**31 - 1
_COUNT = _number(int, 1, maximum=_INT32_MAX)
_NON_NEGATIVE_INT = _number(int, 0, maximum=_INT32_MAX)
_QUEUE_CAPACITY = _number(int, 0, maximum=2**63 - 1)
_SEED = _number(int, 0, maximum=2**64 - 1)


def _PROMETHEUS_VERSION(text: str) -> int:
    if text not in ("2", "3"):
        raise argparse.ArgumentTypeError(f"must be 2 or 3, got {text!r}")
    return int(text)


def _non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _output_path(text: str) -> str:
    """A file to write: its directory must exist (nothing is created), and it
    is not itself a directory."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    path = pathlib.Path(text)
    parent = path.parent
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(
            f"cannot write {text}: the directory {str(parent)} does not exist (create it first)")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text}: it is a directory")
    return text


_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def _duration(text: str) -> float:
    """Seconds from '90', '15s', '5m', '1h30m', '7d' (Prometheus' units)."""
    t = text.strip()
    try:
        value = float(t)
    except ValueError:
        parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)", t)
        if not parts or "".join(n + u for n, u in parts) != t:
            raise argparse.ArgumentTypeError(
                f"expected seconds or a duration such as 15s, 5m, 1h, 7d; got {text!r}") from None
        value = sum(float(n) * _DURATION_UNITS[u] for n, u in parts)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite duration > 0, got {text!r}")
    return value


def _time_arg(text: str) -> float:
    """Epoch seconds from epoch seconds, ISO 8601 / RFC 3339, 'now' or
    'now-DURATION'."""
    t = text.strip()
    if t == "now":
        return time.time()
    if t.startswith("now-"):
        return time.time() - _duration(t[4:])
    try:
        return float(agentscale.parse_trace_timestamp(t))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{e} (or 'now', 'now-1h')") from None


# ---------------------------------------------------------------------------
# Model options shared by simulate, compare and sweep.
# ---------------------------------------------------------------------------

# (flag, dest = option field, type, help, agent only)
_MODEL_FLAGS: tuple[tuple[str, str, Any, str, bool], ...] = (
    ("--arrivals", "arrivals", str, "uniform, poisson or per-row (default uniform)", True),
    ("--interval", "interval_seconds", _POSITIVE, "seconds each trace row covers (default: median spacing)", True),
    ("--service", "service", str, "fixed, exponential, lognormal or trace-value (default exponential)", True),
    ("--service-seconds", "service_seconds", _POSITIVE, "service time, or its mean (default 300)", True),
    ("--lognormal-sigma", "lognormal_sigma", _NON_NEGATIVE, "sigma of the lognormal service time (default 1)", True),
    ("--trace-value-factor", "trace_value_factor", _POSITIVE, "trace-value: seconds per unit of value", True),
    ("--slots", "slots", _COUNT, "tasks an agent runs at once (default 100)", True),
    ("--startup-delay", "startup_delay_seconds", _NON_NEGATIVE, "seconds from creation to ready (default 60)", True),
    ("--victims", "victims", str, "newest-first or fewest-active (default newest-first)", True),
    ("--scale-in", "scale_in", str, "drain or kill (default drain)", True),
    ("--scrape-interval", "scrape_interval_seconds", _POSITIVE, "Prometheus scrape interval (default 15)", True),
    ("--adapter-window", "adapter_window_seconds", _POSITIVE, "adapter avg_over_time window (default 60)", True),
    ("--sync-period", "sync_period_seconds", _POSITIVE, "HPA sync period (default 15)", True),
    ("--requests-per-task", "requests_per_task", _NON_NEGATIVE, "requests per running task (default 0.6)", True),
    ("--queue-metric", "queue_metric", _non_empty, "External metric reporting the queue (default agent_queue_depth)", True),
    ("--queue-capacity", "queue_capacity", _QUEUE_CAPACITY, "arrivals beyond this many waiting are lost (default: no limit)", True),
    ("--seed", "seed", _SEED, "random seed (default 1)", True),
    ("--drain-limit", "drain_limit_seconds", _NON_NEGATIVE, "after the trace, how long the fleet runs on to serve queued tasks (default 86400; 0: stop at the trace's end)", True),
    ("--max-tasks", "max_tasks", _number(int, 1, maximum=10**12), "the most tasks a run may bring (default 20,000,000; at most 1e12)", True),
    ("--wait-slo", "wait_slo_seconds", _NON_NEGATIVE, "wait SLO for 'share over SLO' (default 60)", True),
    ("--period", "period_seconds", _POSITIVE, "fluid: sync period in seconds (default 15)", False),
    ("--initial-replicas", "initial_replicas", _NON_NEGATIVE_INT, "replicas before the first sync (default minReplicas)", False),
    ("--price", "price_per_replica_hour", _NON_NEGATIVE, "price of a replica-hour (default 1)", False),
    ("--prometheus-version", "prometheus_version", _PROMETHEUS_VERSION,
     "range semantics of the alerts: 3, left-open (t-5m, t] (default), or 2, closed [t-5m, t]", False),
)
# The agent model's resource model (ResourceModel): (flag, field, type, help).
# Any of them, or --resources, gives the run a resource model.
_RESOURCE_FLAGS: tuple[tuple[str, str, Any, str], ...] = (
    ("--cpu-request", "cpu_request_millicores", _POSITIVE, "CPU request per agent, millicores (default 1000)"),
    ("--cpu-limit", "cpu_limit_millicores", _POSITIVE, "CPU use never exceeds this, millicores (default 2000)"),
    ("--memory-request", "memory_request_mib", _POSITIVE, "memory request per agent, MiB (default 1024)"),
    ("--idle-cpu", "idle_cpu_millicores", _NON_NEGATIVE, "CPU an idle agent uses, millicores (default 70)"),
    ("--idle-memory", "idle_memory_mib", _NON_NEGATIVE, "memory an idle agent uses, MiB (default 256)"),
    ("--cpu-per-task", "cpu_per_task_millicores", _NON_NEGATIVE, "CPU per running task, millicores (default 9)"),
    ("--memory-per-task", "memory_per_task_mib", _NON_NEGATIVE, "memory per running task, MiB (default 8)"),
    ("--memory-model", "memory_model", str,
     "work: memory follows the running tasks (default); data-set: plus a data set that grows with "
     "the tasks an agent has finished, released only with the agent"),
    ("--data-set-per-task", "data_set_mib_per_task", _NON_NEGATIVE, "data-set: MiB each finished task leaves held (default 4)"),
    ("--data-set-cap", "data_set_cap_mib", _NON_NEGATIVE, "data-set: the most an agent holds, MiB (default 768)"),
    ("--gc-spikes", "gc_spikes", str, "GC CPU spikes: none (default), periodic or random"),
    ("--gc-spike", "gc_spike_millicores", _NON_NEGATIVE, "CPU a GC spike adds, millicores (default 800)"),
    ("--gc-spike-duration", "gc_spike_duration_seconds", _duration, "how long a GC spike lasts (default 30s)"),
    ("--gc-interval", "gc_interval_seconds", _duration,
     "periodic: time between spikes; random: mean gap between them (default 10m)"),
)
_RESOURCE_ENUMS = {
    "memory_model": ("work", "data-set"),
    "gc_spikes": ("none", "periodic", "random"),
}
_ENUM_OPTIONS = {
    "arrivals": ("uniform", "poisson", "per-row"),
    "service": ("fixed", "exponential", "lognormal", "trace-value"),
    "victims": ("newest-first", "fewest-active"),
    "scale_in": ("drain", "kill"),
}


_GAPS = ("error", "zero", "hold")
_NON_FINITE = ("error", "skip")
_TRACE_FORMATS = ("csv", "prometheus-json")


def _add_series_options(g: Any, what: str) -> None:
    """--match/--sum/--gaps/--non-finite: how a query_range result becomes a
    trace (for fetch, and for a saved response given as --trace)."""
    g.add_argument("--match", metavar="MATCHERS", default=None,
                   help=f"{what}: keep the series these label matchers select, e.g. 'pod=\"agent-0\"'")
    g.add_argument("--sum", dest="sum_series", action="store_true",
                   help=f"{what}: sum several series per timestamp (as PromQL sum())")
    g.add_argument("--gaps", choices=_GAPS, default=None,
                   help=f"{what}: steps without a point (stale or absent series): error (default), "
                   "zero, or hold the last value")
    g.add_argument("--non-finite", dest="non_finite", choices=_NON_FINITE, default=None,
                   help=f"{what}: NaN/Inf values: error (default) or skip the point")


def _add_trace_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--trace", metavar="FILE",
                   help="trace CSV or saved Prometheus query_range JSON (default: the embedded NASA trace)")
    p.add_argument("--trace-scale", type=_positive_float, default=None, metavar="FACTOR",
                   help="multiply the trace's values, e.g. 0.001 to read requests per minute as "
                   "tasks when a task is 1000 requests")
    g = p.add_argument_group("trace file (with --trace)")
    g.add_argument("--trace-format", choices=_TRACE_FORMATS, default=None,
                   help="default: prometheus-json when the file starts with '{', else csv")
    g.add_argument("--time-column", type=_non_empty, default=None, metavar="NAME",
                   help="csv: the time column (default timestamp_seconds, or the first of two); "
                   "epoch seconds or ISO 8601")
    g.add_argument("--value-column", type=_non_empty, default=None, metavar="NAME",
                   help="csv: the value column (default value, or the second of two)")
    _add_series_options(g, "prometheus-json")
    g.add_argument("--trace-step", type=_duration, default=None, metavar="S",
                   help="prometheus-json: the query's step (default: the smallest spacing)")


def _outage(text: str) -> tuple[float, float, str]:
    """--outage START+DURATION[@METRIC]: both durations from the trace's start."""
    window, _, metric = text.partition("@")
    start, sep, length = window.partition("+")
    if not sep:
        raise argparse.ArgumentTypeError(
            f"expected START+DURATION[@METRIC] from the trace start, e.g. 2h+30m@s0-prometheus, got {text!r}")
    begin, duration = _duration(start), _duration(length)
    if duration <= 0:
        raise argparse.ArgumentTypeError(f"the outage must last more than 0 s, got {length!r}")
    return begin, duration, metric


def _add_outage_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--outage", type=_outage, action="append", default=[], metavar="START+DURATION[@METRIC]",
                   help="a window, from the trace start, in which reading a metric (all without "
                   "@METRIC) fails, as when Prometheus is down; repeatable, e.g. 2h+30m@s0-prometheus")


def _outages(args: argparse.Namespace, trace: Optional[agentscale.Trace]) -> list[agentscale.MetricOutage]:
    windows = getattr(args, "outage", None) or []
    if not windows:
        return []
    t0 = (trace or sim.default_trace()).start
    return [agentscale.MetricOutage(metric=m, start_seconds=t0 + s, end_seconds=t0 + s + d)
            for s, d, m in windows]


def _add_schedule_options(p: argparse.ArgumentParser, *, compare: bool) -> None:
    g = p.add_argument_group("schedule (docs/schedules.md)")
    g.add_argument("--schedule", metavar="FILE",
                   help=("a ConfigMap (the seed's predictive schedule) or Schedule YAML; "
                         + ("each spec also runs inside it, as a column <label>+schedule"
                            if compare else "the spec runs inside it")))
    g.add_argument("--schedule-min", type=int, default=None, metavar="N",
                   help="a ConfigMap's rules hold at least N replicas (a ConfigMap says when, "
                   "not how many; default: half the first spec's maxReplicas, rounded up)")
    g.add_argument("--schedule-timezone", default="UTC", metavar="ZONE",
                   help="the zone a ConfigMap's times are in (an IANA name; default UTC)")


_FORECAST_MODELS = ("seasonal-naive", "holt-winters", "holt-winters-multiplicative", "linear-trend")


def _add_forecast_options(p: argparse.ArgumentParser, *, compare: bool) -> None:
    g = p.add_argument_group("forecast (docs/forecasts.md)")
    g.add_argument("--forecast", metavar="MODEL|FILE",
                   help=("a forecast of the first metric as a floor on capacity: a model ("
                         + ", ".join(_FORECAST_MODELS) + ") or a file (a Forecast YAML, or AWS's "
                         "PredictiveScalingPolicyConfiguration JSON); "
                         + ("each spec also runs with it, as a column <label>+forecast"
                            if compare else "the spec runs with it")
                         + ". The options below override the file's values"))
    g.add_argument("--forecast-season", type=int, default=None, metavar="STEPS",
                   help="steps (of --forecast-step) per season (default 1440, a day of minutes)")
    g.add_argument("--forecast-step", type=float, default=None, metavar="S",
                   help="seconds per sample (default 60)")
    g.add_argument("--forecast-lead", type=float, default=None, metavar="S",
                   help="how far ahead capacity is set, e.g. the startup delay (default 300)")
    g.add_argument("--forecast-alpha", type=float, default=None, metavar="A",
                   help="Holt-Winters level smoothing (default 0.3)")
    g.add_argument("--forecast-beta", type=float, default=None, metavar="B",
                   help="Holt-Winters trend smoothing (default 0.05)")
    g.add_argument("--forecast-gamma", type=float, default=None, metavar="G",
                   help="Holt-Winters season smoothing (default 0.2)")
    g.add_argument("--forecast-phi", type=float, default=None, metavar="PHI",
                   help="trend damping, 1 for none (default 1)")
    g.add_argument("--forecast-mode", choices=("ForecastOnly", "ForecastAndScale"), default=None,
                   help="AWS's Mode: ForecastOnly records and explains the floor without "
                   "applying it (default ForecastAndScale; a file's own mode otherwise)")
    g.add_argument("--forecast-only", action="store_true", default=None,
                   help="the same as --forecast-mode ForecastOnly")
    g.add_argument("--forecast-upper", action="store_true", default=None,
                   help="size by the prediction interval's upper bound, not the mean")
    g.add_argument("--forecast-increase-max", action="store_true", default=None,
                   help="let the floor pass maxReplicas (AWS's IncreaseMaxCapacity)")
    g.add_argument("--forecast-buffer", type=float, default=None, metavar="PCT",
                   help="with --forecast-increase-max, the maximum may rise to the forecast "
                   "plus PCT %% (AWS's MaxCapacityBuffer, 0 to 100)")


def _forecast_spec(args: argparse.Namespace) -> Optional[agentscale.ForecastSpec]:
    what = getattr(args, "forecast", None)
    if not what:
        return None
    if what in _FORECAST_MODELS:
        spec = agentscale.ForecastSpec(model=what)
    elif os.path.exists(what) or what.endswith((".yaml", ".yml", ".json")):
        loaded = agentscale.load_forecast(what)
        for w in loaded.warnings:
            print(f"warning: {w}", file=sys.stderr)
        spec = loaded.spec
    else:
        raise UsageError(f"--forecast {what!r}: neither a model ({', '.join(_FORECAST_MODELS)}) "
                         "nor a file")
    overrides = {
        "season": args.forecast_season,
        "step_seconds": args.forecast_step,
        "lead_seconds": args.forecast_lead,
        "alpha": args.forecast_alpha,
        "beta": args.forecast_beta,
        "gamma": args.forecast_gamma,
        "phi": args.forecast_phi,
        "use_upper": args.forecast_upper,
        "max_capacity_buffer": args.forecast_buffer,
    }
    for key, value in overrides.items():
        if value is not None:
            setattr(spec, key, value)
    if args.forecast_only and args.forecast_mode == "ForecastAndScale":
        raise UsageError("--forecast-only and --forecast-mode ForecastAndScale disagree")
    if args.forecast_mode is not None:
        spec.mode = agentscale.ForecastMode.from_kubernetes_name(args.forecast_mode)
    if args.forecast_only:
        spec.mode = agentscale.ForecastMode.FORECAST_ONLY
    if args.forecast_increase_max:
        spec.max_breach = agentscale.MaxCapacityBreach.INCREASE_MAX_CAPACITY
    problems = agentscale.validate_forecast(spec)
    if problems:
        raise UsageError("forecast: " + "; ".join(f"{path}: {msg}" for path, msg in problems))
    return spec


def _load_schedule(args: argparse.Namespace,
                   specs: Sequence[sim.AnySpec]) -> Optional[agentscale.ScheduleSpec]:
    path = getattr(args, "schedule", None)
    if not path:
        return None
    minimum = args.schedule_min
    s = agentscale.load_schedule(path, timezone=args.schedule_timezone, min_replicas=minimum or 1)
    if s.source_kind == "ConfigMap" and minimum is None:
        first = specs[0]
        if isinstance(first, agentscale.AutoscalerSpec):
            top = first.max_replicas
        elif isinstance(first, agentscale.ScalableTargetSpec):
            top = first.max_capacity
        else:  # a ScaledJob may leave it unset: KEDA's default is 100
            top = first.max_replica_count if first.max_replica_count is not None else 100
        s = agentscale.load_schedule(path, timezone=args.schedule_timezone,
                                     min_replicas=agentscale.config_map_default_min_replicas(top))
    return s


def _describe_schedule(s: agentscale.ScheduleSpec) -> str:
    rules = []
    for r in s.rules:
        when = (f"{' | '.join(r.start)} .. {' | '.join(r.end)}" if r.kind == agentscale.ScheduleRuleKind.WINDOW
                else f"days {r.days}")
        bounds = ", ".join(b for b in (f"min {r.min_replicas}" if r.min_replicas is not None else "",
                                       f"max {r.max_replicas}" if r.max_replicas is not None else "") if b)
        rules.append(f"{r.name} ({when}: {bounds})")
    return f"schedule {s.name} ({s.timezone}): " + "; ".join(rules)


def _add_model_options(p: argparse.ArgumentParser, default_model: str) -> None:
    _add_trace_options(p)
    _add_outage_option(p)
    p.add_argument("--model", choices=sim.MODELS, default=default_model,
                   help=f"simulation model (default {default_model})")
    p.add_argument("--metric", help="fluid: the metric the trace drives (default the spec's first)")
    g = p.add_argument_group("model options (agent model unless noted)")
    for flag, dest, typ, help_text, _ in _MODEL_FLAGS:
        choices = _ENUM_OPTIONS.get(dest)
        g.add_argument(flag, dest=dest, type=typ, default=None, help=help_text, choices=choices,
                       metavar=None if choices else dest.split("_")[0].upper())
    r = p.add_argument_group("resource model (agent model): per-agent CPU and memory, for the "
                             "Resource metrics cpu and memory (ECS CPU/memory utilization)")
    r.add_argument("--resources", action="store_true",
                   help="give the run a resource model with its defaults (any option below does too; "
                   "a policy reading cpu or memory gets one anyway)")
    for flag, field, typ, help_text in _RESOURCE_FLAGS:
        choices = _RESOURCE_ENUMS.get(field)
        r.add_argument(flag, dest=f"resource_{field}", type=typ, default=None, help=help_text,
                       choices=choices, metavar=None if choices else field.split("_")[-1].upper())


def _model_options(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for flag, dest, _, _, agent_only in _MODEL_FLAGS:
        value = getattr(args, dest, None)
        if value is None:
            continue
        if args.model == "fluid" and agent_only:
            raise UsageError(f"{flag} applies to the agent model (use --model agent)")
        if args.model == "agent" and dest == "period_seconds":
            raise UsageError("--period is the fluid model's; use --sync-period for the agent model")
        out[dest] = value
    if args.model == "agent" and getattr(args, "metric", None):
        raise UsageError("--metric applies to the fluid model")
    resources = _resource_model(args)
    if resources is not None:
        out["resources"] = resources
    if _config(args) is not None:
        out["config"] = _config(args)
    return out


def _resource_model(args: argparse.Namespace) -> Optional[agentscale.ResourceModel]:
    """The ResourceModel the resource flags describe, or None without any."""
    given: dict[str, Any] = {}
    for _, field, _, _ in _RESOURCE_FLAGS:
        value = getattr(args, f"resource_{field}", None)
        if value is not None:
            given[field] = value
    if not given and not getattr(args, "resources", False):
        return None
    if args.model == "fluid":
        flags = [flag for flag, field, _, _ in _RESOURCE_FLAGS if field in given] or ["--resources"]
        raise UsageError(f"{flags[0]} applies to the agent model (use --model agent)")
    return agentscale.ResourceModel(**given)


def _sniff_format(path: str) -> str:
    """prometheus-json when the file starts with '{' (after blanks), else csv."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    except OSError:
        return "csv"  # load_trace reports the missing file
    return "prometheus-json" if head.startswith(b"{") else "csv"


def _series_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "match": args.match,
        "sum_series": bool(args.sum_series),
        "gaps": args.gaps or "error",
        "non_finite": args.non_finite or "error",
    }


def _load_trace(args: argparse.Namespace, null_values: bool = False) -> Optional[agentscale.Trace]:
    csv_flags = {"--time-column": args.time_column, "--value-column": args.value_column}
    json_flags = {"--match": args.match, "--sum": args.sum_series or None, "--gaps": args.gaps,
                  "--non-finite": args.non_finite, "--trace-step": args.trace_step}
    given = [f for f, v in {**csv_flags, "--trace-format": args.trace_format, **json_flags}.items()
             if v is not None]
    scale = getattr(args, "trace_scale", None)
    if not args.trace:
        if given:
            raise UsageError(f"{given[0]} applies to a trace file: add --trace FILE")
        return sim.default_trace().scaled(scale) if scale is not None else None
    trace = _read_trace(args, null_values)
    return trace.scaled(scale) if scale is not None else trace


def _read_trace(args: argparse.Namespace, null_values: bool) -> agentscale.Trace:
    csv_flags = {"--time-column": args.time_column, "--value-column": args.value_column}
    json_flags = {"--match": args.match, "--sum": args.sum_series or None, "--gaps": args.gaps,
                  "--non-finite": args.non_finite, "--trace-step": args.trace_step}
    fmt = args.trace_format or _sniff_format(args.trace)
    wrong = [f for f, v in (json_flags if fmt == "csv" else csv_flags).items() if v is not None]
    if wrong:
        raise UsageError(f"{wrong[0]} does not apply to a {fmt} trace ({args.trace})"
                         + ("" if args.trace_format else "; the format was detected, set --trace-format"))
    if fmt == "csv":
        return agentscale.load_trace(args.trace, format="csv", time_column=args.time_column,
                                     value_column=args.value_column, null_values=null_values)
    return agentscale.load_trace(args.trace, format="prometheus-json", step_seconds=args.trace_step,
                                 **_series_kwargs(args))


def _quiet(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "quiet", False))


# ---------------------------------------------------------------------------
# Manifests: lenient by default, --strict, --name.
# ---------------------------------------------------------------------------


def _add_load_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("manifest loading")
    g.add_argument("--strict", action="store_true",
                   help="decode manifests as the API server does (kubectl --validate=strict): "
                   "nothing filled in, unknown keys in a Helm values hpa: block are errors")
    g.add_argument("--name", metavar="NAME", default=None, type=_non_empty,
                   help="the object to use in a manifest with several: its metadata.name or "
                   "NAMESPACE/NAME (agentscale list MANIFEST shows them)")
    g.add_argument("--feature-gates", metavar="GATES", default=None, type=_feature_gates,
                   help="HPA feature gates, as kube-controller-manager takes them, e.g. "
                   "HPAExternalMetricFallback=true,HPAScaleToZero=false (docs/hpa-compatibility.md"
                   "#feature-gates)")


def _feature_gates(text: str) -> agentscale.ControllerConfig:
    try:
        return agentscale.apply_feature_gates(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _config(args: argparse.Namespace) -> Optional[agentscale.ControllerConfig]:
    """The ControllerConfig --feature-gates asks for, or None for the defaults."""
    config: Optional[agentscale.ControllerConfig] = getattr(args, "feature_gates", None)
    return config


def _warn(args: argparse.Namespace, warnings: Sequence[str]) -> None:
    """Prints each loader warning to stderr once per command."""
    seen: set[str] = args.__dict__.setdefault("warned_", set())
    for w in warnings:
        if w not in seen:
            seen.add(w)
            print(f"warning: {w}", file=sys.stderr)


def _resolve(args: argparse.Namespace, text: str) -> sim.AnySpec:
    """SPEC as a spec: a preset, or the (named) object of a manifest file,
    loaded leniently unless --strict; prints the loader's warnings."""
    name = getattr(args, "name", None)
    if name is not None and text in agentscale.preset_names():
        name = None  # --name picks within manifest files; checked in _check_name
    spec, warnings = sim.load_spec(text, _config(args), strict=bool(getattr(args, "strict", False)),
                                   name=name)
    _warn(args, warnings)
    return spec


def _check_name(args: argparse.Namespace, specs: Sequence[str]) -> None:
    """--name applies to manifest files: an error when every SPEC is a preset."""
    if getattr(args, "name", None) is not None and all(s in agentscale.preset_names() for s in specs):
        raise UsageError(f"--name picks an object of a manifest file; {', '.join(specs)} "
                         f"{'is a preset' if len(specs) == 1 else 'are presets'}")


# ---------------------------------------------------------------------------
# simulate / compare
# ---------------------------------------------------------------------------


def _describe_options(run: sim.Run) -> str:
    o = run.options
    if isinstance(o, agentscale.AgentModelOptions):
        return (
            f"agent model: arrivals {o.arrivals.kubernetes_name}, service {o.service.kubernetes_name} "
            f"{o.service_seconds:g} s, {o.slots} slots, startup {o.startup_delay_seconds:g} s, "
            f"scale-in {o.scale_in.kubernetes_name} ({o.victims.kubernetes_name}), seed {o.seed}"
            + (f"\n{run.result.resource_reading}"
               if isinstance(run.result, agentscale.AgentModelResult) and run.result.resource_reading else "")
        )
    assert isinstance(run.result, agentscale.FluidResult)
    driven = ", ".join(run.result.driven_metrics)
    omitted = ", ".join(run.result.omitted_metrics) or "none"
    return f"fluid model: period {o.period_seconds:g} s, trace drives {driven} (omitted: {omitted})"


def _comparison_table(runs: Sequence[sim.Run]) -> Any:
    table = _table()
    table.add_column("")
    for r in runs:
        table.add_column(r.label, justify="right")
    rows = [r.row() for r in runs]
    for key, heading, fmt in sim.TABLE_COLUMNS:
        if all(row.get(key) is None for row in rows):
            continue
        table.add_row(heading, *(sim.format_value(row.get(key), fmt) for row in rows))
    return table


def _run_specs(args: argparse.Namespace, specs: Sequence[str], *,
               compare: bool = False) -> sim.Comparison:
    _check_name(args, specs)
    options = _model_options(args)
    resolved = [(sim.spec_label(s), _resolve(args, s)) for s in specs]
    trace = _load_trace(args)
    outages = _outages(args, trace)
    if outages:
        options["outages"] = outages
    schedule = _load_schedule(args, [spec for _, spec in resolved])
    forecast = _forecast_spec(args)
    variants: dict[str, Any] = {}
    if compare:
        variants = {"with_schedule": schedule, "with_forecast": forecast}
    else:
        if schedule is not None:
            options["schedule"] = schedule
        if forecast is not None:
            options["forecast"] = forecast
    runs = len(specs) * (1 + sum(v is not None for v in variants.values()))
    with sim._progress(not _quiet(args), runs, f"{args.model} model") as bar:
        return sim.compare(resolved, trace, args.model, metric=args.metric,
                           on_done=lambda _run: bar.advance(), **variants, **options)


def _check_plot(args: argparse.Namespace) -> None:
    """--plot needs the plot extra: say so before any work."""
    if not getattr(args, "plot", None):
        return
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'agentscale[plot]'") from None


def cmd_simulate(args: argparse.Namespace) -> int:
    if args.series and not args.json:
        raise UsageError("--series adds the per-sync series to the JSON output: add --json")
    _check_plot(args)
    comparison = _run_specs(args, [args.spec])
    run = comparison.runs[0]
    plot = run.plot(args.plot) if args.plot else None
    if args.json:
        d = run.to_dict(series=args.series)
        d["plot"] = str(plot) if plot else None
        _print_json(d)
        return EXIT_OK
    console = _console()
    console.print(f"{run.label}: {_describe_options(run)}")
    console.print(_trace_caption(run.trace, run.result.trace_reading))
    if run.options.schedule is not None:
        console.print(_describe_schedule(run.options.schedule))
    console.print(_comparison_table([run]))
    counters = run.counters
    if isinstance(run.result, agentscale.AgentModelResult):
        console.print(
            "tasks: " + ", ".join(f"{k.removeprefix('tasks_')} {v:,}" for k, v in counters.items()
                                  if k.startswith("tasks_"))
        )
    if plot:
        console.print(f"plot: {plot}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    _check_plot(args)
    comparison = _run_specs(args, args.specs, compare=True)
    plot = comparison.plot(args.plot) if args.plot else None
    if args.json:
        d = comparison.to_dict()
        d["plot"] = str(plot) if plot else None
        _print_json(d)
        return EXIT_OK
    first = comparison.runs[0]
    console = _console()
    console.print(_describe_options(first))
    console.print(_trace_caption(first.trace, first.result.trace_reading))
    schedules = [r.options.schedule for r in comparison.runs if r.options.schedule is not None]
    if schedules:
        console.print(_describe_schedule(schedules[0]))
    console.print(_comparison_table(comparison.runs))
    if plot:
        console.print(f"plot: {plot}")
    return EXIT_OK


# ---------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------


def _parse_value(text: str) -> Any:
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


_SELECT_POLICIES = ("Max", "Min", "Disabled")


def _grid_type(key: str) -> Optional[Callable[[str], Any]]:
    """The argparse type of a grid key's values (None: any text)."""
    if key == "target" or key.startswith("target:"):
        return _POSITIVE
    if key == "activation" or key.startswith("activation:"):
        return _NON_NEGATIVE
    if key in ("min_replicas", "max_replicas", "cooldown_period_seconds",
               "initial_cooldown_period_seconds"):
        return _NON_NEGATIVE_INT
    if key == "polling_interval_seconds":
        return _COUNT
    if key.endswith("_window_seconds") or key == "tolerance":
        return _NON_NEGATIVE
    if key.endswith("_period_seconds"):
        return _POSITIVE
    if key.endswith("_pods") or key.endswith("_percent"):
        return _COUNT
    for _, dest, typ, _, _ in _MODEL_FLAGS:
        if dest == key:
            return typ if typ is not str else None
    return None


def _parse_grid(items: Sequence[str], model: str) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    valid = set(sim.grid_keys(model))
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip().replace("-", "_")
        texts = [v.strip() for v in values.split(",")]
        if not sep or not key or not values.strip():
            raise UsageError(f"argument --grid: {item!r}: expected KEY=V1,V2,...")
        if "" in texts:
            raise UsageError(f"argument --grid: {item!r}: an empty value")
        if key not in valid and not key.startswith("target:") and not key.startswith("activation:"):
            raise UsageError(f"argument --grid: unknown grid key {key!r} for the {model} model; valid: "
                             f"{', '.join(sorted(valid))}, target:<metric>, activation:<trigger>")
        if key in grid:
            raise UsageError(f"argument --grid: {key} is given twice")
        typ = _grid_type(key)
        choices = _ENUM_OPTIONS.get(key) or (_SELECT_POLICIES if key.endswith("_select_policy") else None)
        parsed: list[Any] = []
        for text in texts:
            if choices is not None:
                if text not in choices:
                    raise UsageError(f"argument --grid: {key}: {text!r} is not one of {', '.join(choices)}")
                parsed.append(text)
            elif typ is not None:
                try:
                    parsed.append(typ(text))
                except argparse.ArgumentTypeError as e:
                    raise UsageError(f"argument --grid: {key}={text}: {e}") from None
            else:
                parsed.append(_parse_value(text))
        grid[key] = parsed
    return grid


def cmd_sweep(args: argparse.Namespace) -> int:
    if not args.grid:
        raise UsageError("sweep needs at least one --grid KEY=V1,V2,...")
    grid = _parse_grid(args.grid, args.model)
    if args.json:
        for flag, value in (("--pareto", args.pareto or None), ("--sort", args.sort), ("--top", args.top)):
            if value is not None:
                raise UsageError(f"{flag} shapes the table; --json prints every point (and pareto_front)")
    if args.pareto and args.sort:
        raise UsageError("--sort does not apply to --pareto (the front is sorted by cost)")
    options = _model_options(args)
    _check_name(args, [args.spec])
    result = sim.sweep(
        _resolve(args, args.spec), grid, _load_trace(args), args.model, metric=args.metric,
        workers=args.workers, progress=not _quiet(args), **options,
    )
    x_key, y_key = result.objectives
    if args.json:
        _print_json(result.to_dict())
        return EXIT_FINDINGS if result.errors else EXIT_OK
    if args.sort is not None and not any(args.sort in r for r in result.rows):
        columns = sorted({k for r in result.rows for k in r})
        raise UsageError(f"--sort {args.sort}: no such column (columns: {', '.join(columns)})")
    rows = result.pareto_front() if args.pareto else result.table(sort_by=args.sort)
    shown = rows if args.top is None else rows[: args.top]
    title = (
        f"sweep of {args.spec} ({args.model} model, {len(result)} points"
        + (f"; Pareto front of {x_key} vs {y_key}: {len(rows)} points" if args.pareto else "")
        + ")"
    )
    table = _table(title, caption=f"trace read as {result.trace_reading}" if result.trace_reading else None)
    headings = {
        "cost": "cost", "replica_hours": "replica-h", "peak_replicas": "peak",
        "wait_p99": "wait p99 (s)", "time_over_target_seconds": "over target (s)",
        "scale_ups": "ups", "scale_downs": "downs", "reversals_within_5m": "reversals",
        "time_at_max_seconds": "at max (s)",
    }
    columns = ["index", *grid.keys(), "cost", "peak_replicas", y_key,
               "scale_ups", "scale_downs", "reversals_within_5m", "time_at_max_seconds"]
    body: list[list[str]] = []
    for r in shown:
        cells = []
        for c in columns:
            v = r.get(c)
            if v is None:
                cells.append("-")
            elif isinstance(v, float):
                cells.append(f"{v:,.0f}" if abs(v) >= 100 else f"{v:.4g}")
            else:
                cells.append(str(v))
        body.append(cells)
    for i, c in enumerate(columns):
        # Numbers never wrap; headings fold onto more lines instead.
        width = max([len(b[i]) for b in body] + [1])
        table.add_column(headings.get(c, c).replace("_", " "), justify="right", min_width=width,
                         overflow="fold")
    for cells in body:
        table.add_row(*cells)
    console = _console()
    console.print(table)
    if len(shown) < len(rows):
        console.print(f"({len(rows) - len(shown)} more rows; --top to show more, --json for all)")
    failed = [r for r in shown if r.get("error")]
    for r in failed[:10]:
        console.print(f"index {r['index']} failed: {r['error']}")
    if len(failed) > 10:
        console.print(f"({len(failed) - 10} more failed points; --json for all)")
    if result.errors:
        print(f"agentscale sweep: {len(result.errors)} of {len(result)} points failed, e.g. index "
              f"{result.errors[0]['index']}: {result.errors[0]['error']}", file=sys.stderr)
    return EXIT_FINDINGS if result.errors else EXIT_OK


# ---------------------------------------------------------------------------
# replay
# ---------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace) -> int:
    if args.json and args.events is not None:
        raise UsageError("--events limits the table's list; --json prints every sync")
    _check_name(args, [args.spec])
    spec = _resolve(args, args.spec)
    result: agentscale.FluidResult
    if isinstance(spec, agentscale.ScaledJobSpec):
        raise UsageError(f"{args.spec}: a ScaledJob runs Jobs, one per task, which the fluid replay "
                         "does not model; use `agentscale simulate --model agent`")
    if isinstance(spec, agentscale.ScalableTargetSpec):
        # One trace drives every metric the target's policies read (CPU and
        # memory as percent of a task's reservation), as simulate --model
        # fluid does.
        if args.metric:
            raise UsageError(f"{args.spec}: --metric: an AWS scalable target's policies read every "
                             "metric they name, and the trace drives them all")
        trace = _load_trace(args) or sim.default_trace()
        fluid = agentscale.FluidOptions(outages=_outages(args, trace),
                                        prometheus_version=args.prometheus_version,
                                        config=_config(args) or agentscale.ControllerConfig())
        if args.period is not None:
            fluid.period_seconds = args.period
        if args.initial_replicas is not None:
            fluid.initial_replicas = args.initial_replicas
        if args.price is not None:
            fluid.price_per_replica_hour = args.price
        replayed = sim.simulate(spec, trace, "fluid", options=fluid).result
        assert isinstance(replayed, agentscale.FluidResult)
        result = replayed
    elif isinstance(spec, agentscale.ScaledObjectSpec):
        # A query may return no series: empty, NaN or Inf values are null
        # samples, which the trigger reads as its ignoreNullValues says.
        trace = _load_trace(args, null_values=True) or sim.default_trace()
        result = agentscale.replay_scaled_object(
            spec, trace, trigger=args.metric, period_seconds=args.period,
            initial_replicas=args.initial_replicas, price_per_replica_hour=args.price,
            outages=_outages(args, trace), prometheus_version=args.prometheus_version,
            config=_config(args),
        )
    else:
        trace = _load_trace(args) or sim.default_trace()
        result = agentscale.fluid_replay(
            spec, trace, metric=args.metric, period_seconds=args.period,
            initial_replicas=args.initial_replicas, price_per_replica_hour=args.price,
            options=agentscale.FluidOptions(outages=_outages(args, trace),
                                            prometheus_version=args.prometheus_version,
                                            config=_config(args) or agentscale.ControllerConfig()),
        )
    reasons = sim._names(sim._REASON_NAMES, result.limit_reason)
    if args.json:
        _print_json({
            "spec": spec.name,
            "kind": "ScaledObject" if isinstance(spec, agentscale.ScaledObjectSpec)
            else "ScalableTarget" if isinstance(spec, agentscale.ScalableTargetSpec)
            else "HorizontalPodAutoscaler",
            "trace": {"name": trace.name, "rows": len(trace), "meaning": result.trace_meaning,
                      "reading": result.trace_reading},
            "period_seconds": result.period_seconds,
            "driven_metrics": list(result.driven_metrics),
            "omitted_metrics": list(result.omitted_metrics),
            "time_seconds": result.time_seconds,
            "demand": result.demand,
            "current_replicas": result.current_replicas,
            "replicas": result.replicas,
            "metric_value": result.metric_value,
            "limit_reason": reasons,
            "summary": result.summary.to_dict(),
        })
        return EXIT_OK
    run = sim.Run(label=sim.spec_label(args.spec), spec=spec, model="fluid", trace=trace,
                  options=agentscale.FluidOptions(period_seconds=result.period_seconds), result=result)
    console = _console()
    console.print(f"{run.label}: {_describe_options(run)}")
    console.print(_trace_caption(trace, result.trace_reading))
    console.print(_comparison_table([run]))
    before = result.current_replicas
    after = result.replicas
    changes = [i for i in range(len(result)) if after[i] != before[i]]
    limit = 20 if args.events is None else args.events
    events = _table(f"scale events: {len(changes)}" + (f" (first {limit})" if len(changes) > limit else ""))
    for c in ("time (UTC)", "demand", "per-pod value", "replicas", "limited by"):
        events.add_column(c, justify="right" if c != "limited by" else "left")
    for i in changes[:limit]:
        events.add_row(_when(float(result.time_seconds[i])), f"{result.demand[i]:g}",
                       f"{result.metric_value[i]:.3f}", f"{before[i]} -> {after[i]}", reasons[i] or "-")
    console.print(events)
    return EXIT_OK


# ---------------------------------------------------------------------------
# lint
# ---------------------------------------------------------------------------


def cmd_lint(args: argparse.Namespace) -> int:
    try:
        report = lint_mod.lint_file(
            args.file, slots=args.slots, metrics_window_seconds=args.metrics_window,
            startup_delay_seconds=args.startup_delay, strict=args.strict, name=args.name,
            config=_config(args))
    except (OSError, ValueError, agentscale.Error) as e:
        if not args.json:
            raise
        # --json promises JSON on stdout whatever happens to the input; the
        # error names file:line:column and the field, as on stderr without it.
        text = str(e)
        if isinstance(e, OSError) and e.strerror:
            text = e.strerror + (f": {e.filename}" if e.filename else "")
        _print_json({"file": args.file, "error": text})
        return EXIT_USAGE
    _warn(args, [f.message for f in report.findings if f.rule == "load-warning"])
    # Info findings (tolerance-edge) are shown but do not fail the run.
    warnings = sum(1 for f in report.findings if f.severity != "info")
    code = EXIT_FINDINGS if warnings else EXIT_OK
    if args.json:
        out: dict[str, Any] = {"file": args.file, "kind": report.kind}
        out["rules" if report.kind == "prometheus-rules" else "autoscalers"] = report.objects
        out["findings"] = [f.to_dict() for f in report.findings]
        _print_json(out)
        return code
    console = _console()
    what = "rule(s)" if report.kind == "prometheus-rules" else "autoscaler(s)"
    if not report.findings:
        console.print(f"{args.file}: {len(report.objects)} {what}, no findings")
        return EXIT_OK
    infos = len(report.findings) - warnings
    table = _table(f"{args.file}: {warnings} warning(s), {infos} info")
    first = "alert" if report.kind == "prometheus-rules" else "autoscaler"
    for c in (first, "rule", "severity", "field", "message"):
        table.add_column(c, overflow="fold")
    for f in report.findings:
        field = f"{f.field} ({f.location})" if f.location else f.field
        table.add_row(f.autoscaler, f.rule, f.severity, field, f.message)
    console.print(table)
    return code


# ---------------------------------------------------------------------------
# explain
# ---------------------------------------------------------------------------


def load_observation(
    data: Any, spec: agentscale.AutoscalerSpec, source: str = "<observation>",
    default_time: float = 0.0,
) -> tuple[float, agentscale.Observation]:
    """An (time, Observation) from the observation JSON format:

        {"time": 1767258000.0,              optional; default `default_time`
         "current_replicas": 3,
         "pods": [{"name": "agent-0", "phase": "Running", "ready": true}, ...],
                                            optional; default current_replicas
                                            Ready pods agent-0, agent-1, ...
         "metrics": {"app_active_task_count": {"agent-0": 80, "agent-1": 95},
                     "app_active_request_count": 40,
                     "agent_queue_depth": 120}}

    A metric's value is {pod: value} (per-pod samples) or one number: every
    pod's value for Pods and Resource metrics, the object's value for Object
    metrics, the one series' value for External metrics. Values are plain
    units; samples are stamped at `time` with a 60 s window. ValueError names
    the source and the field. `data` is the JSON text (str, or bytes as read
    from a file) or its parsed value; the format is read in C++
    (agentscale::ObservationFromJson).
    """
    text = data if isinstance(data, (str, bytes)) else json.dumps(data)
    now, obs = agentscale.observation_from_json(text, list(spec.metrics), source, default_time)
    return float(now), obs


def _read_state_text(path: str) -> bytes:
    """The file's bytes: the library checks them (UTF-8 included) and names the file."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"state file not found: {path}")
    return pathlib.Path(path).read_bytes()


def cmd_explain(args: argparse.Namespace) -> int:
    _check_name(args, [args.spec])
    spec = _resolve(args, args.spec)
    default_time = 0.0
    try:
        text = pathlib.Path(args.observation).read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"observation file not found: {args.observation}") from None
    decision: agentscale.Decision
    if isinstance(spec, agentscale.ScalableTargetSpec):
        # AWS: the state is the policy's (policy_state_json()); the
        # observation names the metrics the policies read (cpu and memory in
        # percent, a customized metric's name). Alarms see one-minute
        # datapoints, so one observation closes no minute unless the state
        # holds earlier ones.
        aws_policy = agentscale.ScalableTargetPolicy(spec)
        metric_specs = list(aws_policy.metrics())
        if args.state:
            try:
                aws_policy.import_policy_state_json(_read_state_text(args.state))
            except ValueError as e:
                raise ValueError(f"{args.state}: {e}") from None
        now, obs = agentscale.observation_from_json(text, metric_specs, args.observation,
                                                    default_time)
        # The format has no requests: a task without them requests 100 units
        # of cpu and memory, so cpu and memory values read as utilization
        # percent (as in the fluid model).
        pods = list(obs.pods)
        for pod in pods:
            if pod.pod_requests is None:
                pod.pod_requests = agentscale.ResourceList(cpu_milli=100_000, memory_milli=100_000)
        obs.pods = pods
        decision = aws_policy.decide(float(now), obs)
    elif isinstance(spec, (agentscale.ScaledObjectSpec, agentscale.ScaledJobSpec)):
        # KEDA: the state is the policy's (policy_state_json()); the
        # observation names the triggers' metrics (s0-prometheus, ...); for a
        # ScaledJob current_replicas is the Jobs still running.
        policy: agentscale.Policy
        if isinstance(spec, agentscale.ScaledObjectSpec):
            policy = agentscale.ScaledObjectPolicy(spec, config=_config(args))
            metric_specs = list(policy.hpa_spec.metrics)
        else:
            policy = agentscale.ScaledJobPolicy(spec)
            metric_specs = list(policy.metrics())
        if args.state:
            try:
                policy.import_policy_state_json(_read_state_text(args.state))
            except ValueError as e:
                raise ValueError(f"{args.state}: {e}") from None
        now, obs = agentscale.observation_from_json(text, list(policy.metrics()), args.observation,
                                                    default_time)
        decision = policy.decide(float(now), obs)
    else:
        hpa = agentscale.HorizontalAutoscaler.create(spec, _config(args))
        if args.state:
            state = agentscale.state_from_json(_read_state_text(args.state), args.state)
            hpa.import_state(state)
            if state.last_evaluation is not None and math.isfinite(state.last_evaluation):
                default_time = state.last_evaluation + 15.0
        metric_specs = list(spec.metrics)
        now, obs = load_observation(text, spec, args.observation, default_time)
        decision = hpa.evaluate(now, obs)
    if args.json:
        _print_json({"explain": decision.explain(), "decision": decision.to_dict()})
        return EXIT_OK
    console = _console()
    console.print(decision.explain())
    metrics = _table("metrics")
    for c in ("metric", "value", "proposal", "valid", "error"):
        metrics.add_column(c)
    for m in decision.metrics:
        ms = metric_specs[m.spec_index] if 0 <= m.spec_index < len(metric_specs) else None
        metrics.add_row(ms.describe() if ms else str(m.spec_index), f"{m.value_milli / 1000:g}",
                        str(m.proposal), "yes" if m.valid else "no", m.error or "")
    console.print(metrics)
    conditions = _table("conditions")
    for c in ("type", "status", "reason", "message"):
        conditions.add_column(c, overflow="fold")
    for cond in decision.conditions:
        conditions.add_row(cond.type_name, "True" if cond.status else "False", cond.reason_name, cond.message)
    console.print(conditions)
    return EXIT_OK


# ---------------------------------------------------------------------------
# list
# ---------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace) -> int:
    docs = agentscale.list_manifest_documents(args.manifest)
    if args.json:
        _print_json({"file": args.manifest, "documents": [d.to_dict() for d in docs]})
        return EXIT_OK
    table = _table(f"{args.manifest}: {sum(d.loadable for d in docs)} of {len(docs)} document(s) "
                   "to use with --name")
    for c in ("line", "kind", "name", "namespace", "read"):
        table.add_column(c, justify="right" if c == "line" else "left")
    for d in docs:
        kind = "Helm values (hpa:)" if d.helm_values else (d.kind or "-")
        table.add_row(str(d.line), kind, d.name or "-", d.namespace_name or "-",
                      "yes" if d.loadable else "skipped")
    _console().print(table)
    return EXIT_OK


# ---------------------------------------------------------------------------
# presets
# ---------------------------------------------------------------------------


def _rules_text(rules: Optional[agentscale.ScalingRules]) -> tuple[str, str]:
    if rules is None:
        return "default", "default"
    window = rules.stabilization_window_seconds
    policies = ", ".join(
        f"{p.value}{(' pod' if p.value == 1 else ' pods') if p.type == agentscale.PolicyType.PODS else '%'}"
        f"/{p.period_seconds:g}s"
        for p in rules.policies
    )
    return ("default" if window is None else f"{window:g}s",
            f"{policies or 'none'} ({rules.select_policy.kubernetes_name})")


def _target_text(m: agentscale.MetricSpec) -> str:
    t = m.target
    if t.average_value_milli is not None:
        v = agentscale.format_milli(t.average_value_milli)
    elif t.value_milli is not None:
        v = agentscale.format_milli(t.value_milli)
    else:
        v = f"{t.average_utilization}%"
    return f"{m.name}={v}"


def cmd_presets(args: argparse.Namespace) -> int:
    rows: list[dict[str, Any]] = []
    for name in agentscale.preset_names():
        spec = agentscale.preset(name)
        b = spec.behavior
        up_window, up_policies = _rules_text(b.scale_up if b else None)
        down_window, down_policies = _rules_text(b.scale_down if b else None)
        rows.append({
            "name": name,
            "min_replicas": spec.min_replicas,
            "max_replicas": spec.max_replicas,
            "targets": [_target_text(m) for m in spec.metrics],
            "scale_up_window": up_window,
            "scale_down_window": down_window,
            "scale_up_policies": up_policies,
            "scale_down_policies": down_policies,
        })
    if args.json:
        _print_json({"presets": rows})
        return EXIT_OK
    table = _table("built-in presets")
    for c in ("name", "min", "max", "targets", "up window", "down window", "scale-up policies",
              "scale-down policies"):
        table.add_column(c)
    for r in rows:
        table.add_row(r["name"], str(r["min_replicas"]), str(r["max_replicas"]), "\n".join(r["targets"]),
                      r["scale_up_window"], r["scale_down_window"], r["scale_up_policies"],
                      r["scale_down_policies"])
    _console().print(table)
    return EXIT_OK


# ---------------------------------------------------------------------------
# tune
# ---------------------------------------------------------------------------


def _tuned_row(c: agentscale.TunedConfig) -> dict[str, Any]:
    spec = c.spec
    down = spec.behavior.scale_down.stabilization_window_seconds if spec.behavior else None
    target = spec.metrics[0].target.average_value_milli
    return {
        "target": None if target is None else target / 1000,
        "min_replicas": spec.min_replicas,
        "scale_down_window_seconds": down,
        "feasible": c.evaluation.feasible,
        "cost": c.evaluation.cost,
        "share_over": list(c.share_over),
        "wait_p95_seconds": list(c.wait_p95_seconds),
        "why": c.evaluation.why,
    }


def cmd_tune(args: argparse.Namespace) -> int:
    if args.model != "agent":
        raise UsageError("tune replays candidates on the agent model (--model agent)")
    try:
        slo = agentscale.parse_wait_slo(args.slo)
    except ValueError as e:
        raise UsageError(str(e)) from None
    options = _model_options(args)
    _check_name(args, [args.spec])
    spec = _resolve(args, args.spec)
    if not isinstance(spec, agentscale.AutoscalerSpec):
        raise UsageError(f"{args.spec}: tune searches a HorizontalPodAutoscaler")
    trace = _load_trace(args) or sim.default_trace()
    topts = agentscale.TuneOptions(max_evaluations=args.max_evaluations)
    if args.max_reversals_per_hour is not None:
        topts.max_reversals_per_hour = args.max_reversals_per_hour
    if args.fixed:
        for name in args.fixed:
            setattr(topts, f"search_{name}", False)
    result = agentscale.tune(spec, trace, slo=slo, options=topts, workers=args.workers,
                             cache=args.cache, progress=not _quiet(args), **options)
    if args.output and result.found:
        pathlib.Path(args.output).write_text(agentscale.dump_manifest(result.best.spec))
    history = result.history
    rejected = [
        {**point, "why": ev.why} for point, ev in history if not ev.feasible
    ]
    if args.json:
        _print_json({
            "slo": str(slo),
            "found": result.found,
            "why_none": result.why_none or None,
            "stop_reason": result.stop_reason,
            "evaluations": len(history),
            "guess": {"target_per_agent": result.guess.target_per_agent,
                      "peak_agents": result.guess.peak_agents,
                      "agent_hours": result.guess.agent_hours,
                      "assumptions": list(result.guess.assumptions)},
            "best": _tuned_row(result.best),
            "baseline": _tuned_row(result.baseline),
            "pareto_front": [{**history[i][0], "cost": history[i][1].cost} for i in result.pareto],
            "rejected": rejected,
            "output": args.output if args.output and result.found else None,
        })
        return EXIT_OK if result.found else EXIT_FINDINGS
    console = _console()
    table = _table(f"tune of {args.spec} for {slo} ({len(history)} candidates on the agent model, "
                   f"{result.stop_reason})",
                   caption=f"first guess from queueing theory: target "
                   f"{result.guess.target_per_agent:.3f} per agent (docs/tune.md)")
    for heading in ("config", "target", "min", "down window (s)", "cost", "wait p95 (s)",
                    f"share over {slo.wait_seconds:g} s", "meets SLO"):
        table.add_column(heading, justify="right" if heading != "config" else "left")
    for label, config in (("as given", result.baseline), ("tuned", result.best)):
        r = _tuned_row(config)
        table.add_row(label, f"{r['target']:.3f}", str(r["min_replicas"]),
                      "-" if r["scale_down_window_seconds"] is None else f"{r['scale_down_window_seconds']:g}",
                      f"{r['cost']:,.1f}", ", ".join(f"{w:.1f}" for w in r["wait_p95_seconds"]),
                      ", ".join(f"{100 * s:.2f}%" for s in r["share_over"]),
                      "yes" if r["feasible"] else "no")
    console.print(table)
    if result.found:
        saving = result.baseline.evaluation.cost - result.best.evaluation.cost
        if result.baseline.evaluation.feasible and saving <= 0:
            console.print("The config as given is already the cheapest that meets the SLO found.")
        elif saving > 0:
            console.print(f"Tuned: {saving:,.1f} cheaper "
                          f"({100 * saving / result.baseline.evaluation.cost:.1f} %) than as given.")
        if args.output:
            console.print(f"Wrote the tuned HorizontalPodAutoscaler to {args.output}.")
    else:
        console.print(f"None found: {result.why_none}")
    if result.pareto:
        front = _table("cheapest configs meeting the SLO (Pareto front of cost and waits)")
        for name in (*result.parameter_names, "cost"):
            front.add_column(name.replace("_", " "), justify="right")
        for i in result.pareto[:8]:
            point, ev = history[i]
            front.add_row(*[f"{point[n]:g}" for n in result.parameter_names], f"{ev.cost:,.1f}")
        console.print(front)
    if rejected:
        why = _table("rejected candidates (the last ones tried)")
        for name in (*result.parameter_names, "why"):
            why.add_column(name.replace("_", " "), justify="left" if name == "why" else "right")
        for r in rejected[-6:]:
            why.add_row(*[f"{r[n]:g}" for n in result.parameter_names], r["why"])
        console.print(why)
    return EXIT_OK if result.found else EXIT_FINDINGS


# ---------------------------------------------------------------------------
# fetch
# ---------------------------------------------------------------------------


def _prometheus_url(text: str) -> tuple[str, int]:
    """(host, port) of http://HOST[:PORT] or HOST[:PORT] (port 9090 when
    not given)."""
    url = urllib.parse.urlsplit(text if "://" in text else "http://" + text)
    if url.scheme != "http":
        raise argparse.ArgumentTypeError(f"{text}: only http:// is supported")
    if url.path not in ("", "/") or url.query or url.fragment:
        raise argparse.ArgumentTypeError(f"{text}: a path prefix or query is not supported; give http://HOST:PORT")
    try:
        port = url.port
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text}: the port is not a number from 1 to 65535") from None
    if not url.hostname:
        raise argparse.ArgumentTypeError(f"{text}: no host")
    return url.hostname, port or 9090


def cmd_fetch(args: argparse.Namespace) -> int:
    if args.end < args.start:
        raise UsageError(f"--end ({_when(args.end)}) is before --start ({_when(args.start)})")
    if not agentscale.HAVE_HTTP:
        raise UsageError("fetch needs the Prometheus client, and this agentscale was built without "
                         "cpp-httplib (agentscale.HAVE_HTTP is False)")
    host, port = args.prometheus
    client = agentscale.PrometheusClient(agentscale.QueryClientOptions(
        host=host, port=port, read_timeout_seconds=args.timeout))
    body = client.query_range(args.query, args.start, args.end, args.step)
    if args.save_json:
        pathlib.Path(args.save_json).write_text(body)
    source = f"http://{host}:{port}"
    trace = agentscale.parse_trace(body, source, format="prometheus-json", step_seconds=args.step,
                                   **_series_kwargs(args))
    iso = "%Y-%m-%dT%H:%M:%SZ"
    trace.comments = [
        f"source: Prometheus {source}, /api/v1/query_range",
        f"query: {args.query}",
        f"range: {datetime.datetime.fromtimestamp(args.start, datetime.timezone.utc).strftime(iso)} to "
        f"{datetime.datetime.fromtimestamp(args.end, datetime.timezone.utc).strftime(iso)}, "
        f"step {args.step:g} s",
        *[c for c in trace.comments if not c.startswith("source: ")],
    ]
    trace.name = args.output or source
    csv = agentscale.trace_to_csv(trace)
    if args.output:
        pathlib.Path(args.output).write_text(csv)
        print(f"{args.output}: {len(trace):,} rows from {_when(trace.start)} to {_when(trace.end)}",
              file=sys.stderr)
    else:
        sys.stdout.write(csv)
    return EXIT_OK


# ---------------------------------------------------------------------------
# Parser and entry point.
# ---------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors with exit code 2 without exiting the
    interpreter (main() turns SystemExit into a return code)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="agentscale",
        description="Kubernetes-exact autoscaling: replay workloads through HPA specs, compare "
        "and sweep profiles, lint manifests, explain decisions.",
        epilog="Exit codes: 0 ok, 1 findings (lint warnings, not info findings; failed sweep "
        "points), 2 usage or input error. SPEC is a manifest path, a preset name (agentscale presets), "
        "or an AWS Application Auto Scaling target: AWS API JSON or a Terraform .tf file.",
    )
    parser.add_argument("--version", action="version", version=f"agentscale {agentscale.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")

    p = sub.add_parser("simulate", help="run one spec over a trace and summarize it")
    p.add_argument("spec", metavar="SPEC")
    _add_model_options(p, "agent")
    p.add_argument("--plot", metavar="PNG", type=_output_path,
                   help="write a plot of the run (the directory must exist)")
    p.add_argument("--series", action="store_true", help="with --json: include every per-sync series")
    _add_schedule_options(p, compare=False)
    _add_forecast_options(p, compare=False)
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("compare", help="run several specs over the same trace, side by side")
    p.add_argument("specs", metavar="SPEC", nargs="+")
    _add_model_options(p, "agent")
    p.add_argument("--plot", metavar="PNG", type=_output_path,
                   help="write a comparison plot (the directory must exist)")
    _add_schedule_options(p, compare=True)
    _add_forecast_options(p, compare=True)
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("sweep", help="run a spec over a grid of settings; table and Pareto front")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                   help="a swept setting, repeatable: target, min_replicas, max_replicas, "
                   "scale_up_window_seconds, scale_down_window_seconds, scale_up_pods, "
                   "scale_up_percent, scale_down_pods, ..., or a model option")
    _add_model_options(p, "agent")
    p.add_argument("--workers", type=_COUNT, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--pareto", action="store_true",
                   help="show only the Pareto front (cost vs wait p99; fluid: cost vs time over target)")
    p.add_argument("--sort", default=None, metavar="COLUMN", help="sort the table by a column")
    p.add_argument("--top", type=_COUNT, default=None, metavar="N", help="show only the first N rows")
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("tune", help="the cheapest config of an HPA that meets a wait SLO, "
                       "searched on the agent model")
    p.add_argument("spec", metavar="SPEC",
                   help="an HPA whose first metric is app_active_task_count (AverageValue)")
    p.add_argument("--slo", default="p95_wait<=60s",
                   help="the objective: p95_wait<=60s (default), p99_wait<=2m, wait>60s<=1%%")
    _add_model_options(p, "agent")
    p.add_argument("--max-evaluations", type=_COUNT, default=200, metavar="N",
                   help="the most candidates replayed (default 200)")
    p.add_argument("--max-reversals-per-hour", type=float, default=None, metavar="R",
                   help="also require at most R scale reversals (within 5 min) per hour")
    p.add_argument("--fixed", action="append", choices=("target", "min_replicas",
                                                          "scale_down_window"),
                   help="keep a parameter as given (repeatable)")
    p.add_argument("--workers", type=_COUNT, default=None,
                   help="threads replaying candidates (default: CPU count)")
    p.add_argument("--cache", metavar="FILE", type=_output_path,
                   help="keep evaluations in FILE; a rerun with the same options resumes from it")
    p.add_argument("-o", "--output", metavar="YAML", type=_output_path,
                   help="write the tuned HorizontalPodAutoscaler here")
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("replay", help="fluid replay: a trace drives one metric of a spec "
                       "(an HPA, or a KEDA ScaledObject's trigger)")
    p.add_argument("spec", metavar="SPEC",
                   help="a preset, or a manifest with one HorizontalPodAutoscaler or one ScaledObject")
    _add_trace_options(p)
    _add_outage_option(p)
    p.add_argument("--metric", help="the metric the trace drives (default the spec's first; "
                   "ScaledObject: a trigger's metric name, e.g. s0-prometheus, or its name)")
    p.add_argument("--period", type=_POSITIVE, default=None, metavar="S",
                   help="the HPA's sync period (default 15)")
    p.add_argument("--initial-replicas", type=_NON_NEGATIVE_INT, default=None, metavar="N",
                   help="replicas before the first sync (default minReplicas; ScaledObject: "
                   "max(minReplicaCount, 1))")
    p.add_argument("--price", type=_NON_NEGATIVE, default=None, help="price of a replica-hour (default 1)")
    p.add_argument("--events", type=_NON_NEGATIVE_INT, default=None, metavar="N",
                   help="scale events to list (default 20)")
    p.add_argument("--prometheus-version", type=_PROMETHEUS_VERSION, default=3, metavar="N",
                   help="range semantics of the alerts: 3, left-open (t-5m, t] (default), or 2, "
                   "closed [t-5m, t]")
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("lint", help="validate a manifest or a Prometheus rule file and warn on "
                       "risky settings",
                       description="Lints an HPA/KEDA manifest, or a Prometheus rule file (a "
                       "top-level 'groups' key). Exit 0 when no finding is a warning (info "
                       "findings such as tolerance-edge are shown but do not count), 1 when one "
                       "is, 2 when the file does not load. With --json the output is JSON even "
                       "when the file does not load: {\"file\", \"error\"}, exit 2.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--slots", type=_COUNT, default=100, help="the agents' task slots (default 100)")
    p.add_argument("--metrics-window", type=_duration, default=None, metavar="S",
                   help="the window the metrics are averaged over, e.g. 5m for an adapter query "
                   "rate(...[5m]) (default: 1m, the seed's avg_over_time(...[1m]), for "
                   "Pods/Object/External metrics)")
    p.add_argument("--startup-delay", type=_duration, default=None, metavar="S",
                   help="how long an agent takes to start (default: the agent model's, 60s)")
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("explain", help="one decision from a saved state and an observation")
    p.add_argument("spec", metavar="SPEC")
    p.add_argument("--state", metavar="STATE.json",
                   help="agentscale.state/v1 JSON (an HPA), or agentscale.policy-state/v1 JSON "
                   "(a ScaledObject: Policy.policy_state_json()); default: a fresh engine")
    p.add_argument("--observation", metavar="OBS.json", required=True,
                   help="{time?, current_replicas, pods?: [{name, phase?, ready?}], "
                   "metrics: {name: value | {pod: value}}}")
    _add_load_options(p)
    common(p)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("list", help="the objects of a manifest file (for --name)",
                       description="Lists every document of a YAML file with its kind, name and "
                       "line, and whether simulate, compare, lint and the others read it (an "
                       "autoscaling/v2 HPA, a KEDA ScaledObject or ScaledJob, a Helm values hpa: "
                       "block). Documents are not validated, so a file that does not load lists too.")
    p.add_argument("manifest", metavar="MANIFEST")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("presets", help="list the built-in presets")
    common(p)
    p.set_defaults(func=cmd_presets)

    p = sub.add_parser("fetch", help="a Prometheus range query as a trace CSV (for --trace)",
                       description="Runs a range query (GET /api/v1/query_range) and writes the "
                       "result as a trace CSV, with the query and range as '#' comments.")
    p.add_argument("--prometheus", metavar="URL", required=True, type=_prometheus_url,
                   help="the server, http://HOST[:PORT] (port 9090 by default)")
    p.add_argument("--query", metavar="PROMQL", required=True, type=_non_empty, help="the PromQL expression")
    p.add_argument("--start", metavar="TIME", required=True, type=_time_arg,
                   help="epoch seconds, ISO 8601 (2024-03-01T12:00:00Z), 'now' or 'now-6h'")
    p.add_argument("--end", metavar="TIME", required=True, type=_time_arg, help="as --start")
    p.add_argument("--step", metavar="S", required=True, type=_duration,
                   help="seconds between points, or 15s, 1m, 1h (at most 11,000 points)")
    p.add_argument("--output", metavar="FILE.csv", type=_output_path, default=None,
                   help="write the trace here (default: stdout)")
    p.add_argument("--save-json", metavar="FILE.json", type=_output_path, default=None,
                   help="also save Prometheus' response as received")
    p.add_argument("--timeout", metavar="S", type=_POSITIVE, default=30.0,
                   help="read timeout in seconds (default 30)")
    _add_series_options(p, "series")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("serve", help="run agentscale-serve, the KEDA external scaler "
                       "(docs/serve.md); every argument goes to it",
                       description="Runs the agentscale-serve program (a C++ program built "
                       "with CMake where gRPC is installed: the target agentscale_serve_program) "
                       "with the arguments given, e.g. `agentscale serve --config DIR`. The "
                       "program is $AGENTSCALE_SERVE_BIN, else agentscale-serve on PATH.")
    p.add_argument("serve_args", nargs="*", metavar="ARG",
                   help="arguments of agentscale-serve (--config DIR, --listen, ...), "
                   "options included")
    p.set_defaults(func=cmd_serve)

    # Errors found after parsing are reported as argparse reports its own:
    # the subcommand's usage line, "agentscale CMD: error: ...", exit 2.
    for subparser in sub.choices.values():
        subparser.set_defaults(parser_=subparser)
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    """Replaces this process with agentscale-serve and the given arguments."""
    program = os.environ.get("AGENTSCALE_SERVE_BIN") or shutil.which("agentscale-serve")
    if not program:
        raise UsageError(
            "agentscale-serve not found: set AGENTSCALE_SERVE_BIN or put it on PATH; build it "
            "with `cmake --build build --target agentscale_serve_program` (it needs Debian's "
            "libgrpc++-dev, libprotobuf-dev, protobuf-compiler and protobuf-compiler-grpc)")
    if not os.access(program, os.X_OK):
        raise UsageError(f"{program} is not an executable program")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(program, [program, *args.serve_args])
    return 0  # pragma: no cover (execv does not return)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit code (0 ok, 1 findings: lint
    warnings or failed sweep points, 2 usage or input error)."""
    parser = build_parser()
    arg_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if arg_list[:1] == ["serve"]:
            # Everything after `serve` is agentscale-serve's, options included.
            args = parser.parse_args(["serve"])
            args.serve_args = arg_list[1:]
        else:
            args = parser.parse_args(arg_list)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    prefix = f"agentscale {args.command}: error: "
    try:
        return int(args.func(args))
    except UsageError as e:
        try:
            args.parser_.error(str(e))
        except SystemExit:
            pass
        return EXIT_USAGE
    except KeyError as e:
        print(prefix + (str(e.args[0]) if e.args else "unknown name"), file=sys.stderr)
        return EXIT_USAGE
    except OSError as e:
        text = str(e)
        if e.strerror:
            text = e.strerror + (f": {e.filename}" if e.filename else "")
        print(prefix + text, file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError, agentscale.Error) as e:
        print(prefix + str(e), file=sys.stderr)
        return EXIT_USAGE
    except ImportError as e:  # an optional extra that is not installed
        print(prefix + str(e), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
