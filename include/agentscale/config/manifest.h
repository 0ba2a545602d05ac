// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Loads Kubernetes HorizontalPodAutoscaler manifests (autoscaling/v2 YAML, as
// deployed with kubectl) into validated AutoscalerSpecs, and writes specs back
// as manifests.
//
//   absl::StatusOr<agentscale::config::LoadedManifests> loaded =
//       agentscale::config::LoadManifestFile("deploy/hpa.yaml");
//   if (!loaded.ok()) {
//     // e.g. "deploy/hpa.yaml:14:20: spec.behavior.scaleUp.policies[0].
//     //       periodSeconds: must be in 1..1800, got 0"
//     std::cerr << loaded.status().message() << "\n";
//   }
//   for (const agentscale::hpa::AutoscalerSpec& spec : loaded->autoscalers) ...
//   std::string yaml = agentscale::config::DumpManifest(spec);
//
// What the loader does, in the order the API server would:
//   1. Splits a multi-document file. Every document of kind
//      HorizontalPodAutoscaler must be apiVersion autoscaling/v2 (v1 and
//      v2beta* are rejected with a hint to convert). Documents of other kinds
//      (a Deployment next to its HPA, say) are skipped and listed in
//      LoadedManifests::skipped; empty documents are ignored.
//   2. Decodes strictly, like `kubectl --validate=strict`: an unknown or
//      duplicate field, a value of the wrong type, an unknown enum value or a
//      malformed quantity is an error.
//   3. Applies the autoscaling/v2 API defaults (spec §8): minReplicas 1,
//      metrics [Resource cpu Utilization 80], and field-wise behavior
//      defaults only when spec.behavior is present.
//   4. Runs hpa::ValidateSpec and requires scaleTargetRef kind and name.
//
// KEDA ScaledObjects and ScaledJobs (keda.sh/v1alpha1) in the same stream
// are read too, into LoadedManifests::scaled_objects and ::scaled_jobs, with KEDA's defaults and its admission
// checks (keda/scaled_object.h): strict fields, trigger metadata as strings,
// each supported scaler's target and activation keys, every validation
// problem at once. Deprecated fields KEDA still accepts (a prometheus
// trigger's metricName) are warnings, in LoadedManifests::warnings.
//
// Every error is InvalidArgument with the message
// `<file>:<line>:<col>: <field path>: <problem>` (1-based line and column of
// the offending YAML node; of its parent when the field is missing). Several
// validation errors are reported together, one per line. A missing file is
// NotFound. Nothing throws.
//
// The writer emits autoscaling/v2 YAML that loads back to an equal spec for
// every spec that the loader can produce (so: a defaulted spec).
#ifndef AGENTSCALE_CONFIG_MANIFEST_H_
#define AGENTSCALE_CONFIG_MANIFEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/keda/scaled_object.h"

namespace agentscale::config {

// A document that was not an HorizontalPodAutoscaler.
struct SkippedDocument {
  int index = 0;  // 0-based position of the document in the stream
  std::string api_version;
  std::string kind;
  std::string name;  // metadata.name, empty if absent
  int line = 0;      // 1-based line where the document starts
};

struct LoadedManifests {
  std::string source;  // the file name (or source_name) used in messages
  std::vector<hpa::AutoscalerSpec> autoscalers;  // in document order
  std::vector<keda::ScaledObjectSpec> scaled_objects;  // in document order
  std::vector<keda::ScaledJobSpec> scaled_jobs;        // in document order
  // Parallel to `autoscalers`: true where the manifest named no metrics and
  // the loader applied the API default (Resource cpu Utilization 80), which
  // the spec alone cannot tell from a manifest that asked for it. Lint
  // (config/lint.h, no-metrics) reads it; an entry missing (a
  // LoadedManifests built by hand) counts as false.
  std::vector<bool> metrics_defaulted;
  // "<file>:<line>:<col>: <path>: <message>" for what loads but deserves a
  // look (deprecated fields).
  std::vector<std::string> warnings;
  std::vector<SkippedDocument> skipped;
};

// Loads every HorizontalPodAutoscaler in the YAML file at `path`. `config`
// supplies the feature gates that validation depends on (HPAScaleToZero).
absl::StatusOr<LoadedManifests> LoadManifestFile(
    const std::string& path, const hpa::ControllerConfig& config = {});

// As LoadManifestFile, for YAML text; `source_name` stands in for the file
// name in error messages.
absl::StatusOr<LoadedManifests> LoadManifestString(
    const std::string& yaml, const std::string& source_name = "<string>",
    const hpa::ControllerConfig& config = {});

// Loads a file that must hold exactly one HorizontalPodAutoscaler (other
// kinds may accompany it); zero or several is InvalidArgument.
absl::StatusOr<hpa::AutoscalerSpec> LoadSingleAutoscaler(
    const std::string& path, const hpa::ControllerConfig& config = {});

// An autoscaling/v2 HorizontalPodAutoscaler manifest for `spec`.
std::string DumpManifest(const hpa::AutoscalerSpec& spec);

// The one ScaledJob of a file (other documents may be there too).
absl::StatusOr<keda::ScaledJobSpec> LoadSingleScaledJob(const std::string& path);

// The one ScaledObject of a file (other documents may be there too).
absl::StatusOr<keda::ScaledObjectSpec> LoadSingleScaledObject(const std::string& path);

// A ScaledObject as keda.sh/v1alpha1 YAML that LoadManifestString reads back
// to an equal spec (defaults written out).
std::string DumpScaledObject(const keda::ScaledObjectSpec& so);

// A ScaledJob the same way (the Job template as it was read).
std::string DumpScaledJob(const keda::ScaledJobSpec& sj);

// Several manifests as one multi-document stream ("---" separated).
std::string DumpManifests(const std::vector<hpa::AutoscalerSpec>& specs);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_MANIFEST_H_
