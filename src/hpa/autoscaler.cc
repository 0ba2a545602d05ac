// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// One sync of Kubernetes' HPA reconcile loop (horizontal.go), in the order of
// the spec's §3, on an Observation instead of API calls.

#include "agentscale/hpa/autoscaler.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/hpa/selector.h"
#include "agentscale/hpa/state_json.h"
#include "agentscale/internal/name_index.h"
#include "agentscale/status_macros.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/time_bounds.h"

namespace agentscale {
namespace {

using hpa::ConditionType;
using hpa::MetricSourceType;
using hpa::MetricTargetType;
using hpa::Reason;

Reason FailureReason(MetricSourceType type) {
  switch (type) {
    case MetricSourceType::kResource:
      return Reason::kFailedGetResourceMetric;
    case MetricSourceType::kContainerResource:
      return Reason::kFailedGetContainerResourceMetric;
    case MetricSourceType::kPods:
      return Reason::kFailedGetPodsMetric;
    case MetricSourceType::kObject:
      return Reason::kFailedGetObjectMetric;
    case MetricSourceType::kExternal:
      return Reason::kFailedGetExternalMetric;
    case MetricSourceType::kUnknown:
      return Reason::kInvalidMetricSourceType;
  }
  return Reason::kInvalidMetricSourceType;
}

// dst = src, element by element, so that equal strings are not copied (the
// conditions rarely change between syncs).
void AssignConditions(const std::vector<hpa::Condition>& src,
                      std::vector<hpa::Condition>* dst) {
  if (dst->size() != src.size()) {
    *dst = src;
    return;
  }
  for (size_t i = 0; i < src.size(); ++i) {
    hpa::Condition& d = (*dst)[i];
    const hpa::Condition& s = src[i];
    d.type = s.type;
    d.status = s.status;
    d.reason = s.reason;
    d.replicas = s.replicas;
    if (!internal::FastEqual(d.detail, s.detail)) d.detail = s.detail;
  }
}

// The name an observation uses for a spec metric.
const std::string& ObservationName(const hpa::MetricSpec& m) { return m.name; }

}  // namespace

HorizontalAutoscaler::HorizontalAutoscaler(hpa::AutoscalerSpec spec,
                                           hpa::ControllerConfig config)
    : spec_(std::make_shared<const hpa::AutoscalerSpec>(std::move(spec))),
      config_(config),
      calculator_(hpa::ReadinessConfig{config.cpu_initialization_period,
                                       config.initial_readiness_delay}) {
  tolerances_ = hpa::Tolerances{config_.tolerance, config_.tolerance};
  if (config_.configurable_tolerance && spec_->behavior.has_value()) {
    if (spec_->behavior->scale_down.tolerance.has_value()) {
      tolerances_.scale_down = *spec_->behavior->scale_down.tolerance;
    }
    if (spec_->behavior->scale_up.tolerance.has_value()) {
      tolerances_.scale_up = *spec_->behavior->scale_up.tolerance;
    }
  }
  for (const hpa::MetricSpec& m : spec_->metrics) {
    metric_descriptions_.push_back(m.Describe());
    has_object_or_external_ |= m.type == MetricSourceType::kObject ||
                               m.type == MetricSourceType::kExternal;
    has_fallback_ |= config_.external_metric_fallback &&
                     m.type == MetricSourceType::kExternal && m.fallback.has_value();
  }
  owner_selection_ = config_.selection_strategy &&
                     spec_->selection_strategy == hpa::SelectionStrategy::kOwnerReference;
  metric_obs_.reserve(spec_->metrics.size());
}

namespace {

// ControllerConfig checks both factories make (the spec's own validation is
// Create's alone).
absl::Status CheckConfig(const hpa::ControllerConfig& config) {
  if (!(config.max_sample_age > absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_sample_age must be positive (InfiniteDuration() turns the "
                     "check off), got ",
                     absl::FormatDuration(config.max_sample_age)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HorizontalAutoscaler> HorizontalAutoscaler::Create(
    hpa::AutoscalerSpec spec, hpa::ControllerConfig config) {
  AGENTSCALE_RETURN_IF_ERROR(CheckConfig(config));
  absl::Status st = hpa::ValidateSpecStatus(spec, config);
  if (!st.ok()) return st;
  return HorizontalAutoscaler(std::move(spec), config);
}

absl::StatusOr<HorizontalAutoscaler> HorizontalAutoscaler::CreateUnvalidated(
    hpa::AutoscalerSpec spec, hpa::ControllerConfig config) {
  AGENTSCALE_RETURN_IF_ERROR(CheckConfig(config));
  if (spec.min_replicas < 0 || spec.max_replicas < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("replica bounds must not be negative, got min ",
                     spec.min_replicas, " and max ", spec.max_replicas));
  }
  return HorizontalAutoscaler(std::move(spec), config);
}

PolicyState HorizontalAutoscaler::ExportPolicyState() const {
  PolicyState s;
  s.family = family();
  s.state_json = StateToJson(state_, -1);
  return s;
}

absl::Status HorizontalAutoscaler::ImportPolicyState(const PolicyState& state) {
  if (absl::Status st = CheckPolicyState(state, family(), 0); !st.ok()) return st;
  absl::StatusOr<AutoscalerState> s = StateFromJson(state.state_json);
  if (!s.ok()) return s.status();
  return ImportState(*std::move(s));
}

absl::Status CheckStateTimes(const AutoscalerState& s, const std::string& source) {
  const std::optional<absl::Time> last = s.last_evaluation;
  // Entries may be as old as Go's zero time (Kubernetes' own vectors stamp
  // recommendations with it); only a time after the last evaluation, or
  // after the accepted range, could hold the clock.
  auto check = [&](const std::string& path, absl::Time t) -> absl::Status {
    if (t < hpa::GoZeroTime() || t > LatestTime()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": ", path, ": ", TimeText(t),
          " is outside 0001-01-01T00:00:00Z .. 2262-04-11T23:47:16Z"));
    }
    if (last.has_value() && t > *last) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": ", path, ": ", TimeText(t), " is after last_evaluation ", TimeText(*last)));
    }
    return absl::OkStatus();
  };
  if (last.has_value() && !IsAcceptedTime(*last)) {
    return CheckTime(*last, absl::StrCat(source, ": $.last_evaluation"));
  }
  if (s.recommendations.has_value()) {
    for (size_t i = 0; i < s.recommendations->size(); ++i) {
      AGENTSCALE_RETURN_IF_ERROR(check(absl::StrCat("$.recommendations[", i, "].timestamp"),
                            (*s.recommendations)[i].timestamp));
    }
  }
  for (const auto& [name, events] :
       {std::make_pair("scale_up_events", &s.scale_up_events),
        std::make_pair("scale_down_events", &s.scale_down_events)}) {
    for (size_t i = 0; i < events->size(); ++i) {
      AGENTSCALE_RETURN_IF_ERROR(
          check(absl::StrCat("$.", name, "[", i, "].timestamp"), (*events)[i].timestamp));
    }
  }
  if (s.last_scale_time.has_value()) {
    AGENTSCALE_RETURN_IF_ERROR(check("$.last_scale_time", *s.last_scale_time));
  }
  for (size_t i = 0; i < s.first_failure_times.size(); ++i) {
    if (s.first_failure_times[i].has_value()) {
      AGENTSCALE_RETURN_IF_ERROR(check(
          absl::StrCat("$.first_failure_times (metric ", i, ").first_failure_time"),
          *s.first_failure_times[i]));
    }
  }
  return absl::OkStatus();
}

