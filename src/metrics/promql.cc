// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The PromQL subset the adapter understands: label matchers, series
// selectors, durations, and prometheus-adapter's metricsQuery templates.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/status_macros.h"
#include "names.h"
#include "regex.h"

namespace agentscale::metrics {
namespace {

// A cursor over PromQL-ish text, skipping whitespace between tokens.
struct Lexer {
  absl::string_view s;
  size_t i = 0;
  void Skip() {
    while (i < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[i])))
      ++i;
  }
  bool done() {
    Skip();
    return i >= s.size();
  }
  bool Consume(absl::string_view token) {
    Skip();
    if (absl::StartsWith(s.substr(i), token)) {
      i += token.size();
      return true;
    }
    return false;
  }
  absl::string_view Ident(bool metric) {
    Skip();
    const size_t start = i;
    auto first = metric ? internal::IsMetricNameStart : internal::IsLabelNameStart;
    auto rest = metric ? internal::IsMetricNameChar : internal::IsLabelNameChar;
    if (i < s.size() && first(s[i])) {
      ++i;
      while (i < s.size() && rest(s[i])) ++i;
    }
    return s.substr(start, i - start);
  }
  std::string Near() const {
    return absl::StrCat("at column ", i + 1, " (\"",
                        absl::CHexEscape(s.substr(i, 30)), "\")");
  }
};

absl::Status SyntaxError(const Lexer& lx, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, " ", lx.Near()));
}

absl::StatusOr<std::string> ParseQuoted(Lexer* lx) {
  lx->Skip();
  if (lx->i >= lx->s.size() || (lx->s[lx->i] != '"' && lx->s[lx->i] != '\'')) {
    return SyntaxError(*lx, "expected a quoted string");
  }
  const char q = lx->s[lx->i++];
  std::string out;
  while (lx->i < lx->s.size()) {
    char c = lx->s[lx->i++];
    if (c == q) return out;
    if (c == '\\' && lx->i < lx->s.size()) {
      const char e = lx->s[lx->i++];
      switch (e) {
        case 'n':
          c = '\n';
          break;
        case 't':
          c = '\t';
          break;
        case '\\':
        case '"':
        case '\'':
          c = e;
          break;
        default:
          // Keep regex escapes such as \d as written.
          out.push_back('\\');
          c = e;
      }
    }
    out.push_back(c);
  }
  return SyntaxError(*lx, "unterminated string");
}

// Matchers up to (and including) the closing '}'; the '{' is consumed.
absl::Status ParseMatchers(Lexer* lx, std::vector<LabelMatcher>* out,
                           std::string* metric) {
  while (true) {
    if (lx->Consume("}")) return absl::OkStatus();
    const absl::string_view name = lx->Ident(false);
    if (name.empty()) return SyntaxError(*lx, "expected a label name");
    LabelMatcher::Op op;
    if (lx->Consume("=~")) {
      op = LabelMatcher::Op::kRegexMatch;
    } else if (lx->Consume("!~")) {
      op = LabelMatcher::Op::kRegexNoMatch;
    } else if (lx->Consume("!=")) {
      op = LabelMatcher::Op::kNotEqual;
    } else if (lx->Consume("=")) {
      op = LabelMatcher::Op::kEqual;
    } else {
      return SyntaxError(*lx, "expected =, !=, =~ or !~");
    }
    AGENTSCALE_ASSIGN_OR_RETURN(std::string value, ParseQuoted(lx));
    if (name == "__name__" && op == LabelMatcher::Op::kEqual &&
        metric != nullptr && metric->empty()) {
      *metric = value;
    } else {
      AGENTSCALE_ASSIGN_OR_RETURN(
          LabelMatcher m, LabelMatcher::Create(std::string(name), op, value));
      out->push_back(std::move(m));
    }
    if (lx->Consume(",")) continue;
    if (lx->Consume("}")) return absl::OkStatus();
    return SyntaxError(*lx, "expected ',' or '}'");
  }
}

constexpr absl::string_view kSupportedQueries =
    "supported: <<.Series>>{<<.LabelMatchers>>}, optionally inside "
    "FUNC(...[DURATION]) with FUNC one of avg_over_time, max_over_time, "
    "min_over_time, sum_over_time, last_over_time, count_over_time, rate, "
    "increase, optionally inside sum|avg|max|min(...) by (<<.GroupBy>>)";

constexpr absl::string_view kSupportedExternalQueries =
    "supported: <<.Series>>{<<.LabelMatchers>>}, optionally inside "
    "FUNC(...[DURATION]) with FUNC one of avg_over_time, max_over_time, "
    "min_over_time, sum_over_time, last_over_time, count_over_time, rate, "
    "increase, optionally inside sum|avg|max|min(...), optionally with "
    "by (<<.GroupBy>>) or by (label, ...)";

absl::Status Unsupported(const Lexer& lx, absl::string_view what,
                         bool external = false) {
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported metricsQuery: ", what, " ", lx.Near(), "; ",
      external ? kSupportedExternalQueries : kSupportedQueries));
}

