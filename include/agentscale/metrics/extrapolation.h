// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Prometheus' extrapolated counter delta (extrapolatedRate() in
// promql/functions.go, 2.x), the arithmetic behind increase() and rate():
// the change of a counter between its first and last sample in a range,
// with counter resets added back and the result extrapolated toward the
// range's edges. The series store's kIncrease/kRate queries and the
// simulator's evaluation of the seed's alert rules both call it, with the
// range semantics of one PrometheusVersion.
//
//   double inc = agentscale::metrics::ExtrapolatedIncrease(
//       {first_t, first_v}, {last_t, last_v}, resets, n, start, end);
#ifndef AGENTSCALE_METRICS_EXTRAPOLATION_H_
#define AGENTSCALE_METRICS_EXTRAPOLATION_H_

#include <cstddef>

namespace agentscale::metrics {

// Which Prometheus a range selector (and the lookback of an instant
// selector) behaves like. Prometheus 3 made both left-open, (t - w, t];
// Prometheus 2 (Debian 12 ships 2.42) has them closed, [t - w, t]. They
// differ only for a sample exactly w before the evaluation instant, which
// samples and evaluations on one grid (a 15 s sync, a 5m range) hit at
// every evaluation.
enum class PrometheusVersion { k2 = 2, k3 = 3 };

// Whether a sample at `sample_time` is inside a range starting at `start`
// (and ending at or after the sample) as `version` counts it.
template <typename T>
constexpr bool InRange(PrometheusVersion version, T sample_time, T start) {
  return version == PrometheusVersion::k2 ? !(sample_time < start) : start < sample_time;
}

struct TimedValue {
  double time_seconds;
  double value;
};

// `n` (at least 2) samples from `first` to `last` inside the range
// (range_start, range_end], in seconds; `correction` is the sum of the
// values just before each counter reset. Not divided by the range: that is
// rate()'s last step.
// Inline: the simulator calls it once per sync.
inline double ExtrapolatedIncrease(TimedValue first, TimedValue last, double correction,
                                   size_t n, double range_start, double range_end) {
  double result = last.value - first.value + correction;
  double to_start = first.time_seconds - range_start;
  const double to_end = range_end - last.time_seconds;
  const double sampled = last.time_seconds - first.time_seconds;
  const double average_between = sampled / static_cast<double>(n - 1);
  if (result > 0 && first.value >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point
    // where it would have been zero.
    const double to_zero = sampled * (first.value / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average_between * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average_between / 2;
  interval += to_end < threshold ? to_end : average_between / 2;
  return sampled > 0 ? result * (interval / sampled) : result;
}

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_EXTRAPOLATION_H_
