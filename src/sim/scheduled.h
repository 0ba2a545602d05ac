// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The options' schedule and forecast around a policy the sim layer built
// from a spec (internal to the sim layer).
#ifndef AGENTSCALE_SRC_SIM_SCHEDULED_H_
#define AGENTSCALE_SRC_SIM_SCHEDULED_H_

#include <cmath>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/policy/policy.h"
#include "agentscale/schedule/schedule.h"
#include "agentscale/sim/summary.h"
#include "agentscale/sim/trace.h"

namespace agentscale::sim::internal {

// Whether `options` (FluidOptions or AgentModelOptions) wrap the policy.
template <typename Options>
bool Wraps(const Options& options) {
  return options.schedule.has_value() || options.forecast.has_value();
}

template <typename Options>
void ClearWrappers(Options* options) {
  options->schedule.reset();
  options->forecast.reset();
}

// A policy with the options' wrappers around it, and the forecast floor
// among them (for the run summary's forecast score).
struct Wrapped {
  std::unique_ptr<Policy> policy;
  const forecast::ForecastFloor* forecast = nullptr;
};

// `policy` inside the options' forecast floor, then inside their schedule
// over [start, end) (Unix seconds); `policy` itself without either.
template <typename Options>
absl::StatusOr<Wrapped> Scheduled(std::unique_ptr<Policy> policy, const Options& options,
                                  double start, double end) {
  Wrapped w;
  if (options.forecast.has_value()) {
    absl::StatusOr<std::unique_ptr<forecast::ForecastFloor>> f =
        forecast::WithForecast(std::move(policy), *options.forecast);
    if (!f.ok()) return f.status();
    w.forecast = f->get();
    policy = std::move(*f);
  }
  if (!options.schedule.has_value()) {
    w.policy = std::move(policy);
    return w;
  }
  if (!std::isfinite(start) || !std::isfinite(end) || !(start < end)) {
    return absl::InvalidArgumentError("a schedule needs a trace with a finite span");
  }
  absl::StatusOr<std::unique_ptr<Policy>> s = schedule::WithSchedule(
      std::move(policy), *options.schedule,
      absl::FromUnixSeconds(static_cast<int64_t>(std::floor(start))),
      absl::FromUnixSeconds(static_cast<int64_t>(std::ceil(end)) + 1));
  if (!s.ok()) return s.status();
  w.policy = std::move(*s);
  return w;
}

// `result` (a FluidResult or AgentModelResult) with the wrapped forecast's
// score in its summary.
template <typename Result>
absl::StatusOr<Result> WithScore(absl::StatusOr<Result> result, const Wrapped& w) {
  if (result.ok() && w.forecast != nullptr) {
    RecordForecast(w.forecast->score(), &result->summary);
  }
  return result;
}

// Where a schedule around an agent-model run is expanded to: 30 days past
// the longest the run can last (the trace, then the drain).
template <typename Options>
double ScheduleEnd(const Trace& trace, const Options& options) {
  if (trace.empty()) return 0;
  return trace.end() + absl::ToDoubleSeconds(options.drain_limit) + 30 * 86400.0;
}

// The Policy entry points run the policy they are given.
template <typename Options>
absl::Status NoSchedule(const Options& options) {
  if (!Wraps(options)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "options.schedule and options.forecast apply to a spec; wrap a Policy with "
      "schedule::WithSchedule or forecast::WithForecast");
}

}  // namespace agentscale::sim::internal

#endif  // AGENTSCALE_SRC_SIM_SCHEDULED_H_
