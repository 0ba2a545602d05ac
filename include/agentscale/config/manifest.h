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
//   // A manifest as pasted, one object of it, fills reported:
//   agentscale::config::LoadOptions options;
//   options.strict = false;
//   options.name = "matillion-agent-hpa";
//   loaded = agentscale::config::LoadManifestFile("pasted.yaml", options);
//   for (const std::string& w : loaded->warnings) std::cerr << "warning: " << w << "\n";
//
// What the loader does, in the order the API server would:
//   1. Splits a multi-document file. Every document of kind
//      HorizontalPodAutoscaler must be apiVersion autoscaling/v2 (v1 and
//      v2beta* are rejected with a hint to convert). Documents of other kinds
//      (a Deployment next to its HPA, say) are skipped and listed in
//      LoadedManifests::skipped; empty documents are ignored.
//   2. Decodes strictly, like `kubectl --validate=strict`: an unknown or
//      duplicate field, a value of the wrong type, an unknown enum value or a
//      malformed quantity is an error. (Lenient loading, below, fills two
//      missing fields instead of failing.)
//   3. Applies the autoscaling/v2 API defaults (spec §8): minReplicas 1,
//      metrics [Resource cpu Utilization 80], and field-wise behavior
//      defaults only when spec.behavior is present.
//   4. Runs hpa::ValidateSpec and requires scaleTargetRef kind and name.
//
// Lenient loading (LoadOptions::strict = false) reads a manifest as people
// paste it from articles and charts, the seed's own HPA among them (it has
// no scaleTargetRef and its metrics no `type`). It fills what the API server
// would reject, and reports each fill as a warning in
// LoadedManifests::warnings, all of them in one run:
//
//   <file>:<line>:<col>: <field path>: is required (filled: <what>)
//
//   * spec.metrics[i].type missing: inferred from the one source block the
//     metric has (`pods:` -> Pods, `resource:` -> Resource, `object:` ->
//     Object, `external:` -> External, `containerResource:` ->
//     ContainerResource). With no source block, or several, it stays an
//     error: there is nothing, or no one thing, to infer from.
//   * spec.scaleTargetRef missing: the placeholder apiVersion apps/v1, kind
//     Deployment, name = the autoscaler's metadata.name (the name
//     `kubectl autoscale deployment NAME` gives the HPA it creates). The
//     simulator never reads the target, so the placeholder changes no
//     number.
//
// Nothing else is relaxed: an unknown or duplicate field, a malformed
// quantity, a wrong type, an unknown enum value and every validation rule
// stay errors in both modes, since each is a real mistake that the API
// server would refuse and the seed's manifest makes none of them. Strict
// mode (the default of these C++ functions; the command line defaults to
// lenient) is `kubectl --validate=strict` as described above.
//
// Helm values. A document without `kind` whose top level has an `hpa:` key
// is the seed chart's values file; its `hpa:` block (config/presets.h,
// HpaValues) is layered over the production profile, exactly as the presets
// are, and becomes one HorizontalPodAutoscaler named "agents-values"
// ("agents-values-2", "-3", ... for later values documents of the stream):
//
//   hpa:
//     minReplicas: 1
//     maxReplicas: 20
//     metrics:
//       target:
//         averageValue: "30"       # the app_active_task_count target
//     scaleUp:
//       stabilizationWindowSeconds: 30   # also selectPolicy, policies
//     scaleDown:
//       stabilizationWindowSeconds: 300
//
// The document's other top-level keys are the chart's other settings and
// are not read. An unknown key inside `hpa:` is an error in strict mode and
// a warning ("... unknown field; allowed here: ... (ignored)") in lenient
// mode, where it is skipped. The spec is then validated like a manifest's,
// errors pointing at the `hpa:` field.
//
// Picking one object: LoadOptions::name loads only the HPA, ScaledObject or
// ScaledJob whose metadata.name (or "<namespace>/<name>") is `name`, without
// reading the other documents, so a broken neighbour does not stop it. No
// match, or several, is InvalidArgument listing the names there are
// (ListManifestDocuments gives the same list).
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
#include "agentscale/config/yaml_limits.h"

namespace agentscale::config {

// A document that was not an HorizontalPodAutoscaler.
struct SkippedDocument {
  int index = 0;  // 0-based position of the document in the stream
  std::string api_version;
  std::string kind;
  std::string name;  // metadata.name, empty if absent
  int line = 0;      // 1-based line where the document starts
};

// One document of a stream, classified without decoding it.
struct ManifestDocument {
  int index = 0;  // 0-based position of the document in the stream
  int line = 0;   // 1-based line where the document starts
  std::string api_version;
  std::string kind;            // "HorizontalPodAutoscaler" for Helm values
  std::string name;            // metadata.name, or the Helm values' spec name
  std::string namespace_name;  // metadata.namespace, empty if absent
  bool helm_values = false;    // a Helm values document with an `hpa:` block
  // The loader reads it (an autoscaling/v2 HPA, a keda.sh ScaledObject or
  // ScaledJob, Helm values); other kinds are skipped.
  bool loadable = false;
};

struct LoadOptions {
  // true: `kubectl --validate=strict`; false: lenient (see above).
  bool strict = true;
  // When not empty, only the object with this metadata.name (or
  // "<namespace>/<name>") is read.
  std::string name;
  // Feature gates validation depends on (HPAScaleToZero).
  hpa::ControllerConfig config;
  // Bounds on the YAML itself (size, depth, nodes, documents).
  YamlLimits yaml_limits;
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
  // LoadedManifests built by hand) counts as false. A Helm values document's
  // entry is false: its metrics are the production profile's.
  std::vector<bool> metrics_defaulted;
  // "<file>:<line>:<col>: <path>: <message>" for what loads but deserves a
  // look (deprecated fields; in lenient mode, what was filled or ignored).
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

// As above, strict or lenient and optionally for one name (LoadOptions).
absl::StatusOr<LoadedManifests> LoadManifestFile(const std::string& path,
                                                 const LoadOptions& options);
absl::StatusOr<LoadedManifests> LoadManifestString(const std::string& yaml,
                                                   const std::string& source_name,
                                                   const LoadOptions& options);

// Every document of the YAML file at `path` (or text `yaml`), in order, with
// its kind and name, read without decoding (so also from a file that does
// not load). Only invalid YAML is an error.
absl::StatusOr<std::vector<ManifestDocument>> ListManifestDocuments(const std::string& path);
absl::StatusOr<std::vector<ManifestDocument>> ListManifestDocumentsInString(
    const std::string& yaml, const std::string& source_name = "<string>");

// Loads a file that must hold exactly one HorizontalPodAutoscaler (other
// kinds may accompany it); zero or several is InvalidArgument.
absl::StatusOr<hpa::AutoscalerSpec> LoadSingleAutoscaler(
    const std::string& path, const hpa::ControllerConfig& config = {});
absl::StatusOr<hpa::AutoscalerSpec> LoadSingleAutoscaler(const std::string& path,
                                                          const LoadOptions& options);

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
