// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the trace loaders: named-column CSV and Prometheus
// query_range JSON. Any bytes must load or fail with an InvalidArgument
// status that names the source, never crash, hang or grow without bound;
// a loaded trace is non-empty, in time order, with finite non-negative
// values. Each input goes through both loaders and a few option sets.
// Built with clang when AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target trace_fuzz
//   /tmp/fuzz/tests/fuzz/trace_fuzz -max_total_time=30 tests/fuzz/corpus/trace

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "agentscale/sim/trace.h"
#include "agentscale/sim/trace_io.h"

namespace {

using agentscale::sim::Trace;

void Check(const absl::StatusOr<Trace>& t, const char* source) {
  if (!t.ok()) {
    if (t.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    // Errors name the source, except a bad --match, which names the option.
    if (!absl::StartsWith(t.status().message(), source) &&
        !absl::StartsWith(t.status().message(), "match ")) {
      std::abort();
    }
    return;
  }
  if (t->empty() || t->time_seconds.size() != t->values.size()) std::abort();
  for (size_t i = 0; i < t->size(); ++i) {
    if (!std::isfinite(t->time_seconds[i]) || !std::isfinite(t->values[i]) ||
        t->values[i] < 0) {
      std::abort();
    }
    if (std::fabs(t->time_seconds[i]) > agentscale::sim::kMaxTraceTimestampSeconds + 1e6) {
      std::abort();
    }
    if (i > 0 && t->time_seconds[i] < t->time_seconds[i - 1]) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  agentscale::sim::TraceCsvOptions csv;
  csv.max_rows = 100'000;
  csv.max_bytes = 1 << 20;
  Check(agentscale::sim::ParseTraceCsv(text, csv, "f.csv"), "f.csv");
  csv.time_column = "time";
  csv.value_column = "tasks";
  Check(agentscale::sim::ParseTraceCsv(text, csv, "f.csv"), "f.csv");

  agentscale::sim::PrometheusTraceOptions prom;
  prom.max_points = 100'000;
  prom.max_bytes = 1 << 20;
  Check(agentscale::sim::ParsePrometheusTrace(text, prom, "f.json"), "f.json");
  using Options = agentscale::sim::PrometheusTraceOptions;
  prom.sum_series = true;
  prom.gaps = Options::Gaps::kZero;
  prom.non_finite = Options::NonFinite::kSkip;
  Check(agentscale::sim::ParsePrometheusTrace(text, prom, "f.json"), "f.json");
  prom.sum_series = false;
  prom.match = "pod=\"agent-0\"";
  prom.gaps = Options::Gaps::kHold;
  prom.step_seconds = 15;
  Check(agentscale::sim::ParsePrometheusTrace(text, prom, "f.json"), "f.json");
  return 0;
}
