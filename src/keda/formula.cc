// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// One pass from text to a flat postfix program: a precedence-climbing parser
// shaped like expr's (parser/parser.go: parseExpression, parsePrimary,
// parseComparison, parseConditional) emits code as it goes, checks types the
// way expr's checker does, and folds constants the way expr's optimizer does
// (optimizer/fold.go). The evaluator is a switch over that program with a
// fixed-size value stack.

#include "agentscale/keda/formula.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/charconv.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace agentscale::keda {

using formula_internal::Instr;
using formula_internal::Kind;
using formula_internal::Slot;

namespace {

// --- The program --------------------------------------------------------------

enum Op : uint8_t {
  kLoad,     // push values[arg]
  kConst,    // push constants_[arg]
  kPushNil,  // push nil
  kNeg,
  kNot,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  // == and != between two int-typed operands: expr's compiler emits
  // OpEqualInt, which type-asserts int at run time, so a nil or a float64
  // that reached an int-typed place (max(1, 2.5), c ? 1 : nil) is an error.
  kEqInt,
  kNeInt,
  kLt,
  kLe,
  kGt,
  kGe,
  // Jumps go to pc + 1 + arg (always forward). The short-circuit ones keep
  // the top of the stack when they jump and pop it when they do not.
  kAndJump,       // &&: the top must be bool; jumps when false
  kOrJump,        // ||: the top must be bool; jumps when true
  kCoalesceJump,  // ??: jumps when the top is not nil
  kElvisJump,     // c ?: x: c must be bool; jumps when true
  kCondJump,      // c ? x : y: pops c, which must be bool; jumps when false
  kJump,
  kAbs,
  kCeil,
  kFloor,
  kRound,
  kFloat,
  // min and max fold their arguments pairwise; a non-number argument turns
  // the accumulator into kPending so that the error is raised, by the *Last
  // op, only after every argument has been evaluated (expr evaluates all
  // arguments before minMax looks at them).
  kMin,
  kMax,
  kMinLast,
  kMaxLast,
  // The fast binary operators with their right operand fused in: values[arg]
  // (…V) or constants_[arg] (…K). They save a push and a pop per operator.
  kAddV,
  kSubV,
  kMulV,
  kDivV,
  kLtV,
  kLeV,
  kGtV,
  kGeV,
  kAddK,
  kSubK,
  kMulK,
  kDivK,
  kLtK,
  kLeK,
  kGtK,
  kGeK,
};

constexpr Op kFusable[] = {kAdd, kSub, kMul, kDiv, kLt, kLe, kGt, kGe};
constexpr int kFusedCount = 8;

bool IsFused(uint8_t op) { return op >= kAddV && op <= kGeK; }
bool IsFusedConst(uint8_t op) { return op >= kAddK; }
// The binary operator a fused op performs.
uint8_t FusedBase(uint8_t op) { return kFusable[(op - kAddV) % kFusedCount]; }
// The fused form of `op` with its right operand from `operand` (kLoad or
// kConst), or `op` itself when there is none.
uint8_t Fuse(uint8_t op, uint8_t operand) {
  for (int i = 0; i < kFusedCount; ++i) {
    if (kFusable[i] == op) {
      if (operand == kLoad) return static_cast<uint8_t>(kAddV + i);
      if (operand == kConst) return static_cast<uint8_t>(kAddK + i);
    }
  }
  return op;
}

// Stack effect of each op, for the verifier.
int StackEffect(uint8_t op) {
  if (IsFused(op)) return 0;
  switch (op) {
    case kLoad:
    case kConst:
    case kPushNil:
      return 1;
    case kAdd:
    case kSub:
    case kMul:
    case kDiv:
    case kMod:
    case kPow:
    case kEq:
    case kNe:
    case kEqInt:
    case kNeInt:
    case kLt:
    case kLe:
    case kGt:
    case kGe:
    case kMin:
    case kMax:
    case kMinLast:
    case kMaxLast:
    case kCondJump:
      return -1;
    default:
      return 0;  // the short-circuit jumps: see Verify
  }
}

// Operands an op needs on the stack.
int StackNeeds(uint8_t op) {
  if (IsFused(op)) return 1;
  switch (op) {
    case kLoad:
    case kConst:
    case kPushNil:
    case kJump:
      return 0;
    case kNeg:
    case kNot:
    case kAbs:
    case kCeil:
    case kFloor:
    case kRound:
    case kFloat:
    case kAndJump:
    case kOrJump:
    case kCoalesceJump:
    case kElvisJump:
    case kCondJump:
      return 1;
    default:
      return 2;
  }
}

bool IsShortCircuit(uint8_t op) {
  return op == kAndJump || op == kOrJump || op == kCoalesceJump || op == kElvisJump;
}
bool IsJump(uint8_t op) { return IsShortCircuit(op) || op == kCondJump || op == kJump; }

// --- Values -------------------------------------------------------------------

Slot MakeInt(int64_t v) {
  Slot s;
  s.kind = Kind::kInt;
  s.i = v;
  return s;
}
Slot MakeFloat(double v) {
  Slot s;
  s.kind = Kind::kFloat;
  s.f = v;
  return s;
}
Slot MakeBool(bool v) {
  Slot s;
  s.kind = Kind::kBool;
  s.b = v;
  return s;
}
Slot MakeNil() {
  Slot s;
  s.kind = Kind::kNil;
  s.i = 0;
  return s;
}

bool IsNum(const Slot& s) { return s.kind == Kind::kInt || s.kind == Kind::kFloat; }
double ToF(const Slot& s) { return s.kind == Kind::kInt ? static_cast<double>(s.i) : s.f; }

// Go's int arithmetic wraps at 64 bits.
int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t WrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
int64_t WrapNeg(int64_t a) { return WrapSub(0, a); }

// expr's runtime.Less and friends: int with int exactly, otherwise as float64.
bool NumLess(const Slot& a, const Slot& b) {
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) return a.i < b.i;
  return ToF(a) < ToF(b);
}
bool NumLessEq(const Slot& a, const Slot& b) {
  if (a.kind == Kind::kInt && b.kind == Kind::kInt) return a.i <= b.i;
  return ToF(a) <= ToF(b);
}

// expr's runtime.Equal: numbers by value, bools by value, nil equals nil, and
// values of different kinds are unequal (reflect.DeepEqual).
bool Equal(const Slot& a, const Slot& b) {
  if (IsNum(a) && IsNum(b)) {
    if (a.kind == Kind::kInt && b.kind == Kind::kInt) return a.i == b.i;
    return ToF(a) == ToF(b);
  }
  if (a.kind != b.kind) return false;
  if (a.kind == Kind::kBool) return a.b == b.b;
  return a.kind == Kind::kNil;
}

enum class Fault : uint8_t { kNone, kType, kDivideByZero };

// The binary operators, shared by the evaluator and the constant folder so
// that folding cannot change a result. Writes *out only on success.
inline Fault Binary(uint8_t op, const Slot& a, const Slot& b, Slot* out) {
  switch (op) {
    case kAdd:
    case kSub:
    case kMul:
      if (a.kind == Kind::kInt && b.kind == Kind::kInt) {
        *out = MakeInt(op == kAdd   ? WrapAdd(a.i, b.i)
                       : op == kSub ? WrapSub(a.i, b.i)
                                    : WrapMul(a.i, b.i));
        return Fault::kNone;
      }
      if (!IsNum(a) || !IsNum(b)) return Fault::kType;
      *out = MakeFloat(op == kAdd   ? ToF(a) + ToF(b)
                       : op == kSub ? ToF(a) - ToF(b)
                                    : ToF(a) * ToF(b));
      return Fault::kNone;
    case kDiv:
      if (!IsNum(a) || !IsNum(b)) return Fault::kType;
      *out = MakeFloat(ToF(a) / ToF(b));
      return Fault::kNone;
    case kMod:
      if (a.kind != Kind::kInt || b.kind != Kind::kInt) return Fault::kType;
      if (b.i == 0) return Fault::kDivideByZero;
      // Go defines MinInt64 % -1 as 0; in C++ it would overflow.
      *out = MakeInt(b.i == -1 ? 0 : a.i % b.i);
      return Fault::kNone;
    case kPow:
      if (!IsNum(a) || !IsNum(b)) return Fault::kType;
      *out = MakeFloat(std::pow(ToF(a), ToF(b)));
      return Fault::kNone;
    case kEq:
      *out = MakeBool(Equal(a, b));
      return Fault::kNone;
    case kNe:
      *out = MakeBool(!Equal(a, b));
      return Fault::kNone;
    case kEqInt:
    case kNeInt:
      if (a.kind != Kind::kInt || b.kind != Kind::kInt) return Fault::kType;
      *out = MakeBool((a.i == b.i) == (op == kEqInt));
      return Fault::kNone;
    case kLt:
    case kLe:
    case kGt:
    case kGe:
      if (!IsNum(a) || !IsNum(b)) return Fault::kType;
      *out = MakeBool(op == kLt   ? NumLess(a, b)
                      : op == kLe ? NumLessEq(a, b)
                      : op == kGt ? NumLess(b, a)
                                  : NumLessEq(b, a));
      return Fault::kNone;
    default:
      return Fault::kType;
  }
}

