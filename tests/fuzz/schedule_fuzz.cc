// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the schedule and forecast loaders
// (config/schedule.h, config/forecast.h): any bytes must load or fail with
// an InvalidArgument status, never crash, hang or grow without bound. A
// schedule that loads dumps to a Schedule that loads back equal, and
// expands over a month into stretches that are ordered, non-empty and named
// after its rules; a forecast that loads dumps to a Forecast that loads back
// equal and builds its forecaster. Built with clang when
// AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target schedule_fuzz
//   /tmp/fuzz/tests/fuzz/schedule_fuzz -max_total_time=60 tests/fuzz/corpus/schedule

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/config/forecast.h"
#include "agentscale/config/schedule.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/schedule/schedule.h"

namespace {

void Forecast(const std::string& text) {
  absl::StatusOr<agentscale::config::LoadedForecast> f =
      agentscale::config::LoadForecastString(text, "fuzz.yaml");
  if (!f.ok()) {
    if (f.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return;
  }
  absl::StatusOr<agentscale::config::LoadedForecast> again = agentscale::config::LoadForecastString(
      agentscale::config::DumpForecast(f->spec, f->name), "dumped.yaml");
  if (!again.ok() || again->spec != f->spec) std::abort();
  if (!agentscale::forecast::MakeForecaster(f->spec).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  Forecast(text);
  agentscale::config::ScheduleLoadOptions o;
  o.timezone = "Europe/Berlin";
  o.min_replicas = 3;
  absl::StatusOr<agentscale::schedule::ScheduleSpec> s =
      agentscale::config::LoadScheduleString(text, "fuzz.yaml", o);
  if (!s.ok()) {
    if (s.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  const std::string dumped = agentscale::config::DumpSchedule(*s);
  absl::StatusOr<agentscale::schedule::ScheduleSpec> again =
      agentscale::config::LoadScheduleString(dumped, "dumped.yaml");
  if (!again.ok() || !(*again == *s)) std::abort();

  const absl::Time from = absl::FromUnixSeconds(1704067200);  // 2024-01-01
  absl::StatusOr<std::vector<agentscale::BoundsWindow>> w =
      agentscale::schedule::ExpandSchedule(*s, from, from + absl::Hours(24 * 31));
  if (!w.ok()) {
    if (w.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  std::set<std::string> names;
  for (const auto& r : s->rules) names.insert(r.name);
  for (size_t i = 0; i < w->size(); ++i) {
    const agentscale::BoundsWindow& b = (*w)[i];
    if (!(b.start < b.end)) std::abort();
    if (names.count(b.name) == 0) std::abort();
    if (i > 0 && (*w)[i - 1].start > b.start) std::abort();
  }
  return 0;
}