// A metricsQuery taken apart (the parts MetricRule and ExternalRule share).
struct ParsedQuery {
  Aggregation aggregation = Aggregation::kLatest;
  absl::Duration window = absl::ZeroDuration();
  std::vector<LabelMatcher> extra_matchers;
  GroupAggregation group = GroupAggregation::kNone;
  std::vector<std::string> group_by;
};

// After `by`: `(<<.GroupBy>>)`, or for external rules also `(l1, l2)` and
// `()`. `context` is the message for rules: that use anything else.
absl::Status ParseGroupBy(Lexer* lx, bool external, absl::string_view context,
                          std::vector<std::string>* group_by) {
  if (!external) {
    if (!lx->Consume("(") || !lx->Consume("<<.GroupBy>>") ||
        !lx->Consume(")")) {
      return Unsupported(*lx, context);
    }
    return absl::OkStatus();
  }
  if (!lx->Consume("(")) return Unsupported(*lx, "expected '(' after by", true);
  if (lx->Consume("<<.GroupBy>>")) {
    // Empty for external metrics in the adapter.
    if (!lx->Consume(")")) {
      return Unsupported(*lx, "<<.GroupBy>> mixed with other labels", true);
    }
    return absl::OkStatus();
  }
  while (!lx->Consume(")")) {
    const absl::string_view label = lx->Ident(false);
    if (label.empty()) {
      return Unsupported(*lx, "expected a label name in by (...)", true);
    }
    group_by->emplace_back(label);
    if (lx->Consume(",")) continue;
    if (lx->Consume(")")) break;
    return Unsupported(*lx, "expected ',' or ')' in by (...)", true);
  }
  return absl::OkStatus();
}

absl::Status ParseQuery(absl::string_view query, bool external,
                        ParsedQuery* out) {
  Lexer lx{query};
  *out = ParsedQuery();

  // Optional outer aggregation: AGG(...) by (<<.GroupBy>>) or
  // AGG by (<<.GroupBy>>) (...); external rules: also AGG(...) and
  // by (labels).
  const size_t save = lx.i;
  const absl::string_view first = lx.Ident(true);
  static const std::map<absl::string_view, GroupAggregation> kGroups = {
      {"sum", GroupAggregation::kSum},
      {"avg", GroupAggregation::kAvg},
      {"max", GroupAggregation::kMax},
      {"min", GroupAggregation::kMin}};
  bool by_first = false;
  if (auto it = kGroups.find(first); it != kGroups.end()) {
    out->group = it->second;
    if (lx.Consume("by")) {
      AGENTSCALE_RETURN_IF_ERROR(ParseGroupBy(
          &lx, external, "grouping other than by (<<.GroupBy>>)",
          &out->group_by));
      by_first = true;
    }
    if (!lx.Consume("(")) return Unsupported(lx, "expected '('", external);
  } else {
    lx.i = save;
  }

  // Optional range function.
  const size_t save2 = lx.i;
  const absl::string_view func = lx.Ident(true);
  bool has_func = false;
  if (!func.empty()) {
    if (!lx.Consume("(")) {
      return Unsupported(lx, absl::StrCat("\"", func, "\" without '('"),
                         external);
    }
    absl::StatusOr<Aggregation> agg = ParseAggregation(func);
    if (!agg.ok()) {
      lx.i = save2;
      return Unsupported(lx, agg.status().message(), external);
    }
    out->aggregation = *agg;
    has_func = true;
  } else {
    lx.i = save2;
  }

  if (!lx.Consume("<<.Series>>")) {
    return Unsupported(lx, "expected <<.Series>>", external);
  }
  if (!lx.Consume("{") || !lx.Consume("<<.LabelMatchers>>")) {
    return Unsupported(lx, "expected {<<.LabelMatchers>>} after <<.Series>>",
                       external);
  }
  if (lx.Consume(",")) {
    AGENTSCALE_RETURN_IF_ERROR(
        ParseMatchers(&lx, &out->extra_matchers, nullptr));
  } else if (!lx.Consume("}")) {
    return Unsupported(lx, "expected '}' or ',' after <<.LabelMatchers>>",
                       external);
  }
  if (has_func) {
    if (!lx.Consume("[")) {
      return Unsupported(lx,
                         absl::StrCat(AggregationName(out->aggregation),
                                      " needs a range [DURATION]"),
                         external);
    }
    lx.Skip();
    const size_t start = lx.i;
    while (lx.i < lx.s.size() && lx.s[lx.i] != ']') ++lx.i;
    if (lx.i >= lx.s.size()) {
      return Unsupported(lx, "unterminated range", external);
    }
    absl::StatusOr<absl::Duration> d = ParsePromDuration(
        absl::StripAsciiWhitespace(lx.s.substr(start, lx.i - start)));
    if (!d.ok()) return Unsupported(lx, d.status().message(), external);
    ++lx.i;
    out->window = *d;
    if (!lx.Consume(")")) return Unsupported(lx, "expected ')'", external);
  }
  if (out->group != GroupAggregation::kNone) {
    if (!lx.Consume(")")) return Unsupported(lx, "expected ')'", external);
    if (!by_first) {
      if (lx.Consume("by")) {
        AGENTSCALE_RETURN_IF_ERROR(
            ParseGroupBy(&lx, external, "aggregation needs by (<<.GroupBy>>)",
                         &out->group_by));
      } else if (!external) {
        return Unsupported(lx, "aggregation needs by (<<.GroupBy>>)");
      }
    }
  }
  if (!lx.done()) return Unsupported(lx, "unexpected text", external);
  return absl::OkStatus();
}

}  // namespace

