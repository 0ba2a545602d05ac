// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The manifest loader and writer on the seed manifest (examples/hpa.yaml,
// read once from the source tree). Items processed = manifests.
//
//   BM_Config_LoadSeedManifest  LoadManifestString: parse, decode strictly,
//                               default, validate
//   BM_Config_DumpManifest      DumpManifest of the loaded spec

#include <fstream>
#include <sstream>
#include <string>

#include "agentscale/config/manifest.h"
#include "benchmark/benchmark.h"

namespace {

const std::string& SeedYaml() {
  static const std::string* yaml = [] {
    std::ifstream in(AGENTSCALE_SOURCE_DIR "/examples/hpa.yaml");
    std::stringstream ss;
    ss << in.rdbuf();
    return new std::string(ss.str());
  }();
  return *yaml;
}

void BM_Config_LoadSeedManifest(benchmark::State& state) {
  const std::string& yaml = SeedYaml();
  if (yaml.empty()) {
    state.SkipWithError("cannot read examples/hpa.yaml");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<agentscale::config::LoadedManifests> loaded =
        agentscale::config::LoadManifestString(yaml, "hpa.yaml");
    if (!loaded.ok()) {
      state.SkipWithError(std::string(loaded.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(yaml.size()));
}
BENCHMARK(BM_Config_LoadSeedManifest);

void BM_Config_DumpManifest(benchmark::State& state) {
  absl::StatusOr<agentscale::config::LoadedManifests> loaded =
      agentscale::config::LoadManifestString(SeedYaml(), "hpa.yaml");
  if (!loaded.ok() || loaded->autoscalers.size() != 1) {
    state.SkipWithError("cannot load examples/hpa.yaml");
    return;
  }
  const agentscale::hpa::AutoscalerSpec& spec = loaded->autoscalers[0];
  size_t bytes = 0;
  for (auto _ : state) {
    std::string yaml = agentscale::config::DumpManifest(spec);
    bytes = yaml.size();
    benchmark::DoNotOptimize(yaml);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Config_DumpManifest);

}  // namespace

BENCHMARK_MAIN();
