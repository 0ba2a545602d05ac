// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/tune/search.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/tune/parallel.h"

namespace agentscale::tune {
namespace {

double Key(double v) { return std::isnan(v) ? std::numeric_limits<double>::infinity() : v; }

}  // namespace

bool Better(const Evaluation& a, const Evaluation& b) {
  if (a.feasible != b.feasible) return a.feasible;
  if (a.feasible) return Key(a.cost) < Key(b.cost);
  return Key(a.violation) < Key(b.violation);
}

absl::StatusOr<PatternSearch> PatternSearch::Create(std::vector<Parameter> parameters,
                                                    std::vector<double> start,
                                                    const Options& options) {
  if (parameters.empty()) return absl::InvalidArgumentError("no parameters to search");
  if (start.size() != parameters.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the start has ", start.size(),
                                                   " values for ", parameters.size(),
                                                   " parameters"));
  }
  std::set<std::string> names;
  for (Parameter& p : parameters) {
    const std::string what = absl::StrCat("parameter \"", p.name, "\": ");
    if (p.name.empty() || !names.insert(p.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "names must be non-empty and distinct"));
    }
    if (!std::isfinite(p.lower) || !std::isfinite(p.upper) || p.lower > p.upper) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, "bounds must be finite with lower <= upper, got [", p.lower, ", ", p.upper, "]"));
    }
    if (!(p.min_step > 0) || !std::isfinite(p.initial_step) || p.initial_step < p.min_step) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, "steps must satisfy 0 < min_step <= initial_step, got ",
                       p.min_step, " and ", p.initial_step));
    }
    if (p.integer) {
      p.lower = std::ceil(p.lower);
      p.upper = std::floor(p.upper);
      if (p.lower > p.upper) {
        return absl::InvalidArgumentError(absl::StrCat(what, "no integer within its bounds"));
      }
      p.min_step = std::max(1.0, std::round(p.min_step));
      p.initial_step = std::max(p.min_step, std::round(p.initial_step));
    }
  }
  for (size_t j = 0; j < start.size(); ++j) {
    if (!std::isfinite(start[j])) {
      return absl::InvalidArgumentError(
          absl::StrCat("the start's ", parameters[j].name, " is not finite"));
    }
  }
  if (options.max_evaluations < 1) {
    return absl::InvalidArgumentError("max_evaluations must be at least 1");
  }
  if (!(options.shrink > 0 && options.shrink < 1)) {
    return absl::InvalidArgumentError("shrink must be in (0, 1)");
  }
  PatternSearch s;
  s.parameters_ = std::move(parameters);
  s.options_ = options;
  s.center_ = s.Snap(std::move(start));
  for (const Parameter& p : s.parameters_) s.steps_.push_back(p.initial_step);
  s.pending_ = {s.center_};
  return s;
}

absl::StatusOr<PatternSearch> PatternSearch::CreateFromStarts(
    std::vector<Parameter> parameters, const std::vector<std::vector<double>>& starts,
    const Options& options) {
  if (starts.empty()) return absl::InvalidArgumentError("no start");
  absl::StatusOr<PatternSearch> s = Create(std::move(parameters), starts.front(), options);
  if (!s.ok()) return s.status();
  for (size_t i = 1; i < starts.size(); ++i) {
    if (starts[i].size() != s->parameters_.size()) {
      return absl::InvalidArgumentError(absl::StrCat("start ", i + 1, " has ", starts[i].size(),
                                                     " values for ", s->parameters_.size(),
                                                     " parameters"));
    }
    for (double v : starts[i]) {
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(absl::StrCat("start ", i + 1, " is not finite"));
      }
    }
    std::vector<double> x = s->Snap(starts[i]);
    if (std::find(s->pending_.begin(), s->pending_.end(), x) == s->pending_.end() &&
        static_cast<int64_t>(s->pending_.size()) < options.max_evaluations) {
      s->pending_.push_back(std::move(x));
    }
  }
  return s;
}

std::vector<double> PatternSearch::Snap(std::vector<double> point) const {
  for (size_t j = 0; j < point.size() && j < parameters_.size(); ++j) {
    const Parameter& p = parameters_[j];
    double v = point[j];
    if (p.integer) v = std::round(v);
    point[j] = std::clamp(v, p.lower, p.upper);
  }
  return point;
}

