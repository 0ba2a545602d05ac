// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Lint: risky settings in an autoscaler spec, found by reading it and by
// driving the engine itself. `agentscale lint` and Python's agentscale.lint
// call these.
//
//   for (const config::LintFinding& f : config::LintSpec(spec)) {
//     std::cout << f.rule << " " << f.field << ": " << f.message << "\n";
//   }
//
// Rules, in the order LintSpec reports them. Each finding is a "warning"
// except tolerance-edge's, which are "info" (LintFinding::severity): worth
// knowing, not worth failing a check over; `agentscale lint` exits 1 only
// for warnings.
// The troubleshooting ones (no-metrics to tolerance-edge) name what an HPA
// does with a setting that looks harmless, and what to change:
//   no-metrics               the manifest names no metrics, so Kubernetes
//                            scales on Resource cpu Utilization 80% (the
//                            loader applies that default and records it in
//                            LoadedManifests::metrics_defaulted; LintOptions
//                            ::metrics_defaulted passes it on). Agents that
//                            wait on I/O or on a queue hardly use CPU.
//   short-scale-down-window  the scale-down stabilization window in force
//                            (the behavior's, else the controller's) is
//                            under 60 s: replicas flap when load dips.
//   scale-down-disabled      scaleDown.selectPolicy Disabled: the fleet
//                            never shrinks (the two rules after this one
//                            are then skipped).
//   scale-down-faster-than-metrics  the scale-down stabilization window,
//                            or a scale-down policy's periodSeconds, is
//                            shorter than the window the metric itself is
//                            averaged over: the HPA removes agents again
//                            before the metric shows the last removal, and
//                            overshoots. The metrics window is
//                            LintOptions::metrics_window when set (e.g. 5m
//                            for a rate(...[5m]) adapter query); unset, it
//                            is known only for Pods, Object and External
//                            metrics, assumed served by the seed's adapter
//                            query avg_over_time(...[1m]) (the agent
//                            model's adapter_window). Resource metrics come
//                            from metrics-server at a resolution lint
//                            cannot see, so they are checked only with an
//                            explicit metrics_window.
//   scale-up-disabled        scaleUp.selectPolicy Disabled: the fleet never
//                            grows (slow-scale-up and
//                            scale-up-window-over-startup are then skipped).
//   fixed-size               minReplicas == maxReplicas.
//   slow-scale-up            the scale-up behavior cannot take the fleet
//                            from minReplicas to maxReplicas within 10
//                            minutes; found by driving the engine with
//                            unbounded demand at a 15 s sync, committing
//                            every rescale, so windows, Pods/Percent
//                            policies and selectPolicy act as they would
//                            live (TimeToMaxReplicas).
//   scale-up-window-over-startup  the scale-up stabilization window is
//                            longer than an agent takes to start
//                            (LintOptions::startup_delay, default the agent
//                            model's): the window, not the start, is what
//                            a rise waits for.
//   no-slot-headroom         an app_active_task_count target at or above
//                            the agents' slots: a full agent never exceeds
//                            it, so the queue grows unseen.
//   tolerance-edge           a Pods AverageValue target T where some whole
//                            per-agent value v in 0..slots gives v / T
//                            exactly 1 + tolerance or 1 - tolerance (the
//                            engine's per-direction tolerances): there the
//                            float64 comparison decides whether the HPA
//                            scales, and Kubernetes >= 1.33's inclusive band
//                            and the older |1 - ratio| <= tolerance can
//                            disagree (kubernetes#116984). The finding names
//                            such a value, what the engine does at it, and
//                            the nearest whole target without one.
//
// KEDA ScaledObjects (LintScaledObject) get what KEDA users trip on, then
// the rules above applied to the HPA KEDA generates (fields named as the
// ScaledObject spells them):
//   keda-cooldown-from-poll  scale to zero (or idle) is possible: the
//                            cooldown counts from the last poll that saw a
//                            trigger active, not from the last task's end.
//   keda-outage-to-zero      scale to zero is possible and no fallback is
//                            set: a failed trigger reads as inactive, so a
//                            metrics outage longer than the cooldown
//                            scales a busy fleet to zero.
//   keda-static-fallback     fallback.behavior static: during an outage
//                            the fleet goes to fallback.replicas even when
//                            it runs more (a trigger wanted more).
//   keda-fallback-modifiers  fallback with scalingModifiers: a nil
//                            composite becomes fallback.replicas x target,
//                            which the formula's own scale does not apply to.
//   keda-idle-not-zero       idleReplicaCount other than 0 (KEDA honours
//                            only 0, keda#2314).
//   keda-zero-without-activity  minReplicaCount 0 (or idle) with only
//                            cpu/memory triggers: they cannot wake a fleet
//                            at zero.
//   keda-cron-dst            a cron trigger's start or end falls in a
//                            wall-clock hour its zone skips or repeats in
//                            the coming year: KEDA's window then stays open
//                            about a day, never opens, or opens late.
//   keda-cron-above-max      a cron trigger's desiredReplicas is above
//                            maxReplicaCount (the HPA clamps it).
//
// Prometheus rule files (LintPrometheusRules; config/alert_rules.h loads
// them):
//   counter-function-on-gauge  increase(), rate() or irate() over a gauge:
//                            a kube-state-metrics HPA gauge (kube_hpa_* or
//                            kube_horizontalpodautoscaler_*, which
//                            agentscale's own metrics also export) or a
//                            workload's replica gauge. Those functions read
//                            every fall of the value as a counter reset and
//                            add the value back, so one scale-down looks
//                            like a burst of scale-ups: the seed's
//                            AgentScalingTooFrequent,
//                            increase(kube_hpa_status_desired_replicas[5m])
//                            > 3, fires on a single step from 10 to 9. The
//                            finding gives the expression with changes(),
//                            which counts scale events
//                            (CountChangesInstead); the run summary
//                            evaluates the same corrected rule
//                            (sim::ScalingTooFrequentChangesExpr).
//
// LintFile reads one file, a manifest or a rule file (a top-level `groups`
// key), and lints all of it.
#ifndef AGENTSCALE_CONFIG_LINT_H_
#define AGENTSCALE_CONFIG_LINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/config/alert_rules.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_object.h"

