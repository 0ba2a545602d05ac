// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Stabilization, rate limits and scale events (spec §6, §7), table-driven,
// at the edges the spec names.

#include "agentscale/hpa/normalize.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::hpa {
namespace {

using ::testing::ElementsAre;

const absl::Time kNormalizeNow = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                        absl::UTCTimeZone());

Recommendation Rec(int32_t replicas, int seconds_ago) {
  return Recommendation{replicas, kNormalizeNow - absl::Seconds(seconds_ago)};
}
ScaleEvent Ev(int32_t change, int seconds_ago) {
  return ScaleEvent{change, kNormalizeNow - absl::Seconds(seconds_ago), false};
}
ScalingRules Rules(SelectPolicy select, std::vector<ScalingPolicy> policies) {
  ScalingRules r;
  r.select_policy = select;
  r.policies = std::move(policies);
  return r;
}
ScalingPolicy Pods(int32_t v, int period_s) {
  return {PolicyType::kPods, v, absl::Seconds(period_s)};
}
ScalingPolicy Percent(int32_t v, int period_s) {
  return {PolicyType::kPercent, v, absl::Seconds(period_s)};
}

// ---------------------------------------------------------------------------

struct StabilizeCase {
  std::string name;
  int up_window_s;
  int down_window_s;
  int32_t current;
  int32_t desired;
  std::vector<Recommendation> history;
  int32_t want;
  std::vector<int32_t> want_history;
};

class StabilizeWithBehaviorTest : public ::testing::TestWithParam<StabilizeCase> {};

TEST_P(StabilizeWithBehaviorTest, Clamps) {
  const StabilizeCase& c = GetParam();
  std::vector<Recommendation> h = c.history;
  EXPECT_EQ(StabilizeWithBehavior(kNormalizeNow, absl::Seconds(c.up_window_s),
                                  absl::Seconds(c.down_window_s), c.current,
                                  c.desired, &h),
            c.want);
  std::vector<int32_t> got;
  for (const Recommendation& r : h) got.push_back(r.replicas);
  EXPECT_EQ(got, c.want_history);
}

std::vector<StabilizeCase> StabilizeCases() {
  return {
      // §11's worked example: 9 within the down window holds 10 -> 9; the
      // entry at -400 s is old and is overwritten with the raw 8.
      {"WorkedExample", 0, 300, 10, 8, {Rec(9, 120), Rec(10, 400)}, 9, {9, 8}},
      {"UpWindowTakesMinimum", 60, 300, 3, 8, {Rec(4, 30), Rec(6, 45)}, 4, {4, 6, 8}},
      // Recommendations that move against the current size keep it.
      {"AgainstCurrentHolds", 60, 300, 5, 8, {Rec(3, 30)}, 5, {3, 8}},
      // An entry exactly at the cutoff is neither inside nor old.
      {"CutoffIsExclusive", 0, 300, 10, 4, {Rec(9, 300)}, 4, {9, 4}},
      {"ZeroWindowsExcludeEverything", 0, 0, 10, 4, {Rec(9, 0)}, 4, {9, 4}},
      // Only the last old entry is reused.
      {"LastOldEntryReused", 0, 60, 10, 7, {Rec(1, 500), Rec(2, 400), Rec(8, 30)}, 8,
       {1, 7, 8}},
  };
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, StabilizeWithBehaviorTest, ::testing::ValuesIn(StabilizeCases()),
    [](const ::testing::TestParamInfo<StabilizeCase>& i) { return i.param.name; });

TEST(StabilizeLegacy, MaxAlsoLiftsScaleUp) {
  std::vector<Recommendation> h = {Rec(9, 100)};
  // desired 6 > current, but a recent 9 raises it: the legacy window is a max.
  EXPECT_EQ(StabilizeLegacy(kNormalizeNow, absl::Minutes(5), 6, &h), 9);
  EXPECT_EQ(h.size(), 2u);
}

TEST(StabilizeLegacy, OldEntryReplaced) {
  std::vector<Recommendation> h = {Rec(9, 400), Rec(3, 100)};
  EXPECT_EQ(StabilizeLegacy(kNormalizeNow, absl::Minutes(5), 2, &h), 3);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].replicas, 2);
  EXPECT_EQ(h[0].timestamp, kNormalizeNow);
}

// ---------------------------------------------------------------------------

