// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// SeriesStore: window functions with Prometheus' semantics (table-driven),
// staleness, ordering rules, retention and garbage collection.

#include "agentscale/metrics/series_store.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Optional;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);
const int64_t kT0Ms = ToMillis(kT0);
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// --- window functions, table-driven ------------------------------------------

struct WindowCase {
  std::string name;
  Aggregation aggregation;
  // (seconds after kT0, value)
  std::vector<std::pair<double, double>> samples;
  double now_s;
  double window_s;
  std::optional<double> want;  // nullopt: no result; NaN compares as NaN
  // The cases are Prometheus 2.x's answers (closed ranges) unless marked 3.
  PrometheusVersion version = PrometheusVersion::k2;
  friend void PrintTo(const WindowCase& c, std::ostream* os) { *os << c.name; }
};

std::vector<Sample> ToSamples(const std::vector<std::pair<double, double>>& v) {
  std::vector<Sample> out;
  for (const auto& [t, x] : v) {
    out.push_back(Sample{kT0Ms + static_cast<int64_t>(t * 1000), x});
  }
  return out;
}

class WindowTest : public ::testing::TestWithParam<WindowCase> {};

TEST_P(WindowTest, MatchesPrometheus) {
  const WindowCase& c = GetParam();
  const std::vector<Sample> samples = ToSamples(c.samples);
  const std::optional<double> got = EvaluateWindow(
      c.aggregation, samples, kT0Ms + static_cast<int64_t>(c.now_s * 1000),
      static_cast<int64_t>(c.window_s * 1000), c.version);
  if (!c.want.has_value()) {
    EXPECT_EQ(got, std::nullopt);
  } else if (std::isnan(*c.want)) {
    ASSERT_TRUE(got.has_value());
    EXPECT_TRUE(std::isnan(*got)) << *got;
  } else if (std::isinf(*c.want)) {
    EXPECT_EQ(got, c.want);
  } else {
    ASSERT_TRUE(got.has_value());
    EXPECT_NEAR(*got, *c.want, 1e-9 * std::max(1.0, std::fabs(*c.want)));
  }

  // The store answers the same, through its own range lookup.
  absl::StatusOr<std::unique_ptr<SeriesStore>> store = SeriesStore::Create(
      SeriesStoreOptions{absl::Hours(1), /*require_fresh=*/false,
                         absl::Hours(2), c.version});
  ASSERT_OK(store);
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, (*store)->GetOrCreate("m", {}));
  for (const Sample& s : samples) {
    ASSERT_EQ((*store)->Append(ref, s.timestamp_ms, s.value),
              AppendResult::kOk);
  }
  const std::optional<double> via_store = (*store)->Query(
      ref, c.aggregation, absl::Milliseconds(c.window_s * 1000),
      kT0 + absl::Milliseconds(c.now_s * 1000));
  ASSERT_EQ(via_store.has_value(), got.has_value());
  if (got.has_value() && !std::isnan(*got)) EXPECT_DOUBLE_EQ(*via_store, *got);
}

// The scrape pattern of the seed: one sample every 15 s.
const std::vector<std::pair<double, double>> kGauge = {
    {0, 10}, {15, 20}, {30, 30}, {45, 40}, {60, 50}};

