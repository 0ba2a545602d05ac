// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// GoogleTest matchers and macros for absl::Status and absl::StatusOr<T>.
// Debian 12's Abseil (20220623) ships no absl/status/status_matchers.h, so
// agentscale's tests use these instead. They accept both absl::Status and
// absl::StatusOr<T>.
//
//   using ::agentscale_testing::IsOk;
//   using ::agentscale_testing::IsOkAndHolds;
//   using ::agentscale_testing::StatusIs;
//   using ::testing::HasSubstr;
//
//   EXPECT_THAT(ValidateSpec(spec), IsOk());
//   EXPECT_THAT(ParseQuantity("12x"),
//               StatusIs(absl::StatusCode::kInvalidArgument,
//                        HasSubstr("suffix")));
//   EXPECT_THAT(ParseQuantity("1500m"), IsOkAndHolds(1500));
//   ASSERT_OK_AND_ASSIGN(auto spec, config::Preset("production"));
//   EXPECT_OK(ValidateSpec(spec));
//
// The namespace is `agentscale_testing` rather than `agentscale::testing` so
// that `testing::` inside namespace agentscale keeps naming GoogleTest.
#ifndef AGENTSCALE_TESTS_TESTING_STATUS_MATCHERS_H_
#define AGENTSCALE_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale_testing {
namespace internal_status {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Implements IsOk() for one argument type.
template <typename T>
class MonoIsOkMatcher : public ::testing::MatcherInterface<T> {
 public:
  void DescribeTo(std::ostream* os) const override { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "is not OK";
  }
  bool MatchAndExplain(T actual,
                       ::testing::MatchResultListener* listener) const override {
    const absl::Status& status = GetStatus(actual);
    if (status.ok()) return true;
    *listener << "which has status " << status.ToString();
    return false;
  }
};

class IsOkMatcher {
 public:
  template <typename T>
  operator ::testing::Matcher<T>() const {  // NOLINT(runtime/explicit)
    return ::testing::Matcher<T>(new MonoIsOkMatcher<T>());
  }
};

// The code and message checks that StatusIs() makes, shared by every
// argument type.
class StatusIsCommon {
 public:
  StatusIsCommon(::testing::Matcher<absl::StatusCode> code,
                 ::testing::Matcher<const std::string&> message)
      : code_(std::move(code)), message_(std::move(message)) {}

  void DescribeTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_.DescribeTo(os);
    *os << ", and has an error message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "either has a status code that ";
    code_.DescribeNegationTo(os);
    *os << ", or has an error message that ";
    message_.DescribeNegationTo(os);
  }
  bool MatchAndExplain(const absl::Status& status,
                       ::testing::MatchResultListener* listener) const {
    ::testing::StringMatchResultListener inner;
    if (!code_.MatchAndExplain(status.code(), &inner)) {
      *listener << "whose status code " << status.code() << " is wrong";
      if (!inner.str().empty()) *listener << " (" << inner.str() << ")";
      *listener << "; the status is " << status.ToString();
      return false;
    }
    const std::string message(status.message());
    if (!message_.MatchAndExplain(message, &inner)) {
      *listener << "whose error message is wrong";
      if (!inner.str().empty()) *listener << " (" << inner.str() << ")";
      *listener << "; the status is " << status.ToString();
      return false;
    }
    return true;
  }

 private:
  ::testing::Matcher<absl::StatusCode> code_;
  ::testing::Matcher<const std::string&> message_;
};

template <typename T>
class MonoStatusIsMatcher : public ::testing::MatcherInterface<T> {
 public:
  explicit MonoStatusIsMatcher(StatusIsCommon common)
      : common_(std::move(common)) {}
  void DescribeTo(std::ostream* os) const override { common_.DescribeTo(os); }
  void DescribeNegationTo(std::ostream* os) const override {
    common_.DescribeNegationTo(os);
  }
  bool MatchAndExplain(T actual,
                       ::testing::MatchResultListener* listener) const override {
    return common_.MatchAndExplain(GetStatus(actual), listener);
  }

 private:
  StatusIsCommon common_;
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(::testing::Matcher<absl::StatusCode> code,
                  ::testing::Matcher<const std::string&> message)
      : common_(std::move(code), std::move(message)) {}
  template <typename T>
  operator ::testing::Matcher<T>() const {  // NOLINT(runtime/explicit)
    return ::testing::Matcher<T>(new MonoStatusIsMatcher<T>(common_));
  }

 private:
  StatusIsCommon common_;
};