absl::Status HorizontalAutoscaler::ImportState(AutoscalerState state) {
  AGENTSCALE_RETURN_IF_ERROR(CheckStateTimes(state));
  for (const auto* events : {&state.scale_up_events, &state.scale_down_events}) {
    for (const hpa::ScaleEvent& e : *events) {
      if (e.replica_change < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("scale event with negative replica change ",
                         e.replica_change));
      }
    }
  }
  if (state.recommendations.has_value()) {
    for (const hpa::Recommendation& r : *state.recommendations) {
      if (r.replicas < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "recommendation with negative replicas ", r.replicas));
      }
    }
  }
  for (size_t i = 0; i < state.first_failure_times.size(); ++i) {
    if (!state.first_failure_times[i].has_value()) continue;
    if (i >= spec_->metrics.size() ||
        spec_->metrics[i].type != MetricSourceType::kExternal ||
        !spec_->metrics[i].fallback.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "first_failure_times (metric ", i, "): spec.metrics[", i,
          "] is not an External metric with a fallback"));
    }
  }
  // Without the gate (or a fallback) nothing reads the timers: an imported
  // state drops them and their condition, so that turning the gate on later
  // starts fresh, as KEP-5679 asks.
  if (!has_fallback_) {
    state.first_failure_times.clear();
    RemoveCondition(&state.conditions, ConditionType::kExternalMetricFallbackActive);
  }
  while (!state.first_failure_times.empty() && !state.first_failure_times.back()) {
    state.first_failure_times.pop_back();
  }
  state_ = std::move(state);
  stabilization_index_.Invalidate();
  pending_time_.reset();
  return absl::OkStatus();
}

void HorizontalAutoscaler::SetCondition(std::vector<hpa::Condition>* conditions,
                                        ConditionType type, bool status,
                                        Reason reason) {
  for (hpa::Condition& c : *conditions) {
    if (c.type == type) {
      c.status = status;
      c.reason = reason;
      c.detail.clear();
      c.replicas = 0;
      return;
    }
  }
  conditions->push_back(hpa::Condition{type, status, reason, {}, 0});
}

void HorizontalAutoscaler::SetCondition(std::vector<hpa::Condition>* conditions,
                                        ConditionType type, bool status,
                                        Reason reason,
                                        const std::string& detail) {
  for (hpa::Condition& c : *conditions) {
    if (c.type == type) {
      c.status = status;
      c.reason = reason;
      c.replicas = 0;
      if (c.detail != detail) c.detail = detail;
      return;
    }
  }
  conditions->push_back(hpa::Condition{type, status, reason, detail, 0});
}

void HorizontalAutoscaler::RemoveCondition(std::vector<hpa::Condition>* conditions,
                                           ConditionType type) {
  conditions->erase(
      std::remove_if(conditions->begin(), conditions->end(),
                     [type](const hpa::Condition& c) { return c.type == type; }),
      conditions->end());
}

bool HorizontalAutoscaler::ScaledToZeroConditionTrue() const {
  if (!config_.scale_to_zero) return false;
  for (const hpa::Condition& c : state_.conditions) {
    if (c.type == ConditionType::kScaledToZero) return c.status;
  }
  return false;
}