struct LegacyRulesCase {
  std::string name;
  int32_t current, desired, min, max;
  Limited want;
};

class LegacyRulesTest : public ::testing::TestWithParam<LegacyRulesCase> {};

TEST_P(LegacyRulesTest, Clamps) {
  const LegacyRulesCase& c = GetParam();
  Limited got = ConvertWithLegacyRules(c.current, c.desired, c.min, c.max, 2.0, 4.0);
  EXPECT_EQ(got.replicas, c.want.replicas);
  EXPECT_EQ(got.reason, c.want.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, LegacyRulesTest,
    ::testing::ValuesIn(std::vector<LegacyRulesCase>{
        {"Within", 3, 5, 1, 10, {5, Reason::kDesiredWithinRange}},
        {"ScaleUpLimitIsDoubleOrFour", 3, 50, 1, 100, {6, Reason::kScaleUpLimit}},
        {"ScaleUpLimitMinimumFour", 1, 50, 1, 100, {4, Reason::kScaleUpLimit}},
        {"MaxBelowLimit", 5, 50, 1, 8, {8, Reason::kTooManyReplicas}},
        // The min check comes first and ignores the up-limit.
        {"MinFirst", 1, 0, 9, 20, {9, Reason::kTooFewReplicas}},
    }),
    [](const ::testing::TestParamInfo<LegacyRulesCase>& i) { return i.param.name; });

// ---------------------------------------------------------------------------

struct LimitCase {
  std::string name;
  int32_t current;
  ScalingRules rules;
  std::vector<ScaleEvent> up, down;
  int32_t want_up;
  int32_t want_down;
};

class PolicyLimitTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(PolicyLimitTest, Limits) {
  const LimitCase& c = GetParam();
  EXPECT_EQ(ScaleUpLimit(kNormalizeNow, c.current, c.up, c.down, c.rules), c.want_up);
  EXPECT_EQ(ScaleDownLimit(kNormalizeNow, c.current, c.up, c.down, c.rules), c.want_down);
}

std::vector<LimitCase> LimitCases() {
  return {
      // Percent: ceil going up (3 x 1.5 = 4.5 -> 5), truncation going down
      // (3 x 0.5 = 1.5 -> 1).
      {"PercentCeilUpTruncDown", 3, Rules(SelectPolicy::kMax, {Percent(50, 60)}), {}, {}, 5, 1},
      // 10 x 0.85 = 8.5: down truncates to 8 (ceil would say 9).
      {"PercentDownTruncates", 10, Rules(SelectPolicy::kMax, {Percent(15, 60)}), {}, {}, 12, 8},
      {"MaxPicksLargestChange", 10,
       Rules(SelectPolicy::kMax, {Pods(4, 60), Percent(100, 60)}), {}, {}, 20, 0},
      {"MinPicksSmallestChange", 10,
       Rules(SelectPolicy::kMin, {Pods(4, 60), Percent(100, 60)}), {}, {}, 14, 6},
      {"DisabledIsCurrent", 10, Rules(SelectPolicy::kDisabled, {Pods(4, 60)}), {}, {}, 10, 10},
      // periodStart = current - added + deleted, from both lists.
      {"BothEventListsCount", 10, Rules(SelectPolicy::kMax, {Pods(2, 60)}),
       {Ev(3, 10)}, {Ev(1, 20)}, 10, 6},
      // Events at exactly now - period are outside the period.
      {"EventAtPeriodStartIsOutside", 10, Rules(SelectPolicy::kMax, {Pods(2, 60)}),
       {Ev(3, 60)}, {}, 12, 8},
      {"NoPoliciesNeverMoves", 10, Rules(SelectPolicy::kMax, {}), {}, {}, INT32_MIN,
       INT32_MAX},
  };
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, PolicyLimitTest, ::testing::ValuesIn(LimitCases()),
    [](const ::testing::TestParamInfo<LimitCase>& i) { return i.param.name; });

TEST(ConvertWithBehaviorRate, LimitClampedToCurrentNeverReverses) {
  // 6 pods were added in the last 60 s under a 2-per-60 s policy: the limit
  // (10 - 6 + 2 = 6) is below current, so it is clamped to current (no
  // forced scale-down), and the scale-up is held.
  Limited l = ConvertWithBehaviorRate(kNormalizeNow, 10, 15, 1, 20,
                                      Rules(SelectPolicy::kMax, {Pods(2, 60)}),
                                      Rules(SelectPolicy::kMax, {Pods(1, 60)}),
                                      {Ev(6, 30)}, {});
  EXPECT_EQ(l.replicas, 10);
  EXPECT_EQ(l.reason, Reason::kScaleUpLimit);
}

TEST(ConvertWithBehaviorRate, DownUsesMinNotMaxAndUpUsesMaxNotMin) {
  const ScalingRules wide = Rules(SelectPolicy::kMax, {Percent(100, 15)});
  Limited down = ConvertWithBehaviorRate(kNormalizeNow, 5, 1, 3, 10, wide, wide, {}, {});
  EXPECT_EQ(down.replicas, 3);
  EXPECT_EQ(down.reason, Reason::kTooFewReplicas);
  Limited up = ConvertWithBehaviorRate(kNormalizeNow, 5, 40, 3, 10, wide, wide, {}, {});
  EXPECT_EQ(up.replicas, 10);
  EXPECT_EQ(up.reason, Reason::kTooManyReplicas);
  Limited same = ConvertWithBehaviorRate(kNormalizeNow, 5, 5, 3, 10, wide, wide, {}, {});
  EXPECT_EQ(same.reason, Reason::kDesiredWithinRange);
}

TEST(StoreScaleEvent, ReusesLastOutdatedAndKeepsFlagSticky) {
  std::vector<ScaleEvent> events = {Ev(8, 29), Ev(7, 61), Ev(9, 61)};
  StoreScaleEvent(kNormalizeNow, Rules(SelectPolicy::kMax, {Pods(10, 60), Percent(100, 30)}), 10, 15,
                  &events);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].replica_change, 7);
  EXPECT_TRUE(events[1].outdated);
  EXPECT_EQ(events[2], (ScaleEvent{5, kNormalizeNow, false}));
}