std::vector<std::vector<double>> PatternSearch::Ask() {
  if (done_) return {};
  return pending_;
}

absl::Status PatternSearch::Tell(const std::vector<Evaluation>& results) {
  if (done_) return absl::FailedPreconditionError("the search is done");
  if (results.size() != pending_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("Tell got ", results.size(),
                                                   " evaluations for the ", pending_.size(),
                                                   " points of the last Ask"));
  }
  for (size_t i = 0; i < results.size(); ++i) {
    seen_[pending_[i]] = results[i];
    history_.push_back(Record{pending_[i], results[i], round_number_});
  }
  pending_.clear();
  if (!center_known_) {
    // The starts: the best (the first of equals) is the center.
    size_t best = 0;
    for (size_t i = 1; i < results.size(); ++i) {
      if (Better(results[i], results[best])) best = i;
    }
    center_ = history_[history_.size() - results.size() + best].point;
    center_eval_ = results[best];
    center_known_ = true;
  } else {
    if (!ConcludeRound()) return absl::OkStatus();
  }
  PlanRound();
  return absl::OkStatus();
}

bool PatternSearch::ConcludeRound() {
  // The round's best neighbour (the first of equals) moves the center if it
  // beats it; otherwise every step above its minimum shrinks.
  const std::vector<double>* best = nullptr;
  const Evaluation* best_eval = nullptr;
  for (const std::vector<double>& x : round_) {
    auto it = seen_.find(x);
    if (it == seen_.end()) continue;  // cut by max_evaluations
    if (best_eval == nullptr || Better(it->second, *best_eval)) {
      best = &x;
      best_eval = &it->second;
    }
  }
  if (best_eval != nullptr && Better(*best_eval, center_eval_)) {
    center_ = *best;
    center_eval_ = *best_eval;
    return true;
  }
  if (ShrinkSteps()) return true;
  done_ = true;
  stop_reason_ = "steps at their minimum";
  return false;
}

bool PatternSearch::ShrinkSteps() {
  bool changed = false;
  for (size_t j = 0; j < steps_.size(); ++j) {
    const Parameter& p = parameters_[j];
    if (steps_[j] <= p.min_step) continue;
    double next = steps_[j] * options_.shrink;
    if (p.integer) next = std::floor(next);
    // A step that rounding keeps where it was goes to its minimum, so that
    // every shrink makes progress.
    steps_[j] = next < steps_[j] ? std::max(p.min_step, next) : p.min_step;
    changed = true;
  }
  return changed;
}

void PatternSearch::PlanRound() {
  // Rounds whose points were all evaluated before resolve at once.
  for (;;) {
    if (evaluations() >= options_.max_evaluations) {
      done_ = true;
      stop_reason_ = "max_evaluations";
      return;
    }
    ++round_number_;
    round_.clear();
    for (size_t j = 0; j < parameters_.size(); ++j) {
      for (double sign : {1.0, -1.0}) {
        std::vector<double> x = center_;
        x[j] += sign * steps_[j];
        x = Snap(std::move(x));
        if (x == center_ || std::find(round_.begin(), round_.end(), x) != round_.end()) continue;
        round_.push_back(std::move(x));
      }
    }
    const int64_t budget = options_.max_evaluations - evaluations();
    for (const std::vector<double>& x : round_) {
      if (seen_.count(x) == 0 && static_cast<int64_t>(pending_.size()) < budget) {
        pending_.push_back(x);
      }
    }
    if (!pending_.empty()) return;
    // Nothing new to evaluate: conclude the round from what was seen.
    if (!ConcludeRound()) return;
  }
}

// --- TuneHpa -------------------------------------------------------------------

namespace {

constexpr const char* kTarget = "target";
constexpr const char* kMinReplicas = "min_replicas";
constexpr const char* kScaleDownWindow = "scale_down_window_seconds";

double TargetOf(const hpa::AutoscalerSpec& spec) {
  return static_cast<double>(*spec.metrics[0].target.average_value_milli) / 1000.0;
}

absl::Duration ScaleDownWindowOf(const hpa::AutoscalerSpec& spec,
                                 const hpa::ControllerConfig& config) {
  if (spec.behavior && spec.behavior->scale_down.stabilization_window) {
    return *spec.behavior->scale_down.stabilization_window;
  }
  return config.downscale_stabilization_window;
}

double ShareSum(const TunedConfig& c) {
  double sum = 0;
  for (double v : c.share_over) sum += v;
  return sum;
}

}  // namespace