// Implements IsOkAndHolds() for one absl::StatusOr<T> argument type.
template <typename StatusOrType>
class MonoIsOkAndHoldsMatcher
    : public ::testing::MatcherInterface<StatusOrType> {
 public:
  using ValueType = typename std::decay_t<StatusOrType>::value_type;

  template <typename InnerMatcher>
  explicit MonoIsOkAndHoldsMatcher(InnerMatcher&& inner)
      : inner_(::testing::SafeMatcherCast<const ValueType&>(
            std::forward<InnerMatcher>(inner))) {}

  void DescribeTo(std::ostream* os) const override {
    *os << "is OK and has a value that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "isn't OK or has a value that ";
    inner_.DescribeNegationTo(os);
  }
  bool MatchAndExplain(StatusOrType actual,
                       ::testing::MatchResultListener* listener) const override {
    if (!actual.ok()) {
      *listener << "which has status " << actual.status().ToString();
      return false;
    }
    ::testing::StringMatchResultListener inner;
    const bool matches = inner_.MatchAndExplain(*actual, &inner);
    *listener << "which contains value " << ::testing::PrintToString(*actual);
    if (!inner.str().empty()) *listener << ", " << inner.str();
    return matches;
  }

 private:
  ::testing::Matcher<const ValueType&> inner_;
};

template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}
  template <typename StatusOrType>
  operator ::testing::Matcher<StatusOrType>() const {  // NOLINT
    return ::testing::Matcher<StatusOrType>(
        new MonoIsOkAndHoldsMatcher<StatusOrType>(inner_));
  }

 private:
  InnerMatcher inner_;
};

}  // namespace internal_status

// Matches an absl::Status or absl::StatusOr<T> that is OK.
inline internal_status::IsOkMatcher IsOk() { return {}; }

// Matches an absl::Status or absl::StatusOr<T> whose code matches `code`
// (a value such as absl::StatusCode::kInvalidArgument, or a matcher) and whose
// message matches `message` (a string, or a matcher such as HasSubstr(...)).
template <typename CodeMatcher, typename MessageMatcher>
internal_status::StatusIsMatcher StatusIs(CodeMatcher&& code,
                                          MessageMatcher&& message) {
  return internal_status::StatusIsMatcher(
      ::testing::MatcherCast<absl::StatusCode>(
          std::forward<CodeMatcher>(code)),
      ::testing::MatcherCast<const std::string&>(
          std::forward<MessageMatcher>(message)));
}
// Same, with any message.
template <typename CodeMatcher>
internal_status::StatusIsMatcher StatusIs(CodeMatcher&& code) {
  return StatusIs(std::forward<CodeMatcher>(code), ::testing::_);
}

// Matches an OK absl::StatusOr<T> whose value matches `inner` (a value or a
// matcher).
template <typename InnerMatcher>
internal_status::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>> IsOkAndHolds(
    InnerMatcher&& inner) {
  return internal_status::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>>(
      std::forward<InnerMatcher>(inner));
}

}  // namespace agentscale_testing

#define AGENTSCALE_TESTING_CONCAT_INNER_(a, b) a##b
#define AGENTSCALE_TESTING_CONCAT_(a, b) AGENTSCALE_TESTING_CONCAT_INNER_(a, b)

// EXPECT_OK(expr) / ASSERT_OK(expr): `expr` is an absl::Status or
// absl::StatusOr<T> that must be OK. (Guarded: newer Abseil releases define
// the same names.)
#ifndef EXPECT_OK
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::agentscale_testing::IsOk())
#endif
#ifndef ASSERT_OK
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::agentscale_testing::IsOk())
#endif

// ASSERT_OK_AND_ASSIGN(lhs, rexpr): evaluates `rexpr` (an absl::StatusOr<T>),
// fails the test and returns from the enclosing (void) function if it is not
// OK, and otherwise moves its value into `lhs`, which may be a declaration:
//
//   ASSERT_OK_AND_ASSIGN(AutoscalerSpec spec, config::Preset("production"));
//   ASSERT_OK_AND_ASSIGN(existing_variable, ParseQuantity("2"));
//
// `lhs` must not contain an unparenthesized comma (use an alias or `auto`).
#ifndef ASSERT_OK_AND_ASSIGN
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                    \
  AGENTSCALE_TESTING_ASSERT_OK_AND_ASSIGN_IMPL_(                            \
      AGENTSCALE_TESTING_CONCAT_(agentscale_testing_statusor_, __LINE__), \
      lhs, rexpr)
#endif

#define AGENTSCALE_TESTING_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                                  \
  if (statusor.ok()) {                                                      \
  } else /* NOLINT(readability/braces) */                                   \
    GTEST_FAIL() << "`" #rexpr "` returned " << statusor.status().ToString(); \
  lhs = std::move(statusor).value()

#endif  // AGENTSCALE_TESTS_TESTING_STATUS_MATCHERS_H_
