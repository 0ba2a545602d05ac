// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Queueing theory for a first guess at a fleet: how many slots a wait SLO
// needs at a given load (the M/M/c queue, Erlang C), and, over a trace of
// arrivals, how many agents each interval needs and which
// app_active_task_count target keeps an HPA's fleet that large with its
// startup delay covered. The guess is where `agentscale tune` starts its
// search; the search then checks every candidate on the agent model, which
// needs none of the assumptions below (docs/tune.md lists them).
//
//   namespace tune = agentscale::tune;
//   // A p95 wait of at most 60 s, 100 slots per agent, 300 s mean service,
//   // two tasks a second:
//   absl::StatusOr<tune::SteadySizing> s = tune::SizeForSteadyLoad(
//       2.0, 300, 100, tune::WaitSlo::Quantile(0.95, 60));
//   // s->agents == 7 (7 x 100 slots for 600 busy on average),
//   // s->target_per_agent == 85.714 (600 / 7)
//
// Units: rates in tasks per second, times in seconds, load in erlangs (the
// mean number of busy slots, arrival rate x mean service time).
#ifndef AGENTSCALE_TUNE_QUEUEING_H_
#define AGENTSCALE_TUNE_QUEUEING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/sim/trace.h"

namespace agentscale::tune {

// The most slots a sizing may ask for (the search is linear in them).
inline constexpr int64_t kMaxSlots = 1'000'000'000;

// Erlang C: the probability that an arriving task waits in an M/M/c queue
// with `servers` slots and `offered_load` erlangs; 1 when the load is at or
// above the slots (the queue grows without bound). Computed through the
// Erlang B recursion, stable for any number of slots. servers >= 1,
// offered_load >= 0 and finite (NaN otherwise).
double ErlangC(int64_t servers, double offered_load);

// P(wait > wait_seconds) = C(c, a) * exp(-(c - a) * wait_seconds / S).
double WaitExceedance(int64_t servers, double offered_load, double service_seconds,
                      double wait_seconds);
// The q-quantile of the wait (0 when fewer than 1 - q of the tasks wait;
// +inf when the load is at or above the slots).
double WaitQuantile(int64_t servers, double offered_load, double service_seconds,
                    double quantile);
// The mean wait, C * S / (c - a); +inf when the load is at or above the slots.
double MeanWait(int64_t servers, double offered_load, double service_seconds);

// A wait objective: at most `share_over` of the tasks wait longer than
// `wait_seconds`. "p95 wait <= 60 s" is Quantile(0.95, 60), the same as
// ShareOver(60, 0.05).
struct WaitSlo {
  double wait_seconds = 60;
  double share_over = 0.05;

