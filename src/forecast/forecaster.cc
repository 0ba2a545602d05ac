// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/forecast/forecaster.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace agentscale::forecast {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

absl::Status CheckCoverage(double c) {
  if (!(c > 0 && c < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("coverage must be between 0 and 1 (exclusive), got ", c));
  }
  return absl::OkStatus();
}

absl::Status CheckSeason(int64_t m) {
  if (m < 1 || m > 10'000'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("season must be 1 to 10,000,000 steps, got ", m));
  }
  return absl::OkStatus();
}

Forecast NotReady(double last) { return Forecast{last, -kInf, kInf}; }

Forecast Around(double mean, double sigma_h, double z) {
  return Forecast{mean, mean - z * sigma_h, mean + z * sigma_h};
}

// A denominator kept away from zero (multiplicative seasons of sparse data).
double Safe(double d) {
  constexpr double kTiny = 1e-9;
  if (std::fabs(d) >= kTiny) return d;
  return d < 0 ? -kTiny : kTiny;
}

}  // namespace

double NormalQuantile(double p) {
  // Acklam's rational approximation.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  if (!(p > 0)) return -kInf;
  if (!(p < 1)) return kInf;
  const double lo = 0.02425, hi = 1 - lo;
  if (p < lo) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > hi) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

// ---- SeasonalNaive -----------------------------------------------------------

SeasonalNaive::SeasonalNaive(SeasonalNaiveOptions o)
    : options_(o), z_(NormalQuantile(0.5 + o.coverage / 2)),
      ring_(static_cast<size_t>(o.season), 0.0) {}

absl::StatusOr<SeasonalNaive> SeasonalNaive::Create(SeasonalNaiveOptions o) {
  if (absl::Status st = CheckSeason(o.season); !st.ok()) return st;
  if (absl::Status st = CheckCoverage(o.coverage); !st.ok()) return st;
  return SeasonalNaive(o);
}

void SeasonalNaive::Update(double x) {
  const size_t slot = static_cast<size_t>(samples_ % options_.season);
  const bool full = samples_ >= options_.season;
  if (!std::isfinite(x)) {
    // Missing: the seasonal forecast stands in (or the last value).
    x = full ? ring_[slot] : (samples_ > 0 ? ring_[static_cast<size_t>((samples_ - 1) % options_.season)] : 0.0);
  } else if (full) {
    const double diff = x - ring_[slot];
    sum_sq_ += diff * diff;
    ++n_diff_;
  }
  ring_[slot] = x;
  ++samples_;
}

Forecast SeasonalNaive::Predict(int64_t steps) const {
  steps = std::max<int64_t>(steps, 1);
  const int64_t m = options_.season;
  const double last = samples_ > 0 ? ring_[static_cast<size_t>((samples_ - 1) % m)] : 0.0;
  if (!ready()) return NotReady(last);
  const double mean = ring_[static_cast<size_t>((samples_ - 1 + steps) % m)];
  if (n_diff_ == 0) return NotReady(mean);
  const double sigma = std::sqrt(sum_sq_ / static_cast<double>(n_diff_));
  const double k = static_cast<double>((steps - 1) / m);
  return Around(mean, sigma * std::sqrt(k + 1), z_);
}

std::unique_ptr<Forecaster> SeasonalNaive::Clone() const {
  return std::make_unique<SeasonalNaive>(*this);
}

// ---- HoltWinters ---------------------------------------------------------------

HoltWinters::HoltWinters(HoltWintersOptions o)
    : options_(o), z_(NormalQuantile(0.5 + o.coverage / 2)) {
  first_.reserve(static_cast<size_t>(2 * o.season));
}

absl::StatusOr<HoltWinters> HoltWinters::Create(HoltWintersOptions o) {
  if (absl::Status st = CheckSeason(o.season); !st.ok()) return st;
  if (o.season < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("Holt-Winters needs a season of at least 2 steps, got ", o.season));
  }
  for (const auto& [name, v] : {std::pair<const char*, double>{"alpha", o.alpha},
                                {"beta", o.beta},
                                {"gamma", o.gamma}}) {
    if (!(v >= 0 && v <= 1)) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be in [0, 1], got ", v));
    }
  }
  if (!(o.phi > 0 && o.phi <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat("phi must be in (0, 1], got ", o.phi));
  }
  if (absl::Status st = CheckCoverage(o.coverage); !st.ok()) return st;
  return HoltWinters(o);
}

