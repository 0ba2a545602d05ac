// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/tune/queueing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace agentscale::tune {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

bool FiniteNonNegative(double v) { return std::isfinite(v) && v >= 0; }

// C(c, a) from B(c, a): c B / (c - a (1 - B)), for a < c.
double ErlangCFromB(int64_t c, double a, double b) {
  const double cd = static_cast<double>(c);
  return cd * b / (cd - a * (1.0 - b));
}

absl::Status CheckLoad(double offered_load, double service_seconds) {
  if (!FiniteNonNegative(offered_load)) {
    return absl::InvalidArgumentError(
        absl::StrCat("offered load must be finite and >= 0, got ", offered_load));
  }
  if (!std::isfinite(service_seconds) || service_seconds <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("service time must be finite and > 0 seconds, got ", service_seconds));
  }
  return absl::OkStatus();
}

// Rounds a target down to the milli-unit a Kubernetes quantity holds.
double FloorMilli(double v) { return std::floor(v * 1000.0 + 1e-9) / 1000.0; }

}  // namespace

double SaturationCap(int32_t slots, double tolerance, double margin) {
  const double edge = static_cast<double>(slots) / ((1.0 + tolerance) * (1.0 + margin));
  double t = FloorMilli(edge);
  if (t >= edge) t -= 0.001;
  return t;
}

namespace {

// The app_active_task_count target for `agents` agents at `load` busy slots
// (FleetSizing::row_target): each agent exactly at the target, unless from
// agents - 1 the HPA's ratio agents / (agents - 1) would stay inside its
// tolerance; then the largest milli-unit below load / ((1 + tol) (agents - 1)),
// from which it does scale up. Never above a full agent.
double RowTarget(double load, int32_t agents, int32_t slots, double tolerance,
                 int32_t min_agents) {
  if (!(load > 0)) return kNaN;
  // A saturated agent shows `slots` busy; the HPA scales it up only while
  // slots / target is over 1 + tolerance, so the target stays below that.
  const double full = SaturationCap(slots, tolerance);
  // The minimum holds this many whatever the target.
  if (agents <= std::max(1, min_agents)) return full;
  const double n = static_cast<double>(agents);
  double t;
  if (n * tolerance < 1.0 + tolerance) {
    t = FloorMilli(load / n);
  } else {
    const double edge = load / ((1.0 + tolerance) * (n - 1.0));
    t = FloorMilli(edge);
    if (t >= edge) t -= 0.001;
  }
  // Below a milli-unit no quantity serves the row (a trickle just before a
  // burst): it is not counted as loaded.
  if (t < 0.001) return kNaN;
  return std::min(t, full);
}


}  // namespace

double ErlangC(int64_t servers, double offered_load) {
  if (servers < 1 || !FiniteNonNegative(offered_load)) return kNaN;
  const double a = offered_load;
  if (a >= static_cast<double>(servers)) return 1.0;
  if (a == 0) return 0.0;
  // Erlang B: B(0) = 1, B(n) = a B(n-1) / (n + a B(n-1)).
  double b = 1.0;
  for (int64_t n = 1; n <= servers; ++n) b = a * b / (static_cast<double>(n) + a * b);
  return ErlangCFromB(servers, a, b);
}

double WaitExceedance(int64_t servers, double offered_load, double service_seconds,
                      double wait_seconds) {
  const double c = ErlangC(servers, offered_load);
  if (std::isnan(c) || !(service_seconds > 0) || !FiniteNonNegative(wait_seconds)) return kNaN;
  if (offered_load >= static_cast<double>(servers)) return 1.0;
  return c * std::exp(-(static_cast<double>(servers) - offered_load) * wait_seconds /
                      service_seconds);
}

double WaitQuantile(int64_t servers, double offered_load, double service_seconds,
                    double quantile) {
  const double c = ErlangC(servers, offered_load);
  if (std::isnan(c) || !(service_seconds > 0) || !(quantile > 0 && quantile < 1)) return kNaN;
  if (offered_load >= static_cast<double>(servers)) return kInf;
  const double tail = 1.0 - quantile;
  if (c <= tail) return 0.0;
  return service_seconds / (static_cast<double>(servers) - offered_load) * std::log(c / tail);
}

