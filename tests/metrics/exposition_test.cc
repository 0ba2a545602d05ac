// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The Prometheus text format 0.0.4 parser: what it accepts, and its errors
// (table-driven, each with its line number and the quoted line).

#include "agentscale/metrics/exposition.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ExpositionTest, SeedAgentPage) {
  const char* text =
      "# HELP app_active_task_count Tasks the agent is working on.\n"
      "# TYPE app_active_task_count gauge\n"
      "app_active_task_count 7\n"
      "# HELP app_active_request_count Requests in flight.\n"
      "# TYPE app_active_request_count gauge\n"
      "app_active_request_count{route=\"/v1/run\"} 3 1700000000000\n";
  ASSERT_OK_AND_ASSIGN(Exposition e, ParseExposition(text));
  ASSERT_EQ(e.samples.size(), 2u);
  EXPECT_EQ(e.samples[0].name, "app_active_task_count");
  EXPECT_EQ(e.samples[0].type, MetricType::kGauge);
  EXPECT_EQ(e.samples[0].value, 7);
  EXPECT_EQ(e.samples[0].timestamp_ms, std::nullopt);
  EXPECT_THAT(e.samples[1].labels, ElementsAre(Label{"route", "/v1/run"}));
  EXPECT_EQ(e.samples[1].timestamp_ms, 1700000000000);
  EXPECT_THAT(
      e.families,
      ElementsAre(FamilyInfo{"app_active_task_count", MetricType::kGauge,
                             "Tasks the agent is working on."},
                  FamilyInfo{"app_active_request_count", MetricType::kGauge,
                             "Requests in flight."}));
}

TEST(ExpositionTest, EscapesSpecialValuesAndLayout) {
  const char* text =
      "# A plain comment\n"
      "\n"
      "  \t\n"
      "# HELP esc A \\\\ backslash\\nand a newline\n"
      "esc{a=\"x\\\\y\",b=\"say \\\"hi\\\"\",c=\"l1\\nl2\",} 1\r\n"
      "spaced { a = \"1\" , b=\"2\" }   -2.5e3    -17  \n"
      "nan NaN\n"
      "pinf +Inf\n"
      "ninf -Inf\n"
      "empty{} 0\n"
      "utf{name=\"caf\xc3\xa9 \xe2\x82\xac\"} 1\n";
  ASSERT_OK_AND_ASSIGN(Exposition e, ParseExposition(text));
  ASSERT_EQ(e.samples.size(), 7u);
  EXPECT_THAT(e.samples[0].labels,
              ElementsAre(Label{"a", "x\\y"}, Label{"b", "say \"hi\""},
                          Label{"c", "l1\nl2"}));
  EXPECT_EQ(e.families[0].help, "A \\ backslash\nand a newline");
  EXPECT_THAT(e.samples[1].labels,
              ElementsAre(Label{"a", "1"}, Label{"b", "2"}));
  EXPECT_EQ(e.samples[1].value, -2500);
  EXPECT_EQ(e.samples[1].timestamp_ms, -17);
  EXPECT_TRUE(std::isnan(e.samples[2].value));
  EXPECT_EQ(e.samples[3].value, HUGE_VAL);
  EXPECT_EQ(e.samples[4].value, -HUGE_VAL);
  EXPECT_TRUE(e.samples[5].labels.empty());
  EXPECT_EQ(e.samples[6].labels[0].value, "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(ExpositionTest, HistogramAndSummaryFamilies) {
  const char* text =
      "# TYPE rpc_seconds histogram\n"
      "rpc_seconds_bucket{le=\"0.1\"} 3\n"
      "rpc_seconds_bucket{le=\"+Inf\"} 5\n"
      "rpc_seconds_sum 0.7\n"
      "rpc_seconds_count 5\n"
      "# TYPE lat summary\n"
      "lat{quantile=\"0.99\"} 0.2\n"
      "lat_sum 4\n"
      "lat_count 10\n"
      "# TYPE jobs_total counter\n"
      "jobs_total 12\n"
      "other_count 1\n";
  ASSERT_OK_AND_ASSIGN(Exposition e, ParseExposition(text));
  ASSERT_EQ(e.samples.size(), 9u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(e.samples[i].family, "rpc_seconds");
    EXPECT_EQ(e.samples[i].type, MetricType::kHistogram);
  }
  for (int i = 4; i < 7; ++i) {
    EXPECT_EQ(e.samples[i].family, "lat");
    EXPECT_EQ(e.samples[i].type, MetricType::kSummary);
  }
  EXPECT_EQ(e.samples[7].type, MetricType::kCounter);
  EXPECT_EQ(e.samples[8].family, "other_count");
  EXPECT_EQ(e.samples[8].type, MetricType::kUntyped);
}

struct ErrorCase {
  std::string name;
  std::string text;
  int line;
  std::string message;
  friend void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }
};

class ExpositionErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ExpositionErrorTest, NamesLineAndProblem) {
  const ErrorCase& c = GetParam();
  EXPECT_THAT(ParseExposition(c.text),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("line " + std::to_string(c.line) +
                                        ": "),
                             HasSubstr(c.message))));
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ExpositionErrorTest,
    ::testing::ValuesIn(std::vector<ErrorCase>{
        {"bad_metric_name", "ok 1\n1abc 2\n", 2, "invalid metric name: \"1abc 2\""},
        {"missing_value", "a 1\n\nb\n", 3, "missing value for b"},
        {"bad_value", "a one\n", 1, "invalid value \"one\" for a"},
        {"bad_timestamp", "a 1 12.5\n", 1, "invalid timestamp \"12.5\""},
        {"trailing_text", "a 1 2 3\n", 1, "unexpected text after the timestamp"},
        {"bad_label_name", "a{1x=\"v\"} 1\n", 1, "invalid label name at column 3"},
        {"missing_equals", "a{x \"v\"} 1\n", 1, "expected '=' after label name x"},
        {"unquoted_value", "a{x=v} 1\n", 1, "expected '\"' to start the value of label x"},
        {"unterminated_value", "a{x=\"v} 1\n", 1, "unterminated value of label x"},
        {"unterminated_set", "a{x=\"v\"\n", 1, "unterminated label set"},
        {"missing_comma", "a{x=\"v\" y=\"w\"} 1\n", 1, "expected ',' or '}'"},
        {"bad_escape", "a{x=\"\\q\"} 1\n", 1, "invalid escape sequence \"\\\\q\" in the value of label x"},
        {"duplicate_label", "a{x=\"1\",x=\"2\"} 1\n", 1, "duplicate label name x"},
        {"unknown_type", "# TYPE a countr\n", 1, "unknown metric type \"countr\""},
        {"second_type", "# TYPE a gauge\n# TYPE a counter\n", 2, "second TYPE line for metric a"},
        {"type_after_samples", "a 1\n# TYPE a gauge\n", 2, "TYPE line for metric a after its samples"},
        {"second_help", "# HELP a x\n# HELP a y\n", 2, "second HELP line for metric a"},
        {"bad_help_escape", "# HELP a bad \\t\n", 1, "invalid escape sequence"},
        {"bad_type_name", "# TYPE 9a gauge\n", 1, "invalid metric name in TYPE line"},
        {"histogram_plain_sample", "# TYPE h histogram\nh 1\n", 2, "sample name must end in _bucket"},
        {"histogram_bucket_without_le", "# TYPE h histogram\nh_bucket 1\n", 2, "numeric \"le\" label"},
        {"histogram_bucket_bad_le", "# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", 2, "numeric \"le\" label"},
        {"summary_without_quantile", "# TYPE s summary\ns 1\n", 2, "numeric \"quantile\" label"},
        {"binary_garbage", std::string("a 1\n\x01\xff\x00 2\n", 10), 2, "invalid metric name: \"\\x01\\xff\\x00 2\""},
        // UTF-8, as Prometheus: label values and HELP text must be
        // well-formed (Go's utf8.Valid). The quoted line shows the bytes.
        {"utf8_stray_continuation", "a 1\nb{x=\"ok\xff\"} 1\n", 2, "invalid UTF-8 in the value of label x (byte 3 of the value): \"b{x=\\\"ok\\xff"},
        {"utf8_overlong", "a{x=\"\xc0\xaf\"} 1\n", 1, "invalid UTF-8 in the value of label x (byte 1 of"},
        {"utf8_overlong_3byte", "a{x=\"\xe0\x80\xaf\"} 1\n", 1, "invalid UTF-8 in the value of label x"},
        {"utf8_surrogate", "a{y=\"v\",x=\"-\xed\xa0\x80\"} 1\n", 1, "invalid UTF-8 in the value of label x (byte 2 of"},
        {"utf8_above_max", "a{x=\"\xf4\x90\x80\x80\"} 1\n", 1, "invalid UTF-8 in the value of label x"},
        {"utf8_truncated", "a{x=\"\xe2\x82\"} 1\n", 1, "invalid UTF-8 in the value of label x"},
        {"utf8_latin1_after_escape", "a{x=\"\\\"caf\xe9\"} 1\n", 1, "invalid UTF-8 in the value of label x (byte 6 of"},
        {"utf8_help", "# HELP a 1\n# HELP b caf\xe9\n", 2, "invalid UTF-8 in the HELP text of metric b (byte 4 of the text)"},
    }),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      return info.param.name;
    });

