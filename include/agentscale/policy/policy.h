// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Policy: the seam every scaling policy family sits on. A policy is told
// what the fleet looks like at `now` (an Observation) and decides how many
// replicas it should run (a Decision); it is told when that decision was
// applied (Commit) or could not be (CommitFailed); its memory is a value it
// exports and imports (PolicyState, with a JSON form in policy/state.h).
//
//   std::unique_ptr<agentscale::Policy> policy = ...;  // an HPA, a combinator
//   agentscale::Decision d;
//   for (;;) {
//     absl::Time now = clock.Now();
//     Observation obs = Observe(policy->metrics());  // one per metric, in order
//     if (absl::Status s = policy->Decide(now, obs, &d); !s.ok()) { ... }
//     if (d.rescale && Apply(d.desired_replicas)) policy->Commit(d);
//     std::cout << d.Explain() << "\n";
//   }
//
// Families implement it (hpa/autoscaler.h: HorizontalAutoscaler);
// combinators (policy/combinators.h) wrap policies into one; the drivers
// (sim/fleet_loop.h, EvaluateSeries, the fluid replay, the agent model) take
// any Policy.
//
// What a policy reads is described in the HPA's vocabulary: metrics()
// returns one hpa::MetricSpec per metric (its name, its source type: Pods,
// Object, External, Resource, and its target), and a driver fills one
// MetricObservation per entry, named after it. A family that is not the HPA
// (KEDA triggers, AWS custom metrics) describes its inputs the same way.
//
// Hot path: Decide() with a reused Decision allocates nothing in steady
// state (HorizontalAutoscaler does not; combinators reuse their scratch).
// Dispatch is virtual: a call costs a few nanoseconds against a decision's
// hundreds (docs/benchmarks.md), and a driver that knows the concrete type
// calls it directly (HorizontalAutoscaler is final).
//
// Thread safety: a policy is not internally synchronized. Const methods
// may run concurrently; Decide/Commit/CommitFailed/ImportPolicyState need
// exclusive access.
#ifndef AGENTSCALE_POLICY_POLICY_H_
#define AGENTSCALE_POLICY_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/state.h"

namespace agentscale {

class Policy {
 public:
  virtual ~Policy() = default;

  // The family ("hpa", "fixed-step", ...) or combinator ("max-of", ...).
  virtual std::string family() const = 0;
  // The replica range the policy decides in (a combinator: the range it can
  // produce). Drivers size their pod pools by max_replicas().
  virtual int32_t min_replicas() const = 0;
  virtual int32_t max_replicas() const = 0;
  // The metrics the policy reads, in order (see above).
  virtual const std::vector<hpa::MetricSpec>& metrics() const = 0;

  // One decision at `now`, into `out` (its storage is reused). Errors are
  // for observations that cannot be read (time going backwards, a metric
  // the policy does not read); the policy's state is then untouched.
  virtual absl::Status Decide(absl::Time now, const Observation& obs,
                              Decision* out) = 0;
  absl::StatusOr<Decision> Decide(absl::Time now, const Observation& obs);

  // The caller applied decision.desired_replicas. Fails if `decision` is not
  // this policy's latest decision that asked for a rescale.
  virtual absl::Status Commit(Decision& decision) = 0;
  // The caller could not apply it.
  virtual absl::Status CommitFailed(Decision& decision,
                                    const absl::Status& error) = 0;

  // The policy's memory as a value; importing it into a policy of the same
  // configuration makes it decide as the exporter would.
  virtual PolicyState ExportPolicyState() const = 0;
  virtual absl::Status ImportPolicyState(const PolicyState& state) = 0;

  // A copy with the same configuration and state.
  virtual std::unique_ptr<Policy> Clone() const = 0;

  // The sync period this policy asks for (the HPA's spec.syncPeriodSeconds),
  // or nullopt to sync at the driver's own period. Drivers that sync on a
  // clock (fluid replay, agent model, controller loops) honour it.
  virtual std::optional<absl::Duration> sync_period() const { return std::nullopt; }

 protected:
  Policy() = default;
  Policy(const Policy&) = default;
  Policy(Policy&&) = default;
  Policy& operator=(const Policy&) = default;
  Policy& operator=(Policy&&) = default;
};

}  // namespace agentscale

#endif  // AGENTSCALE_POLICY_POLICY_H_
