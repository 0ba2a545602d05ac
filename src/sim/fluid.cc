// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/fluid.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "absl/base/attributes.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/sim/fleet_loop.h"
#include "scheduled.h"

namespace agentscale::sim {
namespace {

// The fluid replay as a fleet model: R Ready pods, each reporting D / R.
class FluidFleet final : public FleetModel {
 public:
  FluidFleet(const std::vector<hpa::MetricSpec>& metrics,
             std::vector<const Trace*> metric_trace, int32_t replicas,
             int32_t max_pods, double period, const FluidOptions& options,
             FluidResult* result)
      : metrics_(metrics), metric_trace_(std::move(metric_trace)),
        cursor_(metric_trace_.size(), 0), replicas_(replicas), period_(period),
        external_rounding_(options.external_rounding),
        null_is_failed_read_(options.null_is_failed_read), outages_(options.outages),
        result_(result) {
    pod_pool_.reserve(static_cast<size_t>(max_pods));
    for (int32_t i = 0; i < max_pods; ++i) {
      pod_pool_.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
    }
    // A Resource metric with a Utilization target reads usage over the
    // pods' requests: each pod requests kFluidResourceRequest of cpu and
    // memory, so that D / R is the per-pod utilization in percent.
    for (const hpa::MetricSpec& m : metrics_) {
      if (m.type != hpa::MetricSourceType::kResource ||
          m.target.average_value_milli.has_value()) {
        continue;
      }
      hpa::ResourceList requests;
      requests.cpu_milli = kFluidResourceRequestMilli;
      requests.memory_milli = kFluidResourceRequestMilli;
      for (hpa::Pod& p : pod_pool_) p.pod_requests = requests;
      resource_requests_ = requests;
      break;
    }
  }

  absl::Status Prepare(const Policy& policy, Observation* obs) override {
    obs->pods.reserve(pod_pool_.size());
    for (const hpa::MetricSpec& m : metrics_) {
      MetricObservation& mo = obs->AddMetric(m.name);
      mo.pod_samples.reserve(pod_pool_.size());
      mo.external_values_milli.reserve(1);
    }
    return absl::OkStatus();
  }

  // Inlined into the loop: it runs once per decision (docs/benchmarks.md §5).
  absl::Status Observe(double t, absl::Time now,
                                                    Observation* obs) override {
    const int32_t replicas = replicas_;
    obs->current_replicas = replicas;
    obs->status_replicas = replicas;
    if (static_cast<int32_t>(obs->pods.size()) != replicas) {
      for (int32_t i = static_cast<int32_t>(pod_pool_.size()); i < replicas; ++i) {
        pod_pool_.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
        pod_pool_.back().pod_requests = resource_requests_;
      }
      obs->pods.assign(pod_pool_.begin(), pod_pool_.begin() + replicas);
    }
    demand_ = 0;
    for (size_t mi = 0; mi < metric_trace_.size(); ++mi) {
      const Trace* trace = metric_trace_[mi];
      MetricObservation& mo = obs->metrics[mi];
      if (trace == nullptr) {
        mo.error = absl::UnavailableError("no trace drives this metric");
        continue;
      }
      const Trace& tr = *trace;
      size_t& c = cursor_[mi];
      while (c + 1 < tr.size() && tr.time_seconds[c + 1] <= t) ++c;
      const double demand = tr.time_seconds[c] <= t ? tr.values[c] : tr.values.front();
      if (mi == 0) demand_ = demand;
      if (!outages_.empty() && InOutage(outages_, metrics_[mi].name, t)) {
        mo.error = absl::UnavailableError("the metric is out (an injected outage)");
        mo.external_values_milli.clear();
        mo.object_value_milli.reset();
        for (hpa::PodSample& s : mo.pod_samples) s.value_milli = 0;
        continue;
      }
      if (std::isnan(demand) && null_is_failed_read_) {
        mo.error = absl::UnavailableError("the trace has no value here (a null sample)");
        mo.external_values_milli.clear();
        mo.object_value_milli.reset();
        for (hpa::PodSample& s : mo.pod_samples) s.value_milli = 0;
        continue;
      }
      if (!mo.error.ok()) mo.error = absl::OkStatus();
      switch (metrics_[mi].type) {
        case hpa::MetricSourceType::kObject: {
          absl::StatusOr<int64_t> v = ToMilli(demand, external_rounding_);
          if (!v.ok()) return Invalid(t, mi, v.status());
          mo.object_value_milli = *v;
          break;
        }
        case hpa::MetricSourceType::kExternal: {
          absl::StatusOr<int64_t> v = ToMilli(demand, external_rounding_);
          if (!v.ok()) return Invalid(t, mi, v.status());
          mo.external_values_milli.assign(1, *v);
          break;
        }
        default: {
          int64_t v = 0;
          if (replicas > 0 && !TryToMilliShare(demand, replicas, MilliRounding::kUp, &v)) {
            return Invalid(t, mi, ToMilliShare(demand, replicas).status());
          }
          if (static_cast<int32_t>(mo.pod_samples.size()) != replicas) {
            mo.pod_samples.resize(static_cast<size_t>(replicas));
            for (int32_t i = 0; i < replicas; ++i) {
              mo.pod_samples[i].pod = pod_pool_[i].name;
            }
          }
          for (hpa::PodSample& s : mo.pod_samples) {
            s.value_milli = v;
            s.timestamp = now;
          }
        }
      }
    }
    return absl::OkStatus();
  }

