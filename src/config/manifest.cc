// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The manifest reader. Every yaml-cpp call of the reader lives in this file,
// under a try/catch that turns YAML::Exception into a Status carrying the
// exception's mark; the writer is manifest_emit.cc.

#include "agentscale/config/manifest.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
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

namespace agentscale::config {
namespace {

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

std::string NodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return absl::StrCat("scalar \"", node.Scalar(), "\"");
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Undefined:
    default:
      return "nothing";
  }
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

std::string Index(const std::string& path, size_t i) {
  return absl::StrCat(path, "[", i, "]");
}

// A mapping node whose keys were checked against the fields a type allows.
struct Object {
  std::string path;
  YAML::Node node;
  std::map<std::string, YAML::Node> fields;  // null values left out

  // The value of `key`, or nullptr when absent or null (JSON null leaves a
  // Go field unset, so null and absent mean the same).
  const YAML::Node* Find(const std::string& key) const {
    auto it = fields.find(key);
    return it == fields.end() ? nullptr : &it->second;
  }
};

// Parses one YAML document (the stream position is known to the caller) into
// an AutoscalerSpec, remembering where each field path was written so that
// validation errors can point at the YAML.
class DocumentParser {
 public:
  DocumentParser(const std::string& source, const hpa::ControllerConfig& config)
      : source_(source), config_(config) {}

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

  // `<file>:<line>:<col>: <path>: <problem>`.
  absl::Status ErrorAt(const YAML::Mark& mark, const std::string& path,
                       const std::string& problem) const {
    return yaml_fields::Error(source_, mark.is_null() ? doc_mark_ : mark, path, problem);
  }

 private:
  absl::Status ErrorAt(const YAML::Node& node, const std::string& path,
                       const std::string& problem) const {
    return ErrorAt(node.Mark(), path, problem);
  }

  absl::Status Missing(const Object& parent, const std::string& key) const {
    return ErrorAt(MarkOf(parent.path), Child(parent.path, key),
                   "is required");
  }

  // The mark recorded for `path`, or for its nearest recorded ancestor.
  YAML::Mark MarkOf(std::string path) const {
    while (!path.empty()) {
      auto it = marks_.find(path);
      if (it != marks_.end()) return it->second;
      const size_t cut = path.find_last_of(".[");
      if (cut == std::string::npos) break;
      path.resize(cut);
    }
    return doc_mark_;
  }

