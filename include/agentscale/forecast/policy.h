// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ForecastFloor: a forecast of load as a floor on capacity, around any
// policy (HPA, KEDA, schedules), as AWS predictive scaling applies one
// (PEER_FORMULAS.md §3): the capacity for the load forecast `lead` ahead
// (SchedulingBufferTime: the fleet's startup delay), never a scale-in by
// itself, in ForecastOnly (recorded and explained, not applied) or
// ForecastAndScale mode.
//
//   agentscale::forecast::ForecastFloorOptions o;
//   o.metric = agentscale::hpa::MetricSpec::ExternalAverageValue("s0-prometheus", 50000);
//   o.load_per_replica = 50;          // what one replica serves
//   o.step = absl::Minutes(1);        // one sample per minute
//   o.lead = absl::Minutes(5);
//   auto p = agentscale::forecast::ForecastFloor::Create(
//       std::move(policy), std::make_unique<HoltWinters>(*HoltWinters::Create(hw)), o);
//
// At each Decide: the load is the metric's total in the observation (the
// sum of an External metric's series, an Object's value, a Pods metric's
// samples). Each time a step boundary passes, the forecaster takes the load
// then as that step's sample (a failed read is a missing sample), and
// forecasts k = ceil(lead / step) steps ahead. The floor is
// ceil(forecast / load_per_replica) (the interval's upper bound with
// use_upper), capped at the wrapped policy's maximum unless max_breach is
// kIncreaseMaxCapacity. With kIncreaseMaxCapacity in ForecastAndScale
// mode, a forecast capacity above the maximum also raises the maximum the
// wrapped policy's own decision may reach to forecast x (1 +
// max_capacity_buffer/100) (AWS: forecast 50, buffer 10: 55); the raised
// maximum is not lowered again. The wrapped policy decides within its own
// maximum; when it decides that maximum (or more), the count may go on up
// to the raised maximum as far as the load seen now asks,
// ceil(load / load_per_replica) (target tracking on the load metric).
// A forecast that is not finite (an interval whose
// spread is not known yet) sets no floor. The forecast uses only samples taken so far: the
// future of a trace cannot reach a decision.
//
// Anomalies: a sample outside the interval of the one-step forecast made at
// the step before is counted and noted in the decision ("forecast: anomaly,
// 950 outside [120, 480]"); it does not scale by itself.
//
// Scoring: each forecast made is compared with the sample taken k steps
// later: mean absolute percentage error (samples of 0 left out) and the
// share of samples inside the interval (score()).
//
// State: the wrapped policy's state is the one child; the forecaster's is
// not exported (a restored policy forecasts again after its warm-up).
// Thread safety: as any Policy.
#ifndef AGENTSCALE_FORECAST_POLICY_H_
#define AGENTSCALE_FORECAST_POLICY_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/forecast/forecaster.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"

namespace agentscale::forecast {

enum class ForecastMode { kForecastOnly, kForecastAndScale };
enum class MaxCapacityBreach { kHonorMaxCapacity, kIncreaseMaxCapacity };

struct ForecastFloorOptions {
  // The load (name and source type; added to metrics() if the wrapped
  // policy does not read it).
  hpa::MetricSpec metric;
  double load_per_replica = 1;
  absl::Duration step = absl::Minutes(1);
  // 0 forecasts the next step.
  absl::Duration lead = absl::Seconds(300);  // AWS's SchedulingBufferTime default
  bool use_upper = false;
  ForecastMode mode = ForecastMode::kForecastAndScale;
  MaxCapacityBreach max_breach = MaxCapacityBreach::kHonorMaxCapacity;
  // Percent, 0 to 100; only with kIncreaseMaxCapacity (AWS's
  // MaxCapacityBuffer).
  double max_capacity_buffer = 0;
};

struct ForecastScore {
  int64_t scored = 0;         // forecasts compared with their sample
  double mape = 0;            // mean |forecast - sample| / sample, samples > 0
  double coverage = 0;        // share of samples inside the interval
  int64_t anomalies = 0;
  int64_t lifted = 0;         // decisions the floor raised (or, forecast-only, would have)
};

class ForecastFloor final : public Policy {
 public:
  // Errors: no policy or forecaster, a metric without a name, a step that
  // is not positive or a negative lead, load_per_replica not positive, a
  // buffer outside [0, 100] or set with kHonorMaxCapacity.
  static absl::StatusOr<std::unique_ptr<ForecastFloor>> Create(
      std::unique_ptr<Policy> inner, std::unique_ptr<Forecaster> model,
      ForecastFloorOptions options);