// The one-argument functions and unary operators.
inline Fault Unary(uint8_t op, const Slot& a, Slot* out) {
  switch (op) {
    case kNeg:
      if (a.kind == Kind::kInt) {
        *out = MakeInt(WrapNeg(a.i));
      } else if (a.kind == Kind::kFloat) {
        *out = MakeFloat(-a.f);
      } else {
        return Fault::kType;
      }
      return Fault::kNone;
    case kNot:
      if (a.kind != Kind::kBool) return Fault::kType;
      *out = MakeBool(!a.b);
      return Fault::kNone;
    case kAbs:  // builtin.Abs: x < 0 ? -x : x, so abs(-0.0) is -0.0
      if (a.kind == Kind::kInt) {
        *out = MakeInt(a.i < 0 ? WrapNeg(a.i) : a.i);
      } else if (a.kind == Kind::kFloat) {
        *out = MakeFloat(a.f < 0 ? -a.f : a.f);
      } else {
        return Fault::kType;
      }
      return Fault::kNone;
    case kCeil:
    case kFloor:
    case kRound:
    case kFloat:
      if (!IsNum(a)) return Fault::kType;
      if (a.kind == Kind::kInt || op == kFloat) {
        *out = MakeFloat(ToF(a));
      } else {
        // Go's math.Round rounds half away from zero, as std::round does.
        *out = MakeFloat(op == kCeil    ? std::ceil(a.f)
                         : op == kFloor ? std::floor(a.f)
                                        : std::round(a.f));
      }
      return Fault::kNone;
    default:
      return Fault::kType;
  }
}

// One step of min/max (builtin minMax: the first non-number argument, in
// order, is the error; otherwise keep the accumulator unless `fn(acc, e)`).
inline void MinMaxStep(bool is_max, Slot* acc, const Slot& e) {
  if (acc->kind == Kind::kPending) return;
  if (!IsNum(*acc)) {
    const Kind bad = acc->kind;
    acc->kind = Kind::kPending;
    acc->i = static_cast<int64_t>(bad);
    return;
  }
  if (!IsNum(e)) {
    acc->kind = Kind::kPending;
    acc->i = static_cast<int64_t>(e.kind);
    return;
  }
  if (is_max ? NumLess(*acc, e) : NumLess(e, *acc)) *acc = e;
}

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kNil:
      return "nil";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kPending:
      break;
  }
  return "?";
}

// --- Numbers as text ----------------------------------------------------------

// The fewest significant digits that read back as the same double, in
// fixed notation from 1e-5 to 1e21 and in exponent notation outside.
std::string ShortestDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  char buf[400];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, v);
    double back = 0;
    const char* end = buf + std::strlen(buf);
    const absl::from_chars_result r = absl::from_chars(buf, end, back);
    if (r.ec == std::errc() && r.ptr == end && back == v) break;
  }
  const char* e = std::strchr(buf, 'e');
  const int exponent = e == nullptr ? 0 : std::atoi(e + 1);
  if (exponent >= -5 && exponent < 21) {
    std::snprintf(buf, sizeof(buf), "%.*f", std::max(0, digits - 1 - exponent), v);
  }
  return buf;
}

// A float64 as a float literal: with a '.' or an exponent.
std::string FloatLiteral(double v) {
  std::string s = ShortestDouble(v);
  if (s.find_first_of(".eEIN") == std::string::npos) s += ".0";
  return s;
}

// --- Static types (expr's checker natures) --------------------------------------

enum Nature : uint8_t { kUnknown, kNInt, kNFloat, kNBool, kNNil };

bool IsNumberNature(Nature n) { return n == kNInt || n == kNFloat; }

const char* NatureName(Nature n) {
  switch (n) {
    case kUnknown:
      return "unknown";
    case kNInt:
      return "int";
    case kNFloat:
      return "float64";
    case kNBool:
      return "bool";
    case kNNil:
      return "nil";
  }
  return "?";
}

// Nature.MaybeCompatible: one side unknown and the other unknown or passing
// `check`.
template <typename Check>
bool MaybeCompatible(Nature a, Nature b, Check check) {
  return (a == kUnknown && b == kUnknown) || (a == kUnknown && check(b)) ||
         (b == kUnknown && check(a));
}

// The result type of a ternary or ??: nil gives way to the other side, equal
// types stay, anything else is unknown (checker.conditionalNode, the ?? case
// of checker.binaryNode).
Nature Join(Nature a, Nature b) {
  if (a == kNNil) return b;
  if (b == kNNil) return a;
  if (a == b && a != kUnknown) return a;
  return kUnknown;
}

// --- Tokens -------------------------------------------------------------------

enum class Tok : uint8_t {
  kEnd,
  kNumber,
  kIdent,
  kLParen,
  kRParen,
  kComma,
  kQuestion,
  kColon,
  kBinary,  // also unary - and +
  kNot,     // ! and not
  kUnsupported,
};

enum BinOp : uint8_t {
  kBOr,
  kBAnd,
  kBEq,
  kBNe,
  kBLt,
  kBLe,
  kBGt,
  kBGe,
  kBAdd,
  kBSub,
  kBMul,
  kBDiv,
  kBMod,
  kBPow,
  kBCoalesce,
};

struct BinOpInfo {
  const char* text;  // canonical spelling
  int precedence;    // expr's parser/operator/operator.go
  bool right;        // right-associative
  Op op;             // the op it compiles to, where it is one op
};

constexpr BinOpInfo kBinOps[] = {
    {"||", 10, false, kOrJump},     {"&&", 15, false, kAndJump},
    {"==", 20, false, kEq},         {"!=", 20, false, kNe},
    {"<", 20, false, kLt},          {"<=", 20, false, kLe},
    {">", 20, false, kGt},          {">=", 20, false, kGe},
    {"+", 30, false, kAdd},         {"-", 30, false, kSub},
    {"*", 60, false, kMul},         {"/", 60, false, kDiv},
    {"%", 60, false, kMod},         {"**", 100, true, kPow},
    {"??", 500, false, kCoalesceJump},
};

constexpr int kUnaryMinusPrecedence = 90;  // - and +
constexpr int kUnaryNotPrecedence = 50;    // ! and not
constexpr int kComparePrecedence = 20;
constexpr int kAtomPrecedence = 1000;
constexpr int kTernaryPrecedence = -1;

bool IsOrdering(BinOp op) { return op == kBLt || op == kBLe || op == kBGt || op == kBGe; }

struct Token {
  Tok kind = Tok::kEnd;
  BinOp binop = kBOr;
  uint32_t pos = 0;
  uint32_t len = 0;
};

bool IsIdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         c >= 0x80;
}
bool IsIdentChar(unsigned char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

constexpr const char* kFunctionList = "abs, ceil, float, floor, max, min, round";

}  // namespace

// --- The compiler ---------------------------------------------------------------

class FormulaCompiler {
 public:
  FormulaCompiler(std::string_view text, const std::vector<std::string>& variables,
                  Formula* out)
      : text_(text), variables_(variables), out_(out) {}

  absl::Status Compile();

 private:
  // How a subexpression prints, for ToString's parentheses. kOrdering is a
  // < <= > >= comparison or chain; == and != are kBinary.
  enum class Shape : uint8_t { kAtom, kUnary, kBinary, kOrdering, kCoalesce, kTernary };
  static constexpr int kNoAbsorb = std::numeric_limits<int>::max();

  // A parsed subexpression: its code is out_->code_[begin, end of code).
  struct Sub {
    Nature nature = kUnknown;
    uint32_t pos = 0;    // where expr's node is: errors about it point here
    uint32_t begin = 0;  // its first instruction
    // A literal after folding: the code is one kConst holding `value`.
    bool is_const = false;
    Slot value = MakeNil();
    Shape shape = Shape::kAtom;
    int precedence = kAtomPrecedence;
    std::string text;  // canonical form
    // When `text` ends in a unary operator's operand (`a ** -b`), the parser
    // would pull a following binary operator of at least this precedence
    // into that operand; the text must then be parenthesized before one.
    int absorbs_from = kNoAbsorb;
  };

  // Lexer.
  bool Next();
  bool LexNumber(uint32_t start);
  std::string_view TokenText(const Token& t) const { return text_.substr(t.pos, t.len); }
  std::string Describe(const Token& t) const;

  // Parser.
  bool ParseExpression(int min_precedence, Sub* out);
  bool ParsePrimary(Sub* out);
  bool ParseNumber(const Token& t, Sub* out);
  bool ParseCall(const Token& name, Sub* out);
  bool ParseArithmetic(const Token& op, Sub* left);
  bool ParseLogical(const Token& op, Sub* left);
  bool ParseCoalesce(const Token& op, Sub* left);
  bool ParseComparison(const Token& op, Sub* left);
  bool ParseConditional(Sub* cond);
  bool Expect(Tok kind, const char* what);
  // "expected <what>, found ...", or what is unsupported when it is that.
  bool Unexpected(const char* what);

