// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The strict YAML reading every config loader shares (HPA manifests, KEDA
// ScaledObjects): fields checked against what a type allows, integers and
// quantities read as the API server reads them, the Kubernetes behavior
// block, and one error format, `<file>:<line>:<col>: <path>: <problem>`
// (yaml_fields.h). Internal to the config layer; every call may throw
// YAML::Exception, which the loaders turn into a Status.
#ifndef AGENTSCALE_SRC_CONFIG_YAML_READER_H_
#define AGENTSCALE_SRC_CONFIG_YAML_READER_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <map>
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
#include "agentscale/config/yaml_limits.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"

namespace agentscale::config::yaml_reader {

// The public limits (config/yaml_limits.h) as the loader takes them; the
// defaults are the same constants (the metrics layer cannot see config/).
inline yaml_fields::Limits Internal(const YamlLimits& limits) {
  yaml_fields::Limits out;
  out.max_bytes = limits.max_bytes;
  out.max_depth = limits.max_depth;
  out.max_nodes = limits.max_nodes;
  out.max_documents = limits.max_documents;
  return out;
}
static_assert(YamlLimits{}.max_bytes == yaml_fields::kMaxYamlBytes &&
                  YamlLimits{}.max_depth == yaml_fields::kMaxYamlDepth &&
                  YamlLimits{}.max_nodes == yaml_fields::kMaxYamlNodes &&
                  YamlLimits{}.max_documents == yaml_fields::kMaxYamlDocuments,
              "config::YamlLimits and yaml_fields::Limits have the same defaults");

inline std::string NodeKind(const YAML::Node& node) {
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

inline std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : absl::StrCat(path, ".", key);
}

inline std::string Index(const std::string& path, size_t i) {
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

// Reads one YAML document, remembering where each field path was written so
// that later problems (validation) can point at the YAML.
class YamlReader {
 public:
  explicit YamlReader(const std::string& source) : source_(source) {}

  // `<file>:<line>:<col>: <path>: <problem>`.
  absl::Status ErrorAt(const YAML::Mark& mark, const std::string& path,
                       const std::string& problem) const {
    return yaml_fields::Error(source_, mark.is_null() ? doc_mark_ : mark, path, problem);
  }


  // Every problem of a validation, each at its field's line, one per line.
  absl::Status ErrorsAt(const std::vector<hpa::FieldError>& errors) const {
    if (errors.empty()) return absl::OkStatus();
    std::vector<std::string> lines;
    for (const hpa::FieldError& e : errors) {
      lines.push_back(std::string(ErrorAt(MarkOf(e.path), e.path, e.message).message()));
    }
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }

 protected:
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
        const std::string problem =
            absl::StrCat("unknown field; allowed here: ", absl::StrJoin(allowed, ", "));
        if (unknown_field_warnings_ == nullptr) return ErrorAt(key, child, problem);
        unknown_field_warnings_->push_back(
            absl::StrCat(yaml_fields::Where(source_, key.Mark()), child, ": ", problem,
                         " (ignored)"));
        continue;
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

  absl::StatusOr<int64_t> ReadInt64(const YAML::Node& node,
                                    const std::string& path) const {
    // A quoted scalar is a JSON string, which Kubernetes refuses for an
    // integer field; yaml-cpp tags quoted scalars "!".
    if (!node.IsScalar() || node.Tag() == "!") {
      return ErrorAt(node, path,
                     absl::StrCat("must be an integer, got ", NodeKind(node),
                                  node.IsScalar() ? " (quoted)" : ""));
    }
    const std::string text = node.Scalar();
    bool digits_only = !text.empty();
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      const bool sign = i == 0 && (c == '-' || c == '+') && text.size() > 1;
      digits_only = digits_only && (sign || (c >= '0' && c <= '9'));
    }
    if (!digits_only) {
      return ErrorAt(node, path,
                     absl::StrCat("must be an integer, got \"", text, "\""));
    }
    int64_t value = 0;
    if (!absl::SimpleAtoi(text, &value)) {
      return ErrorAt(node, path, absl::StrCat("must fit in int64, got ", text));
    }
    return value;
  }

  absl::StatusOr<int32_t> ReadInt32(const YAML::Node& node,
                                    const std::string& path) const {
    AGENTSCALE_ASSIGN_OR_RETURN(const int64_t value, ReadInt64(node, path));
    if (value < std::numeric_limits<int32_t>::min() ||
        value > std::numeric_limits<int32_t>::max()) {
      return ErrorAt(node, path,
                     absl::StrCat("must fit in int32, got ", node.Scalar()));
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
  absl::Status ParseObjectReference(const YAML::Node& node,
                                    const std::string& path,
                                    hpa::ObjectReference* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path, {"apiVersion", "kind", "name"}));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "apiVersion", &out->api_version));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "kind", &out->kind));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "name", &out->name));
    return absl::OkStatus();
  }

  // spec.behavior of an HPA (or a ScaledObject's
  // advanced.horizontalPodAutoscalerConfig.behavior): each direction's
  // defaults overlaid with what is written.
  absl::StatusOr<hpa::Behavior> ParseBehavior(const YAML::Node& node, const std::string& path) {
    AGENTSCALE_ASSIGN_OR_RETURN(Object b, ParseObject(node, path, {"scaleUp", "scaleDown"}));
    hpa::Behavior behavior;
    behavior.scale_up = hpa::DefaultScaleUpRules();
    behavior.scale_down = hpa::DefaultScaleDownRules();
    if (const YAML::Node* up = b.Find("scaleUp")) {
      AGENTSCALE_RETURN_IF_ERROR(ParseRules(*up, Child(path, "scaleUp"), &behavior.scale_up));
    }
    if (const YAML::Node* down = b.Find("scaleDown")) {
      AGENTSCALE_RETURN_IF_ERROR(
          ParseRules(*down, Child(path, "scaleDown"), &behavior.scale_down));
    }
    return behavior;
  }

  absl::StatusOr<hpa::SelectPolicy> ReadSelectPolicy(const YAML::Node& node,
                                                     const std::string& path) const {
    static const std::vector<std::pair<const char*, hpa::SelectPolicy>> kSelect = {
        {"Disabled", hpa::SelectPolicy::kDisabled},
        {"Max", hpa::SelectPolicy::kMax},
        {"Min", hpa::SelectPolicy::kMin}};
    return ReadEnum(node, path, kSelect);
  }

  // A behavior direction's `policies` list.
  absl::StatusOr<std::vector<hpa::ScalingPolicy>> ParsePolicies(const YAML::Node& node,
                                                                const std::string& path) {
    static const std::vector<std::pair<const char*, hpa::PolicyType>> kPolicy = {
        {"Percent", hpa::PolicyType::kPercent}, {"Pods", hpa::PolicyType::kPods}};
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, ParseList(node, path));
    std::vector<hpa::ScalingPolicy> policies;
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string ipath = Index(path, i);
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object p, ParseObject(items[i], ipath, {"type", "value", "periodSeconds"}));
      // value and periodSeconds are plain int32 in the API: absent means
      // 0, which validation then rejects.
      hpa::ScalingPolicy policy{hpa::PolicyType::kPods, 0, absl::ZeroDuration()};
      const YAML::Node* type = p.Find("type");
      if (type == nullptr) return Missing(p, "type");
      AGENTSCALE_ASSIGN_OR_RETURN(policy.type, ReadEnum(*type, Child(ipath, "type"), kPolicy));
      if (const YAML::Node* v = p.Find("value")) {
        AGENTSCALE_ASSIGN_OR_RETURN(policy.value, ReadInt32(*v, Child(ipath, "value")));
      }
      if (const YAML::Node* v = p.Find("periodSeconds")) {
        AGENTSCALE_ASSIGN_OR_RETURN(int32_t seconds,
                                    ReadInt32(*v, Child(ipath, "periodSeconds")));
        policy.period = absl::Seconds(seconds);
      }
      policies.push_back(policy);
    }
    return policies;
  }

  // Overlays the fields present in `node` on *rules, which holds the
  // defaults (copyHPAScalingRules: a present policies list, even an empty
  // one, replaces the default list whole).
  absl::Status ParseRules(const YAML::Node& node, const std::string& path,
                          hpa::ScalingRules* rules) {
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
      AGENTSCALE_ASSIGN_OR_RETURN(rules->select_policy,
                                  ReadSelectPolicy(*n, Child(path, "selectPolicy")));
    }
    if (const YAML::Node* n = obj.Find("policies")) {
      AGENTSCALE_ASSIGN_OR_RETURN(rules->policies, ParsePolicies(*n, Child(path, "policies")));
    }
    if (const YAML::Node* n = obj.Find("tolerance")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          rules->tolerance, ReadQuantityDouble(*n, Child(path, "tolerance")));
    }
    return absl::OkStatus();
  }

  const std::string& source_;
  YAML::Mark doc_mark_;
  std::map<std::string, YAML::Mark> marks_;
  // When set, ParseObject reports an unknown field here, as
  // "<file>:<line>:<col>: <path>: unknown field; allowed here: ... (ignored)",
  // and skips it, instead of failing (lenient Helm values).
  std::vector<std::string>* unknown_field_warnings_ = nullptr;
};

}  // namespace agentscale::config::yaml_reader

#endif  // AGENTSCALE_SRC_CONFIG_YAML_READER_H_
