// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/lint.h"

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/replica_calculator.h"
#include "agentscale/observation.h"
#include "agentscale/schedule/cron.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"

namespace agentscale::config {
namespace {

constexpr char kTaskMetric[] = "app_active_task_count";
constexpr char kProbeMetric[] = "agentscale_lint_load";
constexpr absl::Duration kMinScaleDownWindow = absl::Seconds(60);
constexpr absl::Duration kSync = absl::Seconds(15);

// A number as Python's "{:g}" writes it: 300 -> "300", 0.5 -> "0.5".
std::string G(double x) { return absl::StrFormat("%g", x); }

// "Pods 2 per 30s, selectPolicy Max, window 60s".
std::string Policies(const hpa::AutoscalerSpec& spec, bool up) {
  if (!spec.behavior.has_value()) return "Kubernetes' default behavior";
  const hpa::ScalingRules& rules = up ? spec.behavior->scale_up : spec.behavior->scale_down;
  std::vector<std::string> parts;
  for (const hpa::ScalingPolicy& p : rules.policies) {
    parts.push_back(absl::StrCat(hpa::PolicyTypeName(p.type), " ", p.value, " per ",
                                 G(absl::ToDoubleSeconds(p.period)), "s"));
  }
  std::string text = parts.empty() ? "no policies" : absl::StrJoin(parts, ", ");
  absl::StrAppend(&text, ", selectPolicy ", hpa::SelectPolicyName(rules.select_policy));
  if (rules.stabilization_window.has_value()) {
    absl::StrAppend(&text, ", window ", G(absl::ToDoubleSeconds(*rules.stabilization_window)),
                    "s");
  }
  return text;
}

}  // namespace

absl::StatusOr<ScaleUpProbe> TimeToMaxReplicas(const hpa::AutoscalerSpec& spec,
                                               const hpa::ControllerConfig& config,
                                               absl::Duration horizon) {
  hpa::AutoscalerSpec probe = spec;
  probe.metrics = {hpa::MetricSpec::PodsAverageValue(kProbeMetric, 1)};
  absl::StatusOr<HorizontalAutoscaler> engine = HorizontalAutoscaler::Create(probe, config);
  if (!engine.ok()) return engine.status();
  ScaleUpProbe out;
  int32_t replicas = spec.min_replicas;
  Observation obs;
  Decision d;
  const absl::Time t0 = absl::UnixEpoch();
  for (absl::Duration t = absl::ZeroDuration(); t <= horizon; t += kSync) {
    if (replicas >= spec.max_replicas) {
      out.time_to_max = t;
      break;
    }
    const absl::Time now = t0 + t;
    obs = Observation();
    obs.current_replicas = replicas;
    obs.AddReadyPods(replicas);
    MetricObservation& load = obs.AddMetric(kProbeMetric);
    for (const hpa::Pod& p : obs.pods) load.AddPodValue(p.name, 1e6, now);
    if (absl::Status st = engine->Evaluate(now, obs, &d); !st.ok()) return st;
    if (d.rescale) {
      if (absl::Status st = engine->Commit(d); !st.ok()) return st;
      replicas = d.desired_replicas;
      if (replicas >= spec.max_replicas) {
        out.time_to_max = t;
        break;
      }
    }
  }
  out.reached = replicas;
  return out;
}

namespace {

// A metrics window for every metric of `spec` that has one known (see
// LintOptions::metrics_window): the longest, and the metric it belongs to.
struct MetricsWindow {
  absl::Duration window = absl::ZeroDuration();
  std::string metric;  // "app_active_task_count", or "" for the option
  bool known = false;
};

MetricsWindow WindowOf(const hpa::AutoscalerSpec& spec, const LintOptions& options) {
  MetricsWindow out;
  if (options.metrics_window.has_value()) {
    out.window = *options.metrics_window;
    out.known = true;
    return out;
  }
  const absl::Duration adapter = sim::AgentModelOptions{}.adapter_window;
  for (const hpa::MetricSpec& m : spec.metrics) {
    const bool adapter_served = m.type == hpa::MetricSourceType::kPods ||
                                m.type == hpa::MetricSourceType::kObject ||
                                m.type == hpa::MetricSourceType::kExternal;
    if (adapter_served && (!out.known || adapter > out.window)) {
      out.window = adapter;
      out.metric = m.name;
      out.known = true;
    }
  }
  return out;
}

std::string Seconds(absl::Duration d) { return absl::StrCat(G(absl::ToDoubleSeconds(d)), "s"); }

// The words for what the metrics window is, in a message.
std::string WindowWords(const MetricsWindow& w) {
  if (w.metric.empty()) return absl::StrCat("the ", Seconds(w.window), " metrics window");
  return absl::StrCat("the ", Seconds(w.window), " window ", w.metric,
                      " is averaged over (the seed's adapter query avg_over_time(...[",
                      G(absl::ToDoubleMinutes(w.window)),
                      "m]); --metrics-window if yours differs)");
}

// The tolerances the engine applies to `spec` (per direction; the
// controller's where the behavior sets none or the gate is off).
hpa::Tolerances TolerancesOf(const hpa::AutoscalerSpec& spec, const hpa::ControllerConfig& config) {
  absl::StatusOr<HorizontalAutoscaler> engine = HorizontalAutoscaler::Create(spec, config);
  if (engine.ok()) return engine->tolerances();
  return hpa::Tolerances{config.tolerance, config.tolerance};
}

// Whether v / target (both in milli-units) is 1 + tolerance exactly (sign
// +1) or 1 - tolerance (sign -1), in exact arithmetic on the tolerance as a
// decimal of up to six places (what a manifest writes); a tolerance with
// more places is compared to 1e-12.
bool OnEdge(int64_t v_milli, int64_t target_milli, double tolerance, int sign) {
  const double micro = tolerance * 1e6;
  const double rounded = std::round(micro);
  if (std::fabs(micro - rounded) < 1e-6 && std::fabs(rounded) < 1e12) {
    const __int128 lhs = static_cast<__int128>(v_milli) * 1000000;
    const __int128 rhs =
        static_cast<__int128>(target_milli) * (1000000 + sign * static_cast<int64_t>(rounded));
    return lhs == rhs;
  }
  const double ratio = static_cast<double>(v_milli) / static_cast<double>(target_milli);
  return std::fabs(ratio - (1.0 + sign * tolerance)) <= 1e-12;
}

struct Edge {
  int32_t value = 0;
  bool up = false;  // 1 + tolerance (else 1 - tolerance)
};

// The whole per-agent values 0..slots on an edge of `tol` for `target_milli`.
std::vector<Edge> EdgesOf(int64_t target_milli, const hpa::Tolerances& tol, int32_t slots) {
  std::vector<Edge> out;
  for (int32_t v = 0; v <= slots; ++v) {
    const int64_t v_milli = static_cast<int64_t>(v) * 1000;
    if (OnEdge(v_milli, target_milli, tol.scale_up, +1)) out.push_back({v, true});
    if (OnEdge(v_milli, target_milli, tol.scale_down, -1)) out.push_back({v, false});
  }
  return out;
}

void LintToleranceEdge(const hpa::AutoscalerSpec& spec, const LintOptions& options,
                       const std::string& name, std::vector<LintFinding>* out) {
  const hpa::Tolerances tol = TolerancesOf(spec, options.config);
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const hpa::MetricSpec& m = spec.metrics[i];
    if (m.type != hpa::MetricSourceType::kPods || !m.target.average_value_milli.has_value()) {
      continue;
    }
    const int64_t target = *m.target.average_value_milli;
    if (target <= 0) continue;
    const std::vector<Edge> edges = EdgesOf(target, tol, options.slots);
    if (edges.empty()) continue;
    // The example: the first upper edge (a scale-up decided by rounding
    // matters most), else the first lower one.
    size_t pick = 0;
    for (size_t k = 0; k < edges.size(); ++k) {
      if (edges[k].up) {
        pick = k;
        break;
      }
    }
    const Edge& e = edges[pick];
    const double t = e.up ? tol.scale_up : tol.scale_down;
    // The engine's own comparison, on the ratio it computes for a fleet
    // whose every agent reports e.value (AverageValue: usage / target).
    const double ratio =
        static_cast<double>(static_cast<int64_t>(e.value) * 1000) / static_cast<double>(target);
    const bool within = tol.IsWithin(ratio);
    // Kubernetes before 1.33: math.Abs(1.0-usageRatio) <= tolerance.
    const bool legacy_within = std::fabs(1.0 - ratio) <= t;
    const std::string action = e.up ? "scale-up" : "scale-down";
    const std::string target_text = G(static_cast<double>(target) / 1000.0);
    std::string msg = absl::StrCat(
        "when every agent reports ", e.value, ", the usage ratio ", e.value, "/", target_text,
        " is exactly 1 ", e.up ? "+" : "-", " tolerance ", G(t),
        ", so float64 rounding decides: this engine and Kubernetes >= 1.33 (",
        e.up ? "ratio <= 1 + tolerance" : "1 - tolerance <= ratio", ") read it as ",
        within ? absl::StrCat("within tolerance (no ", action, ")") : action);
    if (legacy_within != within) {
      absl::StrAppend(&msg, ", while Kubernetes before 1.33 (|1 - ratio| <= tolerance) ",
                      legacy_within ? absl::StrCat("did not ", e.up ? "scale up" : "scale down")
                                    : absl::StrCat("did ", e.up ? "scale up" : "scale down"));
    }
    std::vector<std::string> others;
    for (size_t k = 0; k < edges.size() && others.size() < 3; ++k) {
      if (k != pick) others.push_back(absl::StrCat(edges[k].value));
    }
    if (!others.empty()) {
      absl::StrAppend(&msg, "; also at ", absl::StrJoin(others, ", "),
                      edges.size() - 1 > others.size() ? ", ..." : "");
    }
    // The nearest whole target (above first) with no edge in 0..slots.
    const int64_t whole = (target + 999) / 1000;
    for (int64_t d = 0; d <= 1000; ++d) {
      bool found = false;
      for (int64_t cand : {whole + d, whole - d}) {
        if (cand < 1 || cand * 1000 == target) continue;
        if (EdgesOf(cand * 1000, tol, options.slots).empty()) {
          absl::StrAppend(&msg, "; a target no whole count lands on the edge of, such as ", cand,
                          ", lets the load decide");
          found = true;
          break;
        }
      }
      if (found) break;
    }
    // Information, not a warning: every target that is a multiple of 10
    // has edges at tolerance 0.1, the seed's presets among them, and the
    // fleet is one replica off at most for one exact load.
    out->push_back({"tolerance-edge", name,
                    absl::StrCat("spec.metrics[", i, "].pods.target.averageValue"), msg,
                    "info"});
  }
}

}  // namespace

