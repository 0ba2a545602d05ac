// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The instant-query subset a KEDA prometheus trigger sends: parsing, the
// aggregations, empty results, several series under a bare selector, and
// evaluation over a series store with its lookback.

#include "agentscale/metrics/instant_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/metrics/series_store.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

struct Case {
  std::string name;
  std::string query;
  std::optional<double> expected;
};

class InstantQueryTest : public ::testing::TestWithParam<Case> {};

TEST_P(InstantQueryTest, OverSamples) {
  const Labels a0 = {{"pod", "agent-0"}}, a1 = {{"pod", "agent-1"}}, w0 = {{"pod", "web-0"}};
  const std::vector<InstantQuery::Sample> samples = {
      {"app_pending_tasks", nullptr, 12},
      {"app_active_task_count", &a0, 80},
      {"app_active_task_count", &a1, 40},
      {"app_active_task_count", &w0, 5}};
  absl::StatusOr<InstantQuery> q = InstantQuery::Parse(GetParam().query);
  ASSERT_THAT(q.status(), IsOk());
  absl::StatusOr<std::optional<double>> v = q->Evaluate(samples);
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_EQ(*v, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Keda, InstantQueryTest,
    ::testing::ValuesIn(std::vector<Case>{
        {"SeedQuery", "sum(app_pending_tasks)", 12},
        {"BareSelector", "app_pending_tasks", 12},
        {"Sum", "sum(app_active_task_count)", 125},
        {"SumMatched", "sum(app_active_task_count{pod=~\"agent-.*\"})", 120},
        {"Avg", " avg ( app_active_task_count{pod=~'agent-.*'} ) ", 60},
        {"Max", "max(app_active_task_count)", 80},
        {"Min", "min(app_active_task_count)", 5},
        {"Count", "count(app_active_task_count{pod!=\"web-0\"})", 2},
        {"EmptyIsNothing", "sum(app_missing)", std::nullopt},
        {"BareEmpty", "app_missing", std::nullopt},
    }),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(InstantQueryErrorsTest, OutsideTheSubsetAndSeveralSeries) {
  EXPECT_THAT(InstantQuery::Parse("rate(x[1m])").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rate(...) is not supported")));
  EXPECT_THAT(InstantQuery::Parse("sum(x{").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  const Labels a = {{"pod", "a"}}, b = {{"pod", "b"}};
  absl::StatusOr<InstantQuery> q = InstantQuery::Parse("x");
  ASSERT_THAT(q.status(), IsOk());
  const std::vector<InstantQuery::Sample> two = {{"x", &a, 1}, {"x", &b, 2}};
  EXPECT_THAT(q->Evaluate(two).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("returned 2 series")));
}

TEST(InstantQueryStoreTest, NewestSampleWithinTheLookback) {
  SeriesStore store;
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  ASSERT_EQ(store.Append("queue", {{"q", "a"}}, t0, 5), AppendResult::kOk);
  ASSERT_EQ(store.Append("queue", {{"q", "b"}}, t0, 7), AppendResult::kOk);
  ASSERT_EQ(store.Append("queue", {{"q", "b"}}, t0 + absl::Seconds(30), 9), AppendResult::kOk);
  absl::StatusOr<InstantQuery> q = InstantQuery::Parse("sum(queue)");
  ASSERT_THAT(q.status(), IsOk());
  absl::StatusOr<std::optional<double>> v = q->Evaluate(store, t0 + absl::Seconds(60));
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_EQ(*v, 14);  // 5 + the newest of b, 9
  // Past the lookback (5 min) every series is gone: an empty result.
  v = q->Evaluate(store, t0 + absl::Minutes(20));
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_EQ(*v, std::nullopt);
}

}  // namespace
}  // namespace agentscale::metrics
