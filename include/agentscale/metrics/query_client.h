// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// PrometheusClient: instant queries against a Prometheus server's HTTP API
// (GET /api/v1/query?query=...&time=...), the way a Prometheus adapter reads
// per-pod values, with the vector result turned into per-pod values of a
// MetricObservation or into samples of a SeriesStore; and range queries
// (GET /api/v1/query_range), whose response body sim::ParsePrometheusTrace
// turns into a workload trace (`agentscale fetch`).
//
//   agentscale::metrics::QueryClientOptions options;
//   options.port = 9090;
//   agentscale::metrics::PrometheusClient client(options);
//   agentscale::MetricObservation& tasks = obs.AddMetric("app_active_task_count");
//   absl::Status st = client.FillPodValues(
//       "avg_over_time(app_active_task_count[1m])", now, "pod", &tasks);
//
// Errors are absl::Status values whose message names the query: transport
// failures and timeouts (Unavailable), HTTP statuses other than 200 with
// Prometheus' errorType and error when the body carries them, a response
// with `"status": "error"`, a result that is not a vector, and JSON that
// does not parse or does not have the documented shape (InvalidArgument).
// A series without the pod label, or two series for one pod, is an error
// of FillPodValues() (as the adapter's query would fail), recorded in the
// MetricObservation so that the engine applies Kubernetes' failed-metric
// rules. Values become milli-units truncated, as a Prometheus adapter
// serves them (MilliRounding::kTruncate). NaN and ±Inf values arrive as
// such (Prometheus writes them as the strings "NaN", "+Inf", "-Inf");
// MetricObservation::AddPodValue marks the metric invalid for them, so the
// engine holds.
//
// QueryRange() checks its arguments first: a step that is not positive, an
// end before the start, or more than kMaxRangePoints steps (Prometheus'
// own limit of 11,000 points per series) is InvalidArgument before any
// request. A body longer than `max_bytes` is cut off and an error
// (ResourceExhausted), so that memory stays bounded.
//
// Thread safety: a PrometheusClient is immutable; its methods may be called
// from several threads at once (each request uses its own connection).
#ifndef AGENTSCALE_METRICS_QUERY_CLIENT_H_
#define AGENTSCALE_METRICS_QUERY_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agentscale/observation.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics {

struct QueryClientOptions {
  std::string host = "127.0.0.1";
  int port = 9090;  // Prometheus' default
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration read_timeout = absl::Seconds(10);
};

// One element of an instant vector.
struct InstantSample {
  std::string metric;  // the __name__ label, empty when the query drops it
  Labels labels;       // without __name__, sorted by name
  int64_t timestamp_ms = 0;
  double value = 0;
};

// Prometheus refuses range queries of more than 11,000 points per series.
inline constexpr int64_t kMaxRangePoints = 11'000;

// Parses the body of an /api/v1/query response (for callers with their own
// HTTP client, and for tests). `status: error` becomes an error carrying
// errorType and error; a resultType other than "vector" is an error.
absl::StatusOr<std::vector<InstantSample>> ParseInstantQueryResponse(
    absl::string_view body);

class PrometheusClient {
 public:
  explicit PrometheusClient(QueryClientOptions options);
  const QueryClientOptions& options() const { return options_; }

  // Evaluates `query` at `time`.
  absl::StatusOr<std::vector<InstantSample>> Query(const std::string& query,
                                                   absl::Time time) const;

  // Evaluates `query` from `start` to `end` every `step` and returns the
  // response body (status 200), unparsed: the JSON that
  // sim::ParsePrometheusTrace reads, and that `agentscale fetch` can save.
  // A non-200 status is an error carrying Prometheus' errorType and error.
  absl::StatusOr<std::string> QueryRange(const std::string& query,
                                         absl::Time start, absl::Time end,
                                         absl::Duration step,
                                         size_t max_bytes = size_t{64} << 20) const;

  // Evaluates `query` at `time` and adds one value per pod (the value of
  // label `pod_label`) to `out->pod_samples`, timestamped as Prometheus
  // returned it, with `window` as the metric window. On error nothing is
  // added, `out->error` is set and returned.
  absl::Status FillPodValues(const std::string& query, absl::Time time,
                             const std::string& pod_label,
                             MetricObservation* out,
                             absl::Duration window = absl::Seconds(60)) const;

  // Evaluates `query` at `time` and appends every element to `store` as a
  // sample of `metric` (the element's own __name__ when `metric` is empty)
  // with the element's labels.
  absl::StatusOr<AppendCounts> QueryIntoStore(const std::string& query,
                                              absl::Time time,
                                              const std::string& metric,
                                              SeriesStore* store) const;

 private:
  QueryClientOptions options_;
};

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_QUERY_CLIENT_H_