std::string HoltWinters::name() const {
  return absl::StrCat("holt-winters-",
                      options_.seasonality == Seasonality::kAdditive ? "additive"
                                                                     : "multiplicative",
                      options_.phi < 1 ? "-damped" : "");
}

double HoltWinters::OneStep() const {
  const double base = level_ + options_.phi * trend_;
  const double s = season_[static_cast<size_t>(samples_ % options_.season)];
  return options_.seasonality == Seasonality::kAdditive ? base + s : base * s;
}

void HoltWinters::Start() {
  const int64_t m = options_.season;
  const double mean1 =
      std::accumulate(first_.begin(), first_.begin() + m, 0.0) / static_cast<double>(m);
  const double mean2 =
      std::accumulate(first_.begin() + m, first_.end(), 0.0) / static_cast<double>(m);
  season_.assign(static_cast<size_t>(m), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const double x = first_[static_cast<size_t>(i)];
    season_[static_cast<size_t>(i)] =
        options_.seasonality == Seasonality::kAdditive ? x - mean1 : x / Safe(mean1);
  }
  // The level at the end of the first season, the trend per step.
  level_ = mean1;
  trend_ = (mean2 - mean1) / static_cast<double>(m);
  started_ = true;
  // Run the second season through the equations.
  std::vector<double> second(first_.begin() + m, first_.end());
  first_.clear();
  first_.shrink_to_fit();
  samples_ = m;
  for (double x : second) Update(x);
}

void HoltWinters::Update(double x) {
  if (!started_) {
    if (!std::isfinite(x)) x = first_.empty() ? 0.0 : first_.back();
    first_.push_back(x);
    ++samples_;
    if (samples_ == 2 * options_.season) Start();
    return;
  }
  const HoltWintersOptions& o = options_;
  const size_t slot = static_cast<size_t>(samples_ % o.season);
  const double s_old = season_[slot];
  const double l_prev = level_;
  const double b_damped = o.phi * trend_;
  const double forecast = OneStep();
  if (!std::isfinite(x)) {
    x = forecast;  // missing: carry the model's own forecast
  } else {
    const double e = x - forecast;
    sum_sq_ += e * e;
    ++n_err_;
  }
  if (o.seasonality == Seasonality::kAdditive) {
    level_ = o.alpha * (x - s_old) + (1 - o.alpha) * (l_prev + b_damped);
    season_[slot] = o.gamma * (x - l_prev - b_damped) + (1 - o.gamma) * s_old;
  } else {
    level_ = o.alpha * (x / Safe(s_old)) + (1 - o.alpha) * (l_prev + b_damped);
    season_[slot] = o.gamma * (x / Safe(l_prev + b_damped)) + (1 - o.gamma) * s_old;
  }
  trend_ = o.beta * (level_ - l_prev) + (1 - o.beta) * b_damped;
  ++samples_;
}

Forecast HoltWinters::Predict(int64_t steps) const {
  steps = std::max<int64_t>(steps, 1);
  if (!started_) return NotReady(first_.empty() ? 0.0 : first_.back());
  const HoltWintersOptions& o = options_;
  double phi_h = static_cast<double>(steps);
  if (o.phi < 1) {
    // phi + phi^2 + ... + phi^h
    phi_h = o.phi * (1 - std::pow(o.phi, static_cast<double>(steps))) / (1 - o.phi);
  }
  const double base = level_ + phi_h * trend_;
  const double s = season_[static_cast<size_t>((samples_ - 1 + steps) % o.season)];
  const double mean = o.seasonality == Seasonality::kAdditive ? base + s : base * s;
  if (n_err_ == 0) return NotReady(mean);
  const double sigma2 = sum_sq_ / static_cast<double>(n_err_);
  // 1 + Σ_{j=1}^{h-1} c_j², c_j = a (1 + b' phi_j) + g [j mod m = 0].
  double factor = 1;
  double phi_j = 0, phi_pow = 1;
  for (int64_t j = 1; j < steps; ++j) {
    phi_pow *= o.phi;
    phi_j += phi_pow;
    const double cj = o.alpha * (1 + o.beta * phi_j) + (j % o.season == 0 ? o.gamma : 0.0);
    factor += cj * cj;
  }
  return Around(mean, std::sqrt(sigma2 * factor), z_);
}