std::vector<WindowCase> WindowCases() {
  using A = Aggregation;
  return {
      // avg_over_time(x[1m]) at t=60: samples at 0..60 (closed range).
      {"avg_closed_range", A::kAvgOverTime, kGauge, 60, 60, 30},
      // Prometheus 3: (0, 60], the sample at 0 is out: 20..50.
      {"avg_left_open_range_v3", A::kAvgOverTime, kGauge, 60, 60, 35, PrometheusVersion::k3},
      {"count_left_open_range_v3", A::kCountOverTime, kGauge, 60, 60, 4,
       PrometheusVersion::k3},
      {"min_left_open_range_v3", A::kMinOverTime, kGauge, 60, 30, 40, PrometheusVersion::k3},
      // Aligned samples 15..60 in (0, 60]: 45 s of data, the 15 s gap to the
      // start is below 1.1 x 15 s, so it extrapolates to the full minute.
      {"increase_aligned_v3", A::kIncrease,
       {{0, 100}, {15, 115}, {30, 130}, {45, 145}, {60, 160}}, 60, 60, 60,
       PrometheusVersion::k3},
      {"avg_window_excludes_older", A::kAvgOverTime, kGauge, 60, 30, 40},
      {"avg_ignores_future_samples", A::kAvgOverTime, kGauge, 30, 60, 20},
      {"avg_empty_range_is_missing", A::kAvgOverTime, kGauge, 200, 60,
       std::nullopt},
      {"avg_before_first_sample_is_missing", A::kAvgOverTime, kGauge, -1, 60,
       std::nullopt},
      {"avg_single_sample", A::kAvgOverTime, {{0, 7}}, 10, 60, 7},
      {"avg_with_nan_is_nan", A::kAvgOverTime, {{0, 1}, {15, kNaN}}, 15, 60,
       kNaN},
      {"avg_with_inf_is_inf", A::kAvgOverTime, {{0, 1}, {15, kInf}}, 15, 60,
       kInf},
      {"avg_inf_and_minus_inf_is_nan", A::kAvgOverTime,
       {{0, kInf}, {15, -kInf}}, 15, 60, kNaN},
      {"max", A::kMaxOverTime, kGauge, 60, 60, 50},
      {"max_skips_leading_nan", A::kMaxOverTime, {{0, kNaN}, {15, 3}}, 15, 60,
       3},
      {"min", A::kMinOverTime, kGauge, 60, 30, 30},
      {"sum", A::kSumOverTime, kGauge, 60, 60, 150},
      {"last", A::kLastOverTime, kGauge, 50, 60, 40},
      {"count", A::kCountOverTime, kGauge, 60, 60, 5},
      {"count_empty_is_missing", A::kCountOverTime, kGauge, 500, 60,
       std::nullopt},
      // A counter rising 1/s sampled every 15 s, the window aligned with the
      // samples: no extrapolation needed, rate 1.
      {"rate_aligned", A::kRate, {{0, 0}, {15, 15}, {30, 30}, {45, 45},
                                  {60, 60}}, 60, 60, 1},
      {"increase_aligned", A::kIncrease, {{0, 100}, {15, 115}, {30, 130},
                                          {45, 145}, {60, 160}}, 60, 60, 60},
      // Counter reset between 30 and 45: 130 -> 5 counts as +5.
      {"increase_counter_reset", A::kIncrease,
       {{0, 100}, {15, 115}, {30, 130}, {45, 5}, {60, 20}}, 60, 60,
       30 + 5 + 15},
      // Extrapolation: samples 10..50 in a [0,60] window, average spacing
      // 10 s; both gaps (10 s) are below 1.1 * 10 s, so the 40 s of data
      // extrapolate to the full 60 s: increase 40 * 60/40 = 60.
      {"increase_extrapolates_to_window_edges", A::kIncrease,
       {{10, 1000}, {20, 1010}, {30, 1020}, {40, 1030}, {50, 1040}}, 60, 60,
       60},
      // Gaps longer than 1.1 * spacing extrapolate by half a spacing only:
      // samples 20..40 (spacing 10) in [0,60]: 20 + 5 + 5 = 30 s of 20.
      {"increase_extrapolates_half_interval_at_gaps", A::kIncrease,
       {{20, 1000}, {30, 1010}, {40, 1020}}, 60, 60, 30},
      // Never extrapolate below zero: a counter starting at 5 rising 10 per
      // 10 s over samples at 10..30 would reach zero 5 s before the first
      // sample, so the start extends 5 s (not 10): 20 + 5 + 5 (end gap 30 >
      // 11 -> half spacing) = 30 s; increase 20 * 30/20 = 30.
      {"increase_not_below_zero", A::kIncrease,
       {{10, 5}, {20, 15}, {30, 25}}, 60, 60, 30},
      {"rate_single_sample_is_missing", A::kRate, {{0, 5}}, 10, 60,
       std::nullopt},
      {"rate_per_second", A::kRate,
       {{10, 1000}, {20, 1010}, {30, 1020}, {40, 1030}, {50, 1040}}, 60, 60,
       1},
  };
}

