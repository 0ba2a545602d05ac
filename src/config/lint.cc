// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/lint.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/schedule/cron.h"
#include "agentscale/observation.h"

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

std::vector<LintFinding> LintSpec(const hpa::AutoscalerSpec& spec, const LintOptions& options) {
  const std::string name = spec.name.empty() ? "<unnamed>" : spec.name;
  std::vector<LintFinding> out;

  std::optional<absl::Duration> window;
  if (spec.behavior.has_value()) window = spec.behavior->scale_down.stabilization_window;
  const absl::Duration effective =
      window.value_or(options.config.downscale_stabilization_window);
  if (effective < kMinScaleDownWindow) {
    out.push_back({"short-scale-down-window", name,
                   "spec.behavior.scaleDown.stabilizationWindowSeconds",
                   absl::StrCat("scale-down stabilization window is ",
                                G(absl::ToDoubleSeconds(effective)), "s (under ",
                                G(absl::ToDoubleSeconds(kMinScaleDownWindow)),
                                "s): replicas will flap when load dips briefly; Kubernetes' "
                                "default is 300s")});
  }

  if (spec.min_replicas == spec.max_replicas) {
    out.push_back({"fixed-size", name, "spec.minReplicas",
                   absl::StrCat("minReplicas == maxReplicas == ", spec.max_replicas,
                                ": the autoscaler can never scale")});
  } else {
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

}  // namespace agentscale::config
