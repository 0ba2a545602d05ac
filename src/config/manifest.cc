// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The manifest reader. Every yaml-cpp call of the reader lives in this file,
// under a try/catch that turns YAML::Exception into a Status carrying the
// exception's mark; the writer is manifest_emit.cc.

#include "agentscale/config/manifest.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/quantity.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"
#include "yaml_reader.h"
#include "scaled_object_parse.h"

namespace agentscale::config {
namespace {

using yaml_reader::Child;
using yaml_reader::Index;
using yaml_reader::Internal;
using yaml_reader::NodeKind;
using yaml_reader::Object;
using yaml_reader::YamlReader;

using hpa::AutoscalerSpec;
using hpa::Behavior;
using hpa::LabelSelector;
using hpa::LabelSelectorRequirement;
using hpa::MetricSourceType;
using hpa::MetricSpec;
using hpa::MetricTarget;
using hpa::MetricTargetType;
using hpa::ObjectReference;
using hpa::PolicyType;
using hpa::ScalingPolicy;
using hpa::ScalingRules;
using hpa::SelectPolicy;

constexpr char kHpaKind[] = "HorizontalPodAutoscaler";
constexpr char kHpaApiVersion[] = "autoscaling/v2";
constexpr char kHelmValuesKey[] = "hpa";
constexpr char kHelmValuesName[] = "agents-values";

// A lenient fill: `<file>:<line>:<col>: <path>: <problem> (filled: <what>)`.
std::string FillWarning(const std::string& source, const YAML::Mark& mark,
                        const std::string& path, const std::string& problem,
                        const std::string& filled) {
  return absl::StrCat(yaml_fields::Where(source, mark), path, ": ", problem, " (filled: ",
                      filled, ")");
}


// Parses one YAML document (the stream position is known to the caller) into
// an AutoscalerSpec, remembering where each field path was written so that
// validation errors can point at the YAML.
class DocumentParser : public YamlReader {
 public:
  // `warnings` receives the lenient fills (unused when options.strict).
  DocumentParser(const std::string& source, const LoadOptions& options,
                 std::vector<std::string>* warnings)
      : YamlReader(source), config_(options.config), lenient_(!options.strict),
        warnings_(warnings) {}

  absl::StatusOr<AutoscalerSpec> Parse(const YAML::Node& doc) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object top, ParseObject(doc, "",
                                {"apiVersion", "kind", "metadata", "spec",
                                 "status"}));
    AutoscalerSpec spec;
    AGENTSCALE_RETURN_IF_ERROR(ParseMetadata(top, &spec));
    const YAML::Node* spec_node = top.Find("spec");
    if (spec_node == nullptr) return Missing(top, "spec");
    AGENTSCALE_RETURN_IF_ERROR(ParseSpec(*spec_node, &spec));
    AGENTSCALE_RETURN_IF_ERROR(Validate(spec));
    return spec;
  }

  // Whether the last Parse() found no metrics and applied the API default.
  bool metrics_defaulted() const { return metrics_defaulted_; }

 private:
  absl::Status ParseMetadata(const Object& top, AutoscalerSpec* spec) {
    const YAML::Node* meta = top.Find("metadata");
    if (meta == nullptr) return Missing(top, "metadata");
    if (!meta->IsMap()) {
      return ErrorAt(*meta, "metadata",
                     absl::StrCat("must be a mapping, got ", NodeKind(*meta)));
    }
    // Other metadata (labels, annotations, ...) is legitimately present in
    // deployed manifests and does not affect scaling, so it is not checked.
    std::optional<std::string> name;
    for (auto it = meta->begin(); it != meta->end(); ++it) {
      const std::string key = it->first.Scalar();
      const YAML::Node value = it->second;
      if (key != "name" && key != "namespace") continue;
      marks_[Child("metadata", key)] = value.Mark();
      if (value.IsNull()) continue;
      AGENTSCALE_ASSIGN_OR_RETURN(std::string text,
                                  ReadString(value, Child("metadata", key)));
      if (key == "name") {
        name = text;
      } else {
        spec->namespace_name = text;
      }
    }
    if (!name.has_value() || name->empty()) {
      return ErrorAt(meta->Mark(), "metadata.name", "is required");
    }
    spec->name = *name;
    return absl::OkStatus();
  }

