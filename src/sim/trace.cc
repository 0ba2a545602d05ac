// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "agentscale/sim/trace_io.h"
#include "csv_lines.h"
#include "utf8.h"

namespace agentscale::sim {

double Trace::ValueAt(double t) const {
  if (values.empty()) return 0;
  auto it = std::upper_bound(time_seconds.begin(), time_seconds.end(), t);
  if (it == time_seconds.begin()) return values.front();
  return values[static_cast<size_t>(it - time_seconds.begin()) - 1];
}

double Trace::MedianInterval() const {
  if (time_seconds.size() < 2) return 0;
  std::vector<double> d(time_seconds.size() - 1);
  for (size_t i = 1; i < time_seconds.size(); ++i) {
    d[i - 1] = time_seconds[i] - time_seconds[i - 1];
  }
  std::nth_element(d.begin(), d.begin() + d.size() / 2, d.end());
  return d[d.size() / 2];
}

Trace Trace::Scaled(double factor) const {
  Trace t = *this;
  for (double& v : t.values) v *= factor;
  return t;
}

Trace Trace::Shifted(absl::Duration by) const {
  Trace t = *this;
  const double s = absl::ToDoubleSeconds(by);
  for (double& x : t.time_seconds) x += s;
  return t;
}

Trace Trace::Sliced(double from_seconds, double to_seconds) const {
  Trace t;
  t.name = name;
  t.comments = comments;
  for (size_t i = 0; i < size(); ++i) {
    if (time_seconds[i] >= from_seconds && time_seconds[i] < to_seconds) {
      t.time_seconds.push_back(time_seconds[i]);
      t.values.push_back(values[i]);
    }
  }
  return t;
}

Trace Trace::Resampled(absl::Duration interval, Resample how) const {
  Trace t;
  t.name = name;
  t.comments = comments;
  const double step = absl::ToDoubleSeconds(interval);
  if (empty() || step <= 0) return t;
  const double t0 = start();
  const size_t bins = static_cast<size_t>(std::floor((end() - t0) / step)) + 1;
  t.time_seconds.resize(bins);
  t.values.assign(bins, 0.0);
  std::vector<size_t> counts(bins, 0);
  for (size_t b = 0; b < bins; ++b) t.time_seconds[b] = t0 + step * static_cast<double>(b);
  for (size_t i = 0; i < size(); ++i) {
    size_t b = static_cast<size_t>((time_seconds[i] - t0) / step);
    if (b >= bins) b = bins - 1;
    if (how == Resample::kLast) continue;
    t.values[b] += values[i];
    ++counts[b];
  }
  if (how == Resample::kLast) {
    for (size_t b = 0; b < bins; ++b) t.values[b] = ValueAt(t.time_seconds[b]);
  } else if (how == Resample::kMean) {
    double last = values.front();
    for (size_t b = 0; b < bins; ++b) {
      if (counts[b] > 0) {
        t.values[b] /= static_cast<double>(counts[b]);
        last = t.values[b];
      } else {
        t.values[b] = last;
      }
    }
  }
  return t;
}

absl::StatusOr<Trace> ParseTraceCsv(const std::string& text, const std::string& source) {
  if (absl::Status st = ::agentscale::internal::CheckUtf8(text, source); !st.ok()) return st;
  Trace trace;
  trace.name = source;
  bool header_seen = false;
  int line_no = 0;
  size_t pos = 0;
  auto err = [&](const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(source, ":", line_no, ": ", why));
  };
  absl::string_view line;
  while (internal::NextDataLine(text, &pos, &line_no, &trace.comments, &line)) {
    if (!header_seen) {
      if (absl::StripAsciiWhitespace(line) != "timestamp_seconds,value") {
        return err(absl::StrCat("expected the header \"timestamp_seconds,value\", got \"",
                                line, "\""));
      }
      header_seen = true;
      continue;
    }
    const size_t comma = line.find(',');
    if (comma == absl::string_view::npos || line.find(',', comma + 1) != absl::string_view::npos) {
      return err(absl::StrCat("expected two comma-separated fields, got \"", line, "\""));
    }
    double t, v;
    if (!absl::SimpleAtod(line.substr(0, comma), &t) || !std::isfinite(t)) {
      return err(absl::StrCat("timestamp_seconds: not a finite number: \"",
                              line.substr(0, comma), "\""));
    }
    if (!absl::SimpleAtod(line.substr(comma + 1), &v) || !std::isfinite(v)) {
      return err(absl::StrCat("value: not a finite number: \"", line.substr(comma + 1), "\""));
    }
    if (v < 0) return err(absl::StrCat("value: must not be negative, got ", v));
    if (!trace.time_seconds.empty() && t < trace.time_seconds.back()) {
      return err(absl::StrCat("timestamp_seconds: ", t, " is before the previous row's ",
                              trace.time_seconds.back(), " (rows must be in time order)"));
    }
    trace.time_seconds.push_back(t);
    trace.values.push_back(v);
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no header \"timestamp_seconds,value\" found"));
  }
  if (trace.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": the trace has no rows"));
  }
  return trace;
}

