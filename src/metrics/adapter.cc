// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/adapter.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

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

absl::Status Unsupported(const Lexer& lx, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported metricsQuery: ", what, " ", lx.Near(), "; ",
      kSupportedQueries));
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
  Lexer lx{query};
  rule->metrics_query = std::string(query);
  rule->group = GroupAggregation::kNone;
  rule->aggregation = Aggregation::kLatest;
  rule->window = absl::ZeroDuration();
  rule->extra_matchers.clear();

  // Optional outer aggregation: AGG(...) by (<<.GroupBy>>) or
  // AGG by (<<.GroupBy>>) (...).
  const size_t save = lx.i;
  const absl::string_view first = lx.Ident(true);
  static const std::map<absl::string_view, GroupAggregation> kGroups = {
      {"sum", GroupAggregation::kSum},
      {"avg", GroupAggregation::kAvg},
      {"max", GroupAggregation::kMax},
      {"min", GroupAggregation::kMin}};
  bool by_first = false;
  if (auto it = kGroups.find(first); it != kGroups.end()) {
    rule->group = it->second;
    if (lx.Consume("by")) {
      if (!lx.Consume("(") || !lx.Consume("<<.GroupBy>>") || !lx.Consume(")")) {
        return Unsupported(lx, "grouping other than by (<<.GroupBy>>)");
      }
      by_first = true;
    }
    if (!lx.Consume("(")) return Unsupported(lx, "expected '('");
  } else {
    lx.i = save;
  }

  // Optional range function.
  const size_t save2 = lx.i;
  const absl::string_view func = lx.Ident(true);
  bool has_func = false;
  if (!func.empty()) {
    if (!lx.Consume("(")) {
      return Unsupported(lx, absl::StrCat("\"", func, "\" without '('"));
    }
    absl::StatusOr<Aggregation> agg = ParseAggregation(func);
    if (!agg.ok()) {
      lx.i = save2;
      return Unsupported(lx, agg.status().message());
    }
    rule->aggregation = *agg;
    has_func = true;
  } else {
    lx.i = save2;
  }

  if (!lx.Consume("<<.Series>>")) {
    return Unsupported(lx, "expected <<.Series>>");
  }
  if (!lx.Consume("{") || !lx.Consume("<<.LabelMatchers>>")) {
    return Unsupported(lx, "expected {<<.LabelMatchers>>} after <<.Series>>");
  }
  if (lx.Consume(",")) {
    AGENTSCALE_RETURN_IF_ERROR(
        ParseMatchers(&lx, &rule->extra_matchers, nullptr));
  } else if (!lx.Consume("}")) {
    return Unsupported(lx, "expected '}' or ',' after <<.LabelMatchers>>");
  }
  if (has_func) {
    if (!lx.Consume("[")) {
      return Unsupported(lx, absl::StrCat(AggregationName(rule->aggregation),
                                          " needs a range [DURATION]"));
    }
    lx.Skip();
    const size_t start = lx.i;
    while (lx.i < lx.s.size() && lx.s[lx.i] != ']') ++lx.i;
    if (lx.i >= lx.s.size()) return Unsupported(lx, "unterminated range");
    absl::StatusOr<absl::Duration> d = ParsePromDuration(
        absl::StripAsciiWhitespace(lx.s.substr(start, lx.i - start)));
    if (!d.ok()) return Unsupported(lx, d.status().message());
    ++lx.i;
    rule->window = *d;
    if (!lx.Consume(")")) return Unsupported(lx, "expected ')'");
  }
  if (rule->group != GroupAggregation::kNone) {
    if (!lx.Consume(")")) return Unsupported(lx, "expected ')'");
    if (!by_first) {
      if (!lx.Consume("by") || !lx.Consume("(") ||
          !lx.Consume("<<.GroupBy>>") || !lx.Consume(")")) {
        return Unsupported(lx, "aggregation needs by (<<.GroupBy>>)");
      }
    }
  }
  if (!lx.done()) return Unsupported(lx, "unexpected text");
  return absl::OkStatus();
}

// --- MetricAdapter -----------------------------------------------------------

absl::StatusOr<MetricAdapter> MetricAdapter::Create(
    std::vector<MetricRule> rules) {
  MetricAdapter a;
  for (size_t i = 0; i < rules.size(); ++i) {
    const MetricRule& r = rules[i];
    const std::string where = absl::StrCat("rules[", i, "]");
    if (r.pod_label.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".resources: no label maps to the pod resource"));
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
    absl::StatusOr<std::shared_ptr<const std::regex>> re =
        CompileRegex(r.name_matches, false);
    if (!re.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".name.matches: ", re.status().message()));
    }
    CompiledRule c;
    c.name_regex = *re;
    if (r.name_as.empty()) {
      const size_t groups = (*re)->mark_count();
      if (groups > 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".name.as: required when name.matches has ", groups,
            " capture groups"));
      }
      c.name_format = groups == 1 ? "$1" : "$0";
    } else {
      c.name_format = ConvertAsTemplate(r.name_as);
    }
    a.compiled_.push_back(std::move(c));
  }
  a.rules_ = std::move(rules);
  return a;
}

bool MetricAdapter::ExposedName(size_t i, const std::string& metric,
                                std::string* out) const {
  std::smatch m;
  if (!std::regex_search(metric, m, *compiled_[i].name_regex)) return false;
  *out = m.format(compiled_[i].name_format);
  return true;
}