TunedConfig EvaluateHpa(const hpa::AutoscalerSpec& spec, const TuneOptions& options) {
  TunedConfig c;
  c.spec = spec;
  Evaluation& e = c.evaluation;
  const std::vector<hpa::FieldError> errors = hpa::ValidateSpec(spec, options.model.config);
  if (!errors.empty()) {
    e.why = absl::StrCat("invalid: ", errors.front().path, ": ", errors.front().message);
    return c;
  }
  sim::AgentModelOptions model = options.model;
  model.wait_slo_seconds = options.slo.wait_seconds;
  model.record_waits = true;
  double cost = 0, violation = 0;
  for (size_t t = 0; t < options.traces.size(); ++t) {
    const sim::Trace& trace = options.traces[t];
    absl::StatusOr<sim::AgentModelResult> r = sim::RunAgentModel(spec, trace, model);
    if (!r.ok()) {
      e.why = absl::StrCat("trace ", trace.name.empty() ? absl::StrCat(t + 1) : trace.name, ": ",
                           r.status().message());
      return c;
    }
    const sim::RunSummary& s = r->summary;
    cost += s.cost;
    // Tasks a full queue dropped never waited, and count as waiting too
    // long: a config that sheds load does not meet a wait SLO.
    const double lost = static_cast<double>(r->tasks_lost);
    const double counted = static_cast<double>(s.wait_tasks) + lost;
    const double share =
        counted > 0 ? (s.share_over_slo * static_cast<double>(s.wait_tasks) + lost) / counted : 0;
    c.cost.push_back(s.cost);
    c.share_over.push_back(share);
    c.wait_p95_seconds.push_back(s.wait_p95);
    const std::string name = trace.name.empty() ? absl::StrCat("trace ", t + 1) : trace.name;
    if (share > options.slo.share_over) {
      violation += share - options.slo.share_over;
      if (e.why.empty()) {
        e.why = absl::StrFormat("%s: %.2f%% of tasks wait over %g s (the SLO allows %g%%)",
                                name, 100 * share, options.slo.wait_seconds,
                                100 * options.slo.share_over);
        if (r->tasks_lost > 0) {
          absl::StrAppend(&e.why, ", ", r->tasks_lost, " of them lost to a full queue");
        }
      }
    }
    if (options.max_reversals_per_hour >= 0 && s.duration_hours > 0) {
      const double per_hour = static_cast<double>(s.reversals_within_5m) / s.duration_hours;
      if (per_hour > options.max_reversals_per_hour) {
        violation += per_hour - options.max_reversals_per_hour;
        if (e.why.empty()) {
          e.why = absl::StrFormat("%s: %.2f reversals per hour (at most %g)", name, per_hour,
                                  options.max_reversals_per_hour);
        }
      }
    }
  }
  e.cost = cost;
  e.violation = violation;
  e.feasible = violation == 0;
  return c;
}


