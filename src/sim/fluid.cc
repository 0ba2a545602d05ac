// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/fluid.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/engine/autoscaler.h"

namespace agentscale::sim {
namespace {

// ceil(D x 1000 / R) in float64, saturating.
int64_t PerPodMilli(double demand, int32_t replicas) {
  const double m = std::ceil(demand * 1000.0 / static_cast<double>(replicas));
  if (!(m < 9.2e18)) return std::numeric_limits<int64_t>::max() / 2;
  return static_cast<int64_t>(m);
}

}  // namespace

absl::StatusOr<FluidResult> FluidReplay(const hpa::AutoscalerSpec& spec,
                                        const MetricTraces& traces,
                                        const FluidOptions& options) {
  if (traces.empty()) {
    return absl::InvalidArgumentError("fluid replay needs at least one metric trace");
  }
  if (options.period <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("period must be positive, got ", absl::FormatDuration(options.period)));
  }
  FluidResult result;
  hpa::AutoscalerSpec replayed = spec;
  replayed.metrics.clear();
  std::vector<const Trace*> metric_trace;
  std::vector<bool> used(traces.size(), false);
  for (const hpa::MetricSpec& m : spec.metrics) {
    const Trace* t = nullptr;
    for (size_t i = 0; i < traces.size(); ++i) {
      if (!used[i] && traces[i].first == m.name) {
        t = traces[i].second;
        used[i] = true;
        break;
      }
    }
    if (t == nullptr) {
      result.omitted_metrics.push_back(m.name);
      continue;
    }
    if (t->empty()) {
      return absl::InvalidArgumentError(absl::StrCat("the trace for ", m.name, " is empty"));
    }
    const bool average_value = m.target.average_value_milli.has_value();
    if ((m.type == hpa::MetricSourceType::kResource ||
         m.type == hpa::MetricSourceType::kContainerResource) &&
        !average_value) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fluid replay drives ", m.Describe(),
          " only with an AverageValue target; Utilization needs pod requests"));
    }
    if (m.type == hpa::MetricSourceType::kUnknown) {
      return absl::InvalidArgumentError(absl::StrCat("unknown metric type for ", m.name));
    }
    replayed.metrics.push_back(m);
    metric_trace.push_back(t);
    result.driven_metrics.push_back(m.name);
  }
  for (size_t i = 0; i < traces.size(); ++i) {
    if (!used[i]) {
      std::vector<std::string> names;
      for (const hpa::MetricSpec& m : spec.metrics) names.push_back(m.name);
      return absl::InvalidArgumentError(
          absl::StrCat("a trace is given for \"", traces[i].first,
                       "\", which is not a metric of the spec (its metrics: ",
                       absl::StrJoin(names, ", "), ")"));
    }
  }
  absl::StatusOr<HorizontalAutoscaler> engine =
      HorizontalAutoscaler::Create(replayed, options.config);
  if (!engine.ok()) return engine.status();

  double t0 = std::numeric_limits<double>::infinity();
  double t_end = -std::numeric_limits<double>::infinity();
  for (const Trace* t : metric_trace) {
    t0 = std::min(t0, t->start());
    t_end = std::max(t_end, t->end());
  }
  const double period = absl::ToDoubleSeconds(options.period);
  int32_t replicas = options.initial_replicas >= 0 ? options.initial_replicas
                                                   : replayed.min_replicas;
  const int32_t initial_replicas = replicas;
  const size_t syncs = static_cast<size_t>(std::floor((t_end - t0) / period)) + 1;
  result.time_seconds.reserve(syncs);
  result.demand.reserve(syncs);
  result.current_replicas.reserve(syncs);
  result.replicas.reserve(syncs);
  result.metric_value.reserve(syncs);
  result.limit_reason.reserve(syncs);
  result.path.reserve(syncs);

  // The observation is built once; each sync only rewrites values, so the
  // loop does not allocate.
  const int32_t max_pods = std::max({replayed.max_replicas, replayed.min_replicas, replicas, 1});
  std::vector<hpa::Pod> pod_pool;
  pod_pool.reserve(static_cast<size_t>(max_pods));
  for (int32_t i = 0; i < max_pods; ++i) {
    pod_pool.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
  }
  Observation obs;
  obs.pods.reserve(static_cast<size_t>(max_pods));
  for (const hpa::MetricSpec& m : replayed.metrics) {
    MetricObservation& mo = obs.AddMetric(m.name);
    mo.pod_samples.reserve(static_cast<size_t>(max_pods));
    mo.external_values_milli.reserve(1);
  }
  std::vector<size_t> cursor(metric_trace.size(), 0);
  Decision decision;
  const absl::Time epoch = absl::UnixEpoch();

  for (size_t k = 0; k < syncs; ++k) {
    const double t = t0 + period * static_cast<double>(k);
    const absl::Time now = epoch + absl::Seconds(t);
    obs.current_replicas = replicas;
    obs.status_replicas = replicas;
    if (static_cast<int32_t>(obs.pods.size()) != replicas) {
      if (replicas > static_cast<int32_t>(pod_pool.size())) {
        for (int32_t i = static_cast<int32_t>(pod_pool.size()); i < replicas; ++i) {
          pod_pool.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
        }
      }
      obs.pods.assign(pod_pool.begin(), pod_pool.begin() + replicas);
    }
    double first_demand = 0;
    for (size_t mi = 0; mi < metric_trace.size(); ++mi) {
      const Trace& tr = *metric_trace[mi];
      size_t& c = cursor[mi];
      while (c + 1 < tr.size() && tr.time_seconds[c + 1] <= t) ++c;
      const double demand = tr.time_seconds[c] <= t ? tr.values[c] : tr.values.front();
      if (mi == 0) first_demand = demand;
      MetricObservation& mo = obs.metrics[mi];
      const hpa::MetricSpec& m = replayed.metrics[mi];
      switch (m.type) {
        case hpa::MetricSourceType::kObject:
          mo.object_value_milli = static_cast<int64_t>(std::ceil(demand * 1000.0));
          break;
        case hpa::MetricSourceType::kExternal:
          mo.external_values_milli.assign(1, static_cast<int64_t>(std::ceil(demand * 1000.0)));
          break;
        default: {
          const int64_t v = replicas > 0 ? PerPodMilli(demand, replicas) : 0;
          if (static_cast<int32_t>(mo.pod_samples.size()) != replicas) {
            mo.pod_samples.resize(static_cast<size_t>(replicas));
            for (int32_t i = 0; i < replicas; ++i) {
              mo.pod_samples[i].pod = pod_pool[i].name;
            }
          }
          for (hpa::PodSample& s : mo.pod_samples) {
            s.value_milli = v;
            s.timestamp = now;
          }
        }
      }
    }
    absl::Status st = engine->Evaluate(now, obs, &decision);
    if (!st.ok()) return st;
    result.time_seconds.push_back(t);
    result.demand.push_back(first_demand);
    result.current_replicas.push_back(replicas);
    result.metric_value.push_back(
        !decision.metrics.empty() && decision.metrics[0].valid
            ? static_cast<double>(decision.metrics[0].value_milli) / 1000.0
            : std::nan(""));
    result.limit_reason.push_back(static_cast<int32_t>(decision.limit_reason));
    result.path.push_back(static_cast<int32_t>(decision.path));
    if (decision.rescale) {
      if (decision.desired_replicas > replicas) ++result.scale_ups;
      if (decision.desired_replicas < replicas) ++result.scale_downs;
      replicas = decision.desired_replicas;
      st = engine->Commit(decision);
      if (!st.ok()) return st;
    }
    result.replicas.push_back(replicas);
    result.replica_hours += static_cast<double>(replicas) * period / 3600.0;
  }
  SummaryInputs in;
  in.time_seconds = result.time_seconds;
  in.period_seconds = period;
  in.replicas = result.replicas;
  in.initial_replicas = initial_replicas;
  in.max_replicas = replayed.max_replicas;
  in.price_per_replica_hour = options.price_per_replica_hour;
  result.summary = Summarize(in);
  return result;
}

}  // namespace agentscale::sim
