// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The adapter's rules from prometheus-adapter's YAML configuration.

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/status_macros.h"
#include "names.h"
#include "regex.h"
#include "yaml_fields.h"
#include "yaml-cpp/yaml.h"

namespace agentscale::metrics {

// --- YAML --------------------------------------------------------------------

namespace {

// The rules loader: every error names its source, position and field
// (src/common/yaml_fields.h).
class RulesLoader {
 public:
  explicit RulesLoader(std::string source) : source_(std::move(source)) {}

  absl::Status FieldError(const std::string& field, const YAML::Node& n,
                          absl::string_view what) const {
    return yaml_fields::Error(source_, n.Mark(), field, what);
  }

  absl::StatusOr<std::string> Scalar(const std::string& field, const YAML::Node& n) const {
    return yaml_fields::Scalar(source_, field, n);
  }

  absl::Status CheckKeys(const std::string& field, const YAML::Node& n,
                         std::initializer_list<absl::string_view> supported,
                         std::initializer_list<absl::string_view> known_unsupported) const {
    return yaml_fields::CheckKeys(source_, field, n, supported, known_unsupported,
                                  "not supported by agentscale's adapter rules");
  }

// lowercase letters and digits: "service", "deployments", "ingresses".
bool IsResourceName(const std::string& r) {
  if (r.empty() || !absl::ascii_islower(static_cast<unsigned char>(r[0]))) {
    return false;
  }
  for (char c : r) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

// An API group: "apps", "networking.k8s.io".
bool IsGroupName(const std::string& g) {
  for (char c : g) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-') {
      return false;
    }
  }
  return !g.empty();
}

// `resources:` of a rule or an external rule.
struct LoadedResources {
  std::string pod_label;
  std::string namespace_label;
  std::vector<ResourceLabel> object_labels;
  bool from_template = false;
  std::optional<bool> namespaced;  // external rules only
};

absl::Status LoadResources(const std::string& rf, const YAML::Node& res,
                           bool external, LoadedResources* out) {
  if (external) {
    AGENTSCALE_RETURN_IF_ERROR(
        CheckKeys(rf, res, {"overrides", "template", "namespaced"}, {}));
  } else {
    AGENTSCALE_RETURN_IF_ERROR(
        CheckKeys(rf, res, {"overrides", "template"}, {"namespaced"}));
  }
  if (res["template"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::string t,
                                Scalar(rf + ".template", res["template"]));
    if (t != "<<.Resource>>") {
      return FieldError(rf + ".template", res["template"],
                        "only \"<<.Resource>>\" is supported");
    }
    out->pod_label = "pod";
    out->namespace_label = "namespace";
    out->from_template = true;
  }
  if (res["namespaced"]) {
    const YAML::Node ns = res["namespaced"];
    bool value = false;
    if (!ns.IsScalar() || !YAML::convert<bool>::decode(ns, value)) {
      return FieldError(rf + ".namespaced", ns, "must be true or false");
    }
    out->namespaced = value;
  }
  if (res["overrides"]) {
    const YAML::Node ov = res["overrides"];
    if (!ov.IsMap()) {
      return FieldError(rf + ".overrides", ov, "must be a mapping");
    }
    for (const auto& kv : ov) {
      const std::string label = kv.first.Scalar();
      const std::string of = absl::StrCat(rf, ".overrides.", label);
      if (!internal::IsValidLabelName(label)) {
        return FieldError(of, kv.first, "not a valid label name");
      }
      AGENTSCALE_RETURN_IF_ERROR(
          CheckKeys(of, kv.second, {"resource", "group"}, {}));
      std::string g;
      if (kv.second["group"]) {
        AGENTSCALE_ASSIGN_OR_RETURN(g,
                                    Scalar(of + ".group", kv.second["group"]));
      }
      if (!kv.second["resource"]) {
        return FieldError(of, kv.second, "resource is required");
      }
      AGENTSCALE_ASSIGN_OR_RETURN(
          std::string r, Scalar(of + ".resource", kv.second["resource"]));
      const bool pod = r == "pod" || r == "pods";
      const bool ns = r == "namespace" || r == "namespaces";
      if ((pod || ns) && !g.empty()) {
        return FieldError(of + ".group", kv.second["group"],
                          "only the core group (\"\") is supported for pod "
                          "and namespace");
      }
      if (pod) {
        out->pod_label = label;
      } else if (ns) {
        out->namespace_label = label;
      } else if (!IsResourceName(r)) {
        return FieldError(
            of + ".resource", kv.second["resource"],
            absl::StrCat("\"", absl::CHexEscape(r),
                         "\" is not a resource name (lowercase letters and "
                         "digits, e.g. service or deployments)"));
      } else if (!g.empty() && !IsGroupName(g)) {
        return FieldError(of + ".group", kv.second["group"],
                          absl::StrCat("\"", absl::CHexEscape(g),
                                       "\" is not an API group name"));
      } else {
        out->object_labels.push_back(ResourceLabel{label, r, g});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status LoadName(const std::string& field, const YAML::Node& n,
                      std::string* matches, std::string* as) {
  if (!n["name"]) return absl::OkStatus();
  const YAML::Node nm = n["name"];
  AGENTSCALE_RETURN_IF_ERROR(
      CheckKeys(field + ".name", nm, {"matches", "as"}, {}));
  if (nm["matches"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(*matches,
                                Scalar(field + ".name.matches", nm["matches"]));
  }
  if (nm["as"]) {
    AGENTSCALE_ASSIGN_OR_RETURN(*as, Scalar(field + ".name.as", nm["as"]));
  }
  // Compiled here too, for the error's position: a bad regex at
  // name.matches, a missing `as` at name.
  absl::StatusOr<std::shared_ptr<const internal::NameRule>> rule =
      internal::NameRule::Create(*matches, *as);
  if (!rule.ok()) {
    if (absl::StartsWith(rule.status().message(),
                         internal::NameRule::kAsRequired)) {
      return FieldError(field + ".name.as", nm, rule.status().message());
    }
    return FieldError(field + ".name.matches", nm["matches"] ? nm["matches"] : nm,
                      rule.status().message());
  }
  return absl::OkStatus();
}

// A rule's `name` and `metricsQuery` (required), the latter parsed by
// `parse` (pods/object rules and external rules differ there).
template <typename Rule>
absl::Status LoadNameAndQuery(const std::string& field, const YAML::Node& n,
                              absl::Status (*parse)(absl::string_view, Rule*),
                              Rule* rule) {
  AGENTSCALE_RETURN_IF_ERROR(
      LoadName(field, n, &rule->name_matches, &rule->name_as));
  if (!n["metricsQuery"]) {
    return FieldError(field, n, "metricsQuery is required");
  }
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string mq, Scalar(field + ".metricsQuery", n["metricsQuery"]));
  absl::Status st = parse(mq, rule);
  if (!st.ok()) {
    return FieldError(field + ".metricsQuery", n["metricsQuery"],
                      st.message());
  }
  return absl::OkStatus();
}

absl::StatusOr<SeriesSelector> LoadSeriesQuery(const std::string& field,
                                               const YAML::Node& n) {
  if (!n["seriesQuery"]) return FieldError(field, n, "seriesQuery is required");
  AGENTSCALE_ASSIGN_OR_RETURN(
      std::string sq, Scalar(field + ".seriesQuery", n["seriesQuery"]));
  absl::StatusOr<SeriesSelector> sel = ParseSeriesSelector(sq);
  if (!sel.ok()) {
    return FieldError(field + ".seriesQuery", n["seriesQuery"],
                      sel.status().message());
  }
  return sel;
}

absl::StatusOr<MetricRule> LoadRule(const std::string& field,
                                    const YAML::Node& n) {
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(
      field, n, {"seriesQuery", "resources", "name", "metricsQuery"},
      {"seriesFilters", "labelValueReplacements"}));
  MetricRule rule;
  AGENTSCALE_ASSIGN_OR_RETURN(rule.series, LoadSeriesQuery(field, n));

  if (!n["resources"]) {
    return FieldError(field, n,
                      "resources is required (a label must map to the pod "
                      "resource)");
  }
  const YAML::Node res = n["resources"];
  const std::string rf = field + ".resources";
  LoadedResources loaded;
  AGENTSCALE_RETURN_IF_ERROR(LoadResources(rf, res, /*external=*/false,
                                           &loaded));
  rule.pod_label = loaded.pod_label;
  rule.namespace_label = loaded.namespace_label;
  rule.object_labels = std::move(loaded.object_labels);
  rule.resource_template = loaded.from_template;
  if (rule.pod_label.empty() && rule.object_labels.empty() &&
      !rule.resource_template) {
    return FieldError(rf, res,
                      "no label maps to the pod resource (or to another "
                      "resource, such as service, for Object metrics)");
  }

  AGENTSCALE_RETURN_IF_ERROR(
      LoadNameAndQuery(field, n, &ParseMetricsQuery, &rule));
  return rule;
}

absl::StatusOr<ExternalRule> LoadExternalRule(const std::string& field,
                                              const YAML::Node& n) {
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys(
      field, n, {"seriesQuery", "resources", "name", "metricsQuery"},
      {"seriesFilters", "labelValueReplacements"}));
  ExternalRule rule;
  AGENTSCALE_ASSIGN_OR_RETURN(rule.series, LoadSeriesQuery(field, n));

  const std::string rf = field + ".resources";
  if (n["resources"]) {
    LoadedResources loaded;
    AGENTSCALE_RETURN_IF_ERROR(
        LoadResources(rf, n["resources"], /*external=*/true, &loaded));
    rule.namespaced = loaded.namespaced.value_or(true);
    rule.namespace_label = loaded.namespace_label;
  }
  if (rule.namespaced && rule.namespace_label.empty()) {
    // The adapter adds namespace="<the HPA's namespace>" to every query of a
    // namespaced rule and fails when no label stands for the namespace.
    return FieldError(
        n["resources"] ? rf : field, n["resources"] ? n["resources"] : n,
        "namespaced (the default), but no label maps to the namespace "
        "resource: add overrides: {namespace: {resource: namespace}}, or set "
        "namespaced: false");
  }

  AGENTSCALE_RETURN_IF_ERROR(
      LoadNameAndQuery(field, n, &ParseExternalMetricsQuery, &rule));
  return rule;
}

struct LoadedConfig {
  std::vector<MetricRule> rules;
  std::vector<ExternalRule> external_rules;
};

absl::StatusOr<LoadedConfig> LoadRules(absl::string_view yaml) {
  AGENTSCALE_ASSIGN_OR_RETURN(YAML::Node root,
                              yaml_fields::LoadDocument(std::string(yaml), source_));
  if (!root.IsMap()) {
    return FieldError("", root, "must be a mapping with a rules: list");
  }
  AGENTSCALE_RETURN_IF_ERROR(CheckKeys("", root,
                                       {"rules", "externalRules"},
                                       {"resourceRules"}));
  LoadedConfig out;
  const YAML::Node rules = root["rules"];
  const YAML::Node external = root["externalRules"];
  if (rules || !external) {
    if (!rules || !rules.IsSequence()) {
      return FieldError("rules", rules ? rules : root, "must be a list");
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          MetricRule r, LoadRule(absl::StrCat("rules[", i, "]"), rules[i]));
      out.rules.push_back(std::move(r));
    }
  }
  if (external) {
    if (!external.IsSequence()) {
      return FieldError("externalRules", external, "must be a list");
    }
    for (size_t i = 0; i < external.size(); ++i) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          ExternalRule r,
          LoadExternalRule(absl::StrCat("externalRules[", i, "]"),
                           external[i]));
      out.external_rules.push_back(std::move(r));
    }
  }
  return out;
}

 private:
  const std::string source_;
};

}  // namespace

namespace {

absl::StatusOr<MetricAdapter> FromNamedConfig(absl::string_view yaml,
                                              const std::string& source) {
  absl::StatusOr<RulesLoader::LoadedConfig> loaded;
  try {
    loaded = RulesLoader(source).LoadRules(yaml);
  } catch (const YAML::Exception& e) {
    return yaml_fields::FromException(source, e);
  }
  if (!loaded.ok()) return loaded.status();
  return MetricAdapter::FromRules(std::move(loaded->rules),
                                  std::move(loaded->external_rules));
}

}  // namespace

absl::StatusOr<MetricAdapter> MetricAdapter::FromConfig(absl::string_view yaml) {
  return FromNamedConfig(yaml, "adapter config");
}

absl::StatusOr<MetricAdapter> MetricAdapter::FromConfigFile(
    const std::string& path) {
  // At most the YAML size limit plus one byte is read; the loader names it.
  absl::StatusOr<std::string> text = yaml_fields::ReadConfigFile(path, "adapter rules");
  if (!text.ok()) return text.status();
  return FromNamedConfig(*text, path);
}

}  // namespace agentscale::metrics