  // Errors: syntax errors stop the parse; type errors (expr's checker) and
  // folding errors (expr's optimizer) are kept, first one each, and reported
  // after the parse in that order.
  bool SyntaxError(uint32_t pos, const std::string& message);
  void TypeError(uint32_t pos, const std::string& message);
  std::string Where(uint32_t pos) const;
  std::string LineColumn(uint32_t pos) const;

  // Code.
  uint32_t Emit(Op op, int32_t arg, uint32_t pos);
  // Emits a binary operator whose right operand's code starts at
  // `right_begin`, fused with it when that code is one kLoad or kConst.
  void EmitBinary(Op op, uint32_t right_begin, uint32_t pos);
  void EmitConst(const Slot& value, uint32_t pos);
  void PatchJump(uint32_t at);
  void Truncate(uint32_t size);
  void Erase(uint32_t from, uint32_t to);
  uint32_t Here() const { return static_cast<uint32_t>(out_->code_.size()); }
  absl::Status Verify();

  // ToString.
  static std::string Wrap(const Sub& s, bool parens) {
    return parens ? absl::StrCat("(", s.text, ")") : s.text;
  }
  // ToString's parentheses: exactly where the parser needs them, so that
  // the canonical form never nests deeper than the text it came from.
  static bool LeftNeedsParens(const Sub& child, BinOp parent);
  static bool RightNeedsParens(const Sub& child, BinOp parent);
  // Renders `left op right` into `left`.
  static void RenderBinary(Sub* left, const Sub& right, BinOp op, Shape shape);

  std::string_view text_;
  const std::vector<std::string>& variables_;
  Formula* out_;
  size_t at_ = 0;  // lexer position
  Token cur_;
  int depth_ = 0;
  absl::Status syntax_error_;
  absl::Status type_error_;
  absl::Status fold_error_;
};

std::string FormulaCompiler::Where(uint32_t pos) const {
  return absl::StrCat("formula:", LineColumn(pos), ": ");
}

std::string FormulaCompiler::LineColumn(uint32_t pos) const {
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < pos && i < text_.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text_[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++column;
    }
  }
  return absl::StrCat(line, ":", column);
}

bool FormulaCompiler::SyntaxError(uint32_t pos, const std::string& message) {
  if (syntax_error_.ok()) {
    syntax_error_ = absl::InvalidArgumentError(Where(pos) + message);
  }
  return false;
}

void FormulaCompiler::TypeError(uint32_t pos, const std::string& message) {
  if (type_error_.ok()) type_error_ = absl::InvalidArgumentError(Where(pos) + message);
}

std::string FormulaCompiler::Describe(const Token& t) const {
  if (t.kind == Tok::kEnd) return "end of formula";
  return absl::StrCat("\"", std::string(TokenText(t)), "\"");
}

// --- Lexer ----------------------------------------------------------------------

bool FormulaCompiler::Next() {
  const size_t n = text_.size();
  // Whitespace and comments.
  for (;;) {
    while (at_ < n && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' ||
                       text_[at_] == '\r' || text_[at_] == '\v' || text_[at_] == '\f')) {
      ++at_;
    }
    if (at_ + 1 < n && text_[at_] == '/' && text_[at_ + 1] == '/') {
      while (at_ < n && text_[at_] != '\n') ++at_;
      continue;
    }
    if (at_ + 1 < n && text_[at_] == '/' && text_[at_ + 1] == '*') {
      const size_t close = text_.find("*/", at_ + 2);
      if (close == std::string_view::npos) {
        return SyntaxError(static_cast<uint32_t>(at_), "unclosed comment");
      }
      at_ = close + 2;
      continue;
    }
    break;
  }
  const uint32_t start = static_cast<uint32_t>(at_);
  cur_ = Token();
  cur_.pos = start;
  if (at_ >= n) {
    cur_.kind = Tok::kEnd;
    return true;
  }
  const unsigned char c = static_cast<unsigned char>(text_[at_]);
  const char next = at_ + 1 < n ? text_[at_ + 1] : '\0';
  auto set = [&](Tok kind, size_t len) {
    cur_.kind = kind;
    cur_.len = static_cast<uint32_t>(len);
    at_ += len;
    return true;
  };
  auto binary = [&](BinOp op, size_t len) {
    cur_.binop = op;
    return set(Tok::kBinary, len);
  };
  if (IsDigit(c) || (c == '.' && IsDigit(static_cast<unsigned char>(next)))) {
    return LexNumber(start);
  }
  if (IsIdentStart(c)) {
    size_t end = at_;
    while (end < n && IsIdentChar(static_cast<unsigned char>(text_[end]))) ++end;
    const std::string_view word = text_.substr(at_, end - at_);
    if (word == "and") return binary(kBAnd, end - at_);
    if (word == "or") return binary(kBOr, end - at_);
    if (word == "not") return set(Tok::kNot, end - at_);
    // expr's operator keywords, which formulas cannot use.
    if (word == "in" || word == "matches" || word == "contains" || word == "startsWith" ||
        word == "endsWith" || word == "let" || word == "if" || word == "else") {
      return set(Tok::kUnsupported, end - at_);
    }
    return set(Tok::kIdent, end - at_);
  }
  switch (c) {
    case '(':
      return set(Tok::kLParen, 1);
    case ')':
      return set(Tok::kRParen, 1);
    case ',':
      return set(Tok::kComma, 1);
    case '?':
      if (next == '?') return binary(kBCoalesce, 2);
      if (next == '.') return set(Tok::kUnsupported, 2);  // optional chaining
      return set(Tok::kQuestion, 1);
    case ':':
      if (next == ':') return set(Tok::kUnsupported, 2);
      return set(Tok::kColon, 1);
    case '+':
      return binary(kBAdd, 1);
    case '-':
      return binary(kBSub, 1);
    case '*':
      if (next == '*') return binary(kBPow, 2);
      return binary(kBMul, 1);
    case '/':
      return binary(kBDiv, 1);
    case '%':
      return binary(kBMod, 1);
    case '^':
      return binary(kBPow, 1);
    case '=':
      if (next == '=') return binary(kBEq, 2);
      return set(Tok::kUnsupported, 1);
    case '!':
      if (next == '=') return binary(kBNe, 2);
      return set(Tok::kNot, 1);
    case '<':
      if (next == '=') return binary(kBLe, 2);
      return binary(kBLt, 1);
    case '>':
      if (next == '=') return binary(kBGe, 2);
      return binary(kBGt, 1);
    case '&':
      if (next == '&') return binary(kBAnd, 2);
      return set(Tok::kUnsupported, 1);
    case '|':
      if (next == '|') return binary(kBOr, 2);
      return set(Tok::kUnsupported, 1);  // the pipe operator
    case '.':
      return set(Tok::kUnsupported, next == '.' ? 2 : 1);
    case '[':
    case ']':
    case '{':
    case '}':
    case ';':
    case '#':
      return set(Tok::kUnsupported, 1);
    case '"':
    case '\'':
    case '`':
      return SyntaxError(start, "strings are not supported in formulas");
    default:
      break;
  }
  if (c >= 0x20 && c < 0x7F) {
    return SyntaxError(start, absl::StrCat("unexpected character '", std::string(1, c), "'"));
  }
  return SyntaxError(start, absl::StrFormat("unexpected character \\x%02X", c));
}

// expr's lexer (scanNumber): an optional 0x/0o/0b prefix, digits and '_',
// a fraction, an exponent, and then no letter or digit.
bool FormulaCompiler::LexNumber(uint32_t start) {
  const size_t n = text_.size();
  size_t i = start;
  auto accept_run = [&](const char* set) {
    while (i < n && std::strchr(set, text_[i]) != nullptr && text_[i] != '\0') ++i;
  };
  const char* digits = "0123456789_";
  if (text_[i] == '0') {
    ++i;
    if (i < n && (text_[i] == 'x' || text_[i] == 'X')) {
      ++i;
      digits = "0123456789abcdefABCDEF_";
    } else if (i < n && (text_[i] == 'o' || text_[i] == 'O')) {
      ++i;
      digits = "01234567_";
    } else if (i < n && (text_[i] == 'b' || text_[i] == 'B')) {
      ++i;
      digits = "01_";
    }
  }
  accept_run(digits);
  if (i < n && text_[i] == '.') {
    if (i + 1 < n && text_[i + 1] == '.') {
      // `1..2` is expr's range operator; leave the dots to the next token.
    } else {
      ++i;
      accept_run(digits);
    }
  }
  if (i < n && (text_[i] == 'e' || text_[i] == 'E')) {
    ++i;
    if (i < n && (text_[i] == '+' || text_[i] == '-')) ++i;
    accept_run(digits);
  }
  if (i < n && IsIdentChar(static_cast<unsigned char>(text_[i]))) {
    ++i;
    return SyntaxError(start, absl::StrCat("bad number syntax: \"",
                                           std::string(text_.substr(start, i - start)),
                                           "\""));
  }
  cur_.kind = Tok::kNumber;
  cur_.pos = start;
  cur_.len = static_cast<uint32_t>(i - start);
  at_ = i;
  return true;
}

// --- Code -------------------------------------------------------------------------

uint32_t FormulaCompiler::Emit(Op op, int32_t arg, uint32_t pos) {
  const uint32_t at = Here();
  out_->code_.push_back(Instr{op, arg});
  out_->positions_.push_back(pos);
  return at;
}

