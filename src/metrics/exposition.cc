// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/exposition.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "names.h"
#include "scrape_internal.h"

namespace agentscale::metrics {
namespace {

constexpr size_t kQuoteMax = 120;

inline bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// The line, escaped and shortened, for an error message.
std::string Quote(absl::string_view line) {
  if (line.size() > kQuoteMax) {
    return absl::StrCat("\"", absl::CHexEscape(line.substr(0, kQuoteMax)),
                        "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(line), "\"");
}

// A token for an error message: escaped, at most 40 bytes of it.
std::string Esc(absl::string_view token) {
  if (token.size() > 40) {
    return absl::StrCat(absl::CHexEscape(token.substr(0, 40)), "...");
  }
  return absl::CHexEscape(token);
}

absl::Status LineError(int line_no, absl::string_view what,
                       absl::string_view line) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", line_no, ": ", what, ": ", Quote(line)));
}

// A cursor over one line.
struct Cursor {
  absl::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  void SkipBlanks() {
    while (i < s.size() && IsBlank(s[i])) ++i;
  }
  // A token up to the next blank.
  absl::string_view Token() {
    const size_t start = i;
    while (i < s.size() && !IsBlank(s[i])) ++i;
    return s.substr(start, i - start);
  }
  absl::string_view MetricName() {
    const size_t start = i;
    if (i < s.size() && internal::IsMetricNameStart(s[i])) {
      ++i;
      while (i < s.size() && internal::IsMetricNameChar(s[i])) ++i;
    }
    return s.substr(start, i - start);
  }
  absl::string_view LabelName() {
    const size_t start = i;
    if (i < s.size() && internal::IsLabelNameStart(s[i])) {
      ++i;
      while (i < s.size() && internal::IsLabelNameChar(s[i])) ++i;
    }
    return s.substr(start, i - start);
  }
};

bool ParseValue(absl::string_view token, double* out) {
  if (token.empty()) return false;
  // SimpleAtod also strips whitespace; the token has none. Go's ParseFloat
  // (which Prometheus uses) and SimpleAtod both take NaN, Inf, +Inf, -Inf.
  return absl::SimpleAtod(token, out);
}

bool ParseMetricType(absl::string_view s, MetricType* out) {
  if (s == "counter") {
    *out = MetricType::kCounter;
  } else if (s == "gauge") {
    *out = MetricType::kGauge;
  } else if (s == "histogram") {
    *out = MetricType::kHistogram;
  } else if (s == "summary") {
    *out = MetricType::kSummary;
  } else if (s == "untyped") {
    *out = MetricType::kUntyped;
  } else {
    return false;
  }
  return true;
}

bool ConsumeSuffix(absl::string_view* s, absl::string_view suffix) {
  if (s->size() > suffix.size() &&
      s->substr(s->size() - suffix.size()) == suffix) {
    s->remove_suffix(suffix.size());
    return true;
  }
  return false;
}

}  // namespace

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kUntyped:
      return "untyped";
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kSummary:
      return "summary";
  }
  return "?";
}

ExpositionParser::FamilyState& ExpositionParser::Family(
    absl::string_view name) {
  auto it = state_.find(name);
  if (it == state_.end()) {
    it = state_.emplace(std::string(name), FamilyState{}).first;
  }
  return it->second;
}