  absl::Status ParseSpec(const YAML::Node& node, AutoscalerSpec* spec) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, "spec",
                                {"scaleTargetRef", "minReplicas",
                                 "maxReplicas", "metrics", "behavior",
                                 "selectionStrategy", "syncPeriodSeconds"}));

    const YAML::Node* ref = obj.Find("scaleTargetRef");
    if (ref == nullptr && !lenient_) return Missing(obj, "scaleTargetRef");
    if (ref == nullptr) {
      // The name `kubectl autoscale deployment NAME` gives the HPA.
      spec->scale_target_ref = ObjectReference{"apps/v1", "Deployment", spec->name};
      warnings_->push_back(FillWarning(
          source_, MarkOf("spec"), "spec.scaleTargetRef", "is required",
          absl::StrCat("apiVersion apps/v1, kind Deployment, name ", spec->name,
                       ", a placeholder named after the autoscaler")));
    } else {
      AGENTSCALE_RETURN_IF_ERROR(ParseObjectReference(
          *ref, "spec.scaleTargetRef", &spec->scale_target_ref));
    }
    // ValidateCrossVersionObjectReference.
    if (spec->scale_target_ref.kind.empty()) {
      return ErrorAt(MarkOf("spec.scaleTargetRef"), "spec.scaleTargetRef.kind",
                     "is required");
    }
    if (spec->scale_target_ref.name.empty()) {
      return ErrorAt(MarkOf("spec.scaleTargetRef"), "spec.scaleTargetRef.name",
                     "is required");
    }

    spec->min_replicas = 1;  // API default
    if (const YAML::Node* n = obj.Find("minReplicas")) {
      AGENTSCALE_ASSIGN_OR_RETURN(spec->min_replicas,
                                  ReadInt32(*n, "spec.minReplicas"));
    }
    const YAML::Node* max = obj.Find("maxReplicas");
    if (max == nullptr) return Missing(obj, "maxReplicas");
    AGENTSCALE_ASSIGN_OR_RETURN(spec->max_replicas,
                                ReadInt32(*max, "spec.maxReplicas"));

    spec->metrics.clear();
    if (const YAML::Node* n = obj.Find("metrics")) {
      AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items,
                                  ParseList(*n, "spec.metrics"));
      for (size_t i = 0; i < items.size(); ++i) {
        MetricSpec metric;
        AGENTSCALE_RETURN_IF_ERROR(
            ParseMetric(items[i], Index("spec.metrics", i), &metric));
        spec->metrics.push_back(std::move(metric));
      }
    }
    metrics_defaulted_ = spec->metrics.empty();
    if (metrics_defaulted_) {
      // SetDefaults_HorizontalPodAutoscaler: an empty list counts as unset.
      spec->metrics.push_back(MetricSpec::ResourceUtilization("cpu", 80));
    }

    spec->behavior.reset();
    if (const YAML::Node* n = obj.Find("behavior")) {
      AGENTSCALE_ASSIGN_OR_RETURN(spec->behavior, ParseBehavior(*n, "spec.behavior"));
    }
    spec->selection_strategy.reset();
    if (const YAML::Node* n = obj.Find("selectionStrategy")) {
      static const std::vector<std::pair<const char*, hpa::SelectionStrategy>> kStrategies = {
          {"LabelSelector", hpa::SelectionStrategy::kLabelSelector},
          {"OwnerReference", hpa::SelectionStrategy::kOwnerReference}};
      AGENTSCALE_ASSIGN_OR_RETURN(spec->selection_strategy,
                                  ReadEnum(*n, "spec.selectionStrategy", kStrategies));
      GateWarning(*n, "spec.selectionStrategy", config_.selection_strategy,
                  "HPASelectionStrategy");
    }
    spec->sync_period.reset();
    if (const YAML::Node* n = obj.Find("syncPeriodSeconds")) {
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t seconds, ReadInt32(*n, "spec.syncPeriodSeconds"));
      spec->sync_period = absl::Seconds(seconds);
      GateWarning(*n, "spec.syncPeriodSeconds", config_.configurable_sync_period,
                  "HPAConfigurableSyncPeriod");
    }
    return absl::OkStatus();
  }

  // A field behind a feature gate that is off loads (the API server would
  // keep it on an object that already has it) and is ignored, with a warning.
  void GateWarning(const YAML::Node& node, const std::string& path, bool enabled,
                   const char* gate) {
    if (enabled || warnings_ == nullptr) return;
    warnings_->push_back(absl::StrCat(yaml_fields::Where(source_, node.Mark()), path,
                                      ": is ignored while the ", gate,
                                      " feature gate is off"));
  }

  absl::Status ParseMetric(const YAML::Node& node, const std::string& path,
                           MetricSpec* metric) {
    static const std::vector<std::pair<const char*, MetricSourceType>> kTypes =
        {{"ContainerResource", MetricSourceType::kContainerResource},
         {"External", MetricSourceType::kExternal},
         {"Object", MetricSourceType::kObject},
         {"Pods", MetricSourceType::kPods},
         {"Resource", MetricSourceType::kResource}};
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path,
                                {"type", "resource", "containerResource",
                                 "pods", "object", "external"}));
    const YAML::Node* type = obj.Find("type");
    if (type == nullptr && !lenient_) return Missing(obj, "type");
    if (type == nullptr) {
      AGENTSCALE_RETURN_IF_ERROR(InferMetricType(obj, metric));
    } else {
      AGENTSCALE_ASSIGN_OR_RETURN(
          metric->type, ReadEnum(*type, Child(path, "type"), kTypes));
    }
    const char* source = nullptr;
    switch (metric->type) {
      case MetricSourceType::kResource:
        source = "resource";
        break;
      case MetricSourceType::kContainerResource:
        source = "containerResource";
        break;
      case MetricSourceType::kPods:
        source = "pods";
        break;
      case MetricSourceType::kObject:
        source = "object";
        break;
      case MetricSourceType::kExternal:
      default:
        source = "external";
        break;
    }
    // validateMetricSpec: exactly the source named by `type` is populated.
    for (const char* other :
         {"resource", "containerResource", "pods", "object", "external"}) {
      if (std::string(other) != source && obj.Find(other) != nullptr) {
        return ErrorAt(MarkOf(Child(path, other)), Child(path, other),
                       absl::StrCat("must not be set for a metric of type ",
                                    hpa::MetricSourceTypeName(metric->type)));
      }
    }
    const YAML::Node* src = obj.Find(source);
    if (src == nullptr) return Missing(obj, source);
    const std::string src_path = Child(path, source);

    switch (metric->type) {
      case MetricSourceType::kResource:
      case MetricSourceType::kContainerResource: {
        const bool container =
            metric->type == MetricSourceType::kContainerResource;
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object s, container
                          ? ParseObject(*src, src_path,
                                        {"name", "container", "target"})
                          : ParseObject(*src, src_path, {"name", "target"}));
        AGENTSCALE_RETURN_IF_ERROR(OptString(s, "name", &metric->name));
        if (container) {
          AGENTSCALE_RETURN_IF_ERROR(
              OptString(s, "container", &metric->container));
        }
        return ParseTargetField(s, &metric->target);
      }
      case MetricSourceType::kPods: {
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object s, ParseObject(*src, src_path, {"metric", "target"}));
        AGENTSCALE_RETURN_IF_ERROR(ParseMetricIdentifier(s, metric));
        return ParseTargetField(s, &metric->target);
      }
      case MetricSourceType::kExternal: {
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object s, ParseObject(*src, src_path, {"metric", "target", "fallback"}));
        AGENTSCALE_RETURN_IF_ERROR(ParseMetricIdentifier(s, metric));
        if (const YAML::Node* f = s.Find("fallback")) {
          AGENTSCALE_RETURN_IF_ERROR(ParseFallback(*f, Child(src_path, "fallback"), metric));
        }
        return ParseTargetField(s, &metric->target);
      }
      case MetricSourceType::kObject:
      default: {
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object s, ParseObject(*src, src_path,
                                  {"describedObject", "metric", "target"}));
        const YAML::Node* described = s.Find("describedObject");
        if (described == nullptr) return Missing(s, "describedObject");
        AGENTSCALE_RETURN_IF_ERROR(ParseObjectReference(
            *described, Child(src_path, "describedObject"),
            &metric->described_object));
        AGENTSCALE_RETURN_IF_ERROR(ParseMetricIdentifier(s, metric));
        return ParseTargetField(s, &metric->target);
      }
    }
  }

  // external.fallback (KEP-5679): failureDurationSeconds (default 180) and
  // replicas (required).
  absl::Status ParseFallback(const YAML::Node& node, const std::string& path,
                             MetricSpec* metric) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object f, ParseObject(node, path, {"failureDurationSeconds", "replicas"}));
    hpa::ExternalMetricFallback fallback;
    if (const YAML::Node* n = f.Find("failureDurationSeconds")) {
      // int64 in the KEP's API; absl::Seconds saturates far beyond any
      // accepted value.
      AGENTSCALE_ASSIGN_OR_RETURN(int64_t seconds,
                                  ReadInt64(*n, Child(path, "failureDurationSeconds")));
      fallback.failure_duration = absl::Seconds(seconds);
    }
    const YAML::Node* replicas = f.Find("replicas");
    if (replicas == nullptr) return Missing(f, "replicas");
    AGENTSCALE_ASSIGN_OR_RETURN(fallback.replicas,
                                ReadInt32(*replicas, Child(path, "replicas")));
    metric->fallback = fallback;
    GateWarning(node, path, config_.external_metric_fallback, "HPAExternalMetricFallback");
    return absl::OkStatus();
  }

  // Lenient: a metric without `type` gets the type of the one source block
  // it has (validateMetricSpec would then require exactly that block).
  absl::Status InferMetricType(const Object& obj, MetricSpec* metric) {
    static const std::vector<std::pair<const char*, MetricSourceType>> kSources =
        {{"containerResource", MetricSourceType::kContainerResource},
         {"external", MetricSourceType::kExternal},
         {"object", MetricSourceType::kObject},
         {"pods", MetricSourceType::kPods},
         {"resource", MetricSourceType::kResource}};
    std::vector<std::string> present;
    for (const auto& [key, type] : kSources) {
      if (obj.Find(key) == nullptr) continue;
      present.push_back(key);
      metric->type = type;
    }
    const std::string path = Child(obj.path, "type");
    if (present.size() != 1) {
      return ErrorAt(MarkOf(obj.path), path,
                     present.empty()
                         ? "is required, and there is no source block (resource, "
                           "containerResource, pods, object or external) to infer it from"
                         : absl::StrCat("is required, and cannot be inferred from several "
                                        "source blocks (",
                                        absl::StrJoin(present, ", "), ")"));
    }
    warnings_->push_back(FillWarning(
        source_, MarkOf(obj.path), path, "is required",
        absl::StrCat(hpa::MetricSourceTypeName(metric->type), ", from its ", present[0],
                     " block")));
    return absl::OkStatus();
  }

  absl::Status ParseMetricIdentifier(const Object& source, MetricSpec* metric) {
    const YAML::Node* id = source.Find("metric");
    if (id == nullptr) return Missing(source, "metric");
    const std::string path = Child(source.path, "metric");
    AGENTSCALE_ASSIGN_OR_RETURN(Object obj,
                                ParseObject(*id, path, {"name", "selector"}));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "name", &metric->name));
    if (const YAML::Node* sel = obj.Find("selector")) {
      AGENTSCALE_RETURN_IF_ERROR(
          ParseSelector(*sel, Child(path, "selector"), &metric->selector));
    }
    return absl::OkStatus();
  }

  absl::Status ParseSelector(const YAML::Node& node, const std::string& path,
                             LabelSelector* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj,
        ParseObject(node, path, {"matchLabels", "matchExpressions"}));
    if (const YAML::Node* labels = obj.Find("matchLabels")) {
      const std::string lpath = Child(path, "matchLabels");
      if (!labels->IsMap()) {
        return ErrorAt(*labels, lpath,
                       absl::StrCat("must be a mapping, got ",
                                    NodeKind(*labels)));
      }
      for (auto it = labels->begin(); it != labels->end(); ++it) {
        AGENTSCALE_ASSIGN_OR_RETURN(std::string key,
                                    ReadString(it->first, lpath));
        const std::string kpath = Child(lpath, key);
        marks_[kpath] = it->second.Mark();
        AGENTSCALE_ASSIGN_OR_RETURN(std::string value,
                                    ReadString(it->second, kpath));
        if (!out->match_labels.emplace(key, value).second) {
          return ErrorAt(it->first, kpath, "duplicate label");
        }
      }
    }
    if (const YAML::Node* exprs = obj.Find("matchExpressions")) {
      const std::string epath = Child(path, "matchExpressions");
      AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items,
                                  ParseList(*exprs, epath));
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string ipath = Index(epath, i);
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object e,
            ParseObject(items[i], ipath, {"key", "operator", "values"}));
        LabelSelectorRequirement req;
        AGENTSCALE_RETURN_IF_ERROR(OptString(e, "key", &req.key));
        const YAML::Node* op = e.Find("operator");
        if (op == nullptr) return Missing(e, "operator");
        AGENTSCALE_ASSIGN_OR_RETURN(req.op,
                                    ReadString(*op, Child(ipath, "operator")));
        if (const YAML::Node* values = e.Find("values")) {
          const std::string vpath = Child(ipath, "values");
          AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> vs,
                                      ParseList(*values, vpath));
          for (size_t j = 0; j < vs.size(); ++j) {
            AGENTSCALE_ASSIGN_OR_RETURN(std::string v,
                                        ReadString(vs[j], Index(vpath, j)));
            req.values.push_back(std::move(v));
          }
        }
        out->match_expressions.push_back(std::move(req));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseTargetField(const Object& source, MetricTarget* target) {
    static const std::vector<std::pair<const char*, MetricTargetType>> kTypes =
        {{"AverageValue", MetricTargetType::kAverageValue},
         {"Utilization", MetricTargetType::kUtilization},
         {"Value", MetricTargetType::kValue}};
    const YAML::Node* node = source.Find("target");
    if (node == nullptr) return Missing(source, "target");
    const std::string path = Child(source.path, "target");
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(*node, path,
                                {"type", "value", "averageValue",
                                 "averageUtilization"}));
    const YAML::Node* type = obj.Find("type");
    if (type == nullptr) return Missing(obj, "type");
    AGENTSCALE_ASSIGN_OR_RETURN(target->type,
                                ReadEnum(*type, Child(path, "type"), kTypes));
    if (const YAML::Node* n = obj.Find("value")) {
      AGENTSCALE_ASSIGN_OR_RETURN(target->value_milli,
                                  ReadQuantityMilli(*n, Child(path, "value")));
    }
    if (const YAML::Node* n = obj.Find("averageValue")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          target->average_value_milli,
          ReadQuantityMilli(*n, Child(path, "averageValue")));
    }
    if (const YAML::Node* n = obj.Find("averageUtilization")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          target->average_utilization,
          ReadInt32(*n, Child(path, "averageUtilization")));
    }
    return absl::OkStatus();
  }

  absl::Status Validate(const AutoscalerSpec& spec) const {
    return ErrorsAt(hpa::ValidateSpec(spec, config_));
  }

  const hpa::ControllerConfig& config_;
  bool metrics_defaulted_ = false;
  const bool lenient_;
  std::vector<std::string>* warnings_;
};