INSTANTIATE_TEST_SUITE_P(
    Windows, WindowTest, ::testing::ValuesIn(WindowCases()),
    [](const ::testing::TestParamInfo<WindowCase>& info) {
      return info.param.name;
    });

// --- store behaviour ---------------------------------------------------------

TEST(SeriesStoreTest, GaugeWindowAtNow) {
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(SeriesRef ref,
                       store.GetOrCreate("app_active_task_count",
                                         {{"pod", "agent-0"}}));
  EXPECT_EQ(store.Append(ref, kT0 - absl::Seconds(15), 70), AppendResult::kOk);
  EXPECT_EQ(store.Append(ref, kT0, 90), AppendResult::kOk);
  EXPECT_THAT(store.Query(ref, Aggregation::kAvgOverTime, absl::Minutes(1),
                          kT0),
              Optional(80.0));
  EXPECT_THAT(store.Latest(ref, kT0), Optional(90.0));
  EXPECT_THAT(store.Latest(ref, kT0 - absl::Seconds(1)), Optional(70.0));
}

TEST(SeriesStoreTest, RefsRoundTripThroughTheirIds) {
  SeriesStore store;
  absl::StatusOr<SeriesRef> a = store.GetOrCreate("m", {{"pod", "a"}});
  absl::StatusOr<SeriesRef> b = store.GetOrCreate("m", {{"pod", "b"}});
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  EXPECT_EQ(SeriesRef().id(), 0u);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(SeriesRef::FromId(a->id()), *a);
  EXPECT_EQ(store.Append(SeriesRef::FromId(b->id()), kT0, 1), AppendResult::kOk);
  EXPECT_THAT(store.Latest(*b, kT0), Optional(1.0));

  // Ids the store never handed out: no series, nothing written.
  for (uint64_t id : {uint64_t{0}, uint64_t{1} << 32 | 12345, ~uint64_t{0},
                      a->id() + (uint64_t{7} << 32)}) {
    EXPECT_EQ(store.Append(SeriesRef::FromId(id), kT0, 2),
              AppendResult::kUnknownSeries)
        << id;
  }
  EXPECT_EQ(store.Stats().samples, 1);

  // A collected series' id stays dead even when its slot is reused.
  const uint64_t old = a->id();
  EXPECT_EQ(store.Append(*a, kT0, 4), AppendResult::kOk);
  EXPECT_EQ(store.CollectGarbage(kT0 + absl::Hours(1)), 2);  // both idle
  absl::StatusOr<SeriesRef> c = store.GetOrCreate("m", {{"pod", "c"}});
  ASSERT_OK(c.status());
  EXPECT_EQ(store.Append(SeriesRef::FromId(old), kT0 + absl::Hours(1), 3),
            AppendResult::kUnknownSeries);
}

TEST(SeriesStoreTest, LabelOrderAndEmptyValuesDoNotMatter) {
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(SeriesRef a,
                       store.GetOrCreate("m", {{"pod", "p"}, {"ns", "x"}}));
  ASSERT_OK_AND_ASSIGN(
      SeriesRef b,
      store.GetOrCreate("m", {{"ns", "x"}, {"empty", ""}, {"pod", "p"}}));
  EXPECT_EQ(a, b);
  EXPECT_THAT(store.Find("m", {{"ns", "x"}, {"pod", "p"}}), Optional(a));
  EXPECT_EQ(store.Find("m", {{"pod", "p"}}), std::nullopt);
  EXPECT_EQ(store.Stats().series, 1);
  // Values are compared exactly, including bytes that would confuse a
  // naive key encoding.
  ASSERT_OK_AND_ASSIGN(SeriesRef c, store.GetOrCreate(
                                        "m", {{"pod", std::string("p\0q", 3)},
                                              {"ns", "x"}}));
  EXPECT_NE(a, c);
}