void FormulaCompiler::EmitBinary(Op op, uint32_t right_begin, uint32_t pos) {
  if (right_begin + 1 == Here()) {
    Instr& last = out_->code_.back();
    const uint8_t fused = Fuse(op, last.op);
    if (fused != op) {
      last.op = fused;
      out_->positions_.back() = pos;
      return;
    }
  }
  Emit(op, 0, pos);
}

void FormulaCompiler::EmitConst(const Slot& value, uint32_t pos) {
  out_->constants_.push_back(value);
  Emit(kConst, static_cast<int32_t>(out_->constants_.size() - 1), pos);
}

void FormulaCompiler::PatchJump(uint32_t at) {
  out_->code_[at].arg = static_cast<int32_t>(Here() - at - 1);
}

void FormulaCompiler::Truncate(uint32_t size) {
  out_->code_.resize(size);
  out_->positions_.resize(size);
}

// Jumps are relative and never leave the subexpression they belong to, so a
// subexpression's code can be moved (Erase) or duplicated as it is.
void FormulaCompiler::Erase(uint32_t from, uint32_t to) {
  out_->code_.erase(out_->code_.begin() + from, out_->code_.begin() + to);
  out_->positions_.erase(out_->positions_.begin() + from, out_->positions_.begin() + to);
}


// --- Parser -----------------------------------------------------------------------

bool FormulaCompiler::Expect(Tok kind, const char* what) {
  if (cur_.kind != kind) return Unexpected(what);
  return Next();
}

bool FormulaCompiler::Unexpected(const char* what) {
  if (cur_.kind == Tok::kUnsupported) {
    Sub ignored;
    return ParsePrimary(&ignored);  // names what is unsupported
  }
  if (what == nullptr) return SyntaxError(cur_.pos, absl::StrCat("unexpected ", Describe(cur_)));
  return SyntaxError(cur_.pos, absl::StrCat("expected ", what, ", found ", Describe(cur_)));
}

// parser.parseExpression: a primary, then binary operators binding at least
// `min_precedence`, then (at the top of an expression) a ternary.
bool FormulaCompiler::ParseExpression(int min_precedence, Sub* out) {
  struct DepthScope {
    explicit DepthScope(int* d) : depth(d) { ++*depth; }
    ~DepthScope() { --*depth; }
    int* depth;
  } scope(&depth_);
  if (depth_ > Formula::kMaxDepth) {
    return SyntaxError(cur_.pos,
                       absl::StrCat("nested deeper than ", Formula::kMaxDepth, " levels"));
  }
  if (out_->code_.size() > Formula::kMaxProgramSize) {
    return SyntaxError(cur_.pos, absl::StrCat("formula compiles to more than ",
                                              Formula::kMaxProgramSize, " operations"));
  }
  Sub left;
  if (!ParsePrimary(&left)) return false;
  bool after_coalesce = false;
  while (cur_.kind == Tok::kBinary) {
    const Token op = cur_;
    const BinOpInfo& info = kBinOps[op.binop];
    if (info.precedence < min_precedence) break;
    if (after_coalesce && op.binop != kBCoalesce) {
      return SyntaxError(op.pos, absl::StrCat("operator ", std::string(TokenText(op)),
                                              " and ?? cannot be mixed; add parentheses"));
    }
    if (!Next()) return false;
    bool ok;
    if (IsOrdering(op.binop)) {
      ok = ParseComparison(op, &left);
    } else if (op.binop == kBAnd || op.binop == kBOr) {
      ok = ParseLogical(op, &left);
    } else if (op.binop == kBCoalesce) {
      ok = ParseCoalesce(op, &left);
    } else {
      ok = ParseArithmetic(op, &left);
    }
    if (!ok) return false;
    if (out_->code_.size() > Formula::kMaxProgramSize) {
      return SyntaxError(op.pos, absl::StrCat("formula compiles to more than ",
                                              Formula::kMaxProgramSize, " operations"));
    }
    after_coalesce = op.binop == kBCoalesce;
  }
  if (min_precedence == 0 && !ParseConditional(&left)) return false;
  *out = std::move(left);
  return true;
}

bool FormulaCompiler::LeftNeedsParens(const Sub& child, BinOp parent) {
  const BinOpInfo& info = kBinOps[parent];
  // A unary operator takes every following operator of its precedence or
  // above into its operand: (-a) ** 2, (-a) ?? b.
  if (child.absorbs_from <= info.precedence) return true;
  if (child.shape == Shape::kUnary) return false;
  if (child.precedence < (info.right ? info.precedence + 1 : info.precedence)) return true;
  // `(a ?? b) + 1`: expr refuses ?? followed by another operator.
  if (child.shape == Shape::kCoalesce && parent != kBCoalesce) return true;
  // `(a < b) < c`: without parentheses it would be a chain.
  return child.shape == Shape::kOrdering && IsOrdering(parent);
}

bool FormulaCompiler::RightNeedsParens(const Sub& child, BinOp parent) {
  // A unary operator can begin any operand (parsePrimary).
  if (child.shape == Shape::kUnary) return false;
  const BinOpInfo& info = kBinOps[parent];
  return child.precedence < (info.right ? info.precedence : info.precedence + 1);
}

void FormulaCompiler::RenderBinary(Sub* left, const Sub& right, BinOp op, Shape shape) {
  const bool right_parens = RightNeedsParens(right, op);
  left->text = absl::StrCat(Wrap(*left, LeftNeedsParens(*left, op)), " ", kBinOps[op].text,
                            " ", Wrap(right, right_parens));
  left->absorbs_from = right_parens ? kNoAbsorb : right.absorbs_from;
  left->shape = shape;
  left->precedence = kBinOps[op].precedence;
}

// + - * / % ** == != : checker.binaryNode's rules, fold.go's folds.
bool FormulaCompiler::ParseArithmetic(const Token& op_token, Sub* left) {
  const BinOp op = op_token.binop;
  const BinOpInfo& info = kBinOps[op];
  Sub right;
  if (!ParseExpression(info.right ? info.precedence : info.precedence + 1, &right)) {
    return false;
  }
  const Nature l = left->nature;
  const Nature r = right.nature;
  const auto is_number = [](Nature n) { return IsNumberNature(n); };
  const auto is_int = [](Nature n) { return n == kNInt; };
  Nature result = kUnknown;
  bool ok = true;
  switch (op) {
    case kBEq:
    case kBNe:
      // Nature.ComparableTo.
      ok = l == kUnknown || r == kUnknown || l == kNNil || r == kNNil ||
           (IsNumberNature(l) && IsNumberNature(r)) || l == r;
      result = kNBool;
      break;
    case kBAdd:
    case kBSub:
    case kBMul:
      if (IsNumberNature(l) && IsNumberNature(r)) {
        result = (l == kNFloat || r == kNFloat) ? kNFloat : kNInt;
      } else {
        ok = MaybeCompatible(l, r, is_number);
        result = kUnknown;
      }
      break;
    case kBDiv:
    case kBPow:
      ok = (IsNumberNature(l) && IsNumberNature(r)) || MaybeCompatible(l, r, is_number);
      result = kNFloat;
      break;
    case kBMod:
      ok = (l == kNInt && r == kNInt) || MaybeCompatible(l, r, is_int);
      result = kNInt;
      break;
    default:
      ok = false;
      break;
  }
  if (!ok) {
    TypeError(op_token.pos, absl::StrCat("invalid operation: ", info.text,
                                         " (mismatched types ", NatureName(l), " and ",
                                         NatureName(r), ")"));
    result = kUnknown;
  }

  // fold.go folds + - * / ** on int and float literals, % on int literals,
  // == on two ints or two bools (not !=, not mixed numbers).
  bool folded = false;
  if (ok && left->is_const && right.is_const) {
    const Slot& a = left->value;
    const Slot& b = right.value;
    bool foldable = false;
    switch (op) {
      case kBAdd:
      case kBSub:
      case kBMul:
      case kBDiv:
      case kBPow:
        foldable = IsNum(a) && IsNum(b);
        break;
      case kBMod:
        foldable = a.kind == Kind::kInt && b.kind == Kind::kInt;
        break;
      case kBEq:
        foldable = (a.kind == Kind::kInt && b.kind == Kind::kInt) ||
                   (a.kind == Kind::kBool && b.kind == Kind::kBool);
        break;
      default:
        break;
    }
    if (foldable) {
      Slot v = MakeNil();
      const Fault fault = Binary(info.op, a, b, &v);
      if (fault == Fault::kDivideByZero) {
        if (fold_error_.ok()) {
          fold_error_ = absl::InvalidArgumentError(Where(op_token.pos) + "integer divide by zero");
        }
      } else if (fault == Fault::kNone) {
        Truncate(left->begin);
        EmitConst(v, op_token.pos);
        left->value = v;
        folded = true;
      }
    }
  }
  if (!folded) {
    Op emitted = info.op;
    if ((op == kBEq || op == kBNe) && l == kNInt && r == kNInt) {
      emitted = op == kBEq ? kEqInt : kNeInt;
    }
    EmitBinary(emitted, right.begin, op_token.pos);
    left->is_const = false;
  }

  RenderBinary(left, right, op, Shape::kBinary);
  left->nature = result;
  left->pos = op_token.pos;
  return true;
}

