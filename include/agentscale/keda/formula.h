// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Formula: KEDA's `advanced.scalingModifiers.formula`, compiled once and
// evaluated every poll. KEDA runs the formula with github.com/expr-lang/expr
// (v1.17, via pkg/scaling/modifiers/formula.go); this is the subset of that
// language that composite formulas use, with expr's precedence, its type
// checker's compile-time errors, its constant folding and its run-time
// semantics wherever the subset overlaps.
//
//   absl::StatusOr<agentscale::keda::Formula> f =
//       agentscale::keda::Formula::Parse("trig1 ?? trig2 ?? 8",
//                                        {"trig1", "trig2"});
//   if (!f.ok()) return f.status();  // e.g. "formula:1:10: unknown trigger
//                                     //   \"trig3\"; triggers: trig1, trig2"
//   // Each poll: one value per trigger, in Parse's order; a trigger past its
//   // fallback.failureThreshold enters as nil (std::nullopt).
//   absl::StatusOr<std::optional<double>> composite =
//       f->EvaluateComposite({std::nullopt, 4.0});  // 4
//   // nullopt: the formula yielded nil; KEDA then emits
//   // fallback.replicas * scalingModifiers.target.
//
// The language
//
//   literals     1  2.5  .5  1e3  1_000  0x1F  0o17  0b101  true  false  nil
//   triggers     the names given to Parse (case-sensitive)
//   functions    abs(x) ceil(x) floor(x) round(x) float(x)
//                min(x, ...) max(x, ...)   (one or more arguments)
//   binary operators, from the loosest to the tightest binding, with expr's
//   precedences (parser/operator/operator.go):
//
//     c ? a : b   c ?: b        ternary, right-associative, loosest of all;
//                               only at the top of an expression, inside
//                               parentheses or as an argument
//     ||  or                10  left
//     &&  and               15  left
//     ==  !=  <  <=  >  >=  20  left; a < b <= c means a < b && b <= c, with
//                               b evaluated twice (expr chains < <= > >=,
//                               not == and !=)
//     +  -                  30  left
//     *  /  %               60  left
//     **  ^                100  right: 2 ** 3 ** 2 is 2 ** 9
//     ??                   500  left, and the tightest: a + b ?? 1 is
//                               a + (b ?? 1); expr refuses a ?? b + 1
//                               ("cannot be mixed; add parentheses")
//
//   unary operators take as their operand what follows, up to the first
//   binary operator looser than themselves:
//
//     !  not                50  !a == b is (!a) == b; !a ?? b is !(a ?? b)
//     -  +                  90  -2 ** 2 is -(2 ** 2) = -4; -a * b is (-a) * b
//
//   Comments (// to the end of the line, /* ... */) are allowed, as in expr.
//   Identifiers are ASCII letters, digits, _ and $; bytes above 0x7F are
//   taken as letters (expr accepts Unicode letters), so a trigger named in
//   UTF-8 can be used. Strings, arrays, maps, member access, `in`, ranges,
//   pipes, `let`, `if` and the other expr builtins are refused with an error
//   that names them.
//
// Types and values
//
//   Values are float64, int, bool or nil, as in expr. A trigger is a float64
//   (KEDA compiles with expr.Env(map[string]float64)) that is nil when the
//   trigger failed. Integer literals are int; + - * on two ints and unary
//   minus give int (wrapping at 64 bits as Go does), / and ** always give
//   float64, and mixing int with float64 gives float64. `%` is defined on two
//   ints only, as in expr: since every trigger is a float64, `trig1 % 2` is a
//   parse error (KEDA's compile error), `7 % 3` is 1, and `x % 0` with
//   constant operands is a parse error ("integer divide by zero"), otherwise
//   an evaluation error. Division by zero follows Go's float64 arithmetic:
//   1 / 0 = +Inf, -1 / 0 = -Inf, 0 / 0 = NaN. `**` is std::pow, whose special
//   cases (0, ±Inf, NaN, negative bases) are those of Go's math.Pow; finite
//   results may differ from Go's in the last bit.
//
//   Parse type-checks as expr's checker does with float64 triggers: `trig1 +
//   true`, `!trig1`, `trig1 ? 1 : 2`, `nil + 1` and `abs(true)` are parse
//   errors. Where the checker cannot know a type (the result of `??` or of a
//   ternary whose branches differ, e.g. `trig1 ?? 0`) the check moves to
//   evaluation time, as in expr.
//
//   nil: arithmetic, ordering comparisons, unary minus and the functions
//   (other than a one-argument min or max, which return their argument) fail
//   on nil with an evaluation error that names the position. `==` and `!=`
//   compare it (trig1 == nil is true when trig1 failed), and `a ?? b` is b
//   when a is nil, else a. A one-argument min or max returns its argument
//   unchanged (expr's minMax), so max(trig1) may be nil.
//
//   &&, || and ?: short-circuit; the left operand of && and || and the
//   condition of ?: must be bool when evaluated. As in expr, the right
//   operand of && and || is returned as it is (true && x is x), and expr's
//   constant folding is reproduced: x && false is false and x || true is
//   true without evaluating x, x && true and x || false are x.
//
//   == and != between two int-typed operands fail when either holds a
//   float64 or nil at run time (max(1, 2.5) == 3), as expr's OpEqualInt
//   does; otherwise they compare numbers by value and never fail.
//
// Limits
//
//   Hostile input is bounded: formulas over kMaxLength bytes are refused
//   before they are read, nesting deeper than kMaxDepth (parentheses, unary
//   operators, arguments, right-hand operands, ** chains, ternary branches)
//   is refused without deeper recursion, and a formula that would compile to
//   more than kMaxProgramSize operations or need more than kMaxStack
//   evaluation slots is refused.
//
// Thread safety: a Formula is an immutable value after Parse. Evaluate and
// EvaluateComposite are const, keep their stack in a fixed array of
// kMaxStack slots on the C++ stack, allocate nothing unless they fail, and
// may be called from any number of threads at once.
#ifndef AGENTSCALE_KEDA_FORMULA_H_
#define AGENTSCALE_KEDA_FORMULA_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace agentscale::keda {