// The spec field a Helm values field stands for, the other way round: where
// a validation error about `spec_path` points in an `hpa:` block.
std::string ValuesPath(const std::string& spec_path) {
  static const std::pair<const char*, const char*> kPaths[] = {
      {"spec.behavior.scaleUp", "hpa.scaleUp"},
      {"spec.behavior.scaleDown", "hpa.scaleDown"},
      {"spec.metrics[0].pods.target", "hpa.metrics.target"},
      {"spec.metrics", "hpa.metrics"},
      {"spec", "hpa"},
  };
  for (const auto& [from, to] : kPaths) {
    const std::string prefix = from;
    if (spec_path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = spec_path.substr(prefix.size());
    if (rest.empty() || rest[0] == '.' || rest[0] == '[') return to + rest;
  }
  return spec_path;
}

// Reads a Helm values document's `hpa:` block into HpaValues and renders it
// over the production profile (config/presets.h).
class HelmValuesParser : public YamlReader {
 public:
  HelmValuesParser(const std::string& source, const LoadOptions& options,
                   std::vector<std::string>* warnings)
      : YamlReader(source), options_(options) {
    if (!options.strict) unknown_field_warnings_ = warnings;
  }

  absl::StatusOr<AutoscalerSpec> Parse(const YAML::Node& doc, const std::string& name) {
    doc_mark_ = doc.Mark();
    YAML::Node block;
    bool seen = false;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      if (!it->first.IsScalar() || it->first.Scalar() != kHelmValuesKey) continue;
      if (seen) return ErrorAt(it->first, kHelmValuesKey, "duplicate field");
      seen = true;
      marks_[kHelmValuesKey] = it->first.Mark();
      block = it->second;
    }
    HpaValues values;
    if (!block.IsNull()) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object hpa, ParseObject(block, kHelmValuesKey,
                                  {"minReplicas", "maxReplicas", "metrics", "scaleUp",
                                   "scaleDown"}));
      if (const YAML::Node* n = hpa.Find("minReplicas")) {
        AGENTSCALE_ASSIGN_OR_RETURN(values.min_replicas, ReadInt32(*n, "hpa.minReplicas"));
      }
      if (const YAML::Node* n = hpa.Find("maxReplicas")) {
        AGENTSCALE_ASSIGN_OR_RETURN(values.max_replicas, ReadInt32(*n, "hpa.maxReplicas"));
      }
      if (const YAML::Node* n = hpa.Find("metrics")) {
        AGENTSCALE_ASSIGN_OR_RETURN(Object metrics, ParseObject(*n, "hpa.metrics", {"target"}));
        if (const YAML::Node* t = metrics.Find("target")) {
          AGENTSCALE_ASSIGN_OR_RETURN(
              Object target, ParseObject(*t, "hpa.metrics.target", {"averageValue"}));
          if (const YAML::Node* v = target.Find("averageValue")) {
            AGENTSCALE_ASSIGN_OR_RETURN(
                values.tasks_target_milli,
                ReadQuantityMilli(*v, "hpa.metrics.target.averageValue"));
          }
        }
      }
      if (const YAML::Node* n = hpa.Find("scaleUp")) {
        AGENTSCALE_RETURN_IF_ERROR(ParseRulesValues(*n, "hpa.scaleUp", &values.scale_up));
      }
      if (const YAML::Node* n = hpa.Find("scaleDown")) {
        AGENTSCALE_RETURN_IF_ERROR(ParseRulesValues(*n, "hpa.scaleDown", &values.scale_down));
      }
    }
    AutoscalerSpec spec = SpecFromHpaValues(values, name);
    std::vector<hpa::FieldError> errors = hpa::ValidateSpec(spec, options_.config);
    for (hpa::FieldError& e : errors) e.path = ValuesPath(e.path);
    AGENTSCALE_RETURN_IF_ERROR(ErrorsAt(errors));
    return spec;
  }

 private:
  absl::Status ParseRulesValues(const YAML::Node& node, const std::string& path,
                                HpaRulesValues* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj,
        ParseObject(node, path, {"stabilizationWindowSeconds", "selectPolicy", "policies"}));
    if (const YAML::Node* n = obj.Find("stabilizationWindowSeconds")) {
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t seconds,
                                  ReadInt32(*n, Child(path, "stabilizationWindowSeconds")));
      out->stabilization_window = absl::Seconds(seconds);
    }
    if (const YAML::Node* n = obj.Find("selectPolicy")) {
      AGENTSCALE_ASSIGN_OR_RETURN(out->select_policy,
                                  ReadSelectPolicy(*n, Child(path, "selectPolicy")));
    }
    if (const YAML::Node* n = obj.Find("policies")) {
      AGENTSCALE_ASSIGN_OR_RETURN(out->policies, ParsePolicies(*n, Child(path, "policies")));
    }
    return absl::OkStatus();
  }

  const LoadOptions& options_;
};

