// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/selector.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::hpa {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

struct SelectorCase {
  std::string name;
  std::string selector;
  Labels labels;
  bool want;
};

class SelectorMatchTest : public ::testing::TestWithParam<SelectorCase> {};

TEST_P(SelectorMatchTest, Matches) {
  const SelectorCase& c = GetParam();
  absl::StatusOr<Selector> s = Selector::Parse(c.selector);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->Matches(c.labels), c.want);
}

INSTANTIATE_TEST_SUITE_P(
    Selector, SelectorMatchTest,
    ::testing::ValuesIn(std::vector<SelectorCase>{
        {"Equals", "app=agent", {{"app", "agent"}}, true},
        {"DoubleEquals", "app==agent", {{"app", "agent"}}, true},
        {"EqualsMismatch", "app=agent", {{"app", "web"}}, false},
        {"NotEqualsMissingKey", "tier!=canary", {}, true},
        {"NotEqualsHit", "tier!=canary", {{"tier", "canary"}}, false},
        {"In", "tier in (a, b)", {{"tier", "b"}}, true},
        {"NotIn", "tier notin (a,b)", {{"tier", "c"}}, true},
        {"Exists", "tier", {{"tier", ""}}, true},
        {"DoesNotExist", "!tier", {{"tier", "x"}}, false},
        {"Conjunction", "app=agent,tier in (a,b)", {{"app", "agent"}, {"tier", "c"}}, false},
        {"EmptySelectsAll", "", {{"x", "y"}}, true},
    }),
    [](const ::testing::TestParamInfo<SelectorCase>& i) { return i.param.name; });

TEST(Selector, ParseErrorsQuoteTheSelector) {
  EXPECT_THAT(Selector::Parse("app=agent,"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unable to parse selector \"app=agent,\"")));
  EXPECT_THAT(Selector::Parse("tier in (a,b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parenthesis")));
  EXPECT_THAT(Selector::Parse("tier within (a)"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("within")));
  EXPECT_THAT(Selector::Parse("a b=c"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid label key")));
}

TEST(Selector, FromLabelSelector) {
  LabelSelector ls;
  ls.match_labels["app"] = "agent";
  ls.match_expressions.push_back({"tier", "NotIn", {"canary"}});
  absl::StatusOr<Selector> s = Selector::FromLabelSelector(ls);
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(s->Matches({{"app", "agent"}, {"tier", "main"}}));
  EXPECT_FALSE(s->Matches({{"app", "agent"}, {"tier", "canary"}}));
  ls.match_expressions[0].op = "Near";
  EXPECT_THAT(Selector::FromLabelSelector(ls),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Near")));
}

}  // namespace
}  // namespace agentscale::hpa