absl::StatusOr<Trace> LoadTraceCsv(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTraceFile(path, TraceCsvOptions{}.max_bytes);
  if (!text.ok()) return text.status();
  return ParseTraceCsv(*text, path);
}

namespace {

// The shortest text that reads back as exactly `x` (absl::StrCat keeps only
// six significant digits, which turns epoch seconds into 1.70929e+09).
void AppendDouble(std::string* out, double x) {
  char buf[32];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, x);
  out->append(buf, r.ptr);
}

}  // namespace

std::string TraceToCsv(const Trace& trace) {
  std::string out;
  for (const std::string& c : trace.comments) absl::StrAppend(&out, "# ", c, "\n");
  out += "timestamp_seconds,value\n";
  for (size_t i = 0; i < trace.size(); ++i) {
    AppendDouble(&out, trace.time_seconds[i]);
    out += ',';
    AppendDouble(&out, trace.values[i]);
    out += '\n';
  }
  return out;
}

namespace {

Trace Generate(const std::string& name, absl::Duration length, absl::Duration step,
               const std::function<double(double)>& f) {
  Trace t;
  t.name = name;
  const double dt = absl::ToDoubleSeconds(step);
  const double len = absl::ToDoubleSeconds(length);
  for (double x = 0; x <= len + 1e-9 && dt > 0; x += dt) {
    t.time_seconds.push_back(x);
    t.values.push_back(std::max(0.0, f(x)));
  }
  return t;
}

}  // namespace

absl::Status CheckGeneratedTrace(absl::Duration length, absl::Duration step,
                                 double bursts_per_hour, size_t max_rows) {
  if (step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the step must be positive, got ", absl::FormatDuration(step)));
  }
  const double len = std::max(0.0, absl::ToDoubleSeconds(length));
  const double rows = std::floor(len / absl::ToDoubleSeconds(step)) + 1;
  if (!(rows <= static_cast<double>(max_rows))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a trace of ", len, " s at a step of ", absl::ToDoubleSeconds(step), " s has ", rows,
        " rows, over the limit of ", max_rows, " rows"));
  }
  const double bursts = len / 3600.0 * bursts_per_hour;
  if (!(bursts <= static_cast<double>(max_rows))) {
    return absl::InvalidArgumentError(absl::StrCat(
        bursts_per_hour, " bursts per hour over ", len, " s start about ", bursts,
        " bursts, over the limit of ", max_rows));
  }
  return absl::OkStatus();
}

Trace ConstantTrace(double value, absl::Duration length, absl::Duration step) {
  return Generate("constant", length, step, [&](double) { return value; });
}

Trace StepTrace(double before, double after, absl::Duration at, absl::Duration length,
                absl::Duration step) {
  const double at_s = absl::ToDoubleSeconds(at);
  return Generate("step", length, step, [&](double x) { return x < at_s ? before : after; });
}

Trace RampTrace(double from, double to, absl::Duration length, absl::Duration step) {
  const double len = absl::ToDoubleSeconds(length);
  return Generate("ramp", length, step,
                  [&](double x) { return len > 0 ? from + (to - from) * x / len : from; });
}

Trace DiurnalTrace(double mean, double amplitude, absl::Duration period, absl::Duration length,
                   absl::Duration step, absl::Duration phase) {
  const double p = absl::ToDoubleSeconds(period);
  const double ph = absl::ToDoubleSeconds(phase);
  return Generate("diurnal", length, step, [&](double x) {
    return mean + amplitude * std::sin(2 * M_PI * (x - ph) / p);
  });
}

Trace PoissonBurstTrace(double base, double burst_factor, double bursts_per_hour,
                        absl::Duration burst_length, absl::Duration length,
                        absl::Duration step, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const double len = absl::ToDoubleSeconds(length);
  std::vector<double> starts;
  if (bursts_per_hour > 0) {
    std::exponential_distribution<double> gap(bursts_per_hour / 3600.0);
    for (double x = gap(rng); x < len; x += gap(rng)) starts.push_back(x);
  }
  const double bl = absl::ToDoubleSeconds(burst_length);
  Trace t = Generate("poisson-bursts", length, step, [&](double x) {
    bool in_burst = false;
    for (double s : starts) in_burst |= x >= s && x < s + bl;
    const double level = in_burst ? base * burst_factor : base;
    std::poisson_distribution<int64_t> n(level > 0 ? level : 1e-9);
    return static_cast<double>(n(rng));
  });
  return t;
}

const char* TraceMeaningName(TraceMeaning m) {
  switch (m) {
    case TraceMeaning::kArrivals:
      return "arrivals";
    case TraceMeaning::kGauge:
      return "gauge";
  }
  return "?";
}

std::string ArrivalsReading(double interval_seconds, const std::string& spread) {
  return absl::StrCat("arrivals: each row is the tasks arriving in its ", interval_seconds,
                      " s, ", spread);
}

}  // namespace agentscale::sim