// --- LabelMatcher / SeriesSelector -----------------------------------------

absl::StatusOr<LabelMatcher> LabelMatcher::Create(std::string name, Op op,
                                                  std::string value) {
  if (!internal::IsValidLabelName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid label name \"", absl::CHexEscape(name), "\""));
  }
  LabelMatcher m;
  if (op == Op::kRegexMatch || op == Op::kRegexNoMatch) {
    AGENTSCALE_ASSIGN_OR_RETURN(m.regex_, internal::LabelRegex::Compile(value));
  }
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  return m;
}

bool LabelMatcher::Matches(absl::string_view metric,
                           const Labels& labels) const {
  absl::string_view v;
  if (name_ == "__name__") {
    v = metric;
  } else if (const std::string* found = FindLabel(labels, name_)) {
    v = *found;
  }
  switch (op_) {
    case Op::kEqual:
      return v == value_;
    case Op::kNotEqual:
      return v != value_;
    case Op::kRegexMatch:
      return regex_->FullMatch(v);
    case Op::kRegexNoMatch:
      return !regex_->FullMatch(v);
  }
  return false;
}

std::string LabelMatcher::ToString() const {
  const char* op = op_ == Op::kEqual        ? "="
                   : op_ == Op::kNotEqual   ? "!="
                   : op_ == Op::kRegexMatch ? "=~"
                                            : "!~";
  return absl::StrCat(name_, op, "\"", absl::CHexEscape(value_), "\"");
}

bool SeriesSelector::Matches(absl::string_view metric_name,
                             const Labels& labels) const {
  if (!metric.empty() && metric != metric_name) return false;
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(metric_name, labels)) return false;
  }
  return true;
}

absl::StatusOr<SeriesSelector> ParseSeriesSelector(absl::string_view text) {
  Lexer lx{text};
  SeriesSelector sel;
  sel.metric = std::string(lx.Ident(true));
  if (lx.Consume("{")) {
    AGENTSCALE_RETURN_IF_ERROR(ParseMatchers(&lx, &sel.matchers, &sel.metric));
  }
  if (!lx.done()) {
    return SyntaxError(lx, "unexpected text after the series selector");
  }
  if (sel.metric.empty() && sel.matchers.empty()) {
    return absl::InvalidArgumentError(
        "empty series selector: name a metric or give a matcher");
  }
  return sel;
}

absl::StatusOr<absl::Duration> ParsePromDuration(absl::string_view text) {
  absl::Duration total;
  size_t i = 0;
  if (text.empty()) return absl::InvalidArgumentError("empty duration");
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) ++i;
    int64_t n;
    if (i == start || !absl::SimpleAtoi(text.substr(start, i - start), &n)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid duration \"", absl::CHexEscape(text),
          "\": want e.g. 30s, 1m, 1m30s, 500ms, 1h"));
    }
    absl::Duration unit;
    if (text.substr(i, 2) == "ms") {
      unit = absl::Milliseconds(1);
      i += 2;
    } else if (i < text.size() && text[i] == 's') {
      unit = absl::Seconds(1);
      ++i;
    } else if (i < text.size() && text[i] == 'm') {
      unit = absl::Minutes(1);
      ++i;
    } else if (i < text.size() && text[i] == 'h') {
      unit = absl::Hours(1);
      ++i;
    } else if (i < text.size() && text[i] == 'd') {
      unit = absl::Hours(24);
      ++i;
    } else if (i < text.size() && text[i] == 'w') {
      unit = absl::Hours(24 * 7);
      ++i;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid duration \"", absl::CHexEscape(text),
          "\": a number needs a unit (ms, s, m, h, d, w)"));
    }
    total += n * unit;
  }
  if (total <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid duration \"", absl::CHexEscape(text), "\": must be positive"));
  }
  return total;
}

absl::Status ParseMetricsQuery(absl::string_view query, MetricRule* rule) {
  rule->metrics_query = std::string(query);
  ParsedQuery q;
  absl::Status st = ParseQuery(query, /*external=*/false, &q);
  // Keep what was parsed so far on error too, as before.
  rule->aggregation = q.aggregation;
  rule->window = q.window;
  rule->extra_matchers = std::move(q.extra_matchers);
  rule->group = q.group;
  return st;
}

absl::Status ParseExternalMetricsQuery(absl::string_view query,
                                       ExternalRule* rule) {
  rule->metrics_query = std::string(query);
  ParsedQuery q;
  absl::Status st = ParseQuery(query, /*external=*/true, &q);
  rule->aggregation = q.aggregation;
  rule->window = q.window;
  rule->extra_matchers = std::move(q.extra_matchers);
  rule->group = q.group;
  rule->group_by = std::move(q.group_by);
  return st;
}

}  // namespace agentscale::metrics
