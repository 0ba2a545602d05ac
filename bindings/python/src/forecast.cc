// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale._core: forecasts of load as a floor on capacity
// (agentscale/forecast/policy.h).

#include <string>

#include "agentscale/config/forecast.h"
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
      .field("max_capacity_buffer", &forecast::ForecastSpec::max_capacity_buffer,
             "Percent over the forecast the maximum may rise to, with IncreaseMaxCapacity "
             "(AWS's MaxCapacityBuffer, 0 to 100).")
      .finish();
  ValueClass<config::LoadedForecast>(
      m, "LoadedForecast", "A forecast policy read from a file (load_forecast).")
      .field("spec", &config::LoadedForecast::spec, "The ForecastSpec.")
      .field("name", &config::LoadedForecast::name, "metadata.name, or AWS's PolicyName.")
      .field("source_kind", &config::LoadedForecast::source_kind,
             "'Forecast' or 'PredictiveScalingPolicyConfiguration'.")
      .field("warnings", &config::LoadedForecast::warnings,
             "What was accepted but means something other than on its platform, each "
             "'file:line:col: path: what'.")
      .finish();
  m.def(
      "load_forecast",
      [](const py::object& path) {
        const std::string p = py::str(py::module_::import("os").attr("fspath")(path));
        return Unwrap(config::LoadForecastFile(p));
      },
      py::arg("path"),
      "Loads the first Forecast (agentscale.dev/v1alpha1) or AWS "
      "PredictiveScalingPolicyConfiguration (JSON: the object, a PutScalingPolicy request or "
      "describe-scaling-policies output) of a file. ValueError with file:line:col.");
  m.def(
      "load_forecast_string",
      [](const std::string& text, const std::string& source_name) {
        return Unwrap(config::LoadForecastString(text, source_name));
      },
      py::arg("text"), py::arg("source_name") = "<string>", "load_forecast for text.");
  m.def("dump_forecast", &config::DumpForecast, py::arg("spec"), py::arg("name") = "forecast",
        "The spec as a Forecast document (load_forecast reads it back the same).");
  m.def(
      "validate_forecast",
      [](const forecast::ForecastSpec& s) {
        py::list out;
        for (const hpa::FieldError& e : forecast::ValidateForecastSpec(s)) {
          out.append(py::make_tuple(e.path, e.message));
        }
        return out;
      },
      py::arg("spec"),
      "Every problem of a ForecastSpec as (Forecast YAML field, message); empty when valid.");
}

}  // namespace agentscale::python