std::unique_ptr<Forecaster> HoltWinters::Clone() const {
  return std::make_unique<HoltWinters>(*this);
}

// ---- LinearTrend ---------------------------------------------------------------

LinearTrend::LinearTrend(LinearTrendOptions o)
    : options_(o), z_(NormalQuantile(0.5 + o.coverage / 2)),
      ring_(static_cast<size_t>(o.window), 0.0) {}

absl::StatusOr<LinearTrend> LinearTrend::Create(LinearTrendOptions o) {
  if (o.window < 3 || o.window > 10'000'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("window must be 3 to 10,000,000 samples, got ", o.window));
  }
  if (absl::Status st = CheckCoverage(o.coverage); !st.ok()) return st;
  return LinearTrend(o);
}

void LinearTrend::Refresh() {
  s1_ = s2_ = s3_ = 0;
  const size_t w = ring_.size();
  for (int64_t j = 0; j < n_; ++j) {
    const double y = ring_[(head_ + static_cast<size_t>(j)) % w];
    s1_ += y;
    s2_ += static_cast<double>(j) * y;
    s3_ += y * y;
  }
  since_refresh_ = 0;
}

void LinearTrend::Update(double x) {
  if (!std::isfinite(x)) {
    x = n_ >= 3 ? Predict(1).mean : (n_ > 0 ? ring_[(head_ + static_cast<size_t>(n_ - 1)) % ring_.size()] : 0.0);
  }
  const size_t w = ring_.size();
  if (n_ < options_.window) {
    ring_[(head_ + static_cast<size_t>(n_)) % w] = x;
    s1_ += x;
    s2_ += static_cast<double>(n_) * x;
    s3_ += x * x;
    ++n_;
  } else {
    const double y0 = ring_[head_];
    // Drop the oldest (every other sample's j falls by one), append at j = n-1.
    s1_ -= y0;
    s2_ -= s1_;
    s3_ -= y0 * y0;
    ring_[head_] = x;
    head_ = (head_ + 1) % w;
    s1_ += x;
    s2_ += static_cast<double>(n_ - 1) * x;
    s3_ += x * x;
    if (++since_refresh_ >= options_.window) Refresh();
  }
  ++samples_;
}

Forecast LinearTrend::Predict(int64_t steps) const {
  steps = std::max<int64_t>(steps, 1);
  if (!ready()) {
    return NotReady(n_ > 0 ? ring_[(head_ + static_cast<size_t>(n_ - 1)) % ring_.size()] : 0.0);
  }
  const double n = static_cast<double>(n_);
  const double sx = n * (n - 1) / 2;
  const double sxx = (n - 1) * n * (2 * n - 1) / 6;
  const double sxx_c = sxx - sx * sx / n;  // n (n² - 1) / 12
  const double slope = (s2_ - sx * s1_ / n) / sxx_c;
  const double intercept = (s1_ - slope * sx) / n;
  const double x0 = n - 1 + static_cast<double>(steps);
  const double mean = intercept + slope * x0;
  const double sse = std::max(0.0, s3_ - intercept * s1_ - slope * s2_);
  const double s = std::sqrt(sse / (n - 2));
  const double xbar = sx / n;
  return Around(mean, s * std::sqrt(1 + 1 / n + (x0 - xbar) * (x0 - xbar) / sxx_c), z_);
}

std::unique_ptr<Forecaster> LinearTrend::Clone() const {
  return std::make_unique<LinearTrend>(*this);
}

}  // namespace agentscale::forecast