// "<source>:<line>:<col>: " (src/common/yaml_fields.h).
std::string MarkPrefix(const std::string& source, const YAML::Mark& mark) {
  return yaml_fields::Where(source, mark);
}

using yaml_fields::TopLevelScalar;

bool HasTopLevelKey(const YAML::Node& doc, const char* key) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return true;
  }
  return false;
}

// Every non-empty document of the stream, classified as LoadStream reads
// it. Throws what yaml-cpp throws.
std::vector<ManifestDocument> Classify(const std::vector<YAML::Node>& docs) {
  std::vector<ManifestDocument> out;
  int values_documents = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    const YAML::Node& doc = docs[i];
    if (doc.IsNull() || !doc.IsDefined()) continue;  // empty document
    ManifestDocument d;
    d.index = static_cast<int>(i);
    d.line = doc.Mark().line + 1;
    if (doc.IsMap()) {
      d.kind = TopLevelScalar(doc, "kind");
      d.api_version = TopLevelScalar(doc, "apiVersion");
      for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == "metadata" && it->second.IsMap()) {
          d.name = TopLevelScalar(it->second, "name");
          d.namespace_name = TopLevelScalar(it->second, "namespace");
        }
      }
      if (d.kind.empty() && HasTopLevelKey(doc, kHelmValuesKey)) {
        ++values_documents;
        d.helm_values = true;
        d.kind = kHpaKind;
        d.name = values_documents == 1
                     ? kHelmValuesName
                     : absl::StrCat(kHelmValuesName, "-", values_documents);
        d.namespace_name = "default";
        d.loadable = true;
      } else {
        d.loadable = (d.kind == kHpaKind && d.api_version.rfind("autoscaling/", 0) == 0) ||
                     ((d.kind == kScaledObjectKind || d.kind == kScaledJobKind) &&
                      d.api_version.rfind("keda.sh/", 0) == 0);
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::string Describe(const ManifestDocument& d) {
  const std::string what = d.helm_values ? "Helm values" : d.kind;
  const std::string name =
      d.namespace_name.empty() || d.helm_values ? d.name
                                                : absl::StrCat(d.namespace_name, "/", d.name);
  return absl::StrCat(name.empty() ? "(no name)" : name, " (", what, ", line ", d.line, ")");
}

// The indexes of the documents LoadStream reads: all, or the one named
// options.name.
absl::StatusOr<std::vector<int>> Selected(const std::vector<ManifestDocument>& documents,
                                          const std::string& source,
                                          const std::string& name) {
  std::vector<int> indexes;
  std::vector<std::string> names;
  std::vector<std::string> matches;
  for (const ManifestDocument& d : documents) {
    if (name.empty()) {
      indexes.push_back(d.index);
      continue;
    }
    if (!d.loadable) continue;
    names.push_back(Describe(d));
    if (d.name == name || absl::StrCat(d.namespace_name, "/", d.name) == name) {
      indexes.push_back(d.index);
      matches.push_back(Describe(d));
    }
  }
  if (name.empty() || indexes.size() == 1) return indexes;
  if (indexes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": no HorizontalPodAutoscaler, ScaledObject, ScaledJob or Helm values named \"",
        name, "\"; ",
        names.empty() ? "the file has none" : absl::StrCat("names: ", absl::StrJoin(names, ", "))));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source, ": several objects are named \"", name, "\": ", absl::StrJoin(matches, ", "),
      "; give <namespace>/<name>"));
}