double MeanWait(int64_t servers, double offered_load, double service_seconds) {
  const double c = ErlangC(servers, offered_load);
  if (std::isnan(c) || !(service_seconds > 0)) return kNaN;
  if (offered_load >= static_cast<double>(servers)) return kInf;
  return c * service_seconds / (static_cast<double>(servers) - offered_load);
}

WaitSlo WaitSlo::Quantile(double quantile, double wait_seconds) {
  return WaitSlo{wait_seconds, std::round((1.0 - quantile) * 1e12) / 1e12};
}

std::string WaitSlo::ToString() const {
  const double q = 100.0 * (1.0 - share_over);
  if (std::abs(q - std::round(q)) < 1e-9) {
    return absl::StrFormat("p%d wait <= %g s", static_cast<int>(std::round(q)), wait_seconds);
  }
  return absl::StrFormat("wait > %g s for <= %g%% of tasks", wait_seconds, 100.0 * share_over);
}

absl::Status ValidateWaitSlo(const WaitSlo& slo) {
  if (!FiniteNonNegative(slo.wait_seconds)) {
    return absl::InvalidArgumentError(
        absl::StrCat("slo.wait_seconds must be finite and >= 0, got ", slo.wait_seconds));
  }
  if (!(slo.share_over > 0 && slo.share_over < 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "slo.share_over must be in (0, 1) (a quantile q is a share of 1 - q), got ",
        slo.share_over));
  }
  return absl::OkStatus();
}

namespace {

// "60s", "2m", "1.5h", "60": seconds; false for anything else.
bool ParseSeconds(absl::string_view text, double* out) {
  double unit = 1;
  if (!text.empty() && (text.back() == 's' || text.back() == 'm' || text.back() == 'h')) {
    unit = text.back() == 'h' ? 3600 : text.back() == 'm' ? 60 : 1;
    text.remove_suffix(1);
  }
  double v = 0;
  if (text.empty() || !absl::SimpleAtod(text, &v) || !std::isfinite(v) || v < 0) return false;
  *out = v * unit;
  return true;
}

}  // namespace

absl::StatusOr<WaitSlo> ParseWaitSlo(std::string_view text_in) {
  const absl::string_view text(text_in.data(), text_in.size());
  std::string t;
  for (char c : text) {
    if (c != ' ' && c != '\t') t.push_back(c);
  }
  const std::string expected =
      absl::StrCat("SLO \"", text,
                   "\": expected p<quantile>_wait<=<duration> (e.g. p95_wait<=60s) or "
                   "wait><duration><=<percent>% (e.g. wait>60s<=1%)");
  const size_t le = t.find("<=");
  if (le == std::string::npos) return absl::InvalidArgumentError(expected);
  const absl::string_view lhs = absl::string_view(t).substr(0, le);
  const absl::string_view rhs = absl::string_view(t).substr(le + 2);
  WaitSlo slo;
  if (absl::StartsWith(lhs, "p")) {
    absl::string_view q = lhs.substr(1);
    if (absl::EndsWith(q, "_wait")) q.remove_suffix(5);
    double percentile = 0;
    if (!absl::SimpleAtod(q, &percentile) || !(percentile > 0 && percentile < 100) ||
        !ParseSeconds(rhs, &slo.wait_seconds)) {
      return absl::InvalidArgumentError(expected);
    }
    slo = WaitSlo::Quantile(percentile / 100.0, slo.wait_seconds);
  } else if (absl::StartsWith(lhs, "wait>")) {
    absl::string_view pct = rhs;
    if (!absl::EndsWith(pct, "%")) return absl::InvalidArgumentError(expected);
    pct.remove_suffix(1);
    double share = 0;
    if (!ParseSeconds(lhs.substr(5), &slo.wait_seconds) || !absl::SimpleAtod(pct, &share)) {
      return absl::InvalidArgumentError(expected);
    }
    slo.share_over = share / 100.0;
  } else {
    return absl::InvalidArgumentError(expected);
  }
  if (absl::Status st = ValidateWaitSlo(slo); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("SLO \"", text, "\": ", st.message()));
  }
  return slo;
}