// && and ||: short-circuit jumps (compiler.BinaryNode) and fold.go's folds
// with a literal operand.
bool FormulaCompiler::ParseLogical(const Token& op_token, Sub* left) {
  const BinOp op = op_token.binop;
  const bool is_and = op == kBAnd;
  const BinOpInfo& info = kBinOps[op];
  const uint32_t jump = Emit(is_and ? kAndJump : kOrJump, 0, op_token.pos);
  Sub right;
  if (!ParseExpression(info.precedence + 1, &right)) return false;

  const Nature l = left->nature;
  const Nature r = right.nature;
  const bool ok = (l == kNBool && r == kNBool) ||
                  MaybeCompatible(l, r, [](Nature n) { return n == kNBool; });
  if (!ok) {
    TypeError(op_token.pos, absl::StrCat("invalid operation: ", info.text,
                                         " (mismatched types ", NatureName(l), " and ",
                                         NatureName(r), ")"));
  }

  const auto literal = [](const Sub& s, bool v) {
    return s.is_const && s.value.kind == Kind::kBool && s.value.b == v;
  };
  // The identity literal (true for &&, false for ||) and the absorbing one.
  const bool identity = is_and;
  Sub rendered = *left;
  RenderBinary(&rendered, right, op, Shape::kBinary);
  if (literal(*left, identity)) {
    // `true && x` is x: keep only the right operand's code.
    Erase(left->begin, right.begin);
    left->is_const = right.is_const;
    left->value = right.value;
  } else if (literal(right, identity)) {
    // `x && true` is x, unevaluated as bool.
    Truncate(jump);
  } else if (literal(*left, !identity) || literal(right, !identity)) {
    // `x && false` is false without evaluating x.
    Truncate(left->begin);
    EmitConst(MakeBool(!identity), op_token.pos);
    left->is_const = true;
    left->value = MakeBool(!identity);
  } else {
    PatchJump(jump);
    left->is_const = false;
  }
  left->text = std::move(rendered.text);
  left->absorbs_from = rendered.absorbs_from;
  left->shape = rendered.shape;
  left->precedence = rendered.precedence;
  left->nature = kNBool;
  left->pos = op_token.pos;
  return true;
}

bool FormulaCompiler::ParseCoalesce(const Token& op_token, Sub* left) {
  const BinOpInfo& info = kBinOps[kBCoalesce];
  const uint32_t jump = Emit(kCoalesceJump, 0, op_token.pos);
  Sub right;
  if (!ParseExpression(info.precedence + 1, &right)) return false;
  PatchJump(jump);
  RenderBinary(left, right, kBCoalesce, Shape::kCoalesce);
  left->nature = Join(left->nature, right.nature);
  left->is_const = false;
  left->pos = op_token.pos;
  return true;
}

// parser.parseComparison: a < b <= c is (a < b) && (b <= c), b evaluated
// again (expr compiles the shared node twice).
bool FormulaCompiler::ParseComparison(const Token& first_op, Sub* left) {
  Token op = first_op;
  Nature operand_nature = left->nature;
  std::string text = Wrap(*left, LeftNeedsParens(*left, op.binop));
  int absorbs_from = kNoAbsorb;
  std::vector<uint32_t> jumps;
  for (;;) {
    const uint32_t operand_begin = Here();
    Sub right;
    if (!ParseExpression(kComparePrecedence + 1, &right)) return false;
    const uint32_t operand_end = Here();
    // The operand is evaluated again if the chain goes on; keep its code
    // before the comparison may fuse with it.
    std::vector<Instr> operand_code;
    std::vector<uint32_t> operand_positions;
    if (cur_.kind == Tok::kBinary && IsOrdering(cur_.binop)) {
      operand_code.assign(out_->code_.begin() + operand_begin,
                          out_->code_.begin() + operand_end);
      operand_positions.assign(out_->positions_.begin() + operand_begin,
                               out_->positions_.begin() + operand_end);
    }
    const Nature l = operand_nature;
    const Nature r = right.nature;
    const bool ok = (IsNumberNature(l) && IsNumberNature(r)) ||
                    MaybeCompatible(l, r, [](Nature n) { return IsNumberNature(n); });
    if (!ok) {
      TypeError(op.pos, absl::StrCat("invalid operation: ", kBinOps[op.binop].text,
                                     " (mismatched types ", NatureName(l), " and ",
                                     NatureName(r), ")"));
    }
    EmitBinary(kBinOps[op.binop].op, right.begin, op.pos);
    const bool right_parens = RightNeedsParens(right, op.binop);
    absl::StrAppend(&text, " ", kBinOps[op.binop].text, " ", Wrap(right, right_parens));
    absorbs_from = right_parens ? kNoAbsorb : right.absorbs_from;
    if (cur_.kind != Tok::kBinary || !IsOrdering(cur_.binop)) break;
    op = cur_;
    if (!Next()) return false;
    jumps.push_back(Emit(kAndJump, 0, op.pos));
    out_->code_.insert(out_->code_.end(), operand_code.begin(), operand_code.end());
    out_->positions_.insert(out_->positions_.end(), operand_positions.begin(),
                            operand_positions.end());
    operand_nature = right.nature;
    if (out_->code_.size() > Formula::kMaxProgramSize) {
      return SyntaxError(op.pos, absl::StrCat("formula compiles to more than ",
                                              Formula::kMaxProgramSize, " operations"));
    }
  }
  for (uint32_t j : jumps) PatchJump(j);
  left->text = std::move(text);
  left->absorbs_from = absorbs_from;
  left->nature = kNBool;
  left->is_const = false;
  left->pos = first_op.pos;
  left->shape = Shape::kOrdering;
  left->precedence = kComparePrecedence;
  return true;
}

// parser.parseConditional: c ? a : b, and c ?: b (which is c ? c : b).
bool FormulaCompiler::ParseConditional(Sub* cond) {
  while (cur_.kind == Tok::kQuestion) {
    const Token question = cur_;
    if (!Next()) return false;
    if (cond->nature != kNBool && cond->nature != kUnknown) {
      TypeError(cond->pos, absl::StrCat("non-bool expression (type ", NatureName(cond->nature),
                                        ") used as condition"));
    }
    Sub yes;
    Sub no;
    const bool elvis = cur_.kind == Tok::kColon;
    if (elvis) {
      // c ?: x is c ? c : x; c, once evaluated, is kept.
      if (!Next()) return false;
      const uint32_t end = Emit(kElvisJump, 0, question.pos);
      if (!ParseExpression(0, &no)) return false;
      PatchJump(end);
      yes.nature = cond->nature;
    } else {
      const uint32_t if_false = Emit(kCondJump, 0, question.pos);
      if (!ParseExpression(0, &yes)) return false;
      if (!Expect(Tok::kColon, "\":\" of the ternary")) return false;
      const uint32_t end = Emit(kJump, 0, question.pos);
      PatchJump(if_false);
      if (!ParseExpression(0, &no)) return false;
      PatchJump(end);
    }
    const std::string c = Wrap(*cond, cond->shape == Shape::kTernary);
    cond->text = elvis ? absl::StrCat(c, " ?: ", no.text)
                       : absl::StrCat(c, " ? ", yes.text, " : ", no.text);
    // The else branch (parseExpression(0)) takes everything that follows.
    cond->absorbs_from = 0;
    cond->nature = Join(yes.nature, no.nature);
    cond->is_const = false;
    cond->shape = Shape::kTernary;
    cond->precedence = kTernaryPrecedence;
  }
  return true;
}

