// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The trace loaders for users' own data: named-column CSV with ISO 8601 or
// epoch timestamps, and Prometheus query_range responses. Bad input is
// checked against its whole error text.

#include "agentscale/sim/trace_io.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::sim {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// --- timestamps ---------------------------------------------------------------

struct TimestampCase {
  std::string name;
  std::string text;
  double want;
};

class TimestampTest : public ::testing::TestWithParam<TimestampCase> {};

TEST_P(TimestampTest, Parses) {
  absl::StatusOr<double> t = ParseTraceTimestamp(GetParam().text);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_DOUBLE_EQ(*t, GetParam().want);
}

// 2024-03-01T12:00:00Z = 1709294400.
INSTANTIATE_TEST_SUITE_P(
    TraceIo, TimestampTest,
    ::testing::ValuesIn(std::vector<TimestampCase>{
        {"EpochInteger", "1709294400", 1709294400},
        {"EpochFloat", "1709294400.25", 1709294400.25},
        {"Relative", "60", 60},
        {"Negative", "-30", -30},
        {"Rfc3339Utc", "2024-03-01T12:00:00Z", 1709294400},
        {"LowercaseZ", "2024-03-01t12:00:00z", 1709294400},
        {"PositiveOffset", "2024-03-01T14:00:00+02:00", 1709294400},
        {"NegativeOffset", "2024-03-01T07:30:00-04:30", 1709294400},
        {"OffsetWithoutColon", "2024-03-01T14:00:00+0200", 1709294400},
        {"Fraction", "2024-03-01T12:00:00.250Z", 1709294400.25},
        {"FractionNanoseconds", "2024-03-01T12:00:00.123456789Z", 1709294400.123456789},
        {"SpaceMeansUtc", "2024-03-01 12:00:00", 1709294400},
        {"NoOffsetMeansUtc", "2024-03-01T12:00:00", 1709294400},
        {"NoSeconds", "2024-03-01T12:00Z", 1709294400},
        {"DateOnly", "2024-03-01", 1709251200},
        {"LeapDay", "2024-02-29T00:00:00Z", 1709164800},
        {"Epoch", "1970-01-01T00:00:00Z", 0},
        {"BeforeEpoch", "1969-12-31T23:59:59Z", -1},
        {"Year9999", "9999-12-31T23:59:59Z", 253402300799},
        {"Spaces", "  1709294400 ", 1709294400},
    }),
    [](const ::testing::TestParamInfo<TimestampCase>& i) { return i.param.name; });

struct BadTimestampCase {
  std::string name;
  std::string text;
  std::string want;
};

class BadTimestampTest : public ::testing::TestWithParam<BadTimestampCase> {};

TEST_P(BadTimestampTest, FailsWithExactMessage) {
  EXPECT_THAT(ParseTraceTimestamp(GetParam().text),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().want));
}

const char kWant[] =
    ": expected epoch seconds or an RFC 3339 / ISO 8601 time such as "
    "2024-03-01T12:00:00Z, 2024-03-01T14:00:00+02:00 or 2024-03-01 12:00:00";
const char kBeyond[] =
    ": beyond the limit of +/-253402300799 seconds (9999-12-31T23:59:59Z); if it is in "
    "milliseconds or nanoseconds since the epoch, convert it to seconds";

INSTANTIATE_TEST_SUITE_P(
    TraceIo, BadTimestampTest,
    ::testing::ValuesIn(std::vector<BadTimestampCase>{
        {"Empty", "", "\"\": empty"},
        {"Word", "yesterday", absl::StrCat("\"yesterday\"", kWant)},
        {"Month13", "2024-13-01T00:00:00Z", "\"2024-13-01T00:00:00Z\": month out of range (01-12)"},
        {"Feb30", "2023-02-29", "\"2023-02-29\": day out of range for 2023-02"},
        {"Hour24", "2024-03-01T24:00:00Z", "\"2024-03-01T24:00:00Z\": hour out of range (00-23)"},
        {"LeapSecond", "2016-12-31T23:59:60Z", "\"2016-12-31T23:59:60Z\": second out of range (00-59)"},
        {"BadOffset", "2024-03-01T12:00:00+2", "\"2024-03-01T12:00:00+2\": bad UTC offset"},
        {"TrailingText", "2024-03-01T12:00:00Zx", absl::StrCat("\"2024-03-01T12:00:00Zx\"", kWant)},
        {"EmptyFraction", "2024-03-01T12:00:00.Z", "\"2024-03-01T12:00:00.Z\": no digits after the decimal point"},
        {"Milliseconds", "1709294400000", absl::StrCat("\"1709294400000\"", kBeyond)},
        {"Huge", "1e300", absl::StrCat("\"1e300\"", kBeyond)},
        {"NaN", "nan", "\"nan\": not a finite number"},
        {"Inf", "inf", "\"inf\": not a finite number"},
    }),
    [](const ::testing::TestParamInfo<BadTimestampCase>& i) { return i.param.name; });

