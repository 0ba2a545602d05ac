// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/engine/series.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/engine/decision.h"
#include "agentscale/engine/observation.h"
#include "agentscale/hpa/conditions.h"
#include "agentscale/hpa/pod.h"

namespace agentscale {
namespace {

absl::Status ValidateInput(const SeriesInput& in) {
  const size_t steps = in.unix_seconds.size();
  for (size_t k = 0; k < in.metrics.size(); ++k) {
    const SeriesMetric& m = in.metrics[k];
    const std::string field = absl::StrCat("metric '", m.name, "'");
    for (size_t j = 0; j < k; ++j) {
      if (in.metrics[j].name == m.name) {
        return absl::InvalidArgumentError(field + " given twice");
      }
    }
    size_t rows = m.values.size();
    if (m.layout == SeriesLayout::kPerPod) {
      if (m.columns < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": columns must not be negative, got ", m.columns));
      }
      // No columns: every pod is missing at every step; any T fits.
      if (m.columns == 0) {
        if (!m.values.empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              field, ": ", m.values.size(), " values but 0 columns"));
        }
        continue;
      }
      const auto cols = static_cast<size_t>(m.columns);
      if (m.values.size() % cols != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": ", m.values.size(),
                         " values do not fill rows of ", cols, " pods"));
      }
      rows = m.values.size() / cols;
    } else if (m.layout != SeriesLayout::kEveryPod &&
               m.layout != SeriesLayout::kFleetTotal) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unknown layout ", static_cast<int>(m.layout)));
    }
    if (rows != steps) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", rows, " rows, but times has ", steps));
    }
  }
  if (in.replicas.has_value() && in.replicas->size() != steps) {
    return absl::InvalidArgumentError(
        absl::StrCat("replicas: ", in.replicas->size(),
                     " values, but times has ", steps));
  }
  return absl::OkStatus();
}

// Float seconds since the epoch to absl::Time, rounded to the microsecond
// (the Python bindings' rule for a float time).
absl::Time TimeFromUnixSeconds(double x) {
  const double s = std::floor(x);
  return absl::FromUnixSeconds(static_cast<int64_t>(s)) +
         absl::Microseconds(std::llround((x - s) * 1e6));
}

absl::Status AtStep(size_t step, const absl::Status& st) {
  return absl::Status(st.code(),
                      absl::StrCat("step ", step, ": ", st.message()));
}

}  // namespace

absl::StatusOr<SeriesResult> EvaluateSeries(HorizontalAutoscaler& hpa,
                                            const SeriesInput& input) {
  SeriesResult r;
  absl::Status st = EvaluateSeries(hpa, input, &r);
  if (!st.ok()) return st;
  return r;
}