namespace agentscale::config {

struct LintFinding {
  std::string rule;        // "short-scale-down-window", ...
  // metadata.name, or "<unnamed>"; in a rule file, the alert's (or the
  // recording rule's) name.
  std::string autoscaler;
  std::string field;       // e.g. "spec.behavior.scaleUp"
  std::string message;
  // "warning", or "info" for what is worth knowing but needs no change
  // (tolerance-edge).
  std::string severity = "warning";
  // "<file>:<line>:<col>" where the finding points, when known (rule files).
  std::string location;

  friend bool operator==(const LintFinding& a, const LintFinding& b) {
    return a.rule == b.rule && a.autoscaler == b.autoscaler && a.field == b.field &&
           a.message == b.message && a.severity == b.severity && a.location == b.location;
  }
};

struct LintOptions {
  // The agents' task slots (no-slot-headroom).
  int32_t slots = 100;
  hpa::ControllerConfig config;
  // slow-scale-up: how long the fleet may take to reach maxReplicas.
  absl::Duration scale_up_horizon = absl::Minutes(10);
  // keda-cron-dst looks at the zone's changes in the year from this
  // instant; unset: now.
  std::optional<absl::Time> now;
  // scale-down-faster-than-metrics: the window the metrics are averaged
  // over (an adapter query's range, metrics-server's resolution); unset:
  // the agent model's adapter window for Pods, Object and External metrics,
  // and Resource metrics unchecked (see the rule).
  std::optional<absl::Duration> metrics_window;
  // scale-up-window-over-startup: how long an agent takes to start; unset:
  // the agent model's default (sim::AgentModelOptions::startup_delay).
  std::optional<absl::Duration> startup_delay;
  // no-metrics: the spec's metrics are the loader's default, not the
  // manifest's (LoadedManifests::metrics_defaulted). LintManifests sets it
  // for each autoscaler.
  bool metrics_defaulted = false;
};

struct ScaleUpProbe {
  // From minReplicas to maxReplicas under unbounded demand; unset if not
  // reached within the horizon.
  std::optional<absl::Duration> time_to_max;
  int32_t reached = 0;  // the replicas reached by then
};

// Drives a copy of `spec`'s engine (its behavior and bounds, one Pods metric
// far above target) at a 15 s sync. Errors: a spec the engine refuses.
absl::StatusOr<ScaleUpProbe> TimeToMaxReplicas(
    const hpa::AutoscalerSpec& spec, const hpa::ControllerConfig& config = {},
    absl::Duration horizon = absl::Minutes(10));

// The findings for one validated spec, in the order of the rules above.
std::vector<LintFinding> LintSpec(const hpa::AutoscalerSpec& spec,
                                  const LintOptions& options = {});

// The findings for one validated ScaledObject (see above).
std::vector<LintFinding> LintScaledObject(const keda::ScaledObjectSpec& so,
                                          const LintOptions& options = {});

// The findings for a rule file (counter-function-on-gauge).
std::vector<LintFinding> LintPrometheusRules(const PrometheusRuleFile& rules);

// `expr` with every increase(), rate() and irate() whose argument reads a
// gauge (see counter-function-on-gauge) replaced by changes(); `expr` itself
// when there is none. increase(kube_hpa_status_desired_replicas[5m]) > 3
// becomes changes(kube_hpa_status_desired_replicas[5m]) > 3.
std::string CountChangesInstead(const std::string& expr);

// What linting one file found.
struct LintReport {
  std::string source;  // the file name
  std::string kind;    // "manifest" or "prometheus-rules"
  // The autoscalers and ScaledObjects (manifest), or the rules' names
  // (rule file), in file order.
  std::vector<std::string> objects;
  std::vector<LintFinding> findings;
};

// Every HPA and ScaledObject of a loaded manifest, linted (each HPA with its
// metrics_defaulted flag); the loader's warnings come first, as findings of
// rule "load-warning". InvalidArgument when there is neither an HPA nor a
// ScaledObject.
absl::StatusOr<LintReport> LintManifests(const LoadedManifests& loaded,
                                         const LintOptions& options = {});

// Reads `path`: a Prometheus rule file when its top-level mapping has
// `groups`, else a manifest, loaded as `load` says (strict or lenient, every
// object or the one named; load.config's feature gates). A lenient load's
// fills reach the report as load-warning findings. Load errors are the
// loaders' (file:line:col and the field); NotFound when the file is
// missing. `agentscale lint` loads leniently unless given --strict.
absl::StatusOr<LintReport> LintFile(const std::string& path, const LoadOptions& load,
                                    const LintOptions& options = {});

// As above, loading strictly, every object, with options.config's feature
// gates.
absl::StatusOr<LintReport> LintFile(const std::string& path, const LintOptions& options = {});

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_LINT_H_
