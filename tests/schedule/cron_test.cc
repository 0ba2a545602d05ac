// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Cron schedules: the expected instants are robfig/cron v3's own test
// vectors (spec_test.go TestActivation, TestNext, TestErrors) and KEDA's
// cron scaler tests (cron_scaler_test.go), plus daylight-saving, leap-year
// and month-end cases worked by hand.

#include "agentscale/schedule/cron.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/wall_time.h"

namespace agentscale::schedule {
namespace {

using ::testing::HasSubstr;

absl::TimeZone Zone(const std::string& name) {
  absl::StatusOr<absl::TimeZone> z = LoadZone(name);
  EXPECT_TRUE(z.ok()) << z.status();
  return z.ok() ? *z : absl::UTCTimeZone();
}

// "2012-03-11T00:00:00-0500" (an instant with its offset).
using ::agentscale_testing::At;

std::string Show(const std::optional<absl::Time>& t, const absl::TimeZone& z) {
  return t.has_value() ? absl::FormatTime("%Y-%m-%dT%H:%M:%S%z", *t, z) : "none";
}

TEST(CronParse, FieldsAsBits) {
  absl::StatusOr<CronSchedule> s = CronSchedule::Parse("5/15 8-10 1,15 Jan-mar Sun");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->second_bits(), 1u);
  EXPECT_EQ(s->minute_bits(), (1ull << 5) | (1ull << 20) | (1ull << 35) | (1ull << 50));
  EXPECT_EQ(s->hour_bits(), (1ull << 8) | (1ull << 9) | (1ull << 10));
  EXPECT_EQ(s->dom_bits(), (1ull << 1) | (1ull << 15));
  EXPECT_EQ(s->month_bits(), (1ull << 1) | (1ull << 2) | (1ull << 3));
  EXPECT_EQ(s->dow_bits(), 1ull);
  // * keeps the star bit; */1 too; */2 does not (robfig getRange).
  EXPECT_NE(CronSchedule::Parse("* * * * *")->dom_bits() >> 63, 0u);
  EXPECT_NE(CronSchedule::Parse("* * */1 * *")->dom_bits() >> 63, 0u);
  EXPECT_EQ(CronSchedule::Parse("* * */2 * *")->dom_bits() >> 63, 0u);
  // "*-5" is "*"; empty list items are skipped; "+5" is 5.
  EXPECT_EQ(CronSchedule::Parse("*-5 * * * *")->minute_bits(),
            CronSchedule::Parse("* * * * *")->minute_bits());
  EXPECT_EQ(CronSchedule::Parse("1,,2 * * * *")->minute_bits(), 6u);
  EXPECT_EQ(CronSchedule::Parse("+5 * * * *")->minute_bits(), 1ull << 5);
}

TEST(CronParse, ErrorsAsRobfigGivesThem) {
  struct Case {
    const char* spec;
    const char* error;
  } cases[] = {
      {"", "empty spec string"},
      {"xyz", "expected exactly 5 fields, found 1"},
      {"60 0 * * *", "end of range (60) above maximum (59): 60"},
      {"0 60 * * *", "end of range (60) above maximum (23): 60"},
      {"0 0 * * XYZ", "failed to parse int from XYZ"},
      {"0 0 * * 7", "end of range (7) above maximum (6): 7"},
      {"0 0 0 * *", "beginning of range (0) below minimum (1): 0"},
      {"0 0 * 13 *", "above maximum (12)"},
      {"-30 * * * *", "failed to parse int from "},  // "-30" splits at the hyphen
      {"30 * * -3 *", "failed to parse int from "},
      {"15/0 * * * *", "step of range should be a positive number: 15/0"},
      {"5-3 * * * *", "beginning of range (5) beyond end of range (3): 5-3"},
      {"1-2-3 * * * *", "too many hyphens: 1-2-3"},
      {"1/2/3 * * * *", "too many slashes: 1/2/3"},
      {"@daily", "parser does not accept descriptors: @daily"},
      {"TZ=Mars/Olympus 0 0 * * *", "provided bad location Mars/Olympus"},
      {"TZ=UTC", "needs a schedule after it"},
      {"0 0 * * * *", "expected exactly 5 fields, found 6"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<CronSchedule> s = CronSchedule::Parse(c.spec);
    ASSERT_FALSE(s.ok()) << c.spec;
    EXPECT_THAT(std::string(s.status().message()), HasSubstr(c.error)) << c.spec;
  }
  // robfig TestSlash0NoHang.
  EXPECT_FALSE(CronSchedule::Parse("TZ=America/New_York 15/0 * * * *").ok());
}

TEST(CronParse, Descriptors) {
  CronParseOptions o;
  o.descriptors = true;
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time t = At("2012-07-09T15:04:00+0000");
  EXPECT_EQ(Show(CronSchedule::Parse("@hourly", o)->Next(t, utc), utc), "2012-07-09T16:00:00+0000");
  EXPECT_EQ(Show(CronSchedule::Parse("@daily", o)->Next(t, utc), utc), "2012-07-10T00:00:00+0000");
  EXPECT_EQ(Show(CronSchedule::Parse("@weekly", o)->Next(t, utc), utc), "2012-07-15T00:00:00+0000");
  EXPECT_EQ(Show(CronSchedule::Parse("@monthly", o)->Next(t, utc), utc),
            "2012-08-01T00:00:00+0000");
  EXPECT_EQ(Show(CronSchedule::Parse("@yearly", o)->Next(t, utc), utc), "2013-01-01T00:00:00+0000");
  EXPECT_FALSE(CronSchedule::Parse("@every 1h", o).ok());
}

// robfig spec_test.go TestActivation: Next(t - 1 s) == t exactly when the
// schedule names t (times in UTC; robfig runs them in Local).
TEST(CronNext, RobfigActivation) {
  struct Case {
    const char* time;
    const char* spec;
    bool expected;
  } cases[] = {
      {"2012-07-09T15:00:00+0000", "0/15 * * * *", true},
      {"2012-07-09T15:45:00+0000", "0/15 * * * *", true},
      {"2012-07-09T15:40:00+0000", "0/15 * * * *", false},
      {"2012-07-09T15:05:00+0000", "5/15 * * * *", true},
      {"2012-07-09T15:20:00+0000", "5/15 * * * *", true},
      {"2012-07-09T15:50:00+0000", "5/15 * * * *", true},
      {"2012-07-15T15:00:00+0000", "0/15 * * Jul *", true},
      {"2012-07-15T15:00:00+0000", "0/15 * * Jun *", false},
      {"2012-07-15T08:30:00+0000", "30 08 ? Jul Sun", true},
      {"2012-07-15T08:30:00+0000", "30 08 15 Jul ?", true},
      {"2012-07-16T08:30:00+0000", "30 08 ? Jul Sun", false},
      {"2012-07-16T08:30:00+0000", "30 08 15 Jul ?", false},
      // Both days restricted: either matches.
      {"2012-07-15T00:00:00+0000", "* * 1,15 * Sun", true},
      {"2012-06-15T00:00:00+0000", "* * 1,15 * Sun", true},
      {"2012-08-01T00:00:00+0000", "* * 1,15 * Sun", true},
      {"2012-07-15T00:00:00+0000", "* * */10 * Sun", true},
      // One has a star: both must.
      {"2012-07-15T00:00:00+0000", "* * * * Mon", false},
      {"2012-07-09T00:00:00+0000", "* * 1,15 * *", false},
      {"2012-07-15T00:00:00+0000", "* * 1,15 * *", true},
      {"2012-07-15T00:00:00+0000", "* * */2 * Sun", true},
  };
  const absl::TimeZone utc = absl::UTCTimeZone();
  for (const Case& c : cases) {
    absl::StatusOr<CronSchedule> s = CronSchedule::Parse(c.spec);
    ASSERT_TRUE(s.ok()) << c.spec << ": " << s.status();
    const absl::Time t = At(c.time);
    const std::optional<absl::Time> next = s->Next(t - absl::Seconds(1), utc);
    EXPECT_EQ(next.has_value() && *next == t, c.expected) << c.spec << " at " << c.time;
    EXPECT_EQ(s->Matches(utc.At(t).cs), c.expected) << c.spec << " at " << c.time;
  }
}

// robfig spec_test.go TestNext (six fields, seconds first), with its
// daylight-saving cases in America/New_York and the Sao Paulo midnight gap.
TEST(CronNext, RobfigNext) {
  struct Case {
    const char* zone;  // the zone `time` is read in (robfig: Local or TZ=)
    const char* time;
    const char* spec;
    const char* expected;  // "" for none
  } cases[] = {
      {"UTC", "2012-07-09T14:45:00+0000", "0 0/15 * * * *", "2012-07-09T15:00:00+0000"},
      {"UTC", "2012-07-09T14:59:00+0000", "0 0/15 * * * *", "2012-07-09T15:00:00+0000"},
      {"UTC", "2012-07-09T14:59:59+0000", "0 0/15 * * * *", "2012-07-09T15:00:00+0000"},
      {"UTC", "2012-07-09T15:45:00+0000", "0 20-35/15 * * * *", "2012-07-09T16:20:00+0000"},
      {"UTC", "2012-07-09T23:46:00+0000", "0 */15 * * * *", "2012-07-10T00:00:00+0000"},
      {"UTC", "2012-07-09T23:45:00+0000", "0 20-35/15 * * * *", "2012-07-10T00:20:00+0000"},
      {"UTC", "2012-07-09T23:35:51+0000", "15/35 20-35/15 * * * *", "2012-07-10T00:20:15+0000"},
      {"UTC", "2012-07-09T23:35:51+0000", "15/35 20-35/15 1/2 * * *",
       "2012-07-10T01:20:15+0000"},
      {"UTC", "2012-07-09T23:35:51+0000", "15/35 20-35/15 10-12 * * *",
       "2012-07-10T10:20:15+0000"},
      {"UTC", "2012-07-09T23:35:51+0000", "15/35 20-35/15 1/2 */2 * *",
       "2012-07-11T01:20:15+0000"},
      {"UTC", "2012-07-09T23:35:51+0000", "15/35 20-35/15 * 9-20 * *",
       "2012-07-10T00:20:15+0000"},
      {"UTC", "2012-07-09T23:35:51+0000", "15/35 20-35/15 * 9-20 Jul *",
       "2012-07-10T00:20:15+0000"},
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 9 Apr-Oct ?", "2012-08-09T00:00:00+0000"},
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 */5 Apr,Aug,Oct Mon",
       "2012-08-01T00:00:00+0000"},
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 */5 Oct Mon", "2012-10-01T00:00:00+0000"},
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 * Feb Mon", "2013-02-04T00:00:00+0000"},
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 * Feb Mon/2", "2013-02-01T00:00:00+0000"},
      {"UTC", "2012-12-31T23:59:45+0000", "0 * * * * *", "2013-01-01T00:00:00+0000"},
      // Leap year.
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 29 Feb ?", "2016-02-29T00:00:00+0000"},
      // 2am EST -> 3am EDT.
      {"UTC", "2012-03-11T00:00:00-0500", "TZ=America/New_York 0 30 2 11 Mar ?",
       "2013-03-11T02:30:00-0400"},
      {"UTC", "2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 * * * ?",
       "2012-03-11T01:00:00-0500"},
      {"UTC", "2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?",
       "2012-03-11T03:00:00-0400"},
      {"UTC", "2012-03-11T03:00:00-0400", "TZ=America/New_York 0 0 * * * ?",
       "2012-03-11T04:00:00-0400"},
      {"UTC", "2012-03-11T04:00:00-0400", "CRON_TZ=America/New_York 0 0 * * * ?",
       "2012-03-11T05:00:00-0400"},
      {"UTC", "2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 1 * * ?",
       "2012-03-11T01:00:00-0500"},
      {"UTC", "2012-03-11T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?",
       "2012-03-12T01:00:00-0400"},
      // The skipped 2am.
      {"UTC", "2012-03-11T00:00:00-0500", "TZ=America/New_York 0 0 2 * * ?",
       "2012-03-12T02:00:00-0400"},
      // 2am EDT -> 1am EST.
      {"UTC", "2012-11-04T00:00:00-0400", "TZ=America/New_York 0 30 2 04 Nov ?",
       "2012-11-04T02:30:00-0500"},
      {"UTC", "2012-11-04T01:45:00-0400", "TZ=America/New_York 0 30 1 04 Nov ?",
       "2012-11-04T01:30:00-0500"},
      {"UTC", "2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 * * * ?",
       "2012-11-04T01:00:00-0400"},
      {"UTC", "2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 * * * ?",
       "2012-11-04T01:00:00-0500"},
      {"UTC", "2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 * * * ?",
       "2012-11-04T02:00:00-0500"},
      // 1am runs twice.
      {"UTC", "2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 1 * * ?",
       "2012-11-04T01:00:00-0400"},
      {"UTC", "2012-11-04T01:00:00-0400", "TZ=America/New_York 0 0 1 * * ?",
       "2012-11-04T01:00:00-0500"},
      {"UTC", "2012-11-04T01:00:00-0500", "TZ=America/New_York 0 0 1 * * ?",
       "2012-11-05T01:00:00-0500"},
      {"UTC", "2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 2 * * ?",
       "2012-11-04T02:00:00-0500"},
      {"UTC", "2012-11-04T02:00:00-0500", "TZ=America/New_York 0 0 2 * * ?",
       "2012-11-05T02:00:00-0500"},
      {"UTC", "2012-11-04T00:00:00-0400", "TZ=America/New_York 0 0 3 * * ?",
       "2012-11-04T03:00:00-0500"},
      {"UTC", "2012-11-04T03:00:00-0500", "TZ=America/New_York 0 0 3 * * ?",
       "2012-11-05T03:00:00-0500"},
      // The zone of the time rather than the spec.
      {"America/New_York", "2012-11-04T00:00:00-0400", "0 0 * * * ?",
       "2012-11-04T01:00:00-0400"},
      {"America/New_York", "2012-11-04T01:00:00-0400", "0 0 * * * ?",
       "2012-11-04T01:00:00-0500"},
      {"America/New_York", "2012-11-04T01:00:00-0500", "0 0 1 * * ?",
       "2012-11-05T01:00:00-0500"},
      {"America/New_York", "2012-11-04T02:00:00-0500", "0 0 2 * * ?",
       "2012-11-05T02:00:00-0500"},
      // Unsatisfiable.
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 30 Feb ?", ""},
      {"UTC", "2012-07-09T23:35:00+0000", "0 0 0 31 Apr ?", ""},
      {"America/New_York", "2012-11-04T00:00:00-0400", "0 0 3 3 * ?",
       "2012-12-03T03:00:00-0500"},
      // Midnight that does not exist (robfig issue 157).
      {"UTC", "2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 0 9 10 * ?",
       "2018-11-10T06:00:00-0500"},
      {"UTC", "2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 0 9 22 * ?",
       "2018-02-22T07:00:00-0500"},
  };
  CronParseOptions seconds;
  seconds.seconds = true;
  for (const Case& c : cases) {
    absl::StatusOr<CronSchedule> s = CronSchedule::Parse(c.spec, seconds);
    ASSERT_TRUE(s.ok()) << c.spec << ": " << s.status();
    const absl::TimeZone zone = Zone(c.zone);
    const std::optional<absl::Time> next = s->Next(At(c.time), zone);
    if (std::string(c.expected).empty()) {
      EXPECT_FALSE(next.has_value()) << c.spec << " from " << c.time;
    } else {
      ASSERT_TRUE(next.has_value()) << c.spec << " from " << c.time;
      EXPECT_EQ(*next, At(c.expected))
          << c.spec << " from " << c.time << ": got " << Show(next, zone);
    }
  }
}

// robfig TestNextWithTz: the time's own offset, no zone database.
TEST(CronNext, FixedOffsetZone) {
  const absl::TimeZone ist = absl::FixedTimeZone(5 * 3600 + 1800);
  EXPECT_EQ(*CronSchedule::Parse("14 14 * * *")->Next(At("2016-01-03T13:09:03+0530"), ist),
            At("2016-01-03T14:14:00+0530"));
  EXPECT_EQ(*CronSchedule::Parse("14 14 * * ?")->Next(At("2016-01-03T04:09:03+0530"), ist),
            At("2016-01-03T14:14:00+0530"));
  EXPECT_EQ(*CronSchedule::Parse("14 14 * * ?")->Next(At("2016-01-03T14:00:00+0530"), ist),
            At("2016-01-03T14:14:00+0530"));
}

TEST(CronNext, StrictlyAfterAtWholeSeconds) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const CronSchedule s = *CronSchedule::Parse("0 8 * * *");
  const absl::Time eight = At("2024-05-06T08:00:00+0000");
  EXPECT_EQ(*s.Next(eight - absl::Milliseconds(1), utc), eight);
  EXPECT_EQ(*s.Next(eight, utc), eight + absl::Hours(24));
  EXPECT_EQ(*s.Next(eight + absl::Milliseconds(999), utc), eight + absl::Hours(24));
}

