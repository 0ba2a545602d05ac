// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The ScaledObject reader (keda.sh/v1alpha1), called by the manifest loader
// for each ScaledObject document. Like every yaml-cpp call of the config
// layer it may throw YAML::Exception; LoadStream catches it.
#ifndef AGENTSCALE_SRC_CONFIG_SCALED_OBJECT_PARSE_H_
#define AGENTSCALE_SRC_CONFIG_SCALED_OBJECT_PARSE_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/keda/scaled_object.h"

namespace agentscale::config {

inline constexpr char kScaledObjectKind[] = "ScaledObject";
inline constexpr char kScaledJobKind[] = "ScaledJob";
inline constexpr char kKedaApiVersion[] = "keda.sh/v1alpha1";

// Parses and validates one ScaledObject document. Problems a KEDA user can
// keep (deprecated fields) are appended to *warnings as
// "<source>:<line>:<col>: <path>: <message>".
absl::StatusOr<keda::ScaledObjectSpec> ParseScaledObjectDocument(
    const YAML::Node& doc, const std::string& source, std::vector<std::string>* warnings);

// The same for a ScaledJob document.
absl::StatusOr<keda::ScaledJobSpec> ParseScaledJobDocument(
    const YAML::Node& doc, const std::string& source, std::vector<std::string>* warnings);

// The metadata keys of a supported scaler's target and activation target
// (activation: nullptr for cpu/memory); false for an unsupported type.
bool ScalerTargetKeys(const std::string& type, const char** target_key,
                      const char** activation_key);

}  // namespace agentscale::config

#endif  // AGENTSCALE_SRC_CONFIG_SCALED_OBJECT_PARSE_H_