absl::StatusOr<HpaTuner> HpaTuner::Create(const hpa::AutoscalerSpec& base, TuneOptions options) {
  if (base.metrics.empty() || base.metrics[0].type != hpa::MetricSourceType::kPods ||
      base.metrics[0].target.type != hpa::MetricTargetType::kAverageValue ||
      !base.metrics[0].target.average_value_milli) {
    return absl::InvalidArgumentError(
        "tune searches an HPA whose first metric is a Pods metric with an AverageValue target "
        "(app_active_task_count)");
  }
  if (options.traces.empty()) return absl::InvalidArgumentError("tune needs a trace");
  if (absl::Status st = ValidateWaitSlo(options.slo); !st.ok()) return st;
  if (!options.search_target && !options.search_min_replicas &&
      !options.search_scale_down_window) {
    return absl::InvalidArgumentError("nothing to search: every parameter is off");
  }
  if (options.max_evaluations < 1) {
    return absl::InvalidArgumentError("max_evaluations must be at least 1");
  }
  if (!(options.saturation_margin >= 0) || !std::isfinite(options.saturation_margin)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "saturation_margin must be finite and >= 0, got ", options.saturation_margin));
  }
  if (absl::Status st = hpa::ValidateSpecStatus(base, options.model.config); !st.ok()) return st;

  // The controller's tolerance, or the spec's own scale-up tolerance.
  double tolerance = options.model.config.tolerance;
  if (base.behavior && base.behavior->scale_up.tolerance && options.model.config.configurable_tolerance) {
    tolerance = *base.behavior->scale_up.tolerance;
  }
  // The first guess, on the first trace.
  FleetSizingOptions sizing;
  sizing.slots = options.model.slots;
  sizing.service_seconds = options.model.service_seconds;
  sizing.slo = options.slo;
  sizing.interval = options.model.interval;
  sizing.startup_delay = options.model.startup_delay;
  sizing.sync_period = options.model.sync_period;
  sizing.metric_window = options.model.adapter_window;
  sizing.min_agents = std::max(1, base.min_replicas);
  sizing.max_agents = std::max(sizing.min_agents, base.max_replicas);
  sizing.tolerance = tolerance;
  absl::StatusOr<FleetSizing> guess = SizeFleet(options.traces.front(), sizing);
  if (!guess.ok()) return guess.status();

  const double max_target =
      options.max_target > 0
          ? options.max_target
          : SaturationCap(options.model.slots, tolerance, options.saturation_margin);
  if (!(max_target > 0.001)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no target to search: the highest safe target for ", options.model.slots,
        " slots is ", max_target));
  }
  const double start_target = std::isnan(guess->target_per_agent)
                                  ? std::min(TargetOf(base), max_target)
                                  : std::min(guess->target_per_agent, max_target);
  // Two starts, the queueing guess and the base as given; the search goes
  // on from the better, so a tuned config is never worse than the base.
  std::vector<Parameter> params;
  std::vector<double> start, given;
  if (options.search_target) {
    const double step = std::max(0.01, std::max(start_target, TargetOf(base)) / 4);
    params.push_back(Parameter{kTarget, 0.001, max_target, false, step,
                               std::max(0.001, std::min(start_target, TargetOf(base)) / 100)});
    start.push_back(start_target);
    given.push_back(TargetOf(base));
  }
  if (options.search_min_replicas) {
    const int32_t most =
        options.max_min_replicas > 0 ? options.max_min_replicas : base.max_replicas;
    params.push_back(Parameter{kMinReplicas, 1, static_cast<double>(most), true,
                               std::max(1.0, std::floor(most / 4.0)), 1});
    start.push_back(std::max(1, base.min_replicas));
    given.push_back(std::max(1, base.min_replicas));
  }
  if (options.search_scale_down_window) {
    const int32_t most = options.max_scale_down_window_seconds > 0
                             ? options.max_scale_down_window_seconds
                             : 3600;
    params.push_back(Parameter{kScaleDownWindow, 0, static_cast<double>(most), true,
                               std::min(240.0, static_cast<double>(most)),
                               std::min(15.0, static_cast<double>(most))});
    const double window = absl::ToDoubleSeconds(ScaleDownWindowOf(base, options.model.config));
    start.push_back(window);
    given.push_back(window);
  }
  PatternSearch::Options search_options;
  search_options.max_evaluations = options.max_evaluations;
  absl::StatusOr<PatternSearch> search = PatternSearch::CreateFromStarts(
      std::move(params), {std::move(start), std::move(given)}, search_options);
  if (!search.ok()) return search.status();
  HpaTuner t(*std::move(search));
  t.base_ = base;
  t.options_ = std::move(options);
  t.guess_ = *std::move(guess);
  for (const Parameter& p : t.search_.parameters()) t.names_.push_back(p.name);
  return t;
}

hpa::AutoscalerSpec HpaTuner::SpecAt(const std::vector<double>& x) const {
  hpa::AutoscalerSpec spec = base_;
  size_t j = 0;
  if (options_.search_target && j < x.size()) {
    // The first metric's target is the point's; every other Pods
    // AverageValue target moves in proportion (the seed's request count
    // beside its task count).
    const double base_target = TargetOf(base_);
    const double ratio = x[j] / base_target;
    spec.metrics[0].target.average_value_milli =
        std::max<int64_t>(1, static_cast<int64_t>(std::llround(x[j++] * 1000)));
    for (size_t m = 1; m < spec.metrics.size(); ++m) {
      hpa::MetricTarget& t = spec.metrics[m].target;
      if (spec.metrics[m].type == hpa::MetricSourceType::kPods &&
          t.type == hpa::MetricTargetType::kAverageValue && t.average_value_milli) {
        t.average_value_milli = std::max<int64_t>(
            1, static_cast<int64_t>(std::llround(static_cast<double>(*t.average_value_milli) * ratio)));
      }
    }
  }
  if (options_.search_min_replicas && j < x.size()) {
    spec.min_replicas = std::min(static_cast<int32_t>(x[j++]), spec.max_replicas);
  }
  if (options_.search_scale_down_window && j < x.size()) {
    if (!spec.behavior) spec.behavior = hpa::DefaultBehavior();
    spec.behavior->scale_down.stabilization_window = absl::Seconds(x[j++]);
  }
  return spec;
}

