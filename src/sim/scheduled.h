// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The options' schedule around a policy the sim layer built from a spec
// (internal to the sim layer).
#ifndef AGENTSCALE_SRC_SIM_SCHEDULED_H_
#define AGENTSCALE_SRC_SIM_SCHEDULED_H_

#include <cmath>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/policy/policy.h"
#include "agentscale/schedule/schedule.h"

namespace agentscale::sim::internal {

// `policy` with `schedule` in force over [start, end) (Unix seconds), or
// `policy` itself without one.
inline absl::StatusOr<std::unique_ptr<Policy>> Scheduled(
    std::unique_ptr<Policy> policy, const std::optional<schedule::ScheduleSpec>& schedule,
    double start, double end) {
  if (!schedule.has_value()) return policy;
  if (!std::isfinite(start) || !std::isfinite(end) || !(start < end)) {
    return absl::InvalidArgumentError("a schedule needs a trace with a finite span");
  }
  return schedule::WithSchedule(std::move(policy), *schedule, absl::FromUnixSeconds(static_cast<int64_t>(std::floor(start))),
                                absl::FromUnixSeconds(static_cast<int64_t>(std::ceil(end)) + 1));
}

// The Policy entry points run the policy they are given.
inline absl::Status NoSchedule(const std::optional<schedule::ScheduleSpec>& schedule) {
  if (!schedule.has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "options.schedule applies to a spec; wrap a Policy with schedule::WithSchedule");
}

}  // namespace agentscale::sim::internal

#endif  // AGENTSCALE_SRC_SIM_SCHEDULED_H_