bool HorizontalAutoscaler::HasObjectOrExternalMetric() const {
  return has_object_or_external_;
}

absl::Status HorizontalAutoscaler::MatchMetrics(const Observation& obs) {
  const size_t n = spec_->metrics.size();
  metric_obs_.assign(n, -1);
  for (size_t j = 0; j < obs.metrics.size(); ++j) {
    const std::string& name = obs.metrics[j].metric;
    int target = -1;
    if (name.empty()) {
      if (j >= n) {
        return absl::InvalidArgumentError(absl::StrCat(
            "observation #", j, " names no metric and the spec has only ", n,
            " metric(s)"));
      }
      target = static_cast<int>(j);
    } else if (j < n && metric_obs_[j] < 0 &&
               internal::FastEqual(ObservationName(spec_->metrics[j]), name)) {
      target = static_cast<int>(j);
    } else {
      for (size_t i = 0; i < n; ++i) {
        if (metric_obs_[i] < 0 && ObservationName(spec_->metrics[i]) == name) {
          target = static_cast<int>(i);
          break;
        }
      }
      if (target < 0) {
        std::vector<std::string> names;
        for (const hpa::MetricSpec& m : spec_->metrics) names.push_back(m.name);
        bool duplicate = std::find(names.begin(), names.end(), name) != names.end();
        return absl::InvalidArgumentError(
            duplicate
                ? absl::StrCat("more than one observation for metric \"", name,
                               "\"")
                : absl::StrCat("observation for unknown metric \"", name,
                               "\"; the spec's metrics are: ",
                               absl::StrJoin(names, ", ")));
      }
    }
    if (metric_obs_[target] >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "more than one observation for metric \"",
          spec_->metrics[target].name, "\""));
    }
    metric_obs_[target] = static_cast<int>(j);
  }
  return absl::OkStatus();
}