namespace formula_internal {
// One value on the evaluation stack (not API).
enum class Kind : uint8_t { kNil, kBool, kInt, kFloat, kPending };
struct Slot {
  Kind kind;
  union {
    bool b;
    int64_t i;
    double f;
  };
};
// One operation of the compiled program (not API).
struct Instr {
  uint8_t op;
  int32_t arg;
};
}  // namespace formula_internal

// What a formula evaluates to.
struct FormulaValue {
  enum class Kind : uint8_t { kNil, kNumber, kBool };

  Kind kind = Kind::kNil;
  double number = 0;     // kind == kNumber
  bool boolean = false;  // kind == kBool
  // kind == kNumber: the value has expr's int type (integer literals and
  // integer arithmetic on them), converted to double here as KEDA's float()
  // wrapper converts it. Exact up to 2^53.
  bool integer = false;

  static FormulaValue Nil() { return FormulaValue(); }
  static FormulaValue Number(double v, bool is_integer = false) {
    FormulaValue out;
    out.kind = Kind::kNumber;
    out.number = v;
    out.integer = is_integer;
    return out;
  }
  static FormulaValue Bool(bool b) {
    FormulaValue out;
    out.kind = Kind::kBool;
    out.boolean = b;
    return out;
  }

  bool is_nil() const { return kind == Kind::kNil; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_bool() const { return kind == Kind::kBool; }

  // "nil", "true", "false", or the number in its shortest round-trip form
  // ("0.5", "1e+21", "+Inf", "NaN"); an int shows no decimal point ("2"), a
  // float64 that is a whole number shows one ("2.0").
  std::string ToString() const;

  // Numbers compare by value (so NaN is unequal to itself) and by int-ness.
  friend bool operator==(const FormulaValue& a, const FormulaValue& b) {
    if (a.kind != b.kind) return false;
    switch (a.kind) {
      case Kind::kNil:
        return true;
      case Kind::kBool:
        return a.boolean == b.boolean;
      case Kind::kNumber:
        return a.number == b.number && a.integer == b.integer;
    }
    return false;
  }
  friend bool operator!=(const FormulaValue& a, const FormulaValue& b) {
    return !(a == b);
  }
};

class Formula {
 public:
  // Formulas longer than this (in bytes) are refused before they are read.
  static constexpr size_t kMaxLength = 4096;
  // Parser recursion: nested parentheses, unary operators, function
  // arguments, right-hand operands and ternary branches all count.
  static constexpr int kMaxDepth = 64;
  // Operations in the compiled program (a < b < c evaluates b twice, so
  // nested chained comparisons can grow the program beyond the text).
  static constexpr size_t kMaxProgramSize = 16384;
  // Evaluation stack slots; Evaluate keeps them in a fixed array.
  static constexpr size_t kMaxStack = 2 * kMaxDepth + 8;