struct BadSeriesCase {
  std::string name;
  std::string metric;
  Labels labels;
  std::string message;
  friend void PrintTo(const BadSeriesCase& c, std::ostream* os) {
    *os << c.name;
  }
};
class BadSeriesTest : public ::testing::TestWithParam<BadSeriesCase> {};
TEST_P(BadSeriesTest, IsRejectedWithItsName) {
  SeriesStore store;
  EXPECT_THAT(store.GetOrCreate(GetParam().metric, GetParam().labels),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
  EXPECT_EQ(store.Append(GetParam().metric, GetParam().labels, kT0, 1),
            AppendResult::kInvalidSeries);
  EXPECT_EQ(store.Stats().series, 0);
  EXPECT_EQ(store.Stats().invalid_series, 1);
}
INSTANTIATE_TEST_SUITE_P(
    Names, BadSeriesTest,
    ::testing::ValuesIn(std::vector<BadSeriesCase>{
        {"empty_metric", "", {}, "invalid metric name \"\""},
        {"metric_starts_with_digit", "1abc", {}, "invalid metric name \"1abc\""},
        {"metric_with_dash", "a-b", {}, "invalid metric name \"a-b\""},
        {"label_with_colon", "m", {{"a:b", "1"}}, "invalid label name \"a:b\""},
        {"label_starts_with_digit", "m", {{"0a", "1"}}, "invalid label name"},
        {"duplicate_label", "m", {{"pod", "a"}, {"pod", "b"}},
         "duplicate label name \"pod\""},
        {"reserved_name_label", "m", {{"__name__", "x"}}, "__name__"},
        // Label values must be UTF-8 (Prometheus' labels.IsValid).
        {"latin1_value", "m", {{"ns", "ok"}, {"pod", "caf\xe9"}},
         "metric m: the value of label pod is not valid UTF-8 (byte 4): "
         "\"caf\\xe9\""},
        {"surrogate_value", "m", {{"pod", "\xed\xb0\x80"}},
         "the value of label pod is not valid UTF-8 (byte 1)"},
        {"overlong_value", "m", {{"pod", "a\xc1\xbf"}},
         "the value of label pod is not valid UTF-8 (byte 2)"},
        {"truncated_value", "m", {{"pod", "ab\xf0\x9f\x98"}},
         "the value of label pod is not valid UTF-8 (byte 3)"},
    }),
    [](const ::testing::TestParamInfo<BadSeriesCase>& info) {
      return info.param.name;
    });

TEST(SeriesStoreTest, Utf8LabelValuesAreAcceptedAndInvalidOnesCounted) {
  SeriesStore store;
  const Labels good = {{"pod", "caf\xc3\xa9-\xf0\x9f\x98\x80"}};
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store.GetOrCreate("m", good));
  EXPECT_EQ(store.Append(ref, kT0, 1), AppendResult::kOk);
  // A long invalid value is quoted shortened in the message.
  EXPECT_THAT(store.GetOrCreate("m", {{"pod", std::string(100, 'a') + "\xff"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("(byte 101)"), HasSubstr("...\""))));
  const Labels bad = {{"pod", "\xff"}};
  const std::vector<LabeledSample> batch = {{"m", good, kT0Ms + 1, 2},
                                            {"m", bad, kT0Ms + 1, 3}};
  const AppendCounts c = store.AppendBatch(batch);
  EXPECT_EQ(c.appended, 1);
  EXPECT_EQ(c.invalid_series, 1);
  EXPECT_EQ(store.Stats().series, 1);
  EXPECT_EQ(store.Find("m", bad), std::nullopt);
}

TEST(SeriesStoreTest, OutOfOrderAndDuplicateAreRejectedAndCounted) {
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store.GetOrCreate("m", {}));
  EXPECT_EQ(store.Append(ref, kT0, 1), AppendResult::kOk);
  EXPECT_EQ(store.Append(ref, kT0, 1), AppendResult::kDuplicate);
  EXPECT_EQ(store.Append(ref, kT0, 2), AppendResult::kDuplicate);
  EXPECT_EQ(store.Append(ref, kT0 - absl::Seconds(1), 3),
            AppendResult::kOutOfOrder);
  EXPECT_EQ(store.Append(ref, kT0 + absl::Seconds(1), 4), AppendResult::kOk);
  // Nothing was merged: the series holds exactly the two accepted samples.
  const std::vector<Sample> s = store.Samples(ref);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].value, 1);
  EXPECT_EQ(s[1].value, 4);
  const StoreStats st = store.Stats();
  EXPECT_EQ(st.appended, 2);
  EXPECT_EQ(st.duplicate, 2);
  EXPECT_EQ(st.out_of_order, 1);

  const std::vector<RefSample> batch = {{ref, kT0Ms + 2000, 5},
                                        {ref, kT0Ms + 2000, 6},
                                        {ref, kT0Ms + 1500, 7},
                                        {SeriesRef(), kT0Ms + 9000, 8},
                                        {ref, kT0Ms + 3000, 9}};
  const AppendCounts c = store.AppendBatch(batch);
  EXPECT_EQ(c.appended, 2);
  EXPECT_EQ(c.duplicate, 1);
  EXPECT_EQ(c.out_of_order, 1);
  EXPECT_EQ(c.unknown_series, 1);
  EXPECT_EQ(c.rejected(), 3);
  EXPECT_EQ(store.Stats().appended, 4);
}

