// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the scalingModifiers formula engine: any bytes must
// parse or fail with an InvalidArgument status that names the formula
// ("formula..."), never crash, hang or recurse without bound. A formula that
// parses stays within the program and stack limits, evaluates (or fails with
// InvalidArgument) on value vectors with failed triggers, NaN and ±Inf, and
// its canonical form parses back to the same canonical form and evaluates to
// the same values (unless spacing takes it over Formula::kMaxLength). Built
// with clang when AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target formula_fuzz
//   /tmp/fuzz/tests/fuzz/formula_fuzz -max_total_time=60 \
//     tests/fuzz/corpus/formula

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "agentscale/keda/formula.h"

namespace {

using agentscale::keda::Formula;
using agentscale::keda::FormulaValue;

const std::vector<std::string>& Variables() {
  static const auto* names = new std::vector<std::string>{"a", "b", "trig1"};
  return *names;
}

const std::vector<std::vector<std::optional<double>>>& ValueSets() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static const auto* sets = new std::vector<std::vector<std::optional<double>>>{
      {1.0, 2.0, 3.0},
      {std::nullopt, std::nullopt, std::nullopt},
      {std::nan(""), kInf, -kInf},
      {0.0, -0.0, std::nullopt},
      {-1.0, -1.0, -1.0},
      {1e308, -1e308, 5e-324},
  };
  return *sets;
}

void CheckError(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) std::abort();
  if (!absl::StartsWith(status.message(), "formula")) std::abort();
}

bool Same(const FormulaValue& x, const FormulaValue& y) {
  if (x.kind != y.kind || x.integer != y.integer) return false;
  if (!x.is_number()) return x == y;
  if (std::isnan(x.number) || std::isnan(y.number)) {
    return std::isnan(x.number) && std::isnan(y.number);
  }
  return x.number == y.number && std::signbit(x.number) == std::signbit(y.number);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Formula> f = Formula::Parse(text, Variables());
  if (!f.ok()) {
    CheckError(f.status());
    return 0;
  }
  if (f->program_size() == 0 || f->program_size() > Formula::kMaxProgramSize) std::abort();
  if (f->max_stack_depth() == 0 || f->max_stack_depth() > Formula::kMaxStack) std::abort();

  // The canonical form parses back (unless its spacing made it too long)
  // to itself, and evaluates alike.
  const std::string canonical = f->ToString();
  std::optional<Formula> again;
  if (canonical.size() <= Formula::kMaxLength) {
    absl::StatusOr<Formula> reparsed = Formula::Parse(canonical, Variables());
    if (!reparsed.ok() || reparsed->ToString() != canonical) std::abort();
    again = *std::move(reparsed);
  }

  for (const auto& values : ValueSets()) {
    const absl::StatusOr<FormulaValue> v = f->Evaluate(values);
    if (!v.ok()) CheckError(v.status());
    if (again.has_value()) {
      const absl::StatusOr<FormulaValue> w = again->Evaluate(values);
      if (v.ok() != w.ok()) std::abort();
      if (v.ok() && !Same(*v, *w)) std::abort();
    }
    const absl::StatusOr<std::optional<double>> composite = f->EvaluateComposite(values);
    if (!composite.ok()) {
      CheckError(composite.status());
    } else if (!v.ok() || !v->is_number() != !composite->has_value()) {
      std::abort();
    }
  }
  const absl::Status admission = f->CheckKedaAdmission();
  if (!admission.ok()) CheckError(admission);
  return 0;
}
