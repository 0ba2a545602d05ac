// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The formula engine against expr-lang/expr v1.17's rules (parser/operator,
// checker, optimizer/fold.go, vm/runtime) and KEDA's use of it
// (pkg/scaling/modifiers/formula.go, scaledobject_webhook.go).

#include "agentscale/keda/formula.h"

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <limits>
#include <new>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

// Allocation counting, for the zero-allocation contract of Evaluate.
#include "testing/allocation_counter.h"  // NOLINT(build/include_order)

namespace agentscale::keda {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::nan("");
const std::optional<double> kFailed = std::nullopt;

FormulaValue Int(double v) { return FormulaValue::Number(v, /*is_integer=*/true); }
FormulaValue Float(double v) { return FormulaValue::Number(v); }
FormulaValue Bool(bool b) { return FormulaValue::Bool(b); }
FormulaValue Nil() { return FormulaValue::Nil(); }

// Equal as values, with NaN equal to NaN and -0 unequal to +0.
bool Same(const FormulaValue& a, const FormulaValue& b) {
  if (a.kind != b.kind || a.integer != b.integer) return false;
  if (!a.is_number()) return a == b;
  if (std::isnan(a.number) || std::isnan(b.number)) {
    return std::isnan(a.number) && std::isnan(b.number);
  }
  return a.number == b.number && std::signbit(a.number) == std::signbit(b.number);
}

const std::vector<std::string> kVariables = {"a", "b", "c"};

// --- Evaluation ------------------------------------------------------------------

struct EvalCase {
  std::string name;
  std::string formula;
  FormulaValue want;
  // a, b, c; by default a = 2, b = 3 and c failed.
  std::vector<std::optional<double>> values = {2.0, 3.0, kFailed};
};
void PrintTo(const EvalCase& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

template <typename Case>
std::string CaseName(const testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

class EvaluateTest : public testing::TestWithParam<EvalCase> {};

TEST_P(EvaluateTest, MatchesExpr) {
  const EvalCase& c = GetParam();
  absl::StatusOr<Formula> f = Formula::Parse(c.formula, kVariables);
  ASSERT_THAT(f, IsOk());
  absl::StatusOr<FormulaValue> got = f->Evaluate(c.values);
  ASSERT_THAT(got, IsOk());
  EXPECT_TRUE(Same(*got, c.want)) << c.formula << " = " << got->ToString() << ", want "
                                  << c.want.ToString();
  // The canonical form parses to the same formula.
  absl::StatusOr<Formula> again = Formula::Parse(f->ToString(), kVariables);
  ASSERT_THAT(again, IsOk()) << f->ToString();
  EXPECT_EQ(again->ToString(), f->ToString());
  absl::StatusOr<FormulaValue> got_again = again->Evaluate(c.values);
  ASSERT_THAT(got_again, IsOk());
  EXPECT_TRUE(Same(*got_again, c.want)) << f->ToString();
}

INSTANTIATE_TEST_SUITE_P(
    PrecedenceAndAssociativity, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"MulBeforeAdd", "1 + 2 * 3", Int(7)},
        {"Parentheses", "(1 + 2) * 3", Int(9)},
        {"SubIsLeftAssociative", "10 - 4 - 3", Int(3)},
        {"DivIsLeftAssociative", "16 / 4 / 2", Float(2)},
        {"PercentIsMulLevel", "2 + 7 % 4 * 2", Int(8)},
        {"PowIsRightAssociative", "2 ** 3 ** 2", Float(512)},
        {"CaretIsPow", "2 ^ 3 ^ 2", Float(512)},
        {"CaretAndStarStarMix", "2 ^ 3 ** 2", Float(512)},
        {"PowAboveMul", "2 * 3 ** 2", Float(18)},
        {"PowAboveMulOnTriggers", "a * b ** 2", Float(18)},
        // Unary minus (90) takes its operand with ** (100) in it.
        {"UnaryMinusBelowPow", "-2 ** 2", Float(-4)},
        {"ParenthesizedUnaryMinusPow", "(-2) ** 2", Float(4)},
        {"PowNegativeExponent", "2 ** -1", Float(0.5)},
        {"UnaryMinusAboveMul", "-a * b", Float(-6)},
        {"UnaryMinusOfDivision", "-1 / 0", Float(-kInf)},
        // ?? (500) binds tighter than every other binary operator.
        {"UnaryMinusTakesCoalesce", "-c ?? 5", Int(-5)},
        {"CoalesceTighterThanPlus", "a + c ?? 1", Float(3)},
        {"CoalesceTighterThanMul", "a * c ?? 10", Float(20)},
        {"CoalesceTighterThanPow", "2 ** c ?? 3", Float(8)},
        {"ParenthesizedCoalesceThenPlus", "(c ?? 1) + a", Float(3)},
        {"NotBelowEquality", "!true == false", Bool(true)},
        {"NotKeyword", "not (a > 5)", Bool(true)},
        // ! (50) takes ?? (500) into its operand: !(c ?? true).
        {"NotTakesCoalesce", "!c ?? true", Bool(false)},
        {"AndBeforeOr", "a > 1 || a > 5 && a > 9", Bool(true)},
        {"AndOrKeywords", "a > 5 or b > 1 and b < 9", Bool(true)},
        {"ArithmeticBeforeComparison", "a + 1 > b", Bool(false)},
        {"ComparisonBeforeAnd", "a > 1 && b > 1", Bool(true)},
        {"EqualityIsLeftAssociative", "a == 2 == true", Bool(true)},
    }),
    CaseName<EvalCase>);

