// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: forecasts of load as a floor on capacity
// (agentscale/forecast/policy.h).

#include <string>

#include "agentscale/forecast/forecaster.h"
#include "agentscale/forecast/policy.h"
#include "common.h"

namespace agentscale::python {

void BindForecast(py::module_& m) {
  BindEnum<forecast::ForecastMode>(
      m, "ForecastMode", "AWS's predictive scaling Mode.",
      {{forecast::ForecastMode::kForecastOnly, "FORECAST_ONLY", "ForecastOnly"},
       {forecast::ForecastMode::kForecastAndScale, "FORECAST_AND_SCALE", "ForecastAndScale"}});
  BindEnum<forecast::MaxCapacityBreach>(
      m, "MaxCapacityBreach", "AWS's MaxCapacityBreachBehavior.",
      {{forecast::MaxCapacityBreach::kHonorMaxCapacity, "HONOR_MAX_CAPACITY", "HonorMaxCapacity"},
       {forecast::MaxCapacityBreach::kIncreaseMaxCapacity, "INCREASE_MAX_CAPACITY",
        "IncreaseMaxCapacity"}});
  ValueClass<forecast::ForecastSpec>(
      m, "ForecastSpec",
      "A forecast of load as a floor on capacity (docs/forecasts.md): the model and its "
      "parameters, the load metric (default the policy's first), what one replica serves "
      "(default its AverageValue target), the step, the lead time and the mode.")
      .field("model", &forecast::ForecastSpec::model,
             "'seasonal-naive', 'holt-winters', 'holt-winters-multiplicative' or 'linear-trend'.")
      .field("season", &forecast::ForecastSpec::season, "Steps per season (1440).")
      .field("alpha", &forecast::ForecastSpec::alpha, "Holt-Winters level smoothing (0.3).")
      .field("beta", &forecast::ForecastSpec::beta, "Holt-Winters trend smoothing (0.05).")
      .field("gamma", &forecast::ForecastSpec::gamma, "Holt-Winters season smoothing (0.2).")
      .field("phi", &forecast::ForecastSpec::phi, "Trend damping (1: none).")
      .field("window", &forecast::ForecastSpec::window, "Linear trend: samples in the fit (60).")
      .field("coverage", &forecast::ForecastSpec::coverage, "Of the prediction interval (0.9).")
      .field("metric", &forecast::ForecastSpec::metric, "The load metric ('': the first).")
      .field("load_per_replica", &forecast::ForecastSpec::load_per_replica,
             "What one replica serves (0: the metric's AverageValue target).")
      .field("step_seconds", &forecast::ForecastSpec::step, "One sample per step (60).")
      .field("lead_seconds", &forecast::ForecastSpec::lead,
             "How far ahead capacity is set (SchedulingBufferTime, 300).")
      .field("use_upper", &forecast::ForecastSpec::use_upper,
             "Size by the interval's upper bound rather than the mean.")
      .field("mode", &forecast::ForecastSpec::mode, "ForecastMode.")
      .field("max_breach", &forecast::ForecastSpec::max_breach, "MaxCapacityBreach.")
      .finish();
}

}  // namespace agentscale::python
