"""Independent reference model of /work/shared/spec/KEDA_REPLAY.md (the fluid
replay of a KEDA ScaledObject), written from that text and the sections of
HPA_SPEC.md it cites (§3, §4.4/§4.6/§4.7, §6, §7, §8). It deliberately shares
no code with agentscale: it is the oracle the CLI is checked against.

Section references: "K§n" is KEDA_REPLAY.md, "H§n" is HPA_SPEC.md.

Instants are kept as exact integer offsets d = t - t0 (K§4); wall-clock
times are only formed for the output.

A second trigger of type cron is modelled beside the prometheus one, from
PEER_FORMULAS.md §1 "Cron scaler" ("P§1 cron"): its metric is desiredReplicas
inside [start, end) in the timezone and 0 outside, it is active inside, and
its HPA target is AverageValue 1. The window is found by brute force: every
UTC minute of the replay (and a week beyond) is converted to local wall time
with zoneinfo and matched against the cron fields; at offset d the window is
open when the next end is no later than the next start (both strictly after
d), and a missing next instant counts as earlier than any time.
"""

from __future__ import annotations

import bisect
import datetime
import math
import zoneinfo
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Sequence, Union

# --- constants -------------------------------------------------------------

SYNC_PERIOD = 15          # K§2 "Sync period 15 s", K§4 sync instants
TOLERANCE = 0.1           # K§2 "Tolerance 0.1 both ways"
LEGACY_WINDOW = 300       # H§6 / H§1 downscale stabilization flag (5 min)
SCALE_UP_LIMIT_FACTOR = 2.0   # H§1, legacy path only
SCALE_UP_LIMIT_MINIMUM = 4.0  # H§1, legacy path only
MAX_INT32 = 2**31 - 1
MIN_INT32 = -(2**31)

Number = Union[int, float]
Json = dict[str, Any]   # a parsed YAML mapping
Policy = tuple[str, int, int]   # (type, value, periodSeconds)


# --- K§1 / K§2: the ScaledObject and the HPA KEDA generates ----------------

@dataclass(frozen=True)
class Rules:
    """One direction of a defaulted HPA behavior (H§8)."""
    window: int                       # stabilizationWindowSeconds
    select: str                       # "Max" | "Min" | "Disabled"
    policies: tuple[Policy, ...]


# --- P§1 cron: the cron trigger -------------------------------------------