  // The share is 1 - quantile rounded to 12 decimals, so that
  // Quantile(0.95, w) == ShareOver(w, 0.05).
  static WaitSlo Quantile(double quantile, double wait_seconds);
  static WaitSlo ShareOver(double wait_seconds, double share) {
    return WaitSlo{wait_seconds, share};
  }
  // "p95 wait <= 60 s", or "wait > 60 s for <= 1.5% of tasks" when the
  // share is not a whole percentile.
  std::string ToString() const;
  friend bool operator==(const WaitSlo& a, const WaitSlo& b) {
    return a.wait_seconds == b.wait_seconds && a.share_over == b.share_over;
  }
};

// wait_seconds finite and >= 0; share_over in (0, 1).
absl::Status ValidateWaitSlo(const WaitSlo& slo);

// An SLO as the command line writes it: "p95_wait<=60s" (also "p95<=60s",
// "p99.9_wait<=2m"), or "wait>60s<=1%" (at most 1 % of tasks wait longer
// than 60 s). Durations take s, m or h, or are seconds. Spaces are ignored.
// InvalidArgument saying what is expected.
absl::StatusOr<WaitSlo> ParseWaitSlo(std::string_view text);

// The fewest slots whose M/M/c wait meets `slo` at `offered_load` erlangs
// (0 for no load). InvalidArgument for a bad SLO, load or service time,
// and OutOfRange past kMaxSlots.
absl::StatusOr<int64_t> SlotsForWaitSlo(double offered_load, double service_seconds,
                                        const WaitSlo& slo);

// The highest app_active_task_count target a fleet of agents with `slots`
// slots can safely have: a saturated agent shows `slots` busy tasks, and
// the HPA scales up only while slots / target is over 1 + tolerance, so a
// target at or above slots / (1 + tolerance) leaves a saturated fleet where
// it is, however long the queue (kubernetes#116984). The cap is the largest
// milli-unit strictly below slots / ((1 + tolerance) (1 + margin)).
double SaturationCap(int32_t slots, double tolerance, double margin = 0);

// One steady load: the slots and agents the SLO needs, and the
// app_active_task_count target per agent at which an HPA with `tolerance`
// runs that many agents: busy slots / agents, each agent exactly on its
// target, so that noise in the metric moves the ratio inside the tolerance
// band either way. Where that target would leave the HPA resting one agent
// short (from n - 1 agents its ratio n / (n - 1) is within the tolerance,
// which happens from n = 1 / tolerance + 1 up, kubernetes#116984), it is
// instead the largest target that still scales up from n - 1:
// busy / ((1 + tolerance) (n - 1)), less a milli-unit when exact. Targets
// are rounded down to the milli-unit a quantity holds and are always below
// SaturationCap(slots, tolerance), so that a saturated fleet still scales up.
struct SteadySizing {
  double offered_load = 0;  // erlangs
  int64_t slots = 0;
  int32_t agents = 0;
  double target_per_agent = 0;  // NaN when there is no load
  // What the sized fleet gives at this load (agents x slots_per_agent slots).
  double wait_quantile_seconds = 0;  // at 1 - slo.share_over
  double share_over = 0;             // P(wait > slo.wait_seconds)
  double mean_wait_seconds = 0;
  double utilization = 0;  // offered_load / slots of the fleet
};
absl::StatusOr<SteadySizing> SizeForSteadyLoad(double arrival_rate, double service_seconds,
                                               int32_t slots_per_agent, const WaitSlo& slo,
                                               double tolerance = 0.1);

struct FleetSizingOptions {
  int32_t slots = 100;            // per agent
  double service_seconds = 300;   // mean
  WaitSlo slo;
  // The time each row of the trace covers; zero: the trace's median row
  // spacing.
  absl::Duration interval = absl::ZeroDuration();
  // How late a reactive policy's fleet follows the load: an agent starts
  // `startup_delay` after the decision, the decision comes at most
  // `sync_period` after the metric moved, and the metric averages
  // `metric_window` (the adapter's avg_over_time). Their sum is the lead:
  // the fleet must already be large enough for the load that far ahead.
  absl::Duration startup_delay = absl::Seconds(60);
  absl::Duration sync_period = absl::Seconds(15);
  absl::Duration metric_window = absl::Minutes(1);
  // The HPA's scale-up tolerance.
  double tolerance = 0.1;
  int32_t min_agents = 1;
  int32_t max_agents = 1'000'000;
  // The share of loaded rows whose need the target meets. 1 sizes for the
  // worst row, which on a real trace is a jump after a quiet spell that no
  // reactive target covers short of a tiny one (on the NASA trace, 0.339
  // tasks per agent); 0.99 leaves the worst 1 % of rows to the minimum
  // replicas, a schedule or a forecast, and says how many (rows_missed).
  double coverage = 0.99;
  double price_per_agent_hour = 1.0;
};

struct FleetSizing {
  double interval_seconds = 0;
  double lead_seconds = 0;
  // Per trace row.
  std::vector<double> time_seconds;
  std::vector<double> arrival_rate;     // tasks per second
  // Erlangs: the modified offered load, the mean busy slots of an
  // infinite-server queue fed by the trace (m' = rate - m / S), the larger
  // of its values at the row's two ends. A steady rate gives rate x S
  // (Little's law); a burst counts as the busy slots it makes.
  std::vector<double> offered_load;
  std::vector<int64_t> slots_needed;    // by the SLO
  std::vector<int32_t> agents_needed;   // ceil(slots / slots per agent), in [min, max]
  std::vector<int32_t> agents_ahead;    // the most agents needed within the lead
  // The target for agents_ahead at this row's load (the rule of
  // SizeForSteadyLoad); the saturation cap when min_agents already holds
  // agents_ahead (the minimum holds it whatever the target); NaN without
  // load, or when the target would be below a milli-unit (a trickle just
  // before a burst, which no quantity serves).
  std::vector<double> row_target;
  // The app_active_task_count AverageValue target: the lowest row target
  // of the best `coverage` of the loaded rows (with coverage 1, the lowest
  // of all); NaN when no row has load.
  double target_per_agent = 0;
  // The row whose row_target is the target (-1 without one).
  int64_t binding_row = -1;
  // Loaded rows whose row target is below the target: the ones `coverage`
  // left out.
  int64_t rows_missed = 0;
  // Rows needing more than max_agents (their need is clamped).
  int64_t rows_over_max = 0;
  // The sized fleet (agents_needed at every row): a lower bound of what any
  // policy meeting the SLO runs.
  double agent_hours = 0;
  double cost = 0;
  double mean_agents = 0;
  int32_t peak_agents = 0;
  int32_t fewest_agents = 0;
  // What the numbers rest on, one sentence each.
  std::vector<std::string> assumptions;
  // A few lines: the target, the binding row, the fleet, the assumptions.
  std::string Explain() const;
};

// Sizes the fleet for a trace of arrivals per row (the agent model's
// reading). InvalidArgument names the option or row at fault.
absl::StatusOr<FleetSizing> SizeFleet(const sim::Trace& arrivals,
                                      const FleetSizingOptions& options = {});

}  // namespace agentscale::tune

#endif  // AGENTSCALE_TUNE_QUEUEING_H_
