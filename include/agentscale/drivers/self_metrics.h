// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Observability of agentscale itself: the engine's own metrics in the
// Prometheus text format (0.0.4), for an embedding service to serve at its
// /metrics, and the seed's two alert rules as a Prometheus rules file.
//
//   agentscale::metrics::SelfMetrics self;
//   const absl::Time start = absl::Now();
//   // Time each metric's fetch (adapter Fill(), a Prometheus query...):
//   std::vector<absl::Duration> fetch(spec.metrics.size());
//   ...
//   absl::StatusOr<agentscale::Decision> d = autoscaler.Evaluate(now, obs);
//   if (d.ok()) self.Record(*d, absl::Now() - start, fetch);
//   else self.RecordError(autoscaler.spec(), absl::Now() - start);
//   std::string body = self.Render();   // serve as text/plain; version=0.0.4
//
// Names follow Kubernetes where it has them:
//
// - the HPA controller's own metrics (kube-controller-manager, package
//   podautoscaler/monitor), labels `action` (scale_up, scale_down, none) and
//   `error` (none, spec, internal):
//     horizontal_pod_autoscaler_controller_reconciliations_total
//     horizontal_pod_autoscaler_controller_reconciliation_duration_seconds
//         (histogram; Kubernetes' buckets, 1 ms doubling 15 times)
//     horizontal_pod_autoscaler_controller_metric_computation_total
//     horizontal_pod_autoscaler_controller_metric_computation_duration_seconds
//         (histogram, same buckets), both also labelled metric_type (Pods,
//         Resource, ...): one observation per metric the decision computed
//         (none on the paths that compute no metric: above max, below
//         min, scaling disabled, bad selector). As in Kubernetes' monitor,
//         action is that metric's proposal against the current replicas
//         ("none" when it failed), error is "spec" for an unknown metric
//         source type, "internal" for any other failure, else "none".
//   What the duration measures: Kubernetes times computeReplicasForMetric,
//   which fetches the metric from the metrics API and runs the replica
//   calculation. Here the fetch happens before Evaluate() (the adapter,
//   the Prometheus query), so only the caller can time it: pass those
//   times to Record() as `metric_durations` (indexed like spec.metrics).
//   A Decision carries no per-metric time, so a metric without one
//   observes the whole `evaluation_duration` (an upper bound on its share
//   of Evaluate()).
// - the HPA object's state as kube-state-metrics exports it, labels
//   `namespace` and `horizontalpodautoscaler`:
//     kube_horizontalpodautoscaler_status_desired_replicas
//     kube_horizontalpodautoscaler_status_current_replicas
//     kube_horizontalpodautoscaler_spec_min_replicas / _spec_max_replicas
//     kube_horizontalpodautoscaler_spec_target_metric and
//     kube_horizontalpodautoscaler_status_target_metric (labels metric_name
//         and metric_target_type: value, utilization or average)
//   and the four replica gauges again under kube-state-metrics 1.x's names
//   and label (`namespace`, `hpa`), which rules written for 1.x select, the
//   seed's among them:
//     kube_hpa_status_desired_replicas, kube_hpa_status_current_replicas,
//     kube_hpa_spec_min_replicas, kube_hpa_spec_max_replicas
// - and one of agentscale's own, as Kubernetes has none:
//     agentscale_decisions_total{namespace, horizontalpodautoscaler, action,
//         reason}: decisions by the reason string that settled them
//         (Kubernetes' condition reasons: DesiredWithinRange, ScaleUpLimit,
//         ScaleUpStabilized, TooManyReplicas, FailedGetPodsMetric, ...).
//
// Thread safety: Record()/RecordError() and Render() may be called from any
// threads at once (a std::mutex guards the state).
#ifndef AGENTSCALE_DRIVERS_SELF_METRICS_H_
#define AGENTSCALE_DRIVERS_SELF_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/policy/decision.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::metrics {

// "scale_up", "scale_down" or "none", as Kubernetes labels reconciliations.
const char* DecisionAction(const Decision& decision);
// The reason string that settled `decision` (see the file comment).
std::string DecisionReason(const Decision& decision);

class SelfMetrics {
 public:
  // Kubernetes' buckets for both duration histograms
  // (ExponentialBuckets(0.001, 2, 15)): 0.001 * 2^i, i < 15.
  static constexpr int kBuckets = 15;

  // One successful Evaluate(): its decision and how long the reconcile took
  // (Kubernetes times its whole reconcile, metric fetches included).
  // `metric_durations[i]`, when given, is how long spec.metrics[i] took to
  // compute (see the file comment); missing entries fall back to
  // `evaluation_duration`.
  void Record(const Decision& decision, absl::Duration evaluation_duration,
              absl::Span<const absl::Duration> metric_durations = {});
  // One Evaluate() that returned an error (error="internal", action none).
  void RecordError(const hpa::AutoscalerSpec& spec,
                   absl::Duration evaluation_duration);

  // Every metric, in the text format 0.0.4 (HELP and TYPE lines included).
  std::string Render() const;

 private:
  struct Histogram {
    std::array<int64_t, kBuckets> buckets{};  // non-cumulative
    int64_t count = 0;
    double sum = 0;
    void Observe(double seconds);
  };
  struct Target {  // one metric of one autoscaler
    std::string metric_name;
    std::string target_type;
    double target = 0;
    bool has_value = false;
    double value = 0;
  };
  struct Autoscaler {
    int32_t desired = 0, current = 0, min = 0, max = 0;
    std::vector<Target> targets;
  };
  using Key = std::pair<std::string, std::string>;  // namespace, name

  void RecordReconcile(const std::string& action, const std::string& error,
                       absl::Duration d);

  mutable std::mutex mu_;
  // (action, error) -> count, histogram
  std::map<std::pair<std::string, std::string>, Histogram> reconciliations_;
  // (action, error, metric_type) -> count, histogram
  std::map<std::tuple<std::string, std::string, std::string>, Histogram>
      metric_computations_;
  std::map<Key, Autoscaler> autoscalers_;
  // (namespace, name, action, reason) -> count
  std::map<std::tuple<std::string, std::string, std::string, std::string>,
           int64_t>
      decisions_;
};

// The seed's alerts for the engine's metrics above, as a Prometheus rules
// file (YAML):
//   AgentScalingTooFrequent: changes(desired replicas[5m]) > 3, for 2m (the
//     seed wrote increase(), which reads a scale-down of the gauge as a
//     counter reset; this is the run summary's corrected rule,
//     sim::ScalingTooFrequentChangesExpr, which `agentscale lint` proposes)
//   AgentMaxReplicasReached: current replicas == max replicas, for 5m
//     (severity critical, as the seed has it)
// Which kube-state-metrics names rules select: 2.x's
// kube_horizontalpodautoscaler_* with the `horizontalpodautoscaler` label,
// or 1.x's kube_hpa_* with the `hpa` label (the seed's rules). SelfMetrics
// exports the replica gauges under both.
enum class KubeStateMetricsNames { kV2, kV1 };
std::string AlertRulesYaml(KubeStateMetricsNames names = KubeStateMetricsNames::kV2);
// Writes AlertRulesYaml() to `path`.
absl::Status WriteAlertRules(const std::string& path);
// kube_horizontalpodautoscaler_<rest> -> kube_hpa_<rest>; other names as is.
std::string KubeStateMetricsV1Name(const std::string& name);

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_DRIVERS_SELF_METRICS_H_
