// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The fleet loop: the one "observe, decide, apply, commit" loop that every
// driver of a Policy runs. EvaluateSeries (recorded metrics), the fluid
// replay (a demand trace as a gauge) and the agent model (tasks, slots, a
// queue, startup delay) are fleet models on this loop, not copies of it; a
// new fleet model (node pools) or policy family (KEDA, AWS) plugs in without
// touching the others.
//
// At each sync time, in order:
//   1. fleet.AdvanceTo(sync)  the fleet runs up to the sync (events at the
//                             sync's own time come first);
//   2. fleet.Observe(sync, &obs)   fills what the policy reads;
//   3. policy.Decide(now, obs, &decision);
//   4. fleet.OnDecision(sync, decision)   sees the decision as made;
//   5. if decision.rescale and options.commit:
//        fleet.Apply(sync, decision.desired_replicas), then
//        policy.Commit(decision);
//   6. fleet.AfterSync(sync, decision)    records the state after it;
//   7. fleet.Finished()   true ends the loop early.
//
//   class MyFleet : public agentscale::sim::FleetModel { ... };
//   MyFleet fleet;
//   agentscale::sim::SyncSchedule times =
//       agentscale::sim::SyncSchedule::Periodic(t0, 15.0, n);
//   absl::Status st = agentscale::sim::RunFleetLoop(policy, fleet, times);
//
// The Observation and the Decision are reused from sync to sync, so a fleet
// model that rewrites values in place keeps the loop free of allocation.
#ifndef AGENTSCALE_SIM_FLEET_LOOP_H_
#define AGENTSCALE_SIM_FLEET_LOOP_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"

namespace agentscale::sim {

// When the syncs happen: `count` times `start + k * period` (seconds since
// the Unix epoch, as absl::Seconds(double)), or the given times (float
// seconds since the epoch rounded to the microsecond, as Python passes
// them; finite and not decreasing, or the sync fails).
class SyncSchedule {
 public:
  static SyncSchedule Periodic(double start_seconds, double period_seconds,
                               size_t count);
  static SyncSchedule Given(absl::Span<const double> unix_seconds);

  size_t size() const { return count_; }
  double SecondsAt(size_t k) const {
    return given_.empty() && count_ > 0 ? start_ + period_ * static_cast<double>(k)
                                        : given_[k];
  }
  // False for a non-finite given time.
  bool TimeAt(size_t k, absl::Time* out) const {
    if (given_.empty()) {
      *out = absl::UnixEpoch() + absl::Seconds(SecondsAt(k));
      return true;
    }
    return GivenTimeAt(k, out);
  }

 private:
  bool GivenTimeAt(size_t k, absl::Time* out) const;

  double start_ = 0;
  double period_ = 0;
  size_t count_ = 0;
  absl::Span<const double> given_;
};

class FleetModel {
 public:
  virtual ~FleetModel() = default;
  // Once, before the first sync: sets up the observation's metrics. The
  // default names one per metric of policy.metrics(), in order.
  virtual absl::Status Prepare(const Policy& policy, Observation* obs);
  // Runs the fleet up to `t` (seconds), including what happens at `t`
  // itself before a sync.
  virtual absl::Status AdvanceTo(double t) { return absl::OkStatus(); }
  // Fills `obs` for the policy: the scale, the pods, and one observation
  // metric observation Prepare() set up. Values go through
  // ToMilli/ToMilliShare.
  virtual absl::Status Observe(double t, absl::Time now, Observation* obs) = 0;
  // The decision as the policy made it, before it is applied or committed.
  virtual void OnDecision(double t, const Decision& decision) {}
  // Resizes the fleet to `desired` (a rescale decision, with commit on).
  virtual void Apply(double t, int32_t desired) = 0;
  // After the decision was applied and committed (or not).
  virtual void AfterSync(double t, const Decision& decision) {}
  // Asked after each sync: true ends the loop before the schedule's last
  // sync (the agent model's drain after its trace, once the queue is empty).
  virtual bool Finished() const { return false; }
};

struct FleetLoopOptions {
  // Commit every rescale decision after Apply(); without it nothing is
  // applied or committed.
  bool commit = true;
  // A decision for more replicas than this is an error rather than a fleet
  // the simulator would try to build (a policy asking for 2^31 agents).
  int32_t max_replicas = 1'000'000;
};

// The fleet models' own bound on a fleet they start (the initial count),
// the same as FleetLoopOptions::max_replicas.
inline absl::Status CheckFleetSize(int32_t replicas, const char* what) {
  const int32_t limit = FleetLoopOptions{}.max_replicas;
  if (replicas <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " is ", replicas,
                                                 " replicas, above the simulator's limit of ",
                                                 limit));
}

// Runs every sync of `schedule`. On error, *failed_sync (if given) is the
// index of the sync that failed; the syncs before it have run.
absl::Status RunFleetLoop(Policy& policy, FleetModel& fleet,
                          const SyncSchedule& schedule,
                          const FleetLoopOptions& options = {},
                          size_t* failed_sync = nullptr);

// The same loop for a policy and a fleet model whose types the caller knows
// (a `final` class): the calls are direct and inline, which the fluid replay
// and the agent model measure (docs/benchmarks.md §5). RunFleetLoop() is
// this with the two interfaces.
template <typename PolicyT, typename FleetT>
absl::Status RunFleetLoopWith(PolicyT& policy, FleetT& fleet,
                              const SyncSchedule& schedule,
                              const FleetLoopOptions& options = {},
                              size_t* failed_sync = nullptr) {
  size_t k = 0;
  auto fail = [&](absl::Status st) {
    if (failed_sync != nullptr) *failed_sync = k;
    return st;
  };
  Observation obs;
  if (absl::Status st = fleet.Prepare(policy, &obs); !st.ok()) return fail(st);
  Decision decision;
  for (; k < schedule.size(); ++k) {
    absl::Time now;
    if (!schedule.TimeAt(k, &now)) {
      return fail(absl::InvalidArgumentError("times must be finite"));
    }
    const double t = schedule.SecondsAt(k);
    if (absl::Status st = fleet.AdvanceTo(t); !st.ok()) return fail(st);
    if (absl::Status st = fleet.Observe(t, now, &obs); !st.ok()) return fail(st);
    if (absl::Status st = policy.Decide(now, obs, &decision); !st.ok()) return fail(st);
    fleet.OnDecision(t, decision);
    if (decision.rescale && options.commit) {
      if (decision.desired_replicas > options.max_replicas) {
        return fail(absl::InvalidArgumentError(absl::StrCat(
            "the policy asked for ", decision.desired_replicas, " replicas at ",
            absl::FormatTime(now, absl::UTCTimeZone()), ", above the simulator's limit of ",
            options.max_replicas, " (FleetLoopOptions::max_replicas)")));
      }
      fleet.Apply(t, decision.desired_replicas);
      if (absl::Status st = policy.Commit(decision); !st.ok()) return fail(st);
    }
    fleet.AfterSync(t, decision);
    if (fleet.Finished()) break;
  }
  return absl::OkStatus();
}

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_FLEET_LOOP_H_