// --- CSV ----------------------------------------------------------------------

struct CsvCase {
  std::string name;
  std::string csv;
  std::string time_column, value_column;
  std::vector<double> times, values;
};

class CsvTest : public ::testing::TestWithParam<CsvCase> {};

TEST_P(CsvTest, Loads) {
  TraceCsvOptions options;
  options.time_column = GetParam().time_column;
  options.value_column = GetParam().value_column;
  absl::StatusOr<Trace> t = ParseTraceCsv(GetParam().csv, options, "t.csv");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->time_seconds, ElementsAreArray(GetParam().times));
  EXPECT_THAT(t->values, ElementsAreArray(GetParam().values));
  EXPECT_EQ(t->name, "t.csv");
}

INSTANTIATE_TEST_SUITE_P(
    TraceIo, CsvTest,
    ::testing::ValuesIn(std::vector<CsvCase>{
        {"ExistingFormat", "timestamp_seconds,value\n0,5\n60,7.5\r\n\n120,0\n", "", "",
         {0, 60, 120}, {5, 7.5, 0}},
        {"TwoColumnsInOrder", "time,tasks\n0,1\n60,2\n", "", "", {0, 60}, {1, 2}},
        {"DefaultNamesAmongMany", "host,value,timestamp_seconds\na,3,10\nb,4,20\n", "", "",
         {10, 20}, {3, 4}},
        {"NamedColumns", "ts,requests,tasks\n2024-03-01T12:00:00Z,7,1\n2024-03-01T12:01:00Z,8,2\n",
         "ts", "tasks", {1709294400, 1709294460}, {1, 2}},
        {"OnlyValueNamed", "when,a,b\n0,1,2\n", "when", "b", {0}, {2}},
        {"IsoWithOffsetAndSpaceForm",
         "time,value\n2024-03-01T14:00:00+02:00,1\n2024-03-01 12:00:30,2\n", "", "",
         {1709294400, 1709294430}, {1, 2}},
        {"QuotedFields", "\"Time\",\"Active, tasks\"\n\"2024-03-01 12:00:00\",\"3\"\n", "Time",
         "Active, tasks", {1709294400}, {3}},
        {"SpacesAroundFields", " time , value \n 0 , 1 \n", "", "", {0}, {1}},
        {"CommentsAnywhere", "# a\ntime,value\n# b\n0,1\n", "", "", {0}, {1}},
        {"EqualTimes", "time,value\n0,1\n0,2\n", "", "", {0, 0}, {1, 2}},
        {"ByteOrderMark", "\xEF\xBB\xBFtime,tasks\n0,1\n", "time", "tasks", {0}, {1}},
    }),
    [](const ::testing::TestParamInfo<CsvCase>& i) { return i.param.name; });

TEST(TraceIoCsv, KeepsCommentsAsProvenance) {
  absl::StatusOr<Trace> t =
      ParseTraceCsv("# source: export\ntime,value\n# note\n0,1\n", TraceCsvOptions{});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->comments, ElementsAre("source: export", "note"));
  EXPECT_EQ(t->name, "<string>");
}

TEST(TraceIoCsv, CsvRoundTripIsExact) {
  Trace t;
  t.time_seconds = {1709294400, 1709294400.125, 1709294460.1};
  t.values = {0.1, 1234567.891, 1e-7};
  const std::string csv = TraceToCsv(t);
  EXPECT_EQ(csv,
            "timestamp_seconds,value\n1709294400,0.1\n1709294400.125,1234567.891\n"
            "1709294460.1,1e-07\n");
  absl::StatusOr<Trace> back = ParseTraceCsv(csv, TraceCsvOptions{});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->time_seconds, t.time_seconds);
  EXPECT_EQ(back->values, t.values);
}

