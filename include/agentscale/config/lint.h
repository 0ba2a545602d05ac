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
// Rules (each finding is a "warning"):
//   short-scale-down-window  the scale-down stabilization window in force
//                            (the behavior's, else the controller's) is
//                            under 60 s: replicas flap when load dips.
//   slow-scale-up            the scale-up behavior cannot take the fleet
//                            from minReplicas to maxReplicas within 10
//                            minutes; found by driving the engine with
//                            unbounded demand at a 15 s sync, committing
//                            every rescale, so windows, Pods/Percent
//                            policies and selectPolicy act as they would
//                            live (TimeToMaxReplicas).
//   fixed-size               minReplicas == maxReplicas.
//   no-slot-headroom         an app_active_task_count target at or above
//                            the agents' slots: a full agent never exceeds
//                            it, so the queue grows unseen.
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
#ifndef AGENTSCALE_CONFIG_LINT_H_
#define AGENTSCALE_CONFIG_LINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_object.h"

namespace agentscale::config {

struct LintFinding {
  std::string rule;        // "short-scale-down-window", ...
  std::string autoscaler;  // metadata.name, or "<unnamed>"
  std::string field;       // e.g. "spec.behavior.scaleUp"
  std::string message;
  std::string severity = "warning";

  friend bool operator==(const LintFinding& a, const LintFinding& b) {
    return a.rule == b.rule && a.autoscaler == b.autoscaler && a.field == b.field &&
           a.message == b.message && a.severity == b.severity;
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

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_LINT_H_
