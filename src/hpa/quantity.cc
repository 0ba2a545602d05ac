// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/quantity.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace agentscale::hpa {
namespace {

// The character at byte `pos` for an error message: the whole UTF-8
// sequence when it is one (a message quoting half a character is not valid
// text, and Python cannot raise it), else the byte as \xNN.
std::string CharacterAt(const std::string& s, size_t pos) {
  const auto c = static_cast<unsigned char>(s[pos]);
  size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (len == 1 && c >= 0x20 && c < 0x7F) return std::string(1, s[pos]);
  bool ok = len > 1 && pos + len <= s.size();
  for (size_t k = 1; ok && k < len; ++k) {
    ok = (static_cast<unsigned char>(s[pos + k]) & 0xC0) == 0x80;
  }
  // Overlong forms, surrogates and code points past U+10FFFF.
  if (ok && len >= 3) {
    const auto c1 = static_cast<unsigned char>(s[pos + 1]);
    ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 > 0x9F) && !(c == 0xF0 && c1 < 0x90) &&
         !(c == 0xF4 && c1 > 0x8F);
  }
  if (ok) return s.substr(pos, len);
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{'\\', 'x', kHex[c >> 4], kHex[c & 15]};
}


using uint128 = unsigned __int128;

// A quantity string split the way apimachinery's parseQuantityString and
// quantitySuffixer.interpret split it.
struct Parts {
  bool negative = false;
  std::string num;    // integer digits without leading zeros; "0" if none
  std::string denom;  // fraction digits exactly as written
  int base = 10;      // 10 or 2 (binary suffixes Ki..Ei)
  // Power of `base` from the suffix. Clamped to +-1e12: beyond that every
  // non-zero value overflows or rounds to the smallest unit anyway, and the
  // clamp keeps the exponent arithmetic below free of overflow.
  int64_t exponent = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status Invalid(const std::string& s, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid quantity \"", s, "\": ", why));
}

// Mirrors quantitySuffixer.interpret.
bool InterpretSuffix(const std::string& suffix, Parts* parts) {
  struct Entry {
    const char* text;
    int base;
    int exponent;
  };
  static constexpr Entry kSuffixes[] = {
      {"", 10, 0},    {"n", 10, -9},  {"u", 10, -6},  {"m", 10, -3},
      {"k", 10, 3},   {"M", 10, 6},   {"G", 10, 9},   {"T", 10, 12},
      {"P", 10, 15},  {"E", 10, 18},  {"Ki", 2, 10},  {"Mi", 2, 20},
      {"Gi", 2, 30},  {"Ti", 2, 40},  {"Pi", 2, 50},  {"Ei", 2, 60},
  };
  for (const Entry& e : kSuffixes) {
    if (suffix == e.text) {
      parts->base = e.base;
      parts->exponent = e.exponent;
      return true;
    }
  }
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    // strconv.ParseInt(suffix[1:], 10, 64): optional sign, decimal digits.
    std::string digits = suffix.substr(1);
    size_t i = (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
    if (i == digits.size()) return false;
    for (size_t j = i; j < digits.size(); ++j) {
      if (!IsDigit(digits[j])) return false;
    }
    int64_t exponent = 0;
    if (!absl::SimpleAtoi(digits, &exponent)) return false;  // out of int64
    constexpr int64_t kClamp = 1'000'000'000'000;
    if (exponent > kClamp) exponent = kClamp;
    if (exponent < -kClamp) exponent = -kClamp;
    parts->base = 10;
    parts->exponent = exponent;
    return true;
  }
  return false;
}