TEST(SeriesStoreTest, LabeledBatchCreatesSeries) {
  SeriesStore store;
  const Labels a = {{"pod", "a"}};
  const Labels b = {{"pod", "b"}};
  const Labels bad = {{"0", "x"}};
  const std::vector<LabeledSample> batch = {
      {"m", a, kT0Ms, 1}, {"m", b, kT0Ms, 2}, {"m", a, kT0Ms + 1, 3},
      {"m", bad, kT0Ms, 4}};
  const AppendCounts c = store.AppendBatch(batch);
  EXPECT_EQ(c.appended, 3);
  EXPECT_EQ(c.created_series, 2);
  EXPECT_EQ(c.invalid_series, 1);
  ASSERT_OK_AND_ASSIGN(SeriesRef ra, store.GetOrCreate("m", a));
  EXPECT_EQ(store.Samples(ra).size(), 2u);
}

TEST(SeriesStoreTest, StaleSeriesIsMissingNeverZero) {
  SeriesStore store;  // lookback 5 min, Prometheus 3: (now - 5m, now]
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store.GetOrCreate("m", {}));
  ASSERT_EQ(store.Append(ref, kT0, 42), AppendResult::kOk);
  const absl::Time fresh = kT0 + absl::Minutes(5) - absl::Milliseconds(1);
  const absl::Time stale = kT0 + absl::Minutes(5);
  EXPECT_THAT(store.Latest(ref, fresh), Optional(42.0));
  EXPECT_EQ(store.Latest(ref, stale), std::nullopt);
  // A window longer than the lookback still sees the sample, but the series
  // is stale, so the store reports it missing.
  EXPECT_THAT(store.Query(ref, Aggregation::kAvgOverTime, absl::Minutes(10),
                          fresh),
              Optional(42.0));
  EXPECT_EQ(store.Query(ref, Aggregation::kAvgOverTime, absl::Minutes(10),
                        stale),
            std::nullopt);
  EXPECT_EQ(store.Query(ref, Aggregation::kCountOverTime, absl::Minutes(10),
                        stale),
            std::nullopt);
}

