// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The replica calculator mirrors Kubernetes' replica_calculator.go rule by
// rule; the section numbers refer to the HPA spec (docs/hpa-compatibility.md).

#include "agentscale/hpa/replica_calculator.h"

#include "agentscale/internal/name_index.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"

namespace agentscale::hpa {
namespace {

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
constexpr int32_t kMaxInt32 = std::numeric_limits<int32_t>::max();

const char* ResourceString(ResourceName r) {
  return r == ResourceName::kMemory ? "memory" : "cpu";
}

std::optional<int64_t> Get(const ResourceList& list, ResourceName r) {
  return r == ResourceName::kMemory ? list.memory_milli : list.cpu_milli;
}

// int64 from a 128-bit intermediate, saturating (Go would wrap; wrapping is
// never a meaningful answer and would be undefined behaviour here).
int64_t Saturate64(__int128 v) {
  if (v > kMaxInt64) return kMaxInt64;
  if (v < std::numeric_limits<int64_t>::min()) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(v);
}

// Saturate64(total / count) for count > 0, in 64 bits when the total fits
// (a 128-bit division is a library call).
int64_t DivideSaturated(__int128 total, int64_t count) {
  if (total <= kMaxInt64 && total >= std::numeric_limits<int64_t>::min()) {
    const int64_t t = static_cast<int64_t>(total);
    // INT64_MIN / -1 cannot occur: count is positive.
    return t / count;
  }
  return Saturate64(total / count);
}

int32_t Saturate32(__int128 v) {
  if (v > kMaxInt32) return kMaxInt32;
  if (v < std::numeric_limits<int32_t>::min()) {
    return std::numeric_limits<int32_t>::min();
  }
  return static_cast<int32_t>(v);
}

absl::Status NoPodsError() {
  return absl::FailedPreconditionError(
      "no pods returned by selector while calculating replica count");
}

// Running pods whose Ready condition is True (Object/External Value targets).
absl::StatusOr<int64_t> RunningAndReadyCount(absl::Span<const Pod> pods) {
  if (pods.empty()) return NoPodsError();
  int64_t n = 0;
  for (const Pod& pod : pods) {
    if (pod.phase == PodPhase::kRunning && pod.ready.has_value() &&
        pod.ready->status == ConditionStatus::kTrue) {
      ++n;
    }
  }
  return n;
}

// getUsageRatioReplicaCount (§4.4): shared by Object and External Value.
absl::StatusOr<int32_t> UsageRatioReplicaCount(int32_t current_replicas,
                                               double ratio,
                                               const Tolerances& tolerances,
                                               absl::Span<const Pod> pods) {
  if (current_replicas == 0) return CeilToInt32(ratio);  // from zero
  if (tolerances.IsWithin(ratio)) return current_replicas;
  absl::StatusOr<int64_t> ready = RunningAndReadyCount(pods);
  if (!ready.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("unable to calculate ready pods: ",
                     std::string(ready.status().message())));
  }
  const double f = ratio * static_cast<double>(*ready);
  if (f > static_cast<double>(kMaxInt32)) return kMaxInt32;
  return CeilToInt32(f);
}

}  // namespace

int32_t CeilToInt32(double x) {
  const double c = std::ceil(x);
  if (!(c >= static_cast<double>(std::numeric_limits<int32_t>::min()))) {
    // NaN or below range.
    return std::isnan(c) ? 0 : std::numeric_limits<int32_t>::min();
  }
  if (c > static_cast<double>(kMaxInt32)) return kMaxInt32;
  return static_cast<int32_t>(c);
}

absl::Status CheckResourceMetricsReturned(ResourceName resource, size_t items) {
  if (items > 0) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("unable to get metrics for resource ", ResourceString(resource),
                   ": no metrics returned from resource metrics API"));
}

absl::Status CheckCustomMetricsReturned(const std::string& metric, size_t items) {
  if (items > 0) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(
      "unable to get metric ", metric, ": no metrics returned from custom metrics API"));
}