TEST(TraceIoCsv, ReadsWhatTheOriginalLoaderReads) {
  const std::string csv = "# source: test\ntimestamp_seconds,value\n0,5\n60,7.5\n120,0\n";
  absl::StatusOr<Trace> old = ParseTraceCsv(csv, "x.csv");
  absl::StatusOr<Trace> now = ParseTraceCsv(csv, TraceCsvOptions{}, "x.csv");
  ASSERT_TRUE(old.ok() && now.ok());
  EXPECT_EQ(old->time_seconds, now->time_seconds);
  EXPECT_EQ(old->values, now->values);
  EXPECT_EQ(old->comments, now->comments);
  EXPECT_EQ(old->name, now->name);
}

struct BadCsvCase {
  std::string name;
  std::string csv;
  std::string time_column, value_column;
  std::string want;  // the whole message
  size_t max_rows = 20'000'000;
  size_t max_bytes = size_t{256} << 20;
};

class BadCsvTest : public ::testing::TestWithParam<BadCsvCase> {};

TEST_P(BadCsvTest, FailsWithExactMessage) {
  TraceCsvOptions options;
  options.time_column = GetParam().time_column;
  options.value_column = GetParam().value_column;
  options.max_rows = GetParam().max_rows;
  options.max_bytes = GetParam().max_bytes;
  EXPECT_THAT(ParseTraceCsv(GetParam().csv, options, "w.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().want));
}

INSTANTIATE_TEST_SUITE_P(
    TraceIo, BadCsvTest,
    ::testing::ValuesIn(std::vector<BadCsvCase>{
        {"NoHeader", "# c\n", "", "", "w.csv: no header line found"},
        {"HeaderIsData", "0,1\n", "", "",
         "w.csv:1: expected a header naming the columns (such as timestamp_seconds,value), "
         "got \"0,1\""},
        {"NoRows", "time,value\n", "", "", "w.csv: the trace has no rows"},
        {"ThreeColumnsUnnamed", "a,b,c\n0,1,2\n", "", "",
         "w.csv:1: header: no column \"timestamp_seconds\" and 3 columns (a, b, c); name the "
         "time column (time_column, --time-column)"},
        {"DuplicateHeader", "t,t\n0,1\n", "", "",
         "w.csv:1: header: column \"t\" appears twice"},
        {"EmptyHeaderName", "t,\n0,1\n", "", "", "w.csv:1: header: column 2 has no name"},
        {"UnclosedQuote", "t,v\n\"0,1\n", "", "",
         "w.csv:2: field 1: a quote is not closed on this line"},
        {"TextAfterQuote", "t,v\n\"0\"x,1\n", "", "", "w.csv:2: field 1: text after the closing quote"},
        {"FieldCount", "t,v\n0,1,2\n", "", "",
         "w.csv:2: expected 2 comma-separated fields (as in the header), got 3"},
        {"BadTime", "t,v\n0,1\nnoon,2\n", "", "",
         absl::StrCat("w.csv:3: t: \"noon\"", kWant)},
        {"MillisecondTime", "t,v\n1709294400000,2\n", "", "",
         absl::StrCat("w.csv:2: t: \"1709294400000\"", kBeyond)},
        {"ValueNotNumber", "t,tasks\n0,abc\n", "", "", "w.csv:2: tasks: not a finite number: \"abc\""},
        {"ValueEmpty", "t,tasks\n0,\n", "", "", "w.csv:2: tasks: not a finite number: \"\""},
        {"ValueNaN", "t,tasks\n0,NaN\n", "", "", "w.csv:2: tasks: not a finite number: \"NaN\""},
        {"ValueInf", "t,tasks\n0,inf\n", "", "", "w.csv:2: tasks: not a finite number: \"inf\""},
        {"ValueOverflow", "t,tasks\n0,1e400\n", "", "", "w.csv:2: tasks: not a finite number: \"1e400\""},
        {"ValueNegative", "t,tasks\n0,-1\n", "", "", "w.csv:2: tasks: must not be negative, got -1"},
        {"Backwards", "t,v\n2024-03-01T12:00:00Z,1\n2024-03-01T11:00:00Z,1\n", "", "",
         "w.csv:3: t: 2024-03-01T11:00:00Z is before the previous row's 2024-03-01T12:00:00Z "
         "(rows must be in time order)"},
        {"TooManyRows", "t,v\n0,1\n1,1\n2,1\n", "", "",
         "w.csv:4: more than 2 rows (the limit, max_rows)", 2},
        {"TooManyBytes", "t,v\n0,1\n", "", "",
         "w.csv: the input is 8 bytes, over the limit of 4 bytes (max_bytes)", 10, 4},
    }),
    [](const ::testing::TestParamInfo<BadCsvCase>& i) { return i.param.name; });

TEST(TraceIoCsv, MissingNamedColumnListsTheColumns) {
  TraceCsvOptions o;
  o.time_column = "a";
  o.value_column = "tasks";
  EXPECT_THAT(ParseTraceCsv("a,b,c\n0,1,2\n", o, "w.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "w.csv:1: header: no value column \"tasks\" (columns: a, b, c)"));
  o.value_column = "a";
  EXPECT_THAT(ParseTraceCsv("a,b\n0,1\n", o, "w.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "w.csv:1: header: the time and value columns are both \"a\""));
}

std::string TempFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(TraceIoCsv, LoadsFilesAndBoundsTheirSize) {
  const std::string path = TempFile("named.csv", "time,tasks\n0,1\n60,2\n");
  TraceCsvOptions o;
  absl::StatusOr<Trace> t = LoadTraceCsv(path, o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, ElementsAre(1, 2));
  o.max_bytes = 10;
  EXPECT_THAT(LoadTraceCsv(path, o),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat(path, ": the file is 20 bytes, over the limit of 10 bytes "
                                          "(max_bytes)")));
  EXPECT_THAT(LoadTraceCsv("/nonexistent/t.csv", o),
              StatusIs(absl::StatusCode::kNotFound, "cannot open trace file /nonexistent/t.csv"));
}

// --- Prometheus query_range ---------------------------------------------------

// A query_range body with the given result array.
std::string Matrix(const std::string& result) {
  return absl::StrCat(R"({"status":"success","data":{"resultType":"matrix","result":[)", result,
                      "]}}");
}
std::string Series(const std::string& labels, const std::string& values) {
  return absl::StrCat(R"({"metric":{)", labels, R"(},"values":[)", values, "]}");
}

const std::string kAgent0 = Series(R"("__name__":"tasks","pod":"agent-0")",
                                   R"([1709294400,"1"],[1709294415,"2"],[1709294430,"3"])");
const std::string kAgent1 = Series(R"("__name__":"tasks","pod":"agent-1")",
                                   R"([1709294400,"10"],[1709294430,"30"])");

struct PromCase {
  std::string name;
  std::string json;
  PrometheusTraceOptions options;
  std::vector<double> times, values;
  std::vector<std::string> comments;
};

PrometheusTraceOptions Opt(std::string match, bool sum,
                           PrometheusTraceOptions::Gaps gaps = PrometheusTraceOptions::Gaps::kError,
                           PrometheusTraceOptions::NonFinite nf =
                               PrometheusTraceOptions::NonFinite::kError,
                           double step = 0) {
  PrometheusTraceOptions o;
  o.match = std::move(match);
  o.sum_series = sum;
  o.gaps = gaps;
  o.non_finite = nf;
  o.step_seconds = step;
  return o;
}

class PromTest : public ::testing::TestWithParam<PromCase> {};

TEST_P(PromTest, Loads) {
  absl::StatusOr<Trace> t = ParsePrometheusTrace(GetParam().json, GetParam().options, "r.json");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->time_seconds, ElementsAreArray(GetParam().times));
  EXPECT_THAT(t->values, ElementsAreArray(GetParam().values));
  EXPECT_THAT(t->comments, ElementsAreArray(GetParam().comments));
}