INSTANTIATE_TEST_SUITE_P(
    ComparisonsAndTernary, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"Less", "a < b", Bool(true)},
        {"GreaterOrEqual", "a >= b", Bool(false)},
        {"Equal", "a == 2", Bool(true)},
        {"NotEqual", "a != 2", Bool(false)},
        {"IntEqualsFloat", "2 == 2.0", Bool(true)},
        // expr chains < <= > >=: 1 < a < 3 is 1 < a && a < 3.
        {"ChainTrue", "1 < a < 3", Bool(true)},
        {"ChainFalse", "1 < a < 2", Bool(false)},
        {"ChainMixed", "4 > b >= 3", Bool(true)},
        {"ChainUpDown", "a < b > 1", Bool(true)},
        {"ChainShortCircuits", "a > 5 < c", Bool(false)},
        {"TernaryTrue", "a > 1 ? a : b", Float(2)},
        {"TernaryFalse", "a > 5 ? a : b", Float(3)},
        {"TernaryNestsRight", "a > 5 ? 1 : a > 1 ? 2 : 3", Int(2)},
        {"TernaryInMiddle", "a > 1 ? b > 5 ? 1 : 2 : 3", Int(2)},
        {"TernaryIsLowest", "a > 1 ? 1 : 2 + 10", Int(1)},
        {"TernaryElseTakesAll", "a > 5 ? 1 : 2 + 10", Int(12)},
        {"TernaryInParentheses", "1 + (a > 1 ? 1 : 2)", Int(2)},
        {"TernaryConditionArithmetic", "a + 1 > 2 ? 1 : 0", Int(1)},
        {"TernaryInArgument", "max(a > 1 ? 10 : 0, b)", Int(10)},
        {"Elvis", "a > 1 ?: false", Bool(true)},
        {"ElvisFalse", "a > 5 ?: b > 1", Bool(true)},
    }),
    CaseName<EvalCase>);

INSTANTIATE_TEST_SUITE_P(
    NilAndCoalesce, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"FirstPresent", "a ?? b", Float(2)},
        {"SkipsFailed", "c ?? b ?? 8", Float(3)},
        {"ChainToConstant", "c ?? c ?? 8", Int(8)},
        {"ToFloatConstant", "c ?? 2.5", Float(2.5)},
        {"AllNil", "c ?? nil", Nil()},
        {"NilLiterals", "nil ?? nil", Nil()},
        {"NilEqualsNil", "c == nil", Bool(true)},
        {"PresentIsNotNil", "a == nil", Bool(false)},
        {"NilNotEqual", "c != nil", Bool(false)},
        {"NilLiteralEquality", "nil == nil", Bool(true)},
        // runtime.Equal: values of different kinds are unequal, not errors.
        {"NilEqualsNumber", "c == 1", Bool(false)},
        {"GuardWithTernary", "c != nil ? c : 5", Int(5)},
        // Unary + compiles to nothing, so nil passes through it.
        {"UnaryPlusPassesNil", "(+c) ?? 1", Int(1)},
        {"UnaryPlus", "+a", Float(2)},
        // A one-argument min or max returns its argument as it is.
        {"MaxOfNil", "max(c)", Nil()},
        {"MaxOfOne", "max(a)", Float(2)},
        {"NaNIsNotNil", "a ?? 1", Float(kNaN), {kNaN, 0.0, kFailed}},
    }),
    CaseName<EvalCase>);

INSTANTIATE_TEST_SUITE_P(
    Arithmetic, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"DivisionIsFloat", "7 / 2", Float(3.5)},
        {"DivideByZero", "1 / 0", Float(kInf)},
        {"DivideNegativeByZero", "-a / 0", Float(-kInf)},
        {"DivideByNegativeZero", "1 / -0.0", Float(-kInf)},
        {"ZeroByZero", "0 / 0", Float(kNaN)},
        {"TriggerByZero", "a / 0", Float(kInf)},
        {"ZeroByNegative", "0 / -1", Float(-0.0)},
        {"InfMinusInf", "a - a", Float(kNaN), {kInf, 0.0, kFailed}},
        {"NaNUnequal", "a == a", Bool(false), {kNaN, 0.0, kFailed}},
        {"NaNNotEqual", "a != a", Bool(true), {kNaN, 0.0, kFailed}},
        {"NaNNotGreater", "a > 0", Bool(false), {kNaN, 0.0, kFailed}},
        {"IntTimesInt", "2 * 3", Int(6)},
        {"IntTimesFloat", "2 * 3.0", Float(6)},
        {"IntMinusInt", "5 - 7", Int(-2)},
        {"IntWrapsAround", "9223372036854775807 + 1", Int(-9223372036854775808.0)},
        {"Modulo", "7 % 3", Int(1)},
        {"ModuloTruncates", "-7 % 3", Int(-1)},
        {"ModuloNegativeDivisor", "7 % -3", Int(1)},
        {"ModuloAtRunTime", "(a > 1 ? 7 : 8) % 3", Int(1)},
        {"ModuloOfCoalescedInt", "(c ?? 7) % 4", Int(3)},
        {"Underscores", "1_000", Int(1000)},
        {"Hex", "0x1F", Int(31)},
        {"Octal", "0o17", Int(15)},
        {"Binary", "0b101", Int(5)},
        {"Exponent", "1.5e3", Float(1500)},
        {"UpperExponent", "1E2", Float(100)},
        {"LeadingDot", ".5", Float(0.5)},
        {"TrailingDot", "1.", Float(1)},
        {"UnderflowIsZero", "1e-400", Float(0)},
        {"Comments", "a /* the queue */ + b // lag", Float(5)},
        {"Newlines", "a +\n  b", Float(5)},
    }),
    CaseName<EvalCase>);

