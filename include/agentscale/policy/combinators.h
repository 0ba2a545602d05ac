// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Combinators: policies made of policies. Each wraps one or more policies
// (any family) and is a Policy itself, so they nest and every driver runs
// them.
//
//   // An HPA whose minimum rises to 6 on month ends, never below a
//   // forecast's floor, scaled to zero when the queue is empty for 5 min.
//   std::unique_ptr<Policy> p = std::make_unique<HorizontalAutoscaler>(*hpa);
//   p = std::make_unique<BoundsOverride>(std::move(p), windows);
//   p = std::make_unique<FloorFrom>(std::move(p), "forecast", floor_at);
//   p = std::make_unique<Activation>(std::move(p), activation_options);
//
// Rules they share:
//   * Each decides by asking the wrapped policy first (with an Observation
//     holding just the metrics that policy reads), then changes the count;
//     what it changed is recorded in Decision::adjustments and explained.
//   * A wrapped policy is committed only when its own decision was applied
//     as it was made (the final count is the count it asked for); a decision
//     a combinator overrode is neither committed nor failed, and the wrapped
//     policy sees the new count at its next decision. This is how an HPA
//     behaves when something else resizes its target.
//   * State is the combinator's own (if any) plus one child per wrapped
//     policy (policy/state.h).
#ifndef AGENTSCALE_POLICY_COMBINATORS_H_
#define AGENTSCALE_POLICY_COMBINATORS_H_

#include <cstdint>
#include <functional>
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
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"

namespace agentscale {

// Building blocks for combinators (those here, and the families' own, e.g.
// forecast/policy.h).
namespace combinator {
bool Contains(const std::vector<hpa::MetricSpec>& metrics, const std::string& name);
// Sets out's final count to `to` and records the change as an Adjustment
// (nothing when it is the count already).
void Adjust(Decision* out, AdjustmentKind kind, const std::string& by, int32_t to);
// Commit / CommitFailed for a combinator: the wrapped policy is committed
// only when the applied count is the one it asked for (and it asked to
// rescale); the decision is marked committed either way.
absl::Status CommitInner(Policy& inner, bool inner_rescale, int32_t inner_desired,
                         Decision& decision);
absl::Status CommitFailedInner(Policy& inner, bool inner_rescale, int32_t inner_desired,
                               Decision& decision, const absl::Status& error);
// The total of `metric` in `obs` in plain units (the sum of an External
// metric's series, an Object's value, or a Pods metric's samples); nullopt
// when `obs` does not carry it. *failed (if given) says whether the read
// failed.
std::optional<double> ObservedTotal(const Observation& obs, const std::string& metric,
                                    bool* failed = nullptr);
}  // namespace combinator

// Copies into `out` the parts of `in` that a policy reading `metrics`
// needs: the scale, the pods, and the named metric observations in the
// order of `metrics` (a metric `in` does not observe is left out, so the
// policy treats it as failed). `out`'s storage is reused.
void ProjectObservation(const Observation& in,
                        const std::vector<hpa::MetricSpec>& metrics,
                        Observation* out);

// A window of time in which the replica bounds change: the seed's schedule
// ("month_end_surge"), an AWS scheduled action, a KEDA cron trigger's range.
struct BoundsWindow {
  std::string name;
  absl::Time start = absl::InfinitePast();   // in force from (inclusive)
  absl::Time end = absl::InfiniteFuture();   // until (exclusive)
  std::optional<int32_t> min_replicas;
  std::optional<int32_t> max_replicas;
};

// Clamps the wrapped policy's decision into the bounds in force at `now`:
// the highest min and the lowest max of the windows in force, on top of the
// wrapped policy's own range; where a min exceeds a max, the min wins (the
// fleet must run at least that many). Outside every window the decision is
// the wrapped policy's.
class BoundsOverride final : public Policy {
 public:
  // Errors: a window that ends before it starts, negative bounds.
  static absl::StatusOr<std::unique_ptr<BoundsOverride>> Create(
      std::unique_ptr<Policy> inner, std::vector<BoundsWindow> windows);

  std::string family() const override { return "bounds"; }
  int32_t min_replicas() const override;
  int32_t max_replicas() const override;
  const std::vector<hpa::MetricSpec>& metrics() const override {
    return inner_->metrics();
  }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs,
                      Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision,
                            const absl::Status& error) override;
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;
  std::optional<absl::Duration> sync_period() const override {
    return inner_->sync_period();
  }

  const Policy& inner() const { return *inner_; }
  const std::vector<BoundsWindow>& windows() const { return windows_; }

 private:
  BoundsOverride(std::unique_ptr<Policy> inner, std::vector<BoundsWindow> windows)
      : inner_(std::move(inner)), windows_(std::move(windows)) {}
  std::unique_ptr<Policy> inner_;
  std::vector<BoundsWindow> windows_;
  int32_t inner_desired_ = 0;
  bool inner_rescale_ = false;
};