absl::Status ExpositionParser::ParseComment(absl::string_view line,
                                            int line_no) {
  Cursor c{line};
  c.SkipBlanks();
  ++c.i;  // '#'
  c.SkipBlanks();
  const absl::string_view keyword = c.Token();
  const bool is_help = keyword == "HELP";
  const bool is_type = keyword == "TYPE";
  if ((!is_help && !is_type) || c.done()) return absl::OkStatus();  // comment
  c.SkipBlanks();
  const absl::string_view name = c.MetricName();
  if (name.empty() || (!c.done() && !IsBlank(c.peek()))) {
    return LineError(line_no,
                     absl::StrCat("invalid metric name in ", keyword, " line"),
                     line);
  }
  FamilyState& fam = Family(name);
  if (fam.index < 0) {
    fam.index = static_cast<int>(families_.size());
    families_.push_back(FamilyInfo{std::string(name), MetricType::kUntyped, ""});
  }
  FamilyInfo& info = families_[fam.index];
  if (is_type) {
    c.SkipBlanks();
    const absl::string_view type_name = c.Token();
    c.SkipBlanks();
    MetricType type;
    if (!c.done() || !ParseMetricType(type_name, &type)) {
      return LineError(
          line_no,
          absl::StrCat("unknown metric type \"", Esc(type_name),
                       "\" (want counter, gauge, histogram, summary or "
                       "untyped)"),
          line);
    }
    if (fam.has_type) {
      return LineError(line_no,
                       absl::StrCat("second TYPE line for metric ", name),
                       line);
    }
    if (fam.has_samples) {
      return LineError(line_no,
                       absl::StrCat("TYPE line for metric ", name,
                                    " after its samples"),
                       line);
    }
    fam.has_type = true;
    info.type = type;
    return absl::OkStatus();
  }
  // HELP: the rest of the line after one blank, with \\ and \n escapes.
  if (fam.has_help) {
    return LineError(line_no,
                     absl::StrCat("second HELP line for metric ", name), line);
  }
  fam.has_help = true;
  if (!c.done()) ++c.i;  // the separating blank
  // Prometheus: "help text ... is not a valid utf8 string". Escapes are
  // ASCII, so the raw text is valid exactly when the unescaped one is.
  const absl::string_view raw_help = line.substr(c.i);
  const size_t bad = internal::FindInvalidUtf8(raw_help);
  if (bad != raw_help.size()) {
    return LineError(line_no,
                     absl::StrCat("invalid UTF-8 in the HELP text of metric ",
                                  name, " (byte ", bad + 1, " of the text)"),
                     line);
  }
  std::string help;
  for (size_t i = c.i; i < line.size(); ++i) {
    if (line[i] != '\\') {
      help.push_back(line[i]);
      continue;
    }
    if (i + 1 < line.size() && line[i + 1] == '\\') {
      help.push_back('\\');
    } else if (i + 1 < line.size() && line[i + 1] == 'n') {
      help.push_back('\n');
    } else {
      return LineError(
          line_no,
          absl::StrCat("invalid escape sequence \"",
                       Esc(line.substr(i, 2)),
                       "\" in HELP text (want \\\\ or \\n)"),
          line);
    }
    ++i;
  }
  info.help = std::move(help);
  return absl::OkStatus();
}

