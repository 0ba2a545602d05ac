// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/fleet_loop.h"

#include <cmath>
#include <cstdint>

#include "agentscale/hpa/spec.h"

namespace agentscale::sim {

SyncSchedule SyncSchedule::Periodic(double start_seconds, double period_seconds,
                                    size_t count) {
  SyncSchedule s;
  s.start_ = start_seconds;
  s.period_ = period_seconds;
  s.count_ = count;
  return s;
}

SyncSchedule SyncSchedule::Given(absl::Span<const double> unix_seconds) {
  SyncSchedule s;
  s.given_ = unix_seconds;
  s.count_ = unix_seconds.size();
  return s;
}

bool SyncSchedule::GivenTimeAt(size_t k, absl::Time* out) const {
  const double x = given_[k];
  if (!std::isfinite(x)) return false;
  // Rounded to the microsecond (the Python bindings' rule for a float time).
  const double s = std::floor(x);
  *out = absl::FromUnixSeconds(static_cast<int64_t>(s)) +
         absl::Microseconds(std::llround((x - s) * 1e6));
  return true;
}

absl::Status FleetModel::Prepare(const Policy& policy, Observation* obs) {
  for (const hpa::MetricSpec& m : policy.metrics()) obs->AddMetric(m.name);
  return absl::OkStatus();
}

absl::Status RunFleetLoop(Policy& policy, FleetModel& fleet,
                          const SyncSchedule& schedule,
                          const FleetLoopOptions& options, size_t* failed_sync) {
  return RunFleetLoopWith(policy, fleet, schedule, options, failed_sync);
}

}  // namespace agentscale::sim
