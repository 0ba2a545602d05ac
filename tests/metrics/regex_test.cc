// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Regular expressions with Prometheus' and prometheus-adapter's meaning (RE2,
// Go's regexp syntax): adapter name rules from prometheus-adapter's own
// documentation (docs/config.md, docs/config-walkthrough.md, the default
// rules) and the seed, Go's template expansion for `as`, the anchoring of
// PromQL's =~ and !~, and hostile patterns and values that crashed or hung
// the std::regex implementation (../shared/regressions/README.md).

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/series_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kRegexT0 = absl::FromUnixSeconds(1'700'000'000);

// A rules file with one rule whose name is `name_yaml` (YAML lines under
// `  name:`, or "" for no name), over every series with a pod label.
std::string OneRule(const std::string& name_yaml) {
  return "rules:\n"
         "- seriesQuery: '{__name__=~\".+\",pod!=\"\"}'\n"
         "  resources:\n"
         "    overrides:\n"
         "      pod: {resource: pod}\n" +
         (name_yaml.empty() ? "" : "  name:\n" + name_yaml) +
         "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by "
         "(<<.GroupBy>>)'\n";
}

// YAML single-quoted scalar: backslashes stay as written, ' doubles.
std::string SingleQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// The names the adapter exposes for a store holding one series, `metric`.
absl::StatusOr<std::vector<std::string>> Names(const std::string& config,
                                               const std::string& metric) {
  absl::StatusOr<MetricAdapter> a = MetricAdapter::FromConfig(config);
  if (!a.ok()) return a.status();
  SeriesStore store;
  if (store.Append(metric, {{"pod", "p"}}, kRegexT0, 1) != AppendResult::kOk) {
    return absl::InternalError("append failed");
  }
  return a->MetricNames(store);
}

// --- name.matches / name.as, as prometheus-adapter maps series names --------

struct NamingCase {
  std::string name;
  std::string matches;  // nullopt-like: "<absent>" leaves the key out
  std::string as;       // "<absent>" leaves the key out
  std::string series;
  std::optional<std::string> exposed;  // nullopt: the rule does not match
  friend void PrintTo(const NamingCase& c, std::ostream* os) { *os << c.name; }
};

class AdapterNamingTest : public ::testing::TestWithParam<NamingCase> {};

TEST_P(AdapterNamingTest, ExposesTheNameTheAdapterWould) {
  const NamingCase& c = GetParam();
  std::string name;
  if (c.matches != "<absent>") name += "    matches: " + SingleQuoted(c.matches) + "\n";
  if (c.as != "<absent>") name += "    as: " + SingleQuoted(c.as) + "\n";
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, Names(OneRule(name), c.series));
  if (c.exposed.has_value()) {
    EXPECT_THAT(names, ElementsAre(*c.exposed));
  } else {
    EXPECT_THAT(names, IsEmpty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    PrometheusAdapter, AdapterNamingTest,
    ::testing::ValuesIn(std::vector<NamingCase>{
        // docs/config.md, "Naming".
        {"config_md_per_second", "^(.*)_total$", "${1}_per_second",
         "http_requests_total", "http_requests_per_second"},
        {"config_md_per_second_no_match", "^(.*)_total$", "${1}_per_second",
         "http_requests", std::nullopt},
        // docs/config.md's first rule: one group, `as` left out -> $1.
        {"config_md_container_seconds", "^container_(.*)_seconds_total$", "<absent>",
         "container_cpu_usage_seconds_total", "cpu_usage"},
        {"config_md_container_other", "^container_(.*)_seconds_total$", "<absent>",
         "container_memory_usage_bytes", std::nullopt},
        // docs/config-walkthrough.md: "^(.*)_total", not anchored at the end;
        // the name is `as` expanded, text outside the match is dropped.
        {"walkthrough", "^(.*)_total", "${1}_per_second", "http_requests_total",
         "http_requests_per_second"},
        {"walkthrough_unanchored_end", "^(.*)_total", "${1}_per_second",
         "http_requests_total_count", "http_requests_per_second"},
        // The default rules (as: "" everywhere): matches "" is ".*", $0.
        {"default_rule_empty_matches", "", "", "kube_pod_info", "kube_pod_info"},
        {"default_rule_total", "^(.*)_total$", "", "http_requests_total", "http_requests"},
        {"default_rule_seconds_total", "^(.*)_seconds_total$", "", "process_cpu_seconds_total",
         "process_cpu"},
        {"default_rule_container", "^container_(.*)$", "", "container_fs_usage_bytes",
         "fs_usage_bytes"},
        // No name: at all: every series under its own name.
        {"no_name", "<absent>", "<absent>", "app_active_task_count", "app_active_task_count"},
        // The seed's rule (/work/shared/seed: matches "^(.*)$", as "${1}").
        {"seed", "^(.*)$", "${1}", "app_active_task_count", "app_active_task_count"},
        // Not anchored: a match anywhere in the name, $0 is the match only.
        {"unanchored_no_group", "_total", "", "http_requests_total", "_total"},
        {"unanchored_middle", "requests", "x_$0", "http_requests_total", "x_requests"},
        {"leftmost_first", "(a+)(a*)", "${1}-${2}", "baaa", "aaa-"},
        // Named groups, both forms of reference.
        {"named_braced", "^(?P<base>.*)_total$", "${base}_rate", "http_requests_total",
         "http_requests_rate"},
        {"named_bare", "^(?P<base>.*)_total$", "$base", "http_requests_total",
         "http_requests"},
        // Go 1.22's spelling of a named group.
        {"named_go_spelling", "^(?<base>.*)_total$", "${base}_rate", "http_requests_total",
         "http_requests_rate"},
        {"named_by_number", "^(?P<base>.*)_total$", "${1}", "http_requests_total",
         "http_requests"},
        {"name_starting_with_digit", "^(?P<1x>.*)_total$", "$1x", "a_total", "a"},
        // Go's rule: $1x is the group named "1x", not $1 then "x".
        {"dollar_1x_is_a_name", "^(.*)_total$", "$1x", "http_requests_total", ""},
        {"braced_1_then_x", "^(.*)_total$", "${1}x", "http_requests_total", "http_requestsx"},
        {"dollar_1_underscore_is_a_name", "^(.*)_total$", "$1_per_second",
         "http_requests_total", ""},
        {"missing_group_is_empty", "^(.*)$", "a${2}b", "m", "ab"},
        {"missing_name_is_empty", "^(.*)$", "a${nope}b", "m", "ab"},
        {"leading_zero_is_a_name", "^(.*)$", "<$01>", "m", "<>"},
        {"dollar_dollar", "^(.*)$", "$$1", "m", "$1"},
        {"unclosed_brace_is_text", "^(.*)$", "${1", "m", "${1"},
        {"lone_dollar_is_text", "^(.*)$", "a$", "m", "a$"},
        {"dollar_punct_is_text", "^(.*)$", "$-$1", "m", "$-m"},
        {"group_not_in_match_is_empty", "^(x)?(.*)$", "[$1][$2]", "bc", "[][bc]"},
        // RE2 (Go) syntax that ECMAScript read differently or rejected.
        {"perl_class", "^disk_(\\d+)_total$", "disk${1}", "disk_12_total", "disk12"},
        {"non_capturing", "^(?:node|host)_(.*)$", "", "node_load1", "load1"},
        {"flags_group", "^(?i:HTTP)_(.*)$", "", "http_x", "x"},
        {"posix_class", "^([[:alpha:]]+)_", "", "abc_def", "abc"},
    }),
    [](const ::testing::TestParamInfo<NamingCase>& info) { return info.param.name; });

TEST(AdapterNamingTest, ExternalRulesNameTheSameWay) {
  ASSERT_OK_AND_ASSIGN(MetricAdapter a, MetricAdapter::FromConfig(R"(externalRules:
- seriesQuery: '{__name__=~"^broker_.*_lag$"}'
  resources: {namespaced: false}
  name:
    matches: '^broker_(?P<topic>.*)_lag$'
    as: '${topic}_lag'
  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>})'
)"));
  SeriesStore store;
  ASSERT_EQ(store.Append("broker_orders_lag", {{"queue", "q"}}, kRegexT0, 1), AppendResult::kOk);
  EXPECT_THAT(a.ExternalMetricNames(store), ElementsAre("orders_lag"));
}

// --- errors: the loader's format, <source>:<line>:<column>: <field>: ...

struct NameErrorCase {
  std::string name;
  std::string name_yaml;
  std::string message;
  friend void PrintTo(const NameErrorCase& c, std::ostream* os) { *os << c.name; }
};
class AdapterNameErrorTest : public ::testing::TestWithParam<NameErrorCase> {};
TEST_P(AdapterNameErrorTest, NamesTheFieldAndPosition) {
  EXPECT_THAT(MetricAdapter::FromConfig(OneRule(GetParam().name_yaml)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, AdapterNameErrorTest,
    ::testing::ValuesIn(std::vector<NameErrorCase>{
        {"unbalanced", "    matches: '^(.*'\n",
         "adapter config:7:14: rules[0].name.matches: invalid regular expression "
         "\"^(.*\": missing ): ^(.*"},
        // Lookarounds and backreferences are not RE2 (nor Go).
        {"lookahead", "    matches: '^(?=a)'\n",
         "adapter config:7:14: rules[0].name.matches: invalid regular expression"},
        {"backreference", "    matches: '(a)\\1'\n",
         "adapter config:7:14: rules[0].name.matches: invalid regular expression"},
        {"two_groups_need_as", "    matches: '^(a)_(b)$'\n",
         "adapter config:7:5: rules[0].name.as: required when name.matches has 2 capture "
         "groups"},
        {"too_long", "    matches: '" + std::string(kMaxRegexBytes + 1, 'a') + "'\n",
         "adapter config:7:14: rules[0].name.matches: regular expression of 65537 bytes is "
         "longer than the limit of 65536 bytes (kMaxRegexBytes)"},
        // Ten letter classes of 1,000 each: over RE2's memory budget.
        {"over_the_memory_budget", [] {
           std::string p;
           for (int i = 0; i < 10; ++i) p += "\\pL{1000}";
           return "    matches: '" + p + "'\n";
         }(),
         "adapter config:7:14: rules[0].name.matches: invalid regular expression "
         "\"\\\\pL{1000}"},
        {"over_the_memory_budget_names_it", [] {
           std::string p;
           for (int i = 0; i < 10; ++i) p += "\\pL{1000}";
           return "    matches: '" + p + "'\n";
         }(),
         "pattern too large - compile failed (over the memory budget of 8388608 bytes, "
         "kRegexMaxMemoryBytes)"},
    }),
    [](const ::testing::TestParamInfo<NameErrorCase>& info) { return info.param.name; });

TEST(AdapterNameErrorTest, LongSeriesQueryRegexNamesTheLimit) {
  const std::string config =
      "rules:\n- seriesQuery: 'm{pod=~\"" + std::string(70000, 'a') +
      "\"}'\n  resources:\n    overrides:\n      pod: {resource: pod}\n"
      "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'\n";
  EXPECT_THAT(MetricAdapter::FromConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("adapter config:2:16: rules[0].seriesQuery: "),
                             HasSubstr("regular expression of 70000 bytes is longer than "
                                       "the limit of 65536 bytes"))));
}

// Hand-built rules are checked the same way (without a position).
TEST(AdapterNameErrorTest, CreateChecksNameRules) {
  MetricRule r;
  ASSERT_OK_AND_ASSIGN(r.series, ParseSeriesSelector("m"));
  r.name_matches = "(";
  EXPECT_THAT(MetricAdapter::Create({r}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules[0].name.matches: invalid regular expression \"(\"")));
}

