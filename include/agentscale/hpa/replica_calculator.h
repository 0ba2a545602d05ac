// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The per-metric replica proposal of the Kubernetes HPA (spec §4): pod
// readiness grouping, requests, utilization, the missing- and unready-pod
// fill-ins with their direction-flip guards, and the Object/External paths.
//
// Every function is pure math on its arguments; a ReplicaCalculator only owns
// scratch buffers so that repeated calls do not allocate. One calculator must
// not be used from two threads at once; use one per thread (they are cheap).
//
//   agentscale::hpa::ReplicaCalculator calc;
//   absl::StatusOr<agentscale::hpa::MetricReplicas> r = calc.AverageValue(
//       /*current_replicas=*/3, /*target_milli=*/70'000, std::nullopt,
//       agentscale::hpa::Tolerances{}, pods, samples, now);
//   if (r.ok()) use(r->replicas, r->usage_milli);
//
// Error messages are Kubernetes' own ("no pods returned by selector while
// calculating replica count", ...), so conditions read the same as a
// cluster's.
#ifndef AGENTSCALE_HPA_REPLICA_CALCULATOR_H_
#define AGENTSCALE_HPA_REPLICA_CALCULATOR_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::internal {
class NameIndex;
}  // namespace agentscale::internal

namespace agentscale::hpa {

// The inclusive tolerance band of Kubernetes >= 1.33: a usage ratio r is
// within when 1 - scale_down <= r <= 1 + scale_up (computed in float64).
struct Tolerances {
  double scale_down = 0.1;
  double scale_up = 0.1;
  bool IsWithin(double ratio) const {
    return (1.0 - scale_down) <= ratio && ratio <= (1.0 + scale_up);
  }
};

// The CPU-only readiness windows (kube-controller-manager flags).
struct ReadinessConfig {
  absl::Duration cpu_initialization_period = absl::Minutes(5);
  absl::Duration initial_readiness_delay = absl::Seconds(30);
};

// How groupPods classifies a pod.
enum class PodGroup : uint8_t { kReady, kUnready, kMissing, kIgnored };

// A Resource/ContainerResource Utilization proposal (spec §4.1).
struct ResourceReplicas {
  int32_t replicas = 0;
  int32_t utilization = 0;        // integer percent of request
  int64_t raw_average_milli = 0;  // average usage per sampled pod
};

// A plain (AverageValue / Value) proposal. `usage_milli` is the value the
// metric's status reports.
struct MetricReplicas {
  int32_t replicas = 0;
  int64_t usage_milli = 0;
};

// Sums metrics.k8s.io per-container usage into one value per pod: the whole
// pod (container empty) or one named container. A pod with no containers, or
// with a counted container lacking the resource, or lacking the named
// container, is dropped, and so becomes *missing* (newest Kubernetes).
void SumResourceSamples(ResourceName resource, const std::string& container,
                        absl::Span<const PodResourceSample> samples,
                        std::vector<PodSample>* out);

// The metrics clients' check on what an API returned (spec §4.1 step 1,
// §4.3): no items at all is an error, named as Kubernetes names it. `items`
// counts what the API returned, before pods without a usable value are
// dropped (those become *missing*, not an error).
absl::Status CheckResourceMetricsReturned(ResourceName resource, size_t items);
absl::Status CheckCustomMetricsReturned(const std::string& metric, size_t items);
// The external metrics API's (§4.6, §4.7): "unable to get external metric
// <metric>: no metrics returned from external metrics API" (Kubernetes also
// prints the namespace and the selector between the name and the colon).
absl::Status CheckExternalMetricsReturned(const std::string& metric,
                                          size_t items);

// ceil(usage / status_replicas) for the status of Object/External
// AverageValue metrics; 0 when status_replicas is 0.
int64_t PerPodUsage(int64_t usage_milli, int32_t status_replicas);

// Sum of external series, pinned at INT64_MAX on overflow.
int64_t SumExternalValues(absl::Span<const int64_t> values_milli);

// ceil(x) converted to int32, saturating at the int32 range (Go's
// int32(math.Ceil(x)) for every in-range value).
int32_t CeilToInt32(double x);

class ReplicaCalculator {
 public:
  explicit ReplicaCalculator(ReadinessConfig readiness = {})
      : readiness_(readiness) {}

  const ReadinessConfig& readiness() const { return readiness_; }

