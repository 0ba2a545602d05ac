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

absl::Status SyncSchedule::TimeAt(size_t k, absl::Time* out) const {
  if (given_.empty()) {
    *out = absl::UnixEpoch() + absl::Seconds(SecondsAt(k));
    return absl::OkStatus();
  }
  const double x = given_[k];
  if (!std::isfinite(x)) return absl::InvalidArgumentError("times must be finite");
  // Rounded to the microsecond (the Python bindings' rule for a float time).
  const double s = std::floor(x);
  *out = absl::FromUnixSeconds(static_cast<int64_t>(s)) +
         absl::Microseconds(std::llround((x - s) * 1e6));
  return absl::OkStatus();
}

absl::Status FleetModel::Prepare(const Policy& policy, Observation* obs) {
  for (const hpa::MetricSpec& m : policy.metrics()) obs->AddMetric(m.name);
  return absl::OkStatus();
}

absl::Status RunFleetLoop(Policy& policy, FleetModel& fleet,
                          const SyncSchedule& schedule,
                          const FleetLoopOptions& options, size_t* failed_sync) {
  Observation obs;
  if (absl::Status st = fleet.Prepare(policy, &obs); !st.ok()) {
    if (failed_sync != nullptr) *failed_sync = 0;
    return st;
  }
  Decision decision;
  for (size_t k = 0; k < schedule.size(); ++k) {
    auto fail = [&](absl::Status st) {
      if (failed_sync != nullptr) *failed_sync = k;
      return st;
    };
    absl::Time now;
    if (absl::Status st = schedule.TimeAt(k, &now); !st.ok()) return fail(st);
    const double t = schedule.SecondsAt(k);
    if (absl::Status st = fleet.AdvanceTo(t); !st.ok()) return fail(st);
    if (absl::Status st = fleet.Observe(t, now, &obs); !st.ok()) return fail(st);
    if (absl::Status st = policy.Decide(now, obs, &decision); !st.ok()) return fail(st);
    fleet.OnDecision(t, decision);
    if (decision.rescale && options.commit) {
      fleet.Apply(t, decision.desired_replicas);
      if (absl::Status st = policy.Commit(decision); !st.ok()) return fail(st);
    }
    fleet.AfterSync(t, decision);
  }
  return absl::OkStatus();
}

}  // namespace agentscale::sim