absl::StatusOr<LoadedManifests> LoadStream(const std::string& yaml, const std::string& source,
                                           const LoadOptions& options) {
  LoadedManifests out;
  out.source = source;
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(
        std::vector<YAML::Node> docs,
        yaml_fields::LoadAllDocuments(yaml, source, Internal(options.yaml_limits)));
    const std::vector<ManifestDocument> documents = Classify(docs);
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<int> selected,
                                Selected(documents, source, options.name));
    size_t next = 0;
    for (const ManifestDocument& info : documents) {
      if (next == selected.size()) break;
      if (info.index != selected[next]) continue;
      ++next;
      const size_t i = static_cast<size_t>(info.index);
      const YAML::Node& doc = docs[i];
      if (!doc.IsMap()) {
        return absl::InvalidArgumentError(
            absl::StrCat(MarkPrefix(source, doc.Mark()), "document ", i,
                         ": must be a mapping (a Kubernetes object), got ",
                         NodeKind(doc)));
      }
      if (info.helm_values) {
        HelmValuesParser parser(source, options, &out.warnings);
        AGENTSCALE_ASSIGN_OR_RETURN(hpa::AutoscalerSpec spec, parser.Parse(doc, info.name));
        out.autoscalers.push_back(std::move(spec));
        // The values are rendered over the production profile, whose metrics
        // are always there: never the loader's cpu default.
        out.metrics_defaulted.push_back(false);
        continue;
      }
      YAML::Mark kind_mark = doc.Mark();
      YAML::Mark api_mark = doc.Mark();
      const std::string kind = TopLevelScalar(doc, "kind", &kind_mark);
      const std::string api_version =
          TopLevelScalar(doc, "apiVersion", &api_mark);
      if (kind.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(MarkPrefix(source, kind_mark),
                         "kind: is required (document ", i, ")"));
      }
      if ((kind == kScaledObjectKind || kind == kScaledJobKind) &&
          api_version.rfind("keda.sh/", 0) == 0) {
        if (api_version != kKedaApiVersion) {
          return absl::InvalidArgumentError(absl::StrCat(
              MarkPrefix(source, api_mark), "apiVersion: \"", api_version,
              "\" is not supported for a ", kind, "; only ", kKedaApiVersion, " is"));
        }
        if (kind == kScaledJobKind) {
          AGENTSCALE_ASSIGN_OR_RETURN(keda::ScaledJobSpec sj,
                                      ParseScaledJobDocument(doc, source, &out.warnings));
          out.scaled_jobs.push_back(std::move(sj));
          continue;
        }
        AGENTSCALE_ASSIGN_OR_RETURN(keda::ScaledObjectSpec so,
                                    ParseScaledObjectDocument(doc, source, &out.warnings));
        out.scaled_objects.push_back(std::move(so));
        continue;
      }
      if (kind != kHpaKind) {
        out.skipped.push_back(SkippedDocument{static_cast<int>(i), api_version, kind,
                                              info.name, info.line});
        continue;
      }
      if (api_version != kHpaApiVersion) {
        std::string problem =
            api_version.empty()
                ? "is required; only autoscaling/v2 is supported"
                : absl::StrCat("\"", api_version,
                               "\" is not supported; only autoscaling/v2 is "
                               "(rewrite the manifest for autoscaling/v2, "
                               "e.g. with `kubectl convert`)");
        return absl::InvalidArgumentError(
            absl::StrCat(MarkPrefix(source, api_mark), "apiVersion: ",
                         problem));
      }
      DocumentParser parser(source, options, &out.warnings);
      AGENTSCALE_ASSIGN_OR_RETURN(hpa::AutoscalerSpec spec, parser.Parse(doc));
      out.autoscalers.push_back(std::move(spec));
      out.metrics_defaulted.push_back(parser.metrics_defaulted());
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(MarkPrefix(source, e.mark), "invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat(source, ": unexpected error while reading YAML: ",
                     e.what()));
  }
  return out;
}

