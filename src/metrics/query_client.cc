// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/query_client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agentscale/metrics/exposition.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace agentscale::metrics {

// scraper.cc
std::string DescribeHttpError(httplib::Error error, absl::Duration connect,
                              absl::Duration read);

namespace {

using Json = nlohmann::json;

std::chrono::microseconds ToChrono(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

// RFC 3986 unreserved characters pass; everything else is %XX.
std::string UrlEncode(absl::string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}


absl::Status ShapeError(const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("Prometheus query response: ", what));
}

// "errorType: error" from an error response, or "" when the body is not one.
std::string ErrorOf(const Json& j) {
  if (!j.is_object()) return "";
  auto type = j.find("errorType");
  auto error = j.find("error");
  std::string out;
  if (type != j.end() && type->is_string()) out = type->get<std::string>();
  if (error != j.end() && error->is_string()) {
    if (!out.empty()) out += ": ";
    out += error->get<std::string>();
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<InstantSample>> ParseInstantQueryResponse(
    absl::string_view body) {
  Json j = Json::parse(body.begin(), body.end(), nullptr,
                       /*allow_exceptions=*/false);
  if (j.is_discarded()) return ShapeError("body is not valid JSON");
  if (!j.is_object()) return ShapeError("body is not a JSON object");
  auto status = j.find("status");
  if (status == j.end() || !status->is_string()) {
    return ShapeError("field \"status\" is missing or not a string");
  }
  if (*status == "error") {
    const std::string error = ErrorOf(j);
    return absl::InvalidArgumentError(absl::StrCat(
        "Prometheus query failed: ", error.empty() ? "(no error given)" : error));
  }
  if (*status != "success") {
    return ShapeError(absl::StrCat("field \"status\" is \"",
                                   status->get<std::string>(),
                                   "\"; want \"success\" or \"error\""));
  }
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) {
    return ShapeError("field \"data\" is missing or not an object");
  }
  auto type = data->find("resultType");
  if (type == data->end() || !type->is_string()) {
    return ShapeError("field \"data.resultType\" is missing or not a string");
  }
  if (*type != "vector") {
    return absl::InvalidArgumentError(absl::StrCat(
        "Prometheus query response: data.resultType is \"",
        type->get<std::string>(), "\"; only \"vector\" is supported"));
  }
  auto result = data->find("result");
  if (result == data->end() || !result->is_array()) {
    return ShapeError("field \"data.result\" is missing or not an array");
  }
  std::vector<InstantSample> out;
  out.reserve(result->size());
  for (size_t i = 0; i < result->size(); ++i) {
    const Json& e = (*result)[i];
    const std::string where = absl::StrCat("data.result[", i, "]");
    if (!e.is_object()) return ShapeError(where + " is not an object");
    InstantSample s;
    auto metric = e.find("metric");
    if (metric == e.end() || !metric->is_object()) {
      return ShapeError(where + ".metric is missing or not an object");
    }
    for (auto it = metric->begin(); it != metric->end(); ++it) {
      if (!it.value().is_string()) {
        return ShapeError(absl::StrCat(where, ".metric.", it.key(),
                                       " is not a string"));
      }
      if (it.key() == "__name__") {
        s.metric = it.value().get<std::string>();
      } else {
        s.labels.push_back(Label{it.key(), it.value().get<std::string>()});
      }
    }
    std::sort(s.labels.begin(), s.labels.end());
    auto value = e.find("value");
    if (value == e.end() || !value->is_array() || value->size() != 2 ||
        !(*value)[0].is_number() || !(*value)[1].is_string()) {
      return ShapeError(
          where + ".value is not [<unix seconds>, \"<value>\"]");
    }
    const double seconds = (*value)[0].get<double>();
    if (!std::isfinite(seconds)) {
      return ShapeError(where + ".value timestamp is not finite");
    }
    s.timestamp_ms = static_cast<int64_t>(std::llround(seconds * 1000));
    const std::string text = (*value)[1].get<std::string>();
    if (!ParseApiSampleValue(text, &s.value)) {
      return ShapeError(absl::StrCat(where, ".value \"", text,
                                     "\" is not a number"));
    }
    out.push_back(std::move(s));
  }
  return out;
}

PrometheusClient::PrometheusClient(QueryClientOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::vector<InstantSample>> PrometheusClient::Query(
    const std::string& query, absl::Time time) const {
  const std::string path = absl::StrFormat(
      "/api/v1/query?query=%s&time=%.3f", UrlEncode(query),
      absl::ToDoubleSeconds(time - absl::UnixEpoch()));
  const std::string where = absl::StrCat(
      "query \"", query, "\" at ", options_.host, ":", options_.port);
  httplib::Client client(options_.host, options_.port);
  client.set_connection_timeout(ToChrono(options_.connect_timeout));
  client.set_read_timeout(ToChrono(options_.read_timeout));
  client.set_write_timeout(ToChrono(options_.read_timeout));
  client.set_keep_alive(false);
  httplib::Result res = client.Get(path, {{"Accept", "application/json"}});
  if (!res) {
    return absl::UnavailableError(absl::StrCat(
        where, ": ",
        DescribeHttpError(res.error(), options_.connect_timeout,
                          options_.read_timeout)));
  }
  if (res->status != 200) {
    // Prometheus explains 400/422/503 in an error body.
    Json j = Json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    const std::string error = j.is_discarded() ? "" : ErrorOf(j);
    const std::string msg = absl::StrCat(where, ": HTTP status ", res->status,
                                         error.empty() ? "" : ": ", error);
    if (res->status == 400 || res->status == 422) {
      return absl::InvalidArgumentError(msg);
    }
    return absl::UnavailableError(msg);
  }
  absl::StatusOr<std::vector<InstantSample>> samples =
      ParseInstantQueryResponse(res->body);
  if (!samples.ok()) {
    return absl::Status(samples.status().code(),
                        absl::StrCat(where, ": ", samples.status().message()));
  }
  return samples;
}

absl::StatusOr<std::string> PrometheusClient::QueryRange(
    const std::string& query, absl::Time start, absl::Time end,
    absl::Duration step, size_t max_bytes) const {
  const std::string where = absl::StrCat(
      "range query \"", query, "\" at ", options_.host, ":", options_.port);
  if (step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the step must be positive, got ",
                     absl::FormatDuration(step)));
  }
  if (end < start) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the end is before the start"));
  }
  const double points = std::floor(absl::FDivDuration(end - start, step)) + 1;
  if (!(points <= static_cast<double>(kMaxRangePoints))) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: %.0f steps of %s; Prometheus serves at most %d points per "
        "series: use a larger step or a shorter range",
        where, points, absl::FormatDuration(step), kMaxRangePoints));
  }
  const auto unix_seconds = [](absl::Time t) {
    return absl::ToDoubleSeconds(t - absl::UnixEpoch());
  };
  const std::string path = absl::StrFormat(
      "/api/v1/query_range?query=%s&start=%.3f&end=%.3f&step=%.3f",
      UrlEncode(query), unix_seconds(start), unix_seconds(end),
      absl::ToDoubleSeconds(step));
  httplib::Client client(options_.host, options_.port);
  client.set_connection_timeout(ToChrono(options_.connect_timeout));
  client.set_read_timeout(ToChrono(options_.read_timeout));
  client.set_write_timeout(ToChrono(options_.read_timeout));
  client.set_keep_alive(false);
  std::string body;
  bool too_long = false;
  httplib::Result res = client.Get(
      path, {{"Accept", "application/json"}},
      [&](const char* data, size_t length) {
        if (body.size() + length > max_bytes) {
          too_long = true;
          return false;
        }
        body.append(data, length);
        return true;
      });
  if (too_long) {
    return absl::ResourceExhaustedError(absl::StrCat(
        where, ": the response is over the limit of ", max_bytes,
        " bytes (max_bytes); use a larger step, a shorter range or a query "
        "with fewer series"));
  }
  if (!res) {
    return absl::UnavailableError(absl::StrCat(
        where, ": ",
        DescribeHttpError(res.error(), options_.connect_timeout,
                          options_.read_timeout)));
  }
  if (res->status != 200) {
    Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    const std::string error = j.is_discarded() ? "" : ErrorOf(j);
    const std::string msg = absl::StrCat(where, ": HTTP status ", res->status,
                                         error.empty() ? "" : ": ", error);
    if (res->status == 400 || res->status == 422) {
      return absl::InvalidArgumentError(msg);
    }
    return absl::UnavailableError(msg);
  }
  return body;
}