// --- PromQL label matchers: RE2, anchored at both ends -----------------------

struct MatcherCase {
  std::string name;
  std::string selector;
  std::optional<std::string> value;  // nullopt: the label is absent
  bool matches;
  friend void PrintTo(const MatcherCase& c, std::ostream* os) { *os << c.name; }
};
class LabelMatcherRegexTest : public ::testing::TestWithParam<MatcherCase> {};
TEST_P(LabelMatcherRegexTest, MatchesAsPrometheus) {
  const MatcherCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(SeriesSelector s, ParseSeriesSelector(c.selector));
  Labels labels;
  if (c.value.has_value()) labels.push_back({"l", *c.value});
  EXPECT_EQ(s.Matches("m", labels), c.matches);
}

INSTANTIATE_TEST_SUITE_P(
    Anchoring, LabelMatcherRegexTest,
    ::testing::ValuesIn(std::vector<MatcherCase>{
        {"alternation_a", "m{l=~\"a|b\"}", "a", true},
        {"alternation_b", "m{l=~\"a|b\"}", "b", true},
        {"alternation_not_ab", "m{l=~\"a|b\"}", "ab", false},
        {"alternation_not_xa", "m{l=~\"a|b\"}", "xa", false},
        {"alternation_not_bx", "m{l=~\"a|b\"}", "bx", false},
        {"alternation_not_empty", "m{l=~\"a|b\"}", "", false},
        {"not_alternation_a", "m{l!~\"a|b\"}", "a", false},
        {"not_alternation_ab", "m{l!~\"a|b\"}", "ab", true},
        {"not_alternation_absent", "m{l!~\"a|b\"}", std::nullopt, true},
        {"prefix", "m{l=~\"agent-.*\"}", "agent-0", true},
        {"prefix_not_inside", "m{l=~\"agent-.*\"}", "my-agent-0", false},
        {"explicit_anchors", "m{l=~\"^agent$\"}", "agent", true},
        {"empty_matches_empty", "m{l=~\"\"}", "", true},
        {"empty_matches_absent", "m{l=~\"\"}", std::nullopt, true},
        {"empty_not_a", "m{l=~\"\"}", "a", false},
        {"not_empty_empty", "m{l!~\"\"}", "", false},
        {"not_empty_absent", "m{l!~\"\"}", std::nullopt, false},
        {"not_empty_a", "m{l!~\"\"}", "a", true},
        {"dot_star_absent", "m{l=~\".*\"}", std::nullopt, true},
        {"dot_plus_absent", "m{l=~\".+\"}", std::nullopt, false},
        // Prometheus 3 compiles "^(?s:re)$": `.` matches a newline.
        {"dot_matches_newline", "m{l=~\"a.b\"}", "a\nb", true},
        {"named_group", "m{l=~\"(?P<x>a)b\"}", "ab", true},
        {"perl_class", "m{l=~'\\\\d+'}", "123", true},
        {"named_group_go_spelling", "m{l=~\"(?<x>a)b\"}", "ab", true},
        {"class_with_paren_question_lt", "m{l=~\"[(?<]+x\"}", "(?<x", true},
        {"escaped_paren_question_lt", "m{l=~'\\\\(?<x'}", "<x", true},
        {"escape_then_named_group", "m{l=~'\\\\((?<n>a)'}", "(a", true},
        {"class_then_named_group", "m{l=~\"[(?<](?<n>a)\"}", "<a", true},
        {"class_then_named_group_not_p", "m{l=~\"[(?<](?<n>a)\"}", "Pa", false},
        {"case_insensitive", "m{l=~\"(?i)agent\"}", "AGENT", true},
        {"utf8", "m{l=~\"caf.\"}", "caf\xc3\xa9", true},
        {"name_label", "{__name__=~\"m|n\"}", std::nullopt, true},
    }),
    [](const ::testing::TestParamInfo<MatcherCase>& info) { return info.param.name; });

