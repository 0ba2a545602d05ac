// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the manifest loader with KEDA ScaledObjects (and the
// HPAs and Helm values beside them), strict and lenient. Any bytes must load
// or fail with an InvalidArgument status naming the source, never crash,
// hang or grow without bound. What loads must hold: every ScaledObject
// passes KEDA's checks, its generated HPA is valid, and its dump loads back
// to an object that dumps the same; every HPA read leniently (fills and
// all) dumps to a manifest that loads back strictly and dumps the same.
// Built with clang when AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target scaled_object_fuzz
//   /tmp/fuzz/tests/fuzz/scaled_object_fuzz -max_total_time=30 \
//     tests/fuzz/corpus/scaled_object

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_object.h"

namespace {

// An error names the source and is InvalidArgument; anything else aborts.
bool Failed(const absl::StatusOr<agentscale::config::LoadedManifests>& loaded) {
  if (loaded.ok()) return false;
  if (loaded.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
  if (!absl::StartsWith(loaded.status().message(), "fuzz.yaml")) std::abort();
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // manifests are small; keep runs fast
  const std::string text(reinterpret_cast<const char*>(data), size);
  agentscale::config::LoadOptions lenient;
  lenient.strict = false;
  absl::StatusOr<agentscale::config::LoadedManifests> relaxed =
      agentscale::config::LoadManifestString(text, "fuzz.yaml", lenient);
  if (!Failed(relaxed)) {
    for (const agentscale::hpa::AutoscalerSpec& spec : relaxed->autoscalers) {
      const std::string dumped = agentscale::config::DumpManifest(spec);
      absl::StatusOr<agentscale::config::LoadedManifests> again =
          agentscale::config::LoadManifestString(dumped, "dumped.yaml");
      if (!again.ok() || again->autoscalers.size() != 1) std::abort();
      if (agentscale::config::DumpManifest(again->autoscalers[0]) != dumped) std::abort();
    }
  }
  absl::StatusOr<agentscale::config::LoadedManifests> loaded =
      agentscale::config::LoadManifestString(text, "fuzz.yaml");
  if (Failed(loaded)) return 0;
  if (!relaxed.ok()) std::abort();  // lenient accepts what strict accepts
  for (const agentscale::keda::ScaledObjectSpec& so : loaded->scaled_objects) {
    if (!agentscale::keda::ValidateScaledObject(so).empty()) std::abort();
    if (!agentscale::keda::GeneratedHpa(so).ok()) std::abort();
    const std::string dumped = agentscale::config::DumpScaledObject(so);
    absl::StatusOr<agentscale::config::LoadedManifests> again =
        agentscale::config::LoadManifestString(dumped, "dumped.yaml");
    if (!again.ok() || again->scaled_objects.size() != 1) std::abort();
    if (agentscale::config::DumpScaledObject(again->scaled_objects[0]) != dumped) std::abort();
  }
  return 0;
}
