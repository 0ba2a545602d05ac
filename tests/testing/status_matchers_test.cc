// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Self-test for tests/testing/status_matchers.h.
#include "testing/status_matchers.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"

namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::IsOkAndHolds;
using ::agentscale_testing::StatusIs;
using ::testing::AnyOf;
using ::testing::DescribeMatcher;
using ::testing::Eq;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::Matcher;
using ::testing::Not;

absl::Status Invalid() { return absl::InvalidArgumentError("minReplicas: must be >= 1"); }
absl::StatusOr<int> Seven() { return 7; }
absl::StatusOr<int> NotFound() { return absl::NotFoundError("no preset \"x\""); }
absl::StatusOr<std::unique_ptr<int>> Boxed() { return std::make_unique<int>(3); }

// Returns the explanation a matcher gives for `value`, or "<matched>".
template <typename T, typename M>
std::string Explain(const M& matcher, const T& value) {
  Matcher<const T&> m = matcher;
  ::testing::StringMatchResultListener listener;
  if (m.MatchAndExplain(value, &listener)) return "<matched>";
  return listener.str();
}

TEST(IsOkTest, MatchesOkStatusAndStatusOr) {
  EXPECT_THAT(absl::OkStatus(), IsOk());
  EXPECT_THAT(Seven(), IsOk());
  EXPECT_OK(absl::OkStatus());
  ASSERT_OK(Seven());
}

TEST(IsOkTest, RejectsErrorsAndExplainsWhy) {
  EXPECT_THAT(Invalid(), Not(IsOk()));
  EXPECT_THAT(NotFound(), Not(IsOk()));
  EXPECT_THAT(Explain<absl::Status>(IsOk(), Invalid()),
              HasSubstr("INVALID_ARGUMENT: minReplicas: must be >= 1"));
  EXPECT_EQ(DescribeMatcher<absl::Status>(IsOk()), "is OK");
  EXPECT_EQ(DescribeMatcher<absl::Status>(IsOk(), /*negation=*/true),
            "is not OK");
}

TEST(StatusIsTest, MatchesCode) {
  EXPECT_THAT(Invalid(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NotFound(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(absl::OkStatus(), StatusIs(absl::StatusCode::kOk));
  EXPECT_THAT(Seven(), StatusIs(absl::StatusCode::kOk));
  EXPECT_THAT(Invalid(), Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_THAT(Invalid(), StatusIs(AnyOf(absl::StatusCode::kNotFound,
                                        absl::StatusCode::kInvalidArgument)));
}

TEST(StatusIsTest, MatchesCodeAndMessage) {
  EXPECT_THAT(Invalid(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("minReplicas")));
  EXPECT_THAT(Invalid(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  "minReplicas: must be >= 1"));
  EXPECT_THAT(Invalid(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  std::string("minReplicas: must be >= 1")));
  EXPECT_THAT(NotFound(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("preset")));
  EXPECT_THAT(Invalid(), Not(StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("maxReplicas"))));
  EXPECT_THAT(Invalid(), Not(StatusIs(absl::StatusCode::kNotFound,
                                      HasSubstr("minReplicas"))));
}

TEST(StatusIsTest, ExplainsMismatch) {
  EXPECT_THAT(
      Explain<absl::Status>(StatusIs(absl::StatusCode::kNotFound), Invalid()),
      HasSubstr("status code INVALID_ARGUMENT is wrong"));
  EXPECT_THAT(Explain<absl::StatusOr<int>>(
                  StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")),
                  NotFound()),
              HasSubstr("error message is wrong"));
  EXPECT_EQ(Explain<absl::Status>(StatusIs(absl::StatusCode::kInvalidArgument),
                                  Invalid()),
            "<matched>");
  EXPECT_THAT(DescribeMatcher<absl::Status>(
                  StatusIs(absl::StatusCode::kNotFound, HasSubstr("x"))),
              HasSubstr("has a status code that is equal to NOT_FOUND"));
}

TEST(IsOkAndHoldsTest, MatchesValue) {
  EXPECT_THAT(Seven(), IsOkAndHolds(7));
  EXPECT_THAT(Seven(), IsOkAndHolds(Gt(6)));
  EXPECT_THAT(Seven(), Not(IsOkAndHolds(8)));
  EXPECT_THAT(NotFound(), Not(IsOkAndHolds(Eq(7))));
  EXPECT_THAT(Explain<absl::StatusOr<int>>(IsOkAndHolds(7), NotFound()),
              HasSubstr("NOT_FOUND"));
}

TEST(AssertOkAndAssignTest, AssignsDeclarationsAndExistingVariables) {
  ASSERT_OK_AND_ASSIGN(int seven, Seven());
  EXPECT_EQ(seven, 7);
  ASSERT_OK_AND_ASSIGN(const auto boxed, Boxed());  // move-only value
  EXPECT_EQ(*boxed, 3);
  int existing = 0;
  ASSERT_OK_AND_ASSIGN(existing, Seven());
  EXPECT_EQ(existing, 7);
}

void AssignFromError() {
  ASSERT_OK_AND_ASSIGN(int value, NotFound());
  ADD_FAILURE() << "not reached: " << value;
}

TEST(AssertOkAndAssignTest, FailsFatallyOnError) {
  EXPECT_FATAL_FAILURE(AssignFromError(), "NOT_FOUND: no preset");
}

void AssertOkOnError() { ASSERT_OK(Invalid()); }

TEST(AssertOkTest, FailsFatallyOnError) {
  EXPECT_FATAL_FAILURE(AssertOkOnError(), "minReplicas: must be >= 1");
  EXPECT_NONFATAL_FAILURE(EXPECT_OK(Invalid()), "INVALID_ARGUMENT");
}

}  // namespace
