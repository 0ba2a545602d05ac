// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/trace_io.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "agentscale/metrics/exposition.h"
#include "nlohmann/json.hpp"
#include "csv_lines.h"
#include "utf8.h"

namespace agentscale::sim {
namespace {

constexpr char kDefaultTimeColumn[] = "timestamp_seconds";
constexpr char kDefaultValueColumn[] = "value";

// Quotes text for an error message, cut short when long (a message must not
// carry a megabyte of garbage).
std::string Quote(absl::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() > kMax) return absl::StrCat("\"", s.substr(0, kMax), "...\"");
  return absl::StrCat("\"", s, "\"");
}

// --- timestamps -------------------------------------------------------------

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Reads exactly `n` digits at *pos.
bool Digits(absl::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

absl::Status TimeError(absl::string_view text, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat(Quote(text), ": ", why));
}

absl::Status CheckTimeRange(absl::string_view text, double t) {
  if (!std::isfinite(t)) return TimeError(text, "not a finite number");
  if (std::fabs(t) > kMaxTraceTimestampSeconds) {
    return TimeError(
        text, absl::StrCat("beyond the limit of +/-253402300799 seconds "
                           "(9999-12-31T23:59:59Z); if it is in milliseconds or "
                           "nanoseconds since the epoch, convert it to seconds"));
  }
  return absl::OkStatus();
}

absl::StatusOr<double> ParseIso8601(absl::string_view s) {
  const std::string want =
      "expected epoch seconds or an RFC 3339 / ISO 8601 time such as "
      "2024-03-01T12:00:00Z, 2024-03-01T14:00:00+02:00 or 2024-03-01 12:00:00";
  size_t p = 0;
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(s, &p, 4, &year) || p >= s.size() || s[p++] != '-' ||
      !Digits(s, &p, 2, &month) || p >= s.size() || s[p++] != '-' ||
      !Digits(s, &p, 2, &day)) {
    return TimeError(s, want);
  }
  if (month < 1 || month > 12) return TimeError(s, "month out of range (01-12)");
  if (day < 1 || day > DaysInMonth(year, month)) {
    return TimeError(s, absl::StrCat("day out of range for ", year, "-",
                                     month < 10 ? "0" : "", month));
  }
  double frac = 0;
  double offset_seconds = 0;
  if (p < s.size()) {
    const char sep = s[p++];
    if (sep != 'T' && sep != 't' && sep != ' ') return TimeError(s, want);
    if (!Digits(s, &p, 2, &hour) || p >= s.size() || s[p++] != ':' ||
        !Digits(s, &p, 2, &minute)) {
      return TimeError(s, want);
    }
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!Digits(s, &p, 2, &second)) return TimeError(s, want);
      if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        double scale = 0.1;
        size_t n = 0;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
          if (n < 9) frac += (s[p] - '0') * scale;  // nanoseconds at most
          scale /= 10;
          ++p;
          ++n;
        }
        if (n == 0) return TimeError(s, "no digits after the decimal point");
      }
    }
    if (hour > 23) return TimeError(s, "hour out of range (00-23)");
    if (minute > 59) return TimeError(s, "minute out of range (00-59)");
    if (second > 59) return TimeError(s, "second out of range (00-59)");
    if (p < s.size()) {
      const char z = s[p++];
      if ((z == 'Z' || z == 'z') && p == s.size()) {
        // UTC
      } else if (z == '+' || z == '-') {
        int oh, om = 0;
        if (!Digits(s, &p, 2, &oh)) return TimeError(s, "bad UTC offset");
        if (p < s.size() && s[p] == ':') ++p;
        if (p < s.size() && !Digits(s, &p, 2, &om)) {
          return TimeError(s, "bad UTC offset");
        }
        if (p != s.size() || oh > 23 || om > 59) {
          return TimeError(s, "bad UTC offset");
        }
        offset_seconds = (z == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
      } else {
        return TimeError(s, want);
      }
    }
  }
  const double days = static_cast<double>(DaysFromCivil(year, month, day));
  return days * 86400.0 + hour * 3600.0 + minute * 60.0 + second + frac -
         offset_seconds;
}