std::vector<LintFinding> LintSpec(const hpa::AutoscalerSpec& spec, const LintOptions& options) {
  const std::string name = spec.name.empty() ? "<unnamed>" : spec.name;
  std::vector<LintFinding> out;
  const bool up_disabled = spec.behavior.has_value() &&
                           spec.behavior->scale_up.select_policy == hpa::SelectPolicy::kDisabled;
  const bool down_disabled =
      spec.behavior.has_value() &&
      spec.behavior->scale_down.select_policy == hpa::SelectPolicy::kDisabled;

  if (options.metrics_defaulted) {
    out.push_back({"no-metrics", name, "spec.metrics",
                   "no metrics: Kubernetes then scales on Resource cpu Utilization 80% of the "
                   "pods' requests; agents that wait on I/O or on a queue hardly use CPU, so "
                   "the fleet may never grow under load. Name the metric to scale on, e.g. a "
                   "Pods metric app_active_task_count with an AverageValue target"});
  }

  std::optional<absl::Duration> window;
  if (spec.behavior.has_value()) window = spec.behavior->scale_down.stabilization_window;
  const absl::Duration effective =
      window.value_or(options.config.downscale_stabilization_window);
  if (!down_disabled && effective < kMinScaleDownWindow) {
    out.push_back({"short-scale-down-window", name,
                   "spec.behavior.scaleDown.stabilizationWindowSeconds",
                   absl::StrCat("scale-down stabilization window is ",
                                G(absl::ToDoubleSeconds(effective)), "s (under ",
                                G(absl::ToDoubleSeconds(kMinScaleDownWindow)),
                                "s): replicas will flap when load dips briefly; Kubernetes' "
                                "default is 300s")});
  }

  if (down_disabled) {
    out.push_back({"scale-down-disabled", name, "spec.behavior.scaleDown.selectPolicy",
                   "scaleDown.selectPolicy is Disabled: the fleet never shrinks, so it keeps "
                   "(and bills) every agent its highest load ever asked for; remove "
                   "selectPolicy: Disabled (or set Min or Max) to let it scale down"});
  } else {
    const MetricsWindow mw = WindowOf(spec, options);
    // Under 60 s short-scale-down-window has spoken already, unless the
    // metrics window is longer than that.
    if (mw.known && effective < mw.window &&
        (effective >= kMinScaleDownWindow || mw.window > kMinScaleDownWindow)) {
      out.push_back(
          {"scale-down-faster-than-metrics", name,
           "spec.behavior.scaleDown.stabilizationWindowSeconds",
           absl::StrCat("scale-down stabilization window ", Seconds(effective),
                        " is shorter than ", WindowWords(mw),
                        ": the HPA can remove agents again before the metric shows the last "
                        "removal, so it overshoots and scales back up; make the window at "
                        "least ", Seconds(mw.window))});
    }
    if (mw.known && spec.behavior.has_value()) {
      const std::vector<hpa::ScalingPolicy>& ps = spec.behavior->scale_down.policies;
      for (size_t i = 0; i < ps.size(); ++i) {
        if (ps[i].period >= mw.window) continue;
        out.push_back(
            {"scale-down-faster-than-metrics", name,
             absl::StrCat("spec.behavior.scaleDown.policies[", i, "].periodSeconds"),
             absl::StrCat("scale-down policy ", hpa::PolicyTypeName(ps[i].type), " ", ps[i].value,
                          " per ", Seconds(ps[i].period), " acts faster than ", WindowWords(mw),
                          ": each step is taken before the metric reflects the one before, "
                          "so the fleet shrinks further than the load warrants; make "
                          "periodSeconds at least ",
                          G(absl::ToDoubleSeconds(mw.window)))});
        break;  // one policy named is enough
      }
    }
  }

  if (up_disabled) {
    out.push_back({"scale-up-disabled", name, "spec.behavior.scaleUp.selectPolicy",
                   "scaleUp.selectPolicy is Disabled: the fleet never grows past the agents it "
                   "has, so load beyond their slots queues; remove selectPolicy: Disabled (or "
                   "set Max) to let it scale up"});
  }

  if (spec.min_replicas == spec.max_replicas) {
    out.push_back({"fixed-size", name, "spec.minReplicas",
                   absl::StrCat("minReplicas == maxReplicas == ", spec.max_replicas,
                                ": the autoscaler can never scale")});
  } else if (!up_disabled) {
    absl::StatusOr<ScaleUpProbe> probe =
        TimeToMaxReplicas(spec, options.config, options.scale_up_horizon);
    if (probe.ok() && !probe->time_to_max.has_value()) {
      out.push_back(
          {"slow-scale-up", name, "spec.behavior.scaleUp",
           absl::StrCat("scale-up cannot reach maxReplicas ", spec.max_replicas,
                        " from minReplicas ", spec.min_replicas, " within ",
                        G(absl::ToDoubleMinutes(options.scale_up_horizon)), " minutes (reaches ",
                        probe->reached, "; ", Policies(spec, true), ")")});
    }
  }

  const absl::Duration startup =
      options.startup_delay.value_or(sim::AgentModelOptions{}.startup_delay);
  if (!up_disabled && spec.behavior.has_value() &&
      spec.behavior->scale_up.stabilization_window.value_or(absl::ZeroDuration()) > startup) {
    const absl::Duration up = *spec.behavior->scale_up.stabilization_window;
    out.push_back({"scale-up-window-over-startup", name,
                   "spec.behavior.scaleUp.stabilizationWindowSeconds",
                   absl::StrCat("scale-up stabilization window ", Seconds(up),
                                " is longer than the ", Seconds(startup),
                                " an agent takes to start (--startup-delay): the fleet reacts "
                                "to a rise later than it takes to start an agent, so tasks "
                                "queue for the window before any new agent is asked for; a "
                                "window of at most ",
                                G(absl::ToDoubleSeconds(startup)),
                                "s still ignores spikes shorter than a start")});
  }

  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const hpa::MetricSpec& m = spec.metrics[i];
    if (m.type != hpa::MetricSourceType::kPods || m.name != kTaskMetric) continue;
    if (!m.target.average_value_milli.has_value()) continue;
    const double target = static_cast<double>(*m.target.average_value_milli) / 1000.0;
    if (target >= options.slots) {
      out.push_back({"no-slot-headroom", name,
                     absl::StrCat("spec.metrics[", i, "].pods.target.averageValue"),
                     absl::StrCat("target ", G(target), " tasks per agent is not below the agents' ",
                                  options.slots,
                                  " slots: a full agent never exceeds it, so the queue grows "
                                  "without a scale-up")});
    }
  }

  LintToleranceEdge(spec, options, name, &out);
  return out;
}