  void OnDecision(double t, const Decision& d) override {
    result_->time_seconds.push_back(t);
    result_->demand.push_back(demand_);
    result_->current_replicas.push_back(replicas_);
    result_->metric_value.push_back(
        !d.metrics.empty() && d.metrics[0].valid
            ? static_cast<double>(d.metrics[0].value_milli) / 1000.0
            : std::nan(""));
    result_->limit_reason.push_back(static_cast<int32_t>(d.limit_reason));
    result_->path.push_back(static_cast<int32_t>(d.path));
  }

  void Apply(double, int32_t desired) override {
    if (desired > replicas_) ++result_->scale_ups;
    if (desired < replicas_) ++result_->scale_downs;
    replicas_ = desired;
  }

  void AfterSync(double, const Decision& d) override {
    fallback_syncs_ += d.fallback;
    result_->replicas.push_back(replicas_);
    result_->replica_hours += static_cast<double>(replicas_) * period_ / 3600.0;
  }

 private:
  absl::Status Invalid(double t, size_t mi, const absl::Status& st) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "the trace for ", metrics_[mi].name, " at t=", t, " s: ", st.message()));
  }

  const std::vector<hpa::MetricSpec>& metrics_;
  std::vector<const Trace*> metric_trace_;  // per metric; null: no trace
  std::vector<size_t> cursor_;
  std::vector<hpa::Pod> pod_pool_;
  std::optional<hpa::ResourceList> resource_requests_;
  int32_t replicas_;
  const double period_;
  MilliRounding external_rounding_ = MilliRounding::kUp;
  bool null_is_failed_read_ = false;
  std::vector<MetricOutage> outages_;
  double demand_ = 0;
  int64_t fallback_syncs_ = 0;

 public:
  int64_t fallback_syncs() const { return fallback_syncs_; }

 private:
  FluidResult* result_;
};

