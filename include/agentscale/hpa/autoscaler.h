// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// HorizontalAutoscaler: one target's Kubernetes HPA controller as a value,
// and the HPA family's Policy (policy/policy.h): Decide() is Evaluate().
// It owns the target's recommendation history, scale events and status
// conditions; Evaluate() runs one sync (spec §3) on an Observation and
// returns a Decision; Commit() records the scale event once the caller has
// actually applied the change, so a failed actuation leaves no event (as in
// Kubernetes).
//
//   absl::StatusOr<agentscale::HorizontalAutoscaler> hpa =
//       agentscale::HorizontalAutoscaler::Create(spec);
//   while (running) {
//     absl::Time now = absl::Now();  // or a simulated clock
//     absl::StatusOr<agentscale::Decision> d = hpa->Evaluate(now, Observe());
//     if (!d.ok()) { LOG(ERROR) << d.status(); continue; }
//     if (d->rescale && Apply(d->desired_replicas)) hpa->Commit(*d);
//   }
//
// State is a value: ExportState()/ImportState() (and their JSON forms in
// hpa/state_json.h) let a restarted service keep its stabilization
// window, which Kubernetes itself forgets on a controller restart.
//
// Thread safety: a HorizontalAutoscaler is not internally synchronized.
// Const methods may run concurrently; Evaluate/Commit/ImportState need
// exclusive access. Distinct instances are independent.
#ifndef AGENTSCALE_HPA_AUTOSCALER_H_
#define AGENTSCALE_HPA_AUTOSCALER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"
#include "agentscale/hpa/conditions.h"
#include "agentscale/hpa/normalize.h"
#include "agentscale/hpa/replica_calculator.h"
#include "agentscale/hpa/spec.h"

namespace agentscale {

// The controller's memory for one target, plus the HPA status fields that
// later syncs read.
struct AutoscalerState {
  // Unset: no history yet; the first sync seeds (current, now), so a
  // restarted controller cannot scale below the current size for one
  // window (spec §3 step 2).
  std::optional<std::vector<hpa::Recommendation>> recommendations;
  std::vector<hpa::ScaleEvent> scale_up_events;
  std::vector<hpa::ScaleEvent> scale_down_events;
  std::vector<hpa::Condition> conditions;        // status.conditions
  std::optional<int32_t> desired_replicas;       // status.desiredReplicas
  std::optional<absl::Time> last_scale_time;     // status.lastScaleTime
  std::optional<absl::Time> last_evaluation;
  // HPAExternalMetricFallback: per spec.metrics entry, the first of the
  // consecutive failed reads of an External metric with a fallback
  // (status.currentMetrics[].external.firstFailureTime); unset while it
  // reads fine. Empty when no metric has a fallback.
  std::vector<std::optional<absl::Time>> first_failure_times;

  friend bool operator==(const AutoscalerState& a, const AutoscalerState& b) {
    return a.recommendations == b.recommendations &&
           a.scale_up_events == b.scale_up_events &&
           a.scale_down_events == b.scale_down_events &&
           a.conditions == b.conditions &&
           a.desired_replicas == b.desired_replicas &&
           a.last_scale_time == b.last_scale_time &&
           a.last_evaluation == b.last_evaluation &&
           a.first_failure_times == b.first_failure_times;
  }
};

// OK, or InvalidArgument "<source>: <field>: ...": last_evaluation is
// accepted by CheckTime (agentscale/time_bounds.h); every other time is
// finite, no earlier than Go's zero time and not after last_evaluation (nor
// after LatestTime()), so that an imported state cannot hold an engine's clock
// where no later `now` can follow. ImportState and StateFromJson check it.
absl::Status CheckStateTimes(const AutoscalerState& state,
                             const std::string& source = "state");

class HorizontalAutoscaler final : public Policy {
 public:
  // Validates `spec` (hpa/validation.h) against `config`.
  static absl::StatusOr<HorizontalAutoscaler> Create(
      hpa::AutoscalerSpec spec, hpa::ControllerConfig config = {});
  // Skips the API server's validation, for objects that bypassed it (the
  // Kubernetes test fixtures use unknown metric types, for instance). Only
  // what the arithmetic needs is checked: replica bounds are not negative.
  static absl::StatusOr<HorizontalAutoscaler> CreateUnvalidated(
      hpa::AutoscalerSpec spec, hpa::ControllerConfig config = {});

  const hpa::AutoscalerSpec& spec() const { return *spec_; }
  const hpa::ControllerConfig& config() const { return config_; }

  // One sync at `now`. Errors are for observations that cannot be read
  // (time going backwards, a metric the spec does not have, negative
  // replica counts); the state is then untouched. Problems Kubernetes
  // handles (failed metrics, missing pods, ...) are decisions, with the
  // reconcile error in Decision::error.
  absl::StatusOr<Decision> Evaluate(absl::Time now, const Observation& obs);
  // The same, reusing `out`'s storage: no heap allocation in steady state.
  absl::Status Evaluate(absl::Time now, const Observation& obs, Decision* out);