bool FormulaCompiler::ParsePrimary(Sub* out) {
  const Token t = cur_;
  out->begin = Here();
  out->pos = t.pos;
  if ((t.kind == Tok::kBinary && (t.binop == kBSub || t.binop == kBAdd)) ||
      t.kind == Tok::kNot) {
    const bool is_not = t.kind == Tok::kNot;
    const bool is_minus = !is_not && t.binop == kBSub;
    if (!Next()) return false;
    Sub operand;
    if (!ParseExpression(is_not ? kUnaryNotPrecedence : kUnaryMinusPrecedence, &operand)) {
      return false;
    }
    const char* spelled = is_not ? "!" : (is_minus ? "-" : "+");
    // checker.unaryNode.
    const Nature n = operand.nature;
    Nature result = n;
    if (is_not) {
      if (n != kNBool && n != kUnknown) {
        TypeError(t.pos, absl::StrCat("invalid operation: ! (mismatched type ", NatureName(n),
                                      ")"));
      }
      result = kNBool;
    } else if (!IsNumberNature(n) && n != kUnknown) {
      TypeError(t.pos, absl::StrCat("invalid operation: ", spelled, " (mismatched type ",
                                    NatureName(n), ")"));
      result = kUnknown;
    }
    // fold.go: - and + on number literals, ! on bool literals. Unary + emits
    // nothing (compiler.UnaryNode), so +x passes x through even when nil.
    *out = std::move(operand);  // its code starts where ours does
    if (is_not || is_minus) {
      Slot v = MakeNil();
      if (out->is_const && Unary(is_not ? kNot : kNeg, out->value, &v) == Fault::kNone) {
        Truncate(out->begin);
        EmitConst(v, t.pos);
        out->value = v;
      } else {
        Emit(is_not ? kNot : kNeg, 0, t.pos);
        out->is_const = false;
      }
    } else if (out->is_const && !IsNum(out->value)) {
      out->is_const = false;
    }
    const int precedence = is_not ? kUnaryNotPrecedence : kUnaryMinusPrecedence;
    if (out->shape == Shape::kUnary) {
      // - -a, !!a: no parentheses needed, a space between two signs.
      const bool space = !is_not && (out->text[0] == '-' || out->text[0] == '+');
      out->text = absl::StrCat(spelled, space ? " " : "", out->text);
      out->absorbs_from = std::min(precedence, out->absorbs_from);
    } else if (out->precedence < precedence) {
      out->text = absl::StrCat(spelled, "(", out->text, ")");
      out->absorbs_from = precedence;
    } else {
      out->text = absl::StrCat(spelled, out->text);
      out->absorbs_from = std::min(precedence, out->absorbs_from);
    }
    out->nature = result;
    out->pos = t.pos;
    out->shape = Shape::kUnary;
    out->precedence = precedence;
    return true;
  }
  switch (t.kind) {
    case Tok::kLParen: {
      if (!Next()) return false;
      if (!ParseExpression(0, out)) return false;
      if (cur_.kind != Tok::kRParen) {
        const std::string what = absl::StrCat("\")\" to close \"(\" at ", LineColumn(t.pos));
        return Unexpected(what.c_str());
      }
      return Next();
    }
    case Tok::kNumber:
      if (!Next()) return false;
      return ParseNumber(t, out);
    case Tok::kIdent: {
      if (!Next()) return false;
      const std::string_view name = TokenText(t);
      if (name == "true" || name == "false") {
        out->value = MakeBool(name == "true");
        out->is_const = true;
        out->nature = kNBool;
        EmitConst(out->value, t.pos);
        out->text = std::string(name);
        return true;
      }
      if (name == "nil") {
        Emit(kPushNil, 0, t.pos);
        out->nature = kNNil;
        out->text = "nil";
        return true;
      }
      if (cur_.kind == Tok::kLParen) return ParseCall(t, out);
      out->text = std::string(name);
      for (size_t i = 0; i < variables_.size(); ++i) {
        if (variables_[i] == name) {
          Emit(kLoad, static_cast<int32_t>(i), t.pos);
          out->nature = kNFloat;
          return true;
        }
      }
      TypeError(t.pos, absl::StrCat("unknown trigger \"", std::string(name), "\"; ",
                                    variables_.empty()
                                        ? std::string("no triggers are named")
                                        : absl::StrCat("triggers: ",
                                                       absl::StrJoin(variables_, ", "))));
      Emit(kPushNil, 0, t.pos);
      out->nature = kUnknown;
      return true;
    }
    case Tok::kUnsupported: {
      const std::string_view word = TokenText(t);
      std::string what = absl::StrCat("\"", std::string(word), "\"");
      if (word == "=") what = "\"=\" (use == to compare)";
      if (word == ".") what = "member access \".\"";
      if (word == "..") what = "the range operator \"..\"";
      if (word == "|") what = "the pipe operator \"|\"";
      if (word == "[" || word == "]") what = absl::StrCat("array or index ", what);
      if (word == "{" || word == "}") what = absl::StrCat("map ", what);
      if (word == ";") what = "sequence \";\"";
      if (word == "?.") what = "optional chaining \"?.\"";
      return SyntaxError(t.pos, absl::StrCat(what, " is not supported in formulas"));
    }
    case Tok::kEnd:
      return SyntaxError(t.pos, "unexpected end of formula");
    default:
      return Unexpected(nullptr);
  }
}

// parser.parseSecondary's Number case: hex, octal and binary integers; a '.'
// or an 'e' makes a float64; otherwise a decimal int.
bool FormulaCompiler::ParseNumber(const Token& t, Sub* out) {
  std::string digits;
  for (char c : TokenText(t)) {
    if (c != '_') digits.push_back(c);
  }
  std::string lower = digits;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int base = 10;
  size_t skip = 0;
  const char* kind = "integer";
  if (lower.rfind("0x", 0) == 0) {
    base = 16;
    skip = 2;
    kind = "hex";
  } else if (lower.find_first_of(".e") != std::string::npos) {
    // Go's strconv.ParseFloat on what the lexer took: digits, an optional
    // fraction and an optional exponent (which needs digits).
    const size_t e = lower.find('e');
    const std::string mantissa = lower.substr(0, e);
    const bool mantissa_ok = mantissa.find_first_of("0123456789") != std::string::npos &&
                             mantissa.find_first_not_of("0123456789.") == std::string::npos;
    bool exponent_ok = true;
    int64_t exponent = 0;
    if (e != std::string::npos) {
      size_t k = e + 1;
      bool negative = false;
      if (k < lower.size() && (lower[k] == '+' || lower[k] == '-')) negative = lower[k++] == '-';
      exponent_ok = k < lower.size() &&
                    lower.find_first_not_of("0123456789", k) == std::string::npos;
      for (; exponent_ok && k < lower.size(); ++k) {
        exponent = std::min<int64_t>(exponent * 10 + (lower[k] - '0'), 100000);
      }
      if (negative) exponent = -exponent;
    }
    if (!mantissa_ok || !exponent_ok || lower.rfind("0b", 0) == 0 || lower.rfind("0o", 0) == 0) {
      return SyntaxError(t.pos, absl::StrCat("invalid float literal \"",
                                             std::string(TokenText(t)), "\""));
    }
    double v = 0;
    const absl::from_chars_result r =
        absl::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (r.ptr != digits.data() + digits.size() ||
        (r.ec != std::errc() && r.ec != std::errc::result_out_of_range)) {
      return SyntaxError(t.pos, absl::StrCat("invalid float literal \"",
                                             std::string(TokenText(t)), "\""));
    }
    if (r.ec == std::errc::result_out_of_range || std::isinf(v)) {
      // Go reports overflow and rounds underflow to zero. The decimal
      // exponent of the leading digit tells the two apart.
      const size_t lead = mantissa.find_first_of("123456789");
      const size_t dot = std::min(mantissa.find('.'), mantissa.size());
      const int64_t lead_power =
          lead == std::string::npos ? 0
          : lead < dot              ? static_cast<int64_t>(dot - lead) - 1
                                    : -static_cast<int64_t>(lead - dot);
      if (lead != std::string::npos && lead_power + exponent > 0) {
        return SyntaxError(t.pos, absl::StrCat("invalid float literal \"",
                                               std::string(TokenText(t)),
                                               "\": value out of range"));
      }
      v = 0;
    }
    out->value = MakeFloat(v);
    out->is_const = true;
    out->nature = kNFloat;
    out->text = FloatLiteral(v);
    EmitConst(out->value, t.pos);
    return true;
  } else if (lower.rfind("0b", 0) == 0) {
    base = 2;
    skip = 2;
    kind = "binary";
  } else if (lower.rfind("0o", 0) == 0) {
    base = 8;
    skip = 2;
    kind = "octal";
  }
  // strconv.ParseInt(s, base, 64).
  uint64_t value = 0;
  bool ok = lower.size() > skip;
  for (size_t i = skip; ok && i < lower.size(); ++i) {
    const char c = lower[i];
    const int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
    if (d >= base) {
      ok = false;
      break;
    }
    if (value > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - d) / base) {
      return SyntaxError(t.pos, absl::StrCat("invalid ", kind, " literal \"",
                                             std::string(TokenText(t)),
                                             "\": value out of range"));
    }
    value = value * base + d;
  }
  if (!ok) {
    return SyntaxError(t.pos, absl::StrCat("invalid ", kind, " literal \"",
                                           std::string(TokenText(t)), "\""));
  }
  out->value = MakeInt(static_cast<int64_t>(value));
  out->is_const = true;
  out->nature = kNInt;
  out->text = absl::StrCat(value);
  EmitConst(out->value, t.pos);
  return true;
}