void HorizontalAutoscaler::ComputeMetric(int index, const Observation& obs,
                                         const MetricObservation* mobs,
                                         MetricResult* r) {
  const hpa::MetricSpec& m = spec_->metrics[index];
  r->spec_index = index;
  r->type = m.type;
  r->valid = false;
  r->proposal = 0;
  r->value_milli = 0;
  r->utilization.reset();
  r->failure_reason = FailureReason(m.type);
  r->error = absl::OkStatus();
  r->stale_samples = 0;
  r->first_failure.reset();
  r->fallback = false;
  const int32_t current = obs.current_replicas;
  const int32_t status_replicas = obs.status_replicas.value_or(current);
  const absl::Time now = *state_.last_evaluation;

  auto fail = [&](absl::Status st) { r->error = std::move(st); };
  if (m.type == MetricSourceType::kUnknown) {
    fail(absl::InvalidArgumentError(
        absl::StrCat("invalid metric source type \"", m.name, "\"")));
    return;
  }
  if (mobs == nullptr) {
    fail(absl::UnavailableError(absl::StrCat(
        "no observation for ", metric_descriptions_[index])));
    return;
  }
  if (!mobs->error.ok()) {
    if (m.type == MetricSourceType::kResource ||
        m.type == MetricSourceType::kContainerResource) {
      fail(absl::Status(mobs->error.code(),
                        absl::StrCat("unable to get metrics for resource ",
                                     m.name, ": ", mobs->error.message())));
    } else {
      fail(absl::Status(mobs->error.code(),
                        absl::StrCat("unable to get metric ", m.name, ": ",
                                     mobs->error.message())));
    }
    return;
  }
  // Samples the metrics APIs would no longer serve are left out first.
  absl::Span<const hpa::PodSample> pod_samples =
      FreshSamples(mobs->pod_samples, &fresh_samples_, &r->stale_samples);
  for (const hpa::PodSample& s : pod_samples) {
    if (s.value_milli < 0) {
      fail(absl::InvalidArgumentError(absl::StrCat(
          "negative value ", s.value_milli, "m for pod ", s.pod)));
      return;
    }
  }
  // "No metrics returned", saying why when every sample was stale.
  auto none_fresh = [&](absl::Status st) {
    if (st.ok() || r->stale_samples == 0) return st;
    return absl::Status(st.code(),
                        absl::StrCat(st.message(), " (", r->stale_samples,
                                     " sample(s) older than ",
                                     absl::FormatDuration(config_.max_sample_age),
                                     " left out)"));
  };

  switch (m.type) {
    case MetricSourceType::kResource:
    case MetricSourceType::kContainerResource: {
      // Resource samples are read only when no per-pod sums are given.
      int32_t stale_resource = 0;
      if (mobs->pod_samples.empty()) {
        for (const hpa::PodResourceSample& rs : mobs->resource_samples) {
          stale_resource += IsStale(rs.timestamp);
        }
        r->stale_samples += stale_resource;
      }
      absl::Status fetched = none_fresh(hpa::CheckResourceMetricsReturned(
          m.resource(), pod_samples.size() + mobs->resource_samples.size() -
                            static_cast<size_t>(stale_resource)));
      if (!fetched.ok()) return fail(std::move(fetched));
      absl::Span<const hpa::PodSample> samples = pod_samples;
      if (mobs->pod_samples.empty() && !mobs->resource_samples.empty()) {
        hpa::SumResourceSamples(m.resource(), m.container,
                                mobs->resource_samples, &summed_samples_);
        samples = FreshSamples(summed_samples_, &fresh_samples_, nullptr);
        for (const hpa::PodSample& s : samples) {
          if (s.value_milli < 0) {
            fail(absl::InvalidArgumentError(absl::StrCat(
                "negative usage ", s.value_milli, "m for pod ", s.pod)));
            return;
          }
        }
      }
      if (m.target.average_value_milli.has_value()) {
        auto res = calculator_.AverageValue(current, *m.target.average_value_milli,
                                            m.resource(), tolerances_, pods_,
                                            samples, now);
        if (!res.ok()) return fail(res.status());
        r->proposal = res->replicas;
        r->value_milli = res->usage_milli;
      } else if (m.target.average_utilization.has_value()) {
        auto res = calculator_.ResourceUtilization(
            current, *m.target.average_utilization, m.resource(), m.container,
            tolerances_, pods_, samples, now, config_.pod_level_resources);
        if (!res.ok()) return fail(res.status());
        r->proposal = res->replicas;
        r->value_milli = res->raw_average_milli;
        r->utilization = res->utilization;
      } else {
        return fail(absl::InvalidArgumentError(
            "invalid resource metric source: neither an average utilization "
            "target nor an average value (usage) target was set"));
      }
      break;
    }
    case MetricSourceType::kPods: {
      if (!m.target.average_value_milli.has_value()) {
        return fail(absl::InvalidArgumentError(
            "invalid pods metric source: no average value target was set"));
      }
      absl::Status fetched =
          none_fresh(hpa::CheckCustomMetricsReturned(m.name, pod_samples.size()));
      if (!fetched.ok()) return fail(std::move(fetched));
      auto res = calculator_.AverageValue(current, *m.target.average_value_milli,
                                          std::nullopt, tolerances_, pods_,
                                          pod_samples, now);
      if (!res.ok()) return fail(res.status());
      r->proposal = res->replicas;
      r->value_milli = res->usage_milli;
      break;
    }
    case MetricSourceType::kObject: {
      if (!mobs->object_value_milli.has_value()) {
        return fail(absl::UnavailableError(
            absl::StrCat("unable to get metric ", m.name, ": no value observed "
                         "for the described object")));
      }
      const int64_t v = *mobs->object_value_milli;
      if (v < 0) {
        return fail(absl::InvalidArgumentError(
            absl::StrCat("negative object value ", v, "m")));
      }
      if (m.target.type == MetricTargetType::kValue &&
          m.target.value_milli.has_value()) {
        auto res = hpa::ReplicaCalculator::ObjectValue(
            current, *m.target.value_milli, v, tolerances_, obs.pods);
        if (!res.ok()) return fail(res.status());
        r->proposal = res->replicas;
        r->value_milli = res->usage_milli;
      } else if (m.target.type == MetricTargetType::kAverageValue &&
                 m.target.average_value_milli.has_value()) {
        hpa::MetricReplicas res = hpa::ReplicaCalculator::ObjectAverageValue(
            status_replicas, *m.target.average_value_milli, v, tolerances_);
        r->proposal = res.replicas;
        r->value_milli = res.usage_milli;
      } else {
        return fail(absl::InvalidArgumentError(
            "invalid object metric source: neither a value target nor an "
            "average value target was set"));
      }
      break;
    }
    case MetricSourceType::kExternal: {
      absl::Status fetched = hpa::CheckExternalMetricsReturned(
          m.name, mobs->external_values_milli.size());
      if (!fetched.ok()) return fail(std::move(fetched));
      for (int64_t v : mobs->external_values_milli) {
        if (v < 0) {
          return fail(absl::InvalidArgumentError(
              absl::StrCat("negative external value ", v, "m")));
        }
      }
      if (m.target.average_value_milli.has_value()) {
        auto res = hpa::ReplicaCalculator::ExternalAverageValue(
            status_replicas, *m.target.average_value_milli,
            mobs->external_values_milli, tolerances_);
        if (!res.ok()) return fail(res.status());
        r->proposal = res->replicas;
        r->value_milli = res->usage_milli;
      } else if (m.target.value_milli.has_value()) {
        auto res = hpa::ReplicaCalculator::ExternalValue(
            current, *m.target.value_milli, mobs->external_values_milli,
            tolerances_, obs.pods);
        if (!res.ok()) return fail(res.status());
        r->proposal = res->replicas;
        r->value_milli = res->usage_milli;
      } else {
        return fail(absl::InvalidArgumentError(
            "invalid external metric source: neither a value target nor an "
            "average value target was set"));
      }
      break;
    }
    case MetricSourceType::kUnknown:
      break;
  }
  r->valid = true;
  r->failure_reason = Reason::kNone;
}

