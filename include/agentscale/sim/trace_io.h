// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Trace loaders for data as users have it: CSV files with named columns and
// ISO-8601 or epoch timestamps, and Prometheus query_range responses (a
// saved API response body, or one fetched by metrics::PrometheusClient::
// QueryRange).
//
//   agentscale::sim::TraceCsvOptions csv;
//   csv.time_column = "time";
//   csv.value_column = "active_tasks";
//   absl::StatusOr<agentscale::sim::Trace> t =
//       agentscale::sim::LoadTraceCsv("export.csv", csv);
//
//   agentscale::sim::PrometheusTraceOptions prom;
//   prom.match = "pod=\"agent-0\"";   // or prom.sum_series = true
//   absl::StatusOr<agentscale::sim::Trace> p =
//       agentscale::sim::LoadPrometheusTrace("range.json", prom);
//
// CSV (ParseTraceCsv with options). A UTF-8 byte order mark is skipped.
// '#' lines anywhere are kept as the trace's provenance (Trace::comments);
// the first other line is the header,
// a comma-separated list of column names (double quotes allowed, "" for a
// quote inside); every later line has as many fields. The time column is
// `time_column` (default "timestamp_seconds") and the value column
// `value_column` (default "value"); when a default name is absent and the
// file has exactly two columns, they are taken in order (time, then value).
// A timestamp is epoch seconds (an integer or a decimal number; relative
// seconds work too) or RFC 3339 / ISO 8601: `2024-03-01T12:00:00Z`,
// `2024-03-01T14:00:00+02:00`, fractional seconds (`12:00:00.250Z`), a date
// alone (midnight UTC), and, with no offset (`2024-03-01 12:00:00`, also
// with a `T`), UTC. Rows must not go back in time; values are finite and
// not negative. Errors read `file:line: column: why`. The original
// two-column loader (trace.h) is unchanged; with the default options this
// one reads everything it reads.
//
// Prometheus query_range JSON (ParsePrometheusTrace). The body is
// `{"status":"success","data":{"resultType":"matrix","result":[{"metric":
// {...},"values":[[<unix seconds>,"<value>"],...]},...]}}`.
//   * `"status":"error"` fails with the server's errorType and error.
//   * Series: `match` (label matchers, `name="value"` or `name!="value"`,
//     comma-separated) keeps only the series it matches. One remaining
//     series becomes the trace. Several are summed per timestamp when
//     `sum_series` is set (a series absent at a step adds nothing, as in
//     PromQL's sum()); otherwise they are an error that says how many there
//     are, lists them and names both ways to choose.
//   * The step is `step_seconds`, or else the smallest spacing between
//     timestamps in the response. The trace has one row per step from the
//     first timestamp to the last.
//   * Gaps: Prometheus returns no point for a step where a series had no
//     sample within its lookback (the series was stale or absent). A step
//     where no selected series has a point is a gap, handled by `gaps`:
//     kError (default) fails naming the first gap's start and end;
//     kZero writes 0 there (no series = nothing to do); kHold repeats the
//     value of the last step before the gap.
//   * "NaN", "+Inf" and "-Inf" values: by `non_finite`, kError (default)
//     fails naming the series and time; kSkip drops the point, which may
//     leave a gap (then `gaps` applies).
//   * Negative values are an error (a trace is a demand level or a count).
//   * The trace's comments record the provenance: the series (or how many
//     were summed), the step, and how many points were dropped or filled.
//
// Bounds. Input larger than `max_bytes`, traces with more than `max_rows`
// rows (CSV) or `max_points` steps (Prometheus), timestamps outside
// +/-kMaxTraceTimestampSeconds (year 9999; a hint suggests milliseconds when
// the value looks like them) and non-finite values fail with an
// InvalidArgument error naming the limit, before any large allocation.
#ifndef AGENTSCALE_SIM_TRACE_IO_H_
#define AGENTSCALE_SIM_TRACE_IO_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "agentscale/sim/trace.h"

namespace agentscale::sim {

// 9999-12-31T23:59:59Z in Unix seconds: the largest timestamp a trace file
// may hold (and its negative the smallest).
inline constexpr double kMaxTraceTimestampSeconds = 253402300799.0;

struct TraceCsvOptions {
  // Empty: "timestamp_seconds" (or the first of exactly two columns).
  std::string time_column;
  // Empty: "value" (or the second of exactly two columns).
  std::string value_column;
  size_t max_bytes = size_t{256} << 20;  // 256 MiB
  size_t max_rows = 20'000'000;
  // Read an empty value, NaN or +-Inf (any letter case) as NaN, a sample
  // with no value (a query that returned no series), instead of an error.
  // KEDA's replay reads such samples as its triggers' ignoreNullValues
  // says; the HPA's fluid replay refuses them at the sync that meets one.
  bool allow_null_values = false;
};

// Reads a CSV trace with named columns (see the overview). `source` names
// the text in errors.
absl::StatusOr<Trace> ParseTraceCsv(const std::string& text,
                                    const TraceCsvOptions& options,
                                    const std::string& source = "<string>");
absl::StatusOr<Trace> LoadTraceCsv(const std::string& path,
                                   const TraceCsvOptions& options);

// Parses one timestamp: epoch seconds or RFC 3339 / ISO 8601 as described
// in the overview. The error says why (without a file or line).
absl::StatusOr<double> ParseTraceTimestamp(const std::string& text);

struct PrometheusTraceOptions {
  // Label matchers choosing series: `pod="agent-0"`, `a="x",b!="y"`.
  std::string match;
  // Sum the remaining series per timestamp instead of requiring one.
  bool sum_series = false;
  // The query's step; 0: the smallest spacing in the response.
  double step_seconds = 0;
  enum class Gaps { kError, kZero, kHold };
  Gaps gaps = Gaps::kError;
  enum class NonFinite { kError, kSkip };
  NonFinite non_finite = NonFinite::kError;
  size_t max_bytes = size_t{64} << 20;  // 64 MiB
  size_t max_points = 10'000'000;       // steps in the trace, and points read
};

// Reads a Prometheus /api/v1/query_range response body (see the overview).
absl::StatusOr<Trace> ParsePrometheusTrace(
    const std::string& json, const PrometheusTraceOptions& options,
    const std::string& source = "<string>");
absl::StatusOr<Trace> LoadPrometheusTrace(const std::string& path,
                                          const PrometheusTraceOptions& options);

// Reads a whole file, refusing files larger than `max_bytes` (the error
// names the limit). NotFound when it cannot be opened.
absl::StatusOr<std::string> ReadTraceFile(const std::string& path,
                                          size_t max_bytes);

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_TRACE_IO_H_