  // Compiles `text` for triggers named `variables` (Evaluate's values come
  // in this order; names must be distinct). Errors are InvalidArgument and
  // name the position as "formula:LINE:COLUMN: ..." (columns count UTF-8
  // code points from 1), e.g.
  //   formula:1:14: unknown trigger "trig3"; triggers: trig1, trig2
  // Syntax errors come before type errors and type errors before constant-
  // folding errors, in expr's order (parse, check, optimize).
  static absl::StatusOr<Formula> Parse(std::string_view text,
                                       const std::vector<std::string>& variables);

  // Evaluates with one value per variable (nullopt for a failed trigger).
  // Fails with InvalidArgument when `values` has the wrong size or the
  // formula fails (nil or a wrong type reached an operator); the message
  // names the position. Allocates nothing on success; thread-safe.
  absl::StatusOr<FormulaValue> Evaluate(
      absl::Span<const std::optional<double>> values) const;

  // The composite metric as KEDA derives it from Evaluate's result
  // (scaledobject_webhook.go castToFloatIfNecessary, then formula.go):
  //  - a formula whose text contains "??" runs as
  //    `r == nil ? nil : float(r)`: nil gives nullopt (KEDA then emits
  //    fallback.replicas * target), a number gives itself;
  //  - any other formula runs as `float(formula)`: nil is an error;
  //  - unless it begins with "float(" (KEDA then does not wrap it): its
  //    result must be a float64, so an int is an error and nil gives
  //    nullopt.
  // A bool is always an error: "formula must return a number, got bool".
  // Non-finite numbers are returned as they are (KEDA would send
  // int64(x * 1000) milli-units to the HPA).
  absl::StatusOr<std::optional<double>> EvaluateComposite(
      absl::Span<const std::optional<double>> values) const;

  // What KEDA's admission webhook checks after compiling
  // (validateScalingModifiersFormula): the float() wrapper above must
  // type-check (a formula whose type is bool or nil is refused), and a dry
  // run with every trigger at -1 must succeed and give a value the wrapper
  // accepts.
  absl::Status CheckKedaAdmission() const;

  // The formula in canonical form: single spaces around binary operators,
  // `&&` `||` `!` `**` for `and` `or` `not` `^`, integer literals in decimal,
  // float literals in shortest round-trip form, comments dropped, and
  // parentheses exactly where the parser needs them (so `-a ** 2`, which
  // expr reads as -(a ** 2), prints as it is). It never nests deeper than
  // the text it came from, and parsing it again gives the same formula
  // unless the added spaces take it over kMaxLength.
  std::string ToString() const;

  const std::string& text() const { return text_; }
  const std::vector<std::string>& variables() const { return variables_; }
  // The compiled program's size and the evaluation stack it needs.
  size_t program_size() const { return code_.size(); }
  size_t max_stack_depth() const { return max_stack_; }

 private:
  friend class FormulaCompiler;
  enum class KedaWrap : uint8_t { kFloat, kCoalesce, kNone };

  Formula() = default;

  absl::Status EvalError(size_t pc, const std::string& message) const;

  std::string text_;
  std::vector<std::string> variables_;
  std::string canonical_;
  std::vector<formula_internal::Instr> code_;
  std::vector<uint32_t> positions_;  // byte offset in text_, per instruction
  std::vector<formula_internal::Slot> constants_;
  size_t max_stack_ = 0;
  // Static type of the whole formula (a FormulaCompiler nature).
  uint8_t result_nature_ = 0;
  KedaWrap keda_wrap_ = KedaWrap::kFloat;
};

}  // namespace agentscale::keda

#endif  // AGENTSCALE_KEDA_FORMULA_H_