absl::StatusOr<int64_t> SlotsForWaitSlo(double offered_load, double service_seconds,
                                        const WaitSlo& slo) {
  if (absl::Status st = CheckLoad(offered_load, service_seconds); !st.ok()) return st;
  if (absl::Status st = ValidateWaitSlo(slo); !st.ok()) return st;
  const double a = offered_load;
  if (a == 0) return 0;
  if (a >= static_cast<double>(kMaxSlots)) {
    return absl::OutOfRangeError(absl::StrCat("a load of ", a,
                                              " erlangs needs more than the ", kMaxSlots,
                                              " slots a sizing may ask for"));
  }
  // Walk c up from 1, carrying Erlang B, until the tail meets the SLO; past
  // the load the tail falls at least geometrically, so the walk ends within
  // a few square roots of the load beyond it.
  double b = 1.0;
  for (int64_t c = 1; c <= kMaxSlots; ++c) {
    b = a * b / (static_cast<double>(c) + a * b);
    if (static_cast<double>(c) <= a) continue;
    const double tail = ErlangCFromB(c, a, b) *
                        std::exp(-(static_cast<double>(c) - a) * slo.wait_seconds /
                                 service_seconds);
    if (tail <= slo.share_over) return c;
  }
  return absl::OutOfRangeError(absl::StrCat("a load of ", a, " erlangs needs more than ",
                                            kMaxSlots, " slots to meet ", slo.ToString()));
}

absl::StatusOr<SteadySizing> SizeForSteadyLoad(double arrival_rate, double service_seconds,
                                               int32_t slots_per_agent, const WaitSlo& slo,
                                               double tolerance) {
  if (!FiniteNonNegative(arrival_rate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("arrival rate must be finite and >= 0, got ", arrival_rate));
  }
  if (slots_per_agent < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("slots per agent must be >= 1, got ", slots_per_agent));
  }
  if (!FiniteNonNegative(tolerance)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tolerance must be finite and >= 0, got ", tolerance));
  }
  SteadySizing s;
  s.offered_load = arrival_rate * service_seconds;
  absl::StatusOr<int64_t> slots = SlotsForWaitSlo(s.offered_load, service_seconds, slo);
  if (!slots.ok()) return slots.status();
  s.slots = *slots;
  const int64_t agents = (s.slots + slots_per_agent - 1) / slots_per_agent;
  if (agents > std::numeric_limits<int32_t>::max()) {
    return absl::OutOfRangeError(absl::StrCat(agents, " agents do not fit in int32"));
  }
  s.agents = static_cast<int32_t>(agents);
  const int64_t fleet_slots = static_cast<int64_t>(s.agents) * slots_per_agent;
  if (s.agents == 0) {
    s.target_per_agent = kNaN;
    return s;
  }
  s.target_per_agent = RowTarget(s.offered_load, s.agents, slots_per_agent, tolerance, 1);
  s.wait_quantile_seconds =
      WaitQuantile(fleet_slots, s.offered_load, service_seconds, 1.0 - slo.share_over);
  s.share_over = WaitExceedance(fleet_slots, s.offered_load, service_seconds, slo.wait_seconds);
  s.mean_wait_seconds = MeanWait(fleet_slots, s.offered_load, service_seconds);
  s.utilization = s.offered_load / static_cast<double>(fleet_slots);
  return s;
}