namespace {

// The first wall-clock minute in [from, to) that `s` names, if any.
std::optional<absl::CivilMinute> NamedIn(const schedule::CronSchedule& s, absl::CivilMinute from,
                                         absl::CivilMinute to) {
  for (absl::CivilMinute m = from; m < to; ++m) {
    if (s.Matches(absl::CivilSecond(m))) return m;
  }
  return std::nullopt;
}

// keda-cron-dst: the zone's changes in the year after `now` against the
// window's start and end (KEDA's rule, schedule::CronWindow).
void LintCronDst(const std::string& name, size_t index, const keda::CronTrigger& cron,
                 absl::Time now, std::vector<LintFinding>* out) {
  absl::StatusOr<schedule::CronWindow> w =
      schedule::CronWindow::Create(cron.start, cron.end, cron.timezone);
  if (!w.ok()) return;
  const absl::TimeZone& zone = w->zone();
  const std::string path = absl::StrCat("spec.triggers[", index, "].metadata");
  absl::Time t = now;
  const absl::Time until = now + absl::Hours(24 * 366);
  absl::TimeZone::CivilTransition tr;
  while (t < until && zone.NextTransition(t, &tr)) {
    const absl::Time at = zone.At(tr.to).trans;
    if (at >= until || at <= t) break;
    t = at;
    const bool gap = tr.to > tr.from;
    const absl::CivilMinute lo(gap ? tr.from : tr.to);
    const absl::CivilMinute hi(gap ? tr.to : tr.from);
    if (lo == hi) continue;  // a change of zone name, not of the clock
    const std::optional<absl::CivilMinute> start = NamedIn(w->start(), lo, hi);
    const std::optional<absl::CivilMinute> end = NamedIn(w->end(), lo, hi);
    if (!start && !end) continue;
    const std::string day = absl::FormatCivilTime(absl::CivilDay(lo));
    std::string what;
    if (gap) {
      what = start && end   ? "neither happens, so the window does not open that day"
             : start        ? "the start never happens, so the next instant after the day "
                              "before's end is an end: KEDA holds the window open from that end "
                              "to this one, about a day"
                            : "the end never happens, so the window stays open until the next end";
    } else {
      what = start && end ? "both happen twice, so the window opens twice"
             : start      ? "the start happens twice, so at the first the next instant is a start "
                            "again and the window opens only at the second, an hour late"
                          : "the end happens twice; the window closes at the first";
    }
    out->push_back({"keda-cron-dst", name, path + (start ? ".start" : ".end"),
                    absl::StrCat(gap ? "on " : "on ", day, " ", cron.timezone, " ",
                                 gap ? "skips " : "repeats ",
                                 absl::FormatCivilTime(lo).substr(11), "-",
                                 absl::FormatCivilTime(hi).substr(11), ", where ",
                                 start ? "start \"" + cron.start + "\"" : "",
                                 start && end ? " and " : "",
                                 end ? "end \"" + cron.end + "\"" : "", " fall: ", what)});
    return;  // one finding per trigger
  }
}

}  // namespace