TEST(CronNext, MonthEndsAndLeapYears) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  // The seed's month-end surge "28-31": February has 28 or 29 of them.
  const CronSchedule s = *CronSchedule::Parse("0 0 28-31 * *");
  std::vector<std::string> got;
  std::optional<absl::Time> t = At("2023-02-01T00:00:00+0000");
  for (int i = 0; i < 4; ++i) {
    t = s.Next(*t, utc);
    got.push_back(absl::FormatTime("%m-%d", *t, utc));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"02-28", "03-28", "03-29", "03-30"}));
  t = s.Next(At("2024-02-28T12:00:00+0000"), utc);
  EXPECT_EQ(Show(t, utc), "2024-02-29T00:00:00+0000");
  // Feb 29 from a year with no leap day within five years: 2097 -> 2104 is
  // beyond robfig's limit (2100 is not a leap year).
  EXPECT_EQ(Show(CronSchedule::Parse("0 0 29 2 *")->Next(At("2097-03-01T00:00:00+0000"), utc),
                 utc),
            "none");
  EXPECT_EQ(Show(CronSchedule::Parse("0 0 29 2 *")->Next(At("2097-01-01T00:00:00+0000"), utc),
                 utc),
            "none");
  EXPECT_EQ(Show(CronSchedule::Parse("0 0 29 2 *")->Next(At("2095-03-01T00:00:00+0000"), utc),
                 utc),
            "2096-02-29T00:00:00+0000");
  // The 31st skips the months without one.
  EXPECT_EQ(Show(CronSchedule::Parse("0 9 31 * *")->Next(At("2024-03-31T10:00:00+0000"), utc),
                 utc),
            "2024-05-31T09:00:00+0000");
}