absl::Span<const hpa::PodSample> HorizontalAutoscaler::FreshSamples(
    absl::Span<const hpa::PodSample> samples, std::vector<hpa::PodSample>* scratch,
    int32_t* stale) const {
  // The common case, every sample fresh and no pod left out by the
  // selection strategy, returns the span as given.
  const bool select = !unselected_names_.empty();
  auto unselected = [&](const hpa::PodSample& s) {
    return std::binary_search(unselected_names_.begin(), unselected_names_.end(),
                              std::string_view(s.pod));
  };
  size_t i = 0;
  if (select) {
    while (i < samples.size() && !IsStale(samples[i].timestamp) && !unselected(samples[i])) ++i;
  } else {
    while (i < samples.size() && !IsStale(samples[i].timestamp)) ++i;
  }
  if (i == samples.size()) return samples;
  scratch->assign(samples.begin(), samples.begin() + i);
  int32_t n = 0;
  for (; i < samples.size(); ++i) {
    if (IsStale(samples[i].timestamp)) {
      ++n;
    } else if (!select || !unselected(samples[i])) {
      scratch->push_back(samples[i]);
    }
  }
  if (stale != nullptr) *stale += n;
  return *scratch;
}

namespace {

// KEP-5325's owner test: an ownerReference names the scale target when kind,
// name and API group agree (the version may differ: apps/v1 and
// apps/v1beta2 name the same Deployment).
std::string_view ApiGroup(std::string_view api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}
bool SameObject(const hpa::ObjectReference& a, const hpa::ObjectReference& b) {
  return a.kind == b.kind && a.name == b.name &&
         ApiGroup(a.api_version) == ApiGroup(b.api_version);
}

// The longest ownership chain followed (the prototype controller's bound).
constexpr int kMaxOwnershipChain = 10;

// Orders owners by (kind, name, API group), so that the owners a reference
// names are found by binary search.
bool OwnerKeyLess(const hpa::ObjectReference& a, const hpa::ObjectReference& b) {
  if (a.kind != b.kind) return a.kind < b.kind;
  if (a.name != b.name) return a.name < b.name;
  return ApiGroup(a.api_version) < ApiGroup(b.api_version);
}

}  // namespace

absl::Span<const hpa::Pod> HorizontalAutoscaler::SelectedPods(const Observation& obs) {
  unselected_names_.clear();
  // Reading the owners failed: every pod counts (KEP-5325).
  if (!obs.owners_error.ok()) return obs.pods;
  // owner_hops_[i]: the fewest ownerReferences from owner i to the target,
  // found in at most kMaxOwnershipChain rounds of relaxation, each a pass
  // over every reference (a cycle or a fan-out costs no more than that).
  const std::vector<OwnerObject>& owners = obs.owners;
  owner_order_.resize(owners.size());
  for (size_t i = 0; i < owners.size(); ++i) owner_order_[i] = static_cast<int>(i);
  std::sort(owner_order_.begin(), owner_order_.end(), [&](int a, int b) {
    return OwnerKeyLess(owners[a].ref, owners[b].ref);
  });
  // Owners listed more than once under one key are one object: hops are
  // kept per key (group), so that duplicates cost a lookup, not a scan.
  owner_group_.resize(owners.size());
  int groups = 0;
  for (size_t k = 0; k < owner_order_.size(); ++k) {
    if (k > 0 && OwnerKeyLess(owners[owner_order_[k - 1]].ref, owners[owner_order_[k]].ref)) {
      ++groups;
    }
    owner_group_[owner_order_[k]] = groups;
  }
  const hpa::ObjectReference& target = spec_->scale_target_ref;
  constexpr int kFar = kMaxOwnershipChain + 1;
  owner_hops_.assign(owners.empty() ? 0 : static_cast<size_t>(groups) + 1, kFar);
  // The fewest hops to the target through `refs`, from the hops known so far.
  auto hops_through = [&](const std::vector<hpa::ObjectReference>& refs) {
    int best = kFar;
    for (const hpa::ObjectReference& ref : refs) {
      if (SameObject(ref, target)) return 1;
      auto it = std::lower_bound(owner_order_.begin(), owner_order_.end(), ref,
                                 [&](int a, const hpa::ObjectReference& b) {
                                   return OwnerKeyLess(owners[a].ref, b);
                                 });
      if (it != owner_order_.end() && !OwnerKeyLess(ref, owners[*it].ref)) {
        best = std::min(best, owner_hops_[owner_group_[*it]] + 1);
      }
    }
    return best;
  };
  for (int round = 0; round < kMaxOwnershipChain; ++round) {
    bool changed = false;
    for (size_t i = 0; i < owners.size(); ++i) {
      const int h = hops_through(owners[i].owner_references);
      int& group_hops = owner_hops_[owner_group_[i]];
      if (h < group_hops) {
        group_hops = h;
        changed = true;
      }
    }
    if (!changed) break;
  }
  size_t kept = 0;
  for (const hpa::Pod& pod : obs.pods) {
    if (hops_through(pod.owner_references) <= kMaxOwnershipChain) {
      if (kept < selected_pods_.size()) {
        selected_pods_[kept] = pod;
      } else {
        selected_pods_.push_back(pod);
      }
      ++kept;
    } else {
      unselected_names_.push_back(pod.name);
    }
  }
  if (unselected_names_.empty()) return obs.pods;
  std::sort(unselected_names_.begin(), unselected_names_.end());
  // A left-out pod sharing its name with a counted one: the observation
  // lists a pod name twice, which the calculator reports ("duplicate pod
  // name") when it sees every pod, rather than dropping the counted pod's
  // samples with the other's.
  for (size_t i = 0; i < kept; ++i) {
    if (std::binary_search(unselected_names_.begin(), unselected_names_.end(),
                           std::string_view(selected_pods_[i].name))) {
      unselected_names_.clear();
      return obs.pods;
    }
  }
  return absl::MakeConstSpan(selected_pods_.data(), kept);
}