absl::Status CheckExternalMetricsReturned(const std::string& metric,
                                          size_t items) {
  if (items > 0) return absl::OkStatus();
  return absl::NotFoundError(
      absl::StrCat("unable to get external metric ", metric,
                   ": no metrics returned from external metrics API"));
}

int64_t PerPodUsage(int64_t usage_milli, int32_t status_replicas) {
  if (status_replicas <= 0) return 0;
  if (usage_milli >= kMaxInt64) return kMaxInt64;
  const int64_t q = usage_milli / status_replicas;
  const int64_t r = usage_milli % status_replicas;
  return r > 0 ? q + 1 : q;
}

int64_t SumExternalValues(absl::Span<const int64_t> values_milli) {
  int64_t sum = 0;
  for (int64_t v : values_milli) {
    int64_t next;
    if (__builtin_add_overflow(sum, v, &next)) {
      return v > 0 ? kMaxInt64 : std::numeric_limits<int64_t>::min();
    }
    sum = next;
  }
  return sum;
}

void SumResourceSamples(ResourceName resource, const std::string& container,
                        absl::Span<const PodResourceSample> samples,
                        std::vector<PodSample>* out) {
  out->clear();
  for (const PodResourceSample& s : samples) {
    int64_t total = 0;
    bool ok = false;
    if (container.empty()) {
      ok = !s.containers.empty();
      for (const ContainerUsage& c : s.containers) {
        std::optional<int64_t> u = Get(c.usage, resource);
        if (!u.has_value()) {
          ok = false;
          break;
        }
        total += *u;
      }
    } else {
      for (const ContainerUsage& c : s.containers) {
        if (c.name != container) continue;
        std::optional<int64_t> u = Get(c.usage, resource);
        if (u.has_value()) {
          total = *u;
          ok = true;
        }
        break;
      }
    }
    if (!ok) continue;
    out->push_back(PodSample{s.pod, total, s.timestamp, s.window});
  }
}

ReplicaCalculator::PodIndex::PodIndex() : index_(std::make_unique<internal::NameIndex>()) {}
ReplicaCalculator::PodIndex::~PodIndex() = default;
ReplicaCalculator::PodIndex::PodIndex(const PodIndex&)
    : index_(std::make_unique<internal::NameIndex>()) {}
ReplicaCalculator::PodIndex& ReplicaCalculator::PodIndex::operator=(const PodIndex&) {
  // Scratch: this one's contents are as good as the other's.
  if (index_ == nullptr) index_ = std::make_unique<internal::NameIndex>();
  return *this;
}
ReplicaCalculator::PodIndex::PodIndex(PodIndex&& o) noexcept : index_(std::move(o.index_)) {
  o.index_ = nullptr;
}
ReplicaCalculator::PodIndex& ReplicaCalculator::PodIndex::operator=(PodIndex&& o) noexcept {
  std::swap(index_, o.index_);
  return *this;
}