TEST(SeriesStoreTest, Prometheus2LookbackIsClosed) {
  SeriesStoreOptions options;
  options.prometheus_version = PrometheusVersion::k2;  // [now - 5m, now]
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SeriesStore> store, SeriesStore::Create(options));
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store->GetOrCreate("m", {}));
  ASSERT_EQ(store->Append(ref, kT0, 42), AppendResult::kOk);
  EXPECT_THAT(store->Latest(ref, kT0 + absl::Minutes(5)), Optional(42.0));
  EXPECT_EQ(store->Latest(ref, kT0 + absl::Minutes(5) + absl::Milliseconds(1)),
            std::nullopt);
}

TEST(SeriesStoreTest, WithoutRequireFreshWindowsAreExactlyPromQL) {
  ASSERT_OK_AND_ASSIGN(auto store,
                       SeriesStore::Create({absl::Minutes(5),
                                            /*require_fresh=*/false,
                                            absl::Minutes(30)}));
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store->GetOrCreate("m", {}));
  ASSERT_EQ(store->Append(ref, kT0, 42), AppendResult::kOk);
  const absl::Time later = kT0 + absl::Minutes(8);
  EXPECT_THAT(store->Query(ref, Aggregation::kAvgOverTime, absl::Minutes(10),
                           later),
              Optional(42.0));
  EXPECT_EQ(store->Latest(ref, later), std::nullopt);  // instant: lookback
}

TEST(SeriesStoreTest, StaleMarkerHidesSeriesUntilNextSample) {
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store.GetOrCreate("m", {}));
  ASSERT_EQ(store.Append(ref, kT0, 10), AppendResult::kOk);
  ASSERT_EQ(store.MarkStale(ref, kT0 + absl::Seconds(15)), AppendResult::kOk);
  const absl::Time t = kT0 + absl::Seconds(20);
  EXPECT_EQ(store.Latest(ref, t), std::nullopt);
  EXPECT_EQ(store.Query(ref, Aggregation::kAvgOverTime, absl::Minutes(1), t),
            std::nullopt);
  ASSERT_EQ(store.Append(ref, kT0 + absl::Seconds(30), 30), AppendResult::kOk);
  const absl::Time u = kT0 + absl::Seconds(30);
  EXPECT_THAT(store.Latest(ref, u), Optional(30.0));
  // The marker is not a value: the average is over 10 and 30.
  EXPECT_THAT(store.Query(ref, Aggregation::kAvgOverTime, absl::Minutes(1), u),
              Optional(20.0));
  EXPECT_THAT(store.Query(ref, Aggregation::kCountOverTime, absl::Minutes(1),
                          u),
              Optional(2.0));
  EXPECT_TRUE(IsStaleMarker(StaleMarker()));
  EXPECT_FALSE(IsStaleMarker(kNaN));
}

