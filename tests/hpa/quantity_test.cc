// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/quantity.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::hpa {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

struct MilliCase {
  std::string name;
  std::string input;
  int64_t milli;
};
void PrintTo(const MilliCase& c, std::ostream* os) { *os << c.name; }


std::string CaseName(const testing::TestParamInfo<MilliCase>& info) {
  return info.param.name;
}

class ParseMilliTest : public testing::TestWithParam<MilliCase> {};

TEST_P(ParseMilliTest, MatchesKubernetesMilliValue) {
  absl::StatusOr<int64_t> got = ParseQuantityMilli(GetParam().input);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, GetParam().milli) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Quantities, ParseMilliTest,
    testing::ValuesIn(std::vector<MilliCase>{
        {"Zero", "0", 0},
        {"Integer", "70", 70'000},
        {"Milli", "500m", 500},
        {"DecimalKilo", "1.5k", 1'500'000},
        {"BinaryGi", "2Gi", 2'147'483'648'000},
        {"BinaryKi", "1Ki", 1'024'000},
        {"FractionalBinary", "1.5Ki", 1'536'000},
        {"HalfKi", "0.5Ki", 512'000},
        {"BinaryPi", "1Pi", 1'125'899'906'842'624'000},
        {"Exponent", "1e3", 1'000'000},
        {"ExponentUpper", "1E3", 1'000'000},
        {"ExponentPlus", "1e+3", 1'000'000},
        {"ExponentMinus", "1e-3", 1},
        {"ExponentFraction", "5e-1", 500},
        {"Tenth", "0.1", 100},
        {"RoundsUpTinyPositive", "0.0001", 1},
        // int64Amount.AsScaledInt64 rounds away from zero.
        {"RoundsAwayTinyNegative", "-0.0001", -1},
        {"RoundsUpMicro", "1001u", 2},
        {"ExactMicro", "1000u", 1},
        {"Nano", "1n", 1},
        {"RoundsUpMilliFraction", "1.5e-3", 2},
        {"RoundsAwayNegativeFraction", "-1.5e-3", -2},
        {"Negative", "-1.5", -1'500},
        {"PlusSign", "+5", 5'000},
        {"TrailingDot", "1.", 1'000},
        {"LeadingDot", ".5", 500},
        {"LeadingZeros", "00012", 12'000},
        {"HugeNegativeExponent", "1e-100", 1},
        {"ZeroWithSuffix", "0Gi", 0},
        {"LoneSignIsZero", "-", 0},
        {"LoneSuffixIsZero", "m", 0},
        {"LoneDotIsZero", ".", 0},
        {"ZeroFraction", "0.000", 0},
        {"MaxMilli", "9223372036854775807m", kMax},
        {"MinMilli", "-9223372036854775808m", kMin},
        {"LargestUnits", "9223372036854775", 9'223'372'036'854'775'000},
        {"LongFraction", "0.12345678901234567890123", 124},
        {"Mega", "3M", 3'000'000'000},
        {"Tera", "2T", 2'000'000'000'000'000},
    }),
    CaseName);

struct BadCase {
  std::string name;
  std::string input;
  std::string why;  // substring of the reason
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }


std::string BadName(const testing::TestParamInfo<BadCase>& info) {
  return info.param.name;
}

class ParseMilliErrorTest : public testing::TestWithParam<BadCase> {};

TEST_P(ParseMilliErrorTest, IsInvalidArgumentQuotingTheInput) {
  absl::StatusOr<int64_t> got = ParseQuantityMilli(GetParam().input);
  ASSERT_FALSE(got.ok()) << GetParam().input << " -> " << *got;
  EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(got.status().message());
  EXPECT_THAT(message,
              StartsWith("invalid quantity \"" + GetParam().input + "\": "));
  EXPECT_THAT(message, HasSubstr(GetParam().why));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseMilliErrorTest,
    testing::ValuesIn(std::vector<BadCase>{
        {"Empty", "", "empty"},
        {"Letters", "abc", "unexpected character 'a'"},
        {"TrailingSpace", "1 ", "unexpected character ' '"},
        {"LeadingSpace", " 1", "unexpected character ' '"},
        {"LowercaseKi", "1ki", "unknown suffix \"ki\""},
        {"BareExponent", "1e", "unknown suffix \"e\""},
        {"TwoDots", "1.5.5", "unexpected character '.'"},
        {"DigitsAfterSuffix", "1Mi3", "unknown suffix \"Mi3\""},
        {"SuffixAfterExponent", "1e3m", "unexpected character 'm'"},
        {"DoubleSign", "--1", "unknown suffix \"-1\""},
        {"Underscore", "1_000", "unexpected character '_'"},
        {"Hex", "0x10", "unexpected character 'x'"},
        {"ExponentOutOfInt64", "1e99999999999999999999", "unknown suffix"},
        {"OverflowUnits", "9223372036854776", "does not fit in int64"},
        {"OverflowMilli", "9223372036854775808m", "does not fit in int64"},
        {"OverflowNegative", "-9223372036854775809m", "does not fit in int64"},
        {"OverflowExa", "1E", "does not fit in int64"},
        {"OverflowEi", "1Ei", "does not fit in int64"},
        {"OverflowExponent", "1e100", "does not fit in int64"},
    }),
    BadName);

struct FormatCase {
  std::string name;
  int64_t milli;
  std::string text;
};
void PrintTo(const FormatCase& c, std::ostream* os) { *os << c.name; }


std::string FormatName(const testing::TestParamInfo<FormatCase>& info) {
  return info.param.name;
}

class FormatMilliTest : public testing::TestWithParam<FormatCase> {};

TEST_P(FormatMilliTest, IsCanonicalAndParsesBack) {
  EXPECT_EQ(FormatMilli(GetParam().milli), GetParam().text);
  absl::StatusOr<int64_t> back = ParseQuantityMilli(GetParam().text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, GetParam().milli);
}

INSTANTIATE_TEST_SUITE_P(
    Values, FormatMilliTest,
    testing::ValuesIn(std::vector<FormatCase>{
        {"Zero", 0, "0"},
        {"Units", 70'000, "70"},
        {"Milli", 500, "500m"},
        {"UnitsAndMilli", 1'500, "1500m"},
        {"NegativeMilli", -500, "-500m"},
        {"NegativeUnits", -2'000, "-2"},
        {"Max", kMax, "9223372036854775807m"},
        {"Min", kMin, "-9223372036854775808m"},
    }),
    FormatName);

struct FloatCase {
  std::string name;
  std::string input;
  double value;
};
void PrintTo(const FloatCase& c, std::ostream* os) { *os << c.name; }


std::string FloatName(const testing::TestParamInfo<FloatCase>& info) {
  return info.param.name;
}

class ApproximateFloatTest : public testing::TestWithParam<FloatCase> {};

TEST_P(ApproximateFloatTest, MatchesAsApproximateFloat64) {
  absl::StatusOr<double> got = ParseQuantityApproximateFloat(GetParam().input);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, GetParam().value) << GetParam().input;
  // The writer's form loads back to the very same float.
  const std::string text = FormatQuantityDouble(*got);
  absl::StatusOr<double> back = ParseQuantityApproximateFloat(text);
  ASSERT_TRUE(back.ok()) << text;
  EXPECT_EQ(*back, *got) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Values, ApproximateFloatTest,
    testing::ValuesIn(std::vector<FloatCase>{
        {"Tenth", "0.1", 0.1},
        {"FivePercent", "0.05", 0.05},
        {"FiftyMilli", "50m", 0.05},
        {"One", "1", 1.0},
        {"Zero", "0", 0.0},
        {"Kibi", "1Ki", 1024.0},
        {"Exponent", "25e-2", 0.25},
        // More than nine fractional digits: inf.Dec path, rounded up to nano.
        {"BelowNano", "1e-10", 1e-9},
        {"Negative", "-0.5", -0.5},
    }),
    FloatName);

TEST(FormatQuantityDoubleTest, ShortestRoundTrippingForm) {
  EXPECT_EQ(FormatQuantityDouble(0.1), "0.1");
  EXPECT_EQ(FormatQuantityDouble(0.05), "0.05");
  EXPECT_EQ(FormatQuantityDouble(0.0), "0");
  EXPECT_EQ(FormatQuantityDouble(1.5), "1.5");
}

TEST(FormatQuantityDoubleTest, NonFiniteDoesNotParse) {
  EXPECT_FALSE(
      ParseQuantityApproximateFloat(FormatQuantityDouble(std::nan(""))).ok());
  EXPECT_FALSE(ParseQuantityApproximateFloat(
                   FormatQuantityDouble(std::numeric_limits<double>::infinity()))
                   .ok());
}

TEST(QuantityToDoubleTest, DividesByThousand) {
  EXPECT_EQ(QuantityToDouble(70'000), 70.0);
  EXPECT_EQ(QuantityToDouble(500), 0.5);
  EXPECT_EQ(QuantityToDouble(-1), -0.001);
}

}  // namespace
}  // namespace agentscale::hpa