// The builtins formulas use, with builtin.go's Validate rules.
bool FormulaCompiler::ParseCall(const Token& name_token, Sub* out) {
  const std::string_view name = TokenText(name_token);
  Op op = kPushNil;
  bool aggregate = false;
  if (name == "abs") {
    op = kAbs;
  } else if (name == "ceil") {
    op = kCeil;
  } else if (name == "floor") {
    op = kFloor;
  } else if (name == "round") {
    op = kRound;
  } else if (name == "float") {
    op = kFloat;
  } else if (name == "min") {
    op = kMin;
    aggregate = true;
  } else if (name == "max") {
    op = kMax;
    aggregate = true;
  } else {
    TypeError(name_token.pos, absl::StrCat("unsupported function \"", std::string(name),
                                           "\"; functions: ", kFunctionList));
  }
  if (!Next()) return false;  // the '('
  std::vector<Nature> natures;
  std::vector<std::string> texts;
  // parser.parseArguments: a trailing comma is allowed.
  while (cur_.kind != Tok::kRParen) {
    if (!natures.empty() && !Expect(Tok::kComma, "\",\" or \")\"")) return false;
    if (cur_.kind == Tok::kRParen) break;
    Sub arg;
    if (!ParseExpression(0, &arg)) return false;
    natures.push_back(arg.nature);
    texts.push_back(std::move(arg.text));
    if (aggregate && natures.size() >= 2) Emit(op, 0, name_token.pos);
  }
  if (!Next()) return false;  // the ')'

  const size_t argc = natures.size();
  Nature result = kUnknown;
  if (aggregate) {
    // validateAggregateFunc: stops at the first argument of unknown type.
    if (argc == 0) {
      TypeError(name_token.pos, absl::StrCat("not enough arguments to call ", std::string(name)));
    } else {
      result = natures[0];
      for (Nature n : natures) {
        if (n == kUnknown) {
          result = kUnknown;
          break;
        }
        if (!IsNumberNature(n)) {
          TypeError(name_token.pos, absl::StrCat("invalid argument for ", std::string(name),
                                                 " (type ", NatureName(n), ")"));
          result = kUnknown;
          break;
        }
      }
    }
    // min(x) and max(x) are x (minMax returns a lone argument as it is).
    if (argc >= 2) out_->code_.back().op = op == kMin ? kMinLast : kMaxLast;
  } else if (op != kPushNil) {
    if (argc != 1) {
      TypeError(name_token.pos, absl::StrCat("invalid number of arguments (expected 1, got ",
                                             argc, ")"));
    } else {
      const Nature n = natures[0];
      if (!IsNumberNature(n) && n != kUnknown) {
        TypeError(name_token.pos, absl::StrCat("invalid argument for ", std::string(name),
                                               " (type ", NatureName(n), ")"));
      }
      // abs keeps its argument's type; the others return float64.
      result = op != kAbs ? kNFloat : IsNumberNature(n) ? n : kUnknown;
      Emit(op, 0, name_token.pos);
    }
  }
  out->nature = result;
  out->is_const = false;
  out->text = absl::StrCat(std::string(name), "(", absl::StrJoin(texts, ", "), ")");
  out->shape = Shape::kAtom;
  out->precedence = kAtomPrecedence;
  out->pos = name_token.pos;
  return true;
}

// Checks the program's stack discipline (every path agrees on the depth at
// each instruction, jumps stay inside) and measures the stack it needs.
absl::Status FormulaCompiler::Verify() {
  const auto& code = out_->code_;
  const size_t n = code.size();
  std::vector<int> expected(n + 1, -1);
  int depth = 0;
  int max_depth = 0;
  bool falls_through = true;  // false right after an unconditional jump
  for (size_t pc = 0; pc < n; ++pc) {
    if (!falls_through) {
      if (expected[pc] < 0) {
        return absl::InternalError(absl::StrCat("formula program: unreachable at ", pc));
      }
      depth = expected[pc];
    } else if (expected[pc] >= 0 && expected[pc] != depth) {
      return absl::InternalError(absl::StrCat("formula program: depth mismatch at ", pc));
    }
    const uint8_t op = code[pc].op;
    falls_through = op != kJump;
    if (depth < StackNeeds(op)) {
      return absl::InternalError(absl::StrCat("formula program: stack underflow at ", pc));
    }
    const bool reads_constant = op == kConst || (IsFused(op) && IsFusedConst(op));
    const bool reads_variable = op == kLoad || (IsFused(op) && !IsFusedConst(op));
    if (reads_constant && (code[pc].arg < 0 || static_cast<size_t>(code[pc].arg) >=
                                                   out_->constants_.size())) {
      return absl::InternalError("formula program: bad constant");
    }
    if (reads_variable && (code[pc].arg < 0 ||
                           static_cast<size_t>(code[pc].arg) >= variables_.size())) {
      return absl::InternalError("formula program: bad variable");
    }
    depth += StackEffect(op);
    max_depth = std::max(max_depth, depth);
    if (IsJump(op)) {
      const int64_t target = static_cast<int64_t>(pc) + 1 + code[pc].arg;
      if (code[pc].arg < 0 || target > static_cast<int64_t>(n)) {
        return absl::InternalError(absl::StrCat("formula program: bad jump at ", pc));
      }
      if (expected[target] >= 0 && expected[target] != depth) {
        return absl::InternalError(absl::StrCat("formula program: depth mismatch at ", target));
      }
      expected[target] = depth;
      // A short-circuit jump keeps the value it jumps with and pops it when
      // it falls through.
      if (IsShortCircuit(op)) --depth;
    }
  }
  if (falls_through ? depth != 1 || (expected[n] >= 0 && expected[n] != 1)
                    : expected[n] != 1) {
    return absl::InternalError("formula program: does not leave one value");
  }
  if (static_cast<size_t>(max_depth) > Formula::kMaxStack) {
    return absl::InvalidArgumentError(absl::StrCat(
        "formula:1:1: formula needs ", max_depth, " evaluation slots; the limit is ",
        Formula::kMaxStack));
  }
  out_->max_stack_ = static_cast<size_t>(max_depth);
  return absl::OkStatus();
}

absl::Status FormulaCompiler::Compile() {
  for (size_t i = 0; i < variables_.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (variables_[i] == variables_[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat("formula: trigger \"", variables_[i], "\" is named twice"));
      }
    }
  }
  if (text_.size() > Formula::kMaxLength) {
    return absl::InvalidArgumentError(absl::StrCat("formula: ", text_.size(),
                                                   " bytes; the limit is ",
                                                   Formula::kMaxLength));
  }
  Sub root;
  bool ok = Next() && ParseExpression(0, &root);
  if (ok && cur_.kind != Tok::kEnd) ok = Unexpected(nullptr);
  if (!syntax_error_.ok()) return syntax_error_;
  if (!ok) return absl::InternalError("formula: parse failed without an error");
  if (!type_error_.ok()) return type_error_;
  if (!fold_error_.ok()) return fold_error_;
  if (out_->code_.size() > Formula::kMaxProgramSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "formula: compiles to more than ", Formula::kMaxProgramSize, " operations"));
  }
  absl::Status verified = Verify();
  if (!verified.ok()) return verified;
  out_->canonical_ = std::move(root.text);
  out_->result_nature_ = root.nature;
  return absl::OkStatus();
}

// --- Formula ----------------------------------------------------------------------

absl::StatusOr<Formula> Formula::Parse(std::string_view text,
                                       const std::vector<std::string>& variables) {
  Formula f;
  FormulaCompiler compiler(text, variables, &f);
  absl::Status status = compiler.Compile();
  if (!status.ok()) return status;
  f.text_ = std::string(text);
  f.variables_ = variables;
  // scaledobject_webhook.go castToFloatIfNecessary, on the text as written.
  if (absl::StrContains(f.text_, "??")) {
    f.keda_wrap_ = KedaWrap::kCoalesce;
  } else if (absl::StartsWith(f.text_, "float(")) {
    f.keda_wrap_ = KedaWrap::kNone;
  } else {
    f.keda_wrap_ = KedaWrap::kFloat;
  }
  return f;
}

