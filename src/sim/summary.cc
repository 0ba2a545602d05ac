// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/summary.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agentscale/metrics/extrapolation.h"
#include "agentscale/sim/faults.h"

namespace agentscale::sim {
namespace {

// Nearest-rank percentile of sorted values.
double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
  size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  if (i >= sorted.size()) i = sorted.size() - 1;
  return sorted[i];
}

// Evaluates an alert condition at each sync with Prometheus' `for`
// semantics: pending from the first true evaluation, firing once it has been
// true for `hold` seconds, resolved at the first false one.
template <typename Cond>
void EvaluateAlert(absl::Span<const double> times, double run_end, double hold,
                   Cond cond, AlertReport* report) {
  bool pending = false, firing = false;
  double pending_since = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    const double t = times[i];
    if (cond(i)) {
      if (!pending) {
        pending = true;
        pending_since = t;
      }
      if (!firing && t - pending_since >= hold) {
        firing = true;
        report->firings.push_back(AlertFiring{t, t, false});
      }
    } else {
      if (firing) report->firings.back().end_seconds = t;
      pending = firing = false;
    }
  }
  if (firing) {
    report->firings.back().end_seconds = run_end;
    report->firings.back().open = true;
  }
  for (const AlertFiring& f : report->firings) {
    report->firing_seconds += f.end_seconds - f.start_seconds;
  }
}

}  // namespace

double PrometheusIncrease(absl::Span<const double> times,
                          absl::Span<const double> values, double range_start,
                          double range_end, bool* defined,
                          metrics::PrometheusVersion version) {
  // Samples inside (range_start, range_end], or [range_start, range_end].
  const size_t lo = static_cast<size_t>(
      std::partition_point(times.begin(), times.end(),
                           [&](double t) {
                             return !metrics::InRange(version, t, range_start);
                           }) -
      times.begin());
  const size_t hi = static_cast<size_t>(
      std::upper_bound(times.begin(), times.end(), range_end) - times.begin());
  if (hi < lo + 2) {
    *defined = false;
    return 0;
  }
  *defined = true;
  double correction = 0;
  for (size_t i = lo + 1; i < hi; ++i) {
    if (values[i] < values[i - 1]) correction += values[i - 1];  // reset
  }
  return metrics::ExtrapolatedIncrease({times[lo], values[lo]},
                                       {times[hi - 1], values[hi - 1]}, correction,
                                       hi - lo, range_start, range_end);
}

absl::Status CheckOutages(const std::vector<MetricOutage>& outages) {
  for (size_t i = 0; i < outages.size(); ++i) {
    const MetricOutage& o = outages[i];
    if (!std::isfinite(o.start_seconds) || !std::isfinite(o.end_seconds) ||
        !(o.start_seconds < o.end_seconds)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "outage ", i, (o.metric.empty() ? std::string() : " of " + o.metric),
          ": must end after it starts, with finite times; got ", o.start_seconds, " to ",
          o.end_seconds));
    }
  }
  return absl::OkStatus();
}