using Gaps = PrometheusTraceOptions::Gaps;
using NonFinite = PrometheusTraceOptions::NonFinite;
const double T0 = 1709294400;

INSTANTIATE_TEST_SUITE_P(
    TraceIo, PromTest,
    ::testing::ValuesIn(std::vector<PromCase>{
        {"OneSeries", Matrix(kAgent0), {}, {T0, T0 + 15, T0 + 30}, {1, 2, 3},
         {"source: Prometheus query_range response r.json", "series: tasks{pod=\"agent-0\"}",
          "step: 15 s"}},
        {"MatcherPicksOne", Matrix(kAgent0 + "," + kAgent1), Opt("pod=\"agent-0\"", false),
         {T0, T0 + 15, T0 + 30}, {1, 2, 3},
         {"source: Prometheus query_range response r.json", "series: tasks{pod=\"agent-0\"}",
          "step: 15 s"}},
        {"NotEqualMatcherAndBraces", Matrix(kAgent0 + "," + kAgent1),
         Opt("{pod!=\"agent-0\"}", false, Gaps::kZero), {T0, T0 + 15, T0 + 30}, {10, 0, 30},
         {"source: Prometheus query_range response r.json", "series: tasks{pod=\"agent-1\"}",
          "step: 15 s", "gaps: 1 steps without a point set to 0"}},
        {"SumPerTimestamp", Matrix(kAgent0 + "," + kAgent1), Opt("", true),
         {T0, T0 + 15, T0 + 30}, {11, 2, 33},
         {"source: Prometheus query_range response r.json", "series: the sum of 2 series",
          "step: 15 s"}},
        {"GapHold", Matrix(Series("", R"([0,"5"],[30,"7"])")), Opt("", false, Gaps::kHold, NonFinite::kError, 15),
         {0, 15, 30}, {5, 5, 7},
         {"source: Prometheus query_range response r.json", "series: {}", "step: 15 s",
          "gaps: 1 steps without a point hold the previous value"}},
        {"NaNSkippedThenZero", Matrix(Series("", R"([0,"5"],[15,"NaN"],[30,"+Inf"],[45,"1"])")),
         Opt("", false, Gaps::kZero, NonFinite::kSkip), {0, 15, 30, 45}, {5, 0, 0, 1},
         {"source: Prometheus query_range response r.json", "series: {}", "step: 15 s",
          "gaps: 2 steps without a point set to 0", "dropped: 2 NaN or Inf points"}},
        {"SinglePoint", Matrix(Series("", R"([100.5,"2.5"])")), {}, {100.5}, {2.5},
         {"source: Prometheus query_range response r.json", "series: {}", "step: 0 s"}},
        {"FloatTimestamps", Matrix(Series("", R"([0.5,"1"],[1.0,"2"],[1.5,"3e0"])")), {},
         {0.5, 1.0, 1.5}, {1, 2, 3},
         {"source: Prometheus query_range response r.json", "series: {}", "step: 0.5 s"}},
    }),
    [](const ::testing::TestParamInfo<PromCase>& i) { return i.param.name; });