absl::Status Formula::EvalError(size_t pc, const std::string& message) const {
  const uint32_t pos = positions_[pc];
  int line = 1;
  int column = 1;
  for (size_t i = 0; i < pos && i < text_.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text_[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("formula:", line, ":", column, ": ", message));
}

namespace {

const char* OpText(uint8_t op) {
  switch (op) {
    case kAdd:
      return "+";
    case kSub:
      return "-";
    case kMul:
      return "*";
    case kDiv:
      return "/";
    case kMod:
      return "%";
    case kPow:
      return "**";
    case kLt:
      return "<";
    case kLe:
      return "<=";
    case kGt:
      return ">";
    case kGe:
      return ">=";
    case kEqInt:
      return "==";
    case kNeInt:
      return "!=";
    case kNeg:
      return "-";
    case kNot:
      return "!";
    case kAbs:
      return "abs";
    case kCeil:
      return "ceil";
    case kFloor:
      return "floor";
    case kRound:
      return "round";
    case kFloat:
      return "float";
    case kMin:
    case kMinLast:
      return "min";
    case kMax:
    case kMaxLast:
      return "max";
    case kAndJump:
      return "&&";
    case kOrJump:
      return "||";
    default:
      return "?";
  }
}

constexpr const char* kNilHint = " (a failed trigger is nil; route around it with ?\?)";

}  // namespace

absl::StatusOr<FormulaValue> Formula::Evaluate(
    absl::Span<const std::optional<double>> values) const {
  if (values.size() != variables_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "formula: ", values.size(), " values for ", variables_.size(), " triggers"));
  }
  Slot stack[kMaxStack];
  size_t sp = 0;
  const Instr* code = code_.data();
  const size_t n = code_.size();
  for (size_t pc = 0; pc < n; ++pc) {
    const Instr in = code[pc];
    switch (in.op) {
      case kLoad: {
        const std::optional<double>& v = values[static_cast<size_t>(in.arg)];
        Slot& s = stack[sp++];
        if (v.has_value()) {
          s.kind = Kind::kFloat;
          s.f = *v;
        } else {
          s.kind = Kind::kNil;
        }
        continue;
      }
      case kConst:
        stack[sp++] = constants_[static_cast<size_t>(in.arg)];
        continue;
      case kPushNil:
        stack[sp++].kind = Kind::kNil;
        continue;
      // float64 fast paths; everything else goes through Binary().
      case kAdd:
      case kSub:
      case kMul:
      case kDiv: {
        Slot& a = stack[sp - 2];
        const Slot& b = stack[sp - 1];
        if (a.kind == Kind::kFloat && b.kind == Kind::kFloat) {
          a.f = in.op == kAdd   ? a.f + b.f
                : in.op == kSub ? a.f - b.f
                : in.op == kMul ? a.f * b.f
                                : a.f / b.f;
          --sp;
          continue;
        }
        break;
      }
      case kLt:
      case kLe:
      case kGt:
      case kGe: {
        Slot& a = stack[sp - 2];
        const Slot& b = stack[sp - 1];
        if (a.kind == Kind::kFloat && b.kind == Kind::kFloat) {
          const bool r = in.op == kLt   ? a.f < b.f
                         : in.op == kLe ? a.f <= b.f
                         : in.op == kGt ? a.f > b.f
                                        : a.f >= b.f;
          a.kind = Kind::kBool;
          a.b = r;
          --sp;
          continue;
        }
        break;
      }
      case kAndJump:
      case kOrJump:
      case kElvisJump: {
        const Slot& c = stack[sp - 1];
        if (c.kind != Kind::kBool) break;  // the error, below
        if (c.b == (in.op != kAndJump)) {
          pc += static_cast<size_t>(in.arg);
        } else {
          --sp;
        }
        continue;
      }
      case kCondJump: {
        const Slot& c = stack[sp - 1];
        if (c.kind != Kind::kBool) break;
        --sp;
        if (!c.b) pc += static_cast<size_t>(in.arg);
        continue;
      }
      case kCoalesceJump:
        if (stack[sp - 1].kind != Kind::kNil) {
          pc += static_cast<size_t>(in.arg);
        } else {
          --sp;
        }
        continue;
      case kJump:
        pc += static_cast<size_t>(in.arg);
        continue;
      case kMin:
      case kMax:
        MinMaxStep(in.op == kMax, &stack[sp - 2], stack[sp - 1]);
        --sp;
        continue;
      default:
        break;
    }

    uint8_t op = in.op;
    if (IsFused(op)) {
      Slot b;
      if (IsFusedConst(op)) {
        b = constants_[static_cast<size_t>(in.arg)];
      } else {
        const std::optional<double>& v = values[static_cast<size_t>(in.arg)];
        if (v.has_value()) {
          b.kind = Kind::kFloat;
          b.f = *v;
        } else {
          b.kind = Kind::kNil;
        }
      }
      op = FusedBase(op);
      Slot& a = stack[sp - 1];
      if (a.kind == Kind::kFloat && b.kind == Kind::kFloat) {
        switch (op) {
          case kAdd:
            a.f += b.f;
            continue;
          case kSub:
            a.f -= b.f;
            continue;
          case kMul:
            a.f *= b.f;
            continue;
          case kDiv:
            a.f /= b.f;
            continue;
          default: {
            const bool r = op == kLt   ? a.f < b.f
                           : op == kLe ? a.f <= b.f
                           : op == kGt ? a.f > b.f
                                       : a.f >= b.f;
            a.kind = Kind::kBool;
            a.b = r;
            continue;
          }
        }
      }
      stack[sp++] = b;  // and on as the plain operator
    }

    // The rest: ints, mixed types, functions and errors.
    switch (op) {
      case kNeg:
      case kNot:
      case kAbs:
      case kCeil:
      case kFloor:
      case kRound:
      case kFloat: {
        Slot& a = stack[sp - 1];
        if (Unary(op, a, &a) != Fault::kNone) {
          const char* t = KindName(a.kind);
          if (op == kNeg || op == kNot) {
            return EvalError(pc, absl::StrCat("invalid operation: ", OpText(op), t,
                                              a.kind == Kind::kNil ? kNilHint : ""));
          }
          return EvalError(pc, absl::StrCat("invalid argument for ", OpText(op), " (type ",
                                            t, ")", a.kind == Kind::kNil ? kNilHint : ""));
        }
        break;
      }
      case kAdd:
      case kSub:
      case kMul:
      case kDiv:
      case kMod:
      case kPow:
      case kEq:
      case kNe:
      case kEqInt:
      case kNeInt:
      case kLt:
      case kLe:
      case kGt:
      case kGe: {
        Slot& a = stack[sp - 2];
        const Slot& b = stack[sp - 1];
        const Fault fault = Binary(op, a, b, &a);
        if (fault != Fault::kNone) {
          if (fault == Fault::kDivideByZero) return EvalError(pc, "integer divide by zero");
          const bool nil = a.kind == Kind::kNil || b.kind == Kind::kNil;
          return EvalError(pc, absl::StrCat("invalid operation: ", KindName(a.kind), " ",
                                            OpText(op), " ", KindName(b.kind),
                                            op == kMod && !nil ? " (% needs two ints)" : "",
                                            (op == kEqInt || op == kNeInt)
                                                ? " (both sides are int-typed, so expr "
                                                  "compares them as ints)"
                                                : "",
                                            nil ? kNilHint : ""));
        }
        --sp;
        break;
      }
      case kAndJump:
      case kOrJump:
      case kElvisJump:
      case kCondJump: {
        const Kind k = stack[sp - 1].kind;
        const char* hint = k == Kind::kNil ? kNilHint : "";
        if (op == kCondJump || op == kElvisJump) {
          return EvalError(pc, absl::StrCat("non-bool value (type ", KindName(k),
                                            ") used as condition", hint));
        }
        return EvalError(pc, absl::StrCat("invalid operation: ", OpText(op),
                                          " needs bool operands, got ", KindName(k), hint));
      }
      case kMinLast:
      case kMaxLast: {
        Slot& acc = stack[sp - 2];
        MinMaxStep(op == kMaxLast, &acc, stack[sp - 1]);
        --sp;
        if (acc.kind == Kind::kPending) {
          const Kind bad = static_cast<Kind>(acc.i);
          return EvalError(pc, absl::StrCat("invalid argument for ", OpText(op), " (type ",
                                            KindName(bad), ")",
                                            bad == Kind::kNil ? kNilHint : ""));
        }
        break;
      }
      default:
        return absl::InternalError("formula: bad operation");
    }
  }
  const Slot& r = stack[0];
  switch (r.kind) {
    case Kind::kNil:
      return FormulaValue::Nil();
    case Kind::kBool:
      return FormulaValue::Bool(r.b);
    case Kind::kInt:
      return FormulaValue::Number(static_cast<double>(r.i), /*is_integer=*/true);
    case Kind::kFloat:
      return FormulaValue::Number(r.f);
    case Kind::kPending:
      break;
  }
  return absl::InternalError("formula: bad result");
}

absl::StatusOr<std::optional<double>> Formula::EvaluateComposite(
    absl::Span<const std::optional<double>> values) const {
  absl::StatusOr<FormulaValue> v = Evaluate(values);
  if (!v.ok()) return v.status();
  switch (v->kind) {
    case FormulaValue::Kind::kBool:
      return absl::InvalidArgumentError("formula must return a number, got bool");
    case FormulaValue::Kind::kNil:
      if (keda_wrap_ == KedaWrap::kFloat) {
        return absl::InvalidArgumentError(
            "formula must return a number, got nil (KEDA allows nil, for the fallback, only "
            "from formulas that use ?\?)");
      }
      return std::optional<double>();
    case FormulaValue::Kind::kNumber:
      if (keda_wrap_ == KedaWrap::kNone && v->integer) {
        return absl::InvalidArgumentError(
            "formula must return a float64, got int (KEDA does not wrap a formula that "
            "begins with \"float(\" in float())");
      }
      return std::optional<double>(v->number);
  }
  return absl::InternalError("formula: bad result");
}

absl::Status Formula::CheckKedaAdmission() const {
  const Nature nature = static_cast<Nature>(result_nature_);
  if (keda_wrap_ != KedaWrap::kNone && (nature == kNBool || nature == kNNil)) {
    return absl::InvalidArgumentError(
        absl::StrCat("formula: KEDA's float() wrapper refuses it: invalid argument for float "
                     "(type ", NatureName(nature), ")"));
  }
  std::vector<std::optional<double>> dummy(variables_.size(), -1.0);
  if (keda_wrap_ == KedaWrap::kNone) {
    absl::StatusOr<FormulaValue> v = Evaluate(dummy);
    return v.ok() ? absl::OkStatus() : v.status();
  }
  absl::StatusOr<std::optional<double>> v = EvaluateComposite(dummy);
  return v.ok() ? absl::OkStatus() : v.status();
}

std::string Formula::ToString() const { return canonical_; }

std::string FormulaValue::ToString() const {
  switch (kind) {
    case Kind::kNil:
      return "nil";
    case Kind::kBool:
      return boolean ? "true" : "false";
    case Kind::kNumber:
      if (integer) return absl::StrFormat("%.0f", number);
      return FloatLiteral(number);
  }
  return "?";
}

}  // namespace agentscale::keda