absl::Status ExpositionParser::ParseSample(
    absl::string_view line, int line_no,
    absl::FunctionRef<void(const SampleView&)> fn) {
  Cursor c{line};
  c.SkipBlanks();
  SampleView s;
  s.line = line_no;
  s.name = c.MetricName();
  if (s.name.empty()) {
    return LineError(line_no, "invalid metric name", line);
  }
  labels_.clear();
  unescaped_.clear();
  // Unescaped label values live in unescaped_; reserving the line's length
  // up front means it never reallocates, so views into it stay valid.
  unescaped_.reserve(line.size());
  c.SkipBlanks();
  if (!c.done() && c.peek() == '{') {
    ++c.i;
    while (true) {
      c.SkipBlanks();
      if (c.done()) {
        return LineError(line_no, "unterminated label set (missing '}')",
                         line);
      }
      if (c.peek() == '}') {
        ++c.i;
        break;
      }
      const absl::string_view lname = c.LabelName();
      if (lname.empty()) {
        return LineError(line_no,
                         absl::StrCat("invalid label name at column ", c.i + 1),
                         line);
      }
      c.SkipBlanks();
      if (c.done() || c.peek() != '=') {
        return LineError(
            line_no, absl::StrCat("expected '=' after label name ", lname),
            line);
      }
      ++c.i;
      c.SkipBlanks();
      if (c.done() || c.peek() != '"') {
        return LineError(line_no,
                         absl::StrCat("expected '\"' to start the value of "
                                      "label ",
                                      lname),
                         line);
      }
      ++c.i;
      const size_t start = c.i;
      bool escaped = false;
      bool closed = false;
      unsigned char high = 0;  // any byte >= 0x80: UTF-8 to check
      while (c.i < line.size()) {
        const char ch = line[c.i];
        high |= static_cast<unsigned char>(ch);
        if (ch == '"') {
          closed = true;
          break;
        }
        if (ch == '\\') {
          escaped = true;
          if (c.i + 1 >= line.size()) break;
          const char e = line[c.i + 1];
          if (e != '\\' && e != '"' && e != 'n') {
            return LineError(
                line_no,
                absl::StrCat("invalid escape sequence \"",
                             Esc(line.substr(c.i, 2)),
                             "\" in the value of label ", lname,
                             " (want \\\\, \\\" or \\n)"),
                line);
          }
          c.i += 2;
          continue;
        }
        ++c.i;
      }
      if (!closed) {
        return LineError(
            line_no,
            absl::StrCat("unterminated value of label ", lname,
                         " (missing '\"')"),
            line);
      }
      absl::string_view value = line.substr(start, c.i - start);
      ++c.i;  // closing quote
      // Prometheus (promparse: "invalid UTF-8 label value") rejects the
      // scrape; escapes are ASCII, so checking the raw value suffices, and
      // an all-ASCII value (the usual case) needs no check.
      const size_t bad =
          (high & 0x80) != 0 ? internal::FindInvalidUtf8(value) : value.size();
      if (bad != value.size()) {
        return LineError(
            line_no,
            absl::StrCat("invalid UTF-8 in the value of label ", lname,
                         " (byte ", bad + 1, " of the value)"),
            line);
      }
      if (escaped) {
        const size_t out_start = unescaped_.size();
        for (size_t k = 0; k < value.size(); ++k) {
          char ch = value[k];
          if (ch == '\\') {
            ++k;  // validated above: k < value.size()
            ch = value[k] == 'n' ? '\n' : value[k];
          }
          unescaped_.push_back(ch);
        }
        value = absl::string_view(unescaped_).substr(out_start);
      }
      for (const LabelView& l : labels_) {
        if (l.name == lname) {
          return LineError(line_no,
                           absl::StrCat("duplicate label name ", lname), line);
        }
      }
      labels_.push_back(LabelView{lname, value});
      c.SkipBlanks();
      if (c.done()) {
        return LineError(line_no, "unterminated label set (missing '}')",
                         line);
      }
      if (c.peek() == ',') {
        ++c.i;
      } else if (c.peek() != '}') {
        return LineError(
            line_no,
            absl::StrCat("expected ',' or '}' after the value of label ",
                         lname),
            line);
      }
    }
    c.SkipBlanks();
  }
  const absl::string_view value_token = c.Token();
  if (value_token.empty()) {
    return LineError(line_no, absl::StrCat("missing value for ", s.name),
                     line);
  }
  if (!ParseValue(value_token, &s.value)) {
    return LineError(line_no,
                     absl::StrCat("invalid value \"",
                                  Esc(value_token), "\" for ",
                                  s.name),
                     line);
  }
  c.SkipBlanks();
  if (!c.done()) {
    const absl::string_view ts_token = c.Token();
    int64_t ts;
    if (!absl::SimpleAtoi(ts_token, &ts)) {
      return LineError(line_no,
                       absl::StrCat("invalid timestamp \"",
                                    Esc(ts_token),
                                    "\" (want integer milliseconds)"),
                       line);
    }
    s.timestamp_ms = ts;
    c.SkipBlanks();
    if (!c.done()) {
      return LineError(line_no,
                       absl::StrCat("unexpected text after the timestamp: \"",
                                    Esc(line.substr(c.i)), "\""),
                       line);
    }
  }

  // The family: the name itself if it has a # TYPE, else a histogram or
  // summary whose suffixed sample this is.
  s.family = s.name;
  s.type = MetricType::kUntyped;
  FamilyState* fam = nullptr;
  auto it = state_.find(s.name);
  if (it != state_.end() && it->second.has_type) {
    fam = &it->second;
  } else {
    absl::string_view base = s.name;
    const bool bucket = ConsumeSuffix(&base, "_bucket");
    const bool sum_or_count = !bucket && (ConsumeSuffix(&base, "_sum") ||
                                          ConsumeSuffix(&base, "_count"));
    if (bucket || sum_or_count) {
      auto bit = state_.find(base);
      if (bit != state_.end() && bit->second.has_type) {
        const MetricType t = families_[bit->second.index].type;
        if (t == MetricType::kHistogram ||
            (t == MetricType::kSummary && sum_or_count)) {
          fam = &bit->second;
          s.family = base;
        }
      }
    }
    if (fam == nullptr) fam = it != state_.end() ? &it->second : nullptr;
  }
  if (fam != nullptr) {
    fam->has_samples = true;
    if (fam->index >= 0) s.type = families_[fam->index].type;
  } else {
    Family(s.name).has_samples = true;
  }

  const LabelView* le = nullptr;
  const LabelView* quantile = nullptr;
  for (const LabelView& l : labels_) {
    if (l.name == "le") le = &l;
    if (l.name == "quantile") quantile = &l;
  }
  double bound;
  if (s.type == MetricType::kHistogram) {
    if (s.name == s.family) {
      return LineError(line_no,
                       absl::StrCat("histogram ", s.family,
                                    ": sample name must end in _bucket, _sum "
                                    "or _count"),
                       line);
    }
    if (s.name.size() > s.family.size() &&
        s.name.substr(s.family.size()) == "_bucket") {
      if (le == nullptr || !ParseValue(le->value, &bound)) {
        return LineError(line_no,
                         absl::StrCat("histogram bucket ", s.name,
                                      " needs a numeric \"le\" label"),
                         line);
      }
    }
  } else if (s.type == MetricType::kSummary && s.name == s.family) {
    if (quantile == nullptr || !ParseValue(quantile->value, &bound)) {
      return LineError(line_no,
                       absl::StrCat("summary ", s.family,
                                    " needs a numeric \"quantile\" label"),
                       line);
    }
  }
  s.labels = labels_;
  fn(s);
  return absl::OkStatus();
}

