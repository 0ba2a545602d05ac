// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the HPA manifest loader, lenient and strict, and the
// document listing `agentscale list` prints; once with the default YAML
// limits and once with small ones, so that every bound (depth, expanded
// nodes, documents, size) is reached by short inputs. Any bytes must load or
// fail with an InvalidArgument status naming the source, in valid UTF-8
// (Python raises the message as a ValueError), never crash, hang or grow
// without bound (yaml-cpp 0.7's LoadAll alone loops for ever on a stray ','
// and expands aliases on every walk). What loads strictly loads leniently,
// and every HPA read dumps to a manifest that loads back strictly and dumps
// the same. Built with clang when AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target manifest_fuzz
//   /tmp/fuzz/tests/fuzz/manifest_fuzz -max_total_time=30 -rss_limit_mb=2048 \
//     tests/fuzz/corpus/manifest

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/spec.h"
#include "yaml_fields.h"

namespace {

bool ValidUtf8(const std::string& s) {
  return agentscale::yaml_fields::FirstInvalidUtf8(s) == std::string::npos;
}

// An error names the source, is InvalidArgument and valid UTF-8; anything
// else aborts.
template <typename T>
bool Failed(const absl::StatusOr<T>& loaded) {
  if (loaded.ok()) return false;
  const std::string message(loaded.status().message());
  if (loaded.status().code() != absl::StatusCode::kInvalidArgument ||
      !absl::StartsWith(message, "fuzz.yaml") || !ValidUtf8(message)) {
    std::fprintf(stderr, "bad error: %s\n", loaded.status().ToString().c_str());
    std::abort();
  }
  return true;
}

void CheckLoaded(const agentscale::config::LoadedManifests& loaded) {
  for (const std::string& w : loaded.warnings) {
    if (!ValidUtf8(w)) std::abort();
  }
  for (const agentscale::hpa::AutoscalerSpec& spec : loaded.autoscalers) {
    if (!ValidUtf8(spec.name)) std::abort();
    const std::string dumped = agentscale::config::DumpManifest(spec);
    absl::StatusOr<agentscale::config::LoadedManifests> again =
        agentscale::config::LoadManifestString(dumped, "dumped.yaml");
    if (!again.ok() || again->autoscalers.size() != 1) std::abort();
    if (agentscale::config::DumpManifest(again->autoscalers[0]) != dumped) std::abort();
  }
}

void Load(const std::string& text, const agentscale::config::YamlLimits& limits) {
  agentscale::config::LoadOptions lenient;
  lenient.strict = false;
  lenient.yaml_limits = limits;
  absl::StatusOr<agentscale::config::LoadedManifests> relaxed =
      agentscale::config::LoadManifestString(text, "fuzz.yaml", lenient);
  if (!Failed(relaxed)) CheckLoaded(*relaxed);
  agentscale::config::LoadOptions strict;
  strict.yaml_limits = limits;
  absl::StatusOr<agentscale::config::LoadedManifests> loaded =
      agentscale::config::LoadManifestString(text, "fuzz.yaml", strict);
  if (Failed(loaded)) return;
  if (!relaxed.ok()) std::abort();  // lenient accepts what strict accepts
  CheckLoaded(*loaded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // manifests are small; keep runs fast
  const std::string text(reinterpret_cast<const char*>(data), size);
  Load(text, agentscale::config::YamlLimits{});
  agentscale::config::YamlLimits small;
  small.max_bytes = 4096;
  small.max_depth = 8;
  small.max_nodes = 500;
  small.max_documents = 4;
  Load(text, small);
  absl::StatusOr<std::vector<agentscale::config::ManifestDocument>> listed =
      agentscale::config::ListManifestDocumentsInString(text, "fuzz.yaml");
  if (!Failed(listed)) {
    for (const agentscale::config::ManifestDocument& d : *listed) {
      if (!ValidUtf8(d.name) || !ValidUtf8(d.kind)) std::abort();
    }
  }
  return 0;
}