absl::Status ReplicaCalculator::MatchSamples(
    absl::Span<const Pod> pods, absl::Span<const PodSample> samples) {
  const size_t n = pods.size();
  pod_sample_.resize(n);
  sample_pod_.resize(samples.size());
  // Fast path: samples listed in pod order, which is how a caller that owns
  // both lists usually builds them. Duplicate pod names are checked once per
  // distinct pod list, so a caller that evaluates the same fleet every sync
  // pays two short compares per pod here, not a hash insert.
  bool aligned = samples.size() == n;
  bool same_pods = validated_pods_.size() == n;
  for (size_t i = 0; i < n && (aligned || same_pods); ++i) {
    const std::string& name = pods[i].name;
    aligned = aligned && internal::FastEqual(samples[i].pod, name);
    same_pods = same_pods && internal::FastEqual(validated_pods_[i], name);
  }
  if (!same_pods || !aligned) {
    pod_index_->Reset(aligned ? n : n + samples.size());
    for (size_t i = 0; i < n; ++i) {
      if (pod_index_->Insert(pods[i].name, static_cast<int32_t>(i)) !=
          internal::NameIndex::kAbsent) {
        validated_pods_.clear();
        return absl::InvalidArgumentError(
            absl::StrCat("duplicate pod name \"", pods[i].name, "\""));
      }
    }
    if (!same_pods) {
      validated_pods_.resize(n);
      for (size_t i = 0; i < n; ++i) validated_pods_[i] = pods[i].name;
    }
  }
  if (aligned) {
    for (size_t i = 0; i < n; ++i) {
      pod_sample_[i] = static_cast<int32_t>(i);
      sample_pod_[i] = static_cast<int32_t>(i);
    }
    return absl::OkStatus();
  }
  std::fill(pod_sample_.begin(), pod_sample_.end(), -1);
  for (size_t j = 0; j < samples.size(); ++j) {
    const int32_t p = pod_index_->Find(samples[j].pod);
    if (p < 0) {
      // Superfluous (no such pod): kept, as in Kubernetes. Two with the same
      // name would collapse into one map entry there; reject them instead
      // of guessing which one counts.
      sample_pod_[j] = -1;
      if (pod_index_->Insert(samples[j].pod, -2) != internal::NameIndex::kAbsent) {
        return absl::InvalidArgumentError(absl::StrCat(
            "duplicate metric sample for pod \"", samples[j].pod, "\""));
      }
      continue;
    }
    if (pod_sample_[p] != -1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "duplicate metric sample for pod \"", samples[j].pod, "\""));
    }
    pod_sample_[p] = static_cast<int32_t>(j);
    sample_pod_[j] = p;
  }
  return absl::OkStatus();
}

absl::Status ReplicaCalculator::GroupPods(absl::Span<const Pod> pods,
                                          absl::Span<const PodSample> samples,
                                          std::optional<ResourceName> resource,
                                          absl::Time now,
                                          std::vector<PodGroup>* groups,
                                          int* ready_count) {
  absl::Status st = MatchSamples(pods, samples);
  if (!st.ok()) return st;
  groups->resize(pods.size());
  int ready = 0, unready = 0, missing = 0;
  const bool cpu = resource.has_value() && *resource == ResourceName::kCpu;
  for (size_t i = 0; i < pods.size(); ++i) {
    const Pod& pod = pods[i];
    PodGroup g;
    if (pod.deleted || pod.phase == PodPhase::kFailed ||
        pod.phase == PodPhase::kSucceeded) {
      g = PodGroup::kIgnored;
    } else if (pod.phase == PodPhase::kPending) {
      g = PodGroup::kUnready;
    } else if (pod_sample_[i] < 0) {
      g = PodGroup::kMissing;
    } else if (cpu) {
      const PodSample& sample = samples[pod_sample_[i]];
      bool unready;
      if (!pod.ready.has_value() || !pod.start_time.has_value()) {
        unready = true;
      } else if (*pod.start_time + readiness_.cpu_initialization_period > now) {
        // Still initializing: ignore the sample when the pod is unready or
        // one metric window has not passed since its last transition.
        unready = pod.ready->status == ConditionStatus::kFalse ||
                  sample.timestamp <
                      pod.ready->last_transition_time + sample.window;
      } else {
        // Ignore it only when the pod has never been ready since it started.
        unready = pod.ready->status == ConditionStatus::kFalse &&
                  *pod.start_time + readiness_.initial_readiness_delay >
                      pod.ready->last_transition_time;
      }
      g = unready ? PodGroup::kUnready : PodGroup::kReady;
    } else {
      g = PodGroup::kReady;
    }
    (*groups)[i] = g;
    ready += g == PodGroup::kReady;
    unready += g == PodGroup::kUnready;
    missing += g == PodGroup::kMissing;
  }
  *ready_count = ready;
  unready_count_ = unready;
  missing_count_ = missing;
  return absl::OkStatus();
}