namespace {

absl::Status CheckDuration(absl::Duration d, const char* name) {
  if (d < absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be finite and >= 0, got ", absl::FormatDuration(d)));
  }
  return absl::OkStatus();
}

absl::Status CheckOptions(const FleetSizingOptions& o) {
  if (o.slots < 1) {
    return absl::InvalidArgumentError(absl::StrCat("slots must be >= 1, got ", o.slots));
  }
  if (!std::isfinite(o.service_seconds) || o.service_seconds <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("service_seconds must be finite and > 0, got ", o.service_seconds));
  }
  if (absl::Status st = ValidateWaitSlo(o.slo); !st.ok()) return st;
  if (absl::Status st = CheckDuration(o.interval, "interval"); !st.ok()) return st;
  if (absl::Status st = CheckDuration(o.startup_delay, "startup_delay"); !st.ok()) return st;
  if (absl::Status st = CheckDuration(o.sync_period, "sync_period"); !st.ok()) return st;
  if (absl::Status st = CheckDuration(o.metric_window, "metric_window"); !st.ok()) return st;
  if (!FiniteNonNegative(o.tolerance)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tolerance must be finite and >= 0, got ", o.tolerance));
  }
  if (o.min_agents < 0 || o.max_agents < 1 || o.min_agents > o.max_agents) {
    return absl::InvalidArgumentError(absl::StrCat("agents must satisfy 0 <= min_agents (",
                                                   o.min_agents, ") <= max_agents (",
                                                   o.max_agents, ") and max_agents >= 1"));
  }
  if (!(o.coverage > 0 && o.coverage <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("coverage must be in (0, 1], got ", o.coverage));
  }
  if (!FiniteNonNegative(o.price_per_agent_hour)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "price_per_agent_hour must be finite and >= 0, got ", o.price_per_agent_hour));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FleetSizing> SizeFleet(const sim::Trace& arrivals,
                                      const FleetSizingOptions& options) {
  if (absl::Status st = CheckOptions(options); !st.ok()) return st;
  const size_t n = arrivals.size();
  if (n == 0 || arrivals.time_seconds.size() != n) {
    return absl::InvalidArgumentError(
        "the trace has no rows (or its times and values differ in length)");
  }
  FleetSizing out;
  out.interval_seconds = options.interval > absl::ZeroDuration()
                             ? absl::ToDoubleSeconds(options.interval)
                             : arrivals.MedianInterval();
  if (!(out.interval_seconds > 0) || !std::isfinite(out.interval_seconds)) {
    return absl::InvalidArgumentError(
        "the trace's rows have no spacing to read as an interval (one row, or rows at one "
        "instant); give the interval");
  }
  out.lead_seconds = absl::ToDoubleSeconds(options.startup_delay + options.sync_period +
                                           options.metric_window);
  out.time_seconds = arrivals.time_seconds;
  out.arrival_rate.resize(n);
  out.offered_load.resize(n);
  out.slots_needed.resize(n);
  out.agents_needed.resize(n);
  // The load at each instant is the modified offered load: the mean number
  // in service of an infinite-server queue fed by the same arrivals,
  // m' = lambda - m / S for exponential service, so that a minute's burst of
  // five-minute tasks weighs as the busy slots it makes and not as five
  // minutes of its rate. Within a row lambda is constant and m moves
  // monotonically towards lambda S; the row's load is the larger end.
  const double s = options.service_seconds;
  double m = 0;
  for (size_t i = 0; i < n; ++i) {
    const double v = arrivals.values[i];
    if (!FiniteNonNegative(v)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "trace row ", i + 1, " (t=", arrivals.time_seconds[i],
          "): arrivals must be finite and >= 0, got ", v));
    }
    out.arrival_rate[i] = v / out.interval_seconds;
    const double steady = out.arrival_rate[i] * s;
    if (i == 0) m = steady;  // the trace starts in steady state
    // The row's rate holds for its interval; a gap before the next row
    // brings nothing.
    const double span = i + 1 < n ? arrivals.time_seconds[i + 1] - arrivals.time_seconds[i]
                                  : out.interval_seconds;
    const double busy = std::min(span, out.interval_seconds);
    const double end = steady + (m - steady) * std::exp(-busy / s);
    out.offered_load[i] = std::max(m, end);
    m = end * std::exp(-(span - busy) / s);
    absl::StatusOr<int64_t> slots =
        SlotsForWaitSlo(out.offered_load[i], options.service_seconds, options.slo);
    if (!slots.ok()) {
      return absl::Status(slots.status().code(),
                          absl::StrCat("trace row ", i + 1, ": ", slots.status().message()));
    }
    out.slots_needed[i] = *slots;
    const int64_t agents = (*slots + options.slots - 1) / options.slots;
    if (agents > options.max_agents) ++out.rows_over_max;
    out.agents_needed[i] = static_cast<int32_t>(
        std::clamp<int64_t>(agents, options.min_agents, options.max_agents));
  }

  // agents_ahead[i]: the most agents needed by a row starting in
  // [t_i, t_i + interval + lead), a sliding maximum over a monotone queue.
  out.agents_ahead.resize(n);
  {
    const double span = out.interval_seconds + out.lead_seconds;
    std::deque<size_t> window;  // row indices, agents_needed decreasing
    size_t next = 0;
    for (size_t i = 0; i < n; ++i) {
      // Row i itself always (a time so large that adding the span changes
      // nothing would otherwise leave it out).
      while (next <= i || (next < n && out.time_seconds[next] < out.time_seconds[i] + span)) {
        while (!window.empty() && out.agents_needed[window.back()] <= out.agents_needed[next]) {
          window.pop_back();
        }
        window.push_back(next++);
      }
      while (window.front() < i) window.pop_front();
      out.agents_ahead[i] = out.agents_needed[window.front()];
    }
  }

  out.row_target.assign(n, kNaN);
  std::vector<std::pair<double, size_t>> loaded;
  for (size_t i = 0; i < n; ++i) {
    out.row_target[i] =
        RowTarget(out.offered_load[i], out.agents_ahead[i], options.slots, options.tolerance,
                  options.min_agents);
    if (!std::isnan(out.row_target[i])) loaded.emplace_back(out.row_target[i], i);
  }
  out.target_per_agent = kNaN;
  if (!loaded.empty()) {
    std::sort(loaded.begin(), loaded.end());
    const size_t m = loaded.size();
    const size_t need = static_cast<size_t>(
        std::ceil(options.coverage * static_cast<double>(m) - 1e-9));
    const size_t k = m - std::max<size_t>(need, 1);
    out.target_per_agent = loaded[k].first;
    out.binding_row = static_cast<int64_t>(loaded[k].second);
    out.rows_missed = static_cast<int64_t>(
        std::lower_bound(loaded.begin(), loaded.end(), std::make_pair(loaded[k].first, size_t{0})) -
        loaded.begin());
  }

  double agent_rows = 0;
  out.peak_agents = 0;
  out.fewest_agents = std::numeric_limits<int32_t>::max();
  for (int32_t a : out.agents_needed) {
    agent_rows += a;
    out.peak_agents = std::max(out.peak_agents, a);
    out.fewest_agents = std::min(out.fewest_agents, a);
  }
  out.agent_hours = agent_rows * out.interval_seconds / 3600.0;
  out.cost = out.agent_hours * options.price_per_agent_hour;
  out.mean_agents = agent_rows / static_cast<double>(n);

  out.assumptions = {
      "arrivals within each row are a Poisson process at the row's rate",
      absl::StrFormat("service times are exponential with a mean of %g s (Erlang C); other "
                      "distributions change the waits, which the agent model measures",
                      options.service_seconds),
      "the load at each instant is the modified offered load (the mean busy slots of an "
      "infinite-server queue fed by the same arrivals), and the queue at that instant waits "
      "as a steady M/M/c queue at that load (pointwise stationary)",
      absl::StrFormat("one FIFO queue feeds every agent's %d slots, as in the agent model",
                      options.slots),
      absl::StrFormat("a reactive policy's fleet trails the load by %g s (startup delay %s, "
                      "sync period %s, metric window %s)",
                      out.lead_seconds, absl::FormatDuration(options.startup_delay),
                      absl::FormatDuration(options.sync_period),
                      absl::FormatDuration(options.metric_window)),
      absl::StrFormat("app_active_task_count per agent is the busy slots (arrival rate x "
                      "service time, Little's law) over the agents; the HPA rests anywhere "
                      "within %g%% of its target, so a row needing n agents gets the target "
                      "that puts n agents exactly on it, or, where n / (n - 1) is within "
                      "that tolerance, the largest target that still scales up from n - 1",
                      100.0 * options.tolerance),
  };
  return out;
}