void HorizontalAutoscaler::ApplyFallbacks(absl::Time now, Decision* d) {
  const size_t n = spec_->metrics.size();
  if (state_.first_failure_times.size() != n) state_.first_failure_times.resize(n);
  int active = -1;  // the first metric serving its fallback
  for (size_t i = 0; i < n; ++i) {
    const hpa::MetricSpec& m = spec_->metrics[i];
    if (m.type != MetricSourceType::kExternal || !m.fallback.has_value()) continue;
    MetricResult& r = d->metrics[i];
    std::optional<absl::Time>& first = state_.first_failure_times[i];
    // KEP-5679: a success clears firstFailureTime; the first failure sets it;
    // later failures keep it.
    if (r.valid) {
      first.reset();
      continue;
    }
    if (!first.has_value()) first = now;
    r.first_failure = first;
    if (now - *first >= m.fallback->failure_duration) {
      r.valid = true;
      r.fallback = true;
      r.proposal = m.fallback->replicas;
      if (active < 0) active = static_cast<int>(i);
    }
  }
  // Kept without trailing unset entries, the form the state JSON reads back.
  while (!state_.first_failure_times.empty() && !state_.first_failure_times.back()) {
    state_.first_failure_times.pop_back();
  }
  d->fallback = active >= 0;
  if (active < 0) {
    SetCondition(&state_.conditions, ConditionType::kExternalMetricFallbackActive, false,
                 Reason::kNoFallbackActive);
    return;
  }
  const hpa::MetricSpec& m = spec_->metrics[active];
  const MetricResult& r = d->metrics[active];
  SetCondition(&state_.conditions, ConditionType::kExternalMetricFallbackActive, true,
               Reason::kFallbackActive,
               absl::StrCat(metric_descriptions_[active], " has failed for ",
                            absl::FormatDuration(now - *r.first_failure),
                            "; using its fallback replica count ", m.fallback->replicas));
}

absl::StatusOr<Decision> HorizontalAutoscaler::Evaluate(absl::Time now,
                                                        const Observation& obs) {
  Decision d;
  absl::Status st = Evaluate(now, obs, &d);
  if (!st.ok()) return st;
  return d;
}

