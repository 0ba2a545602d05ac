// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include <yaml-cpp/yaml.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agentscale/aws/policy.h"
#include "agentscale/config/aws.h"
#include "agentscale/config/forecast.h"
#include "agentscale/config/schedule.h"
#include "agentscale/config/serve.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"
#include "yaml_reader.h"

namespace agentscale::config {
namespace {

using yaml_reader::Child;
using yaml_reader::Index;
using yaml_reader::Object;
using yaml_reader::YamlReader;

constexpr char kServeApiVersion[] = "agentscale.dev/v1alpha1";
constexpr size_t kMaxFleets = 1000;

bool IsLabelName(const std::string& s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

class ServeParser : public YamlReader {
 public:
  ServeParser(const std::string& source, std::string dir)
      : YamlReader(source), dir_(std::move(dir)) {}

  absl::StatusOr<ServeConfig> Parse(const YAML::Node& doc) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(Object top,
                                ParseObject(doc, "", {"apiVersion", "kind", "metadata", "spec"}));
    const YAML::Node* spec_node = top.Find("spec");
    if (spec_node == nullptr) return Missing(top, "spec");
    AGENTSCALE_ASSIGN_OR_RETURN(Object spec,
                                ParseObject(*spec_node, "spec", {"prometheus", "stateDir", "fleets"}));
    ServeConfig out;
    out.source = source_;
    AGENTSCALE_RETURN_IF_ERROR(OptString(spec, "prometheus", &out.prometheus));
    out.prometheus = std::string(absl::StripPrefix(out.prometheus, "http://"));
    while (!out.prometheus.empty() && out.prometheus.back() == '/') out.prometheus.pop_back();
    AGENTSCALE_RETURN_IF_ERROR(OptString(spec, "stateDir", &out.state_dir));
    const YAML::Node* fleets = spec.Find("fleets");
    if (fleets == nullptr) return Missing(spec, "fleets");
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, ParseList(*fleets, "spec.fleets"));
    if (items.empty()) return ErrorAt(*fleets, "spec.fleets", "names no fleet");
    if (items.size() > kMaxFleets) {
      return ErrorAt(*fleets, "spec.fleets",
                     absl::StrCat("has ", items.size(), " fleets; at most ", kMaxFleets));
    }
    std::set<std::string> names;
    for (size_t i = 0; i < items.size(); ++i) {
      ServeFleetConfig fleet;
      AGENTSCALE_RETURN_IF_ERROR(ParseFleet(items[i], Index("spec.fleets", i), &fleet, &out));
      if (!names.insert(fleet.name).second) {
        return ErrorAt(MarkOf(Child(Index("spec.fleets", i), "name")),
                       Child(Index("spec.fleets", i), "name"),
                       absl::StrCat("fleet \"", fleet.name, "\" is defined twice"));
      }
      out.fleets.push_back(std::move(fleet));
    }
    bool needs_prometheus = false;
    for (const ServeFleetConfig& f : out.fleets) {
      needs_prometheus = needs_prometheus || !f.metric_queries.empty() || !f.replicas_query.empty();
    }
    if (needs_prometheus && out.prometheus.empty()) {
      return ErrorAt(MarkOf("spec"), "spec.prometheus",
                     "is required: the fleets' metrics are read from Prometheus");
    }
    return out;
  }