std::string FleetSizing::Explain() const {
  std::string out;
  if (std::isnan(target_per_agent)) {
    absl::StrAppend(&out, "no row has load: any target serves; the fleet is its minimum\n");
  } else {
    absl::StrAppendFormat(
        &out,
        "target %.3f app_active_task_count per agent: row %d (t=%g) has %.4g erlangs and "
        "needs %d agents within %g s\n",
        target_per_agent, binding_row + 1, time_seconds[binding_row],
        offered_load[binding_row], agents_ahead[binding_row], lead_seconds);
    if (rows_missed > 0) {
      absl::StrAppendFormat(&out,
                            "%d loaded rows need a lower target and are left to the minimum, "
                            "a schedule or a forecast (coverage)\n",
                            rows_missed);
    }
  }
  absl::StrAppendFormat(&out,
                        "sized fleet: %d to %d agents, %.2f on average, %.1f agent-hours "
                        "(cost %.2f)\n",
                        fewest_agents, peak_agents, mean_agents, agent_hours, cost);
  if (rows_over_max > 0) {
    absl::StrAppendFormat(&out, "%d rows need more than max_agents and are clamped\n",
                          rows_over_max);
  }
  absl::StrAppend(&out, "assuming:\n");
  for (const std::string& a : assumptions) absl::StrAppend(&out, "  - ", a, "\n");
  return out;
}

}  // namespace agentscale::tune