absl::Status HorizontalAutoscaler::Evaluate(absl::Time now,
                                            const Observation& obs,
                                            Decision* d) {
  if (!IsAcceptedTime(now)) return CheckTime(now, "now");
  if (state_.last_evaluation.has_value() && now < *state_.last_evaluation) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time went backwards: now is ", absl::FormatTime(now),
        ", before the last evaluation at ",
        absl::FormatTime(*state_.last_evaluation)));
  }
  if (obs.current_replicas < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "current_replicas must not be negative, got ", obs.current_replicas));
  }
  if (obs.status_replicas.has_value() && *obs.status_replicas < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status_replicas must not be negative, got ", *obs.status_replicas));
  }
  absl::Status st = MatchMetrics(obs);
  if (!st.ok()) return st;

  state_.last_evaluation = now;
  pending_time_.reset();
  sample_cutoff_ = config_.max_sample_age == absl::InfiniteDuration()
                       ? absl::InfinitePast()
                       : now - config_.max_sample_age;
  const hpa::AutoscalerSpec& spec = *spec_;
  const int32_t current = obs.current_replicas;
  const int32_t previous_desired = state_.desired_replicas.value_or(current);

  d->time = now;
  d->path = DecisionPath::kMetrics;
  d->current_replicas = current;
  d->desired_replicas = current;
  d->rescale = false;
  d->status_desired_replicas = previous_desired;
  d->metric_replicas = -1;
  d->winning_metric = -1;
  d->stabilized_replicas = current;
  d->limit_reason = Reason::kNone;
  // d->metrics keeps its elements between syncs (each MetricResult holds an
  // absl::Status); it is resized on the metric path and cleared otherwise.
  bool metrics_computed = false;
  d->error = absl::OkStatus();
  d->committed = false;
  d->fallback = false;  // set again by ApplyFallbacks
  d->adjustments.clear();
  if (d->spec != spec_) d->spec = spec_;  // skips two atomic ops per sync

  // A held sync: status keeps its previous desired count, nothing moves.
  auto hold = [&](DecisionPath path, absl::Status error) {
    d->path = path;
    d->error = std::move(error);
    d->desired_replicas = current;
    d->rescale = false;
    d->status_desired_replicas = previous_desired;
    if (!metrics_computed) d->metrics.clear();
    AssignConditions(state_.conditions, &d->conditions);
    return absl::OkStatus();
  };

  // §3 step 1: the scale subresource.
  if (!obs.scale_error.ok()) {
    SetCondition(&state_.conditions, ConditionType::kAbleToScale, false, Reason::kFailedGetScale,
                 std::string(obs.scale_error.message()));
    return hold(DecisionPath::kScaleTargetError, obs.scale_error);
  }
  SetCondition(&state_.conditions, ConditionType::kAbleToScale, true, Reason::kSucceededGetScale);

  // §3 step 2: seed the history on the first sync.
  if (!state_.recommendations.has_value()) {
    state_.recommendations.emplace();
    state_.recommendations->push_back(hpa::Recommendation{current, now});
  }

  const int32_t min_replicas = spec.min_replicas;
  const bool scaled_to_zero = ScaledToZeroConditionTrue();
  const bool has_oe = HasObjectOrExternalMetric();
  int32_t desired = 0;
  bool rescale = true;
  bool compute = false;
  if (current == 0) {
    // §9: only scale from zero after the controller itself scaled to zero.
    compute = (min_replicas != 0 && scaled_to_zero) || (scaled_to_zero && has_oe);
    if (!compute) {
      rescale = false;
      d->path = DecisionPath::kScalingDisabled;
      SetCondition(&state_.conditions, ConditionType::kScalingActive, false,
                   Reason::kScalingDisabled);
      if (!config_.scale_to_zero) RemoveCondition(&state_.conditions, ConditionType::kScaledToZero);
    }
  } else if (current > spec.max_replicas) {
    d->path = DecisionPath::kAboveMax;
    desired = spec.max_replicas;
  } else if (current < min_replicas) {
    d->path = DecisionPath::kBelowMin;
    desired = min_replicas;
  } else {
    compute = true;
  }

  if (compute) {
    // §5 step 1: selector checks.
    if (obs.selector.has_value()) {
      const SelectorCheck& sc = *obs.selector;
      if (sc.target_selector.empty()) {
        SetCondition(&state_.conditions, ConditionType::kScalingActive, false,
                     Reason::kInvalidSelector,
                     "the HPA target's scale is missing a selector");
        return hold(DecisionPath::kSelectorInvalid,
                    absl::InvalidArgumentError("selector is required"));
      }
      absl::StatusOr<hpa::Selector> parsed =
          hpa::Selector::Parse(sc.target_selector);
      if (!parsed.ok()) {
        SetCondition(&state_.conditions, ConditionType::kScalingActive, false,
                     Reason::kInvalidSelector,
                     std::string(parsed.status().message()));
        return hold(DecisionPath::kSelectorInvalid, parsed.status());
      }
      std::vector<std::string> selecting;
      for (const SelectorCheck::OtherAutoscaler& other : sc.other_autoscalers) {
        absl::StatusOr<hpa::Selector> os =
            hpa::Selector::FromLabelSelector(other.selector);
        if (!os.ok()) continue;
        for (const hpa::Pod& pod : obs.pods) {
          if (os->Matches(pod.labels)) {
            selecting.push_back(other.name);
            break;
          }
        }
      }
      if (!selecting.empty()) {
        std::string msg = absl::StrCat(
            "pods by selector ", sc.target_selector,
            " are controlled by multiple HPAs: [", spec.namespace_name, "/",
            spec.name);
        for (const std::string& s : selecting) {
          absl::StrAppend(&msg, " ", spec.namespace_name, "/", s);
        }
        msg += "]";
        SetCondition(&state_.conditions, ConditionType::kScalingActive, false,
                     Reason::kAmbiguousSelector, msg);
        return hold(DecisionPath::kSelectorInvalid,
                    absl::FailedPreconditionError(msg));
      }
    }

    // §5 steps 2-5: every metric, then the maximum.
    const size_t n = spec.metrics.size();
    d->metrics.resize(n);
    metrics_computed = true;
    int32_t replicas = 0;
    int invalid = 0;
    int first_invalid = -1;
    pods_ = owner_selection_ ? SelectedPods(obs) : absl::MakeConstSpan(obs.pods);
    // With fallbacks every metric is computed before any is counted (a
    // failed one may turn into its fallback); otherwise in one pass.
    if (has_fallback_) {
      for (size_t i = 0; i < n; ++i) {
        const int oi = metric_obs_[i];
        ComputeMetric(static_cast<int>(i), obs, oi >= 0 ? &obs.metrics[oi] : nullptr,
                      &d->metrics[i]);
      }
      ApplyFallbacks(now, d);
    }
    for (size_t i = 0; i < n; ++i) {
      if (!has_fallback_) {
        const int oi = metric_obs_[i];
        ComputeMetric(static_cast<int>(i), obs, oi >= 0 ? &obs.metrics[oi] : nullptr,
                      &d->metrics[i]);
      }
      const MetricResult& r = d->metrics[i];
      if (!r.valid) {
        if (first_invalid < 0) first_invalid = static_cast<int>(i);
        ++invalid;
        continue;
      }
      if (replicas == 0 || r.proposal > replicas) {
        replicas = r.proposal;
        d->winning_metric = static_cast<int>(i);
      }
    }
    absl::Status metric_error;
    if (invalid > 0) {
      const MetricResult& f = d->metrics[first_invalid];
      metric_error = absl::Status(
          f.error.code(),
          absl::StrCat("invalid metrics (", invalid, " invalid out of ", n,
                       "), first error is: ", f.error.message()));
    }
    if (invalid >= static_cast<int>(n) || (invalid > 0 && replicas < current)) {
      const MetricResult& f = d->metrics[first_invalid];
      SetCondition(&state_.conditions, ConditionType::kScalingActive, false, f.failure_reason,
                   std::string(f.error.message()));
      d->winning_metric = -1;
      return hold(DecisionPath::kMetricsFailed, metric_error);
    }
    SetCondition(&state_.conditions, ConditionType::kScalingActive, true,
                 Reason::kValidMetricFound,
                 metric_descriptions_[d->winning_metric]);
    d->error = metric_error;
    d->metric_replicas = replicas;
    desired = replicas;

    // Normalize (§6 without behavior, §7 with it).
    std::vector<hpa::Recommendation>& history = *state_.recommendations;
    int32_t stabilized;
    hpa::Limited limited;
    if (!spec.behavior.has_value()) {
      stabilized = hpa::StabilizeLegacy(
          now, config_.downscale_stabilization_window, desired, &history);
      SetCondition(&state_.conditions, ConditionType::kAbleToScale, true,
                   stabilized != desired ? Reason::kScaleDownStabilized
                                         : Reason::kReadyForNewScale);
      limited = hpa::ConvertWithLegacyRules(
          current, stabilized, min_replicas, spec.max_replicas,
          config_.scale_up_limit_factor, config_.scale_up_limit_minimum);
    } else {
      const hpa::Behavior& b = *spec.behavior;
      stabilized = hpa::StabilizeWithBehavior(
          now, b.scale_up.stabilization_window.value_or(absl::ZeroDuration()),
          b.scale_down.stabilization_window.value_or(
              config_.downscale_stabilization_window),
          current, desired, &history, &stabilization_index_);
      Reason able = Reason::kReadyForNewScale;
      if (stabilized != desired) {
        able = desired >= current ? Reason::kScaleUpStabilized
                                  : Reason::kScaleDownStabilized;
      }
      SetCondition(&state_.conditions, ConditionType::kAbleToScale, true, able);
      limited = hpa::ConvertWithBehaviorRate(
          now, current, stabilized, min_replicas, spec.max_replicas, b.scale_up,
          b.scale_down, state_.scale_up_events, state_.scale_down_events);
    }
    SetCondition(&state_.conditions, ConditionType::kScalingLimited,
                 limited.replicas != stabilized, limited.reason);
    d->stabilized_replicas = stabilized;
    d->limit_reason = limited.reason;
    desired = limited.replicas;
    // §9: the floor when scaling from zero after minReplicas was raised.
    if (current == 0 && min_replicas != 0 && scaled_to_zero &&
        desired < min_replicas) {
      desired = min_replicas;
    }
    rescale = desired != current;
  }

  if (rescale) {
    d->desired_replicas = desired;
    d->status_desired_replicas = desired;
    d->rescale = true;
    pending_time_ = now;
    pending_from_ = current;
    pending_to_ = desired;
    // Status is written by Commit()/CommitFailed(); until then the engine's
    // status keeps the previous desired count.
  } else {
    d->desired_replicas = current;
    d->status_desired_replicas = current;
    d->rescale = false;
    state_.desired_replicas = current;
  }
  if (!metrics_computed) d->metrics.clear();
  AssignConditions(state_.conditions, &d->conditions);
  return absl::OkStatus();
}