TEST(LabelMatcherRegexTest, APatternCannotEscapeTheAnchors) {
  // "^(?:a)|(b)$" would match "ax"; the pattern is compiled alone and
  // rejected, as Prometheus parses it before wrapping it.
  EXPECT_THAT(ParseSeriesSelector("m{l=~\"a)|(b\"}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid regular expression \"a)|(b\"")));
  EXPECT_THAT(LabelMatcher::Create("l", LabelMatcher::Op::kRegexMatch, "(?=x)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid regular expression")));
}

TEST(LabelMatcherRegexTest, OverLongPatternNamesTheLimit) {
  EXPECT_THAT(LabelMatcher::Create("l", LabelMatcher::Op::kRegexNoMatch,
                                   std::string(kMaxRegexBytes + 10, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("regular expression of 65546 bytes is longer than the "
                                 "limit of 65536 bytes (kMaxRegexBytes)")));
  // At the limit it compiles.
  ASSERT_OK_AND_ASSIGN(LabelMatcher m,
                       LabelMatcher::Create("l", LabelMatcher::Op::kRegexMatch,
                                            std::string(kMaxRegexBytes, 'a')));
  EXPECT_TRUE(m.Matches("m", {{"l", std::string(kMaxRegexBytes, 'a')}}));
}

// --- regressions (../shared/regressions/README.md) ---------------------------

// `(a|a)*b` backtracked exponentially in std::regex (28 characters: > 15 s).
// RE2 is linear: these return at once (the result is asserted, not the time).
TEST(HostileRegexTest, ExponentialBacktrackingPatternReturns) {
  ASSERT_OK_AND_ASSIGN(SeriesSelector s, ParseSeriesSelector("m{pod=~\"(a|a)*b\"}"));
  EXPECT_FALSE(s.Matches("m", {{"pod", std::string(28, 'a')}}));
  EXPECT_FALSE(s.Matches("m", {{"pod", std::string(10000, 'a')}}));
  EXPECT_TRUE(s.Matches("m", {{"pod", std::string(10000, 'a') + "b"}}));

  SeriesStore store;
  for (int n : {28, 10000}) {
    ASSERT_EQ(store.Append("m", {{"pod", std::string(n, 'a')}}, kRegexT0, 1), AppendResult::kOk);
  }
  ASSERT_EQ(store.Append("m", {{"pod", "aab"}}, kRegexT0, 1), AppendResult::kOk);
  std::vector<std::string> kept;
  for (const SeriesInfo& info : store.Select("m")) {
    if (s.Matches(info.metric, info.labels)) kept.push_back(*FindLabel(info.labels, "pod"));
  }
  EXPECT_THAT(kept, ElementsAre("aab"));
}

// std::regex recursed per character of the value: `.*` over a label value of
// ~30,000 characters overflowed the stack.
TEST(HostileRegexTest, LongValuesMatch) {
  ASSERT_OK_AND_ASSIGN(SeriesSelector s, ParseSeriesSelector("m{pod=~\".*\"}"));
  EXPECT_TRUE(s.Matches("m", {{"pod", std::string(200000, 'x')}}));
  ASSERT_OK_AND_ASSIGN(SeriesSelector t, ParseSeriesSelector("m{pod=~\"(x|y)*z\"}"));
  EXPECT_FALSE(t.Matches("m", {{"pod", std::string(200000, 'x')}}));
}

std::string SourceDir() {
  const char* dir = std::getenv("AGENTSCALE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

// A ~100 KB name.matches pattern overflowed the stack (SIGSEGV). It is now
// over kMaxRegexBytes: a clean error at the field's position.
TEST(HostileRegexTest, LongMatchesFileGivesACleanError) {
  const std::string path =
      SourceDir() + "/tests/fuzz/corpus/adapter_rules/adapter_rules_long_matches_segv.yaml";
  EXPECT_THAT(MetricAdapter::FromConfigFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("adapter_rules_long_matches_segv.yaml:17:14: "
                                       "rules[1].name.matches: regular expression of "),
                             HasSubstr("longer than the limit of 65536 bytes"))));
}

// The same pattern just under the limit (60,000 spaces in the group) loads
// and names series, without recursion.
TEST(HostileRegexTest, LongMatchesUnderTheLimitLoads) {
  const std::string matches = "^(" + std::string(60000, ' ') + ".*)$";
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> names,
      Names(OneRule("    matches: '" + matches + "'\n    as: '${1}'\n"), "app_active_task_count"));
  EXPECT_THAT(names, IsEmpty());  // the name does not start with spaces
}

}  // namespace
}  // namespace agentscale::metrics