// --- CSV --------------------------------------------------------------------

// Splits one CSV line into fields: commas separate, spaces around a field
// are dropped, a field may be double-quoted ("" for a quote). Returns the
// error text, or "" when the line is well-formed.
std::string SplitCsvLine(absl::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t p = 0;
  while (true) {
    while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
    std::string field;
    if (p < line.size() && line[p] == '"') {
      ++p;
      bool closed = false;
      while (p < line.size()) {
        if (line[p] == '"') {
          if (p + 1 < line.size() && line[p + 1] == '"') {
            field.push_back('"');
            p += 2;
            continue;
          }
          ++p;
          closed = true;
          break;
        }
        field.push_back(line[p++]);
      }
      if (!closed) {
        return absl::StrCat("field ", out->size() + 1,
                            ": a quote is not closed on this line");
      }
      while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
      if (p < line.size() && line[p] != ',') {
        return absl::StrCat("field ", out->size() + 1,
                            ": text after the closing quote");
      }
    } else {
      const size_t comma = line.find(',', p);
      const size_t end = comma == absl::string_view::npos ? line.size() : comma;
      field = std::string(absl::StripTrailingAsciiWhitespace(line.substr(p, end - p)));
      p = end;
    }
    out->push_back(std::move(field));
    if (p >= line.size()) return "";
    ++p;  // the comma
  }
}

}  // namespace

absl::StatusOr<double> ParseTraceTimestamp(const std::string& text) {
  const absl::string_view s = absl::StripAsciiWhitespace(text);
  if (s.empty()) return TimeError(s, "empty");
  double t;
  if (absl::SimpleAtod(s, &t)) {
    absl::Status st = CheckTimeRange(s, t);
    if (!st.ok()) return st;
    return t;
  }
  absl::StatusOr<double> iso = ParseIso8601(s);
  if (!iso.ok()) return iso.status();
  absl::Status st = CheckTimeRange(s, *iso);
  if (!st.ok()) return st;
  return *iso;
}

absl::StatusOr<std::string> ReadTraceFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open trace file ", path));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size >= 0 && static_cast<uint64_t>(size) > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the file is ", static_cast<uint64_t>(size),
        " bytes, over the limit of ", max_bytes, " bytes (max_bytes)"));
  }
  std::string text;
  // Read in chunks with a running limit: tellg() is not meaningful for
  // pipes and special files.
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the file is over the limit of ", max_bytes, " bytes (max_bytes)"));
    }
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read trace file ", path));
  return text;
}

