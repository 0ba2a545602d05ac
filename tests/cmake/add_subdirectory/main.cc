// Links agentscale::agentscale from a vendored source tree and loads a preset.
#include <cstdlib>
#include <iostream>

#include <agentscale/config/presets.h>
#include <agentscale/hpa/spec.h>

int main() {
  absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
      agentscale::config::Preset("production");
  if (!spec.ok()) {
    std::cerr << "Preset(\"production\") failed: " << spec.status().ToString()
              << "\n";
    return EXIT_FAILURE;
  }
  std::cout << "add_subdirectory consumer: production preset min="
            << spec->min_replicas << " max=" << spec->max_replicas << "\n";
  return spec->min_replicas == 2 && spec->max_replicas == 10 ? EXIT_SUCCESS
                                                             : EXIT_FAILURE;
}