TEST(CronNext, EuropeanSummerTime) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  // 2024-03-31 02:00 CET -> 03:00 CEST: a 02:30 job is skipped that day.
  const CronSchedule half_two = *CronSchedule::Parse("30 2 * * *");
  EXPECT_EQ(Show(half_two.Next(At("2024-03-30T12:00:00+0100"), berlin), berlin),
            "2024-04-01T02:30:00+0200");
  // 2024-10-27 03:00 CEST -> 02:00 CET: a 02:30 job runs twice.
  EXPECT_EQ(Show(half_two.Next(At("2024-10-27T00:00:00+0200"), berlin), berlin),
            "2024-10-27T02:30:00+0200");
  EXPECT_EQ(Show(half_two.Next(At("2024-10-27T02:30:00+0200"), berlin), berlin),
            "2024-10-27T02:30:00+0100");
  EXPECT_EQ(Show(half_two.Next(At("2024-10-27T02:30:00+0100"), berlin), berlin),
            "2024-10-28T02:30:00+0100");
}

// KEDA's cron window: [start, end), wrapping past midnight, its metric
// test schedules (cron_scaler_test.go).
TEST(CronWindow, KedaRule) {
  absl::StatusOr<CronWindow> thu = CronWindow::Create("0 0 * * Thu", "59 23 * * Thu", "Etc/UTC");
  ASSERT_TRUE(thu.ok()) << thu.status();
  EXPECT_TRUE(thu->ContainsUncached(At("2024-05-02T00:00:00+0000")));   // Thursday 00:00
  EXPECT_TRUE(thu->ContainsUncached(At("2024-05-02T23:58:59+0000")));
  EXPECT_FALSE(thu->ContainsUncached(At("2024-05-02T23:59:00+0000")));  // end is exclusive
  EXPECT_FALSE(thu->ContainsUncached(At("2024-05-01T23:59:59+0000")));  // Wednesday
  EXPECT_FALSE(thu->ContainsUncached(At("2024-05-03T12:00:00+0000")));

  absl::StatusOr<CronWindow> even = CronWindow::Create("0 */2 * * *", "0 1-23/2 * * *", "Etc/UTC");
  ASSERT_TRUE(even.ok());
  for (int h = 0; h < 24; ++h) {
    const absl::Time t = At("2024-05-02T00:30:00+0000") + absl::Hours(h);
    EXPECT_EQ(even->ContainsUncached(t), h % 2 == 0) << h;
  }
  absl::StatusOr<CronWindow> halves = CronWindow::Create("0,30 * * * *", "15,45 * * * *", "Etc/UTC");
  EXPECT_TRUE(halves->ContainsUncached(At("2024-05-02T10:35:00+0000")));
  EXPECT_FALSE(halves->ContainsUncached(At("2024-05-02T10:50:00+0000")));

  // Past midnight: 22:00 to 06:00.
  absl::StatusOr<CronWindow> night = CronWindow::Create("0 22 * * *", "0 6 * * *", "Asia/Kolkata");
  ASSERT_TRUE(night.ok());
  EXPECT_TRUE(night->ContainsUncached(At("2024-05-02T23:00:00+0530")));
  EXPECT_TRUE(night->ContainsUncached(At("2024-05-03T05:59:59+0530")));
  EXPECT_FALSE(night->ContainsUncached(At("2024-05-03T06:00:00+0530")));
  EXPECT_FALSE(night->ContainsUncached(At("2024-05-03T21:59:59+0530")));
  EXPECT_TRUE(night->ContainsUncached(At("2024-05-03T22:00:00+0530")));

  // KEDA's refusals (cron_scaler_test.go testCronMetadata).
  EXPECT_FALSE(CronWindow::Create("30 * * * *", "30 * * * *", "Asia/Kolkata").ok());
  EXPECT_FALSE(CronWindow::Create("-30 * * * *", "45 * * * *", "Asia/Kolkata").ok());
  EXPECT_FALSE(CronWindow::Create("30 * * * *", "50 * * -3 *", "Asia/Kolkata").ok());
  EXPECT_TRUE(CronWindow::Create("30-33 * * * *", "45 * * * *", "Asia/Kolkata").ok());
  EXPECT_THAT(std::string(CronWindow::Create("x", "45 * * * *", "UTC").status().message()),
              HasSubstr("error parsing start schedule"));
  EXPECT_THAT(std::string(CronWindow::Create("0 8 * * *", "0 18 * * *", "Nowhere/City")
                              .status()
                              .message()),
              HasSubstr("unknown time zone \"Nowhere/City\""));
}