struct BadPromCase {
  std::string name;
  std::string json;
  PrometheusTraceOptions options;
  std::string want;
};

class BadPromTest : public ::testing::TestWithParam<BadPromCase> {};

TEST_P(BadPromTest, FailsWithExactMessage) {
  EXPECT_THAT(ParsePrometheusTrace(GetParam().json, GetParam().options, "r.json"),
              StatusIs(absl::StatusCode::kInvalidArgument, GetParam().want));
}

PrometheusTraceOptions Small(size_t max_bytes, size_t max_points) {
  PrometheusTraceOptions o;
  o.max_bytes = max_bytes;
  o.max_points = max_points;
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    TraceIo, BadPromTest,
    ::testing::ValuesIn(std::vector<BadPromCase>{
        {"ServerError",
         R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error"})",
         {},
         "r.json: Prometheus reported an error: bad_data: invalid parameter \"query\": 1:5: "
         "parse error"},
        {"ServerErrorWithoutText", R"({"status":"error"})", {},
         "r.json: Prometheus reported an error: (no errorType or error given)"},
        {"NotJson", "{\"status\":", {},
         "r.json: not valid JSON: parse error at line 1, column 11: syntax error while parsing "
         "value - unexpected end of input; expected '[', '{', or a literal"},
        {"NotObject", "[]", {}, "r.json: not a Prometheus API response (expected a JSON object)"},
        {"NoStatus", "{}", {}, "r.json: not a Prometheus API response (no \"status\" string)"},
        {"OddStatus", R"({"status":"maybe"})", {},
         "r.json: \"status\" is \"maybe\"; want \"success\" or \"error\""},
        {"Vector", R"({"status":"success","data":{"resultType":"vector","result":[]}})", {},
         "r.json: data.resultType is \"vector\"; a trace needs a range query's \"matrix\" "
         "(/api/v1/query_range, not /api/v1/query)"},
        {"NoSeries", Matrix(""), {}, "r.json: the query returned no series (an empty result)"},
        {"SeveralSeries", Matrix(kAgent0 + "," + kAgent1), {},
         "r.json: the response has 2 series (tasks{pod=\"agent-0\"}, tasks{pod=\"agent-1\"}); "
         "pick one with a label matcher (match, --match; e.g. {pod=\"agent-0\"}) or sum them "
         "per timestamp (sum_series, --sum)"},
        {"MatcherMatchesNothing", Matrix(kAgent0 + "," + kAgent1), Opt("pod=\"agent-9\"", false),
         "r.json: no series matches pod=\"agent-9\"; the 2 series: tasks{pod=\"agent-0\"}, "
         "tasks{pod=\"agent-1\"}"},
        {"RegexMatcher", Matrix(kAgent0), Opt("pod=~\"agent-.*\"", false),
         "match \"pod=~\"agent-.*\"\": regular-expression matchers are not supported "
         "(expected label matchers such as pod=\"agent-0\" or a=\"x\",b!=\"y\")"},
        {"BadMatcher", Matrix(kAgent0), Opt("pod", false),
         "match \"pod\": expected = or != after pod (expected label matchers such as "
         "pod=\"agent-0\" or a=\"x\",b!=\"y\")"},
        {"Gap", Matrix(Series(R"("pod":"a")", R"([0,"1"],[15,"1"],[60,"1"])")), {},
         "r.json: no point from 30 to 45 (2 steps of 15 s; the series was stale or absent); "
         "fill gaps with zero or hold the last value (gaps, --gaps zero|hold)"},
        {"NaN", Matrix(Series(R"("pod":"a")", R"([1709294400,"NaN"])")), {},
         "r.json: series {pod=\"a\"} at 1709294400: value NaN is not finite; drop such points "
         "with non_finite=skip (--non-finite skip)"},
        {"AllNaNSkipped", Matrix(Series("", R"([0,"NaN"])")),
         Opt("", false, Gaps::kError, NonFinite::kSkip),
         "r.json: no finite points (1 NaN or Inf dropped)"},
        {"Negative", Matrix(Series("", R"([0,"-2"])")), {},
         "r.json: series {} at 0: value -2 is negative; a trace holds demand levels or counts"},
        {"ValueNotString", Matrix(Series("", R"([0,2])")), {},
         "r.json: series {}: values[0] is not [<unix seconds>, \"<value>\"]"},
        {"ValueNotNumber", Matrix(Series("", R"([0,"x"])")), {},
         "r.json: series {} at 0: value \"x\" is not a number"},
        {"AbsurdTimestamp", Matrix(Series("", R"([1e300,"1"])")), {},
         "r.json: series {}: values[0]: timestamp 1e+300 is beyond the limit of "
         "+/-253402300799 seconds (9999-12-31T23:59:59Z)"},
        {"TooManySteps", Matrix(Series("", R"([0,"1"],[0.001,"1"],[100000,"1"])")), {},
         "r.json: from 0 to 100000 every 0.001 s is more than 10000000 steps (the limit, "
         "max_points)"},
        {"OffGrid", Matrix(Series("", R"([0,"1"],[20,"1"])")),
         Opt("", false, Gaps::kZero, NonFinite::kError, 15),
         "r.json: timestamp 20 is not on the 15 s step grid that starts at 0 (step_seconds, "
         "--trace-step)"},
        {"OffGridAcrossSeries",
         Matrix(Series(R"("pod":"a")", R"([0,"1"],[15,"1"],[30,"1"])") + "," +
                Series(R"("pod":"b")", R"([7,"1"],[22,"1"])")),
         Opt("", true, Gaps::kZero),
         "r.json: timestamp 15 is not on the 7 s step grid that starts at 0 (step_seconds, "
         "--trace-step)"},
        {"DuplicatePoint", Matrix(Series(R"("pod":"a")", R"([0,"1"],[0,"2"],[15,"1"])")), {},
         "r.json: series {pod=\"a\"} has two points at 0"},
        {"TooManyBytes", Matrix(kAgent0), Small(10, 100),
         "r.json: the input is 172 bytes, over the limit of 10 bytes (max_bytes)"},
        {"TooManyPoints", Matrix(kAgent0), Small(1000, 2),
         "r.json: more than 2 points in the response (the limit, max_points)"},
        {"LabelNotString", Matrix(Series(R"("pod":1)", R"([0,"1"])")), {},
         "r.json: data.result[0].metric.pod is not a string"},
        {"Histograms", Matrix(R"({"metric":{},"histograms":[]})"), {},
         "r.json: data.result[0] has native histograms, not float values; query a float series"},
    }),
    [](const ::testing::TestParamInfo<BadPromCase>& i) { return i.param.name; });

TEST(TraceIoPrometheus, LoadsSavedResponses) {
  const std::string path = TempFile("range.json", Matrix(kAgent0));
  absl::StatusOr<Trace> t = LoadPrometheusTrace(path, {});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->values, ElementsAre(1, 2, 3));
  EXPECT_EQ(t->name, path);
}

}  // namespace
}  // namespace agentscale::sim
