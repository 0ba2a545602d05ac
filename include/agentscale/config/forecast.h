// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Forecast policies from a file (forecast/policy.h gives their meaning,
// docs/forecasts.md the rules):
//   * agentscale's own form, kind Forecast (agentscale.dev/v1alpha1); every
//     field is optional and defaults as forecast::ForecastSpec does:
//
//       apiVersion: agentscale.dev/v1alpha1
//       kind: Forecast
//       metadata: {name: daily}
//       spec:
//         model: holt-winters   # seasonal-naive, holt-winters,
//                               # holt-winters-multiplicative, linear-trend
//         season: 1440          # steps per season
//         alpha: 0.3            # beta, gamma, phi: Holt-Winters
//         window: 60            # linear-trend
//         coverage: 0.9         # of the prediction interval
//         metric: s0-prometheus # default: the policy's first metric
//         loadPerReplica: 50    # default: that metric's AverageValue target
//         stepSeconds: 60
//         leadSeconds: 300
//         useUpper: false
//         mode: ForecastAndScale           # or ForecastOnly
//         maxCapacityBreachBehavior: IncreaseMaxCapacity  # or HonorMaxCapacity
//         maxCapacityBuffer: 10
//
//   * AWS Application Auto Scaling's PredictiveScalingPolicyConfiguration
//     as JSON (or YAML): the object itself, a PutScalingPolicy request or a
//     ScalingPolicy holding it under PredictiveScalingPolicyConfiguration,
//     or describe-scaling-policies output (the first predictive policy).
//     Its fields keep AWS's meaning and defaults (Mode ForecastOnly,
//     SchedulingBufferTime 300 s and below 3600, MaxCapacityBuffer 0-100
//     and only with IncreaseMaxCapacity); TargetValue is what one replica
//     serves; the load metric is the one a CustomizedLoadMetricSpecification
//     (or a customized scaling metric) names. AWS does not publish its
//     model: the forecast is agentscale's default model (Holt-Winters, a
//     daily season of minutes). Predefined ECS metrics (CPU, memory) read
//     the policy's first metric, with a warning.
//
// The first Forecast or predictive configuration of a file is read; other
// documents are skipped. Errors are `<file>:<line>:<col>: <path>: <problem>`.
#ifndef AGENTSCALE_CONFIG_FORECAST_H_
#define AGENTSCALE_CONFIG_FORECAST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/forecast/policy.h"

namespace agentscale::config {

inline constexpr char kForecastApiVersion[] = "agentscale.dev/v1alpha1";
inline constexpr char kForecastKind[] = "Forecast";

struct LoadedForecast {
  forecast::ForecastSpec spec;
  std::string name = "forecast";
  // "Forecast" or "PredictiveScalingPolicyConfiguration".
  std::string source_kind;
  // What was accepted but means something other than on its platform,
  // each `<file>:<line>:<col>: <path>: <what>`.
  std::vector<std::string> warnings;
};

absl::StatusOr<LoadedForecast> LoadForecastString(const std::string& text,
                                                  const std::string& source_name);
absl::StatusOr<LoadedForecast> LoadForecastFile(const std::string& path);

// A spec as a kind Forecast document; loading it gives the same spec.
std::string DumpForecast(const forecast::ForecastSpec& spec, const std::string& name = "forecast");

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_FORECAST_H_
