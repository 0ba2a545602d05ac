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


// Parses one YAML document (the stream position is known to the caller) into
// an AutoscalerSpec, remembering where each field path was written so that
// validation errors can point at the YAML.
class DocumentParser : public YamlReader {
 public:
  DocumentParser(const std::string& source, const hpa::ControllerConfig& config)
      : YamlReader(source), config_(config) {}

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
                                 "maxReplicas", "metrics", "behavior"}));

    const YAML::Node* ref = obj.Find("scaleTargetRef");
    if (ref == nullptr) return Missing(obj, "scaleTargetRef");
    AGENTSCALE_RETURN_IF_ERROR(ParseObjectReference(
        *ref, "spec.scaleTargetRef", &spec->scale_target_ref));
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
    return absl::OkStatus();
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
    if (type == nullptr) return Missing(obj, "type");
    AGENTSCALE_ASSIGN_OR_RETURN(
        metric->type, ReadEnum(*type, Child(path, "type"), kTypes));
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
      case MetricSourceType::kPods:
      case MetricSourceType::kExternal: {
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object s, ParseObject(*src, src_path, {"metric", "target"}));
        AGENTSCALE_RETURN_IF_ERROR(ParseMetricIdentifier(s, metric));
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
};

// "<source>:<line>:<col>: " (src/common/yaml_fields.h).
std::string MarkPrefix(const std::string& source, const YAML::Mark& mark) {
  return yaml_fields::Where(source, mark);
}

using yaml_fields::TopLevelScalar;

std::string MetadataName(const YAML::Node& doc) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == "metadata" &&
        it->second.IsMap()) {
      return TopLevelScalar(it->second, "name");
    }
  }
  return "";
}

absl::StatusOr<LoadedManifests> LoadStream(
    const std::string& yaml, const std::string& source,
    const hpa::ControllerConfig& config) {
  LoadedManifests out;
  out.source = source;
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(yaml, source));
    for (size_t i = 0; i < docs.size(); ++i) {
      const YAML::Node& doc = docs[i];
      if (doc.IsNull() || !doc.IsDefined()) continue;  // empty document
      if (!doc.IsMap()) {
        return absl::InvalidArgumentError(
            absl::StrCat(MarkPrefix(source, doc.Mark()), "document ", i,
                         ": must be a mapping (a Kubernetes object), got ",
                         NodeKind(doc)));
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
        out.skipped.push_back(SkippedDocument{static_cast<int>(i),
                                              api_version, kind,
                                              MetadataName(doc),
                                              doc.Mark().line + 1});
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
      DocumentParser parser(source, config);
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

}  // namespace

absl::StatusOr<LoadedManifests> LoadManifestString(
    const std::string& yaml, const std::string& source_name,
    const hpa::ControllerConfig& config) {
  return LoadStream(yaml, source_name, config);
}

absl::StatusOr<LoadedManifests> LoadManifestFile(
    const std::string& path, const hpa::ControllerConfig& config) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text, yaml_fields::ReadConfigFile(path, "manifest"));
  return LoadStream(text, path, config);
}

absl::StatusOr<hpa::AutoscalerSpec> LoadSingleAutoscaler(
    const std::string& path, const hpa::ControllerConfig& config) {
  AGENTSCALE_ASSIGN_OR_RETURN(LoadedManifests loaded,
                              LoadManifestFile(path, config));
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
