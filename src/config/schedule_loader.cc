// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "agentscale/config/schedule.h"
#include "agentscale/schedule/schedule.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"
#include "yaml_reader.h"

namespace agentscale::config {
namespace {

using yaml_reader::Child;
using yaml_reader::Index;
using yaml_reader::NodeKind;
using yaml_reader::Object;
using yaml_reader::YamlReader;

class ScheduleParser : public YamlReader {
 public:
  explicit ScheduleParser(const std::string& source) : YamlReader(source) {}

  absl::StatusOr<schedule::ScheduleSpec> ParseConfigMap(const YAML::Node& doc,
                                                        const ScheduleLoadOptions& options) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object top, ParseObject(doc, "", {"apiVersion", "kind", "metadata", "data",
                                          "binaryData", "immutable"}));
    std::string name = "schedule";
    AGENTSCALE_RETURN_IF_ERROR(ParseName(top, &name));
    const YAML::Node* data = top.Find("data");
    if (data == nullptr) return Missing(top, "data");
    if (!data->IsMap()) {
      return ErrorAt(*data, "data", absl::StrCat("must be a mapping, got ", NodeKind(*data)));
    }
    std::map<std::string, std::string> values;
    std::map<std::string, YAML::Mark> marks;
    for (auto it = data->begin(); it != data->end(); ++it) {
      if (!it->first.IsScalar()) return ErrorAt(it->first, "data", "keys must be strings");
      const std::string key = it->first.Scalar();
      if (!it->second.IsScalar()) {
        return ErrorAt(it->second, Child("data", key),
                       absl::StrCat("must be a string, got ", NodeKind(it->second)));
      }
      values[key] = it->second.Scalar();
      marks[key] = it->second.Mark();
    }
    schedule::ConfigMapOptions o;
    o.timezone = options.timezone;
    o.min_replicas = options.min_replicas;
    absl::StatusOr<schedule::ScheduleSpec> spec = schedule::ScheduleFromConfigMap(name, values, o);
    if (spec.ok()) return spec;
    // "data.<key>: problem" -> at the key's value.
    const std::string message(spec.status().message());
    for (const auto& [key, mark] : marks) {
      const std::string prefix = absl::StrCat("data.", key, ": ");
      if (absl::StartsWith(message, prefix)) {
        return ErrorAt(mark, Child("data", key), message.substr(prefix.size()));
      }
    }
    return ErrorAt(data->Mark(), "data", message);
  }

  absl::StatusOr<schedule::ScheduleSpec> ParseSchedule(const YAML::Node& doc) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(Object top,
                                ParseObject(doc, "", {"apiVersion", "kind", "metadata", "spec"}));
    schedule::ScheduleSpec spec;
    AGENTSCALE_RETURN_IF_ERROR(ParseName(top, &spec.name));
    const YAML::Node* s = top.Find("spec");
    if (s == nullptr) return Missing(top, "spec");
    AGENTSCALE_ASSIGN_OR_RETURN(Object obj, ParseObject(*s, "spec", {"timezone", "rules"}));
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "timezone", &spec.timezone));
    const YAML::Node* rules = obj.Find("rules");
    if (rules == nullptr) return Missing(obj, "rules");
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, ParseList(*rules, "spec.rules"));
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string path = Index("spec.rules", i);
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object r, ParseObject(items[i], path,
                                {"name", "start", "end", "days", "minReplicas", "maxReplicas"}));
      schedule::ScheduleRule rule;
      AGENTSCALE_RETURN_IF_ERROR(OptString(r, "name", &rule.name));
      const bool window = r.Find("start") != nullptr || r.Find("end") != nullptr;
      if (window && r.Find("days") != nullptr) {
        return ErrorAt(*r.Find("days"), Child(path, "days"),
                       "a rule is either a window (start, end) or days, not both");
      }
      if (!window && r.Find("days") == nullptr) {
        return ErrorAt(items[i], path, "needs start and end (a window) or days");
      }
      if (window) {
        rule.kind = schedule::ScheduleRule::Kind::kWindow;
        for (const char* key : {"start", "end"}) {
          std::vector<std::string>& lines = key[0] == 's' ? rule.start : rule.end;
          const YAML::Node* n = r.Find(key);
          if (n == nullptr) continue;  // reported by validation
          if (n->IsSequence()) {
            AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> ls,
                                        ParseList(*n, Child(path, key)));
            for (size_t k = 0; k < ls.size(); ++k) {
              AGENTSCALE_ASSIGN_OR_RETURN(std::string line,
                                          ReadString(ls[k], Index(Child(path, key), k)));
              lines.push_back(std::move(line));
            }
          } else {
            AGENTSCALE_ASSIGN_OR_RETURN(std::string line, ReadString(*n, Child(path, key)));
            // A single line is the list's first entry, for error paths.
            Remember(Index(Child(path, key), 0), n->Mark());
            lines.push_back(std::move(line));
          }
        }
      } else {
        rule.kind = schedule::ScheduleRule::Kind::kDays;
        AGENTSCALE_ASSIGN_OR_RETURN(rule.days, ReadString(*r.Find("days"), Child(path, "days")));
      }
      if (const YAML::Node* n = r.Find("minReplicas")) {
        AGENTSCALE_ASSIGN_OR_RETURN(rule.min_replicas, ReadInt32(*n, Child(path, "minReplicas")));
      }
      if (const YAML::Node* n = r.Find("maxReplicas")) {
        AGENTSCALE_ASSIGN_OR_RETURN(rule.max_replicas, ReadInt32(*n, Child(path, "maxReplicas")));
      }
      spec.rules.push_back(std::move(rule));
    }
    std::vector<hpa::FieldError> errors = schedule::ValidateSchedule(spec);
    for (hpa::FieldError& e : errors) {
      e.path = e.path == "name" ? "metadata.name" : Child("spec", e.path);
    }
    AGENTSCALE_RETURN_IF_ERROR(ErrorsAt(errors));
    return spec;
  }

 private:
  void Remember(const std::string& path, const YAML::Mark& mark) { marks_[path] = mark; }

  absl::Status ParseName(const Object& top, std::string* name) {
    const YAML::Node* meta = top.Find("metadata");
    if (meta == nullptr) return absl::OkStatus();
    if (!meta->IsMap()) {
      return ErrorAt(*meta, "metadata", absl::StrCat("must be a mapping, got ", NodeKind(*meta)));
    }
    if (const YAML::Node n = (*meta)["name"]; n && n.IsScalar()) *name = n.Scalar();
    return absl::OkStatus();
  }
};

}  // namespace