absl::Status ReplicaCalculator::CalculateRequests(absl::Span<const Pod> pods,
                                                  ResourceName resource,
                                                  const std::string& container,
                                                  bool pod_level_resources,
                                                  std::vector<int64_t>* requests) {
  requests->resize(pods.size());
  const char* rname = ResourceString(resource);
  for (size_t i = 0; i < pods.size(); ++i) {
    const Pod& pod = pods[i];
    if (pod_level_resources && container.empty() &&
        pod.pod_requests.has_value()) {
      std::optional<int64_t> r = Get(*pod.pod_requests, resource);
      if (!r.has_value()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "missing pod-level request for ", rname, " in Pod ", pod.name));
      }
      (*requests)[i] = *r;
      continue;
    }
    int64_t total = 0;
    bool found = container.empty();
    auto add = [&](const Container& c) -> absl::Status {
      if (!container.empty() && c.name != container) return absl::OkStatus();
      std::optional<int64_t> r = Get(c.requests, resource);
      if (!r.has_value()) {
        return absl::FailedPreconditionError(
            absl::StrCat("missing request for ", rname, " in container ",
                         c.name, " of Pod ", pod.name));
      }
      total += *r;
      found = true;
      return absl::OkStatus();
    };
    for (const Container& c : pod.containers) {
      absl::Status st = add(c);
      if (!st.ok()) return st;
    }
    for (const Container& c : pod.init_containers) {
      if (!c.restart_policy_always) continue;  // only sidecars count
      absl::Status st = add(c);
      if (!st.ok()) return st;
    }
    if (!found) {
      return absl::FailedPreconditionError(absl::StrCat(
          "container ", container, " not found in Pod ", pod.name));
    }
    (*requests)[i] = total;
  }
  return absl::OkStatus();
}

absl::StatusOr<ResourceReplicas> ReplicaCalculator::ResourceUtilization(
    int32_t current_replicas, int32_t target_percent, ResourceName resource,
    const std::string& container, const Tolerances& tolerances,
    absl::Span<const Pod> pods, absl::Span<const PodSample> samples,
    absl::Time now, bool pod_level_resources) {
  if (pods.empty()) return NoPodsError();
  int ready_count = 0;
  absl::Status st = GroupPods(pods, samples, resource, now, &groups_, &ready_count);
  if (!st.ok()) return st;

  // Samples that survive removeMetricsForPods: ready pods and superfluous.
  int64_t kept = 0;
  const bool any_unready = unready_count_ > 0, any_missing = missing_count_ > 0;
  for (size_t j = 0; j < samples.size(); ++j) {
    const int32_t p = sample_pod_[j];
    if (p < 0 || groups_[p] == PodGroup::kReady) ++kept;
  }
  if (kept == 0) {
    return absl::FailedPreconditionError(
        "did not receive metrics for targeted pods (pods might be unready)");
  }
  st = CalculateRequests(pods, resource, container, pod_level_resources,
                         &requests_);
  if (!st.ok()) return st;

  // GetResourceUtilizationRatio over the kept samples with a request.
  __int128 metrics_total = 0, requests_total = 0;
  int64_t entries = 0;
  for (size_t j = 0; j < samples.size(); ++j) {
    const int32_t p = sample_pod_[j];
    if (p < 0 || groups_[p] != PodGroup::kReady) continue;
    metrics_total += samples[j].value_milli;
    requests_total += requests_[p];
    ++entries;
  }
  if (requests_total == 0) {
    return absl::FailedPreconditionError(
        "no metrics returned matched known pods");
  }
  ResourceReplicas out;
  out.utilization = Saturate32((metrics_total * 100) / requests_total);
  out.raw_average_milli = Saturate64(metrics_total / entries);
  const double ratio =
      static_cast<double>(out.utilization) / static_cast<double>(target_percent);

  const bool scale_up_with_unready = any_unready && ratio > 1.0;
  if (!scale_up_with_unready && !any_missing) {
    out.replicas = tolerances.IsWithin(ratio)
                       ? current_replicas
                       : CeilToInt32(ratio * static_cast<double>(ready_count));
    return out;
  }

  // Fill in missing and (on scale-up) unready pods, then recompute.
  const int64_t fallback_percent = std::max<int64_t>(100, target_percent);
  __int128 new_metrics = metrics_total, new_requests = requests_total;
  int64_t count = kept;
  for (size_t i = 0; i < pods.size(); ++i) {
    if (groups_[i] == PodGroup::kMissing) {
      if (ratio < 1.0) {
        new_metrics += (static_cast<__int128>(requests_[i]) * fallback_percent) / 100;
      } else if (!(ratio > 1.0)) {
        continue;  // ratio == 1: nothing is filled in
      }
      new_requests += requests_[i];
      ++count;
    } else if (groups_[i] == PodGroup::kUnready && scale_up_with_unready) {
      new_requests += requests_[i];
      ++count;
    }
  }
  if (new_requests == 0) {
    return absl::FailedPreconditionError(
        "no metrics returned matched known pods");
  }
  const int32_t new_utilization =
      Saturate32((new_metrics * 100) / new_requests);
  const double new_ratio = static_cast<double>(new_utilization) /
                           static_cast<double>(target_percent);
  if (tolerances.IsWithin(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) ||
      (ratio > 1.0 && new_ratio < 1.0)) {
    out.replicas = current_replicas;
    return out;
  }
  // `count` is |samples|: kept (ready and superfluous) plus filled-in.
  const int32_t new_replicas =
      CeilToInt32(new_ratio * static_cast<double>(count));
  if ((new_ratio < 1.0 && new_replicas > current_replicas) ||
      (new_ratio > 1.0 && new_replicas < current_replicas)) {
    out.replicas = current_replicas;
    return out;
  }
  out.replicas = new_replicas;
  return out;
}