TEST(CronWindow, MissingInstantsCountAsTheEarliestTime) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time now = At("2024-05-02T10:00:00+0000");
  // Start never comes: Go's zero time is before the next end: open.
  CronWindow never_starts = CronWindow::FromParts(*CronSchedule::Parse("0 0 30 2 *"),
                                                  *CronSchedule::Parse("0 18 * * *"), utc);
  EXPECT_TRUE(never_starts.ContainsUncached(now));
  EXPECT_TRUE(never_starts.Contains(now));
  // End never comes: closed.
  CronWindow never_ends = CronWindow::FromParts(*CronSchedule::Parse("0 8 * * *"),
                                                *CronSchedule::Parse("0 0 30 2 *"), utc);
  EXPECT_FALSE(never_ends.ContainsUncached(now));
  // Neither: open.
  CronWindow neither = CronWindow::FromParts(*CronSchedule::Parse("0 0 30 2 *"),
                                             *CronSchedule::Parse("0 0 31 4 *"), utc);
  EXPECT_TRUE(neither.ContainsUncached(now));
  // Start and end at one instant: open (the end is not before the start).
  CronWindow same = CronWindow::FromParts(*CronSchedule::Parse("0 * * * *"),
                                          *CronSchedule::Parse("0 0 * * *"), utc);
  EXPECT_TRUE(same.ContainsUncached(At("2024-05-02T23:30:00+0000")));
  EXPECT_FALSE(same.ContainsUncached(At("2024-05-02T22:30:00+0000")));
}

