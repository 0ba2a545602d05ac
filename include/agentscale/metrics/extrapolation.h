// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Prometheus' extrapolated counter delta (extrapolatedRate() in
// promql/functions.go, 2.x), the arithmetic behind increase() and rate():
// the change of a counter between its first and last sample in a range,
// with counter resets added back and the result extrapolated toward the
// range's edges. The series store's kIncrease/kRate queries and the
// simulator's evaluation of the seed's alert rules both call it.
//
//   double inc = agentscale::metrics::ExtrapolatedIncrease(
//       {first_t, first_v}, {last_t, last_v}, resets, n, start, end);
#ifndef AGENTSCALE_METRICS_EXTRAPOLATION_H_
#define AGENTSCALE_METRICS_EXTRAPOLATION_H_

#include <cstddef>

namespace agentscale::metrics {

struct TimedValue {
  double time_seconds;
  double value;
};

// `n` (at least 2) samples from `first` to `last` inside the range
// (range_start, range_end], in seconds; `correction` is the sum of the
// values just before each counter reset. Not divided by the range: that is
// rate()'s last step.
double ExtrapolatedIncrease(TimedValue first, TimedValue last, double correction,
                            size_t n, double range_start, double range_end);

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_EXTRAPOLATION_H_
