// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/adapter.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
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
#include "agentscale/status_macros.h"
#include "names.h"
#include "yaml-cpp/yaml.h"

namespace agentscale::metrics {
namespace {

absl::StatusOr<std::shared_ptr<const std::regex>> CompileRegex(
    const std::string& pattern, bool anchored) {
  try {
    return std::make_shared<const std::regex>(
        anchored ? "^(?:" + pattern + ")$" : pattern,
        std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid regular expression \"", absl::CHexEscape(pattern),
        "\": ", e.what()));
  }
}

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

std::string ConvertAsTemplate(const std::string& as) {
  // Go's ${1} -> $1 for std::regex's format.
  std::string out;
  for (size_t i = 0; i < as.size(); ++i) {
    if (as[i] == '$' && i + 1 < as.size() && as[i + 1] == '{') {
      const size_t close = as.find('}', i);
      if (close != std::string::npos) {
        out += "$" + as.substr(i + 2, close - i - 2);
        i = close;
        continue;
      }
    }
    out.push_back(as[i]);
  }
  return out;
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
    AGENTSCALE_ASSIGN_OR_RETURN(m.regex_, CompileRegex(value, true));
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
      return std::regex_match(v.begin(), v.end(), *regex_);
    case Op::kRegexNoMatch:
      return !std::regex_match(v.begin(), v.end(), *regex_);
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

// --- MetricAdapter -----------------------------------------------------------

namespace {

// apiVersion "apps/v1" -> "apps"; "v1" -> "" (the core group).
std::string ApiGroup(const std::string& api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

// Kubernetes' meta.UnsafeGuessKindToResource: "Service" -> service/services,
// "Ingress" -> ingress/ingresses, "Policy" -> policy/policies.
void KindToResource(const std::string& kind, std::string* singular,
                    std::string* plural) {
  *singular = absl::AsciiStrToLower(kind);
  if (singular->empty()) {
    plural->clear();
    return;
  }
  switch (singular->back()) {
    case 's':
      *plural = *singular + "es";
      break;
    case 'y':
      *plural = singular->substr(0, singular->size() - 1) + "ies";
      break;
    default:
      *plural = *singular + "s";
  }
}

// The label that names objects of `kind` (in API group `group`) under rule
// `r`, or "" when the rule does not map that kind.
std::string ObjectLabelFor(const MetricRule& r, const std::string& singular,
                           const std::string& plural,
                           const std::string& group) {
  if (group.empty() && singular == "pod" && !r.pod_label.empty()) {
    return r.pod_label;
  }
  if (group.empty() && singular == "namespace" && !r.namespace_label.empty()) {
    return r.namespace_label;
  }
  for (const ResourceLabel& rl : r.object_labels) {
    const std::string res = absl::AsciiStrToLower(rl.resource);
    if ((res == singular || res == plural) &&
        (rl.group.empty() || rl.group == group)) {
      return rl.label;
    }
  }
  if (r.resource_template && internal::IsValidLabelName(singular)) {
    return singular;
  }
  return "";
}

// Several values combined as PromQL's sum/avg/max/min; kNone keeps the
// first and notes that there were more.
struct Combined {
  int present = 0;
  double value = 0;
  bool several = false;
  void Add(double v, GroupAggregation g) {
    if (present++ == 0) {
      value = v;
      return;
    }
    switch (g) {
      case GroupAggregation::kNone:
        several = true;
        break;
      case GroupAggregation::kSum:
      case GroupAggregation::kAvg:
        value += v;
        break;
      case GroupAggregation::kMax:
        if (v > value || std::isnan(value)) value = v;
        break;
      case GroupAggregation::kMin:
        if (v < value || std::isnan(value)) value = v;
        break;
    }
  }
  double Result(GroupAggregation g) const {
    return g == GroupAggregation::kAvg ? value / present : value;
  }
};

bool MatchAll(const std::vector<LabelMatcher>& matchers,
              absl::string_view metric, const Labels& labels) {
  for (const LabelMatcher& m : matchers) {
    if (!m.Matches(metric, labels)) return false;
  }
  return true;
}

absl::Status SelectorError(const absl::Status& st) {
  return absl::InvalidArgumentError(
      absl::StrCat("metric selector: ", st.message()));
}

bool ServedByAdapter(hpa::MetricSourceType t) {
  return t == hpa::MetricSourceType::kPods ||
         t == hpa::MetricSourceType::kObject ||
         t == hpa::MetricSourceType::kExternal;
}

// HorizontalAutoscaler::MatchMetrics' assignment of observations to spec
// metrics (spec index -> observation index or -1), so that the adapter
// fills the observation the engine will read.
std::vector<int> MatchLikeEngine(const hpa::AutoscalerSpec& spec,
                                 const std::deque<MetricObservation>& obs) {
  const size_t n = spec.metrics.size();
  std::vector<int> spec_obs(n, -1);
  for (size_t j = 0; j < obs.size(); ++j) {
    const std::string& name = obs[j].metric;
    int target = -1;
    if (name.empty()) {
      if (j < n) target = static_cast<int>(j);
    } else if (j < n && spec_obs[j] < 0 && spec.metrics[j].name == name) {
      target = static_cast<int>(j);
    } else {
      for (size_t i = 0; i < n; ++i) {
        if (spec_obs[i] < 0 && spec.metrics[i].name == name) {
          target = static_cast<int>(i);
          break;
        }
      }
    }
    if (target >= 0 && spec_obs[target] < 0) {
      spec_obs[target] = static_cast<int>(j);
    }
  }
  return spec_obs;
}

}  // namespace

absl::StatusOr<std::vector<LabelMatcher>> SelectorMatchers(
    const hpa::LabelSelector& selector) {
  std::vector<LabelMatcher> out;
  auto add = [&out](const std::string& key, LabelMatcher::Op op,
                    std::string value) -> absl::Status {
    if (!internal::IsValidLabelName(key)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key \"", absl::CHexEscape(key),
          "\" is not a valid Prometheus label name"));
    }
    AGENTSCALE_ASSIGN_OR_RETURN(
        LabelMatcher m, LabelMatcher::Create(key, op, std::move(value)));
    out.push_back(std::move(m));
    return absl::OkStatus();
  };
  for (const auto& [key, value] : selector.match_labels) {
    AGENTSCALE_RETURN_IF_ERROR(add(key, LabelMatcher::Op::kEqual, value));
  }
  for (const hpa::LabelSelectorRequirement& r : selector.match_expressions) {
    // labels.Requirement keeps its values as a sorted set.
    std::vector<std::string> values = r.values;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (r.op == "In" || r.op == "NotIn") {
      if (values.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "key \"", absl::CHexEscape(r.key), "\": values must not be empty "
            "for the In and NotIn operators"));
      }
      AGENTSCALE_RETURN_IF_ERROR(
          add(r.key,
              r.op == "In" ? LabelMatcher::Op::kRegexMatch
                           : LabelMatcher::Op::kRegexNoMatch,
              absl::StrJoin(values, "|")));
    } else if (r.op == "Exists" || r.op == "DoesNotExist") {
      if (!values.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "key \"", absl::CHexEscape(r.key), "\": values must be empty "
            "for the Exists and DoesNotExist operators"));
      }
      AGENTSCALE_RETURN_IF_ERROR(add(r.key,
                                     r.op == "Exists"
                                         ? LabelMatcher::Op::kNotEqual
                                         : LabelMatcher::Op::kEqual,
                                     ""));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", absl::CHexEscape(r.op),
          "\" is not a valid label selector operator"));
    }
  }
  return out;
}