void MetricAdapter::RegisterWindows(SeriesStore* store) const {
  for (const MetricRule& r : rules_) {
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

void MetricAdapter::Fill(const SeriesStore& store, absl::Time now,
                         absl::Span<const hpa::Pod> pods,
                         const std::string& namespace_name,
                         MetricObservation* out) const {
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
    for (const SeriesInfo& s : store.Select(r.series.metric)) {
      if (!ExposedName(i, s.metric, &name) || name != out->metric) continue;
      if (!r.series.Matches(s.metric, s.labels)) continue;
      bool extra_ok = true;
      for (const LabelMatcher& m : r.extra_matchers) {
        extra_ok = extra_ok && m.Matches(s.metric, s.labels);
      }
      if (!extra_ok) continue;
      if (!r.namespace_label.empty() && !namespace_name.empty()) {
        const std::string* ns = FindLabel(s.labels, r.namespace_label);
        if (ns == nullptr || *ns != namespace_name) continue;
      }
      any_series = true;
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
    out->AddPodValue(pods[p].name, value, now, a.window);
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

absl::StatusOr<MetricRule> LoadRule(const std::string& field,
                                    const YAML::Node& n) {
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(
      field, n, {"seriesQuery", "resources", "name", "metricsQuery"},
      {"seriesFilters"}));
  MetricRule rule;
  rule.pod_label.clear();
  if (!n["seriesQuery"]) return FieldError(field, n, "seriesQuery is required");
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string sq, Scalar(field + ".seriesQuery", n["seriesQuery"]));
  absl::StatusOr<SeriesSelector> sel = ParseSeriesSelector(sq);
  if (!sel.ok()) {
    return FieldError(field + ".seriesQuery", n["seriesQuery"],
                      sel.status().message());
  }
  rule.series = *std::move(sel);

  if (!n["resources"]) {
    return FieldError(field, n,
                      "resources is required (a label must map to the pod "
                      "resource)");
  }
  const YAML::Node res = n["resources"];
  const std::string rf = field + ".resources";
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(rf, res, {"overrides", "template"}, {}));
  if (res["template"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::string t,
                                Scalar(rf + ".template", res["template"]));
    if (t != "<<.Resource>>") {
      return FieldError(rf + ".template", res["template"],
                        "only \"<<.Resource>>\" is supported");
    }
    rule.pod_label = "pod";
    rule.namespace_label = "namespace";
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
      AGENTSCALE_RETURN_IF_ERROR(CheckKeys(of, kv.second, {"resource", "group"}, {}));
      if (kv.second["group"]) {
        AGENTSCALE_ASSIGN_OR_RETURN(
            std::string g, Scalar(of + ".group", kv.second["group"]));
        if (!g.empty()) {
          return FieldError(of + ".group", kv.second["group"],
                            "only the core group (\"\") is supported");
        }
      }
      if (!kv.second["resource"]) {
        return FieldError(of, kv.second, "resource is required");
      }
      AGENTSCALE_ASSIGN_OR_RETURN(
          std::string r, Scalar(of + ".resource", kv.second["resource"]));
      if (r == "pod" || r == "pods") {
        rule.pod_label = label;
      } else if (r == "namespace" || r == "namespaces") {
        rule.namespace_label = label;
      } else {
        return FieldError(of + ".resource", kv.second["resource"],
                          absl::StrCat("resource \"", r,
                                       "\" is not supported (pod, namespace)"));
      }
    }
  }
  if (rule.pod_label.empty()) {
    return FieldError(rf, res, "no label maps to the pod resource");
  }

  if (n["name"]) {
    const YAML::Node nm = n["name"];
    AGENTSCALE_RETURN_IF_ERROR(CheckKeys(field + ".name", nm, {"matches", "as"}, {}));
    if (nm["matches"]) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          rule.name_matches, Scalar(field + ".name.matches", nm["matches"]));
    }
    if (nm["as"]) {
      AGENTSCALE_ASSIGN_OR_RETURN(rule.name_as,
                                  Scalar(field + ".name.as", nm["as"]));
    }
  }

  if (!n["metricsQuery"]) {
    return FieldError(field, n, "metricsQuery is required");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string mq, Scalar(field + ".metricsQuery", n["metricsQuery"]));
  absl::Status st = ParseMetricsQuery(mq, &rule);
  if (!st.ok()) {
    return FieldError(field + ".metricsQuery", n["metricsQuery"],
                      st.message());
  }
  return rule;
}

absl::StatusOr<std::vector<MetricRule>> LoadRules(absl::string_view yaml) {
  YAML::Node root = YAML::Load(std::string(yaml));
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("adapter config", At(root),
                     ": must be a mapping with a rules: list"));
  }
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(
      "adapter config", root, {"rules"},
      {"externalRules", "resourceRules"}));
  const YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence()) {
    return FieldError("rules", rules ? rules : root, "must be a list");
  }
  std::vector<MetricRule> out;
  for (size_t i = 0; i < rules.size(); ++i) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        MetricRule r, LoadRule(absl::StrCat("rules[", i, "]"), rules[i]));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

absl::StatusOr<MetricAdapter> MetricAdapter::FromConfig(absl::string_view yaml) {
  absl::StatusOr<std::vector<MetricRule>> rules;
  try {
    rules = LoadRules(yaml);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("adapter config: line ", e.mark.line + 1, ", column ",
                     e.mark.column + 1, ": ", e.msg));
  }
  if (!rules.ok()) return rules.status();
  return Create(*std::move(rules));
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