INSTANTIATE_TEST_SUITE_P(
    Functions, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"AbsInt", "abs(-3)", Int(3)},
        {"AbsFloat", "abs(-2.5)", Float(2.5)},
        {"AbsOfDifference", "abs(a - b)", Float(1)},
        {"AbsNegativeZero", "abs(-0.0)", Float(-0.0)},
        {"Ceil", "ceil(1.2)", Float(2)},
        {"CeilNegative", "ceil(-1.2)", Float(-1)},
        {"CeilOfIntIsFloat", "ceil(3)", Float(3)},
        {"FloorNegative", "floor(-1.2)", Float(-2)},
        {"RoundHalfAwayFromZero", "round(2.5)", Float(3)},
        {"RoundNegativeHalf", "round(-2.5)", Float(-3)},
        {"RoundJustBelowHalf", "round(0.49999999999999994)", Float(0)},
        {"Float", "float(3)", Float(3)},
        {"Max", "max(a, b)", Float(3)},
        {"MaxTrailingComma", "max(a, b,)", Float(3)},
        {"MinKeepsType", "min(a, b, 1)", Int(1)},
        {"MaxMixed", "max(1, 2.5)", Float(2.5)},
        {"MaxTieKeepsFirst", "max(2, 2.0)", Int(2)},
        // minMax replaces only when Less(acc, x): NaN sticks when first and
        // is skipped after.
        {"MaxNaNFirst", "max(a, 1)", Float(kNaN), {kNaN, 0.0, kFailed}},
        {"MaxNaNLater", "max(1, a)", Int(1), {kNaN, 0.0, kFailed}},
        {"MinOfInf", "min(a, b)", Float(3), {kInf, 3.0, kFailed}},
    }),
    CaseName<EvalCase>);

// optimizer/fold.go runs after the checker: && and || with a literal operand
// are folded, so some operands are never evaluated or never checked as bool.
INSTANTIATE_TEST_SUITE_P(
    ConstantFolding, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"AndFalseSkipsLeft", "c > 1 && false", Bool(false)},
        {"OrTrueSkipsLeft", "c > 1 || true", Bool(true)},
        {"AndTrueIsLeftUnchecked", "(c ?? 1) && true", Int(1)},
        {"FalseOrIsRight", "false || c ?? 5", Int(5)},
        {"TrueAndIsRight", "true && a > 1", Bool(true)},
        {"FoldedNot", "a > 1 && !false", Bool(true)},
        {"FoldedEquality", "a > 1 && 1 == 1", Bool(true)},
        {"FoldedArithmetic", "2 * 3 + 4 / 2 - 1", Float(7)},
        {"FoldedPow", "2 ** 10", Float(1024)},
    }),
    CaseName<EvalCase>);

// Go's math.Pow special cases (its doc comment), which std::pow shares.
INSTANTIATE_TEST_SUITE_P(
    PowSpecialCases, EvaluateTest,
    testing::ValuesIn(std::vector<EvalCase>{
        {"AnyToZero", "a ** b", Float(1), {kNaN, 0.0, kFailed}},
        {"OneToNaN", "a ** b", Float(1), {1.0, kNaN, kFailed}},
        {"ToOne", "a ** b", Float(2), {2.0, 1.0, kFailed}},
        {"NaNBase", "a ** b", Float(kNaN), {kNaN, 1.5, kFailed}},
        {"NaNExponent", "a ** b", Float(kNaN), {2.0, kNaN, kFailed}},
        {"ZeroToOddNegative", "a ** b", Float(kInf), {0.0, -1.0, kFailed}},
        {"NegativeZeroToOddNegative", "a ** b", Float(-kInf), {-0.0, -1.0, kFailed}},
        {"ZeroToMinusInf", "a ** b", Float(kInf), {0.0, -kInf, kFailed}},
        {"ZeroToInf", "a ** b", Float(0), {0.0, kInf, kFailed}},
        {"ZeroToEvenNegative", "a ** b", Float(kInf), {0.0, -2.0, kFailed}},
        {"NegativeZeroToOdd", "a ** b", Float(-0.0), {-0.0, 3.0, kFailed}},
        {"ZeroToPositive", "a ** b", Float(0), {-0.0, 2.0, kFailed}},
        {"MinusOneToInf", "a ** b", Float(1), {-1.0, kInf, kFailed}},
        {"MinusOneToMinusInf", "a ** b", Float(1), {-1.0, -kInf, kFailed}},
        {"BigToInf", "a ** b", Float(kInf), {2.0, kInf, kFailed}},
        {"BigToMinusInf", "a ** b", Float(0), {2.0, -kInf, kFailed}},
        {"SmallToInf", "a ** b", Float(0), {0.5, kInf, kFailed}},
        {"SmallToMinusInf", "a ** b", Float(kInf), {0.5, -kInf, kFailed}},
        {"InfToPositive", "a ** b", Float(kInf), {kInf, 2.0, kFailed}},
        {"InfToNegative", "a ** b", Float(0), {kInf, -2.0, kFailed}},
        {"MinusInfToOdd", "a ** b", Float(-kInf), {-kInf, 3.0, kFailed}},
        {"MinusInfToNegativeOdd", "a ** b", Float(-0.0), {-kInf, -3.0, kFailed}},
        {"NegativeToFraction", "a ** b", Float(kNaN), {-8.0, 1.0 / 3, kFailed}},
        {"SquareRoot", "a ** 0.5", Float(2), {4.0, 0.0, kFailed}},
    }),
    CaseName<EvalCase>);

// --- Evaluation errors -------------------------------------------------------------

struct ErrorCase {
  std::string name;
  std::string formula;
  std::string message;  // the whole message
  std::vector<std::optional<double>> values = {2.0, 3.0, kFailed};
};
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

class EvaluateErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(EvaluateErrorTest, NamesThePosition) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<Formula> f = Formula::Parse(c.formula, kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_THAT(f->Evaluate(c.values),
              StatusIs(absl::StatusCode::kInvalidArgument, c.message));
}