  // groupPods: classifies each pod; `resource` is set for Resource and
  // ContainerResource metrics (the CPU readiness windows apply only to kCpu)
  // and unset for Pods metrics. On return (*groups)[i] is pods[i]'s group and
  // *ready_count the number of kReady. Fails on duplicate pod names or
  // duplicate samples for one pod.
  absl::Status GroupPods(absl::Span<const Pod> pods,
                         absl::Span<const PodSample> samples,
                         std::optional<ResourceName> resource, absl::Time now,
                         std::vector<PodGroup>* groups, int* ready_count);

  // calculateRequests: the request of every pod for `resource` (one named
  // container, or the regular containers plus sidecar init containers, or the
  // pod-level request when `pod_level_resources` and no container is named).
  static absl::Status CalculateRequests(absl::Span<const Pod> pods,
                                        ResourceName resource,
                                        const std::string& container,
                                        bool pod_level_resources,
                                        std::vector<int64_t>* requests);

  // §4.1: Resource or ContainerResource metric with a Utilization target.
  // `samples` are per-pod values (see SumResourceSamples).
  absl::StatusOr<ResourceReplicas> ResourceUtilization(
      int32_t current_replicas, int32_t target_percent, ResourceName resource,
      const std::string& container, const Tolerances& tolerances,
      absl::Span<const Pod> pods, absl::Span<const PodSample> samples,
      absl::Time now, bool pod_level_resources = true);

  // §4.2/§4.3: the plain algorithm for Pods metrics (resource unset) and for
  // Resource/ContainerResource AverageValue targets (resource set).
  absl::StatusOr<MetricReplicas> AverageValue(
      int32_t current_replicas, int64_t target_milli,
      std::optional<ResourceName> resource, const Tolerances& tolerances,
      absl::Span<const Pod> pods, absl::Span<const PodSample> samples,
      absl::Time now);

  // §4.4: Object metric with a Value target (current = scale.spec.replicas).
  static absl::StatusOr<MetricReplicas> ObjectValue(
      int32_t current_replicas, int64_t target_milli, int64_t value_milli,
      const Tolerances& tolerances, absl::Span<const Pod> pods);

  // §4.5: Object metric with an AverageValue target (uses status replicas).
  static MetricReplicas ObjectAverageValue(int32_t status_replicas,
                                           int64_t target_average_milli,
                                           int64_t value_milli,
                                           const Tolerances& tolerances);

  // §4.6: External metric with a Value target.
  static absl::StatusOr<MetricReplicas> ExternalValue(
      int32_t current_replicas, int64_t target_milli,
      absl::Span<const int64_t> values_milli, const Tolerances& tolerances,
      absl::Span<const Pod> pods);

  // §4.7: External metric with an AverageValue target.
  static absl::StatusOr<MetricReplicas> ExternalAverageValue(
      int32_t status_replicas, int64_t target_average_milli,
      absl::Span<const int64_t> values_milli, const Tolerances& tolerances);

 private:
  // Matches samples to pods by name into sample_pod_ (pod index or -1).
  absl::Status MatchSamples(absl::Span<const Pod> pods,
                            absl::Span<const PodSample> samples);

  ReadinessConfig readiness_;
  std::vector<PodGroup> groups_;
  int unready_count_ = 0;  // of the last GroupPods()
  int missing_count_ = 0;
  std::vector<int32_t> pod_sample_;  // pod index -> sample index or -1
  std::vector<int32_t> sample_pod_;  // sample index -> pod index or -1
  std::vector<int64_t> requests_;
  // Scratch: an index of pod names, rebuilt whenever it is used (so a copy
  // starts with an empty one). Held by pointer so that the index's header
  // stays out of the installed API.
  class PodIndex {
   public:
    PodIndex();
    ~PodIndex();
    PodIndex(const PodIndex&);
    PodIndex& operator=(const PodIndex&);
    PodIndex(PodIndex&&) noexcept;
    PodIndex& operator=(PodIndex&&) noexcept;
    internal::NameIndex& operator*() const { return *index_; }
    internal::NameIndex* operator->() const { return index_.get(); }

   private:
    std::unique_ptr<internal::NameIndex> index_;
  };
  PodIndex pod_index_;
  std::vector<std::string> validated_pods_;  // last pod list found unique
};

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_REPLICA_CALCULATOR_H_
