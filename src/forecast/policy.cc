// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/forecast/policy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agentscale/policy/combinators.h"
#include "agentscale/time_bounds.h"

namespace agentscale::forecast {

absl::StatusOr<std::unique_ptr<ForecastFloor>> ForecastFloor::Create(
    std::unique_ptr<Policy> inner, std::unique_ptr<Forecaster> model,
    ForecastFloorOptions options) {
  if (inner == nullptr) return absl::InvalidArgumentError("forecast: no policy to wrap");
  if (model == nullptr) return absl::InvalidArgumentError("forecast: no forecaster");
  if (options.metric.name.empty()) {
    return absl::InvalidArgumentError("forecast: the load metric needs a name");
  }
  if (options.step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("forecast: the step must be positive");
  }
  if (options.lead < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("forecast: the lead must not be negative");
  }
  if (!(options.max_capacity_buffer >= 0 && options.max_capacity_buffer <= 100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "forecast: max_capacity_buffer must be a percentage from 0 to 100, got ",
        options.max_capacity_buffer));
  }
  if (options.max_capacity_buffer > 0 &&
      options.max_breach != MaxCapacityBreach::kIncreaseMaxCapacity) {
    return absl::InvalidArgumentError(
        "forecast: max_capacity_buffer applies only with IncreaseMaxCapacity");
  }
  if (!(options.load_per_replica > 0) || !std::isfinite(options.load_per_replica)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "forecast: load_per_replica must be a positive number, got ", options.load_per_replica));
  }
  return std::unique_ptr<ForecastFloor>(
      new ForecastFloor(std::move(inner), std::move(model), std::move(options)));
}

ForecastFloor::ForecastFloor(std::unique_ptr<Policy> inner, std::unique_ptr<Forecaster> model,
                             ForecastFloorOptions options)
    : inner_(std::move(inner)), model_(std::move(model)), options_(std::move(options)) {
  absl::Duration rem;
  const int64_t whole = absl::IDivDuration(options_.lead, options_.step, &rem);
  steps_ahead_ = std::max<int64_t>(1, whole + (rem > absl::ZeroDuration() ? 1 : 0));
  metrics_ = inner_->metrics();
  needs_projection_ = !combinator::Contains(metrics_, options_.metric.name);
  if (needs_projection_) metrics_.push_back(options_.metric);
}

void ForecastFloor::Sample(double load, std::string* note) {
  const int64_t index = sample_index_++;
  if (std::isfinite(load)) {
    if (have_one_step_ && (load < one_step_.lower || load > one_step_.upper)) {
      ++anomalies_;
      absl::StrAppend(note, note->empty() ? "" : "; ", "forecast: anomaly, ",
                      absl::StrFormat("%.6g outside [%.6g, %.6g]", load, one_step_.lower,
                                      one_step_.upper));
    }
    while (!pending_.empty() && pending_.front().first < index) pending_.pop_front();
    if (!pending_.empty() && pending_.front().first == index) {
      const Forecast& f = pending_.front().second;
      ++scored_;
      if (load >= f.lower && load <= f.upper) ++covered_;
      if (load > 0) {
        ape_sum_ += std::fabs(f.mean - load) / load;
        ++ape_n_;
      }
      pending_.pop_front();
    }
  }
  model_->Update(load);
  have_one_step_ = model_->ready();
  if (have_one_step_) {
    one_step_ = model_->Predict(1);
    last_forecast_ = model_->Predict(steps_ahead_);
    pending_.emplace_back(index + steps_ahead_, last_forecast_);
  }
}

