// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Searching a config space for the cheapest config that meets an
// objective: a compass (generalized pattern) search over bounded, possibly
// integer parameters, driven by ask and tell so that the caller evaluates
// each batch of points however it likes (in turn, on threads, on a
// concurrent.futures.Executor or a Dask cluster from Python), and TuneHpa,
// which searches an HPA's target, minimum and scale-down window on the
// agent model for a wait SLO.
//
//   agentscale::tune::PatternSearch search = *agentscale::tune::PatternSearch::Create(
//       {{"target", 1, 100, false, 8, 0.25}, {"min", 1, 20, true, 4, 1}}, {40, 2});
//   while (!search.done()) {
//     std::vector<std::vector<double>> batch = search.Ask();
//     std::vector<agentscale::tune::Evaluation> results;
//     for (const auto& x : batch) results.push_back(Evaluate(x));
//     absl::Status st = search.Tell(results);
//   }
//   search.best_point();  // the cheapest feasible point seen
//
// The search is deterministic: the same start, parameters and evaluations
// give the same points in the same order.
#ifndef AGENTSCALE_TUNE_SEARCH_H_
#define AGENTSCALE_TUNE_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/trace.h"
#include "agentscale/tune/queueing.h"

namespace agentscale::tune {

struct Parameter {
  std::string name;
  double lower = 0;
  double upper = 0;
  bool integer = false;
  // The first step, and the smallest: the search ends when no step of this
  // size improves (for an integer parameter the smallest is at least 1).
  double initial_step = 1;
  double min_step = 1;
};

// What one point scored. Points compare feasible first, then by cost;
// infeasible ones by violation (how far from feasible), so that a search
// started outside the feasible region walks into it.
struct Evaluation {
  bool feasible = false;
  double cost = std::numeric_limits<double>::infinity();
  double violation = std::numeric_limits<double>::infinity();
  // Why it is infeasible (or an error), for the report on rejected points.
  std::string why;
};
// True when `a` is strictly better than `b`.
bool Better(const Evaluation& a, const Evaluation& b);

class PatternSearch {
 public:
  struct Options {
    // The most points evaluated, the start included.
    int64_t max_evaluations = 500;
    // A move keeps its step; a round without one halves every step.
    double shrink = 0.5;
  };
  static absl::StatusOr<PatternSearch> Create(std::vector<Parameter> parameters,
                                              std::vector<double> start,
                                              const Options& options);
  static absl::StatusOr<PatternSearch> Create(std::vector<Parameter> parameters,
                                              std::vector<double> start) {
    return Create(std::move(parameters), std::move(start), Options{});
  }
  // Several starts: the first round evaluates them all (duplicates once)
  // and the best, the first of equals, is where the search goes on from.
  static absl::StatusOr<PatternSearch> CreateFromStarts(
      std::vector<Parameter> parameters, const std::vector<std::vector<double>>& starts,
      const Options& options);

  // The points to evaluate next, none evaluated before (a point seen
  // before takes its recorded evaluation). Empty once done(); asking twice
  // without a Tell gives the same batch.
  std::vector<std::vector<double>> Ask();
  // The evaluations of the last Ask's points, in order.
  absl::Status Tell(const std::vector<Evaluation>& results);
  bool done() const { return done_; }

  const std::vector<Parameter>& parameters() const { return parameters_; }
  const std::vector<double>& best_point() const { return center_; }
  const Evaluation& best() const { return center_eval_; }
  const std::vector<double>& steps() const { return steps_; }
  int64_t evaluations() const { return static_cast<int64_t>(history_.size()); }
  struct Record {
    std::vector<double> point;
    Evaluation evaluation;
    int64_t round = 0;  // the round that asked for it (0: the start)
  };
  // Every evaluated point, in the order told.
  const std::vector<Record>& history() const { return history_; }
  // Why the search ended: "steps at their minimum", "max_evaluations".
  const std::string& stop_reason() const { return stop_reason_; }

  // A point moved into the bounds and onto the integers.
  std::vector<double> Snap(std::vector<double> point) const;

 private:
  PatternSearch() = default;
  // Plans the next round's points into pending_, concluding at once rounds
  // whose points were all seen; sets done_ when the search ends.
  void PlanRound();
  // Shrinks every step above its minimum; false when all are at it.
  bool ShrinkSteps();
  // Moves the center to the round's best point if it is better, else
  // shrinks the steps; false (and done_) when the search has ended.
  bool ConcludeRound();