RunSummary Summarize(const SummaryInputs& in) {
  RunSummary s;
  const size_t n = in.time_seconds.size();
  if (n == 0) return s;
  const double period = in.period_seconds;
  const double run_end = in.time_seconds[n - 1] + period;
  s.duration_hours = (run_end - in.time_seconds[0]) / 3600.0;
  absl::Span<const int32_t> billed =
      in.billed_replicas.empty() ? in.replicas : in.billed_replicas;
  double replica_seconds = 0;
  absl::Span<const int32_t> ready =
      in.ready_replicas.size() == n ? in.ready_replicas : in.replicas;
  for (size_t i = 0; i < n; ++i) {
    replica_seconds += static_cast<double>(billed[i]) * period;
    s.peak_replicas = std::max(s.peak_replicas, billed[i]);
    s.peak_ready_replicas = std::max(s.peak_ready_replicas, ready[i]);
    if (in.replicas[i] == in.max_replicas) s.time_at_max_seconds += period;
    if (in.replicas[i] == 0) s.time_at_zero_seconds += period;
  }
  if (in.billed_replica_seconds >= 0) replica_seconds = in.billed_replica_seconds;
  s.replica_hours = replica_seconds / 3600.0;
  s.cost = s.replica_hours * in.price_per_replica_hour;
  s.mean_replicas = s.duration_hours > 0 ? s.replica_hours / s.duration_hours : 0;

  int last_dir = 0;
  double last_change = -1e300;
  for (size_t i = in.initial_replicas >= 0 ? 0 : 1; i < n; ++i) {
    const int32_t prev = i == 0 ? in.initial_replicas : in.replicas[i - 1];
    const int dir = (in.replicas[i] > prev) - (in.replicas[i] < prev);
    if (dir == 0) continue;
    if (prev == 0) ++s.scales_from_zero;
    (dir > 0 ? s.scale_ups : s.scale_downs)++;
    if (last_dir != 0 && dir != last_dir && in.time_seconds[i] - last_change <= 300) {
      ++s.reversals_within_5m;
    }
    last_dir = dir;
    last_change = in.time_seconds[i];
  }

  if (!in.waits_seconds.empty() || !in.unserved_waits_seconds.empty()) {
    s.has_waits = true;
    std::vector<double> w;
    w.reserve(in.waits_seconds.size() + in.unserved_waits_seconds.size());
    w.insert(w.end(), in.waits_seconds.begin(), in.waits_seconds.end());
    w.insert(w.end(), in.unserved_waits_seconds.begin(), in.unserved_waits_seconds.end());
    s.wait_tasks = static_cast<int64_t>(w.size());
    s.unserved_tasks = static_cast<int64_t>(in.unserved_waits_seconds.size());
    std::sort(w.begin(), w.end());
    s.wait_p50 = Percentile(w, 50);
    s.wait_p95 = Percentile(w, 95);
    s.wait_p99 = Percentile(w, 99);
    s.wait_max = w.back();
    double sum = 0;
    size_t over = 0;
    for (double x : w) {
      sum += x;
      over += x > in.wait_slo_seconds;
    }
    s.wait_mean = sum / static_cast<double>(w.size());
    s.share_over_slo = static_cast<double>(over) / static_cast<double>(w.size());
  }

  // Alerts, evaluated at each sync.
  s.scaling_too_frequent.name = "AgentScalingTooFrequent";
  s.scaling_too_frequent.expr =
      absl::StrCat(ScalingTooFrequentExpr("desired_replicas"), " for 2m");
  // increase() over a sliding 5-minute window: two pointers and a running
  // sum of the reset corrections inside it (whole replica counts, so the
  // sum is exact) keep it linear in the number of syncs without a pass
  // per window.
  const metrics::PrometheusVersion version = in.prometheus_version;
  auto reset_at = [&](size_t j) -> double {
    return in.replicas[j] < in.replicas[j - 1] ? in.replicas[j - 1] : 0;
  };
  size_t lo = 0;
  double correction = 0;  // resets at samples lo+1..i
  EvaluateAlert(in.time_seconds, run_end, 120,
                [&](size_t i) {
                  const double t = in.time_seconds[i];
                  if (i > 0) correction += reset_at(i);
                  while (lo < i && !metrics::InRange(version, in.time_seconds[lo], t - 300)) {
                    ++lo;
                    correction -= reset_at(lo);
                  }
                  if (i < lo + 1) return false;  // fewer than two samples
                  const double first = static_cast<double>(in.replicas[lo]);
                  const double last = static_cast<double>(in.replicas[i]);
                  // No increase: extrapolation keeps it at or below zero.
                  if (last - first + correction <= 0) return false;
                  const double inc = metrics::ExtrapolatedIncrease(
                      {in.time_seconds[lo], first}, {t, last}, correction, i - lo + 1,
                      t - 300, t);
                  return inc > 3;
                },
                &s.scaling_too_frequent);
  // The same intent without the flaw: changes() counts scale events, where
  // increase() on a gauge reads every scale-down as a counter reset.
  s.scaling_too_frequent_changes.name = "AgentScalingTooFrequent (changes)";
  s.scaling_too_frequent_changes.expr =
      absl::StrCat(ScalingTooFrequentChangesExpr("desired_replicas"), " for 2m");
  size_t from = 0;
  int64_t changes = 0;  // changes at samples from+1..i
  EvaluateAlert(in.time_seconds, run_end, 120,
                [&](size_t i) {
                  const double t = in.time_seconds[i];
                  if (i > 0) changes += in.replicas[i] != in.replicas[i - 1];
                  while (from < i && !metrics::InRange(version, in.time_seconds[from], t - 300)) {
                    ++from;
                    changes -= in.replicas[from] != in.replicas[from - 1];
                  }
                  return changes > 3;
                },
                &s.scaling_too_frequent_changes);
  s.max_replicas_reached.name = "AgentMaxReplicasReached";
  s.max_replicas_reached.expr = "current (before the sync's decision) == max for 5m";
  // kube-state-metrics exposes status.currentReplicas, the count the sync
  // started from: the count before this sync's decision.
  EvaluateAlert(in.time_seconds, run_end, 300,
                [&](size_t i) {
                  const int32_t current =
                      i > 0 ? in.replicas[i - 1]
                            : (in.initial_replicas >= 0 ? in.initial_replicas : in.replicas[0]);
                  return current == in.max_replicas;
                },
                &s.max_replicas_reached);
  return s;
}

void RecordForecast(const forecast::ForecastScore& score, RunSummary* summary) {
  summary->has_forecast = true;
  summary->forecast_scored = score.scored;
  summary->forecast_mape = score.mape;
  summary->forecast_coverage = score.coverage;
  summary->forecast_anomalies = score.anomalies;
  summary->forecast_lifted = score.lifted;
}

std::string ScalingTooFrequentExpr(const std::string& series) {
  return absl::StrCat("increase(", series, "[5m]) > 3");
}

std::string ScalingTooFrequentChangesExpr(const std::string& series) {
  return absl::StrCat("changes(", series, "[5m]) > 3");
}

}  // namespace agentscale::sim