// The cache answers exactly as recomputing would, minute by minute across
// a week with both daylight-saving changes of a zone.
TEST(CronWindow, CacheAgreesWithRecomputing) {
  struct Span {
    const char* from;
    const char* start;
    const char* end;
    const char* zone;
  } spans[] = {
      {"2024-03-29T00:00:00+0100", "30 2 * * *", "0 3 * * *", "Europe/Berlin"},
      {"2024-10-25T00:00:00+0200", "30 2 * * *", "45 2 * * *", "Europe/Berlin"},
      {"2024-03-08T00:00:00-0500", "0 8 * * 1-5", "0 18 * * 1-5", "America/New_York"},
      {"2024-02-26T00:00:00+0000", "0 0 28-31 * *", "0 0 1 * *", "UTC"},
  };
  for (const Span& s : spans) {
    absl::StatusOr<CronWindow> w = CronWindow::Create(s.start, s.end, s.zone);
    ASSERT_TRUE(w.ok()) << w.status();
    CronWindow cached = *w;
    int open = 0;
    for (int m = 0; m < 7 * 24 * 60; ++m) {
      const absl::Time t = At(s.from) + absl::Minutes(m) + absl::Seconds(m % 60);
      const bool want = w->ContainsUncached(t);
      ASSERT_EQ(cached.Contains(t), want) << s.start << " .. " << s.end << " at " << t;
      open += want ? 1 : 0;
    }
    EXPECT_GT(open, 0) << s.start;
  }
}