  absl::StatusOr<Object> ParseObject(
      const YAML::Node& node, const std::string& path,
      std::initializer_list<const char*> allowed) {
    if (!node.IsMap()) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a mapping, got ", NodeKind(node)));
    }
    Object obj{path, node, {}};
    std::vector<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        return ErrorAt(key, path, "field names must be scalars");
      }
      const std::string name = key.Scalar();
      const std::string child = Child(path, name);
      bool known = false;
      for (const char* a : allowed) known = known || name == a;
      if (!known) {
        return ErrorAt(key, child,
                       absl::StrCat("unknown field; allowed here: ",
                                    absl::StrJoin(allowed, ", ")));
      }
      for (const std::string& s : seen) {
        if (s == name) return ErrorAt(key, child, "duplicate field");
      }
      seen.push_back(name);
      // Scalars point at the value; collections at their key, the line a
      // reader looks for.
      marks_[child] = value.IsScalar() ? value.Mark() : key.Mark();
      if (!value.IsNull()) obj.fields.emplace(name, value);
    }
    return obj;
  }

  absl::StatusOr<std::vector<YAML::Node>> ParseList(const YAML::Node& node,
                                                    const std::string& path) {
    if (!node.IsSequence()) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a list, got ", NodeKind(node)));
    }
    std::vector<YAML::Node> items;
    for (auto it = node.begin(); it != node.end(); ++it) {
      YAML::Node item = *it;
      marks_[Index(path, items.size())] = item.Mark();
      items.push_back(item);
    }
    return items;
  }

  absl::StatusOr<std::string> ReadString(const YAML::Node& node,
                                         const std::string& path) const {
    if (!node.IsScalar()) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a string, got ", NodeKind(node)));
    }
    return node.Scalar();
  }

  absl::StatusOr<int32_t> ReadInt32(const YAML::Node& node,
                                    const std::string& path) const {
    // A quoted scalar is a JSON string, which Kubernetes refuses for an
    // integer field; yaml-cpp tags quoted scalars "!".
    if (!node.IsScalar() || node.Tag() == "!") {
      return ErrorAt(node, path,
                     absl::StrCat("must be an integer, got ", NodeKind(node),
                                  node.IsScalar() ? " (quoted)" : ""));
    }
    const std::string text = node.Scalar();
    int64_t value = 0;
    bool digits_only = !text.empty();
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      const bool sign = i == 0 && (c == '-' || c == '+') && text.size() > 1;
      digits_only = digits_only && (sign || (c >= '0' && c <= '9'));
    }
    if (!digits_only || !absl::SimpleAtoi(text, &value)) {
      return ErrorAt(node, path,
                     absl::StrCat("must be an integer, got \"", text, "\""));
    }
    if (value < std::numeric_limits<int32_t>::min() ||
        value > std::numeric_limits<int32_t>::max()) {
      return ErrorAt(node, path,
                     absl::StrCat("must fit in int32, got ", text));
    }
    return static_cast<int32_t>(value);
  }

  absl::StatusOr<int64_t> ReadQuantityMilli(const YAML::Node& node,
                                            const std::string& path) const {
    if (!node.IsScalar()) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a quantity, got ", NodeKind(node)));
    }
    absl::StatusOr<int64_t> milli = hpa::ParseQuantityMilli(node.Scalar());
    if (!milli.ok()) {
      return ErrorAt(node, path, std::string(milli.status().message()));
    }
    return *milli;
  }

  absl::StatusOr<double> ReadQuantityDouble(const YAML::Node& node,
                                            const std::string& path) const {
    if (!node.IsScalar()) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a quantity, got ", NodeKind(node)));
    }
    absl::StatusOr<double> value =
        hpa::ParseQuantityApproximateFloat(node.Scalar());
    if (!value.ok()) {
      return ErrorAt(node, path, std::string(value.status().message()));
    }
    return *value;
  }

  // Reads an optional string field into *out.
  absl::Status OptString(const Object& obj, const std::string& key,
                         std::string* out) const {
    if (const YAML::Node* n = obj.Find(key)) {
      AGENTSCALE_ASSIGN_OR_RETURN(*out, ReadString(*n, Child(obj.path, key)));
    }
    return absl::OkStatus();
  }

  template <typename Enum>
  absl::StatusOr<Enum> ReadEnum(
      const YAML::Node& node, const std::string& path,
      const std::vector<std::pair<const char*, Enum>>& values) const {
    AGENTSCALE_ASSIGN_OR_RETURN(std::string text, ReadString(node, path));
    std::vector<std::string> names;
    for (const auto& [name, value] : values) {
      if (text == name) return value;
      names.push_back(absl::StrCat("\"", name, "\""));
    }
    return ErrorAt(node, path,
                   absl::StrCat("unsupported value \"", text,
                                "\"; supported values: ",
                                absl::StrJoin(names, ", ")));
  }

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
    if (spec->metrics.empty()) {
      // SetDefaults_HorizontalPodAutoscaler: an empty list counts as unset.
      spec->metrics.push_back(MetricSpec::ResourceUtilization("cpu", 80));
    }

    spec->behavior.reset();
    if (const YAML::Node* n = obj.Find("behavior")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object b, ParseObject(*n, "spec.behavior", {"scaleUp", "scaleDown"}));
      Behavior behavior;
      behavior.scale_up = hpa::DefaultScaleUpRules();
      behavior.scale_down = hpa::DefaultScaleDownRules();
      if (const YAML::Node* up = b.Find("scaleUp")) {
        AGENTSCALE_RETURN_IF_ERROR(ParseRules(
            *up, "spec.behavior.scaleUp", &behavior.scale_up));
      }
      if (const YAML::Node* down = b.Find("scaleDown")) {
        AGENTSCALE_RETURN_IF_ERROR(ParseRules(
            *down, "spec.behavior.scaleDown", &behavior.scale_down));
      }
      spec->behavior = std::move(behavior);
    }
    return absl::OkStatus();
  }

  absl::Status ParseObjectReference(const YAML::Node& node,
                                    const std::string& path,
                                    ObjectReference* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path, {"apiVersion", "kind", "name"}));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "apiVersion", &out->api_version));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "kind", &out->kind));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "name", &out->name));
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

  // Overlays the fields present in `node` on *rules, which holds the
  // defaults (copyHPAScalingRules: a present policies list, even an empty
  // one, replaces the default list whole).
  absl::Status ParseRules(const YAML::Node& node, const std::string& path,
                          ScalingRules* rules) {
    static const std::vector<std::pair<const char*, SelectPolicy>> kSelect = {
        {"Disabled", SelectPolicy::kDisabled},
        {"Max", SelectPolicy::kMax},
        {"Min", SelectPolicy::kMin}};
    static const std::vector<std::pair<const char*, PolicyType>> kPolicy = {
        {"Percent", PolicyType::kPercent}, {"Pods", PolicyType::kPods}};
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path,
                                {"stabilizationWindowSeconds", "selectPolicy",
                                 "policies", "tolerance"}));
    if (const YAML::Node* n = obj.Find("stabilizationWindowSeconds")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          int32_t seconds,
          ReadInt32(*n, Child(path, "stabilizationWindowSeconds")));
      rules->stabilization_window = absl::Seconds(seconds);
    }
    if (const YAML::Node* n = obj.Find("selectPolicy")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          rules->select_policy,
          ReadEnum(*n, Child(path, "selectPolicy"), kSelect));
    }
    if (const YAML::Node* n = obj.Find("policies")) {
      const std::string ppath = Child(path, "policies");
      AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items,
                                  ParseList(*n, ppath));
      rules->policies.clear();
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string ipath = Index(ppath, i);
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object p, ParseObject(items[i], ipath,
                                  {"type", "value", "periodSeconds"}));
        // value and periodSeconds are plain int32 in the API: absent means
        // 0, which validation then rejects.
        ScalingPolicy policy{PolicyType::kPods, 0, absl::ZeroDuration()};
        const YAML::Node* type = p.Find("type");
        if (type == nullptr) return Missing(p, "type");
        AGENTSCALE_ASSIGN_OR_RETURN(
            policy.type, ReadEnum(*type, Child(ipath, "type"), kPolicy));
        if (const YAML::Node* v = p.Find("value")) {
          AGENTSCALE_ASSIGN_OR_RETURN(policy.value,
                                      ReadInt32(*v, Child(ipath, "value")));
        }
        if (const YAML::Node* v = p.Find("periodSeconds")) {
          AGENTSCALE_ASSIGN_OR_RETURN(
              int32_t seconds, ReadInt32(*v, Child(ipath, "periodSeconds")));
          policy.period = absl::Seconds(seconds);
        }
        rules->policies.push_back(policy);
      }
    }
    if (const YAML::Node* n = obj.Find("tolerance")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          rules->tolerance, ReadQuantityDouble(*n, Child(path, "tolerance")));
    }
    return absl::OkStatus();
  }

  absl::Status Validate(const AutoscalerSpec& spec) const {
    std::vector<hpa::FieldError> errors = hpa::ValidateSpec(spec, config_);
    if (errors.empty()) return absl::OkStatus();
    std::vector<std::string> lines;
    for (const hpa::FieldError& e : errors) {
      lines.push_back(std::string(ErrorAt(MarkOf(e.path), e.path, e.message).message()));
    }
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

  const std::string& source_;
  const hpa::ControllerConfig& config_;
  YAML::Mark doc_mark_;
  std::map<std::string, YAML::Mark> marks_;
};

// "<source>:<line>:<col>: " (src/common/yaml_fields.h).
std::string MarkPrefix(const std::string& source, const YAML::Mark& mark) {
  return yaml_fields::Where(source, mark);
}

// The scalar at top-level `key` of a mapping document, or "" when absent or
// not a scalar (used to classify documents before strict decoding).
std::string TopLevelScalar(const YAML::Node& doc, const char* key,
                           YAML::Mark* mark = nullptr) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (mark != nullptr) *mark = it->second.Mark();
      return it->second.IsScalar() ? it->second.Scalar() : "";
    }
  }
  return "";
}

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
    std::vector<YAML::Node> docs = YAML::LoadAll(yaml);
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
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(
        absl::StrCat("manifest file not found: ", path));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a manifest file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot open manifest file: ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return LoadStream(text.str(), path, config);
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

}  // namespace agentscale::config
