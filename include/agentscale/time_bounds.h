// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The times agentscale accepts from outside: every `now` handed to a policy,
// every time read from an engine state, and every time a trace or a loader
// turns into an absl::Time. A time must be finite and fit in int64
// nanoseconds since the Unix epoch, the range of Go's time.UnixNano, which
// Kubernetes' and Prometheus' clients use for their own clocks:
//
//   1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z
//
// A time outside it (infinite, year 9999) is refused where it enters, so
// that nothing can move an engine's clock somewhere no later time can
// follow (every engine refuses time going backwards).
//
//   if (absl::Status s = agentscale::CheckTime(now, "now"); !s.ok()) return s;
#ifndef AGENTSCALE_TIME_BOUNDS_H_
#define AGENTSCALE_TIME_BOUNDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace agentscale {

// The first and last accepted instants (inclusive).
absl::Time EarliestTime();
absl::Time LatestTime();

// Whether `t` is in [EarliestTime(), LatestTime()].
inline bool IsAcceptedTime(absl::Time t) {
  return t >= EarliestTime() && t <= LatestTime();
}

// RFC 3339 in UTC with a 'Z' and as many fraction digits as needed
// ("2026-03-01T12:00:00Z", "2026-03-01T12:00:00.5Z"); "infinite-future" and
// "infinite-past" for absl's infinities. The form of times in errors.
std::string TimeText(absl::Time t);

// OK, or InvalidArgument "<what>: <t> is outside the accepted times
// (1677-09-21T00:12:43Z .. 2262-04-11T23:47:16Z, int64 nanoseconds since
// the Unix epoch)".
absl::Status CheckTime(absl::Time t, absl::string_view what);

// The same for seconds since the Unix epoch as a double (NaN is refused).
absl::Status CheckUnixSeconds(double seconds, absl::string_view what);

}  // namespace agentscale

#endif  // AGENTSCALE_TIME_BOUNDS_H_