absl::StatusOr<Trace> ParseTraceCsv(const std::string& text, const TraceCsvOptions& options,
                                    const std::string& source) {
  if (text.size() > options.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": the input is ", text.size(), " bytes, over the limit of ",
                     options.max_bytes, " bytes (max_bytes)"));
  }
  // Column names and comments reach callers as text (Python's str).
  if (absl::Status st = ::agentscale::internal::CheckUtf8(text, source); !st.ok()) return st;
  Trace trace;
  trace.name = source;
  int line_no = 0;
  // Spreadsheet exports often start with a UTF-8 byte order mark.
  size_t pos = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  std::vector<std::string> header;
  std::vector<std::string> fields;
  size_t time_index = 0, value_index = 0;
  std::string time_name, value_name, previous_time_text;
  auto err = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", line_no, ": ", why));
  };
  absl::string_view line;
  while (internal::NextDataLine(text, &pos, &line_no, &trace.comments, &line)) {
    std::string bad = SplitCsvLine(line, &fields);
    if (!bad.empty()) return err(bad);
    if (header.empty()) {
      header = fields;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i].empty()) return err(absl::StrCat("header: column ", i + 1, " has no name"));
        for (size_t j = 0; j < i; ++j) {
          if (header[i] == header[j]) {
            return err(absl::StrCat("header: column ", Quote(header[i]), " appears twice"));
          }
        }
      }
      const std::string listed = absl::StrJoin(header, ", ");
      auto find = [&](const std::string& name) -> int {
        for (size_t i = 0; i < header.size(); ++i) {
          if (header[i] == name) return static_cast<int>(i);
        }
        return -1;
      };
      // Each column: the option's name, else the default name, else (two
      // columns) its position.
      auto pick = [&](const std::string& option, const char* default_name, size_t position,
                      const char* what, const char* knob, size_t* index,
                      std::string* name) -> absl::Status {
        if (!option.empty()) {
          const int i = find(option);
          if (i < 0) {
            return err(absl::StrCat("header: no ", what, " column ", Quote(option),
                                    " (columns: ", listed, ")"));
          }
          *index = static_cast<size_t>(i);
        } else if (const int i = find(default_name); i >= 0) {
          *index = static_cast<size_t>(i);
        } else if (header.size() == 2) {
          *index = position;
        } else {
          return err(absl::StrCat("header: no column ", Quote(default_name), " and ",
                                  header.size(), " columns (", listed, "); name the ", what,
                                  " column (", knob, ")"));
        }
        *name = header[*index];
        return absl::OkStatus();
      };
      absl::Status st = pick(options.time_column, kDefaultTimeColumn, 0, "time",
                             "time_column, --time-column", &time_index, &time_name);
      if (!st.ok()) return st;
      st = pick(options.value_column, kDefaultValueColumn, 1, "value",
                "value_column, --value-column", &value_index, &value_name);
      if (!st.ok()) return st;
      if (time_index == value_index) {
        return err(absl::StrCat("header: the time and value columns are both ",
                                Quote(time_name)));
      }
      // A header made of numbers is a file without one.
      double unused;
      if (absl::SimpleAtod(header[time_index], &unused) ||
          ParseTraceTimestamp(header[time_index]).ok()) {
        return err(absl::StrCat("expected a header naming the columns (such as "
                                "timestamp_seconds,value), got ",
                                Quote(line)));
      }
      continue;
    }
    if (fields.size() != header.size()) {
      return err(absl::StrCat("expected ", header.size(), " comma-separated fields (as in the "
                              "header), got ", fields.size()));
    }
    if (trace.size() >= options.max_rows) {
      return err(absl::StrCat("more than ", options.max_rows, " rows (the limit, max_rows)"));
    }
    const std::string& time_text = fields[time_index];
    absl::StatusOr<double> t = ParseTraceTimestamp(time_text);
    if (!t.ok()) return err(absl::StrCat(time_name, ": ", t.status().message()));
    const std::string& value_text = fields[value_index];
    double v;
    if (options.allow_null_values &&
        absl::StripAsciiWhitespace(value_text).empty()) {
      v = std::nan("");
    } else if (!absl::SimpleAtod(value_text, &v) ||
               (!std::isfinite(v) && !options.allow_null_values)) {
      return err(absl::StrCat(value_name, ": not a finite number: ", Quote(value_text)));
    }
    if (!std::isfinite(v)) v = std::nan("");
    if (v < 0) return err(absl::StrCat(value_name, ": must not be negative, got ", value_text));
    if (!trace.time_seconds.empty() && *t < trace.time_seconds.back()) {
      return err(absl::StrCat(time_name, ": ", time_text, " is before the previous row's ",
                              previous_time_text, " (rows must be in time order)"));
    }
    previous_time_text = time_text;
    trace.time_seconds.push_back(*t);
    trace.values.push_back(v);
  }
  if (header.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no header line found"));
  }
  if (trace.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the trace has no rows"));
  }
  return trace;
}

absl::StatusOr<Trace> LoadTraceCsv(const std::string& path, const TraceCsvOptions& options) {
  absl::StatusOr<std::string> text = ReadTraceFile(path, options.max_bytes);
  if (!text.ok()) return text.status();
  return ParseTraceCsv(*text, options, path);
}

// --- Prometheus query_range JSON ---------------------------------------------