std::vector<LintFinding> LintScaledObject(const keda::ScaledObjectSpec& so,
                                          const LintOptions& options) {
  const std::string name = so.name.empty() ? "<unnamed>" : so.name;
  std::vector<LintFinding> out;
  bool any_external = false;
  for (const keda::Trigger& t : so.triggers) {
    any_external = any_external || t.kind == keda::TriggerKind::kExternal;
  }
  const bool to_idle = so.min_replica_count == 0 || so.idle_replica_count.has_value();
  if (to_idle && any_external) {
    out.push_back(
        {"keda-cooldown-from-poll", name, "spec.cooldownPeriod",
         absl::StrCat("the fleet scales to ", so.idle_replica_count.value_or(0), " ",
                      so.cooldown_period_seconds,
                      " s after the last poll that saw a trigger active (polls every ",
                      so.polling_interval_seconds,
                      " s), not after the last task ends: agents still working then are "
                      "stopped unless they drain (keda#157)")});
  }
  if (to_idle && any_external && !so.fallback.has_value()) {
    out.push_back({"keda-outage-to-zero", name, "spec.fallback",
                   absl::StrCat("no fallback: when the trigger's source (Prometheus) is down, "
                                "KEDA reads the trigger as inactive and scales the fleet to ",
                                so.idle_replica_count.value_or(0), " once the cooldown (",
                                so.cooldown_period_seconds,
                                " s) has passed, busy or not; a fallback with replicas > 0 "
                                "keeps it up")});
  }
  if (so.fallback.has_value() && so.fallback->behavior == keda::FallbackBehavior::kStatic &&
      so.fallback->replicas < so.max_replica_count) {
    out.push_back({"keda-static-fallback", name, "spec.fallback.behavior",
                   absl::StrCat("static fallback: during a metrics outage the fleet goes to ",
                                so.fallback->replicas,
                                " replicas even when it runs more; currentReplicasIfHigher "
                                "keeps a larger fleet")});
  }
  if (so.fallback.has_value() && so.scaling_modifiers.has_value()) {
    out.push_back({"keda-fallback-modifiers", name, "spec.fallback",
                   absl::StrCat("with scalingModifiers a nil composite falls back to "
                                "fallback.replicas x target (",
                                so.fallback->replicas, " x ", G(so.scaling_modifiers->target),
                                "); a formula that scales trigger values (a sum, a product) "
                                "makes that a different count than the formula would give")});
  }
  if (so.idle_replica_count.has_value() && *so.idle_replica_count != 0) {
    out.push_back({"keda-idle-not-zero", name, "spec.idleReplicaCount",
                   absl::StrCat("idleReplicaCount ", *so.idle_replica_count,
                                ": KEDA honours only 0 (keda#2314)")});
  }
  if (to_idle && !any_external && !so.triggers.empty()) {
    out.push_back({"keda-zero-without-activity", name,
                   so.idle_replica_count.has_value() ? "spec.idleReplicaCount"
                                                     : "spec.minReplicaCount",
                   "only cpu/memory triggers: at zero replicas there is no usage to read, so "
                   "nothing scales the fleet back up; set minReplicaCount to 1 or add an "
                   "event trigger"});
  }
  for (size_t i = 0; i < so.triggers.size(); ++i) {
    const keda::Trigger& t = so.triggers[i];
    if (!t.cron.has_value()) continue;
    LintCronDst(name, i, *t.cron, options.now.value_or(absl::Now()), &out);
    if (t.cron->desired_replicas > so.max_replica_count) {
      out.push_back({"keda-cron-above-max", name,
                     absl::StrCat("spec.triggers[", i, "].metadata.desiredReplicas"),
                     absl::StrCat("desiredReplicas ", t.cron->desired_replicas,
                                  " is above maxReplicaCount ", so.max_replica_count,
                                  ": the window gives ", so.max_replica_count)});
    }
  }
  absl::StatusOr<hpa::AutoscalerSpec> hpa = keda::GeneratedHpa(so);
  if (hpa.ok()) {
    for (LintFinding f : LintSpec(*hpa, options)) {
      f.autoscaler = name;
      if (f.field.rfind("spec.behavior", 0) == 0) {
        f.field = "spec.advanced.horizontalPodAutoscalerConfig.behavior" +
                  f.field.substr(std::string("spec.behavior").size());
      } else if (f.field == "spec.minReplicas") {
        f.field = "spec.minReplicaCount";
      } else if (f.field == "spec.maxReplicas") {
        f.field = "spec.maxReplicaCount";
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

namespace {

// kube-state-metrics' HPA metrics (every one a gauge, under both the names
// of kube-state-metrics before 2.0 and after), which agentscale's own
// metrics also export (drivers/self_metrics.h), and the replica gauges of
// the workloads an HPA scales.
bool IsKnownGauge(absl::string_view metric) {
  for (absl::string_view prefix :
       {"kube_hpa_", "kube_horizontalpodautoscaler_", "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas", "kube_statefulset_replicas",
        "kube_statefulset_status_replicas", "kube_replicaset_spec_replicas",
        "kube_replicaset_status_replicas"}) {
    if (absl::StartsWith(metric, prefix)) return true;
  }
  return false;
}

bool IdentStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}
bool IdentChar(char c) {
  return IdentStart(c) || absl::ascii_isdigit(static_cast<unsigned char>(c));
}

// The end of the quoted string starting at `i` (one past its closing quote).
size_t SkipString(const std::string& s, size_t i) {
  const char q = s[i];
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\' && q != '`') {
      ++i;
    } else if (s[i] == q) {
      return i + 1;
    }
  }
  return s.size();
}

// One past the ')' matching the '(' at `open`.
size_t MatchingParen(const std::string& s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size();) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(s, i);
      continue;
    }
    if (c == '#') {  // a comment, to the end of the line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) return i + 1;
    ++i;
  }
  return s.size();
}

// The metric names a PromQL fragment selects: identifiers outside braces
// and brackets that are not functions, keywords or numbers, and the values
// of __name__ matchers.
std::vector<std::string> MetricNames(const std::string& s) {
  static const char* const kKeywords[] = {"by",        "without",     "on",   "ignoring",
                                          "group_left", "group_right", "offset", "bool",
                                          "and",       "or",          "unless", "atan2",
                                          "inf",       "nan",         "start", "end"};
  std::vector<std::string> out;
  int braces = 0, brackets = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(s, i);
      continue;
    }
    if (c == '#') {
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (c == '{') ++braces;
    if (c == '}') --braces;
    if (c == '[') ++brackets;
    if (c == ']') --brackets;
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '.') {
      while (i < s.size() && (IdentChar(s[i]) || s[i] == '.')) ++i;  // 5m, 0.5, 1e3
      continue;
    }
    if (!IdentStart(c)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && IdentChar(s[j])) ++j;
    const std::string word = s.substr(i, j - i);
    if (braces > 0) {
      // A label matcher: __name__="x" names the metric.
      if (word == "__name__") {
        size_t k = j;
        while (k < s.size() && (s[k] == ' ' || s[k] == '=' || s[k] == '~' || s[k] == '!')) ++k;
        if (k < s.size() && (s[k] == '"' || s[k] == '\'')) {
          const size_t end = SkipString(s, k);
          out.push_back(s.substr(k + 1, end - k - 2));
        }
      }
      i = j;
      continue;
    }
    size_t k = j;
    while (k < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[k]))) ++k;
    bool keyword = false;
    for (const char* kw : kKeywords) keyword = keyword || absl::EqualsIgnoreCase(word, kw);
    if (brackets == 0 && !keyword && (k >= s.size() || s[k] != '(')) out.push_back(word);
    i = j;
  }
  return out;
}

// A call of increase(), rate() or irate() whose argument reads a gauge.
struct GaugeCall {
  size_t offset = 0;     // of the function's name in the expression
  std::string function;  // "increase", "rate", "irate"
  std::string gauge;     // the first gauge its argument reads
};

std::vector<GaugeCall> CounterCallsOnGauges(const std::string& expr) {
  std::vector<GaugeCall> out;
  for (size_t i = 0; i < expr.size();) {
    const char c = expr[i];
    if (c == '"' || c == '\'' || c == '`') {
      i = SkipString(expr, i);
      continue;
    }
    if (c == '#') {
      while (i < expr.size() && expr[i] != '\n') ++i;
      continue;
    }
    if (!IdentStart(c) || (i > 0 && IdentChar(expr[i - 1]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < expr.size() && IdentChar(expr[j])) ++j;
    const std::string word = expr.substr(i, j - i);
    size_t k = j;
    while (k < expr.size() && absl::ascii_isspace(static_cast<unsigned char>(expr[k]))) ++k;
    if ((word == "increase" || word == "rate" || word == "irate") && k < expr.size() &&
        expr[k] == '(') {
      const size_t close = MatchingParen(expr, k);
      for (const std::string& m : MetricNames(expr.substr(k + 1, close - k - 1))) {
        if (IsKnownGauge(m)) {
          out.push_back({i, word, m});
          break;
        }
      }
    }
    i = j;
  }
  return out;
}

}  // namespace

std::string CountChangesInstead(const std::string& expr) {
  std::string out;
  size_t from = 0;
  for (const GaugeCall& call : CounterCallsOnGauges(expr)) {
    absl::StrAppend(&out, expr.substr(from, call.offset - from), "changes");
    from = call.offset + call.function.size();
  }
  absl::StrAppend(&out, expr.substr(from));
  return out;
}

std::vector<LintFinding> LintPrometheusRules(const PrometheusRuleFile& rules) {
  std::vector<LintFinding> out;
  for (const PrometheusRule& r : rules.rules) {
    const std::vector<GaugeCall> calls = CounterCallsOnGauges(r.expr);
    if (calls.empty()) continue;
    const GaugeCall& first = calls.front();
    const std::string corrected = CountChangesInstead(r.expr);
    const bool per_second = first.function != "increase";
    std::string msg = absl::StrCat(
        first.function, "() over ", first.gauge,
        ", a gauge: it is meant for counters and reads every fall of the value as a counter "
        "reset, adding the value back, so a single scale-down (10 -> 9 replicas) counts as a "
        "rise of about 9",
        r.alert.empty() ? "" : " and can fire this alert",
        "; changes() counts scale events in either direction: ", corrected);
    if (per_second) {
      absl::StrAppend(&msg, " (", first.function,
                      "() was per second; changes() counts events in the window, so set the "
                      "threshold in events)");
    }
    const std::pair<int, int> at = r.PositionOf(first.offset);
    LintFinding f{"counter-function-on-gauge", r.alert.empty() ? r.record : r.alert,
                  r.path + ".expr", msg};
    f.location = absl::StrCat(rules.source, ":", at.first, ":", at.second);
    out.push_back(std::move(f));
  }
  return out;
}

absl::StatusOr<LintReport> LintManifests(const LoadedManifests& loaded,
                                         const LintOptions& options) {
  if (loaded.autoscalers.empty() && loaded.scaled_objects.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(loaded.source,
                     ": no HorizontalPodAutoscaler (autoscaling/v2) or ScaledObject "
                     "(keda.sh/v1alpha1) found"));
  }
  LintReport report;
  report.source = loaded.source;
  report.kind = "manifest";
  for (const std::string& w : loaded.warnings) {
    report.findings.push_back({"load-warning", "", "", w});
  }
  for (size_t i = 0; i < loaded.autoscalers.size(); ++i) {
    LintOptions o = options;
    o.metrics_defaulted = i < loaded.metrics_defaulted.size() && loaded.metrics_defaulted[i];
    report.objects.push_back(loaded.autoscalers[i].name);
    for (LintFinding& f : LintSpec(loaded.autoscalers[i], o)) {
      report.findings.push_back(std::move(f));
    }
  }
  for (const keda::ScaledObjectSpec& so : loaded.scaled_objects) {
    report.objects.push_back(so.name);
    for (LintFinding& f : LintScaledObject(so, options)) report.findings.push_back(std::move(f));
  }
  return report;
}

absl::StatusOr<LintReport> LintFile(const std::string& path, const LintOptions& options) {
  LoadOptions load;
  load.config = options.config;
  return LintFile(path, load, options);
}

absl::StatusOr<LintReport> LintFile(const std::string& path, const LoadOptions& load,
                                    const LintOptions& options) {
  AGENTSCALE_ASSIGN_OR_RETURN(const std::string text,
                              yaml_fields::ReadConfigFile(path, "manifest or rule",
                                                          load.yaml_limits.max_bytes));
  if (IsPrometheusRuleFile(text)) {
    if (!load.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": a Prometheus rule file; a name picks an object of a manifest (\"",
          load.name, "\")"));
    }
    AGENTSCALE_ASSIGN_OR_RETURN(PrometheusRuleFile rules,
                                LoadPrometheusRulesString(text, path));
    LintReport report;
    report.source = path;
    report.kind = "prometheus-rules";
    for (const PrometheusRule& r : rules.rules) {
      report.objects.push_back(r.alert.empty() ? r.record : r.alert);
    }
    report.findings = LintPrometheusRules(rules);
    return report;
  }
  AGENTSCALE_ASSIGN_OR_RETURN(LoadedManifests loaded,
                              LoadManifestString(text, path, load));
  return LintManifests(loaded, options);
}

}  // namespace agentscale::config