 private:
  absl::Status ParseFleet(const YAML::Node& node, const std::string& path, ServeFleetConfig* f,
                          ServeConfig* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path,
                                {"name", "policy", "selector", "window", "podLabel",
                                 "replicasQuery", "queries", "forecast", "schedule"}));
    const YAML::Node* name = obj.Find("name");
    if (name == nullptr) return Missing(obj, "name");
    AGENTSCALE_ASSIGN_OR_RETURN(f->name, ReadString(*name, Child(path, "name")));
    if (f->name.empty() || f->name.size() > 253) {
      return ErrorAt(*name, Child(path, "name"), "must be 1 to 253 characters");
    }
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "selector", &f->selector));
    if (absl::StartsWith(f->selector, "{")) {
      return ErrorAt(MarkOf(Child(path, "selector")), Child(path, "selector"),
                     "label matchers without the braces, e.g. 'app=\"agents\"'");
    }
    if (!f->selector.empty()) {
      absl::StatusOr<metrics::SeriesSelector> sel =
          metrics::ParseSeriesSelector(absl::StrCat("{", f->selector, "}"));
      if (!sel.ok()) {
        return ErrorAt(MarkOf(Child(path, "selector")), Child(path, "selector"),
                       std::string(sel.status().message()));
      }
    }
    if (const YAML::Node* w = obj.Find("window")) {
      AGENTSCALE_ASSIGN_OR_RETURN(std::string text, ReadString(*w, Child(path, "window")));
      absl::StatusOr<absl::Duration> d = metrics::ParsePromDuration(text);
      if (!d.ok() || *d <= absl::ZeroDuration()) {
        return ErrorAt(*w, Child(path, "window"),
                       absl::StrCat("\"", text.substr(0, 64),
                                    "\" is not a Prometheus duration > 0 (1m, 30s, ...)"));
      }
      f->window = *d;
    }
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "podLabel", &f->pod_label));
    if (!IsLabelName(f->pod_label)) {
      return ErrorAt(MarkOf(Child(path, "podLabel")), Child(path, "podLabel"),
                     "is not a Prometheus label name");
    }
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "replicasQuery", &f->replicas_query));
    if (const YAML::Node* q = obj.Find("queries")) {
      const std::string qpath = Child(path, "queries");
      if (!q->IsMap()) {
        return ErrorAt(*q, qpath,
                       absl::StrCat("must be a mapping of metric name to PromQL, got ",
                                    yaml_reader::NodeKind(*q)));
      }
      for (auto it = q->begin(); it != q->end(); ++it) {
        if (!it->first.IsScalar()) return ErrorAt(it->first, qpath, "keys must be metric names");
        const std::string key = it->first.Scalar();
        marks_[Child(qpath, key)] = it->second.Mark();
        AGENTSCALE_ASSIGN_OR_RETURN(std::string value, ReadString(it->second, Child(qpath, key)));
        if (value.empty()) return ErrorAt(it->second, Child(qpath, key), "is empty");
        f->queries[key] = value;
      }
    }
    const YAML::Node* policy = obj.Find("policy");
    if (policy == nullptr) return Missing(obj, "policy");
    AGENTSCALE_ASSIGN_OR_RETURN(std::string file, ReadString(*policy, Child(path, "policy")));
    if (file.empty()) return ErrorAt(*policy, Child(path, "policy"), "is empty");
    f->policy_path = Resolve(file);
    // Names the serve.yaml field that led to a policy file's error.
    auto named_here = [&](const absl::Status& status, const YAML::Node& field,
                          const std::string& field_path) {
      return absl::Status(status.code(),
                          absl::StrCat(status.message(), "\n",
                                       yaml_fields::Where(source_, field.Mark()), field_path,
                                       ": names this file"));
    };
    int32_t policy_max = 1;
    if (absl::EndsWithIgnoreCase(f->policy_path, ".json")) {
      absl::StatusOr<aws::ScalableTargetSpec> spec = LoadAwsScalingFile(f->policy_path);
      if (!spec.ok()) return named_here(spec.status(), *policy, Child(path, "policy"));
      absl::StatusOr<std::unique_ptr<aws::ScalableTargetPolicy>> created =
          aws::ScalableTargetPolicy::Create(*spec);
      if (!created.ok()) return named_here(created.status(), *policy, Child(path, "policy"));
      policy_max = (*created)->max_replicas();
      f->aws = std::move(*spec);
    } else {
      absl::StatusOr<LoadedManifests> loaded = LoadManifestFile(f->policy_path);
      if (!loaded.ok()) return named_here(loaded.status(), *policy, Child(path, "policy"));
      const size_t count = loaded->autoscalers.size() + loaded->scaled_objects.size();
      if (count != 1) {
        return ErrorAt(*policy, Child(path, "policy"),
                       absl::StrCat(f->policy_path, " holds ", loaded->autoscalers.size(),
                                    " HorizontalPodAutoscalers and ",
                                    loaded->scaled_objects.size(),
                                    " ScaledObjects; a fleet's policy file holds exactly one "
                                    "(or is AWS Application Auto Scaling JSON, a .json file)"));
      }
      for (const std::string& w : loaded->warnings) out->warnings.push_back(w);
      policy_max = loaded->autoscalers.empty() ? loaded->scaled_objects[0].max_replica_count
                                               : loaded->autoscalers[0].max_replicas;
      f->policy = std::move(*loaded);
    }
    if (const YAML::Node* fc = obj.Find("forecast")) {
      AGENTSCALE_ASSIGN_OR_RETURN(std::string name, ReadString(*fc, Child(path, "forecast")));
      if (name.empty()) return ErrorAt(*fc, Child(path, "forecast"), "is empty");
      f->forecast_path = Resolve(name);
      absl::StatusOr<LoadedForecast> loaded = LoadForecastFile(f->forecast_path);
      if (!loaded.ok()) return named_here(loaded.status(), *fc, Child(path, "forecast"));
      for (const std::string& w : loaded->warnings) out->warnings.push_back(w);
      f->forecast = std::move(loaded->spec);
    }
    if (const YAML::Node* sc = obj.Find("schedule")) {
      AGENTSCALE_ASSIGN_OR_RETURN(std::string name, ReadString(*sc, Child(path, "schedule")));
      if (name.empty()) return ErrorAt(*sc, Child(path, "schedule"), "is empty");
      f->schedule_path = Resolve(name);
      ScheduleLoadOptions options;
      options.min_replicas = ConfigMapDefaultMinReplicas(policy_max);
      absl::StatusOr<schedule::ScheduleSpec> loaded =
          LoadScheduleFile(f->schedule_path, options);
      if (!loaded.ok()) return named_here(loaded.status(), *sc, Child(path, "schedule"));
      f->schedule = std::move(*loaded);
    }
    return ResolveQueries(path, f);
  }

  // A file named in serve.yaml: absolute, or relative to its directory.
  std::string Resolve(const std::string& file) const {
    return absl::StartsWith(file, "/") || dir_.empty() ? file : absl::StrCat(dir_, "/", file);
  }

  // One query per metric of the policy: `queries`, else the default for a
  // Pods metric or a prometheus trigger's own query.
  absl::Status ResolveQueries(const std::string& path, ServeFleetConfig* f) {
    std::vector<hpa::MetricSpec> metrics;
    std::map<std::string, std::string> trigger_queries;
    if (f->aws.has_value()) {
      AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<aws::ScalableTargetPolicy> p,
                                  aws::ScalableTargetPolicy::Create(*f->aws));
      metrics = p->metrics();
    } else if (!f->policy.autoscalers.empty()) {
      metrics = f->policy.autoscalers[0].metrics;
    } else {
      const keda::ScaledObjectSpec& so = f->policy.scaled_objects[0];
      absl::StatusOr<hpa::AutoscalerSpec> generated = keda::GeneratedHpa(so);
      if (!generated.ok()) return generated.status();
      metrics = generated->metrics;
      for (const keda::Trigger& t : so.triggers) {
        auto q = t.metadata.find("query");
        if (t.type == "prometheus" && q != t.metadata.end()) {
          trigger_queries[t.metric_name] = q->second;
        }
      }
    }
    std::set<std::string> used;
    bool has_pods = false;
    for (const hpa::MetricSpec& m : metrics) {
      config::ServeMetricQuery q;
      q.metric = m.name;
      q.type = m.type;
      q.per_pod = m.type == hpa::MetricSourceType::kPods ||
                  m.type == hpa::MetricSourceType::kResource ||
                  m.type == hpa::MetricSourceType::kContainerResource;
      auto explicit_query = f->queries.find(m.name);
      if (explicit_query != f->queries.end()) {
        q.query = explicit_query->second;
        used.insert(m.name);
      } else if (m.type == hpa::MetricSourceType::kPods) {
        q.query = absl::StrCat("avg_over_time(", m.name, "{namespace=\"$namespace\"",
                               f->selector.empty() ? "" : ",", f->selector, "}[",
                               absl::FormatDuration(f->window), "])");
      } else if (auto t = trigger_queries.find(m.name); t != trigger_queries.end()) {
        q.query = t->second;
      } else {
        return ErrorAt(MarkOf(Child(path, "policy")), Child(path, "queries"),
                       absl::StrCat("needs a query for ", m.Describe(), " of ", f->policy_path,
                                    " (only Pods metrics and prometheus triggers have one "
                                    "by default)"));
      }
      has_pods = has_pods || q.per_pod;
      f->metric_queries.push_back(std::move(q));
    }
    for (const auto& [metric, query] : f->queries) {
      if (used.count(metric) == 0) {
        return ErrorAt(MarkOf(Child(Child(path, "queries"), metric)),
                       Child(Child(path, "queries"), metric),
                       absl::StrCat("the policy in ", f->policy_path, " has no metric \"",
                                    metric, "\""));
      }
    }
    if (!has_pods && f->replicas_query.empty()) {
      return ErrorAt(MarkOf(path), Child(path, "replicasQuery"),
                     "is required: the policy has no per-pod metric to count the pods by");
    }
    return absl::OkStatus();
  }

  std::string dir_;
};

}  // namespace