  std::vector<Parameter> parameters_;
  Options options_;
  std::vector<double> center_;
  Evaluation center_eval_;
  bool center_known_ = false;
  std::vector<double> steps_;
  std::vector<std::vector<double>> pending_;  // asked, not told
  std::vector<std::vector<double>> round_;    // this round's neighbours
  std::map<std::vector<double>, Evaluation> seen_;
  std::vector<Record> history_;
  int64_t round_number_ = 0;
  bool done_ = false;
  std::string stop_reason_;
};

// Searching an HPA for a wait SLO on the agent model.
struct TuneOptions {
  WaitSlo slo;
  // The agent model every candidate runs on (its wait_slo_seconds is set
  // from the SLO).
  sim::AgentModelOptions model;
  // The traces: a candidate is feasible only if it meets the SLO on each.
  std::vector<sim::Trace> traces;
  // What is searched, each with its bounds; an upper bound of 0 means the
  // default (target: the saturation cap below; min: the spec's
  // maxReplicas; window: 3600 s).
  bool search_target = true;
  bool search_min_replicas = true;
  bool search_scale_down_window = true;
  double max_target = 0;
  // With max_target 0, the target stays below SaturationCap(slots,
  // tolerance, saturation_margin): a saturated fleet must still scale up,
  // with room to spare.
  double saturation_margin = 0.05;
  int32_t max_min_replicas = 0;
  int32_t max_scale_down_window_seconds = 0;
  // Optional limits: scale reversals within 5 minutes per hour of run
  // (negative: none).
  double max_reversals_per_hour = -1;
  int64_t max_evaluations = 200;
  // Threads evaluating a batch at once (0: the machine's cores).
  int32_t threads = 0;
};

struct TunedConfig {
  hpa::AutoscalerSpec spec;
  Evaluation evaluation;
  // Per trace: the share of tasks waiting longer than the SLO's wait, the
  // p95 wait, and the cost (the agent model's RunSummary).
  std::vector<double> share_over;
  std::vector<double> wait_p95_seconds;
  std::vector<double> cost;
};

struct TuneResult {
  // The first guess (queueing.h) on the first trace, and where the search
  // started from it.
  FleetSizing guess;
  hpa::AutoscalerSpec start;
  // The cheapest candidate that meets the objective; when none does,
  // `found` is false and `best` is the least infeasible, with `why_none`.
  bool found = false;
  TunedConfig best;
  std::string why_none;
  // The base spec as given, on the same traces, for comparison.
  TunedConfig baseline;
  // Every evaluated candidate: the searched values (names in
  // `parameter_names`), its evaluation.
  std::vector<std::string> parameter_names;
  std::vector<PatternSearch::Record> history;
  // The feasible candidates no other feasible candidate beats on both cost
  // and wait (indices into history), by cost.
  std::vector<size_t> pareto;
  std::string stop_reason;
};

// One candidate on every trace of `options`: feasible when it meets the
// SLO (and the reversal limit) on each, its cost the sum of the runs'
// costs, its violation how far over the limits it is. Thread-safe; an
// invalid spec or a failed run is an infeasible evaluation saying why.
TunedConfig EvaluateHpa(const hpa::AutoscalerSpec& spec, const TuneOptions& options);

// The search of TuneHpa, step by step, for callers that evaluate the
// candidates themselves (the Python package hands them to an Executor):
//
//   HpaTuner tuner = *HpaTuner::Create(base, options);
//   while (!tuner.done()) {
//     std::vector<TunedConfig> results;
//     for (const hpa::AutoscalerSpec& spec : tuner.Ask()) {
//       results.push_back(EvaluateHpa(spec, tuner.options()));
//     }
//     absl::Status st = tuner.Tell(std::move(results));
//   }
//   TuneResult result = tuner.Finish();
class HpaTuner {
 public:
  static absl::StatusOr<HpaTuner> Create(const hpa::AutoscalerSpec& base, TuneOptions options);
  bool done() const { return search_.done(); }
  // The candidates to evaluate next (the same until Tell); empty when done.
  std::vector<hpa::AutoscalerSpec> Ask();
  // Their evaluations (EvaluateHpa), in order.
  absl::Status Tell(std::vector<TunedConfig> results);
  int64_t evaluations() const { return search_.evaluations(); }
  const TuneOptions& options() const { return options_; }
  // The result: the best candidate, the Pareto front, and the base spec
  // evaluated for comparison.
  TuneResult Finish() const;
  // The spec at a point of the search's space.
  hpa::AutoscalerSpec SpecAt(const std::vector<double>& point) const;

 private:
  HpaTuner(PatternSearch search) : search_(std::move(search)) {}
  PatternSearch search_;
  hpa::AutoscalerSpec base_;
  TuneOptions options_;
  FleetSizing guess_;
  std::vector<std::string> names_;
  std::vector<TunedConfig> candidates_;  // parallel to the search's history
};

// Searches `base` (an HPA whose first metric is app_active_task_count, a
// Pods AverageValue target) on options.traces for the cheapest config
// meeting options.slo, evaluating each batch on options.threads threads.
// The searched target is the first metric's; the targets of its other Pods
// AverageValue metrics move in proportion to it. A searched scale-down
// window is written into spec.behavior (the API's default behavior when
// the base has none).
// `progress`, if given, is called after each batch with the evaluations so
// far and the most there may be. InvalidArgument for a spec or options it
// cannot search.
absl::StatusOr<TuneResult> TuneHpa(
    const hpa::AutoscalerSpec& base, const TuneOptions& options,
    const std::function<void(int64_t done, int64_t most)>& progress = {});

}  // namespace agentscale::tune

#endif  // AGENTSCALE_TUNE_SEARCH_H_