absl::Status HorizontalAutoscaler::Commit(Decision& d) {
  if (!d.rescale || d.committed || !pending_time_.has_value() ||
      *pending_time_ != d.time || pending_from_ != d.current_replicas ||
      pending_to_ != d.desired_replicas) {
    return absl::FailedPreconditionError(
        "Commit() takes this engine's latest decision that asked for a "
        "rescale, once");
  }
  const int32_t current = d.current_replicas;
  const int32_t desired = d.desired_replicas;
  SetCondition(&d.conditions, ConditionType::kAbleToScale, true, Reason::kSucceededRescale);
  for (hpa::Condition& c : d.conditions) {
    if (c.type == ConditionType::kAbleToScale) c.replicas = desired;
  }
  if (spec_->behavior.has_value()) {
    if (desired > current) {
      hpa::StoreScaleEvent(d.time, spec_->behavior->scale_up, current, desired,
                           &state_.scale_up_events);
    } else {
      hpa::StoreScaleEvent(d.time, spec_->behavior->scale_down, current,
                           desired, &state_.scale_down_events);
    }
  }
  if (config_.scale_to_zero) {
    if (current > 0 && desired == 0 && spec_->min_replicas == 0 &&
        HasObjectOrExternalMetric()) {
      SetCondition(&d.conditions, ConditionType::kScaledToZero, true, Reason::kScaledToZero);
    } else {
      SetCondition(&d.conditions, ConditionType::kScaledToZero, false,
                   Reason::kNotScaledToZero);
    }
  } else {
    RemoveCondition(&d.conditions, ConditionType::kScaledToZero);
  }
  state_.last_scale_time = d.time;
  state_.desired_replicas = desired;
  AssignConditions(d.conditions, &state_.conditions);
  d.committed = true;
  pending_time_.reset();
  return absl::OkStatus();
}

absl::Status HorizontalAutoscaler::CommitFailed(Decision& d,
                                                const absl::Status& error) {
  if (!d.rescale || d.committed || !pending_time_.has_value() ||
      *pending_time_ != d.time) {
    return absl::FailedPreconditionError(
        "CommitFailed() takes this engine's latest decision that asked for a "
        "rescale, once");
  }
  SetCondition(&d.conditions, ConditionType::kAbleToScale, false, Reason::kFailedUpdateScale,
               std::string(error.message()));
  d.status_desired_replicas = state_.desired_replicas.value_or(d.current_replicas);
  d.error = absl::Status(error.code(), absl::StrCat("failed to rescale: ",
                                                    error.message()));
  AssignConditions(d.conditions, &state_.conditions);
  d.committed = true;
  pending_time_.reset();
  return absl::OkStatus();
}

}  // namespace agentscale