absl::Status ExpositionParser::Parse(
    absl::string_view text,
    absl::FunctionRef<void(const SampleView&)> on_sample) {
  families_.clear();
  state_.clear();
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end =
        nl == nullptr ? text.size()
                      : static_cast<size_t>(static_cast<const char*>(nl) -
                                            text.data());
    absl::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = 0;
    while (first < line.size() && IsBlank(line[first])) ++first;
    if (first == line.size()) continue;
    absl::Status st = line[first] == '#'
                          ? ParseComment(line, line_no)
                          : ParseSample(line, line_no, on_sample);
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::StatusOr<Exposition> ParseExposition(absl::string_view text) {
  Exposition out;
  ExpositionParser parser;
  absl::Status st = parser.Parse(text, [&](const SampleView& s) {
    ParsedSample p;
    p.name = std::string(s.name);
    p.family = std::string(s.family);
    p.type = s.type;
    p.labels.reserve(s.labels.size());
    for (const LabelView& l : s.labels) {
      p.labels.push_back(Label{std::string(l.name), std::string(l.value)});
    }
    p.value = s.value;
    p.timestamp_ms = s.timestamp_ms;
    out.samples.push_back(std::move(p));
  });
  if (!st.ok()) return st;
  out.families = parser.families();
  return out;
}

namespace internal {

absl::StatusOr<AppendCounts> AppendScrape(
    absl::string_view text, const Labels& target_labels,
    absl::Time scrape_time, SeriesStore* store,
    std::vector<std::string>* series_keys) {
  struct Owned {
    std::string metric;
    Labels labels;
    int64_t ts;
    double value;
  };
  std::vector<Owned> owned;
  const int64_t default_ts = ToMillis(scrape_time);
  std::vector<const Label*> sorted;
  ExpositionParser parser;
  absl::Status st = parser.Parse(text, [&](const SampleView& s) {
    Owned o;
    o.metric = std::string(s.name);
    o.labels.reserve(s.labels.size() + target_labels.size());
    for (const LabelView& l : s.labels) {
      const bool clash = FindLabel(target_labels, l.name) != nullptr;
      o.labels.push_back(Label{
          clash ? absl::StrCat("exported_", l.name) : std::string(l.name),
          std::string(l.value)});
    }
    for (const Label& l : target_labels) o.labels.push_back(l);
    o.ts = s.timestamp_ms.value_or(default_ts);
    o.value = s.value;
    if (series_keys != nullptr && !s.timestamp_ms.has_value()) {
      sorted.clear();
      for (const Label& l : o.labels) {
        if (!l.value.empty()) sorted.push_back(&l);
      }
      std::sort(sorted.begin(), sorted.end(),
                [](const Label* a, const Label* b) { return a->name < b->name; });
      std::string& key = series_keys->emplace_back();
      AppendKeyPart(o.metric, &key);
      for (const Label* l : sorted) {
        AppendKeyPart(l->name, &key);
        AppendKeyPart(l->value, &key);
      }
    }
    owned.push_back(std::move(o));
  });
  if (!st.ok()) {
    if (series_keys != nullptr) series_keys->clear();
    return st;
  }
  std::vector<LabeledSample> batch;
  batch.reserve(owned.size());
  for (const Owned& o : owned) {
    batch.push_back(LabeledSample{o.metric, o.labels, o.ts, o.value});
  }
  return store->AppendBatch(batch);
}

}  // namespace internal

absl::StatusOr<AppendCounts> AppendExposition(absl::string_view text,
                                              const Labels& target_labels,
                                              absl::Time scrape_time,
                                              SeriesStore* store) {
  return internal::AppendScrape(text, target_labels, scrape_time, store,
                                nullptr);
}

bool ParseApiSampleValue(const std::string& s, double* out) {
  if (s == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-Inf") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  return absl::SimpleAtod(s, out) && !std::isnan(*out);
}

}  // namespace agentscale::metrics