TEST(ExpositionTest, AcceptsWellFormedUtf8) {
  // 2-, 3- and 4-byte forms and the edges around the excluded ranges:
  // U+00E9, U+65E5, U+1F600, U+10FFFF (the last code point), U+D7FF (just
  // below the surrogates) and U+E000 (just above them).
  const std::string value =
      "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf "
      "\xed\x9f\xbf \xee\x80\x80";
  ASSERT_OK_AND_ASSIGN(
      Exposition e,
      ParseExposition("# HELP a \xe2\x9c\x93 done\na{x=\"" + value + "\"} 1\n"));
  ASSERT_EQ(e.samples.size(), 1u);
  EXPECT_THAT(e.samples[0].labels, ElementsAre(Label{"x", value}));
  ASSERT_EQ(e.families.size(), 1u);
  EXPECT_EQ(e.families[0].help, "\xe2\x9c\x93 done");
  // Plain comments are not checked (Prometheus skips them too).
  EXPECT_OK(ParseExposition("# caf\xe9\na 1\n").status());
}

TEST(ExpositionTest, LongLinesAreQuotedShortened) {
  const std::string text = "a " + std::string(500, 'x') + "\n";
  absl::StatusOr<Exposition> e = ParseExposition(text);
  ASSERT_FALSE(e.ok());
  EXPECT_LT(e.status().message().size(), 300u);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("...\""));
}

TEST(ExpositionTest, RandomBytesNeverCrash) {
  // A cheap stand-in for the fuzzer in every build: mutated valid pages.
  const std::string seed =
      "# TYPE h histogram\nh_bucket{le=\"1\",a=\"x\\\\\\n\\\"\"} 3 17\n"
      "h_sum 1\nh_count 3\n# HELP g x\\ny\ng{a=\"b\",} NaN\n";
  std::mt19937 rng(7);
  int ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[pos] = static_cast<char>(rng());
          break;
        case 1:
          s.erase(pos, 1 + rng() % 3);
          break;
        default:
          s.insert(pos, 1, "{}\"\\=,# \n"[rng() % 9]);
      }
      if (s.empty()) s = "x";
    }
    if (ParseExposition(s).ok()) ++ok;
  }
  EXPECT_GT(ok, 0);
}

TEST(ExpositionTest, AppendExpositionAddsTargetLabels) {
  SeriesStore store;
  const absl::Time t = absl::FromUnixSeconds(1'700'000'000);
  ASSERT_OK_AND_ASSIGN(
      AppendCounts c,
      AppendExposition("app_active_task_count{pod=\"inner\"} 7\n"
                       "app_active_request_count 3 1699999999000\n",
                       {{"pod", "agent-0"}, {"namespace", "ml"}}, t, &store));
  EXPECT_EQ(c.appended, 2);
  std::optional<SeriesRef> tasks = store.Find(
      "app_active_task_count",
      {{"pod", "agent-0"}, {"namespace", "ml"}, {"exported_pod", "inner"}});
  ASSERT_TRUE(tasks.has_value());
  EXPECT_EQ(store.Latest(*tasks, t), std::optional<double>(7));
  std::optional<SeriesRef> req = store.Find(
      "app_active_request_count", {{"pod", "agent-0"}, {"namespace", "ml"}});
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(store.Samples(*req)[0].timestamp_ms, 1699999999000);

  EXPECT_THAT(AppendExposition("ok 1\nbad\n", {}, t, &store),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 2")));
  EXPECT_EQ(store.Find("ok", {}), std::nullopt);  // nothing appended

  // Invalid UTF-8 in a label value fails the whole page, too.
  EXPECT_THAT(AppendExposition("ok 1\nx{a=\"\xff\"} 1\n", {}, t, &store),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 2: invalid UTF-8")));
  EXPECT_EQ(store.Find("ok", {}), std::nullopt);
}

}  // namespace
}  // namespace agentscale::metrics