// Matches traces to `metrics` by name: one per metric, or null.
absl::Status MatchTraces(const std::vector<hpa::MetricSpec>& metrics,
                         const MetricTraces& traces,
                         std::vector<const Trace*>* matched) {
  std::vector<bool> used(traces.size(), false);
  matched->assign(metrics.size(), nullptr);
  for (size_t k = 0; k < metrics.size(); ++k) {
    for (size_t i = 0; i < traces.size(); ++i) {
      if (!used[i] && traces[i].first == metrics[k].name) {
        (*matched)[k] = traces[i].second;
        used[i] = true;
        break;
      }
    }
  }
  for (size_t i = 0; i < traces.size(); ++i) {
    if (!used[i]) {
      std::vector<std::string> names;
      for (const hpa::MetricSpec& m : metrics) names.push_back(m.name);
      return absl::InvalidArgumentError(
          absl::StrCat("a trace is given for \"", traces[i].first,
                       "\", which is not a metric of the spec (its metrics: ",
                       absl::StrJoin(names, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// How the fluid replay reads each driven metric's trace, in one line.
std::string GaugeReading(const std::vector<hpa::MetricSpec>& metrics,
                         const std::vector<const Trace*>& metric_trace) {
  std::vector<std::string> parts;
  for (size_t k = 0; k < metrics.size(); ++k) {
    if (metric_trace[k] == nullptr) continue;
    const std::string& name = metrics[k].name;
    switch (metrics[k].type) {
      case hpa::MetricSourceType::kObject:
        parts.push_back(absl::StrCat(name, " of its object at that instant"));
        break;
      case hpa::MetricSourceType::kExternal:
        parts.push_back(absl::StrCat("the external metric ", name, " at that instant (one series)"));
        break;
      case hpa::MetricSourceType::kResource:
        if (!metrics[k].target.average_value_milli.has_value()) {
          parts.push_back(absl::StrCat("the fleet's total ", name,
                                       " at that instant in percent of one pod's ", name,
                                       " request, split evenly among the pods"));
          break;
        }
        [[fallthrough]];
      default:
        parts.push_back(absl::StrCat("the fleet's total ", name,
                                     " at that instant, split evenly among the pods"));
    }
  }
  return absl::StrCat("gauge: each value is ", absl::StrJoin(parts, "; "));
}

absl::Status CheckDriven(const hpa::MetricSpec& m, const Trace* t) {
  if (t->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the trace for ", m.name, " is empty"));
  }
  const bool average_value = m.target.average_value_milli.has_value();
  if (m.type == hpa::MetricSourceType::kContainerResource && !average_value) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fluid replay drives ", m.Describe(),
        " only with an AverageValue target; Utilization needs container requests"));
  }
  if (m.type == hpa::MetricSourceType::kUnknown) {
    return absl::InvalidArgumentError(absl::StrCat("unknown metric type for ", m.name));
  }
  return absl::OkStatus();
}

template <typename PolicyT>
absl::Status Replay(PolicyT& policy, const std::vector<hpa::MetricSpec>& metrics,
                    const std::vector<const Trace*>& metric_trace,
                    const FluidOptions& options, FluidResult* result) {
  double t0 = std::numeric_limits<double>::infinity();
  double t_end = -std::numeric_limits<double>::infinity();
  for (const Trace* t : metric_trace) {
    if (t == nullptr) continue;
    t0 = std::min(t0, t->start());
    t_end = std::max(t_end, t->end());
  }
  if (!(t0 <= t_end)) {
    return absl::InvalidArgumentError("fluid replay needs at least one metric trace");
  }
  // An HPA's spec.syncPeriodSeconds (HPAConfigurableSyncPeriod) takes the
  // place of the controller-wide period.
  const double period = absl::ToDoubleSeconds(policy.sync_period().value_or(options.period));
  const int32_t initial_replicas =
      options.initial_replicas >= 0 ? options.initial_replicas : policy.min_replicas();
  if (absl::Status st = CheckFleetSize(initial_replicas, "the initial fleet"); !st.ok()) {
    return st;
  }
  const double span = std::floor((t_end - t0) / period);
  if (!(span < static_cast<double>(options.max_syncs))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "fluid replay: ", t_end - t0, " s at a period of ", period, " s is over the limit of ",
        options.max_syncs, " syncs (max_syncs)"));
  }
  const size_t syncs = static_cast<size_t>(span) + 1;
  result->period_seconds = period;
  result->trace_meaning = TraceMeaning::kGauge;
  result->trace_reading = GaugeReading(metrics, metric_trace);
  result->time_seconds.reserve(syncs);
  result->demand.reserve(syncs);
  result->current_replicas.reserve(syncs);
  result->replicas.reserve(syncs);
  result->metric_value.reserve(syncs);
  result->limit_reason.reserve(syncs);
  result->path.reserve(syncs);

  // The pool and the observation are built once; each sync only rewrites
  // values, so the loop does not allocate.
  // (The pool grows past this if a decision asks for more; it is only the
  // size built up front.)
  // The maximum the summary measures time at: as configured (a forecast's
  // IncreaseMaxCapacity may raise it during the run).
  const int32_t max_replicas = policy.max_replicas();
  const int32_t max_pods = std::min(
      std::max({policy.max_replicas(), policy.min_replicas(), initial_replicas, 1}),
      FleetLoopOptions{}.max_replicas);
  FluidFleet fleet(metrics, metric_trace, initial_replicas, max_pods, period, options, result);
  absl::Status st =
      RunFleetLoopWith(policy, fleet, SyncSchedule::Periodic(t0, period, syncs));
  if (!st.ok()) return st;

  result->peak_per_pod_value = std::nan("");
  for (double v : result->metric_value) {
    if (!std::isnan(v) && !(v <= result->peak_per_pod_value)) result->peak_per_pod_value = v;
  }
  if (!metrics.empty()) {
    const hpa::MetricTarget& target = metrics.front().target;
    if (target.average_value_milli.has_value()) {
      result->target = static_cast<double>(*target.average_value_milli) / 1000.0;
    } else if (target.value_milli.has_value()) {
      result->target = static_cast<double>(*target.value_milli) / 1000.0;
    }
  }
  if (result->target.has_value()) {
    int64_t over = 0;
    for (double v : result->metric_value) over += v > *result->target;
    result->time_over_target_seconds = static_cast<double>(over) * period;
  }

  SummaryInputs in;
  in.time_seconds = result->time_seconds;
  in.period_seconds = period;
  in.replicas = result->replicas;
  in.initial_replicas = initial_replicas;
  in.max_replicas = max_replicas;
  in.price_per_replica_hour = options.price_per_replica_hour;
  in.prometheus_version = options.prometheus_version;
  result->summary = Summarize(in);
  result->summary.fallback_seconds = static_cast<double>(fleet.fallback_syncs()) * period;
  return absl::OkStatus();
}

absl::Status CheckPeriod(const FluidOptions& options) {
  if (absl::Status st = CheckOutages(options.outages); !st.ok()) return st;
  if (options.period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("period must be positive, got ", absl::FormatDuration(options.period)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FluidResult> FluidReplay(const hpa::AutoscalerSpec& spec,
                                        const MetricTraces& traces,
                                        const FluidOptions& options) {
  if (traces.empty()) {
    return absl::InvalidArgumentError("fluid replay needs at least one metric trace");
  }
  if (absl::Status st = CheckPeriod(options); !st.ok()) return st;
  std::vector<const Trace*> matched;
  if (absl::Status st = MatchTraces(spec.metrics, traces, &matched); !st.ok()) return st;
  FluidResult result;
  hpa::AutoscalerSpec replayed = spec;
  replayed.metrics.clear();
  std::vector<const Trace*> metric_trace;
  for (size_t k = 0; k < spec.metrics.size(); ++k) {
    const hpa::MetricSpec& m = spec.metrics[k];
    if (matched[k] == nullptr) {
      result.omitted_metrics.push_back(m.name);
      continue;
    }
    if (absl::Status st = CheckDriven(m, matched[k]); !st.ok()) return st;
    replayed.metrics.push_back(m);
    metric_trace.push_back(matched[k]);
    result.driven_metrics.push_back(m.name);
  }

  absl::StatusOr<HorizontalAutoscaler> engine =
      HorizontalAutoscaler::Create(replayed, options.config);
  if (!engine.ok()) return engine.status();
  if (internal::Wraps(options)) {
    // The HPA inside the schedule's bounds, over the traces' span.
    double t0 = std::numeric_limits<double>::infinity();
    double t_end = -std::numeric_limits<double>::infinity();
    for (const Trace* t : metric_trace) {
      t0 = std::min(t0, t->start());
      t_end = std::max(t_end, t->end());
    }
    absl::StatusOr<internal::Wrapped> scheduled = internal::Scheduled(
        std::make_unique<HorizontalAutoscaler>(std::move(*engine)), options, t0,
        t_end);
    if (!scheduled.ok()) return scheduled.status();
    absl::Status st = Replay(*scheduled->policy, scheduled->policy->metrics(), metric_trace,
                             options, &result);
    if (!st.ok()) return st;
    return internal::WithScore<FluidResult>(std::move(result), *scheduled);
  }
  absl::Status st = Replay(*engine, engine->spec().metrics, metric_trace, options, &result);
  if (!st.ok()) return st;
  return result;
}

absl::StatusOr<FluidResult> FluidReplay(Policy& policy, const MetricTraces& traces,
                                        const FluidOptions& options) {
  if (traces.empty()) {
    return absl::InvalidArgumentError("fluid replay needs at least one metric trace");
  }
  if (absl::Status st = CheckPeriod(options); !st.ok()) return st;
  if (absl::Status st = internal::NoSchedule(options); !st.ok()) return st;
  const std::vector<hpa::MetricSpec>& metrics = policy.metrics();
  std::vector<const Trace*> matched;
  if (absl::Status st = MatchTraces(metrics, traces, &matched); !st.ok()) return st;
  FluidResult result;
  for (size_t k = 0; k < metrics.size(); ++k) {
    if (matched[k] == nullptr) {
      result.omitted_metrics.push_back(metrics[k].name);
      continue;
    }
    if (absl::Status st = CheckDriven(metrics[k], matched[k]); !st.ok()) return st;
    result.driven_metrics.push_back(metrics[k].name);
  }

  absl::Status st = Replay(policy, metrics, matched, options, &result);
  if (!st.ok()) return st;
  return result;
}

}  // namespace agentscale::sim