  std::string family() const override { return "forecast"; }
  int32_t min_replicas() const override { return inner_->min_replicas(); }
  // The wrapped policy's, or the maximum a forecast raised it to.
  int32_t max_replicas() const override {
    return std::max(inner_->max_replicas(), raised_max_);
  }
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision, const absl::Status& error) override;
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;
  std::optional<absl::Duration> sync_period() const override {
    return inner_->sync_period();
  }

  const Forecaster& model() const { return *model_; }
  // The forecast and floor at the last Decide (floor 0 before the model is
  // ready).
  const Forecast& last_forecast() const { return last_forecast_; }
  int32_t last_floor() const { return last_floor_; }
  ForecastScore score() const;

 private:
  ForecastFloor(std::unique_ptr<Policy> inner, std::unique_ptr<Forecaster> model,
                ForecastFloorOptions options);
  void Sample(double load, std::string* note);

  std::unique_ptr<Policy> inner_;
  std::unique_ptr<Forecaster> model_;
  ForecastFloorOptions options_;
  int64_t steps_ahead_ = 1;
  std::vector<hpa::MetricSpec> metrics_;
  bool needs_projection_ = false;
  Observation projected_;
  std::optional<absl::Time> next_sample_;
  std::optional<absl::Time> last_decide_;
  Forecast last_forecast_;
  Forecast one_step_;  // for the anomaly check of the next sample
  bool have_one_step_ = false;
  int32_t last_floor_ = 0;
  int32_t raised_max_ = 0;  // IncreaseMaxCapacity's raised maximum (0: none)
  // Forecasts waiting for their sample: (sample index, forecast).
  std::deque<std::pair<int64_t, Forecast>> pending_;
  int64_t sample_index_ = 0;
  int64_t scored_ = 0, covered_ = 0, ape_n_ = 0, anomalies_ = 0, lifted_ = 0;
  double ape_sum_ = 0;
  int32_t inner_desired_ = 0;
  bool inner_rescale_ = false;
  std::string note_;
};

// A forecast floor as a value, for drivers' options and the command line:
// the model by name with its parameters, and the floor's options. The load
// metric and what one replica serves default to the wrapped policy's first
// metric and its AverageValue target.
struct ForecastSpec {
  // "seasonal-naive", "holt-winters", "holt-winters-multiplicative" or
  // "linear-trend".
  std::string model = "holt-winters";
  int64_t season = 1440;  // steps
  double alpha = 0.3, beta = 0.05, gamma = 0.2, phi = 1.0;
  int64_t window = 60;  // linear-trend
  double coverage = 0.9;
  std::string metric;           // empty: the policy's first metric
  double load_per_replica = 0;  // 0: that metric's AverageValue target
  absl::Duration step = absl::Minutes(1);
  absl::Duration lead = absl::Seconds(300);
  bool use_upper = false;
  ForecastMode mode = ForecastMode::kForecastAndScale;
  MaxCapacityBreach max_breach = MaxCapacityBreach::kHonorMaxCapacity;
  double max_capacity_buffer = 0;  // percent, with kIncreaseMaxCapacity

  friend bool operator==(const ForecastSpec& a, const ForecastSpec& b);
  friend bool operator!=(const ForecastSpec& a, const ForecastSpec& b) { return !(a == b); }
};

// The problems of `spec` that MakeForecaster or WithForecast would refuse
// regardless of the policy, or that a Forecast file could not hold, each at
// the field's name in the Forecast YAML form (config/forecast.h): "alpha",
// "stepSeconds", "maxCapacityBuffer"... Of the chosen model's parameters,
// the first MakeForecaster refuses. A spec without problems dumps to a
// Forecast (config::DumpForecast) that loads back equal.
std::vector<hpa::FieldError> ValidateForecastSpec(const ForecastSpec& spec);

// The forecaster `spec` names. Errors name the model or the parameter.
absl::StatusOr<std::unique_ptr<Forecaster>> MakeForecaster(const ForecastSpec& spec);
// `inner` inside a ForecastFloor as `spec` says.
absl::StatusOr<std::unique_ptr<ForecastFloor>> WithForecast(std::unique_ptr<Policy> inner,
                                                            const ForecastSpec& spec);

}  // namespace agentscale::forecast

#endif  // AGENTSCALE_FORECAST_POLICY_H_