absl::StatusOr<MetricAdapter::CompiledRule> MetricAdapter::CompileName(
    const std::string& where, const std::string& matches,
    const std::string& as) {
  absl::StatusOr<std::shared_ptr<const std::regex>> re =
      CompileRegex(matches, false);
  if (!re.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".name.matches: ", re.status().message()));
  }
  CompiledRule c;
  c.name_regex = *re;
  if (as.empty()) {
    const size_t groups = (*re)->mark_count();
    if (groups > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".name.as: required when name.matches has ", groups,
          " capture groups"));
    }
    c.name_format = groups == 1 ? "$1" : "$0";
  } else {
    c.name_format = ConvertAsTemplate(as);
  }
  return c;
}

absl::StatusOr<MetricAdapter> MetricAdapter::Create(
    std::vector<MetricRule> rules) {
  return FromRules(std::move(rules), {});
}

absl::StatusOr<MetricAdapter> MetricAdapter::FromRules(
    std::vector<MetricRule> rules, std::vector<ExternalRule> external_rules) {
  MetricAdapter a;
  for (size_t i = 0; i < rules.size(); ++i) {
    const MetricRule& r = rules[i];
    const std::string where = absl::StrCat("rules[", i, "]");
    if (r.pod_label.empty() && r.object_labels.empty() &&
        !r.resource_template) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ".resources: no label maps to the pod resource (or to another "
          "resource, for Object metrics)"));
    }
    for (const ResourceLabel& rl : r.object_labels) {
      if (!internal::IsValidLabelName(rl.label) || rl.resource.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".resources: label \"", absl::CHexEscape(rl.label),
            "\" for resource \"", absl::CHexEscape(rl.resource),
            "\": needs a valid label name and a resource"));
      }
    }
    if (r.series.metric.empty() && r.series.matchers.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".seriesQuery: empty selector"));
    }
    if (r.aggregation != Aggregation::kLatest &&
        r.window <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".metricsQuery: the window must be positive"));
    }
    AGENTSCALE_ASSIGN_OR_RETURN(CompiledRule c,
                                CompileName(where, r.name_matches, r.name_as));
    a.compiled_.push_back(std::move(c));
  }
  for (size_t i = 0; i < external_rules.size(); ++i) {
    const ExternalRule& r = external_rules[i];
    const std::string where = absl::StrCat("externalRules[", i, "]");
    if (r.series.metric.empty() && r.series.matchers.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".seriesQuery: empty selector"));
    }
    if (r.namespaced && r.namespace_label.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ".resources: namespaced, but no label maps to the namespace "
          "resource (add overrides: {namespace: {resource: namespace}}, or "
          "set namespaced: false)"));
    }
    if (!r.namespace_label.empty() &&
        !internal::IsValidLabelName(r.namespace_label)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".resources: invalid namespace label \"",
                       absl::CHexEscape(r.namespace_label), "\""));
    }
    if (r.aggregation != Aggregation::kLatest &&
        r.window <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".metricsQuery: the window must be positive"));
    }
    if (r.group == GroupAggregation::kNone && !r.group_by.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".metricsQuery: group_by without an aggregation"));
    }
    for (const std::string& l : r.group_by) {
      if (!internal::IsValidLabelName(l)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".metricsQuery: invalid label name \"",
                         absl::CHexEscape(l), "\" in by (...)"));
      }
    }
    AGENTSCALE_ASSIGN_OR_RETURN(CompiledRule c,
                                CompileName(where, r.name_matches, r.name_as));
    a.compiled_external_.push_back(std::move(c));
  }
  a.rules_ = std::move(rules);
  a.external_rules_ = std::move(external_rules);
  return a;
}

