// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The embedded NASA trace (a month of per-minute requests), read once from
// the source tree for the benchmarks that replay it; null when missing.
#ifndef AGENTSCALE_BENCH_NASA_TRACE_H_
#define AGENTSCALE_BENCH_NASA_TRACE_H_

#include <string>
#include <utility>

#include "agentscale/sim/trace.h"

inline const agentscale::sim::Trace* NasaTrace() {
  static const agentscale::sim::Trace* trace = [] {
    auto t = agentscale::sim::LoadTraceCsv(
        std::string(AGENTSCALE_SOURCE_DIR) +
        "/bindings/python/agentscale/data/nasa_http_jul1995_per_minute.csv");
    return t.ok() ? new agentscale::sim::Trace(*std::move(t)) : nullptr;
  }();
  return trace;
}

#endif  // AGENTSCALE_BENCH_NASA_TRACE_H_