std::vector<hpa::AutoscalerSpec> HpaTuner::Ask() {
  std::vector<hpa::AutoscalerSpec> specs;
  for (const std::vector<double>& x : search_.Ask()) specs.push_back(SpecAt(x));
  return specs;
}

absl::Status HpaTuner::Tell(std::vector<TunedConfig> results) {
  std::vector<Evaluation> evals;
  evals.reserve(results.size());
  for (const TunedConfig& c : results) evals.push_back(c.evaluation);
  if (absl::Status st = search_.Tell(evals); !st.ok()) return st;
  for (TunedConfig& c : results) candidates_.push_back(std::move(c));
  return absl::OkStatus();
}

TuneResult HpaTuner::Finish() const {
  TuneResult out;
  out.guess = guess_;
  out.parameter_names = names_;
  out.history = search_.history();
  out.stop_reason = search_.done() ? search_.stop_reason() : "stopped before the end";
  if (!out.history.empty()) out.start = SpecAt(out.history.front().point);
  // The best: the search's center.
  size_t best = 0;
  for (size_t i = 0; i < out.history.size(); ++i) {
    if (out.history[i].point == search_.best_point()) {
      best = i;
      break;
    }
  }
  if (best < candidates_.size()) out.best = candidates_[best];
  out.baseline = EvaluateHpa(base_, options_);
  // The base as given may lie outside the searched bounds (a target above
  // the saturation cap, a window over the bound), so it was never a
  // candidate itself: it wins if it is better.
  if (candidates_.empty() || Better(out.baseline.evaluation, out.best.evaluation)) {
    out.best = out.baseline;
  }
  out.found = out.best.evaluation.feasible;
  if (!out.found) {
    out.why_none = absl::StrCat("no candidate of ", candidates_.size(), " met ",
                                options_.slo.ToString(), "; the closest: ",
                                out.best.evaluation.why);
  }
  // The Pareto front of cost against the share of tasks over the wait.
  std::vector<size_t> feasible;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (candidates_[i].evaluation.feasible) feasible.push_back(i);
  }
  std::vector<double> share(candidates_.size());
  for (size_t i = 0; i < candidates_.size(); ++i) share[i] = ShareSum(candidates_[i]);
  std::sort(feasible.begin(), feasible.end(), [&](size_t a, size_t b) {
    const double ca = candidates_[a].evaluation.cost, cb = candidates_[b].evaluation.cost;
    if (ca != cb) return ca < cb;
    return share[a] < share[b] || (share[a] == share[b] && a < b);
  });
  double lowest = std::numeric_limits<double>::infinity();
  for (size_t i : feasible) {
    if (share[i] < lowest) {
      out.pareto.push_back(i);
      lowest = share[i];
    }
  }
  return out;
}

absl::StatusOr<TuneResult> TuneHpa(const hpa::AutoscalerSpec& base, const TuneOptions& options,
                                   const std::function<void(int64_t, int64_t)>& progress) {
  absl::StatusOr<HpaTuner> tuner = HpaTuner::Create(base, options);
  if (!tuner.ok()) return tuner.status();
  const int32_t threads =
      options.threads > 0 ? options.threads
                          : static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  while (!tuner->done()) {
    const std::vector<hpa::AutoscalerSpec> batch = tuner->Ask();
    std::vector<TunedConfig> results(batch.size());
    // Each thread writes only its candidate's result; the options and
    // traces are read-only while the batch runs.
    ParallelFor(batch.size(), threads,
                [&](size_t i) { results[i] = EvaluateHpa(batch[i], tuner->options()); });
    if (absl::Status st = tuner->Tell(std::move(results)); !st.ok()) return st;
    if (progress) progress(tuner->evaluations(), options.max_evaluations);
  }
  return tuner->Finish();
}

}  // namespace agentscale::tune