// Mirrors parseQuantityString followed by the suffix interpretation.
absl::Status Split(const std::string& s, Parts* parts) {
  if (s.empty()) return Invalid(s, "empty string");
  const size_t end = s.size();
  size_t pos = 0;
  if (s[0] == '-') {
    parts->negative = true;
    ++pos;
  } else if (s[0] == '+') {
    ++pos;
  }
  // Leading zeros; a string of only zeros (or only a sign) is zero.
  while (pos < end && s[pos] == '0') ++pos;
  if (pos >= end) {
    parts->num = "0";
    return absl::OkStatus();
  }
  size_t start = pos;
  while (pos < end && IsDigit(s[pos])) ++pos;
  parts->num = s.substr(start, pos - start);
  if (parts->num.empty()) parts->num = "0";
  if (pos < end && s[pos] == '.') {
    ++pos;
    start = pos;
    while (pos < end && IsDigit(s[pos])) ++pos;
    parts->denom = s.substr(start, pos - start);
  }
  // Suffix: a run of suffix letters, an optional sign, then digits.
  const size_t suffix_start = pos;
  static constexpr char kSuffixLetters[] = "eEinumkKMGTP";
  while (pos < end &&
         std::string(kSuffixLetters).find(s[pos]) != std::string::npos) {
    ++pos;
  }
  if (pos < end && (s[pos] == '-' || s[pos] == '+')) ++pos;
  while (pos < end && IsDigit(s[pos])) ++pos;
  if (pos < end) {
    return Invalid(s, absl::StrCat("unexpected character '", CharacterAt(s, pos),
                                   "' at offset ",
                                   pos, "; expected <number><suffix> with "
                                   "suffix one of n u m k M G T P E Ki Mi Gi "
                                   "Ti Pi Ei or an exponent e<N>"));
  }
  const std::string suffix = s.substr(suffix_start);
  if (!InterpretSuffix(suffix, parts)) {
    return Invalid(s, absl::StrCat("unknown suffix \"", suffix,
                                   "\"; expected one of n u m k M G T P E Ki "
                                   "Mi Gi Ti Pi Ei or an exponent e<N>"));
  }
  return absl::OkStatus();
}

// Multiplies a decimal digit string by 2 in place.
void DoubleDigits(std::string* digits) {
  int carry = 0;
  for (size_t i = digits->size(); i-- > 0;) {
    int d = ((*digits)[i] - '0') * 2 + carry;
    (*digits)[i] = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  if (carry) digits->insert(digits->begin(), static_cast<char>('0' + carry));
}

// Computes ceil(|value| * 10^shift) (rounding the magnitude up, i.e. away from
// zero) exactly. Returns false when the result exceeds `limit`.
bool ScaledMagnitude(const Parts& p, int shift, uint128 limit, uint128* out) {
  std::string digits = p.num + p.denom;
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    *out = 0;
    return true;
  }
  digits.erase(0, first);
  int64_t pow10 = shift - static_cast<int64_t>(p.denom.size());
  if (p.base == 10) {
    pow10 += p.exponent;
  } else {
    for (int64_t i = 0; i < p.exponent; ++i) DoubleDigits(&digits);
  }
  // More than 38 decimal digits exceeds every limit used here (< 10^28) and
  // would not fit in 128 bits.
  constexpr int64_t kMaxDigits = 38;
  const int64_t len = static_cast<int64_t>(digits.size());
  uint128 value = 0;
  bool round_up = false;
  if (pow10 >= 0) {
    if (len + pow10 > kMaxDigits) return false;
    for (char c : digits) value = value * 10 + static_cast<unsigned>(c - '0');
    for (int64_t i = 0; i < pow10; ++i) value *= 10;
  } else {
    const int64_t drop = -pow10;
    if (drop >= len) {
      value = 0;
      round_up = true;  // digits are non-zero
    } else {
      const int64_t keep = len - drop;
      if (keep > kMaxDigits) return false;
      for (int64_t i = 0; i < keep; ++i) {
        value = value * 10 + static_cast<unsigned>(digits[i] - '0');
      }
      round_up = digits.find_first_not_of('0', keep) != std::string::npos;
    }
  }
  if (round_up) value += 1;
  if (value > limit) return false;
  *out = value;
  return true;
}

