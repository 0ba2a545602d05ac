// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A Decision is everything one sync concluded and why: each metric's
// proposal and status value, which metric won, the stabilized count, the
// limit that applied, Kubernetes' conditions, what a combinator changed, and
// a line a person can read. Every policy family returns this one type (see
// policy/policy.h): the HPA fills all of it; a family fills what applies and
// names its sources through `spec`'s metrics.
//
//   absl::StatusOr<agentscale::Decision> d = autoscaler.Evaluate(now, obs);
//   if (d.ok() && d->rescale) {
//     bool applied = ScaleMyFleet(d->desired_replicas);
//     if (applied) autoscaler.Commit(*d);
//     else autoscaler.CommitFailed(*d, absl::UnavailableError("..."));
//   }
//   std::cout << d->Explain() << "\n";
#ifndef AGENTSCALE_POLICY_DECISION_H_
#define AGENTSCALE_POLICY_DECISION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agentscale/hpa/conditions.h"
#include "agentscale/hpa/spec.h"

namespace agentscale {

// One metric's result at this sync.
struct MetricResult {
  int spec_index = 0;  // position in spec.metrics
  hpa::MetricSourceType type = hpa::MetricSourceType::kPods;
  bool valid = false;     // a proposal was computed
  int32_t proposal = 0;   // replicas this metric asks for
  // The value the metric's status reports (milli-units): the average usage,
  // Object/External value, or per-pod average (spec §4.8).
  int64_t value_milli = 0;
  // Utilization targets: the integer percent of request.
  std::optional<int32_t> utilization;
  // For an invalid metric: the ScalingActive reason and the error.
  hpa::Reason failure_reason = hpa::Reason::kNone;
  absl::Status error;
  // Per-pod samples left out as older than ControllerConfig::max_sample_age.
  int32_t stale_samples = 0;
  // HPAExternalMetricFallback: an External metric with a fallback whose read
  // failed carries the first of its consecutive failures; `fallback` is set
  // once it has failed for failureDurationSeconds: the metric is then valid
  // and proposes fallback.replicas (error and failure_reason still say why).
  std::optional<absl::Time> first_failure;
  bool fallback = false;
};

// Which branch of the reconcile produced the decision.
enum class DecisionPath {
  kMetrics,          // metrics computed, normalized
  kAboveMax,         // current > maxReplicas: straight to max (spec §3)
  kBelowMin,         // current < minReplicas: straight to min
  kScalingDisabled,  // current == 0 and not scaling from zero (spec §9)
  kMetricsFailed,    // every metric failed, or a failure blocks scale-down
  kSelectorInvalid,  // the selector checks failed
  kScaleTargetError,  // reading the scale failed
  // The family's own rules decided without the metric path (KEDA's poll at
  // an instant with no HPA sync, or at zero replicas); family_note says why.
  kFamily
};
const char* DecisionPathName(DecisionPath path);

// What a combinator (policy/combinators.h) did to the decision of the
// policy it wraps, in the order they applied.
enum class AdjustmentKind {
  kBounds,      // clamped into [min, max] in force at this time
  kFloor,       // raised to a floor from another source
  kMaxOf,       // the highest of several policies' decisions
  kActivation,  // KEDA-style activation: to or from the idle count
};
const char* AdjustmentKindName(AdjustmentKind kind);  // "bounds", ...

struct Adjustment {
  AdjustmentKind kind = AdjustmentKind::kBounds;
  int32_t from = 0;  // desired replicas before
  int32_t to = 0;    // desired replicas after
  // Which combinator or source, e.g. "month_end_surge" or "policy #1".
  std::string by;

  friend bool operator==(const Adjustment& a, const Adjustment& b) {
    return a.kind == b.kind && a.from == b.from && a.to == b.to && a.by == b.by;
  }
};

struct Decision {
  absl::Time time;
  DecisionPath path = DecisionPath::kMetrics;
  int32_t current_replicas = 0;
  // The count the target should run: differs from current_replicas exactly
  // when `rescale` is true.
  int32_t desired_replicas = 0;
  bool rescale = false;
  // status.desiredReplicas as Kubernetes reports it after this sync (on a
  // held sync it keeps the previous value).
  int32_t status_desired_replicas = 0;
  // The maximum of the metric proposals (-1 when none was usable).
  int32_t metric_replicas = -1;
  int winning_metric = -1;  // spec index of the metric that set the maximum
  // After stabilization, before rate limits (metric path only).
  int32_t stabilized_replicas = 0;
  // The ScalingLimited reason: what capped stabilized_replicas, or
  // kDesiredWithinRange.
  hpa::Reason limit_reason = hpa::Reason::kNone;
  std::vector<MetricResult> metrics;
  // The status conditions after this sync, in Kubernetes' list order.
  std::vector<hpa::Condition> conditions;
  // The error Kubernetes' reconcile would return (failed metrics, selector,
  // scale read or write). A decision with an error may still rescale (a
  // partial metric failure does not block a scale-up).
  absl::Status error;
  // Set by Commit() / CommitFailed().
  bool committed = false;
  // A failed metric was replaced by a fallback value (KEDA's fallback, or
  // an HPA External metric's fallback.replicas under HPAExternalMetricFallback).
  bool fallback = false;
  // Changes made by combinators around the policy that decided; empty for a
  // policy used on its own.
  std::vector<Adjustment> adjustments;
  // A family's own reasons, ahead of the metric path's in Explain(), e.g.
  // KEDA's "keda: active (s0-prometheus 400 > activation 0), scaled from
  // zero to 1". Empty for the HPA.
  std::string family_note;
  // The spec the decision was made for (names for explanations).
  std::shared_ptr<const hpa::AutoscalerSpec> spec;

  // Kubernetes' rescale reason: "<metric> above target", "All metrics below
  // target", "Current number of replicas above Spec.MaxReplicas", ...
  std::string RescaleReason() const;
  // The condition of `type`, or nullptr.
  const hpa::Condition* FindCondition(hpa::ConditionType type) const;
  // One line for a person, e.g. "3 -> 4 (scale up): pods metric
  // app_active_task_count 93/70 proposes 4; ScalingLimited=False
  // DesiredWithinRange".
  // Adjustments follow, e.g. "; floor forecast raised 3 to 5".
  std::string Explain() const;

  // Makes this a decision to hold at `current` made at `time` on `path`,
  // clearing what a policy fills (metrics, conditions, adjustments, error,
  // the note), keeping the storage for reuse. For a policy that decides
  // without the metric path (KEDA at zero replicas, between polls).
  void ResetToHold(absl::Time time, int32_t current, DecisionPath path);

 private:
  std::string ExplainPolicy() const;
};

}  // namespace agentscale

#endif  // AGENTSCALE_POLICY_DECISION_H_