namespace {

using Json = nlohmann::json;
using LabelMap = std::map<std::string, std::string>;

struct Matcher {
  std::string name;
  bool equal = true;
  std::string value;
};

bool IsLabelChar(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (!first && c >= '0' && c <= '9');
}

absl::StatusOr<std::vector<Matcher>> ParseMatchers(absl::string_view text) {
  std::vector<Matcher> out;
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (absl::ConsumePrefix(&s, "{")) {
    if (!absl::ConsumeSuffix(&s, "}")) {
      return absl::InvalidArgumentError(absl::StrCat("match ", Quote(text), ": no closing }"));
    }
  }
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "match ", Quote(text), ": ", why,
        " (expected label matchers such as pod=\"agent-0\" or a=\"x\",b!=\"y\")"));
  };
  size_t p = 0;
  auto skip_space = [&] {
    while (p < s.size() && (s[p] == ' ' || s[p] == '\t')) ++p;
  };
  while (true) {
    skip_space();
    if (p >= s.size()) break;
    Matcher m;
    if (!IsLabelChar(s[p], true)) return bad("a label name must come first");
    while (p < s.size() && IsLabelChar(s[p], m.name.empty())) m.name.push_back(s[p++]);
    skip_space();
    if (s.substr(p, 2) == "=~" || s.substr(p, 2) == "!~") {
      return bad("regular-expression matchers are not supported");
    }
    if (s.substr(p, 2) == "!=") {
      m.equal = false;
      p += 2;
    } else if (p < s.size() && s[p] == '=') {
      ++p;
    } else {
      return bad(absl::StrCat("expected = or != after ", m.name));
    }
    skip_space();
    if (p < s.size() && s[p] == '"') {
      ++p;
      bool closed = false;
      while (p < s.size()) {
        if (s[p] == '\\' && p + 1 < s.size()) {
          m.value.push_back(s[p + 1]);
          p += 2;
        } else if (s[p] == '"') {
          ++p;
          closed = true;
          break;
        } else {
          m.value.push_back(s[p++]);
        }
      }
      if (!closed) return bad("a quote is not closed");
    } else {
      while (p < s.size() && s[p] != ',') m.value.push_back(s[p++]);
      m.value = std::string(absl::StripTrailingAsciiWhitespace(m.value));
    }
    out.push_back(std::move(m));
    skip_space();
    if (p >= s.size()) break;
    if (s[p] != ',') return bad("matchers are separated by commas");
    ++p;
  }
  if (out.empty()) return bad("no matchers");
  return out;
}

bool Matches(const LabelMap& labels, const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    auto it = labels.find(m.name);
    const std::string& v = it == labels.end() ? std::string() : it->second;
    if ((v == m.value) != m.equal) return false;
  }
  return true;
}

// name{a="x",b="y"}, as Prometheus writes a series.
std::string FormatSeries(const LabelMap& labels) {
  std::string name;
  std::string out;
  for (const auto& [k, v] : labels) {
    if (k == "__name__") {
      name = v;
      continue;
    }
    std::string escaped;
    for (char c : v) {
      if (c == '"' || c == '\\') escaped.push_back('\\');
      escaped.push_back(c);
    }
    absl::StrAppend(&out, out.empty() ? "" : ",", k, "=\"", escaped, "\"");
  }
  return absl::StrCat(name, "{", out, "}");
}

std::string FormatSeconds(double t) {
  std::string s = absl::StrCat(t);
  // StrCat keeps 6 significant digits; epoch times need all of them.
  if (std::fabs(t) >= 1e6 && std::fabs(t) < 1e15) {
    s = std::to_string(static_cast<int64_t>(std::llround(t * 1000)));
    const std::string frac = s.substr(s.size() - 3);
    s = s.substr(0, s.size() - 3);
    if (frac != "000") {
      std::string f = frac;
      while (!f.empty() && f.back() == '0') f.pop_back();
      s += "." + f;
    }
  }
  return s;
}


struct Series {
  LabelMap labels;
  const Json* values = nullptr;
};

