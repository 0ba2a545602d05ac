// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/observation.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"

namespace agentscale {

absl::StatusOr<int64_t> ToMilli(double value, MilliRounding rounding) {
  if (int64_t milli; TryToMilli(value, rounding, &milli)) return milli;
  if (std::isnan(value)) {
    return absl::InvalidArgumentError("metric value is NaN");
  }
  if (std::isinf(value)) {
    return absl::InvalidArgumentError("metric value is infinite");
  }
  if (value < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric value ", value, " is negative"));
  }
  const double milli = rounding == MilliRounding::kUp
                           ? std::ceil(value * 1000.0)
                           : std::trunc(value * 1000.0);
  if (milli >= 9.2e18) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric value ", value, " is too large"));
  }
  return static_cast<int64_t>(milli);
}

absl::StatusOr<int64_t> ToMilliShare(double total, int64_t parts,
                                     MilliRounding rounding) {
  if (int64_t milli; TryToMilliShare(total, parts, rounding, &milli)) return milli;
  if (parts <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot split a metric value over ", parts, " pods"));
  }
  if (std::isnan(total)) return absl::InvalidArgumentError("metric value is NaN");
  if (std::isinf(total)) return absl::InvalidArgumentError("metric value is infinite");
  if (total < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric value ", total, " is negative"));
  }
  const double share = total * 1000.0 / static_cast<double>(parts);
  const double milli =
      rounding == MilliRounding::kUp ? std::ceil(share) : std::trunc(share);
  if (!(milli < 9.2e18)) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric value ", total, " over ", parts, " pods is too large"));
  }
  return static_cast<int64_t>(milli);
}

void MetricObservation::AddPodValue(const std::string& pod, double value,
                                    absl::Time timestamp,
                                    absl::Duration window) {
  AddPodValue(pod, value, timestamp, window, MilliRounding::kUp);
}

void MetricObservation::MarkInvalidPodValue(const std::string& pod, double value,
                                            MilliRounding rounding) {
  absl::StatusOr<int64_t> milli = ToMilli(value, rounding);
  if (error.ok()) {
    error = absl::InvalidArgumentError(absl::StrCat(
        "invalid value for pod ", pod, ": ", milli.status().message()));
  }
}

void MetricObservation::SetObjectValue(double value) {
  SetObjectValue(value, MilliRounding::kUp);
}

void MetricObservation::SetObjectValue(double value, MilliRounding rounding) {
  absl::StatusOr<int64_t> milli = ToMilli(value, rounding);
  if (!milli.ok()) {
    if (error.ok()) {
      error = absl::InvalidArgumentError(
          absl::StrCat("invalid object value: ", milli.status().message()));
    }
    return;
  }
  object_value_milli = *milli;
}

void MetricObservation::AddExternalValue(double value) {
  AddExternalValue(value, MilliRounding::kUp);
}

void MetricObservation::AddExternalValue(double value, MilliRounding rounding) {
  absl::StatusOr<int64_t> milli = ToMilli(value, rounding);
  if (!milli.ok()) {
    if (error.ok()) {
      error = absl::InvalidArgumentError(
          absl::StrCat("invalid external value: ", milli.status().message()));
    }
    return;
  }
  external_values_milli.push_back(*milli);
}

void Observation::AddReadyPods(int32_t count, const std::string& prefix) {
  for (int32_t i = 0; i < count; ++i) {
    pods.push_back(hpa::Pod::Ready(prefix + std::to_string(i)));
  }
}

MetricObservation& Observation::AddMetric(const std::string& metric) {
  metrics.emplace_back();
  metrics.back().metric = metric;
  return metrics.back();
}

}  // namespace agentscale