absl::StatusOr<ServeConfig> LoadServeConfigString(const std::string& yaml,
                                                  const std::string& source_name,
                                                  const std::string& dir) {
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(yaml, source_name));
    for (const YAML::Node& doc : docs) {
      if (!doc.IsDefined() || !doc.IsMap()) continue;
      if (yaml_fields::TopLevelScalar(doc, "kind") != kServeConfigKind) continue;
      YAML::Mark api_mark = doc.Mark();
      const std::string api = yaml_fields::TopLevelScalar(doc, "apiVersion", &api_mark);
      if (api != kServeApiVersion) {
        return yaml_fields::Error(source_name, api_mark, "apiVersion",
                                  absl::StrCat("\"", api.substr(0, 64), "\" is not supported for a ",
                                               kServeConfigKind, "; only ", kServeApiVersion, " is"));
      }
      ServeParser parser(source_name, dir);
      return parser.Parse(doc);
    }
  } catch (const YAML::Exception& e) {
    return yaml_fields::Error(source_name, e.mark, "",
                              absl::StrCat("invalid YAML: ", e.msg.substr(0, 256)));
  }
  return absl::InvalidArgumentError(absl::StrCat(source_name, ": no ", kServeConfigKind, " (",
                                                 kServeApiVersion, ") document found"));
}

absl::StatusOr<ServeConfig> LoadServeConfigDir(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kServeConfigFile);
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text,
                              yaml_fields::ReadConfigFile(path, "serve configuration"));
  return LoadServeConfigString(text, path, dir);
}

}  // namespace agentscale::config