absl::StatusOr<schedule::ScheduleSpec> LoadScheduleString(const std::string& yaml,
                                                          const std::string& source_name,
                                                          const ScheduleLoadOptions& options) {
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(
                                    yaml, source_name, yaml_reader::Internal(options.yaml_limits)));
    for (const YAML::Node& doc : docs) {
      if (!doc.IsDefined() || !doc.IsMap()) continue;
      const std::string kind = yaml_fields::TopLevelScalar(doc, "kind");
      const std::string api = yaml_fields::TopLevelScalar(doc, "apiVersion");
      ScheduleParser parser(source_name);
      if (kind == "ConfigMap") return parser.ParseConfigMap(doc, options);
      if (kind == kScheduleKind) {
        if (api != kScheduleApiVersion) {
          return yaml_fields::Error(source_name, doc["apiVersion"] ? doc["apiVersion"].Mark()
                                                                   : doc.Mark(),
                                    "apiVersion",
                                    absl::StrCat("\"", api, "\" is not supported for a Schedule; "
                                                 "only ", kScheduleApiVersion, " is"));
        }
        return parser.ParseSchedule(doc);
      }
    }
  } catch (const YAML::Exception& e) {
    return yaml_fields::Error(source_name, e.mark, "", absl::StrCat("invalid YAML: ", e.msg));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source_name, ": no ConfigMap (v1) or Schedule (", kScheduleApiVersion, ") found"));
}

absl::StatusOr<schedule::ScheduleSpec> LoadScheduleFile(const std::string& path,
                                                        const ScheduleLoadOptions& options) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text, yaml_fields::ReadConfigFile(path, "schedule", options.yaml_limits.max_bytes));
  return LoadScheduleString(text, path, options);
}

int32_t ConfigMapDefaultMinReplicas(int32_t policy_max_replicas) {
  return std::max(1, policy_max_replicas / 2 + policy_max_replicas % 2);
}

std::string DumpSchedule(const schedule::ScheduleSpec& spec) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << kScheduleApiVersion;
  e << YAML::Key << "kind" << YAML::Value << kScheduleKind;
  e << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name"
    << YAML::Value << spec.name << YAML::EndMap;
  e << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "timezone" << YAML::Value << spec.timezone;
  e << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
  for (const schedule::ScheduleRule& r : spec.rules) {
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << r.name;
    if (r.kind == schedule::ScheduleRule::Kind::kWindow) {
      for (const char* key : {"start", "end"}) {
        const std::vector<std::string>& lines = key[0] == 's' ? r.start : r.end;
        e << YAML::Key << key << YAML::Value;
        if (lines.size() == 1) {
          e << YAML::DoubleQuoted << lines[0];
        } else {
          e << YAML::BeginSeq;
          for (const std::string& l : lines) e << YAML::DoubleQuoted << l;
          e << YAML::EndSeq;
        }
      }
    } else {
      e << YAML::Key << "days" << YAML::Value << YAML::DoubleQuoted << r.days;
    }
    if (r.min_replicas) e << YAML::Key << "minReplicas" << YAML::Value << *r.min_replicas;
    if (r.max_replicas) e << YAML::Key << "maxReplicas" << YAML::Value << *r.max_replicas;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace agentscale::config
