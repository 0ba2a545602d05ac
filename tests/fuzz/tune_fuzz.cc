// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the tune layer's outside input (tune/queueing.h): the
// SLO text users give on the command line (ParseWaitSlo), and a trace and
// sizing options from bytes (SizeFleet). Any bytes must parse or fail with
// an InvalidArgument status, never crash or hang; a parsed SLO is valid and
// the fewest slots for it meet it; a sized trace keeps its invariants (the
// fleet ahead is at least the fleet needed, the target is some row's
// target, below the saturation cap). Built with clang when
// AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target tune_fuzz
//   /tmp/fuzz/tests/fuzz/tune_fuzz -max_total_time=60 tests/fuzz/corpus/tune
//
// Input: the SLO text up to a newline, then option bytes (slots, service
// time, interval, startup delay, tolerance, coverage), then two bytes per
// trace row (arrivals, and a gap before the row).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/sim/trace.h"
#include "agentscale/tune/queueing.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tune = agentscale::tune;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string text = input.substr(0, newline);
  absl::StatusOr<tune::WaitSlo> slo = tune::ParseWaitSlo(text);
  if (!slo.ok()) {
    Check(slo.status().code() == absl::StatusCode::kInvalidArgument);
    slo = tune::WaitSlo::Quantile(0.95, 60);
  }
  Check(tune::ValidateWaitSlo(*slo).ok());
  if (newline == std::string::npos) return 0;
  std::string rest = input.substr(newline + 1);
  auto take = [&rest]() -> uint8_t {
    if (rest.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest.front());
    rest.erase(0, 1);
    return b;
  };
  tune::FleetSizingOptions o;
  o.slo = *slo;
  o.slots = take() % 40;                          // 0 is refused
  o.service_seconds = 1 + take() * 2.0;           // up to 511 s
  o.interval = absl::Seconds(take() % 4 == 0 ? 0 : 15 * (take() % 8));
  o.startup_delay = absl::Seconds(take());
  o.tolerance = (take() % 30) / 100.0;
  o.coverage = (1 + take() % 100) / 100.0;
  o.min_agents = take() % 3;
  o.max_agents = 1 + take() % 200;
  // The fewest slots for the SLO at a bounded load meet it.
  const double load = take() * 1.5;
  absl::StatusOr<int64_t> slots = tune::SlotsForWaitSlo(load, o.service_seconds, o.slo);
  Check(slots.ok());
  if (*slots > 0) {
    Check(tune::WaitExceedance(*slots, load, o.service_seconds, o.slo.wait_seconds) <=
          o.slo.share_over);
  }
  agentscale::sim::Trace trace;
  double t = 0;
  while (rest.size() >= 2 && trace.size() < 256) {
    const uint8_t arrivals = take();
    t += 60.0 * (1 + take() % 3);
    trace.time_seconds.push_back(t);
    trace.values.push_back(arrivals * 4.0);  // up to 1,020 a row
  }
  absl::StatusOr<tune::FleetSizing> f = tune::SizeFleet(trace, o);
  if (!f.ok()) {
    Check(f.status().code() == absl::StatusCode::kInvalidArgument ||
          f.status().code() == absl::StatusCode::kOutOfRange);
    return 0;
  }
  const size_t n = trace.size();
  Check(f->agents_needed.size() == n && f->agents_ahead.size() == n && f->row_target.size() == n);
  for (size_t i = 0; i < n; ++i) {
    Check(f->agents_ahead[i] >= f->agents_needed[i]);
    Check(f->agents_needed[i] >= o.min_agents && f->agents_needed[i] <= o.max_agents);
    Check(f->offered_load[i] >= 0 && std::isfinite(f->offered_load[i]));
  }
  if (!std::isnan(f->target_per_agent)) {
    Check(f->binding_row >= 0 && static_cast<size_t>(f->binding_row) < n);
    Check(f->row_target[f->binding_row] == f->target_per_agent);
    Check(f->target_per_agent <= tune::SaturationCap(o.slots, o.tolerance));
    Check(f->target_per_agent >= 0.001);
    Check(f->rows_missed >= 0);
  }
  return 0;
}
