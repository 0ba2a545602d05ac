// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Forecasters of load (a metric's value per step: tasks, requests, queue
// depth), updated one sample at a time: no refit per decision, constant
// work per update. Each predicts h steps ahead with a prediction interval.
//
//   agentscale::forecast::HoltWintersOptions o;
//   o.season = 1440;                 // a day of per-minute samples
//   agentscale::forecast::HoltWinters hw(o);
//   for (double x : history) hw.Update(x);
//   agentscale::forecast::Forecast f = hw.Predict(5);   // 5 steps ahead
//   // f.mean, and [f.lower, f.upper] at o.coverage (default 0.9)
//
// The equations (docs/forecasts.md has them with their sources):
//   * SeasonalNaive: x̂(t+h) = x(t+h-m(k+1)), k = floor((h-1)/m); interval
//     from the spread of the seasonal differences, widened by sqrt(k+1).
//   * HoltWinters, statsmodels' convention (PEER_FORMULAS.md §6), additive
//     or multiplicative season, optional damped trend:
//       l(t) = a (x(t) - s(t-m)) + (1-a)(l(t-1) + phi b(t-1))
//       b(t) = b' (l(t) - l(t-1)) + (1-b') phi b(t-1)
//       s(t) = g (x(t) - l(t-1) - phi b(t-1)) + (1-g) s(t-m)
//       x̂(t+h) = l(t) + (phi + ... + phi^h) b(t) + s(t+h-m(k+1))
//     (multiplicative: x/s and (l + ...) * s); started from the first two
//     seasons (level the first season's mean, trend the change of the
//     seasons' means per step, season the first season's deviations), so
//     it forecasts after 2m samples.
//   * LinearTrend: least squares over the last `window` samples, updated by
//     running sums; the interval is OLS's prediction interval (residual
//     spread, widened for the distance from the window's middle).
// Intervals are normal: mean ± z(coverage) σ_h, with σ the running RMS of
// the one-step errors (HoltWinters: σ_h² = σ² (1 + Σ_{j<h} c_j²), the
// additive model's coefficients c_j = a (1 + b' phi_j) + g [j mod m = 0],
// phi_j = phi + ... + phi^j; an approximation for the multiplicative one).
//
// Thread safety: values; one forecaster per thread.
#ifndef AGENTSCALE_FORECAST_FORECASTER_H_
#define AGENTSCALE_FORECAST_FORECASTER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace agentscale::forecast {

struct Forecast {
  double mean = 0;
  double lower = 0;
  double upper = 0;
};

// The standard normal quantile (Acklam's approximation, |error| < 1.2e-9).
double NormalQuantile(double p);

class Forecaster {
 public:
  virtual ~Forecaster() = default;
  // One sample, the value of the step that just ended. NaN is a missing
  // sample: the model carries its own one-step forecast forward instead.
  virtual void Update(double x) = 0;
  // `steps` >= 1 ahead of the last update. Before ready(), the last value
  // (0 before any) with an infinite interval.
  virtual Forecast Predict(int64_t steps) const = 0;
  virtual bool ready() const = 0;
  virtual std::string name() const = 0;
  virtual std::unique_ptr<Forecaster> Clone() const = 0;
  int64_t samples() const { return samples_; }

 protected:
  int64_t samples_ = 0;
};

struct SeasonalNaiveOptions {
  int64_t season = 1440;  // steps per season (a day of minutes)
  double coverage = 0.9;  // of the prediction interval
};
class SeasonalNaive final : public Forecaster {
 public:
  static absl::StatusOr<SeasonalNaive> Create(SeasonalNaiveOptions options);
  void Update(double x) override;
  Forecast Predict(int64_t steps) const override;
  bool ready() const override { return samples_ >= options_.season; }
  std::string name() const override { return "seasonal-naive"; }
  std::unique_ptr<Forecaster> Clone() const override;

 private:
  explicit SeasonalNaive(SeasonalNaiveOptions o);
  SeasonalNaiveOptions options_;
  double z_ = 0;
  std::vector<double> ring_;  // the last season, ring_[t % m]
  double sum_sq_ = 0;         // seasonal differences, squared
  int64_t n_diff_ = 0;
};

enum class Seasonality { kAdditive, kMultiplicative };

struct HoltWintersOptions {
  int64_t season = 1440;
  double alpha = 0.3;  // level
  double beta = 0.05;  // trend
  double gamma = 0.2;  // season
  double phi = 1.0;    // trend damping (1: none)
  Seasonality seasonality = Seasonality::kAdditive;
  double coverage = 0.9;
};
class HoltWinters final : public Forecaster {
 public:
  // Errors: a season below 2, smoothing outside [0, 1], phi outside (0, 1].
  static absl::StatusOr<HoltWinters> Create(HoltWintersOptions options);
  void Update(double x) override;
  Forecast Predict(int64_t steps) const override;
  bool ready() const override { return started_; }
  std::string name() const override;
  std::unique_ptr<Forecaster> Clone() const override;

  double level() const { return level_; }
  double trend() const { return trend_; }
  // The seasonal term for the step `t` (samples() counts steps from 0).
  double seasonal(int64_t t) const { return season_[static_cast<size_t>(t % options_.season)]; }

 private:
  explicit HoltWinters(HoltWintersOptions o);
  void Start();
  double OneStep() const;

  HoltWintersOptions options_;
  double z_ = 0;
  std::vector<double> first_;   // the first two seasons, until started
  std::vector<double> season_;  // s for step t at t % m
  double level_ = 0, trend_ = 0;
  bool started_ = false;
  double sum_sq_ = 0;  // one-step errors, squared
  int64_t n_err_ = 0;
};

struct LinearTrendOptions {
  int64_t window = 60;  // samples in the fit
  double coverage = 0.9;
};
class LinearTrend final : public Forecaster {
 public:
  static absl::StatusOr<LinearTrend> Create(LinearTrendOptions options);
  void Update(double x) override;
  Forecast Predict(int64_t steps) const override;
  bool ready() const override { return n_ >= 3; }
  std::string name() const override { return "linear-trend"; }
  std::unique_ptr<Forecaster> Clone() const override;

 private:
  explicit LinearTrend(LinearTrendOptions o);
  void Refresh();  // the sums again from the window (bounds rounding drift)
  LinearTrendOptions options_;
  double z_ = 0;
  std::vector<double> ring_;  // the window, oldest at head_
  size_t head_ = 0;
  int64_t n_ = 0;  // samples in the window
  // With j = 0 for the oldest sample in the window: Σy, Σ j y, Σ y².
  double s1_ = 0, s2_ = 0, s3_ = 0;
  int64_t since_refresh_ = 0;
};

}  // namespace agentscale::forecast

#endif  // AGENTSCALE_FORECAST_FORECASTER_H_