bool MetricAdapter::Expose(const CompiledRule& c, const std::string& metric,
                           std::string* out) {
  std::smatch m;
  if (!std::regex_search(metric, m, *c.name_regex)) return false;
  *out = m.format(c.name_format);
  return true;
}

bool MetricAdapter::ExposedName(size_t i, const std::string& metric,
                                std::string* out) const {
  return Expose(compiled_[i], metric, out);
}

void MetricAdapter::RegisterWindows(SeriesStore* store) const {
  for (const MetricRule& r : rules_) {
    if (r.aggregation != Aggregation::kLatest) store->RegisterWindow(r.window);
  }
  for (const ExternalRule& r : external_rules_) {
    if (r.aggregation != Aggregation::kLatest) store->RegisterWindow(r.window);
  }
}

std::vector<std::string> MetricAdapter::MetricNames(
    const SeriesStore& store) const {
  std::vector<std::string> names;
  std::string name;
  for (size_t i = 0; i < rules_.size(); ++i) {
    for (const SeriesInfo& s : store.Select(rules_[i].series.metric)) {
      if (!rules_[i].series.Matches(s.metric, s.labels)) continue;
      if (ExposedName(i, s.metric, &name) &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> MetricAdapter::ExternalMetricNames(
    const SeriesStore& store) const {
  std::vector<std::string> names;
  std::string name;
  for (size_t i = 0; i < external_rules_.size(); ++i) {
    const ExternalRule& r = external_rules_[i];
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!r.series.Matches(s.metric, s.labels)) continue;
      if (Expose(compiled_external_[i], s.metric, &name) &&
          std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

void MetricAdapter::Fill(const SeriesStore& store, absl::Time now,
                         absl::Span<const hpa::Pod> pods,
                         const std::string& namespace_name,
                         MetricObservation* out) const {
  FillPods(store, now, pods, namespace_name, hpa::LabelSelector(), out);
}

void MetricAdapter::FillPods(const SeriesStore& store, absl::Time now,
                             absl::Span<const hpa::Pod> pods,
                             const std::string& namespace_name,
                             const hpa::LabelSelector& selector,
                             MetricObservation* out) const {
  absl::StatusOr<std::vector<LabelMatcher>> selected =
      SelectorMatchers(selector);
  if (!selected.ok()) {
    out->error = SelectorError(selected.status());
    return;
  }
  absl::flat_hash_map<std::string, int> pod_index;
  for (size_t p = 0; p < pods.size(); ++p) {
    pod_index.emplace(pods[p].name, static_cast<int>(p));
  }
  struct Acc {
    int series = 0;   // matching series (present or not)
    int present = 0;  // with a value
    double value = 0;
    absl::Duration window;
    GroupAggregation group = GroupAggregation::kNone;
  };
  std::vector<Acc> acc(pods.size());
  bool any_series = false;
  std::string name;
  std::string multi_pod;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const MetricRule& r = rules_[i];
    if (r.pod_label.empty()) continue;  // an Object-only rule
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!ExposedName(i, s.metric, &name) || name != out->metric) continue;
      if (!r.series.Matches(s.metric, s.labels)) continue;
      if (!MatchAll(r.extra_matchers, s.metric, s.labels)) continue;
      if (!r.namespace_label.empty() && !namespace_name.empty()) {
        const std::string* ns = FindLabel(s.labels, r.namespace_label);
        if (ns == nullptr || *ns != namespace_name) continue;
      }
      any_series = true;
      // The HPA's metric selector narrows the query, not the metric's
      // existence: what it filters out is simply not returned.
      if (!MatchAll(*selected, s.metric, s.labels)) continue;
      const std::string* pod = FindLabel(s.labels, r.pod_label);
      if (pod == nullptr) continue;
      auto it = pod_index.find(*pod);
      if (it == pod_index.end()) continue;
      Acc& a = acc[it->second];
      ++a.series;
      std::optional<double> v = store.Query(s.ref, r.aggregation, r.window, now);
      if (!v.has_value()) continue;
      a.window = r.aggregation == Aggregation::kLatest ? absl::Minutes(1)
                                                       : r.window;
      if (a.present == 0) {
        a.value = *v;
      } else {
        switch (r.group) {
          case GroupAggregation::kNone:
            if (multi_pod.empty()) multi_pod = *pod;
            break;
          case GroupAggregation::kSum:
          case GroupAggregation::kAvg:
            a.value += *v;
            break;
          case GroupAggregation::kMax:
            if (*v > a.value || std::isnan(a.value)) a.value = *v;
            break;
          case GroupAggregation::kMin:
            if (*v < a.value || std::isnan(a.value)) a.value = *v;
            break;
        }
      }
      ++a.present;
      a.group = r.group;  // kAvg keeps a running sum, divided below
    }
  }
  if (!any_series) {
    out->error = absl::NotFoundError(absl::StrCat(
        "no series for metric ", out->metric, " matches any adapter rule"));
    return;
  }
  if (!multi_pod.empty()) {
    out->error = absl::FailedPreconditionError(absl::StrCat(
        "metric ", out->metric, ": pod ", multi_pod,
        " has several series; aggregate them in the metricsQuery, e.g. "
        "sum(...) by (<<.GroupBy>>)"));
    return;
  }
  for (size_t p = 0; p < pods.size(); ++p) {
    Acc& a = acc[p];
    if (a.present == 0) continue;  // missing: never zero
    const double value =
        a.group == GroupAggregation::kAvg ? a.value / a.present : a.value;
    out->AddPodValue(pods[p].name, value, now, a.window,
                     MilliRounding::kTruncate);
  }
}

void MetricAdapter::FillObject(const SeriesStore& store, absl::Time now,
                               const std::string& namespace_name,
                               const hpa::ObjectReference& object,
                               const hpa::LabelSelector& selector,
                               MetricObservation* out) const {
  absl::StatusOr<std::vector<LabelMatcher>> selected =
      SelectorMatchers(selector);
  if (!selected.ok()) {
    out->error = SelectorError(selected.status());
    return;
  }
  const std::string group = ApiGroup(object.api_version);
  std::string singular, plural;
  KindToResource(object.kind, &singular, &plural);
  // Kubernetes asks for a Namespace object's metric in the HPA's own
  // namespace, whatever name the reference carries.
  const bool is_namespace = group.empty() && singular == "namespace";
  const std::string& object_name = is_namespace ? namespace_name : object.name;
  const std::string described = absl::StrCat(object.kind, " ", object_name);

  bool mapped = false;  // some rule maps a label to this kind
  bool known = false;   // some series of the metric describes such objects
  Combined value;
  GroupAggregation agg = GroupAggregation::kNone;
  std::string name;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const MetricRule& r = rules_[i];
    const std::string label = ObjectLabelFor(r, singular, plural, group);
    if (label.empty()) continue;
    mapped = true;
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!ExposedName(i, s.metric, &name) || name != out->metric) continue;
      if (!r.series.Matches(s.metric, s.labels)) continue;
      const std::string* obj = FindLabel(s.labels, label);
      if (obj == nullptr) continue;
      known = true;
      if (*obj != object_name) continue;
      if (!MatchAll(r.extra_matchers, s.metric, s.labels)) continue;
      if (!MatchAll(*selected, s.metric, s.labels)) continue;
      if (!is_namespace && !r.namespace_label.empty() &&
          !namespace_name.empty()) {
        const std::string* ns = FindLabel(s.labels, r.namespace_label);
        if (ns == nullptr || *ns != namespace_name) continue;
      }
      std::optional<double> v = store.Query(s.ref, r.aggregation, r.window, now);
      if (!v.has_value()) continue;
      value.Add(*v, r.group);
      agg = r.group;
    }
  }
  if (!mapped) {
    out->error = absl::NotFoundError(absl::StrCat(
        "no adapter rule maps a label to ", plural,
        " (resources.overrides: LABEL: {resource: ", singular, "})"));
    return;
  }
  if (!known) {
    out->error = absl::NotFoundError(absl::StrCat(
        "no series for metric ", out->metric, " of ", plural,
        " matches any adapter rule"));
    return;
  }
  if (value.present == 0) {
    // prometheus-adapter's NotFound for one object.
    out->error = absl::NotFoundError(absl::StrCat(
        "the server could not find the metric ", out->metric, " for ", plural,
        " ", object_name));
    return;
  }
  if (value.several) {
    out->error = absl::FailedPreconditionError(absl::StrCat(
        "metric ", out->metric, ": ", described,
        " has several series; aggregate them in the metricsQuery, e.g. "
        "sum(...) by (<<.GroupBy>>)"));
    return;
  }
  out->SetObjectValue(value.Result(agg), MilliRounding::kTruncate);
}

