// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the Prometheus rule-file loader that `agentscale
// lint` reads (config/alert_rules.h). Any bytes must load or fail with an
// InvalidArgument status naming the source, never crash, hang or grow
// without bound. What loads must hold: each rule is an alert or a record
// (not both), has an expression, and every position inside the expression
// falls on a line of the file. Built with clang when AGENTSCALE_BUILD_FUZZERS
// is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target alert_rules_fuzz
//   /tmp/fuzz/tests/fuzz/alert_rules_fuzz -max_total_time=30 \
//     tests/fuzz/corpus/alert_rules

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "agentscale/config/alert_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // bounded input, bounded work
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)agentscale::config::IsPrometheusRuleFile(text);
  absl::StatusOr<agentscale::config::PrometheusRuleFile> file =
      agentscale::config::LoadPrometheusRulesString(text, "fuzz.yml");
  if (!file.ok()) {
    if (file.status().code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(file.status().message(), "fuzz.yml")) {
      std::abort();
    }
    return 0;
  }
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const agentscale::config::PrometheusRule& r : file->rules) {
    if (r.alert.empty() == r.record.empty() || r.expr.empty()) std::abort();
    for (size_t i = 0; i <= r.expr.size(); ++i) {
      const std::pair<int, int> at = r.PositionOf(i);
      if (at.first < 1 || static_cast<size_t>(at.first) > lines || at.second < 1) std::abort();
    }
  }
  return 0;
}
