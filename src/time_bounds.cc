// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/time_bounds.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace agentscale {

absl::Time EarliestTime() {
  return absl::FromUnixNanos(std::numeric_limits<int64_t>::min());
}

absl::Time LatestTime() {
  return absl::FromUnixNanos(std::numeric_limits<int64_t>::max());
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

namespace {

std::string RangeText() {
  return "outside the accepted times (1677-09-21T00:12:43Z .. 2262-04-11T23:47:16Z, "
         "int64 nanoseconds since the Unix epoch)";
}

}  // namespace

absl::Status CheckTime(absl::Time t, absl::string_view what) {
  if (IsAcceptedTime(t)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": ", TimeText(t),
                   " is ", RangeText()));
}

absl::Status CheckUnixSeconds(double seconds, absl::string_view what) {
  if (std::isnan(seconds)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": a time cannot be NaN"));
  }
  // 9.2e9 s is inside int64 nanoseconds on both sides; the exact edge is
  // checked on the absl::Time.
  if (std::fabs(seconds) < 9.2e9) return absl::OkStatus();
  if (std::isfinite(seconds) && std::fabs(seconds) < 1e11) {
    const absl::Time t = absl::UnixEpoch() + absl::Seconds(seconds);
    if (IsAcceptedTime(t)) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": ", seconds, " s since the Unix epoch is ", RangeText()));
}

}  // namespace agentscale