absl::Status PrometheusClient::FillPodValues(const std::string& query,
                                             absl::Time time,
                                             const std::string& pod_label,
                                             MetricObservation* out,
                                             absl::Duration window) const {
  absl::StatusOr<std::vector<InstantSample>> samples = Query(query, time);
  absl::Status st = samples.status();
  if (st.ok()) {
    absl::flat_hash_set<std::string> seen;
    for (const InstantSample& s : *samples) {
      const std::string* pod = FindLabel(s.labels, pod_label);
      if (pod == nullptr) {
        st = absl::InvalidArgumentError(absl::StrCat(
            "query \"", query, "\": a series has no label \"", pod_label,
            "\""));
        break;
      }
      if (!seen.insert(*pod).second) {
        st = absl::InvalidArgumentError(absl::StrCat(
            "query \"", query, "\": several series for ", pod_label, "=\"",
            *pod, "\"; aggregate them by ", pod_label));
        break;
      }
    }
  }
  if (!st.ok()) {
    out->error = st;
    return st;
  }
  for (const InstantSample& s : *samples) {
    out->AddPodValue(*FindLabel(s.labels, pod_label), s.value,
                     absl::FromUnixMillis(s.timestamp_ms), window,
                     MilliRounding::kTruncate);
  }
  return absl::OkStatus();
}

absl::StatusOr<AppendCounts> PrometheusClient::QueryIntoStore(
    const std::string& query, absl::Time time, const std::string& metric,
    SeriesStore* store) const {
  absl::StatusOr<std::vector<InstantSample>> samples = Query(query, time);
  if (!samples.ok()) return samples.status();
  std::vector<LabeledSample> batch;
  batch.reserve(samples->size());
  for (const InstantSample& s : *samples) {
    const std::string& name = metric.empty() ? s.metric : metric;
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "query \"", query,
          "\": the result has no __name__; pass the metric name to store "
          "it under"));
    }
    batch.push_back(LabeledSample{name, s.labels, s.timestamp_ms, s.value});
  }
  return store->AppendBatch(batch);
}

}  // namespace agentscale::metrics