void MetricAdapter::FillExternal(const SeriesStore& store, absl::Time now,
                                 const std::string& namespace_name,
                                 const hpa::LabelSelector& selector,
                                 MetricObservation* out) const {
  absl::StatusOr<std::vector<LabelMatcher>> selected =
      SelectorMatchers(selector);
  if (!selected.ok()) {
    out->error = SelectorError(selected.status());
    return;
  }
  // The adapter's external registry keeps one rule per exposed name: the
  // last one whose series expose it.
  std::string name;
  int chosen = -1;
  for (size_t i = 0; i < external_rules_.size(); ++i) {
    const ExternalRule& r = external_rules_[i];
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (r.series.Matches(s.metric, s.labels) &&
          Expose(compiled_external_[i], s.metric, &name) &&
          name == out->metric) {
        chosen = static_cast<int>(i);
        break;
      }
    }
  }
  if (chosen < 0) {
    out->error = absl::NotFoundError(
        absl::StrCat("no series for external metric ", out->metric,
                     " matches any adapter external rule"));
    return;
  }
  const ExternalRule& r = external_rules_[chosen];
  const CompiledRule& c = compiled_external_[chosen];
  std::vector<double> values;
  std::map<std::vector<std::string>, Combined> groups;
  std::vector<std::string> key;
  for (const SeriesInfo& s : store.Select(r.series.metric)) {
    if (!Expose(c, s.metric, &name) || name != out->metric) continue;
    if (!r.series.Matches(s.metric, s.labels)) continue;
    if (!MatchAll(r.extra_matchers, s.metric, s.labels)) continue;
    if (!MatchAll(*selected, s.metric, s.labels)) continue;
    if (r.namespaced && !namespace_name.empty()) {
      const std::string* ns = FindLabel(s.labels, r.namespace_label);
      if (ns == nullptr || *ns != namespace_name) continue;
    }
    std::optional<double> v = store.Query(s.ref, r.aggregation, r.window, now);
    if (!v.has_value()) continue;  // missing or stale: not returned
    if (r.group == GroupAggregation::kNone) {
      values.push_back(*v);
      continue;
    }
    key.clear();
    for (const std::string& l : r.group_by) {
      const std::string* lv = FindLabel(s.labels, l);
      key.push_back(lv == nullptr ? std::string() : *lv);
    }
    groups[key].Add(*v, r.group);
  }
  for (double v : values) out->AddExternalValue(v, MilliRounding::kTruncate);
  for (const auto& [k, g] : groups) {
    out->AddExternalValue(g.Result(r.group), MilliRounding::kTruncate);
  }
}