absl::Status ForecastFloor::Decide(absl::Time now, const Observation& obs, Decision* out) {
  if (!IsAcceptedTime(now)) return CheckTime(now, "forecast: now");
  if (last_decide_.has_value() && now < *last_decide_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "forecast: time went backwards, from ", absl::FormatTime(*last_decide_), " to ",
        absl::FormatTime(now)));
  }
  if (now == absl::InfiniteFuture() || now == absl::InfinitePast()) {
    return absl::InvalidArgumentError("the decision time must be finite");
  }
  last_decide_ = now;
  bool failed = false;
  const std::optional<double> total =
      combinator::ObservedTotal(obs, options_.metric.name, &failed);
  const double load = total.has_value() && !failed ? *total : std::nan("");
  note_.clear();
  if (!next_sample_.has_value()) next_sample_ = now;
  // Every step boundary passed since the last decision takes the load seen
  // now (a long gap is capped at a day of steps, the rest as one).
  int64_t taken = 0;
  while (now >= *next_sample_) {
    Sample(load, &note_);
    *next_sample_ += options_.step;
    if (++taken >= 100000) {
      absl::Duration rem;
      *next_sample_ += options_.step * absl::IDivDuration(now - *next_sample_, options_.step, &rem);
      if (*next_sample_ <= now) *next_sample_ += options_.step;
    }
  }

  const Observation* view = &obs;
  if (needs_projection_) {
    ProjectObservation(obs, inner_->metrics(), &projected_);
    view = &projected_;
  }
  if (absl::Status st = inner_->Decide(now, *view, out); !st.ok()) return st;
  inner_desired_ = out->desired_replicas;
  inner_rescale_ = out->rescale;

  last_floor_ = 0;
  const double ahead = options_.use_upper ? last_forecast_.upper : last_forecast_.mean;
  // No floor from a forecast without a value (an interval not yet known is
  // infinite).
  if (model_->ready() && std::isfinite(ahead)) {
    const double load_ahead = std::max(0.0, ahead);
    double floor = std::ceil(load_ahead / options_.load_per_replica);
    if (options_.max_breach == MaxCapacityBreach::kHonorMaxCapacity) {
      floor = std::min(floor, static_cast<double>(inner_->max_replicas()));
    }
    last_floor_ = static_cast<int32_t>(std::min(floor, 2147483647.0));
    if (options_.max_breach == MaxCapacityBreach::kIncreaseMaxCapacity &&
        options_.mode == ForecastMode::kForecastAndScale) {
      const double raised = std::ceil(load_ahead / options_.load_per_replica *
                                      (1 + options_.max_capacity_buffer / 100));
      if (raised > inner_->max_replicas() && raised > raised_max_) {
        raised_max_ = static_cast<int32_t>(std::min(raised, 2147483647.0));
      }
    }
  }
  // The wrapped policy stops at its own maximum; above it, up to the raised
  // maximum, the count is what the load seen now asks (target tracking on
  // the load metric).
  const int32_t inner_max = inner_->max_replicas();
  if (raised_max_ > inner_max && out->desired_replicas >= inner_max && std::isfinite(load)) {
    const double asks = std::ceil(std::max(0.0, load) / options_.load_per_replica);
    const int32_t to = static_cast<int32_t>(std::min(asks, static_cast<double>(raised_max_)));
    if (to > out->desired_replicas) {
      combinator::Adjust(out, AdjustmentKind::kBounds,
                         absl::StrCat("forecast maxReplicas ", raised_max_),
                         to);
    }
  }
  if (last_floor_ > out->desired_replicas) {
    ++lifted_;
    const std::string by = absl::StrCat(
        "forecast ", model_->name(), " ",
        absl::StrFormat("%.6g", options_.use_upper ? last_forecast_.upper : last_forecast_.mean),
        " in ", absl::FormatDuration(options_.step * steps_ahead_));
    if (options_.mode == ForecastMode::kForecastAndScale) {
      combinator::Adjust(out, AdjustmentKind::kFloor, by, last_floor_);
    } else {
      absl::StrAppend(&note_, note_.empty() ? "" : "; ", by, " would lift ",
                      out->desired_replicas, " to ", last_floor_, " (forecast only)");
    }
  }
  if (!note_.empty()) {
    absl::StrAppend(&out->family_note, out->family_note.empty() ? "" : "; ", note_);
  }
  return absl::OkStatus();
}

absl::Status ForecastFloor::Commit(Decision& decision) {
  return combinator::CommitInner(*inner_, inner_rescale_, inner_desired_, decision);
}

absl::Status ForecastFloor::CommitFailed(Decision& decision, const absl::Status& error) {
  return combinator::CommitFailedInner(*inner_, inner_rescale_, inner_desired_, decision, error);
}

PolicyState ForecastFloor::ExportPolicyState() const {
  PolicyState s;
  s.family = family();
  s.state_json = "{}";
  s.children.push_back(inner_->ExportPolicyState());
  return s;
}

absl::Status ForecastFloor::ImportPolicyState(const PolicyState& state) {
  if (absl::Status st = CheckPolicyState(state, family(), 1); !st.ok()) return st;
  last_decide_.reset();
  return inner_->ImportPolicyState(state.children[0]);
}