absl::StatusOr<Trace> ParsePrometheusTraceImpl(const std::string& json,
                                               const PrometheusTraceOptions& options,
                                               const std::string& source) {
  using Gaps = PrometheusTraceOptions::Gaps;
  auto fail = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", why));
  };
  if (json.size() > options.max_bytes) {
    return fail(absl::StrCat("the input is ", json.size(), " bytes, over the limit of ",
                             options.max_bytes, " bytes (max_bytes)"));
  }
  if (!(options.step_seconds >= 0) || !std::isfinite(options.step_seconds)) {
    return fail("step_seconds must be a finite number >= 0");
  }
  std::vector<Matcher> matchers;
  if (!absl::StripAsciiWhitespace(options.match).empty()) {
    absl::StatusOr<std::vector<Matcher>> m = ParseMatchers(options.match);
    if (!m.ok()) return m.status();
    matchers = *std::move(m);
  }
  Json j;
  try {
    j = Json::parse(json);
  } catch (const Json::exception& e) {
    std::string what = e.what();
    const size_t close = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
      what = what.substr(close + 2);
    }
    return fail(absl::StrCat("not valid JSON: ", what));
  }
  if (!j.is_object()) return fail("not a Prometheus API response (expected a JSON object)");
  auto status = j.find("status");
  if (status == j.end() || !status->is_string()) {
    return fail("not a Prometheus API response (no \"status\" string)");
  }
  if (*status == "error") {
    std::string why;
    auto type = j.find("errorType");
    auto error = j.find("error");
    if (type != j.end() && type->is_string()) why = type->get<std::string>();
    if (error != j.end() && error->is_string()) {
      absl::StrAppend(&why, why.empty() ? "" : ": ", error->get<std::string>());
    }
    return fail(absl::StrCat("Prometheus reported an error: ",
                             why.empty() ? "(no errorType or error given)" : why));
  }
  if (*status != "success") {
    return fail(absl::StrCat("\"status\" is ", Quote(status->get<std::string>()),
                             "; want \"success\" or \"error\""));
  }
  auto data = j.find("data");
  if (data == j.end() || !data->is_object()) return fail("\"data\" is missing or not an object");
  auto type = data->find("resultType");
  if (type == data->end() || !type->is_string()) {
    return fail("\"data.resultType\" is missing or not a string");
  }
  if (*type != "matrix") {
    return fail(absl::StrCat("data.resultType is ", Quote(type->get<std::string>()),
                             "; a trace needs a range query's \"matrix\" "
                             "(/api/v1/query_range, not /api/v1/query)"));
  }
  auto result = data->find("result");
  if (result == data->end() || !result->is_array()) {
    return fail("\"data.result\" is missing or not an array");
  }

  // Every series, checked for shape; then the selection.
  std::vector<Series> all;
  size_t points = 0;
  for (size_t i = 0; i < result->size(); ++i) {
    const Json& e = (*result)[i];
    const std::string where = absl::StrCat("data.result[", i, "]");
    if (!e.is_object()) return fail(where + " is not an object");
    Series s;
    auto metric = e.find("metric");
    if (metric == e.end() || !metric->is_object()) {
      return fail(where + ".metric is missing or not an object");
    }
    for (auto it = metric->begin(); it != metric->end(); ++it) {
      if (!it.value().is_string()) return fail(absl::StrCat(where, ".metric.", it.key(), " is not a string"));
      s.labels[it.key()] = it.value().get<std::string>();
    }
    auto values = e.find("values");
    if (values == e.end() || !values->is_array()) {
      if (e.contains("histograms")) {
        return fail(where + " has native histograms, not float values; query a float series");
      }
      return fail(where + ".values is missing or not an array");
    }
    points += values->size();
    if (points > options.max_points) {
      return fail(absl::StrCat("more than ", options.max_points,
                               " points in the response (the limit, max_points)"));
    }
    s.values = &*values;
    all.push_back(std::move(s));
  }
  if (all.empty()) return fail("the query returned no series (an empty result)");
  std::vector<const Series*> chosen;
  for (const Series& s : all) {
    if (Matches(s.labels, matchers)) chosen.push_back(&s);
  }
  auto list = [](const std::vector<const Series*>& v) {
    std::vector<std::string> names;
    for (size_t i = 0; i < v.size() && i < 5; ++i) names.push_back(FormatSeries(v[i]->labels));
    std::string out = absl::StrJoin(names, ", ");
    if (v.size() > 5) absl::StrAppend(&out, " and ", v.size() - 5, " more");
    return out;
  };
  if (chosen.empty()) {
    std::vector<const Series*> every;
    for (const Series& s : all) every.push_back(&s);
    return fail(absl::StrCat("no series matches ", options.match, "; the ", all.size(),
                             " series: ", list(every)));
  }
  if (chosen.size() > 1 && !options.sum_series) {
    return fail(absl::StrCat(
        "the response has ", chosen.size(), " series", matchers.empty() ? "" : " matching ",
        matchers.empty() ? "" : options.match, " (", list(chosen),
        "); pick one with a label matcher (match, --match; e.g. ",
        FormatSeries(chosen[0]->labels).substr(FormatSeries(chosen[0]->labels).find('{')),
        ") or sum them per timestamp (sum_series, --sum)"));
  }

  // The points: (time, value) per chosen series.
  struct Point {
    double t;
    double v;
    size_t series;
  };
  std::vector<Point> kept;
  kept.reserve(points);
  size_t dropped = 0;
  for (size_t si = 0; si < chosen.size(); ++si) {
    const Json& values = *chosen[si]->values;
    const std::string name = FormatSeries(chosen[si]->labels);
    for (size_t k = 0; k < values.size(); ++k) {
      const Json& pt = values[k];
      if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_string()) {
        return fail(absl::StrCat("series ", name, ": values[", k,
                                 "] is not [<unix seconds>, \"<value>\"]"));
      }
      const double t = pt[0].get<double>();
      if (!std::isfinite(t) || std::fabs(t) > kMaxTraceTimestampSeconds) {
        return fail(absl::StrCat("series ", name, ": values[", k, "]: timestamp ",
                                 pt[0].dump(), " is beyond the limit of +/-253402300799 "
                                 "seconds (9999-12-31T23:59:59Z)"));
      }
      const std::string text = pt[1].get<std::string>();
      double v;
      if (!metrics::ParseApiSampleValue(text, &v)) {
        return fail(absl::StrCat("series ", name, " at ", FormatSeconds(t), ": value ",
                                 Quote(text), " is not a number"));
      }
      if (!std::isfinite(v)) {
        if (options.non_finite == PrometheusTraceOptions::NonFinite::kSkip) {
          ++dropped;
          continue;
        }
        return fail(absl::StrCat("series ", name, " at ", FormatSeconds(t), ": value ", text,
                                 " is not finite; drop such points with non_finite=skip "
                                 "(--non-finite skip)"));
      }
      if (v < 0) {
        return fail(absl::StrCat("series ", name, " at ", FormatSeconds(t), ": value ", text,
                                 " is negative; a trace holds demand levels or counts"));
      }
      kept.push_back(Point{t, v, si});
    }
  }
  if (kept.empty()) {
    return fail(dropped > 0 ? absl::StrCat("no finite points (", dropped, " NaN or Inf dropped)")
                            : std::string("the selected series have no points"));
  }
  std::stable_sort(kept.begin(), kept.end(),
            [](const Point& a, const Point& b) { return a.t < b.t; });
  const double t0 = kept.front().t;
  const double t1 = kept.back().t;
  double step = options.step_seconds;
  if (step == 0) {
    // The query's step: the smallest spacing among every timestamp in the
    // response (all series, NaN points too), so that a gap in the chosen
    // series shows against the others.
    std::vector<double> every;
    every.reserve(points);
    for (const Series& s : all) {
      for (const Json& pt : *s.values) {
        if (pt.is_array() && !pt.empty() && pt[0].is_number()) {
          every.push_back(pt[0].get<double>());
        }
      }
    }
    std::sort(every.begin(), every.end());
    for (size_t i = 1; i < every.size(); ++i) {
      const double d = every[i] - every[i - 1];
      if (d > 1e-9 && (step == 0 || d < step)) step = d;
    }
  }
  size_t steps = 1;
  if (step > 0) {
    const double n = std::round((t1 - t0) / step) + 1;
    if (!(n <= static_cast<double>(options.max_points))) {
      return fail(absl::StrCat("from ", FormatSeconds(t0), " to ", FormatSeconds(t1),
                               " every ", step, " s is more than ", options.max_points,
                               " steps (the limit, max_points)"));
    }
    steps = static_cast<size_t>(n);
  } else if (t1 != t0) {
    return fail("cannot tell the step");
  }
  std::vector<double> sum(steps, 0.0);
  std::vector<char> present(steps, 0);
  // Points come in time order, so a series' steps only increase.
  std::vector<size_t> last_step_of(chosen.size(), SIZE_MAX);
  for (const Point& p : kept) {
    size_t k = 0;
    if (step > 0) {
      const double x = std::round((p.t - t0) / step);
      const double off = std::fabs(p.t - (t0 + x * step));
      if (off > 1e-3 + 1e-9 * std::fabs(p.t)) {
        return fail(absl::StrCat("timestamp ", FormatSeconds(p.t), " is not on the ", step,
                                  " s step grid that starts at ", FormatSeconds(t0),
                                 " (step_seconds, --trace-step)"));
      }
      k = static_cast<size_t>(x);
    }
    if (last_step_of[p.series] == k) {
      return fail(absl::StrCat("series ", FormatSeries(chosen[p.series]->labels),
                               " has two points at ", FormatSeconds(p.t)));
    }
    last_step_of[p.series] = k;
    sum[k] += p.v;
    present[k] = 1;
  }
  Trace trace;
  trace.name = source;
  trace.comments.push_back(absl::StrCat("source: Prometheus query_range response ", source));
  if (chosen.size() == 1) {
    trace.comments.push_back(absl::StrCat("series: ", FormatSeries(chosen[0]->labels)));
  } else {
    trace.comments.push_back(absl::StrCat("series: the sum of ", chosen.size(), " series",
                                          matchers.empty() ? "" : " matching ",
                                          matchers.empty() ? "" : options.match));
  }
  trace.comments.push_back(absl::StrCat("step: ", step, " s"));
  trace.time_seconds.resize(steps);
  trace.values.resize(steps);
  size_t filled = 0;
  for (size_t k = 0; k < steps; ++k) {
    trace.time_seconds[k] = t0 + static_cast<double>(k) * step;
    if (present[k]) {
      trace.values[k] = sum[k];
      continue;
    }
    if (options.gaps == Gaps::kError) {
      size_t e = k;
      while (e + 1 < steps && !present[e + 1]) ++e;
      return fail(absl::StrCat(
          "no point from ", FormatSeconds(trace.time_seconds[k]), " to ",
          FormatSeconds(t0 + static_cast<double>(e) * step), " (", e - k + 1, " steps of ",
          step, " s; the series was stale or absent", dropped ? " or its values NaN/Inf" : "",
          "); fill gaps with zero or hold the last value (gaps, --gaps zero|hold)"));
    }
    ++filled;
    trace.values[k] = options.gaps == Gaps::kZero ? 0.0 : trace.values[k - 1];
  }
  if (filled > 0) {
    trace.comments.push_back(absl::StrCat(
        "gaps: ", filled, " steps without a point ",
        options.gaps == Gaps::kZero ? "set to 0" : "hold the previous value"));
  }
  if (dropped > 0) {
    trace.comments.push_back(absl::StrCat("dropped: ", dropped, " NaN or Inf points"));
  }
  return trace;
}

}  // namespace

absl::StatusOr<Trace> ParsePrometheusTrace(const std::string& json,
                                           const PrometheusTraceOptions& options,
                                           const std::string& source) {
  // nlohmann's DOM may still throw (a type error we did not foresee); no
  // exception crosses the API.
  try {
    return ParsePrometheusTraceImpl(json, options, source);
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": unexpected JSON shape: ", e.what()));
  }
}

absl::StatusOr<Trace> LoadPrometheusTrace(const std::string& path,
                                          const PrometheusTraceOptions& options) {
  absl::StatusOr<std::string> text = ReadTraceFile(path, options.max_bytes);
  if (!text.ok()) return text.status();
  return ParsePrometheusTrace(*text, options, path);
}

}  // namespace agentscale::sim