// Daylight saving in a window: on the spring-forward night a window that
// starts in the gap never opens; on the fall-back night a window inside
// the repeated hour opens twice.
TEST(CronWindow, DaylightSavingNights) {
  absl::StatusOr<CronWindow> w = CronWindow::Create("30 2 * * *", "45 2 * * *", "Europe/Berlin");
  ASSERT_TRUE(w.ok());
  auto open_minutes = [&](const char* from) {
    int n = 0;
    for (int m = 0; m < 24 * 60; ++m) n += w->ContainsUncached(At(from) + absl::Minutes(m)) ? 1 : 0;
    return n;
  };
  EXPECT_EQ(open_minutes("2024-03-31T00:00:00+0100"), 0);
  EXPECT_EQ(open_minutes("2024-04-01T00:00:00+0200"), 15);
  EXPECT_EQ(open_minutes("2024-10-27T00:00:00+0200"), 30);

  // When only the start falls in the gap, the next instant after the
  // previous night's end is an end: KEDA's rule holds the window open from
  // that end (03:15 on the 30th) to 03:15 on the 31st.
  absl::StatusOr<CronWindow> late = CronWindow::Create("30 2 * * *", "15 3 * * *", "Europe/Berlin");
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->ContainsUncached(At("2024-03-30T02:00:00+0100")));
  EXPECT_TRUE(late->ContainsUncached(At("2024-03-30T02:45:00+0100")));  // an ordinary night
  EXPECT_TRUE(late->ContainsUncached(At("2024-03-30T03:15:00+0100")));  // ... that does not end
  EXPECT_TRUE(late->ContainsUncached(At("2024-03-30T12:00:00+0100")));
  EXPECT_TRUE(late->ContainsUncached(At("2024-03-31T03:14:00+0200")));
  EXPECT_FALSE(late->ContainsUncached(At("2024-03-31T03:15:00+0200")));
  // On the fall-back night 02:30 comes twice and 03:15 once: at the first
  // 02:30 the next start (the second 02:30) comes before the end, so the
  // window opens only at the second.
  EXPECT_FALSE(late->ContainsUncached(At("2024-10-27T02:40:00+0200")));
  EXPECT_TRUE(late->ContainsUncached(At("2024-10-27T02:40:00+0100")));
  EXPECT_FALSE(late->ContainsUncached(At("2024-10-27T03:15:00+0100")));
}