void MetricAdapter::FillSpecMetric(const SeriesStore& store, absl::Time now,
                                   const hpa::MetricSpec& metric,
                                   absl::Span<const hpa::Pod> pods,
                                   const std::string& namespace_name,
                                   MetricObservation* out) const {
  if (!ServedByAdapter(metric.type)) return;
  out->metric = metric.name;
  switch (metric.type) {
    case hpa::MetricSourceType::kPods:
      FillPods(store, now, pods, namespace_name, metric.selector, out);
      break;
    case hpa::MetricSourceType::kObject:
      FillObject(store, now, namespace_name, metric.described_object,
                 metric.selector, out);
      break;
    case hpa::MetricSourceType::kExternal:
      FillExternal(store, now, namespace_name, metric.selector, out);
      break;
    default:
      break;
  }
}

void MetricAdapter::FillObservationForSpec(const SeriesStore& store,
                                           absl::Time now,
                                           const hpa::AutoscalerSpec& spec,
                                           Observation* obs) const {
  std::vector<int> spec_obs = MatchLikeEngine(spec, obs->metrics);
  bool appended = false;
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    if (spec_obs[i] < 0 && ServedByAdapter(spec.metrics[i].type)) {
      obs->AddMetric(spec.metrics[i].name);
      appended = true;
    }
  }
  if (appended) spec_obs = MatchLikeEngine(spec, obs->metrics);
  for (size_t i = 0; i < spec.metrics.size(); ++i) {
    const hpa::MetricSpec& m = spec.metrics[i];
    if (!ServedByAdapter(m.type) || spec_obs[i] < 0) continue;
    MetricObservation& o = obs->metrics[spec_obs[i]];
    o = MetricObservation();
    FillSpecMetric(store, now, m, obs->pods, spec.namespace_name, &o);
  }
}