// Go's math.Pow10, which the Kubernetes float conversion uses: products and
// quotients of exactly rounded table entries, not a correctly rounded power.
double GoPow10(int64_t n) {
  static constexpr double kTab[] = {
      1e00, 1e01, 1e02, 1e03, 1e04, 1e05, 1e06, 1e07, 1e08, 1e09, 1e10,
      1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21,
      1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31};
  static constexpr double kPosTab32[] = {1e00,  1e32,  1e64,  1e96,  1e128,
                                         1e160, 1e192, 1e224, 1e256, 1e288};
  static constexpr double kNegTab32[] = {1e-00,  1e-32,  1e-64,  1e-96,
                                         1e-128, 1e-160, 1e-192, 1e-224,
                                         1e-256, 1e-288, 1e-320};
  if (0 <= n && n <= 308) return kPosTab32[n / 32] * kTab[n % 32];
  if (-323 <= n && n <= 0) return kNegTab32[-n / 32] / kTab[-n % 32];
  return n > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

constexpr uint128 kInt64Max = std::numeric_limits<int64_t>::max();

}  // namespace

absl::StatusOr<int64_t> ParseQuantityMilli(const std::string& s) {
  Parts parts;
  if (absl::Status st = Split(s, &parts); !st.ok()) return st;
  uint128 magnitude = 0;
  // A negative value may reach -2^63.
  const uint128 limit = parts.negative ? kInt64Max + 1 : kInt64Max;
  if (!ScaledMagnitude(parts, 3, limit, &magnitude)) {
    return Invalid(s, "milli value does not fit in int64");
  }
  if (parts.negative) {
    return static_cast<int64_t>(-static_cast<__int128>(magnitude));
  }
  return static_cast<int64_t>(magnitude);
}

absl::StatusOr<double> ParseQuantityApproximateFloat(const std::string& s) {
  Parts parts;
  if (absl::Status st = Split(s, &parts); !st.ok()) return st;
  const double sign = parts.negative ? -1.0 : 1.0;
  const int64_t num_len = static_cast<int64_t>(parts.num.size());
  const int64_t denom_len = static_cast<int64_t>(parts.denom.size());
  // ParseQuantity's int64Amount fast path: value = int(num+denom) times the
  // binary mantissa, at a decimal scale; the float is value * Pow10(scale).
  if (parts.base == 10) {
    const int64_t precision = 18 - (num_len + denom_len);
    const int64_t scale = parts.exponent - denom_len;
    if (precision >= 0 && scale >= -9) {
      int64_t value = 0;
      if (!absl::SimpleAtoi(parts.num + parts.denom, &value)) {
        return Invalid(s, "not a number");
      }
      const double base = sign * static_cast<double>(value);
      return scale == 0 ? base : base * GoPow10(scale);
    }
  } else if (parts.denom.empty()) {
    const int64_t precision =
        15 - num_len -
        static_cast<int64_t>(static_cast<float>(parts.exponent) * 3 / 10) - 1;
    if (precision >= 0) {
      int64_t value = 0;
      if (!absl::SimpleAtoi(parts.num, &value)) {
        return Invalid(s, "not a number");
      }
      const uint128 product = static_cast<uint128>(value)
                              << static_cast<int>(parts.exponent);
      if (product <= kInt64Max) {
        return sign * static_cast<double>(static_cast<int64_t>(product));
      }
    }
  }
  // inf.Dec path: the value is rounded up to nano units and capped at
  // 2^63-1 units; the float is unscaled * Pow10(-9).
  uint128 nanos = 0;
  const uint128 cap_nanos = kInt64Max * 1'000'000'000;
  if (!ScaledMagnitude(parts, 9, cap_nanos, &nanos)) {
    return sign * static_cast<double>(std::numeric_limits<int64_t>::max());
  }
  if (nanos == 0) return 0.0;
  return sign * static_cast<double>(nanos) * GoPow10(-9);
}

std::string FormatMilli(int64_t milli) {
  if (milli % 1000 == 0) return absl::StrCat(milli / 1000);
  return absl::StrCat(milli, "m");
}

std::string FormatQuantityDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, value);
    absl::StatusOr<double> back = ParseQuantityApproximateFloat(buf);
    if (back.ok() && *back == value) return buf;
  }
  // Not representable: Kubernetes keeps at most nine fractional digits.
  std::snprintf(buf, sizeof(buf), "%.9f", value);
  return buf;
}

double QuantityToDouble(int64_t milli) {
  return static_cast<double>(milli) / 1000.0;
}

}  // namespace agentscale::hpa