TEST(LoadZone, GoNames) {
  EXPECT_EQ(LoadZone("")->name(), absl::UTCTimeZone().name());
  EXPECT_EQ(LoadZone("UTC")->name(), absl::UTCTimeZone().name());
  EXPECT_EQ(LoadZone("Local")->name(), absl::UTCTimeZone().name());
  EXPECT_TRUE(LoadZone("Etc/UTC").ok());
  EXPECT_TRUE(LoadZone("America/Sao_Paulo").ok());
  EXPECT_FALSE(LoadZone("../etc/passwd").ok());
  EXPECT_FALSE(LoadZone("/usr/share/zoneinfo/UTC").ok());
  EXPECT_FALSE(LoadZone("Not/AZone").ok());
}

}  // namespace
}  // namespace agentscale::schedule

namespace agentscale::schedule {
namespace {

// Found by cron_fuzz: a field that names nothing ("," is an empty list, as
// robfig reads it) made Next walk five years a minute at a time (minutes
// under the sanitizers). It still finds nothing, at once.
TEST(CronNext, AFieldThatNamesNothingNeverMatches) {
  const absl::Time from = absl::FromUnixSeconds(946684800);
  const absl::TimeZone utc = absl::UTCTimeZone();
  for (const char* line : {", ? * * 3-5", "0 , * * *", "0 0 * , *", "0 0 , * ,", "0 0 , * *",
                           "0 0 * * ,"}) {
    absl::StatusOr<CronSchedule> s = CronSchedule::Parse(line);
    ASSERT_TRUE(s.ok()) << line << ": " << s.status();
    EXPECT_EQ(s->Next(from, utc), std::nullopt) << line;
  }
  CronParseOptions with_seconds;
  with_seconds.seconds = true;
  absl::StatusOr<CronSchedule> s = CronSchedule::Parse(", * * * * *", with_seconds);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->Next(from, utc), std::nullopt);
  // One empty day field without a star: the other still picks days.
  s = CronSchedule::Parse("0 0 , * 1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->Next(from, utc).has_value());
}

}  // namespace
}  // namespace agentscale::schedule