constexpr const char* kHint = " (a failed trigger is nil; route around it with ?\?)";

INSTANTIATE_TEST_SUITE_P(
    Nil, EvaluateErrorTest,
    testing::ValuesIn(std::vector<ErrorCase>{
        {"NilPlus", "c + 1", absl::StrCat("formula:1:3: invalid operation: nil + int", kHint)},
        {"PlusNil", "a + c", absl::StrCat("formula:1:3: invalid operation: float64 + nil", kHint)},
        {"AverageWithFailed", "(a + b + c) / 3",
         absl::StrCat("formula:1:8: invalid operation: float64 + nil", kHint)},
        {"CompareNil", "c > 1", absl::StrCat("formula:1:3: invalid operation: nil > int", kHint)},
        {"PowNil", "c ** 2", absl::StrCat("formula:1:3: invalid operation: nil ** int", kHint)},
        {"DivNil", "a / c", absl::StrCat("formula:1:3: invalid operation: float64 / nil", kHint)},
        {"NegateNil", "-c", absl::StrCat("formula:1:1: invalid operation: -nil", kHint)},
        {"AbsNil", "abs(c)",
         absl::StrCat("formula:1:1: invalid argument for abs (type nil)", kHint)},
        {"MaxNil", "max(a, c)",
         absl::StrCat("formula:1:1: invalid argument for max (type nil)", kHint)},
        // Every argument is evaluated before min/max looks at them.
        {"MaxArgumentFirst", "max(c, a + c)",
         absl::StrCat("formula:1:10: invalid operation: float64 + nil", kHint)},
        {"NilCondition", "(a > 1 ? c : true) ? 1 : 2",
         absl::StrCat("formula:1:20: non-bool value (type nil) used as condition", kHint)},
        {"NilAnd", "(a > 1 ? c : true) && a > 1",
         absl::StrCat("formula:1:20: invalid operation: && needs bool operands, got nil", kHint)},
        {"NilNot", "!(a > 1 ? c : true)",
         absl::StrCat("formula:1:1: invalid operation: !nil", kHint)},
        {"SecondLine", "a +\n  c * 2",
         absl::StrCat("formula:2:5: invalid operation: nil * int", kHint)},
    }),
    CaseName<ErrorCase>);

INSTANTIATE_TEST_SUITE_P(
    Types, EvaluateErrorTest,
    testing::ValuesIn(std::vector<ErrorCase>{
        {"ModuloOfFloat", "(a ?? 1) % 2",
         "formula:1:10: invalid operation: float64 % int (% needs two ints)"},
        {"ModuloByZero", "(a > 1 ? 1 : 0) % 0", "formula:1:17: integer divide by zero"},
        // OpEqualInt: both sides are int-typed, so expr asserts int.
        {"IntEqualityOnFloat", "max(1, 2.5) == 3",
         "formula:1:13: invalid operation: float64 == int (both sides are int-typed, so expr "
         "compares them as ints)"},
        {"NumberAsCondition", "(a > 1 ? 1 : true) ? 1 : 2",
         "formula:1:20: non-bool value (type int) used as condition"},
    }),
    CaseName<ErrorCase>);