// Raises the wrapped policy's decision to a floor from another source (a
// forecast, a schedule's planned capacity), capped at the wrapped policy's
// max_replicas. The floor never lowers a decision: a forecast that falls
// leaves scale-in to the wrapped policy.
class FloorFrom final : public Policy {
 public:
  // The floor at a time; nullopt: no floor then.
  using FloorAt = std::function<std::optional<int32_t>(absl::Time)>;
  static absl::StatusOr<std::unique_ptr<FloorFrom>> Create(
      std::unique_ptr<Policy> inner, std::string name, FloorAt floor);

  std::string family() const override { return "floor"; }
  int32_t min_replicas() const override { return inner_->min_replicas(); }
  int32_t max_replicas() const override { return inner_->max_replicas(); }
  const std::vector<hpa::MetricSpec>& metrics() const override {
    return inner_->metrics();
  }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs,
                      Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision,
                            const absl::Status& error) override;
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;
  std::optional<absl::Duration> sync_period() const override {
    return inner_->sync_period();
  }

 private:
  FloorFrom(std::unique_ptr<Policy> inner, std::string name, FloorAt floor)
      : inner_(std::move(inner)), name_(std::move(name)), floor_(std::move(floor)) {}
  std::unique_ptr<Policy> inner_;
  std::string name_;
  FloorAt floor_;
  int32_t inner_desired_ = 0;
  bool inner_rescale_ = false;
};

// The highest of several policies' decisions: scale out if any policy says
// out, scale in only if all say in (AWS's rule for several target-tracking
// policies on one target; KEDA's for several triggers). Each policy sees
// only the metrics it reads. The first policy with the highest count is the
// winner: its decision (metrics, conditions) is the result, and only
// policies whose own decision equals the applied count are committed.
class MaxOf final : public Policy {
 public:
  // Errors: no policies; two policies reading the same metric name with
  // different source types.
  static absl::StatusOr<std::unique_ptr<MaxOf>> Create(
      std::vector<std::unique_ptr<Policy>> policies);

  std::string family() const override { return "max-of"; }
  int32_t min_replicas() const override;
  int32_t max_replicas() const override;
  // The union, in order of first appearance.
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs,
                      Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision,
                            const absl::Status& error) override;
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;
  // The shortest period any of the policies asks for.
  std::optional<absl::Duration> sync_period() const override;

  size_t size() const { return policies_.size(); }
  const Policy& policy(size_t i) const { return *policies_[i]; }
  // The decisions of the last Decide(), one per policy.
  const std::vector<Decision>& decisions() const { return decisions_; }

 private:
  explicit MaxOf(std::vector<std::unique_ptr<Policy>> policies);
  std::vector<std::unique_ptr<Policy>> policies_;
  std::vector<hpa::MetricSpec> metrics_;
  std::vector<bool> needs_projection_;
  std::vector<Observation> projected_;
  std::vector<Decision> decisions_;
};

// KEDA-style activation around a policy (PEER_FORMULAS.md §1): a fleet is
// active while `metric` is strictly above `activation_threshold`. Active and
// at zero replicas: scale to max(1, the wrapped policy's min) ("scale from
// zero"). Inactive for `cooldown` since the last active decision (or since
// the first decision, if never active): scale to `idle_replicas`. Otherwise
// the wrapped policy decides; at zero replicas it is not asked (the HPA
// cannot scale from zero) and the count holds.
struct ActivationOptions {
  // The metric that activates; it must be one the observation carries:
  // External (the sum of its series), Object (its value) or Pods (the sum
  // over pods). Its spec, if the wrapped policy does not read it, is added
  // to metrics() (only name and type are used).
  hpa::MetricSpec metric;
  double activation_threshold = 0;
  int32_t idle_replicas = 0;
  absl::Duration cooldown = absl::Seconds(300);
};

class Activation final : public Policy {
 public:
  // Errors: a negative threshold, idle count or cooldown; an idle count at
  // or above the wrapped policy's min (it would never be idle).
  static absl::StatusOr<std::unique_ptr<Activation>> Create(
      std::unique_ptr<Policy> inner, ActivationOptions options);

  std::string family() const override { return "activation"; }
  int32_t min_replicas() const override { return options_.idle_replicas; }
  int32_t max_replicas() const override { return inner_->max_replicas(); }
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs,
                      Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision,
                            const absl::Status& error) override;
  // Own state: {"last_active": RFC 3339 or absent, "first_decision": ...}.
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;
  std::optional<absl::Duration> sync_period() const override {
    return inner_->sync_period();
  }

  // Whether the last decision found the fleet active.
  bool active() const { return active_; }

 private:
  Activation(std::unique_ptr<Policy> inner, ActivationOptions options);
  std::unique_ptr<Policy> inner_;
  ActivationOptions options_;
  std::vector<hpa::MetricSpec> metrics_;
  bool needs_projection_ = false;
  Observation projected_;
  std::optional<absl::Time> last_active_;
  std::optional<absl::Time> first_decision_;
  bool active_ = false;
  bool inner_decided_ = false;
  int32_t inner_desired_ = 0;
  bool inner_rescale_ = false;
};

}  // namespace agentscale

#endif  // AGENTSCALE_POLICY_COMBINATORS_H_