void MetricAdapter::FillObservation(const SeriesStore& store, absl::Time now,
                                    const std::string& namespace_name,
                                    Observation* obs) const {
  for (MetricObservation& m : obs->metrics) {
    if (m.metric.empty()) continue;
    Fill(store, now, obs->pods, namespace_name, &m);
  }
}

// --- YAML --------------------------------------------------------------------

namespace {

std::string At(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  if (m.line < 0) return "";
  return absl::StrCat(" (line ", m.line + 1, ", column ", m.column + 1, ")");
}

absl::Status FieldError(const std::string& field, const YAML::Node& n,
                        absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, At(n), ": ", what));
}

absl::StatusOr<std::string> Scalar(const std::string& field,
                                   const YAML::Node& n) {
  if (!n.IsScalar()) return FieldError(field, n, "must be a string");
  return n.Scalar();
}

absl::Status CheckKeys(const std::string& field, const YAML::Node& n,
                       std::initializer_list<absl::string_view> supported,
                       std::initializer_list<absl::string_view> known_unsupported) {
  if (!n.IsMap()) return FieldError(field, n, "must be a mapping");
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    bool ok = false;
    for (absl::string_view s : supported) ok = ok || key == s;
    if (ok) continue;
    for (absl::string_view s : known_unsupported) {
      if (key == s) {
        return FieldError(absl::StrCat(field, ".", key), kv.first,
                          "not supported by agentscale's adapter rules");
      }
    }
    return FieldError(
        absl::StrCat(field, ".", key), kv.first,
        absl::StrCat("unknown field (supported: ",
                     absl::StrJoin(supported, ", "), ")"));
  }
  return absl::OkStatus();
}

// lowercase letters and digits: "service", "deployments", "ingresses".
bool IsResourceName(const std::string& r) {
  if (r.empty() || !absl::ascii_islower(static_cast<unsigned char>(r[0]))) {
    return false;
  }
  for (char c : r) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// An API group: "apps", "networking.k8s.io".
bool IsGroupName(const std::string& g) {
  for (char c : g) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-') {
      return false;
    }
  }
  return !g.empty();
}

// `resources:` of a rule or an external rule.
struct LoadedResources {
  std::string pod_label;
  std::string namespace_label;
  std::vector<ResourceLabel> object_labels;
  bool from_template = false;
  std::optional<bool> namespaced;  // external rules only
};