std::unique_ptr<Policy> ForecastFloor::Clone() const {
  auto copy = std::unique_ptr<ForecastFloor>(
      new ForecastFloor(inner_->Clone(), model_->Clone(), options_));
  copy->next_sample_ = next_sample_;
  copy->last_decide_ = last_decide_;
  copy->last_forecast_ = last_forecast_;
  copy->one_step_ = one_step_;
  copy->have_one_step_ = have_one_step_;
  copy->last_floor_ = last_floor_;
  copy->raised_max_ = raised_max_;
  copy->pending_ = pending_;
  copy->sample_index_ = sample_index_;
  copy->scored_ = scored_;
  copy->covered_ = covered_;
  copy->ape_n_ = ape_n_;
  copy->anomalies_ = anomalies_;
  copy->lifted_ = lifted_;
  copy->ape_sum_ = ape_sum_;
  copy->inner_desired_ = inner_desired_;
  copy->inner_rescale_ = inner_rescale_;
  return copy;
}

ForecastScore ForecastFloor::score() const {
  ForecastScore s;
  s.scored = scored_;
  s.mape = ape_n_ > 0 ? ape_sum_ / static_cast<double>(ape_n_) : 0;
  s.coverage = scored_ > 0 ? static_cast<double>(covered_) / static_cast<double>(scored_) : 0;
  s.anomalies = anomalies_;
  s.lifted = lifted_;
  return s;
}