_MONTHS = {n: i + 1 for i, n in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_DAYS = {n: i for i, n in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


def _cron_field(text: str, lo: int, hi: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """One cron field: a comma list of *, N, N-M, each with an optional /step.
    Returns (values, starred)."""
    values: set[int] = set()
    starred = False

    def num(x: str) -> int:
        return names[x.lower()] if x.lower() in names else int(x)

    for part in text.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if rng in ("*", "?"):
            a, b = lo, hi
            starred = starred or step == 1
        elif "-" in rng:
            x, y = rng.split("-")
            a, b = num(x), num(y)
        else:
            a = num(rng)
            b = hi if step_text else a
        if not (lo <= a <= b <= hi) or step < 1:
            raise ValueError(f"bad cron field {text!r}")
        values.update(range(a, b + 1, step))
    return values, starred


@dataclass(frozen=True)
class CronLine:
    minute: frozenset[int]
    hour: frozenset[int]
    dom: frozenset[int]
    month: frozenset[int]
    dow: frozenset[int]
    any_day: bool   # day-of-month or day-of-week written as *: both must match

    @staticmethod
    def parse(text: str) -> "CronLine":
        f = text.split()
        if len(f) != 5:
            raise ValueError(f"a cron line has five fields: {text!r}")
        mi, _ = _cron_field(f[0], 0, 59, {})
        ho, _ = _cron_field(f[1], 0, 23, {})
        dm, dm_star = _cron_field(f[2], 1, 31, {})
        mo, _ = _cron_field(f[3], 1, 12, _MONTHS)
        dw, dw_star = _cron_field(f[4], 0, 6, _DAYS)
        return CronLine(frozenset(mi), frozenset(ho), frozenset(dm), frozenset(mo),
                        frozenset(dw), dm_star or dw_star)

    def matches(self, local: datetime.datetime) -> bool:
        if local.minute not in self.minute or local.hour not in self.hour:
            return False
        if local.month not in self.month:
            return False
        dom = local.day in self.dom
        dow = (local.weekday() + 1) % 7 in self.dow   # Python: Monday 0
        return (dom and dow) if self.any_day else (dom or dow)


@dataclass(frozen=True)
class Cron:
    start: CronLine
    end: CronLine
    zone: str
    desired: int


def cron_events(c: Cron, t0: int, span: int) -> tuple[list[int], list[int]]:
    """Offsets from t0 of every start and every end instant in the replay and
    a week after it: each UTC minute, read in the zone, matched."""
    tz = zoneinfo.ZoneInfo(c.zone)
    first = (t0 // 60) * 60
    starts: list[int] = []
    ends: list[int] = []
    for minute in range(first, t0 + span + 8 * 86400, 60):
        local = datetime.datetime.fromtimestamp(minute, tz)
        if c.start.matches(local):
            starts.append(minute - t0)
        if c.end.matches(local):
            ends.append(minute - t0)
    return starts, ends


def cron_open(starts: list[int], ends: list[int], d: int) -> bool:
    """P§1 cron: open when the next end (strictly after d) is no later than
    the next start; a missing one is earlier than any time."""
    i = bisect.bisect_right(starts, d)
    j = bisect.bisect_right(ends, d)
    ns = starts[i] if i < len(starts) else -math.inf
    ne = ends[j] if j < len(ends) else -math.inf
    if ns < ne:
        return d > ns and d < ne
    return d > ns or d < ne


@dataclass(frozen=True)
class Model:
    # KEDA side (K§1 table)
    P: int              # pollingInterval
    C: int              # cooldownPeriod
    IC: int             # initialCooldownPeriod
    mn: int             # minReplicaCount
    mx: int             # maxReplicaCount
    idle: Optional[int]  # idleReplicaCount (None = unset)
    act: float          # activationThreshold
    # HPA side (K§2)
    hmin: int
    hmax: int
    target: int         # T, milli-units
    value_type: bool    # True for metricType Value, False for AverageValue
    up: Optional[Rules]    # None <=> the HPA has no behavior (legacy H§6)
    down: Optional[Rules]
    cron: Optional[Cron] = None   # a second trigger of type cron (P§1 cron)


def _number(x: Any) -> float:
    """A number given as a YAML string ("50") or, leniently, as a YAML number."""
    if isinstance(x, bool):
        raise ValueError(f"not a number: {x!r}")
    return float(str(x).strip())


def _int_field(spec: Json, key: str, default: int, minimum: int) -> int:
    v = spec.get(key)
    if v is None:
        return default
    if isinstance(v, bool) or int(v) != v:
        raise ValueError(f"spec.{key} must be an integer, got {v!r}")
    v = int(v)
    if v < minimum:
        raise ValueError(f"spec.{key} must be >= {minimum}, got {v}")
    return v


# H§8 defaults for a non-nil behavior.
_DEFAULT_UP_POLICIES: tuple[Policy, ...] = (("Pods", 4, 15), ("Percent", 100, 15))
_DEFAULT_DOWN_POLICIES: tuple[Policy, ...] = (("Percent", 100, 15),)


def _rules(raw: Any, *, default_window: int,
           default_policies: tuple[Policy, ...]) -> Rules:
    """Default one direction of a non-nil behavior (H§8; H§7.1 for the
    scale-down window: unset means the controller's flag, 300 s)."""
    raw = raw or {}
    if raw.get("tolerance") is not None:
        # K§1: per-direction tolerance is outside this model.
        raise NotImplementedError("behavior tolerance is outside the KEDA replay model")
    raw_window = raw.get("stabilizationWindowSeconds")
    window = default_window if raw_window is None else int(raw_window)
    select = str(raw.get("selectPolicy") or "Max")
    if select not in ("Max", "Min", "Disabled"):
        raise ValueError(f"bad selectPolicy {select!r}")
    pols_raw = raw.get("policies")
    if not pols_raw:
        # A user-supplied list replaces the default whole (H§8); an absent
        # (or empty) list gets the default.
        policies = default_policies
    else:
        policies = tuple(
            (str(p["type"]), int(p["value"]), int(p["periodSeconds"])) for p in pols_raw
        )
        for typ, _, _ in policies:
            if typ not in ("Pods", "Percent"):
                raise ValueError(f"bad policy type {typ!r}")
    return Rules(window, select, policies)


def parse_scaled_object(so: Json) -> Model:
    """K§1 (fields and defaults) and K§2 (the generated HPA)."""
    if so.get("kind") != "ScaledObject" or not str(so.get("apiVersion", "")).startswith("keda.sh/"):
        raise ValueError("not a keda.sh ScaledObject")
    spec = so.get("spec") or {}

    P = _int_field(spec, "pollingInterval", 30, 1)
    C = _int_field(spec, "cooldownPeriod", 300, 0)
    IC = _int_field(spec, "initialCooldownPeriod", 0, 0)
    mn = _int_field(spec, "minReplicaCount", 0, 0)
    mx = _int_field(spec, "maxReplicaCount", 100, 1)
    idle = spec.get("idleReplicaCount")
    if idle is not None:
        idle = int(idle)
        if not idle < mn:
            raise ValueError("idleReplicaCount must be < minReplicaCount")
        if idle != 0:
            # K§1: "KEDA only honours 0"; what a non-zero value would do is
            # not described, so the model refuses it.
            raise NotImplementedError("idleReplicaCount other than 0")

    triggers = spec.get("triggers") or []
    cron: Optional[Cron] = None
    if len(triggers) == 2 and triggers[1].get("type") == "cron":
        cm = triggers[1].get("metadata") or {}
        cron = Cron(CronLine.parse(str(cm["start"])), CronLine.parse(str(cm["end"])),
                    str(cm["timezone"]), int(str(cm["desiredReplicas"])))
        triggers = triggers[:1]
    if len(triggers) != 1 or triggers[0].get("type") != "prometheus":
        raise NotImplementedError("one prometheus trigger (and optionally a cron one) is modelled")
    trig = triggers[0]
    meta = trig.get("metadata") or {}
    metric_type = trig.get("metricType") or "AverageValue"
    if metric_type not in ("AverageValue", "Value"):
        raise ValueError(f"bad metricType {metric_type!r}")
    if str(meta.get("ignoreNullValues", "true")).strip().lower() != "true":
        raise NotImplementedError("ignoreNullValues: false is outside the model")
    if meta.get("threshold") is None:
        raise ValueError("threshold is required")
    thr = _number(meta["threshold"])
    act = _number(meta["activationThreshold"]) if meta.get("activationThreshold") is not None else 0.0

    # K§2: T = trunc(thr * 1000), KEDA's int64(value*1000) (float64 product).
    target = int(thr * 1000.0)
    if target <= 0:
        raise ValueError("threshold must give a positive milli target")

    # K§2: behavior as written, defaulted per H§8; absent/null => no behavior.
    advanced = spec.get("advanced") or {}
    hpa_cfg = advanced.get("horizontalPodAutoscalerConfig") or {}
    behavior = hpa_cfg.get("behavior")  # None (absent or `behavior:`) vs {} matter
    if behavior is None:
        up = down = None
    else:
        up = _rules(behavior.get("scaleUp"), default_window=0,
                    default_policies=_DEFAULT_UP_POLICIES)
        down = _rules(behavior.get("scaleDown"), default_window=LEGACY_WINDOW,
                      default_policies=_DEFAULT_DOWN_POLICIES)

    return Model(P=P, C=C, IC=IC, mn=mn, mx=mx, idle=idle, act=act,
                 hmin=mn if mn > 0 else 1, hmax=mx, target=target,
                 value_type=(metric_type == "Value"), up=up, down=down, cron=cron)


# --- K§3: the trace ----------------------------------------------------------

def null_to_zero(v: Optional[float]) -> float:
    """K§3 ignoreNullValues: no series (None), NaN or +-Inf count as 0."""
    if v is None:
        return 0.0
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return 0.0
    return v


def parse_value_field(text: str) -> Optional[float]:
    """One CSV value field. Empty means "no series" (None); NaN/Inf/+Inf/-Inf
    in any case parse to the float (null_to_zero maps them to 0)."""
    text = text.strip()
    if text == "":
        return None
    return float(text)


def load_trace(path: Union[str, Path]) -> list[tuple[Number, Optional[float]]]:
    """Read `timestamp_seconds,value` rows; `#` lines and the header are
    skipped (K§3). Integer timestamps stay ints (exact)."""
    rows: list[tuple[Number, Optional[float]]] = []
    header_seen = False
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            if line.split(",")[0].strip() == "timestamp_seconds":
                continue
        ts_text, _, val_text = line.partition(",")
        ts_text = ts_text.strip()
        try:
            ts: Number = int(ts_text)
        except ValueError:
            ts = float(ts_text)
        rows.append((ts, parse_value_field(val_text)))
    return rows


# --- HPA state and its pieces (H§6, H§7) -------------------------------------

@dataclass
class HpaState:
    # H§1: recommendations (replicas, ts) and scale events [change, ts, outdated].
    # recs is None until the first sync seeds it (K§5, K§7 step 1).
    recs: Optional[list[list[int]]] = None
    up_events: list[list[Any]] = field(default_factory=list)
    down_events: list[list[Any]] = field(default_factory=list)


def _within(ratio: float) -> bool:
    # H§4.0: inclusive band (1 - down) <= r <= (1 + up), float64.
    return (1.0 - TOLERANCE) <= ratio <= (1.0 + TOLERANCE)


def proposal(m: Model, s: int, R: int, T: Optional[int] = None,
             value_type: Optional[bool] = None) -> int:
    """K§7 step 3 (H§4.7 AverageValue with statusReplicas = R; H§4.6/§4.4
    Value with running-and-ready pods = R). T and value_type default to the
    prometheus trigger's."""
    T = m.target if T is None else T
    if not (m.value_type if value_type is None else value_type):
        ratio = float(s) / (float(T) * float(R))
        if _within(ratio):
            return R
        return min(math.ceil(float(s) / float(T)), MAX_INT32)
    ratio = float(s) / float(T)
    if _within(ratio):
        return R
    g = ratio * R
    if g > MAX_INT32:
        return MAX_INT32
    return math.ceil(g)


def _record(recs: list[list[int]], last_old: Optional[int], desired: int, now: int) -> None:
    """H§6 step 1 / H§7.2: overwrite the last old entry, else append."""
    if last_old is not None:
        recs[last_old] = [desired, now]
    else:
        recs.append([desired, now])


def normalize_legacy(m: Model, st: HpaState, current: int, desired: int, now: int) -> int:
    """H§6: max over the 300 s window (entries not before now - window),
    then the max(2*current, 4) up-limit and [Hmin, Hmax]."""
    assert st.recs is not None
    cutoff = now - LEGACY_WINDOW
    stabilized = desired
    last_old = None
    for i, (r, ts) in enumerate(st.recs):
        if ts < cutoff:           # strictly before the cutoff: old
            last_old = i
        else:
            stabilized = max(stabilized, r)
    _record(st.recs, last_old, desired, now)

    up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    max_allowed = up_limit if m.hmax > up_limit else m.hmax
    if stabilized < m.hmin:        # min check first, ignores the up-limit
        return m.hmin
    if stabilized > max_allowed:
        return max_allowed
    return stabilized


def _period_changes(st: HpaState, now: int, period: int) -> tuple[int, int]:
    """H§7.4: sums of up and down changes with timestamp after now - period
    (strict); outdated flags are ignored here."""
    start = now - period
    added = sum(c for c, ts, _ in st.up_events if ts > start)
    deleted = sum(c for c, ts, _ in st.down_events if ts > start)
    return added, deleted


def scale_up_limit(st: HpaState, rules: Rules, current: int, now: int) -> int:
    """H§7.4 scale-up limit."""
    if rules.select == "Disabled":
        return current
    use_min = rules.select == "Min"
    acc = MAX_INT32 if use_min else MIN_INT32
    for typ, value, period in rules.policies:
        added, deleted = _period_changes(st, now, period)
        start = current - added + deleted
        if typ == "Pods":
            p = start + value
        else:  # Percent: ceil in float64
            p = math.ceil(float(start) * (1.0 + float(value) / 100.0))
        acc = min(acc, p) if use_min else max(acc, p)
    return acc


def scale_down_limit(st: HpaState, rules: Rules, current: int, now: int) -> int:
    """H§7.4 scale-down limit (Min/Max reversed; Percent truncates)."""
    if rules.select == "Disabled":
        return current
    use_min = rules.select == "Min"   # Min = smallest removal = max of proposals
    acc = MIN_INT32 if use_min else MAX_INT32
    for typ, value, period in rules.policies:
        added, deleted = _period_changes(st, now, period)
        start = current - added + deleted
        if typ == "Pods":
            p = start - value
        else:  # Percent: trunc toward zero of the float64 product
            p = int(float(start) * (1.0 - float(value) / 100.0))
        acc = max(acc, p) if use_min else min(acc, p)
    return acc


def normalize_behavior(m: Model, st: HpaState, current: int, desired: int, now: int) -> int:
    """H§7.2 stabilization, then H§7.3 rate limits."""
    assert m.up is not None and m.down is not None and st.recs is not None
    up_cut = now - m.up.window
    down_cut = now - m.down.window
    up_rec = down_rec = desired
    last_old = None
    for i, (r, ts) in enumerate(st.recs):
        if ts > up_cut:
            up_rec = min(up_rec, r)
        if ts > down_cut:
            down_rec = max(down_rec, r)
        if ts < up_cut and ts < down_cut:
            last_old = i
    d = current
    if d < up_rec:
        d = up_rec
    if d > down_rec:
        d = down_rec
    _record(st.recs, last_old, desired, now)   # the raw desired is stored

    if d > current:
        L = scale_up_limit(st, m.up, current, now)
        if L < current:
            L = current
        max_allowed = L if m.hmax > L else m.hmax
        return max_allowed if d > max_allowed else d
    if d < current:
        L = scale_down_limit(st, m.down, current, now)
        if L > current:
            L = current
        min_allowed = L if m.hmin < L else m.hmin
        return min_allowed if d < min_allowed else d
    return d


def store_scale_event(m: Model, st: HpaState, prev: int, new: int, now: int) -> None:
    """H§7.5 (behavior only)."""
    if m.up is None or m.down is None:
        return
    rules: Rules
    if new > prev:
        events, rules, change = st.up_events, m.up, new - prev
    else:
        events, rules, change = st.down_events, m.down, prev - new
    longest = max((p for _, _, p in rules.policies), default=0)
    last_outdated = None
    for i, ev in enumerate(events):
        if ev[1] < now - longest:
            ev[2] = True               # sticky
        if ev[2]:
            last_outdated = i
    if last_outdated is not None:
        events[last_outdated] = [change, now, False]
    else:
        events.append([change, now, False])


# --- the replay (K§4 - K§8) --------------------------------------------------

def replay(scaled_object: Json,
           rows: Sequence[tuple[Number, Optional[float]]]) -> tuple[list[float], list[int]]:
    """Return (time_seconds, replicas) as K§8 defines them."""
    m = parse_scaled_object(scaled_object)
    if not rows:
        raise ValueError("empty trace")

    # K§3 / K§4: exact offsets of the rows from t0.
    t0 = Fraction(rows[0][0])
    offsets: list[Union[int, Fraction]] = []
    values: list[float] = []
    for ts, v in rows:
        o = Fraction(ts) - t0
        if offsets and o < offsets[-1]:
            raise ValueError("trace rows must be sorted by time")
        offsets.append(int(o) if o.denominator == 1 else o)
        values.append(null_to_zero(v))   # K§3 ignoreNullValues
    d_end = math.floor(offsets[-1])      # largest integer d with t0 + d <= tend

    def sample(d: int) -> float:
        # K§3: the last row with timestamp <= t; bisect_right puts us after
        # every row with an equal timestamp, so the later one wins.
        return values[bisect.bisect_right(offsets, d) - 1]

    # K§4: sync instants every 15 s, poll instants every P, both from d = 0.
    syncs = range(0, d_end + 1, SYNC_PERIOD)
    polls = range(0, d_end + 1, m.P)
    instants = sorted(set(syncs) | set(polls))

    # P§1 cron: the window's starts and ends as offsets.
    starts: list[int] = []
    ends: list[int] = []
    if m.cron is not None:
        if t0.denominator != 1:
            raise NotImplementedError("a cron trigger needs a whole-second t0")
        starts, ends = cron_events(m.cron, int(t0), d_end)

    def cron_value(d: int) -> Optional[int]:
        if m.cron is None:
            return None
        return m.cron.desired if cron_open(starts, ends, d) else 0

    # K§5: state at t0.
    R = max(m.mn, 1)
    last_active: Optional[int] = None   # an offset
    st = HpaState()

    out_t: list[float] = []
    out_r: list[int] = []

    for d in instants:
        v = sample(d)

        # K§4: on a shared instant the KEDA poll runs first.
        c = cron_value(d)
        if d % m.P == 0:
            R, last_active = keda_poll(m, R, last_active, v, d, c)

        if d % SYNC_PERIOD == 0:
            R = hpa_sync(m, st, R, v, d, c)
            # K§8: one output row per sync instant, after all actions there.
            out_t.append(float(t0 + d))
            out_r.append(R)

    return out_t, out_r


def keda_poll(m: Model, R: int, last_active: Optional[int], v: float, d: int,
              cron: Optional[int] = None) -> tuple[int, Optional[int]]:
    """K§6. Times are offsets from t0, so creation time is 0. Returns the new
    (R, lastActiveTime). KEDA's changes are not HPA events (K§6 last para).
    `cron`: the cron trigger's value (desiredReplicas when open, 0 when
    closed; None without one); an open window is active (P§1 cron)."""
    cron_active = cron is not None and m.cron is not None and cron == m.cron.desired
    if v > m.act or cron_active:                    # strict: v == act is inactive
        if R == 0 or (m.idle is not None and R < m.mn):
            R = max(m.mn, 1)
        return R, d
    # inactive: first matching rule only
    if (m.idle is not None and R > m.idle) or (R > 0 and m.mn == 0):
        if last_active is not None:
            cooled = last_active + m.C < d          # strict (Go's Before)
        else:
            cooled = 0 + m.IC < d                   # t0 + IC < t, strict
        if cooled:
            R = m.idle if m.idle is not None else m.mn
    elif m.idle is None and R < m.mn:
        R = m.mn
    return R, last_active


def hpa_sync(m: Model, st: HpaState, R: int, v: float, d: int,
             cron: Optional[int] = None) -> int:
    """K§7: one HPA reconcile at offset d with currentReplicas = R. With a
    cron trigger the HPA has a second External metric (target AverageValue
    1 = 1000 milli, value cron x 1000) and takes the larger proposal (H§4)."""
    if R == 0:
        return R   # scaling disabled; recs and events are kept (K§7 last para)

    # step 1 (H§3 step 2): seed once.
    if st.recs is None:
        st.recs = [[R, d]]

    # step 2 (H§3 step 4): out-of-range current jumps to the bound; no
    # metrics, stabilization or rate limits. It is still a rescale, so with
    # behavior a scale event is recorded (H§3 step 6).
    if R > m.hmax or R < m.hmin:
        new = m.hmax if R > m.hmax else m.hmin
        store_scale_event(m, st, R, new, d)
        return new

    # step 3: proposal from the milli-unit sample (K§3: s = trunc(v*1000)).
    s = int(v * 1000.0)
    desired = proposal(m, s, R)
    if cron is not None:
        desired = max(desired, proposal(m, cron * 1000, R, T=1000, value_type=False))

    # step 4: normalize.
    if m.up is None:
        new = normalize_legacy(m, st, R, desired, d)
    else:
        new = normalize_behavior(m, st, R, desired, d)

    # step 5.
    if new != R:
        store_scale_event(m, st, R, new, d)
        R = new
    return R


def replay_file(so_path: Union[str, Path], trace_path: Union[str, Path]
                ) -> tuple[list[float], list[int]]:
    """Convenience: YAML ScaledObject file + CSV trace file."""
    import yaml  # type: ignore[import-untyped,unused-ignore]
    with open(so_path) as f:
        so: Json = yaml.safe_load(f)
    return replay(so, load_trace(trace_path))


__all__ = ["replay", "replay_file", "load_trace", "parse_scaled_object", "Model", "Rules"]
