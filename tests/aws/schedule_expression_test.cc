// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// AWS schedule expressions: at(), rate() and six-field cron() with a
// time zone, across daylight-saving changes.

#include "agentscale/aws/schedule_expression.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/time_bounds.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::aws {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

absl::Time Utc(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

std::string Next(const ScheduleExpression& s, const std::string& after,
                 const std::string& anchor = "2026-01-01T00:00:00Z") {
  std::optional<absl::Time> t = s.Next(Utc(after), Utc(anchor));
  return t ? TimeText(*t) : "never";
}

TEST(ScheduleExpression, CronDayOfWeekCountsFromSundayAsOne) {
  // 2026-03-01 is a Sunday.
  ASSERT_OK_AND_ASSIGN(ScheduleExpression s,
                       ScheduleExpression::Parse("cron(0 12 ? * 1 *)", "UTC"));
  EXPECT_EQ(s.crontab(), "0 12 ? * 0");
  EXPECT_EQ(Next(s, "2026-02-26T00:00:00Z"), "2026-03-01T12:00:00Z");
  ASSERT_OK_AND_ASSIGN(ScheduleExpression sat,
                       ScheduleExpression::Parse("cron(0 12 ? * 7 *)", "UTC"));
  EXPECT_EQ(Next(sat, "2026-02-26T00:00:00Z"), "2026-02-28T12:00:00Z");
  ASSERT_OK_AND_ASSIGN(ScheduleExpression names,
                       ScheduleExpression::Parse("cron(0 12 ? * MON-FRI *)", "UTC"));
  EXPECT_EQ(Next(names, "2026-02-27T12:00:00Z"), "2026-03-02T12:00:00Z");  // Fri -> Mon
}

struct DstCase {
  std::string name;
  std::string expression;
  std::string zone;
  std::string after;
  std::string want;
};

class ScheduleDstTest : public ::testing::TestWithParam<DstCase> {};

TEST_P(ScheduleDstTest, Next) {
  const DstCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(ScheduleExpression s, ScheduleExpression::Parse(c.expression, c.zone));
  EXPECT_EQ(Next(s, c.after), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    AcrossDst, ScheduleDstTest,
    ::testing::ValuesIn(std::vector<DstCase>{
        // Berlin springs forward on 2026-03-29 (02:00 CET -> 03:00 CEST):
        // 08:00 local is 07:00 UTC before and 06:00 UTC after.
        {"berlin_8am_before_spring_forward", "cron(0 8 ? * * *)", "Europe/Berlin",
         "2026-03-28T00:00:00Z", "2026-03-28T07:00:00Z"},
        {"berlin_8am_after_spring_forward", "cron(0 8 ? * * *)", "Europe/Berlin",
         "2026-03-28T07:00:00Z", "2026-03-29T06:00:00Z"},
        // 02:30 does not exist on 2026-03-29 in Berlin: that day is skipped.
        {"berlin_0230_skipped_in_the_gap", "cron(30 2 * * ? *)", "Europe/Berlin",
         "2026-03-28T02:00:00Z", "2026-03-30T00:30:00Z"},
        // New York falls back on 2026-11-01 (02:00 EDT -> 01:00 EST):
        // 09:00 local is 13:00 UTC before and 14:00 UTC after.
        {"new_york_9am_after_fall_back", "cron(0 9 ? * * *)", "America/New_York",
         "2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z"},
        // at() in a zone: local wall clock.
        {"at_in_berlin_summer", "at(2026-07-01T08:00:00)", "Europe/Berlin",
         "2026-01-01T00:00:00Z", "2026-07-01T06:00:00Z"},
        {"at_in_the_past_never_fires", "at(2026-01-01T08:00:00)", "UTC",
         "2026-02-01T00:00:00Z", "never"},
        // Years: the next allowed year.
        {"year_field_waits_for_its_year", "cron(0 0 1 1 ? 2028)", "UTC",
         "2026-06-01T00:00:00Z", "2028-01-01T00:00:00Z"},
        {"year_field_over", "cron(0 0 1 1 ? 2025)", "UTC", "2026-06-01T00:00:00Z", "never"},
        // rate() counts from its anchor (2026-01-01T00:00:00Z here).
        {"rate_from_anchor", "rate(6 hours)", "UTC", "2026-01-02T07:00:00Z",
         "2026-01-02T12:00:00Z"},
    }),
    [](const auto& info) { return info.param.name; });

struct BadCase {
  std::string name;
  std::string expression;
  std::string zone;
  std::string error;
};

class ScheduleBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(ScheduleBadTest, Refused) {
  const BadCase& c = GetParam();
  EXPECT_THAT(ScheduleExpression::Parse(c.expression, c.zone).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ScheduleBadTest,
    ::testing::ValuesIn(std::vector<BadCase>{
        {"five_fields", "cron(0 8 ? * *)", "UTC", "needs 6 fields"},
        {"no_question_mark", "cron(0 8 * * 2 *)", "UTC",
         "one of day-of-month and day-of-week must be ?"},
        {"day_of_week_zero", "cron(0 8 ? * 0 *)", "UTC", "outside 1-7"},
        {"last_day_form", "cron(0 8 L * ? *)", "UTC", "not supported"},
        {"nth_weekday_form", "cron(0 8 ? * 6#3 *)", "UTC", "not supported"},
        {"bad_minute", "cron(61 8 ? * * *)", "UTC", "61"},
        {"bad_year", "cron(0 8 ? * * 1900)", "UTC", "outside 1970-2199"},
        {"rate_unit", "rate(5 weeks)", "UTC", "unknown rate unit"},
        {"rate_zero", "rate(0 minutes)", "UTC", "positive whole number"},
        {"at_format", "at(2026-07-01 08:00)", "UTC", "yyyy-mm-ddThh:mm:ss"},
        {"unknown_form", "every(5 minutes)", "UTC", "expected at(...), rate(...) or cron(...)"},
        {"at_past_the_accepted_times", "at(4052-03-27T18:30:00)", "UTC", "accepted times"},
        {"unknown_zone", "cron(0 8 ? * * *)", "Mars/Olympus", "Mars/Olympus"},
    }),
    [](const auto& info) { return info.param.name; });

TEST(ScheduleExpression, NothingPastTheAcceptedTimes) {
  ASSERT_OK_AND_ASSIGN(ScheduleExpression s,
                       ScheduleExpression::Parse("cron(0 0 1 1 ? 2199)", "UTC"));
  EXPECT_EQ(Next(s, "2026-01-01T00:00:00Z"), "2199-01-01T00:00:00Z");
  ASSERT_OK_AND_ASSIGN(ScheduleExpression r, ScheduleExpression::Parse("rate(1000000 days)", "UTC"));
  EXPECT_EQ(Next(r, "2026-01-01T00:00:00Z"), "never");  // the year 4764
}

TEST(ScheduleExpression, MonthAndDayNamesAreNotTakenForExtensions) {
  EXPECT_TRUE(ScheduleExpression::Parse("cron(0 8 ? JUL WED *)", "UTC").ok());
}

}  // namespace
}  // namespace agentscale::aws
