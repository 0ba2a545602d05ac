// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/series.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/policy/decision.h"
#include "agentscale/observation.h"
#include "agentscale/hpa/conditions.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/sim/fleet_loop.h"

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

absl::Status AtStep(size_t step, const absl::Status& st) {
  return absl::Status(st.code(),
                      absl::StrCat("step ", step, ": ", st.message()));
}

// EvaluateSeries as a fleet model: Ready pods named pod_prefix + i, values
// from the input's columns, decisions into the result's columns.
class SeriesFleet final : public sim::FleetModel {
 public:
  SeriesFleet(const SeriesInput& in, size_t num_metrics, SeriesResult* out)
      : in_(in), num_metrics_(num_metrics), out_(out) {
    given_ = in.replicas.has_value() ? in.replicas->data() : nullptr;
  }
  void set_replicas(int32_t r) { replicas_ = r; }

  absl::Status Prepare(const Policy&, Observation* obs) override {
    for (const SeriesMetric& m : in_.metrics) obs->AddMetric(m.name);
    return absl::OkStatus();
  }

  absl::Status Observe(double, absl::Time now, Observation* obs) override {
    if (given_ != nullptr) replicas_ = given_[step_];
    const int32_t n = replicas_ < 0 ? 0 : replicas_;
    while (static_cast<int32_t>(names_.size()) < n) {
      names_.push_back(in_.pod_prefix + std::to_string(names_.size()));
    }
    obs->current_replicas = replicas_;
    if (static_cast<int32_t>(obs->pods.size()) > n) obs->pods.resize(n);
    while (static_cast<int32_t>(obs->pods.size()) < n) {
      obs->pods.push_back(hpa::Pod::Ready(names_[obs->pods.size()]));
    }
    constexpr double kNoSample = std::numeric_limits<double>::quiet_NaN();
    const size_t t = step_;
    for (size_t k = 0; k < in_.metrics.size(); ++k) {
      const SeriesMetric& m = in_.metrics[k];
      MetricObservation& mo = obs->metrics[k];
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
        mo.AddPodValue(names_[i], v, now, in_.window);
      }
    }
    return absl::OkStatus();
  }

  void OnDecision(double x, const Decision& d) override {
    const size_t t = step_;
    out_->unix_seconds[t] = x;
    out_->current_replicas[t] = d.current_replicas;
    out_->desired_replicas[t] = d.desired_replicas;
    out_->rescale[t] = d.rescale;
    out_->status_desired_replicas[t] = d.status_desired_replicas;
    out_->metric_replicas[t] = d.metric_replicas;
    out_->stabilized_replicas[t] = d.stabilized_replicas;
    out_->winning_metric[t] = d.winning_metric;
    out_->path[t] = static_cast<uint8_t>(d.path);
    out_->limit_reason[t] = static_cast<uint8_t>(d.limit_reason);
    const hpa::Condition* c = d.FindCondition(hpa::ConditionType::kAbleToScale);
    out_->able_to_scale_reason[t] =
        static_cast<uint8_t>(c != nullptr ? c->reason : hpa::Reason::kNone);
    c = d.FindCondition(hpa::ConditionType::kScalingActive);
    out_->scaling_active_reason[t] =
        static_cast<uint8_t>(c != nullptr ? c->reason : hpa::Reason::kNone);
    out_->has_error[t] = !d.error.ok();
    for (const MetricResult& mr : d.metrics) {
      const auto index = static_cast<size_t>(mr.spec_index);
      if (mr.spec_index < 0 || index >= num_metrics_) continue;
      const size_t j = t * num_metrics_ + index;
      out_->metric_value_milli[j] = mr.value_milli;
      out_->metric_proposals[j] = mr.proposal;
      out_->metric_valid[j] = mr.valid;
    }
  }

  void Apply(double, int32_t desired) override {
    if (given_ == nullptr) replicas_ = desired;
  }
  void AfterSync(double, const Decision&) override { ++step_; }

 private:
  const SeriesInput& in_;
  const size_t num_metrics_;
  SeriesResult* out_;
  const int32_t* given_ = nullptr;
  int32_t replicas_ = 0;
  size_t step_ = 0;
  std::vector<std::string> names_;
};

}  // namespace

absl::StatusOr<SeriesResult> EvaluateSeries(Policy& hpa,
                                            const SeriesInput& input) {
  SeriesResult r;
  absl::Status st = EvaluateSeries(hpa, input, &r);
  if (!st.ok()) return st;
  return r;
}

absl::Status EvaluateSeries(Policy& policy, const SeriesInput& input,
                            SeriesResult* out) {
  if (absl::Status st = ValidateInput(input); !st.ok()) return st;
  const std::vector<hpa::MetricSpec>& metrics = policy.metrics();
  const size_t steps = input.unix_seconds.size();
  const size_t num_metrics = metrics.size();

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
  // Zeroed: a metric a step does not compute reads 0.
  out->metric_value_milli.assign(steps * num_metrics, 0);
  out->metric_proposals.assign(steps * num_metrics, 0);
  out->metric_valid.assign(steps * num_metrics, 0);
  out->metric_names.clear();
  for (const hpa::MetricSpec& m : metrics) out->metric_names.push_back(m.name);

  SeriesFleet fleet(input, num_metrics, out);
  fleet.set_replicas(input.initial_replicas.value_or(policy.min_replicas()));
  sim::FleetLoopOptions options;
  options.commit = input.commit;
  size_t failed = 0;
  absl::Status st = sim::RunFleetLoopWith(
      policy, fleet, sim::SyncSchedule::Given(input.unix_seconds), options, &failed);
  if (!st.ok()) return AtStep(failed, st);
  return absl::OkStatus();
}

}  // namespace agentscale
