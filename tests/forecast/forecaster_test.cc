// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Forecasters against values worked by hand from the equations in
// forecast/forecaster.h (docs/forecasts.md): seasonal-naive, Holt-Winters
// (additive, damped, multiplicative), linear trend; their intervals; missing
// samples; option checks.

#include "agentscale/forecast/forecaster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace agentscale::forecast {
namespace {

constexpr double kZ90 = 1.6448536269514729;  // the 95th percentile

TEST(NormalQuantileTest, KnownValues) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963984540054, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.95), kZ90, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(NormalQuantile(0.01), -2.326347874040841, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.999), 3.090232306167814, 1e-7);
  EXPECT_EQ(NormalQuantile(0), -std::numeric_limits<double>::infinity());
}

TEST(SeasonalNaiveTest, RepeatsTheLastSeason) {
  SeasonalNaive f = *SeasonalNaive::Create({3, 0.9});
  EXPECT_FALSE(f.ready());
  EXPECT_TRUE(std::isinf(f.Predict(1).upper));
  for (double x : {1, 2, 3, 4, 6, 8}) f.Update(x);
  ASSERT_TRUE(f.ready());
  // Seasonal differences 3, 4, 5: sigma^2 = 50/3.
  const double sigma = std::sqrt(50.0 / 3);
  EXPECT_DOUBLE_EQ(f.Predict(1).mean, 4);
  EXPECT_DOUBLE_EQ(f.Predict(2).mean, 6);
  EXPECT_DOUBLE_EQ(f.Predict(3).mean, 8);
  EXPECT_DOUBLE_EQ(f.Predict(4).mean, 4);
  EXPECT_NEAR(f.Predict(1).upper - 4, kZ90 * sigma, 1e-7);
  EXPECT_NEAR(f.Predict(4).upper - 4, kZ90 * sigma * std::sqrt(2.0), 1e-7);  // k = 1
  // A missing sample is the seasonal forecast and adds no difference.
  f.Update(std::nan(""));
  EXPECT_DOUBLE_EQ(f.Predict(3).mean, 4);
  EXPECT_NEAR(f.Predict(3).upper - 4, kZ90 * sigma, 1e-7);
}

// m = 2, a = b' = g = 0.5, data 10 20 | 12 22: start at level 15, trend 1,
// season (-5, 5); then t=2: forecast 11, level 16.5, trend 1.25, s0 -4.5;
// t=3: forecast 22.75, level 17.375, trend 1.0625, s1 4.625.
TEST(HoltWintersTest, AdditiveByHand) {
  HoltWintersOptions o;
  o.season = 2;
  o.alpha = o.beta = o.gamma = 0.5;
  HoltWinters f = *HoltWinters::Create(o);
  for (double x : {10.0, 20.0, 12.0}) {
    f.Update(x);
    EXPECT_FALSE(f.ready());
  }
  f.Update(22);
  ASSERT_TRUE(f.ready());
  EXPECT_DOUBLE_EQ(f.level(), 17.375);
  EXPECT_DOUBLE_EQ(f.trend(), 1.0625);
  EXPECT_DOUBLE_EQ(f.seasonal(4), -4.5);
  EXPECT_DOUBLE_EQ(f.seasonal(5), 4.625);
  EXPECT_DOUBLE_EQ(f.Predict(1).mean, 13.9375);  // 17.375 + 1.0625 - 4.5
  EXPECT_DOUBLE_EQ(f.Predict(2).mean, 24.125);   // 17.375 + 2.125 + 4.625
  // One-step errors 1 and -0.75: sigma^2 = 0.78125; c1 = 0.75, c2 = 1.5.
  const double s2 = 0.78125;
  EXPECT_NEAR(f.Predict(1).upper - f.Predict(1).mean, kZ90 * std::sqrt(s2), 1e-7);
  EXPECT_NEAR(f.Predict(2).upper - f.Predict(2).mean, kZ90 * std::sqrt(s2 * 1.5625), 1e-7);
  EXPECT_NEAR(f.Predict(3).upper - f.Predict(3).mean, kZ90 * std::sqrt(s2 * 3.8125), 1e-7);
  EXPECT_EQ(f.name(), "holt-winters-additive");
}

// The same with phi = 0.8: level 16.4 then 17.14, trend 1.1 then 0.81,
// s1 4.86; two steps ahead: 17.14 + (0.8 + 0.64) 0.81 + 4.86.
TEST(HoltWintersTest, DampedByHand) {
  HoltWintersOptions o;
  o.season = 2;
  o.alpha = o.beta = o.gamma = 0.5;
  o.phi = 0.8;
  HoltWinters f = *HoltWinters::Create(o);
  for (double x : {10.0, 20.0, 12.0, 22.0}) f.Update(x);
  EXPECT_NEAR(f.level(), 17.14, 1e-12);
  EXPECT_NEAR(f.trend(), 0.81, 1e-12);
  EXPECT_NEAR(f.Predict(2).mean, 23.1664, 1e-12);
  EXPECT_EQ(f.name(), "holt-winters-additive-damped");
}