  // The caller applied decision.desired_replicas: records the scale event
  // (behavior only), lastScaleTime and the SucceededRescale condition.
  // Fails if the decision is not this engine's latest rescale decision.
  absl::Status Commit(Decision& decision) override;
  // The caller could not apply it: AbleToScale=False/FailedUpdateScale;
  // status.desiredReplicas keeps its previous value; no event is recorded.
  absl::Status CommitFailed(Decision& decision,
                            const absl::Status& error) override;

  const AutoscalerState& state() const { return state_; }
  AutoscalerState ExportState() const { return state_; }
  absl::Status ImportState(AutoscalerState state);

  // The per-direction tolerances in force (spec §4.0).
  hpa::Tolerances tolerances() const { return tolerances_; }

  // Policy. The state document is StateToJson()'s (hpa/state_json.h).
  std::string family() const override { return "hpa"; }
  int32_t min_replicas() const override { return spec_->min_replicas; }
  int32_t max_replicas() const override { return spec_->max_replicas; }
  const std::vector<hpa::MetricSpec>& metrics() const override {
    return spec_->metrics;
  }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs,
                      Decision* out) override {
    return Evaluate(now, obs, out);
  }
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override {
    return std::make_unique<HorizontalAutoscaler>(*this);
  }
  // spec.syncPeriodSeconds with the HPAConfigurableSyncPeriod gate on.
  std::optional<absl::Duration> sync_period() const override {
    return config_.configurable_sync_period ? spec_->sync_period : std::nullopt;
  }

 private:
  HorizontalAutoscaler(hpa::AutoscalerSpec spec, hpa::ControllerConfig config);

  absl::Status MatchMetrics(const Observation& obs);
  void ComputeMetric(int index, const Observation& obs,
                     const MetricObservation* mobs, MetricResult* result);
  static void SetCondition(std::vector<hpa::Condition>* conditions,
                           hpa::ConditionType type, bool status,
                           hpa::Reason reason);
  static void SetCondition(std::vector<hpa::Condition>* conditions,
                           hpa::ConditionType type, bool status,
                           hpa::Reason reason, const std::string& detail);
  static void RemoveCondition(std::vector<hpa::Condition>* conditions,
                              hpa::ConditionType type);
  // Samples older than config_.max_sample_age left out (`samples` itself
  // when none is); adds their number to *stale when given.
  absl::Span<const hpa::PodSample> FreshSamples(absl::Span<const hpa::PodSample> samples,
                                                std::vector<hpa::PodSample>* scratch,
                                                int32_t* stale) const;
  bool IsStale(absl::Time sample_time) const {
    return sample_time < sample_cutoff_ && sample_time != hpa::GoZeroTime();
  }
  bool ScaledToZeroConditionTrue() const;
  bool HasObjectOrExternalMetric() const;
  // HPAExternalMetricFallback: after the metric loop, turns each failed
  // External metric with a fallback that has failed long enough into a
  // proposal, keeps the failure timers, and sets the condition.
  void ApplyFallbacks(absl::Time now, Decision* d);
  // HPASelectionStrategy OwnerReference: the pods (and their samples) that
  // count; `pods` itself when every pod does.
  absl::Span<const hpa::Pod> SelectedPods(const Observation& obs);

  std::shared_ptr<const hpa::AutoscalerSpec> spec_;
  hpa::ControllerConfig config_;
  hpa::Tolerances tolerances_;
  std::vector<std::string> metric_descriptions_;
  bool has_object_or_external_ = false;
  bool has_fallback_ = false;  // gate on and some External metric has one
  bool owner_selection_ = false;  // gate on and spec says OwnerReference
  AutoscalerState state_;
  // The latest decision that asked for a rescale and awaits Commit.
  std::optional<absl::Time> pending_time_;
  int32_t pending_from_ = 0;
  int32_t pending_to_ = 0;
  // Scratch, reused across syncs.
  hpa::ReplicaCalculator calculator_;
  std::vector<int> metric_obs_;  // spec index -> observation index or -1
  std::vector<hpa::PodSample> summed_samples_;
  std::vector<hpa::PodSample> fresh_samples_;
  // OwnerReference selection: the selected pods, and the names of those
  // left out (sorted), whose samples are dropped.
  std::vector<hpa::Pod> selected_pods_;
  std::vector<std::string_view> unselected_names_;
  std::vector<int> owner_order_;  // owners sorted by (kind, name, group)
  std::vector<int> owner_group_;  // per owner: its key's group
  std::vector<int> owner_hops_;   // per group: references to the target
  // The pods pod metrics read this sync: obs.pods or selected_pods_.
  absl::Span<const hpa::Pod> pods_;
  absl::Time sample_cutoff_ = absl::InfinitePast();  // samples before it are stale
  // Answers the stabilization from state_.recommendations without a pass
  // over it; invalidated whenever the history is replaced.
  hpa::StabilizationIndex stabilization_index_;
};

}  // namespace agentscale

#endif  // AGENTSCALE_HPA_AUTOSCALER_H_