TEST(FormulaTest, WrongNumberOfValues) {
  absl::StatusOr<Formula> f = Formula::Parse("a + b", kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_THAT(f->Evaluate({1.0}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           "formula: 1 values for 3 triggers"));
}

// --- Parse errors ------------------------------------------------------------------

struct ParseErrorCase {
  std::string name;
  std::string formula;
  std::string message;  // the whole message
  std::vector<std::string> variables = kVariables;
};
void PrintTo(const ParseErrorCase& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

class ParseErrorTest : public testing::TestWithParam<ParseErrorCase> {};

TEST_P(ParseErrorTest, NamesThePosition) {
  const ParseErrorCase& c = GetParam();
  EXPECT_THAT(Formula::Parse(c.formula, c.variables),
              StatusIs(absl::StatusCode::kInvalidArgument, c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, ParseErrorTest,
    testing::ValuesIn(std::vector<ParseErrorCase>{
        {"Empty", "", "formula:1:1: unexpected end of formula"},
        {"Blank", "  ", "formula:1:3: unexpected end of formula"},
        {"MissingOperand", "a +", "formula:1:4: unexpected end of formula"},
        {"Unclosed", "(a + b",
         "formula:1:7: expected \")\" to close \"(\" at 1:1, found end of formula"},
        {"ExtraClose", "a + b)", "formula:1:6: unexpected \")\""},
        {"TwoOperands", "a b", "formula:1:3: unexpected \"b\""},
        {"TernaryWithoutColon", "a > 1 ? b",
         "formula:1:10: expected \":\" of the ternary, found end of formula"},
        {"CoalesceMixed", "a ?? b + 1",
         "formula:1:8: operator + and ?? cannot be mixed; add parentheses"},
        {"CoalesceMixedComparison", "a ?? b > 1",
         "formula:1:8: operator > and ?? cannot be mixed; add parentheses"},
        {"Member", "a.b", "formula:1:2: member access \".\" is not supported in formulas"},
        {"In", "a in b", "formula:1:3: \"in\" is not supported in formulas"},
        {"InInParentheses", "(a in b)", "formula:1:4: \"in\" is not supported in formulas"},
        {"Array", "[a]", "formula:1:1: array or index \"[\" is not supported in formulas"},
        {"Assignment", "a = 1",
         "formula:1:3: \"=\" (use == to compare) is not supported in formulas"},
        {"Pipe", "a | b", "formula:1:3: the pipe operator \"|\" is not supported in formulas"},
        {"String", "a + 'x'", "formula:1:5: strings are not supported in formulas"},
        {"Let", "let x = 1; x", "formula:1:1: \"let\" is not supported in formulas"},
        {"BadCharacter", "a @ b", "formula:1:3: unexpected character '@'"},
        {"ControlCharacter", std::string("a \x01", 3), "formula:1:3: unexpected character \\x01"},
        {"UnclosedComment", "a /* b", "formula:1:3: unclosed comment"},
        {"BadNumber", "2x", "formula:1:1: bad number syntax: \"2x\""},
        {"EmptyHex", "0x", "formula:1:1: invalid hex literal \"0x\""},
        {"BadExponent", "1e", "formula:1:1: invalid float literal \"1e\""},
        {"FloatOverflow", "1e400",
         "formula:1:1: invalid float literal \"1e400\": value out of range"},
        {"IntOverflow", "9223372036854775808",
         "formula:1:1: invalid integer literal \"9223372036854775808\": value out of range"},
        {"EmptyArgument", "max(,a)", "formula:1:5: unexpected \",\""},
        {"MissingComma", "max(a b)", "formula:1:7: expected \",\" or \")\", found \"b\""},
        // Syntax errors come first, as expr parses before it checks.
        {"SyntaxBeforeType", "a + true +", "formula:1:11: unexpected end of formula"},
    }),
    CaseName<ParseErrorCase>);

INSTANTIATE_TEST_SUITE_P(
    Types, ParseErrorTest,
    testing::ValuesIn(std::vector<ParseErrorCase>{
        {"UnknownTrigger", "abs(trig1) + trig3",
         "formula:1:14: unknown trigger \"trig3\"; triggers: trig1, trig2",
         {"trig1", "trig2"}},
        {"UnknownTriggerNoTriggers", "x",
         "formula:1:1: unknown trigger \"x\"; no triggers are named", {}},
        {"UnknownTriggerSecondLine", "a +\n  trig9",
         "formula:2:3: unknown trigger \"trig9\"; triggers: a, b, c"},
        // Columns count UTF-8 code points.
        {"ColumnsCountCodePoints", "/* \xC3\xBC */ x",
         "formula:1:9: unknown trigger \"x\"; triggers: a, b, c"},
        {"ModuloOfTrigger", "a % 2",
         "formula:1:3: invalid operation: % (mismatched types float64 and int)"},
        {"ModuloOfFloat", "7.0 % 2",
         "formula:1:5: invalid operation: % (mismatched types float64 and int)"},
        {"PlusBool", "a + true",
         "formula:1:3: invalid operation: + (mismatched types float64 and bool)"},
        {"NilArithmetic", "nil + 1",
         "formula:1:5: invalid operation: + (mismatched types nil and int)"},
        {"NotNumber", "!a", "formula:1:1: invalid operation: ! (mismatched type float64)"},
        {"NegateBool", "-true", "formula:1:1: invalid operation: - (mismatched type bool)"},
        {"NumberCondition", "a ? 1 : 2",
         "formula:1:1: non-bool expression (type float64) used as condition"},
        {"NilCondition", "nil ? 1 : 2",
         "formula:1:1: non-bool expression (type nil) used as condition"},
        {"AndNumbers", "a && b",
         "formula:1:3: invalid operation: && (mismatched types float64 and float64)"},
        {"CompareBool", "a == true",
         "formula:1:3: invalid operation: == (mismatched types float64 and bool)"},
        {"OrderBool", "a < true",
         "formula:1:3: invalid operation: < (mismatched types float64 and bool)"},
        {"ChainTypes", "1 < a < true",
         "formula:1:7: invalid operation: < (mismatched types float64 and bool)"},
        {"AbsBool", "abs(true)", "formula:1:1: invalid argument for abs (type bool)"},
        {"AbsTwoArguments", "abs(a, b)",
         "formula:1:1: invalid number of arguments (expected 1, got 2)"},
        {"FloatNil", "float(nil)", "formula:1:1: invalid argument for float (type nil)"},
        {"MaxNoArguments", "max()", "formula:1:1: not enough arguments to call max"},
        {"MaxNil", "max(a, nil)", "formula:1:1: invalid argument for max (type nil)"},
        {"UnsupportedFunction", "sqrt(a)",
         "formula:1:1: unsupported function \"sqrt\"; functions: abs, ceil, float, floor, max, "
         "min, round"},
        {"TriggerCalled", "a(1)",
         "formula:1:1: unsupported function \"a\"; functions: abs, ceil, float, floor, max, min, "
         "round"},
        // Folding errors (expr's optimizer) come after type errors.
        {"ConstantModuloByZero", "1 % 0", "formula:1:3: integer divide by zero"},
        {"FoldedModuloByZero", "(2 + 3) % (1 - 1)", "formula:1:9: integer divide by zero"},
        {"TypeBeforeFold", "1 % 0 + true",
         "formula:1:7: invalid operation: + (mismatched types int and bool)"},
        {"DuplicateTrigger", "a", "formula: trigger \"a\" is named twice", {"a", "a"}},
    }),
    CaseName<ParseErrorCase>);

// --- Limits ------------------------------------------------------------------------

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(FormulaLimitsTest, LengthIsBounded) {
  EXPECT_THAT(Formula::Parse(std::string(Formula::kMaxLength + 1, '1'), kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "formula: 4097 bytes; the limit is 4096"));
  // 100 KB of '(' is refused before it is read.
  EXPECT_THAT(Formula::Parse(std::string(100 * 1024, '('), kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the limit is 4096")));
  // A formula of exactly the limit parses: 2048 terms, a stack of two at most.
  const std::string chain = "a" + Repeat("+a", 2047) + " ";
  ASSERT_EQ(chain.size(), Formula::kMaxLength);
  absl::StatusOr<Formula> f = Formula::Parse(chain, kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_LE(f->max_stack_depth(), 2u);
  absl::StatusOr<FormulaValue> v = f->Evaluate({1.0, 0.0, kFailed});
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ(v->number, 2048);
}

TEST(FormulaLimitsTest, NestingIsBounded) {
  // The top level is depth 1; each parenthesis adds one.
  const int ok_parens = Formula::kMaxDepth - 1;
  EXPECT_THAT(Formula::Parse(std::string(ok_parens, '(') + "a" + std::string(ok_parens, ')'),
                             kVariables),
              IsOk());
  const int deep = Formula::kMaxDepth;
  EXPECT_THAT(Formula::Parse(std::string(deep, '(') + "a" + std::string(deep, ')'), kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "formula:1:65: nested deeper than 64 levels"));
  // Within the length limit, without running out of stack.
  EXPECT_THAT(Formula::Parse(std::string(4000, '('), kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  EXPECT_THAT(Formula::Parse(Repeat("-", 4000) + "a", kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  EXPECT_THAT(Formula::Parse(Repeat("!", 4000) + "true", kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  EXPECT_THAT(Formula::Parse("a" + Repeat(" ** a", 500), kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  EXPECT_THAT(Formula::Parse(Repeat("a > 1 ? 1 : ", 300) + "0", kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  EXPECT_THAT(Formula::Parse(Repeat("max(", 1000), kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than 64")));
  // Right-nested sums just inside the limit need one slot per level.
  std::string nested = "a";
  for (int i = 0; i < 30; ++i) nested = "a + (" + nested + ")";
  absl::StatusOr<Formula> f = Formula::Parse(nested, kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_LE(f->max_stack_depth(), Formula::kMaxStack);
  EXPECT_EQ(f->Evaluate({1.0, 0.0, kFailed})->number, 31);
}

TEST(FormulaLimitsTest, ProgramSizeIsBounded) {
  // A chained comparison evaluates its middle operand twice, so nesting them
  // doubles the program at each level.
  std::string e = "a";
  for (int i = 0; i < 20; ++i) e = "(1 < " + e + " < 2 ? a : b)";
  EXPECT_THAT(Formula::Parse(e, kVariables),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("formula compiles to more than 16384 operations")));
  std::string small = "a";
  for (int i = 0; i < 5; ++i) small = "(1 < " + small + " < 2 ? a : b)";
  absl::StatusOr<Formula> f = Formula::Parse(small, kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_THAT(f->Evaluate({1.5, 0.0, kFailed}), IsOk());
}

// --- Canonical form ----------------------------------------------------------------

struct CanonicalCase {
  std::string name;
  std::string formula;
  std::string canonical;
};
void PrintTo(const CanonicalCase& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

class CanonicalTest : public testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalTest, PrintsAndParsesBack) {
  const CanonicalCase& c = GetParam();
  absl::StatusOr<Formula> f = Formula::Parse(c.formula, kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->ToString(), c.canonical);
  absl::StatusOr<Formula> again = Formula::Parse(f->ToString(), kVariables);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->ToString(), c.canonical);
  EXPECT_EQ(again->program_size(), f->program_size());
}

INSTANTIATE_TEST_SUITE_P(
    Forms, CanonicalTest,
    testing::ValuesIn(std::vector<CanonicalCase>{
        {"Average", "(a+b)/2", "(a + b) / 2"},
        {"Keywords", "a > 1 and b > 1 or not (c == nil)", "a > 1 && b > 1 || !(c == nil)"},
        {"Caret", "a ^ 2", "a ** 2"},
        // expr reads -a ** 2 as -(a ** 2); the parentheses are not needed.
        {"UnaryOverPow", "-(a ** 2)", "-a ** 2"},
        {"PowOfUnary", "(-a) ** 2", "(-a) ** 2"},
        {"PowExponentUnary", "a ** -b", "a ** -b"},
        {"DoubleNegation", "-(-a)", "- -a"},
        {"DoubleNot", "!(!(a > 1))", "!!(a > 1)"},
        {"MinusOfCoalesce", "-(a ?? b)", "-a ?? b"},
        // A trailing unary operand would take the next ?? or ** into it.
        {"UnaryAtRightEnd", "(a ?? -b) ?? c", "(a ?? -b) ?? c"},
        {"UnaryAtRightEndOfPow", "(a ** -b) ** c", "(a ** -b) ** c"},
        {"UnaryAtRightEndTimes", "(a * -b) * c", "a * -b * c"},
        {"CoalesceChain", "a ?? b ?? 8", "a ?? b ?? 8"},
        {"CoalesceInPlus", "a + (b ?? 1)", "a + b ?? 1"},
        {"CoalesceLeftOfPlus", "(a ?? b) + 1", "(a ?? b) + 1"},
        {"CoalesceRightNested", "a ?? (b ?? c)", "a ?? (b ?? c)"},
        {"UnaryLeftOfCoalesce", "(-a) ?? b", "(-a) ?? b"},
        {"TernaryChain", "a > 1 ? b : c > 1 ? 1 : 2", "a > 1 ? b : c > 1 ? 1 : 2"},
        {"TernaryAsCondition", "(a > 1 ? b : c) > 1 ? 1 : 2", "(a > 1 ? b : c) > 1 ? 1 : 2"},
        {"TernaryInMiddle", "a > 1 ? (b > 1 ? 1 : 2) : 3", "a > 1 ? b > 1 ? 1 : 2 : 3"},
        {"TernaryAsOperand", "1 + (a > 1 ? 1 : 2)", "1 + (a > 1 ? 1 : 2)"},
        {"Elvis", "a > 1 ?: false", "a > 1 ?: false"},
        {"FloatDigits", "1.50", "1.5"},
        {"FloatWhole", "1e3", "1000.0"},
        {"FloatHuge", "1e21", "1e+21"},
        {"FloatSmall", "0.00001", "0.00001"},
        {"FloatTiny", "1e-7", "1e-07"},
        {"LeadingDot", ".5", "0.5"},
        {"Hex", "0x10", "16"},
        {"Underscores", "1_000", "1000"},
        {"RightNestedMinus", "a - (b - c)", "a - (b - c)"},
        {"LeftNestedMinus", "(a - b) - c", "a - b - c"},
        {"RightNestedPow", "a ** (b ** c)", "a ** b ** c"},
        {"LeftNestedPow", "(a ** b) ** c", "(a ** b) ** c"},
        {"Call", "max( a , b , )", "max(a, b)"},
        {"ComparisonOfComparisons", "(a < b) == (b < c)", "a < b == (b < c)"},
        {"EqualityChain", "(a == b) == (c == nil)", "a == b == (c == nil)"},
        {"Chain", "a < b <= c", "a < b <= c"},
        {"CommentsDropped", "a /* x */ + b // y", "a + b"},
        {"NotOfComparison", "!(a > 1)", "!(a > 1)"},
        {"NotOverEquality", "!true == false", "!true == false"},
        {"RedundantParentheses", "((a)) + ((b) * (2))", "a + b * 2"},
        {"MinusTimes", "-a * b", "-a * b"},
    }),
    CaseName<CanonicalCase>);

// Formulas just inside kMaxDepth: their canonical forms parse too.
TEST(CanonicalDepthTest, NeverDeeperThanTheSource) {
  std::vector<std::string> formulas;
  formulas.push_back(Repeat("-(", 31) + "a" + Repeat(")", 31));
  formulas.push_back(Repeat("a ?? -(", 20) + "b" + Repeat(")", 20));
  formulas.push_back(Repeat("a ** -(", 20) + "b" + Repeat(")", 20));
  formulas.push_back(Repeat("!(", 31) + "a > 1" + Repeat(")", 31));
  formulas.push_back(Repeat("a + (", 31) + "b ?? 1" + Repeat(")", 31));
  formulas.push_back(Repeat("a > 1 ? (", 31) + "b" + Repeat(") : c", 31));
  std::string equalities = "a == 1";
  for (int i = 0; i < 60; ++i) equalities = "(" + equalities + ") == true";
  formulas.push_back(equalities);
  for (const std::string& text : formulas) {
    absl::StatusOr<Formula> f = Formula::Parse(text, kVariables);
    ASSERT_THAT(f, IsOk()) << text;
    absl::StatusOr<Formula> again = Formula::Parse(f->ToString(), kVariables);
    ASSERT_THAT(again, IsOk()) << f->ToString();
    EXPECT_EQ(again->ToString(), f->ToString());
  }
}

// --- KEDA --------------------------------------------------------------------------

struct CompositeCase {
  std::string name;
  std::string formula;
  std::vector<std::optional<double>> values;  // trig1, trig2
  std::optional<double> want;                 // nullopt: nil, KEDA's fallback
  std::string error;                          // non-empty: the error message
};
void PrintTo(const CompositeCase& c, std::ostream* os) { *os << c.name << ": " << c.formula; }

class CompositeTest : public testing::TestWithParam<CompositeCase> {};

TEST_P(CompositeTest, AsKedaComputesIt) {
  const CompositeCase& c = GetParam();
  absl::StatusOr<Formula> f = Formula::Parse(c.formula, {"trig1", "trig2"});
  ASSERT_THAT(f, IsOk());
  absl::StatusOr<std::optional<double>> got = f->EvaluateComposite(c.values);
  if (!c.error.empty()) {
    EXPECT_THAT(got, StatusIs(absl::StatusCode::kInvalidArgument, c.error));
    return;
  }
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, c.want);
}

INSTANTIATE_TEST_SUITE_P(
    KedaDocs, CompositeTest,
    testing::ValuesIn(std::vector<CompositeCase>{
        {"Sum", "trig1 + trig2", {3.0, 4.0}, 7.0, ""},
        {"Average", "(trig1 + trig2)/2", {4.0, 6.0}, 5.0, ""},
        {"TernaryTakesFirst", "trig1 > 2 ? trig1 : trig2", {3.0, 10.0}, 3.0, ""},
        {"TernaryTakesSecond", "trig1 > 2 ? trig1 : trig2", {1.0, 10.0}, 10.0, ""},
        {"IntBranchIsFloat", "trig1 > 2 ? 5 : 0", {3.0, 0.0}, 5.0, ""},
        {"FallbackFirstFailed", "trig1 ?? trig2 ?? 8", {kFailed, 4.0}, 4.0, ""},
        {"FallbackBothFailed", "trig1 ?? trig2 ?? 8", {kFailed, kFailed}, 8.0, ""},
        {"FallbackNoneFailed", "trig1 ?? trig2 ?? 8", {1.0, kFailed}, 1.0, ""},
        // nil from a ?? formula: KEDA emits fallback.replicas * target.
        {"NilForFallback", "trig1 ?? trig2", {kFailed, kFailed}, std::nullopt, ""},
        {"FailedTriggerWithoutCoalesce", "trig1 + trig2", {kFailed, 4.0}, std::nullopt,
         absl::StrCat("formula:1:7: invalid operation: nil + float64", kHint)},
        {"Bool", "trig1 > 2", {3.0, 0.0}, std::nullopt, "formula must return a number, got bool"},
        // float(nil) fails: only formulas with ?? may yield nil.
        {"NilWithoutCoalesce", "trig1 > 2 ? trig1 : nil", {1.0, 0.0}, std::nullopt,
         "formula must return a number, got nil (KEDA allows nil, for the fallback, only from "
         "formulas that use ?\?)"},
        // A formula that begins with "float(" is not wrapped again.
        {"FloatPrefix", "float(trig1 > 2 ? 1 : 2)", {3.0, 0.0}, 1.0, ""},
        {"FloatPrefixIntResult", "float(trig1) > 2 ? 1 : 2", {3.0, 0.0}, std::nullopt,
         "formula must return a float64, got int (KEDA does not wrap a formula that begins "
         "with \"float(\" in float())"},
        {"FloatPrefixNil", "float(trig1) > 2 ? 1.0 : nil", {1.0, 0.0}, std::nullopt, ""},
    }),
    CaseName<CompositeCase>);

TEST(FormulaKedaTest, AdmissionAcceptsKedaTestFormulas) {
  // From KEDA's scaledobject_webhook_test.go (trigger names shortened).
  const std::vector<std::string> triggers = {"trig_one", "trig_two"};
  for (const char* text : {
           "trig_one ?? trig_two ?? 5",
           "float(trig_one < 2 ? trig_one+trig_two >= 2 ? 5 : 10 : 0)",
           "float(float(trig_two < 5 ? trig_one + trig_two : 5))",
           "trig_one < 5 ? trig_two + trig_one : 5",
           "float(trig_one + 1)",
           "trig_one + 1",
       }) {
    absl::StatusOr<Formula> f = Formula::Parse(text, triggers);
    ASSERT_THAT(f, IsOk()) << text;
    EXPECT_THAT(f->CheckKedaAdmission(), IsOk()) << text;
  }
}

TEST(FormulaKedaTest, AdmissionRefuses) {
  const std::vector<std::string> triggers = {"trig_one", "trig_two"};
  struct Refused {
    const char* text;
    const char* message;
  };
  for (const Refused& r : std::vector<Refused>{
           {"trig_one > 1",
            "formula: KEDA's float() wrapper refuses it: invalid argument for float (type bool)"},
           {"nil ?? nil",
            "formula: KEDA's float() wrapper refuses it: invalid argument for float (type nil)"},
           // The dry run with every trigger at -1.
           {"(trig_one ?? 1) % 2",
            "formula:1:17: invalid operation: float64 % int (% needs two ints)"},
           {"trig_one > 0 ? trig_one : nil",
            "formula must return a number, got nil (KEDA allows nil, for the fallback, only "
            "from formulas that use ?\?)"},
       }) {
    absl::StatusOr<Formula> f = Formula::Parse(r.text, triggers);
    ASSERT_THAT(f, IsOk()) << r.text;
    EXPECT_THAT(f->CheckKedaAdmission(),
                StatusIs(absl::StatusCode::kInvalidArgument, r.message))
        << r.text;
  }
}

// --- Values and the evaluation contract --------------------------------------------

TEST(FormulaValueTest, ToString) {
  EXPECT_EQ(Nil().ToString(), "nil");
  EXPECT_EQ(Bool(true).ToString(), "true");
  EXPECT_EQ(Int(2).ToString(), "2");
  EXPECT_EQ(Float(2).ToString(), "2.0");
  EXPECT_EQ(Float(0.1).ToString(), "0.1");
  EXPECT_EQ(Float(-kInf).ToString(), "-Inf");
  EXPECT_EQ(Float(kNaN).ToString(), "NaN");
  EXPECT_EQ(Float(1e300).ToString(), "1e+300");
}

TEST(FormulaTest, KeepsTextAndVariables) {
  absl::StatusOr<Formula> f = Formula::Parse("a+b", kVariables);
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->text(), "a+b");
  EXPECT_EQ(f->variables(), kVariables);
  const Formula copy = *f;
  EXPECT_EQ(copy.Evaluate({1.0, 2.0, kFailed})->number, 3);
}

TEST(FormulaTest, EvaluateDoesNotAllocate) {
#if AGENTSCALE_COUNTS_ALLOCATIONS
  absl::StatusOr<Formula> f =
      Formula::Parse("(a + b + c) / 3 > 10 ? max(a, b, c) : a ?? 0", kVariables);
  ASSERT_THAT(f, IsOk());
  absl::StatusOr<Formula> fallback = Formula::Parse("c ?? b ?? nil", kVariables);
  ASSERT_THAT(fallback, IsOk());
  const std::vector<std::optional<double>> high = {20.0, 30.0, 40.0};
  const std::vector<std::optional<double>> low = {1.0, 2.0, 3.0};
  const std::vector<std::optional<double>> failed = {1.0, kFailed, kFailed};
  agentscale_testing::g_allocations = 0;
  agentscale_testing::g_counting = true;
  absl::StatusOr<FormulaValue> v1 = f->Evaluate(high);
  absl::StatusOr<FormulaValue> v2 = f->Evaluate(low);
  absl::StatusOr<std::optional<double>> v3 = f->EvaluateComposite(high);
  absl::StatusOr<std::optional<double>> v4 = fallback->EvaluateComposite(failed);
  agentscale_testing::g_counting = false;
  EXPECT_EQ(agentscale_testing::g_allocations, 0u);
  ASSERT_THAT(v1, IsOk());
  EXPECT_EQ(v1->number, 40);
  ASSERT_THAT(v2, IsOk());
  EXPECT_EQ(v2->number, 1);
  ASSERT_THAT(v3, IsOk());
  EXPECT_EQ(*v3, 40.0);
  ASSERT_THAT(v4, IsOk());
  EXPECT_EQ(*v4, std::nullopt);
#else
  GTEST_SKIP() << "allocation counting is off under sanitizers";
#endif
}

}  // namespace
}  // namespace agentscale::keda
