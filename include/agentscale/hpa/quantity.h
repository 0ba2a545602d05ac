// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Kubernetes resource.Quantity strings ("500m", "1.5k", "2Gi", "1e3") as the
// int64 milli-units that the HPA algorithm works in (Quantity.MilliValue()).
//
//   absl::StatusOr<int64_t> milli =
//       agentscale::hpa::ParseQuantityMilli("1.5k");
//   // *milli == 1'500'000
//   std::string text = agentscale::hpa::FormatMilli(*milli);  // "1500"
//
// Parsing follows apimachinery's ParseQuantity character for character,
// including its oddities: a lone sign, "." or suffix ("m", "Ki") parses as
// zero, "1." and ".5" are accepted, and a trailing exponent may carry a sign
// ("1e+3"). The milli value is rounded away from zero, as
// int64Amount.AsScaledInt64 does: "0.0001" -> 1 and "-0.0001" -> -1.
//
// Where Kubernetes would silently produce garbage this library reports an
// error instead: a value whose milli value does not fit in int64 (Kubernetes
// caps at 2^63-1 units and then overflows when scaling to milli), and an
// exponent outside int64 or so large that Kubernetes' int32 truncation would
// change the number.
#ifndef AGENTSCALE_HPA_QUANTITY_H_
#define AGENTSCALE_HPA_QUANTITY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace agentscale::hpa {

// Parses a Kubernetes quantity and returns its milli value (the value times
// 1000, rounded away from zero). A malformed string or a milli value outside
// int64 is InvalidArgument: `invalid quantity "abc": <why>`.
absl::StatusOr<int64_t> ParseQuantityMilli(const std::string& s);

// Parses a Kubernetes quantity and returns Quantity.AsApproximateFloat64():
// the stored unscaled integer times math.Pow10(exponent), computed the way Go
// does, so that e.g. a behavior tolerance of "0.05" yields the very float64
// the Kubernetes controller compares against. Same errors as above, except
// that magnitudes are capped at 2^63-1 like Kubernetes rather than rejected.
absl::StatusOr<double> ParseQuantityApproximateFloat(const std::string& s);

// A canonical string for a milli value that ParseQuantityMilli maps back to
// the same value: whole units without suffix ("70"), anything else in milli
// units ("500m", "1500m", "-1m").
std::string FormatMilli(int64_t milli);

// The shortest decimal string (at most 17 significant digits) whose
// ParseQuantityApproximateFloat is exactly `value`, e.g. 0.05 -> "0.05". Every
// value that came from ParseQuantityApproximateFloat has one. For other values
// (more than nine fractional digits, which Kubernetes rounds to nano units) the
// nearest nano-unit string is returned. NaN and infinities have no quantity
// form and yield "NaN"/"Inf", which do not parse.
std::string FormatQuantityDouble(double value);

// The milli value as a float64 in units (milli / 1000).
double QuantityToDouble(int64_t milli);

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_QUANTITY_H_