// Multiplicative, data 10 20 | 12 24: level 15, trend 1.5, season (2/3,
// 4/3); t=2: level 17.25, trend 1.875, s0 12/16.5/2 + 1/3; t=3: level
// 18.5625, trend 1.59375.
TEST(HoltWintersTest, MultiplicativeByHand) {
  HoltWintersOptions o;
  o.season = 2;
  o.alpha = o.beta = o.gamma = 0.5;
  o.seasonality = Seasonality::kMultiplicative;
  HoltWinters f = *HoltWinters::Create(o);
  for (double x : {10.0, 20.0, 12.0, 24.0}) f.Update(x);
  EXPECT_NEAR(f.level(), 18.5625, 1e-12);
  EXPECT_NEAR(f.trend(), 1.59375, 1e-12);
  const double s0 = 0.5 * 12 / 16.5 + 0.5 * (2.0 / 3);
  EXPECT_NEAR(f.Predict(1).mean, (18.5625 + 1.59375) * s0, 1e-12);
}

TEST(HoltWintersTest, LearnsASeasonalShape) {
  // A daily shape of 24 steps with a slow rise: after a few days the
  // forecast an hour ahead is within 2 % and the interval covers the truth.
  HoltWintersOptions o;
  o.season = 24;
  HoltWinters f = *HoltWinters::Create(o);
  auto truth = [](int t) { return 100 + 0.05 * t + 40 * std::sin(2 * M_PI * t / 24.0); };
  int t = 0;
  for (; t < 24 * 10; ++t) f.Update(truth(t));
  const Forecast next = f.Predict(1);
  EXPECT_NEAR(next.mean, truth(t), 0.02 * truth(t));
  EXPECT_LE(next.lower, truth(t));
  EXPECT_GE(next.upper, truth(t));
  // A missing sample keeps the model going.
  f.Update(std::nan(""));
  EXPECT_NEAR(f.Predict(1).mean, truth(t + 1), 0.02 * truth(t + 1));
}

TEST(LinearTrendTest, LeastSquaresByHand) {
  LinearTrend f = *LinearTrend::Create({5, 0.9});
  for (double x : {1.0, 3.0, 5.0, 7.0, 9.0}) f.Update(x);
  EXPECT_DOUBLE_EQ(f.Predict(1).mean, 11);
  EXPECT_DOUBLE_EQ(f.Predict(1).upper, 11);  // a perfect line: no spread
  LinearTrend g = *LinearTrend::Create({5, 0.9});
  for (double x : {1.0, 2.0, 4.0, 4.0, 6.0}) g.Update(x);
  // Slope 1.2, intercept 1.0 at j = 0; SSE 0.8; x0 = 5, mean 2.
  const Forecast p = g.Predict(1);
  EXPECT_NEAR(p.mean, 7.0, 1e-12);
  EXPECT_NEAR(p.upper - p.mean, kZ90 * std::sqrt(0.8 / 3) * std::sqrt(1 + 0.2 + 0.9), 1e-7);
  // The window slides: 2 4 4 6 8 has slope 1.4 and intercept 2.
  g.Update(8);
  EXPECT_NEAR(g.Predict(1).mean, 9.0, 1e-12);
  EXPECT_NEAR(g.Predict(3).mean, 11.8, 1e-12);
}

TEST(LinearTrendTest, StaysExactOverManyUpdates) {
  // A million samples through a window of 7: the running sums are
  // refreshed, so the fit of the last window is exact.
  LinearTrend f = *LinearTrend::Create({7, 0.9});
  for (int t = 0; t < 1'000'000; ++t) f.Update(1e6 + 3.0 * t + (t % 2 == 0 ? 0.25 : -0.25));
  LinearTrend g = *LinearTrend::Create({7, 0.9});
  for (int t = 1'000'000 - 7; t < 1'000'000; ++t) g.Update(1e6 + 3.0 * t + (t % 2 == 0 ? 0.25 : -0.25));
  EXPECT_NEAR(f.Predict(1).mean, g.Predict(1).mean, 1e-6);
  EXPECT_NEAR(f.Predict(1).upper, g.Predict(1).upper, 1e-6);
}

TEST(ForecasterTest, OptionsAreChecked) {
  EXPECT_FALSE(SeasonalNaive::Create({0, 0.9}).ok());
  EXPECT_FALSE(SeasonalNaive::Create({24, 1.0}).ok());
  HoltWintersOptions o;
  o.season = 1;
  EXPECT_FALSE(HoltWinters::Create(o).ok());
  o.season = 24;
  o.alpha = 1.5;
  EXPECT_FALSE(HoltWinters::Create(o).ok());
  o.alpha = 0.3;
  o.phi = 0;
  EXPECT_FALSE(HoltWinters::Create(o).ok());
  EXPECT_FALSE(LinearTrend::Create({2, 0.9}).ok());
}

}  // namespace
}  // namespace agentscale::forecast