TEST(SeriesStoreTest, MemoryIsBoundedByTheLongestWindow) {
  SeriesStore store;  // retention = lookback = 5 min
  ASSERT_OK_AND_ASSIGN(SeriesRef ref, store.GetOrCreate("m", {}));
  // One sample per second for an hour.
  for (int i = 0; i < 3600; ++i) {
    ASSERT_EQ(store.Append(ref, kT0 + absl::Seconds(i), i), AppendResult::kOk);
  }
  std::vector<Sample> s = store.Samples(ref);
  EXPECT_EQ(s.size(), 301u);  // [newest - 300 s, newest]
  EXPECT_EQ(s.front().timestamp_ms, kT0Ms + 3299'000);
  EXPECT_LE(store.Stats().memory_bytes, 512 * 16 + 2048);

  store.RegisterWindow(absl::Minutes(10));
  EXPECT_EQ(store.retention(), absl::Minutes(10));
  for (int i = 3600; i < 7200; ++i) {
    ASSERT_EQ(store.Append(ref, kT0 + absl::Seconds(i), i), AppendResult::kOk);
  }
  EXPECT_EQ(store.Samples(ref).size(), 601u);
  // A query with a longer window raises the retention for later appends.
  (void)store.Query(ref, Aggregation::kMaxOverTime, absl::Minutes(20),
                    kT0 + absl::Seconds(7199));
  EXPECT_EQ(store.retention(), absl::Minutes(20));
}

TEST(SeriesStoreTest, GarbageCollectsGoneSeries) {
  SeriesStore store;  // gc_after 10 min
  ASSERT_OK_AND_ASSIGN(SeriesRef gone,
                       store.GetOrCreate("m", {{"pod", "gone"}}));
  ASSERT_OK_AND_ASSIGN(SeriesRef alive,
                       store.GetOrCreate("m", {{"pod", "alive"}}));
  ASSERT_OK_AND_ASSIGN(SeriesRef never,
                       store.GetOrCreate("m", {{"pod", "never"}}));
  ASSERT_EQ(store.Append(gone, kT0, 1), AppendResult::kOk);
  ASSERT_EQ(store.Append(alive, kT0 + absl::Minutes(9), 1), AppendResult::kOk);
  const absl::Time now = kT0 + absl::Minutes(10) + absl::Seconds(1);
  // `never` survives the first pass (just created), not the second.
  EXPECT_EQ(store.CollectGarbage(now), 1);
  EXPECT_EQ(store.Append(gone, now, 2), AppendResult::kUnknownSeries);
  EXPECT_EQ(store.Latest(gone, now), std::nullopt);
  EXPECT_EQ(store.CollectGarbage(now), 1);
  EXPECT_EQ(store.Append(never, now, 2), AppendResult::kUnknownSeries);
  EXPECT_EQ(store.Append(alive, now, 2), AppendResult::kOk);
  EXPECT_EQ(store.Stats().series, 1);
  EXPECT_EQ(store.Stats().collected_series, 2);
  EXPECT_THAT(store.Select("m"), ::testing::SizeIs(1));

  // The freed slot is reused; the old handle does not alias the new series.
  ASSERT_OK_AND_ASSIGN(SeriesRef reborn,
                       store.GetOrCreate("m", {{"pod", "gone"}}));
  EXPECT_NE(reborn, gone);
  EXPECT_EQ(store.Append(gone, now, 3), AppendResult::kUnknownSeries);
  EXPECT_EQ(store.Append(reborn, now, 3), AppendResult::kOk);
}

TEST(SeriesStoreTest, SelectFiltersByMetricAndLabels) {
  SeriesStore store;
  ASSERT_OK(store.GetOrCreate("a", {{"pod", "p1"}}));
  ASSERT_OK(store.GetOrCreate("a", {{"pod", "p2"}}));
  ASSERT_OK(store.GetOrCreate("b", {{"pod", "p1"}}));
  EXPECT_THAT(store.Select("a"), ::testing::SizeIs(2));
  EXPECT_THAT(store.Select(""), ::testing::SizeIs(3));
  std::vector<SeriesInfo> p1 = store.Select("", [](const Labels& l) {
    const std::string* pod = FindLabel(l, "pod");
    return pod != nullptr && *pod == "p1";
  });
  EXPECT_THAT(p1, ::testing::SizeIs(2));
  EXPECT_THAT(store.Select("zzz"), ::testing::IsEmpty());
}

TEST(SeriesStoreTest, OptionsAreValidated) {
  EXPECT_THAT(SeriesStore::Create({absl::ZeroDuration(), true, absl::Hours(1)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("lookback")));
  EXPECT_THAT(SeriesStore::Create({absl::Minutes(5), true, absl::Minutes(1)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("gc_after")));
}

TEST(AggregationTest, NamesRoundTrip) {
  for (Aggregation a :
       {Aggregation::kAvgOverTime, Aggregation::kMaxOverTime,
        Aggregation::kMinOverTime, Aggregation::kSumOverTime,
        Aggregation::kLastOverTime, Aggregation::kCountOverTime,
        Aggregation::kRate, Aggregation::kIncrease}) {
    EXPECT_THAT(ParseAggregation(AggregationName(a)),
                ::agentscale_testing::IsOkAndHolds(a));
  }
  EXPECT_THAT(ParseAggregation("irate"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"irate\"")));
}

}  // namespace
}  // namespace agentscale::metrics