absl::StatusOr<MetricReplicas> ReplicaCalculator::AverageValue(
    int32_t current_replicas, int64_t target_milli,
    std::optional<ResourceName> resource, const Tolerances& tolerances,
    absl::Span<const Pod> pods, absl::Span<const PodSample> samples,
    absl::Time now) {
  if (pods.empty()) return NoPodsError();
  int ready_count = 0;
  absl::Status st =
      GroupPods(pods, samples, resource, now, &groups_, &ready_count);
  if (!st.ok()) return st;

  __int128 total = 0;
  int64_t kept = 0;
  for (size_t j = 0; j < samples.size(); ++j) {
    const int32_t p = sample_pod_[j];
    if (p >= 0 && groups_[p] != PodGroup::kReady) continue;
    total += samples[j].value_milli;
    ++kept;
  }
  if (kept == 0) {
    return absl::FailedPreconditionError(
        "did not receive metrics for targeted pods (pods might be unready)");
  }
  MetricReplicas out;
  out.usage_milli = DivideSaturated(total, kept);
  const double ratio = static_cast<double>(out.usage_milli) /
                       static_cast<double>(target_milli);
  const bool any_unready = unready_count_ > 0, any_missing = missing_count_ > 0;
  const bool scale_up_with_unready = any_unready && ratio > 1.0;
  if (!scale_up_with_unready && !any_missing) {
    out.replicas = tolerances.IsWithin(ratio)
                       ? current_replicas
                       : CeilToInt32(ratio * static_cast<double>(ready_count));
    return out;
  }
  __int128 new_total = total;
  int64_t count = kept;
  for (PodGroup g : groups_) {
    if (g == PodGroup::kMissing) {
      if (ratio < 1.0) {
        new_total += target_milli;
        ++count;
      } else if (ratio > 1.0) {
        ++count;  // filled with 0
      }
    } else if (g == PodGroup::kUnready && scale_up_with_unready) {
      ++count;  // filled with 0
    }
  }
  const int64_t new_usage = DivideSaturated(new_total, count);
  const double new_ratio =
      static_cast<double>(new_usage) / static_cast<double>(target_milli);
  if (tolerances.IsWithin(new_ratio) || (ratio < 1.0 && new_ratio > 1.0) ||
      (ratio > 1.0 && new_ratio < 1.0)) {
    out.replicas = current_replicas;
    return out;
  }
  const int32_t new_replicas =
      CeilToInt32(new_ratio * static_cast<double>(count));
  if ((new_ratio < 1.0 && new_replicas > current_replicas) ||
      (new_ratio > 1.0 && new_replicas < current_replicas)) {
    out.replicas = current_replicas;
    return out;
  }
  out.replicas = new_replicas;
  return out;
}