absl::Status LoadResources(const std::string& rf, const YAML::Node& res,
                           bool external, LoadedResources* out) {
  if (external) {
    AGENTSCALE_RETURN_IF_ERROR(
        CheckKeys(rf, res, {"overrides", "template", "namespaced"}, {}));
  } else {
    AGENTSCALE_RETURN_IF_ERROR(
        CheckKeys(rf, res, {"overrides", "template"}, {"namespaced"}));
  }
  if (res["template"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::string t,
                                Scalar(rf + ".template", res["template"]));
    if (t != "<<.Resource>>") {
      return FieldError(rf + ".template", res["template"],
                        "only \"<<.Resource>>\" is supported");
    }
    out->pod_label = "pod";
    out->namespace_label = "namespace";
    out->from_template = true;
  }
  if (res["namespaced"]) {
    const YAML::Node ns = res["namespaced"];
    bool value = false;
    if (!ns.IsScalar() || !YAML::convert<bool>::decode(ns, value)) {
      return FieldError(rf + ".namespaced", ns, "must be true or false");
    }
    out->namespaced = value;
  }
  if (res["overrides"]) {
    const YAML::Node ov = res["overrides"];
    if (!ov.IsMap()) {
      return FieldError(rf + ".overrides", ov, "must be a mapping");
    }
    for (const auto& kv : ov) {
      const std::string label = kv.first.Scalar();
      const std::string of = absl::StrCat(rf, ".overrides.", label);
      if (!internal::IsValidLabelName(label)) {
        return FieldError(of, kv.first, "not a valid label name");
      }
      AGENTSCALE_RETURN_IF_ERROR(
          CheckKeys(of, kv.second, {"resource", "group"}, {}));
      std::string g;
      if (kv.second["group"]) {
        AGENTSCALE_ASSIGN_OR_RETURN(g,
                                    Scalar(of + ".group", kv.second["group"]));
      }
      if (!kv.second["resource"]) {
        return FieldError(of, kv.second, "resource is required");
      }
      AGENTSCALE_ASSIGN_OR_RETURN(
          std::string r, Scalar(of + ".resource", kv.second["resource"]));
      const bool pod = r == "pod" || r == "pods";
      const bool ns = r == "namespace" || r == "namespaces";
      if ((pod || ns) && !g.empty()) {
        return FieldError(of + ".group", kv.second["group"],
                          "only the core group (\"\") is supported for pod "
                          "and namespace");
      }
      if (pod) {
        out->pod_label = label;
      } else if (ns) {
        out->namespace_label = label;
      } else if (!IsResourceName(r)) {
        return FieldError(
            of + ".resource", kv.second["resource"],
            absl::StrCat("\"", absl::CHexEscape(r),
                         "\" is not a resource name (lowercase letters and "
                         "digits, e.g. service or deployments)"));
      } else if (!g.empty() && !IsGroupName(g)) {
        return FieldError(of + ".group", kv.second["group"],
                          absl::StrCat("\"", absl::CHexEscape(g),
                                       "\" is not an API group name"));
      } else {
        out->object_labels.push_back(ResourceLabel{label, r, g});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status LoadName(const std::string& field, const YAML::Node& n,
                      std::string* matches, std::string* as) {
  if (!n["name"]) return absl::OkStatus();
  const YAML::Node nm = n["name"];
  AGENTSCALE_RETURN_IF_ERROR(
      CheckKeys(field + ".name", nm, {"matches", "as"}, {}));
  if (nm["matches"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(*matches,
                                Scalar(field + ".name.matches", nm["matches"]));
  }
  if (nm["as"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(*as, Scalar(field + ".name.as", nm["as"]));
  }
  return absl::OkStatus();
}

// A rule's `name` and `metricsQuery` (required), the latter parsed by
// `parse` (pods/object rules and external rules differ there).
template <typename Rule>
absl::Status LoadNameAndQuery(const std::string& field, const YAML::Node& n,
                              absl::Status (*parse)(absl::string_view, Rule*),
                              Rule* rule) {
  AGENTSCALE_RETURN_IF_ERROR(
      LoadName(field, n, &rule->name_matches, &rule->name_as));
  if (!n["metricsQuery"]) {
    return FieldError(field, n, "metricsQuery is required");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string mq, Scalar(field + ".metricsQuery", n["metricsQuery"]));
  absl::Status st = parse(mq, rule);
  if (!st.ok()) {
    return FieldError(field + ".metricsQuery", n["metricsQuery"],
                      st.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<SeriesSelector> LoadSeriesQuery(const std::string& field,
                                               const YAML::Node& n) {
  if (!n["seriesQuery"]) return FieldError(field, n, "seriesQuery is required");
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string sq, Scalar(field + ".seriesQuery", n["seriesQuery"]));
  absl::StatusOr<SeriesSelector> sel = ParseSeriesSelector(sq);
  if (!sel.ok()) {
    return FieldError(field + ".seriesQuery", n["seriesQuery"],
                      sel.status().message());
  }
  return sel;
}

absl::StatusOr<MetricRule> LoadRule(const std::string& field,
                                    const YAML::Node& n) {
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(
      field, n, {"seriesQuery", "resources", "name", "metricsQuery"},
      {"seriesFilters", "labelValueReplacements"}));
  MetricRule rule;
  AGENTSCALE_ASSIGN_OR_RETURN(rule.series, LoadSeriesQuery(field, n));

  if (!n["resources"]) {
    return FieldError(field, n,
                      "resources is required (a label must map to the pod "
                      "resource)");
  }
  const YAML::Node res = n["resources"];
  const std::string rf = field + ".resources";
  LoadedResources loaded;
  AGENTSCALE_RETURN_IF_ERROR(LoadResources(rf, res, /*external=*/false,
                                           &loaded));
  rule.pod_label = loaded.pod_label;
  rule.namespace_label = loaded.namespace_label;
  rule.object_labels = std::move(loaded.object_labels);
  rule.resource_template = loaded.from_template;
  if (rule.pod_label.empty() && rule.object_labels.empty() &&
      !rule.resource_template) {
    return FieldError(rf, res,
                      "no label maps to the pod resource (or to another "
                      "resource, such as service, for Object metrics)");
  }

  AGENTSCALE_RETURN_IF_ERROR(
      LoadNameAndQuery(field, n, &ParseMetricsQuery, &rule));
  return rule;
}

absl::StatusOr<ExternalRule> LoadExternalRule(const std::string& field,
                                              const YAML::Node& n) {
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(
      field, n, {"seriesQuery", "resources", "name", "metricsQuery"},
      {"seriesFilters", "labelValueReplacements"}));
  ExternalRule rule;
  AGENTSCALE_ASSIGN_OR_RETURN(rule.series, LoadSeriesQuery(field, n));

  const std::string rf = field + ".resources";
  if (n["resources"]) {
    LoadedResources loaded;
    AGENTSCALE_RETURN_IF_ERROR(
        LoadResources(rf, n["resources"], /*external=*/true, &loaded));
    rule.namespaced = loaded.namespaced.value_or(true);
    rule.namespace_label = loaded.namespace_label;
  }
  if (rule.namespaced && rule.namespace_label.empty()) {
    // The adapter adds namespace="<the HPA's namespace>" to every query of a
    // namespaced rule and fails when no label stands for the namespace.
    return FieldError(
        n["resources"] ? rf : field, n["resources"] ? n["resources"] : n,
        "namespaced (the default), but no label maps to the namespace "
        "resource: add overrides: {namespace: {resource: namespace}}, or set "
        "namespaced: false");
  }

  AGENTSCALE_RETURN_IF_ERROR(
      LoadNameAndQuery(field, n, &ParseExternalMetricsQuery, &rule));
  return rule;
}

struct LoadedConfig {
  std::vector<MetricRule> rules;
  std::vector<ExternalRule> external_rules;
};

absl::StatusOr<LoadedConfig> LoadRules(absl::string_view yaml) {
  YAML::Node root = YAML::Load(std::string(yaml));
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("adapter config", At(root),
                     ": must be a mapping with a rules: list"));
  }
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys("adapter config", root,
                                       {"rules", "externalRules"},
                                       {"resourceRules"}));
  LoadedConfig out;
  const YAML::Node rules = root["rules"];
  const YAML::Node external = root["externalRules"];
  if (rules || !external) {
    if (!rules || !rules.IsSequence()) {
      return FieldError("rules", rules ? rules : root, "must be a list");
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          MetricRule r, LoadRule(absl::StrCat("rules[", i, "]"), rules[i]));
      out.rules.push_back(std::move(r));
    }
  }
  if (external) {
    if (!external.IsSequence()) {
      return FieldError("externalRules", external, "must be a list");
    }
    for (size_t i = 0; i < external.size(); ++i) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          ExternalRule r,
          LoadExternalRule(absl::StrCat("externalRules[", i, "]"),
                           external[i]));
      out.external_rules.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<MetricAdapter> MetricAdapter::FromConfig(absl::string_view yaml) {
  absl::StatusOr<LoadedConfig> loaded;
  try {
    loaded = LoadRules(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("adapter config: line ", e.mark.line + 1, ", column ",
                     e.mark.column + 1, ": ", e.msg));
  }
  if (!loaded.ok()) return loaded.status();
  return FromRules(std::move(loaded->rules), std::move(loaded->external_rules));
}

absl::StatusOr<MetricAdapter> MetricAdapter::FromConfigFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<MetricAdapter> a = FromConfig(ss.str());
  if (!a.ok()) {
    return absl::Status(a.status().code(),
                        absl::StrCat(path, ": ", a.status().message()));
  }
  return a;
}

}  // namespace agentscale::metrics