TEST(StoreScaleEvent, AppendsWhenNothingIsOutdated) {
  std::vector<ScaleEvent> events = {Ev(2, 10)};
  StoreScaleEvent(kNormalizeNow, Rules(SelectPolicy::kMax, {Pods(1, 60)}), 10, 7, &events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].replica_change, 3);
}

TEST(ReplicasChangeInPeriod, StrictlyAfterCutoff) {
  std::vector<ScaleEvent> events = {Ev(1, 61), Ev(2, 60), Ev(4, 59)};
  EXPECT_EQ(ReplicasChangeInPeriod(kNormalizeNow, absl::Seconds(60), events), 4);
}

// ---------------------------------------------------------------------------
// StabilizationIndex: the indexed overload against the plain scan, sync by
// sync, on random runs that hit what the index must handle: syncs at the
// same instant, gaps longer than both windows (many entries old at once),
// fractional times, windows equal to each other, zero, negative or
// infinite, a window changed mid-run, histories imported mid-run
// (including one recorded after `now`), and a history grown past 64
// entries.

struct IndexRun {
  uint32_t seed;
  int up_window_s;
  int down_window_s;
};

class StabilizationIndexTest : public ::testing::TestWithParam<IndexRun> {};

TEST_P(StabilizationIndexTest, SameResultAndHistoryAsThePlainScan) {
  const IndexRun& run = GetParam();
  std::mt19937 rng(run.seed);
  auto uniform = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  absl::Duration up = absl::Seconds(run.up_window_s);
  absl::Duration down = absl::Seconds(run.down_window_s);
  std::vector<Recommendation> plain;
  std::vector<Recommendation> indexed;
  StabilizationIndex index;
  absl::Time now = kNormalizeNow;
  int32_t current = 3;
  int rebuilt = 0;
  for (int sync = 0; sync < 4000; ++sync) {
    const int step = uniform(0, 99);
    if (step < 5) {
      // No time passes.
    } else if (step < 8) {
      now += absl::Seconds(uniform(301, 2000));  // past both windows
    } else if (step < 20) {
      now += absl::Milliseconds(uniform(1, 20000));
    } else {
      now += absl::Seconds(15);
    }
    const int event = uniform(0, 999);
    if (event < 3) {
      // An imported history, sometimes with an entry after `now`.
      std::vector<Recommendation> h;
      const int n = uniform(0, 90);
      for (int i = 0; i < n; ++i) {
        h.push_back(Recommendation{uniform(0, 20),
                                   now - absl::Seconds(uniform(-5, 900))});
      }
      plain = h;
      indexed = h;
      index.Invalidate();
      ++rebuilt;
    } else if (event < 5) {
      down = absl::Seconds(uniform(-60, 600));
      up = absl::Seconds(uniform(-60, 120));
    } else if (event < 6) {
      (uniform(0, 1) == 0 ? down : up) =
          uniform(0, 1) == 0 ? absl::InfiniteDuration() : -absl::InfiniteDuration();
    }
    const int32_t desired = uniform(0, 20);
    const int32_t want = StabilizeWithBehavior(now, up, down, current, desired, &plain);
    const int32_t got =
        StabilizeWithBehavior(now, up, down, current, desired, &indexed, &index);
    ASSERT_EQ(got, want) << "sync " << sync << " seed " << run.seed;
    ASSERT_EQ(indexed, plain) << "sync " << sync << " seed " << run.seed;
    current = want;
  }
  EXPECT_GT(rebuilt, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, StabilizationIndexTest,
    ::testing::Values(IndexRun{1, 0, 300}, IndexRun{2, 60, 300}, IndexRun{3, 300, 300},
                      IndexRun{4, 300, 60}, IndexRun{5, 0, 0}, IndexRun{6, 15, 15},
                      IndexRun{7, 3600, 3600}, IndexRun{8, 120, 1800},
                      IndexRun{9, -30, 120}, IndexRun{10, 0, -60}));

TEST(StabilizationIndex, LongWindowsGrowPast64Entries) {
  std::vector<Recommendation> plain, indexed;
  StabilizationIndex index;
  absl::Time now = kNormalizeNow;
  for (int i = 0; i < 500; ++i) {
    now += absl::Seconds(15);
    const int32_t desired = (i * 7919) % 23;
    ASSERT_EQ(StabilizeWithBehavior(now, absl::Seconds(900), absl::Seconds(3600), 5,
                                    desired, &indexed, &index),
              StabilizeWithBehavior(now, absl::Seconds(900), absl::Seconds(3600), 5,
                                    desired, &plain));
  }
  EXPECT_EQ(indexed, plain);
  EXPECT_EQ(plain.size(), 241u);  // 3600 s / 15 s + the entry of this sync
}

TEST(StabilizationIndex, CopiesAndMovesRebuild) {
  std::vector<Recommendation> h{Rec(9, 100), Rec(4, 20)};
  StabilizationIndex index;
  EXPECT_EQ(StabilizeWithBehavior(kNormalizeNow, absl::ZeroDuration(), absl::Seconds(300), 10, 2,
                                  &h, &index),
            9);
  StabilizationIndex copy = index;
  std::vector<Recommendation> other{Rec(1, 10)};
  // The copy has not seen `other`; it must not answer from `h`'s entries.
  EXPECT_EQ(StabilizeWithBehavior(kNormalizeNow, absl::ZeroDuration(), absl::Seconds(300), 10, 2,
                                  &other, &copy),
            2);
  StabilizationIndex moved = std::move(index);
  EXPECT_EQ(StabilizeWithBehavior(kNormalizeNow + absl::Seconds(15), absl::ZeroDuration(),
                                  absl::Seconds(300), 10, 1, &h, &moved),
            9);
}

TEST(StabilizationIndex, FallsBackWhereItCannotHold) {
  // A recommendation after `now` (the plain scan), then an infinite window.
  std::vector<Recommendation> h{Rec(9, -30), Rec(2, 10)};
  std::vector<Recommendation> plain = h;
  StabilizationIndex index;
  EXPECT_EQ(StabilizeWithBehavior(kNormalizeNow, absl::ZeroDuration(), absl::Seconds(300), 3, 1,
                                  &h, &index),
            StabilizeWithBehavior(kNormalizeNow, absl::ZeroDuration(), absl::Seconds(300), 3, 1,
                                  &plain));
  EXPECT_EQ(h, plain);
  EXPECT_EQ(StabilizeWithBehavior(kNormalizeNow, absl::ZeroDuration(), absl::InfiniteDuration(),
                                  3, 1, &h, &index),
            StabilizeWithBehavior(kNormalizeNow, absl::ZeroDuration(), absl::InfiniteDuration(),
                                  3, 1, &plain));
  EXPECT_EQ(h, plain);
}

}  // namespace
}  // namespace agentscale::hpa
