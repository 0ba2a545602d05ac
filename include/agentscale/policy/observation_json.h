// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The observation JSON format: one Observation, written by hand or saved
// by a tool, for `agentscale explain` and any policy's what-if.
//
//   {"time": 1767258000.0,                 optional: default_time
//    "current_replicas": 3,
//    "pods": [{"name": "agent-0", "phase": "Running", "ready": true}, ...],
//                                          optional: current_replicas Ready
//                                          pods agent-0, agent-1, ...
//    "metrics": {"app_active_task_count": {"agent-0": 80, "agent-1": 95},
//                "app_active_request_count": 40,
//                "agent_queue_depth": 120}}
//
// A metric's value is {pod: value} (per-pod samples) or one number: every
// pod's value for Pods and Resource metrics, the object's value for Object
// metrics, the one series' value for External metrics. Values are plain
// units; samples are stamped at `time` with a 60 s window. Metrics must be
// ones of `metrics` (the policy's). Errors read "SOURCE: field: problem", or
// "SOURCE:LINE:COL: invalid JSON: ..." for text that is not JSON; documents
// over 16 MiB are refused.
//
//   absl::StatusOr<agentscale::TimedObservation> o =
//       agentscale::ObservationFromJson(text, policy.metrics(), "obs.json");
//   if (o.ok()) policy.Decide(o->time, o->observation, &decision);
#ifndef AGENTSCALE_POLICY_OBSERVATION_JSON_H_
#define AGENTSCALE_POLICY_OBSERVATION_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/observation.h"

namespace agentscale {

struct TimedObservation {
  absl::Time time;
  Observation observation;
};

absl::StatusOr<TimedObservation> ObservationFromJson(
    const std::string& text, const std::vector<hpa::MetricSpec>& metrics,
    const std::string& source = "<observation>",
    absl::Time default_time = absl::UnixEpoch());

}  // namespace agentscale

#endif  // AGENTSCALE_POLICY_OBSERVATION_JSON_H_