absl::StatusOr<std::vector<ManifestDocument>> ListStream(const std::string& yaml,
                                                         const std::string& source) {
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(yaml, source));
    return Classify(docs);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(MarkPrefix(source, e.mark), "invalid YAML: ", e.msg));
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat(source, ": unexpected error while reading YAML: ", e.what()));
  }
}

LoadOptions StrictWith(const hpa::ControllerConfig& config) {
  LoadOptions options;
  options.config = config;
  return options;
}

}  // namespace

absl::StatusOr<LoadedManifests> LoadManifestString(
    const std::string& yaml, const std::string& source_name,
    const hpa::ControllerConfig& config) {
  return LoadStream(yaml, source_name, StrictWith(config));
}

absl::StatusOr<LoadedManifests> LoadManifestString(const std::string& yaml,
                                                   const std::string& source_name,
                                                   const LoadOptions& options) {
  return LoadStream(yaml, source_name, options);
}

absl::StatusOr<LoadedManifests> LoadManifestFile(
    const std::string& path, const hpa::ControllerConfig& config) {
  return LoadManifestFile(path, StrictWith(config));
}

absl::StatusOr<LoadedManifests> LoadManifestFile(const std::string& path,
                                                 const LoadOptions& options) {
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string text,
      yaml_fields::ReadConfigFile(path, "manifest", options.yaml_limits.max_bytes));
  return LoadStream(text, path, options);
}