absl::Status EvaluateSeries(HorizontalAutoscaler& hpa, const SeriesInput& input,
                            SeriesResult* out) {
  if (absl::Status st = ValidateInput(input); !st.ok()) return st;
  const hpa::AutoscalerSpec& spec = hpa.spec();
  const size_t steps = input.unix_seconds.size();
  const size_t num_metrics = spec.metrics.size();

  out->unix_seconds.resize(steps);
  out->current_replicas.resize(steps);
  out->desired_replicas.resize(steps);
  out->rescale.resize(steps);
  out->status_desired_replicas.resize(steps);
  out->metric_replicas.resize(steps);
  out->stabilized_replicas.resize(steps);
  out->winning_metric.resize(steps);
  out->path.resize(steps);
  out->limit_reason.resize(steps);
  out->able_to_scale_reason.resize(steps);
  out->scaling_active_reason.resize(steps);
  out->has_error.resize(steps);
  // Zeroed: a spec metric a step does not compute reads 0.
  out->metric_value_milli.assign(steps * num_metrics, 0);
  out->metric_proposals.assign(steps * num_metrics, 0);
  out->metric_valid.assign(steps * num_metrics, 0);
  out->metric_names.clear();
  for (const hpa::MetricSpec& m : spec.metrics) {
    out->metric_names.push_back(m.name);
  }

  const double* times = input.unix_seconds.data();
  const int32_t* given =
      input.replicas.has_value() ? input.replicas->data() : nullptr;
  int32_t replicas = input.initial_replicas.value_or(spec.min_replicas);

  // Reused across steps: pods are only appended when the fleet grows past
  // its largest size so far, samples are cleared, not freed.
  Observation obs;
  for (const SeriesMetric& m : input.metrics) obs.AddMetric(m.name);
  std::vector<std::string> names;
  Decision d;
  constexpr double kNoSample = std::numeric_limits<double>::quiet_NaN();

  for (size_t t = 0; t < steps; ++t) {
    const double x = times[t];
    if (!std::isfinite(x)) {
      return AtStep(t, absl::InvalidArgumentError("times must be finite"));
    }
    const absl::Time now = TimeFromUnixSeconds(x);
    if (given != nullptr) replicas = given[t];
    const int32_t n = replicas < 0 ? 0 : replicas;
    while (static_cast<int32_t>(names.size()) < n) {
      names.push_back(input.pod_prefix + std::to_string(names.size()));
    }
    obs.current_replicas = replicas;
    if (static_cast<int32_t>(obs.pods.size()) > n) obs.pods.resize(n);
    while (static_cast<int32_t>(obs.pods.size()) < n) {
      obs.pods.push_back(hpa::Pod::Ready(names[obs.pods.size()]));
    }
    for (size_t k = 0; k < input.metrics.size(); ++k) {
      const SeriesMetric& m = input.metrics[k];
      MetricObservation& mo = obs.metrics[k];
      mo.error = absl::OkStatus();
      mo.pod_samples.clear();
      const double* values = m.values.data();
      for (int32_t i = 0; i < n; ++i) {
        double v;
        switch (m.layout) {
          case SeriesLayout::kPerPod:
            v = i < m.columns ? values[t * m.columns + i] : kNoSample;
            break;
          case SeriesLayout::kFleetTotal:
            v = values[t] / n;
            break;
          case SeriesLayout::kEveryPod:
          default:
            v = values[t];
            break;
        }
        if (std::isnan(v)) continue;  // no sample: a missing pod
        mo.AddPodValue(names[i], v, now, input.window);
      }
    }
    if (absl::Status st = hpa.Evaluate(now, obs, &d); !st.ok()) {
      return AtStep(t, st);
    }
    out->unix_seconds[t] = x;
    out->current_replicas[t] = d.current_replicas;
    out->desired_replicas[t] = d.desired_replicas;
    out->rescale[t] = d.rescale;
    out->status_desired_replicas[t] = d.status_desired_replicas;
    out->metric_replicas[t] = d.metric_replicas;
    out->stabilized_replicas[t] = d.stabilized_replicas;
    out->winning_metric[t] = d.winning_metric;
    out->path[t] = static_cast<uint8_t>(d.path);
    out->limit_reason[t] = static_cast<uint8_t>(d.limit_reason);
    const hpa::Condition* c = d.FindCondition(hpa::ConditionType::kAbleToScale);
    out->able_to_scale_reason[t] =
        static_cast<uint8_t>(c != nullptr ? c->reason : hpa::Reason::kNone);
    c = d.FindCondition(hpa::ConditionType::kScalingActive);
    out->scaling_active_reason[t] =
        static_cast<uint8_t>(c != nullptr ? c->reason : hpa::Reason::kNone);
    out->has_error[t] = !d.error.ok();
    for (const MetricResult& mr : d.metrics) {
      const auto index = static_cast<size_t>(mr.spec_index);
      if (mr.spec_index < 0 || index >= num_metrics) continue;
      const size_t j = t * num_metrics + index;
      out->metric_value_milli[j] = mr.value_milli;
      out->metric_proposals[j] = mr.proposal;
      out->metric_valid[j] = mr.valid;
    }
    if (d.rescale && input.commit) {
      if (absl::Status st = hpa.Commit(d); !st.ok()) return AtStep(t, st);
      if (given == nullptr) replicas = d.desired_replicas;
    }
  }
  return absl::OkStatus();
}

}  // namespace agentscale
