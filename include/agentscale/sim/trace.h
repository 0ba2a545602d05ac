// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Workload traces: (time, value) rows, either a value per interval (a demand
// level, or arrivals per interval) or one row per arrival whose value is a
// duration or a size.
//
//   absl::StatusOr<agentscale::sim::Trace> t =
//       agentscale::sim::LoadTraceCsv("nasa_http_jul1995_per_minute.csv");
//   agentscale::sim::Trace busy = t->Scaled(2.0).Shifted(absl::Hours(-1));
//   double level = busy.ValueAt(1'000'000.0);  // last row at or before
//
// CSV files start with optional '#' comment lines (kept as the trace's
// provenance), then the header `timestamp_seconds,value`, then one row per
// line. Timestamps are seconds (Unix epoch or relative) and must not
// decrease. Errors name the file and line.
#ifndef AGENTSCALE_SIM_TRACE_H_
#define AGENTSCALE_SIM_TRACE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace agentscale::sim {

// What a trace's values stand for in a run. One file means different loads
// to the two models: the agent model reads each row as the tasks that
// arrive during the row's interval; the fluid replay (and the KEDA replay)
// read each value as the metric's total across the fleet at that instant,
// a gauge split evenly among the pods. So every result names its reading
// (AgentModelResult/FluidResult::trace_meaning and ::trace_reading), and
// the command line prints it beside every table.
enum class TraceMeaning {
  kArrivals,  // tasks arriving per row
  kGauge,     // the fleet's total of the metric at each instant
};
const char* TraceMeaningName(TraceMeaning m);  // "arrivals", "gauge"

// The agent model's reading in one line, e.g. "arrivals: each row is the
// tasks arriving in its 60 s, spread evenly". (The fluid replay words its
// own per metric: "gauge: each value is the fleet's total
// app_active_task_count at that instant, split evenly among the pods".)
std::string ArrivalsReading(double interval_seconds, const std::string& spread);

struct Trace {
  std::string name;
  std::vector<std::string> comments;  // the '#' lines, without '# '
  std::vector<double> time_seconds;
  std::vector<double> values;

  size_t size() const { return values.size(); }
  bool empty() const { return values.empty(); }
  double start() const { return time_seconds.front(); }
  double end() const { return time_seconds.back(); }

  // The value of the last row at or before t (the first row's value before
  // the start).
  double ValueAt(double t) const;
  // The median spacing of rows (the interval of a per-interval trace).
  double MedianInterval() const;

  Trace Scaled(double factor) const;
  Trace Shifted(absl::Duration by) const;
  // Rows [from, to) in time.
  Trace Sliced(double from_seconds, double to_seconds) const;
  // Resamples onto a regular grid: kSum adds the rows falling in each bin
  // (for counts), kLast takes the level in force at the bin start, kMean
  // averages the rows in each bin (empty bins repeat the last level).
  enum class Resample { kSum, kLast, kMean };
  Trace Resampled(absl::Duration interval, Resample how) const;
};

absl::StatusOr<Trace> LoadTraceCsv(const std::string& path);
absl::StatusOr<Trace> ParseTraceCsv(const std::string& text,
                                    const std::string& source = "<string>");
std::string TraceToCsv(const Trace& trace);

// Synthetic generators, for tests and examples. Times start at 0.
// Each makes a row per step up to `length`; a caller that takes the length
// and step from outside checks them first with CheckGeneratedTrace.
inline constexpr size_t kMaxGeneratedRows = 20'000'000;  // as TraceCsvOptions::max_rows
// OK, or InvalidArgument naming the limit, when a generator over `length`
// at `step` would make more than `max_rows` rows (or, for
// PoissonBurstTrace, start more than `max_rows` bursts at
// `bursts_per_hour`). Refuses a step that is not positive.
absl::Status CheckGeneratedTrace(absl::Duration length, absl::Duration step,
                                 double bursts_per_hour = 0,
                                 size_t max_rows = kMaxGeneratedRows);
Trace ConstantTrace(double value, absl::Duration length, absl::Duration step);
Trace StepTrace(double before, double after, absl::Duration at,
                absl::Duration length, absl::Duration step);
Trace RampTrace(double from, double to, absl::Duration length,
                absl::Duration step);
// mean + amplitude * sin(2 pi (t - phase) / period), never below 0.
Trace DiurnalTrace(double mean, double amplitude, absl::Duration period,
                   absl::Duration length, absl::Duration step,
                   absl::Duration phase = absl::ZeroDuration());
// A base level with bursts: bursts start as a Poisson process with
// `bursts_per_hour`, each lasting `burst_length` at `base * burst_factor`;
// each interval's value is Poisson-distributed around the level. Seeded.
Trace PoissonBurstTrace(double base, double burst_factor, double bursts_per_hour,
                        absl::Duration burst_length, absl::Duration length,
                        absl::Duration step, uint64_t seed);

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_TRACE_H_
