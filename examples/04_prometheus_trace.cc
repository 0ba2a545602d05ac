// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Prometheus history as a workload trace: run a range query against a
// Prometheus server, turn the result into a trace, write it as CSV and,
// given a manifest, replay it through the autoscaler (fluid replay, the
// trace driving the spec's first metric).
//
//   04_prometheus_trace --prometheus 127.0.0.1:9090 \
//       --query 'sum(app_active_task_count)' \
//       --start 1709294400 --end 1709298000 --step 60 \
//       [--match 'pod="agent-0"' | --sum] [--gaps error|zero|hold] \
//       [--output trace.csv] [--manifest hpa.yaml]
//
// The CSV goes to stdout (or --output); the replay's one-line summary and
// every error go to stderr. Exit status 0 on success, 1 on an error, 2 on a
// bad argument. tests/metrics/prometheus_range_e2e.sh runs it against a
// real Prometheus.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/metrics/query_client.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/trace.h"
#include "agentscale/sim/trace_io.h"

namespace {

int Usage(const std::string& why) {
  std::cerr << "04_prometheus_trace: " << why
            << "\nusage: 04_prometheus_trace --prometheus HOST:PORT --query Q --start T "
               "--end T --step SECONDS [--match M | --sum] [--gaps error|zero|hold] "
               "[--output FILE] [--manifest FILE]\n";
  return 2;
}

int Fail(const absl::Status& status) {
  std::cerr << "04_prometheus_trace: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  bool sum = false;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--sum") {
      sum = true;
    } else if (flag.rfind("--", 0) == 0 && i + 1 < argc) {
      args[flag] = argv[++i];
    } else {
      return Usage("unexpected argument " + flag);
    }
  }
  for (const char* required : {"--prometheus", "--query", "--start", "--end", "--step"}) {
    if (!args.count(required)) return Usage(absl::StrCat(required, " is required"));
  }
  for (const auto& [flag, value] : args) {
    if (flag != "--prometheus" && flag != "--query" && flag != "--start" && flag != "--end" &&
        flag != "--step" && flag != "--match" && flag != "--gaps" && flag != "--output" &&
        flag != "--manifest") {
      return Usage("unknown flag " + flag);
    }
  }

  agentscale::metrics::QueryClientOptions options;
  const std::string& address = args["--prometheus"];
  const size_t colon = address.rfind(':');
  options.host = address.substr(0, colon);
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &options.port)) {
    return Usage("--prometheus: expected HOST:PORT, got " + address);
  }
  absl::StatusOr<double> start = agentscale::sim::ParseTraceTimestamp(args["--start"]);
  absl::StatusOr<double> end = agentscale::sim::ParseTraceTimestamp(args["--end"]);
  if (!start.ok()) return Usage("--start: " + std::string(start.status().message()));
  if (!end.ok()) return Usage("--end: " + std::string(end.status().message()));
  double step_seconds;
  if (!absl::SimpleAtod(args["--step"], &step_seconds) || !(step_seconds > 0)) {
    return Usage("--step: expected seconds > 0, got " + args["--step"]);
  }

  agentscale::sim::PrometheusTraceOptions trace_options;
  trace_options.sum_series = sum;
  trace_options.step_seconds = step_seconds;
  if (args.count("--match")) trace_options.match = args["--match"];
  if (args.count("--gaps")) {
    const std::string& gaps = args["--gaps"];
    using Gaps = agentscale::sim::PrometheusTraceOptions::Gaps;
    if (gaps == "error") {
      trace_options.gaps = Gaps::kError;
    } else if (gaps == "zero") {
      trace_options.gaps = Gaps::kZero;
    } else if (gaps == "hold") {
      trace_options.gaps = Gaps::kHold;
    } else {
      return Usage("--gaps: expected error, zero or hold, got " + gaps);
    }
  }

  // The range query, then the response as a trace.
  const agentscale::metrics::PrometheusClient client(options);
  absl::StatusOr<std::string> body = client.QueryRange(
      args["--query"], absl::FromUnixMicros(static_cast<int64_t>(*start * 1e6)),
      absl::FromUnixMicros(static_cast<int64_t>(*end * 1e6)), absl::Seconds(step_seconds));
  if (!body.ok()) return Fail(body.status());
  absl::StatusOr<agentscale::sim::Trace> trace =
      agentscale::sim::ParsePrometheusTrace(*body, trace_options, address);
  if (!trace.ok()) return Fail(trace.status());
  trace->comments.insert(trace->comments.begin() + 1,
                         absl::StrCat("query: ", args["--query"]));
  const std::string csv = agentscale::sim::TraceToCsv(*trace);
  if (args.count("--output")) {
    std::ofstream out(args["--output"], std::ios::binary);
    if (!(out << csv)) {
      return Fail(absl::UnavailableError("cannot write " + args["--output"]));
    }
  } else {
    std::cout << csv;
  }

  // The replay: the trace drives the manifest's first metric.
  if (args.count("--manifest")) {
    absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
        agentscale::config::LoadSingleAutoscaler(args["--manifest"]);
    if (!spec.ok()) return Fail(spec.status());
    if (spec->metrics.empty()) {
      return Fail(absl::InvalidArgumentError("the manifest has no metrics to drive"));
    }
    const std::string metric = spec->metrics.front().name;
    absl::StatusOr<agentscale::sim::FluidResult> replay =
        agentscale::sim::FluidReplay(*spec, {{metric, &*trace}});
    if (!replay.ok()) return Fail(replay.status());
    int32_t low = replay->replicas.front(), high = low;
    for (int32_t r : replay->replicas) {
      low = std::min(low, r);
      high = std::max(high, r);
    }
    std::cerr << "replay: " << replay->replicas.size() << " syncs driving " << metric
              << ", replicas " << low << ".." << high << ", " << replay->scale_ups
              << " scale-ups, " << replay->scale_downs << " scale-downs, final "
              << replay->replicas.back() << "\n";
  }
  return 0;
}