absl::StatusOr<MetricReplicas> ReplicaCalculator::ObjectValue(
    int32_t current_replicas, int64_t target_milli, int64_t value_milli,
    const Tolerances& tolerances, absl::Span<const Pod> pods) {
  const double ratio =
      static_cast<double>(value_milli) / static_cast<double>(target_milli);
  absl::StatusOr<int32_t> replicas =
      UsageRatioReplicaCount(current_replicas, ratio, tolerances, pods);
  if (!replicas.ok()) return replicas.status();
  return MetricReplicas{*replicas, value_milli};
}

MetricReplicas ReplicaCalculator::ObjectAverageValue(
    int32_t status_replicas, int64_t target_average_milli, int64_t value_milli,
    const Tolerances& tolerances) {
  MetricReplicas out;
  out.replicas = status_replicas;
  const double ratio =
      static_cast<double>(value_milli) /
      (static_cast<double>(target_average_milli) *
       static_cast<double>(status_replicas));
  if (!tolerances.IsWithin(ratio)) {
    out.replicas = CeilToInt32(static_cast<double>(value_milli) /
                               static_cast<double>(target_average_milli));
  }
  out.usage_milli = PerPodUsage(value_milli, status_replicas);
  return out;
}

absl::StatusOr<MetricReplicas> ReplicaCalculator::ExternalValue(
    int32_t current_replicas, int64_t target_milli,
    absl::Span<const int64_t> values_milli, const Tolerances& tolerances,
    absl::Span<const Pod> pods) {
  if (values_milli.empty()) {
    return absl::FailedPreconditionError(
        "no metrics returned from external metrics API");
  }
  const int64_t sum = SumExternalValues(values_milli);
  const double ratio =
      static_cast<double>(sum) / static_cast<double>(target_milli);
  absl::StatusOr<int32_t> replicas =
      UsageRatioReplicaCount(current_replicas, ratio, tolerances, pods);
  if (!replicas.ok()) return replicas.status();
  return MetricReplicas{*replicas, sum};
}

absl::StatusOr<MetricReplicas> ReplicaCalculator::ExternalAverageValue(
    int32_t status_replicas, int64_t target_average_milli,
    absl::Span<const int64_t> values_milli, const Tolerances& tolerances) {
  if (values_milli.empty()) {
    return absl::FailedPreconditionError(
        "no metrics returned from external metrics API");
  }
  int64_t sum = SumExternalValues(values_milli);
  if (sum < 0 && !values_milli.empty()) {
    // A sum that wrapped negative is pinned to the maximum (§4.7).
    bool all_non_negative = true;
    for (int64_t v : values_milli) all_non_negative &= v >= 0;
    if (all_non_negative) sum = kMaxInt64;
  }
  MetricReplicas out;
  out.replicas = status_replicas;
  const double ratio = static_cast<double>(sum) /
                       (static_cast<double>(target_average_milli) *
                        static_cast<double>(status_replicas));
  if (!tolerances.IsWithin(ratio)) {
    const double f =
        std::ceil(static_cast<double>(sum) /
                  static_cast<double>(target_average_milli));
    out.replicas = f > static_cast<double>(kMaxInt32) ? kMaxInt32
                                                      : CeilToInt32(f);
  }
  out.usage_milli = sum >= kMaxInt64 ? kMaxInt64
                                     : PerPodUsage(sum, status_replicas);
  return out;
}

}  // namespace agentscale::hpa