namespace {

bool PrintableAscii(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

bool operator==(const ForecastSpec& a, const ForecastSpec& b) {
  return a.model == b.model && a.season == b.season && a.alpha == b.alpha &&
         a.beta == b.beta && a.gamma == b.gamma && a.phi == b.phi && a.window == b.window &&
         a.coverage == b.coverage && a.metric == b.metric &&
         a.load_per_replica == b.load_per_replica && a.step == b.step && a.lead == b.lead &&
         a.use_upper == b.use_upper && a.mode == b.mode && a.max_breach == b.max_breach &&
         a.max_capacity_buffer == b.max_capacity_buffer;
}

std::vector<hpa::FieldError> ValidateForecastSpec(const ForecastSpec& spec) {
  std::vector<hpa::FieldError> errors;
  absl::StatusOr<std::unique_ptr<Forecaster>> model = MakeForecaster(spec);
  if (!model.ok()) {
    // The forecasters' messages start with the parameter they refuse.
    std::string path = "model";
    const std::string message(model.status().message());
    for (const char* p : {"season", "alpha", "beta", "gamma", "phi", "window", "coverage"}) {
      if (absl::StartsWith(message, p)) path = p;
    }
    if (absl::StrContains(message, "season of at least")) path = "season";
    errors.push_back({path, message});
  }
  // Fields the chosen model does not use must still be values a Forecast
  // file can hold.
  for (auto [name, v] : {std::pair<const char*, int64_t>{"season", spec.season},
                         {"window", spec.window}}) {
    if (v < 1 || v > 2147483647) {
      errors.push_back({name, absl::StrCat("must be 1 to 2147483647, got ", v)});
    }
  }
  for (auto [name, v] : {std::pair<const char*, double>{"alpha", spec.alpha},
                         {"beta", spec.beta},
                         {"gamma", spec.gamma},
                         {"phi", spec.phi},
                         {"coverage", spec.coverage}}) {
    if (!std::isfinite(v)) errors.push_back({name, absl::StrCat("must be a number, got ", v)});
  }
  for (auto [name, d] : {std::pair<const char*, absl::Duration>{"stepSeconds", spec.step},
                         {"leadSeconds", spec.lead}}) {
    if (d > absl::Seconds(1e9) || d % absl::Milliseconds(1) != absl::ZeroDuration()) {
      errors.push_back({name, absl::StrCat("must be a whole number of milliseconds up to 1e9 "
                                           "seconds, got ", absl::FormatDuration(d))});
    }
  }
  if (spec.metric.size() > 1024) {
    errors.push_back({"metric", absl::StrCat("must be at most 1024 characters, got ",
                                             spec.metric.size())});
  } else if (!PrintableAscii(spec.metric)) {
    errors.push_back({"metric", "must be printable ASCII (a metric name)"});
  }
  if (!(spec.load_per_replica >= 0) || !std::isfinite(spec.load_per_replica)) {
    errors.push_back({"loadPerReplica",
                      absl::StrCat("must be a positive number (0: the metric's AverageValue "
                                   "target), got ", spec.load_per_replica)});
  }
  if (spec.step <= absl::ZeroDuration()) {
    errors.push_back({"stepSeconds", absl::StrCat("must be positive, got ",
                                                  absl::ToDoubleSeconds(spec.step))});
  }
  if (spec.lead < absl::ZeroDuration()) {
    errors.push_back({"leadSeconds", absl::StrCat("must not be negative, got ",
                                                  absl::ToDoubleSeconds(spec.lead))});
  }
  if (!(spec.max_capacity_buffer >= 0 && spec.max_capacity_buffer <= 100)) {
    errors.push_back({"maxCapacityBuffer", absl::StrCat("must be a percentage from 0 to 100, got ",
                                                        spec.max_capacity_buffer)});
  } else if (spec.max_capacity_buffer > 0 &&
             spec.max_breach != MaxCapacityBreach::kIncreaseMaxCapacity) {
    errors.push_back({"maxCapacityBuffer",
                      "applies only with maxCapacityBreachBehavior IncreaseMaxCapacity"});
  }
  return errors;
}

absl::StatusOr<std::unique_ptr<Forecaster>> MakeForecaster(const ForecastSpec& spec) {
  if (spec.model == "seasonal-naive") {
    absl::StatusOr<SeasonalNaive> m = SeasonalNaive::Create({spec.season, spec.coverage});
    if (!m.ok()) return m.status();
    return std::unique_ptr<Forecaster>(std::make_unique<SeasonalNaive>(std::move(*m)));
  }
  if (spec.model == "holt-winters" || spec.model == "holt-winters-multiplicative") {
    HoltWintersOptions o;
    o.season = spec.season;
    o.alpha = spec.alpha;
    o.beta = spec.beta;
    o.gamma = spec.gamma;
    o.phi = spec.phi;
    o.coverage = spec.coverage;
    o.seasonality = spec.model == "holt-winters" ? Seasonality::kAdditive
                                                 : Seasonality::kMultiplicative;
    absl::StatusOr<HoltWinters> m = HoltWinters::Create(o);
    if (!m.ok()) return m.status();
    return std::unique_ptr<Forecaster>(std::make_unique<HoltWinters>(std::move(*m)));
  }
  if (spec.model == "linear-trend") {
    absl::StatusOr<LinearTrend> m = LinearTrend::Create({spec.window, spec.coverage});
    if (!m.ok()) return m.status();
    return std::unique_ptr<Forecaster>(std::make_unique<LinearTrend>(std::move(*m)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown forecast model \"", spec.model,
      "\"; known: seasonal-naive, holt-winters, holt-winters-multiplicative, linear-trend"));
}

absl::StatusOr<std::unique_ptr<ForecastFloor>> WithForecast(std::unique_ptr<Policy> inner,
                                                            const ForecastSpec& spec) {
  if (inner == nullptr) return absl::InvalidArgumentError("forecast: no policy to wrap");
  absl::StatusOr<std::unique_ptr<Forecaster>> model = MakeForecaster(spec);
  if (!model.ok()) return model.status();
  ForecastFloorOptions o;
  o.max_capacity_buffer = spec.max_capacity_buffer;
  const std::vector<hpa::MetricSpec>& metrics = inner->metrics();
  const hpa::MetricSpec* m = nullptr;
  for (const hpa::MetricSpec& x : metrics) {
    if (spec.metric.empty() ? m == nullptr : x.name == spec.metric) m = &x;
  }
  if (m == nullptr) {
    return absl::InvalidArgumentError(
        spec.metric.empty()
            ? std::string("forecast: the policy reads no metric to forecast")
            : absl::StrCat("forecast: the policy reads no metric \"", spec.metric, "\""));
  }
  o.metric = *m;
  o.load_per_replica = spec.load_per_replica;
  if (o.load_per_replica == 0) {
    if (!m->target.average_value_milli.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "forecast: ", m->name,
          " has no AverageValue target to size replicas by; set load_per_replica"));
    }
    o.load_per_replica = static_cast<double>(*m->target.average_value_milli) / 1000.0;
  }
  o.step = spec.step;
  o.lead = spec.lead;
  o.use_upper = spec.use_upper;
  o.mode = spec.mode;
  o.max_breach = spec.max_breach;
  return ForecastFloor::Create(std::move(inner), std::move(*model), o);
}

}  // namespace agentscale::forecast