absl::StatusOr<std::vector<ManifestDocument>> ListManifestDocuments(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text, yaml_fields::ReadConfigFile(path, "manifest"));
  return ListStream(text, path);
}

absl::StatusOr<std::vector<ManifestDocument>> ListManifestDocumentsInString(
    const std::string& yaml, const std::string& source_name) {
  return ListStream(yaml, source_name);
}

absl::StatusOr<hpa::AutoscalerSpec> LoadSingleAutoscaler(
    const std::string& path, const hpa::ControllerConfig& config) {
  return LoadSingleAutoscaler(path, StrictWith(config));
}

absl::StatusOr<hpa::AutoscalerSpec> LoadSingleAutoscaler(const std::string& path,
                                                          const LoadOptions& options) {
  AGENTSCALE_ASSIGN_OR_RETURN(LoadedManifests loaded, LoadManifestFile(path, options));
  if (loaded.autoscalers.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": expected exactly one HorizontalPodAutoscaler, found ",
        loaded.autoscalers.size()));
  }
  return std::move(loaded.autoscalers.front());
}

absl::StatusOr<keda::ScaledJobSpec> LoadSingleScaledJob(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(LoadedManifests loaded, LoadManifestFile(path));
  if (loaded.scaled_jobs.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": expected exactly one ScaledJob, found ", loaded.scaled_jobs.size()));
  }
  return std::move(loaded.scaled_jobs.front());
}

absl::StatusOr<keda::ScaledObjectSpec> LoadSingleScaledObject(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(LoadedManifests loaded, LoadManifestFile(path));
  if (loaded.scaled_objects.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": expected exactly one ScaledObject, found ", loaded.scaled_objects.size()));
  }
  return std::move(loaded.scaled_objects.front());
}

}  // namespace agentscale::config
