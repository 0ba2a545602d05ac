// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "agentscale/config/forecast.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"
#include "yaml_reader.h"

namespace agentscale::config {
namespace {

using forecast::ForecastMode;
using forecast::ForecastSpec;
using forecast::MaxCapacityBreach;
using yaml_reader::Child;
using yaml_reader::Index;
using yaml_reader::NodeKind;
using yaml_reader::Object;
using yaml_reader::YamlReader;

const std::vector<std::pair<const char*, ForecastMode>> kModes = {
    {"ForecastOnly", ForecastMode::kForecastOnly},
    {"ForecastAndScale", ForecastMode::kForecastAndScale}};
const std::vector<std::pair<const char*, MaxCapacityBreach>> kBreach = {
    {"HonorMaxCapacity", MaxCapacityBreach::kHonorMaxCapacity},
    {"IncreaseMaxCapacity", MaxCapacityBreach::kIncreaseMaxCapacity}};

bool PrintableAscii(const std::string& s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

class ForecastParser : public YamlReader {
 public:
  explicit ForecastParser(const std::string& source) : YamlReader(source), source_name_(source) {}

  absl::StatusOr<LoadedForecast> ParseForecast(const YAML::Node& doc) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(Object top,
                                ParseObject(doc, "", {"apiVersion", "kind", "metadata", "spec"}));
    LoadedForecast out;
    out.source_kind = kForecastKind;
    if (const YAML::Node* meta = top.Find("metadata")) {
      if (!meta->IsMap()) {
        return ErrorAt(*meta, "metadata",
                       absl::StrCat("must be a mapping, got ", NodeKind(*meta)));
      }
      if (const YAML::Node n = (*meta)["name"]; n && n.IsScalar()) {
        AGENTSCALE_RETURN_IF_ERROR(CheckName(n, "metadata.name"));
        out.name = n.Scalar();
      }
    }
    const YAML::Node* s = top.Find("spec");
    if (s == nullptr) return Missing(top, "spec");
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj,
        ParseObject(*s, "spec",
                    {"model", "season", "alpha", "beta", "gamma", "phi", "window", "coverage",
                     "metric", "loadPerReplica", "stepSeconds", "leadSeconds", "useUpper", "mode",
                     "maxCapacityBreachBehavior", "maxCapacityBuffer"}));
    ForecastSpec& f = out.spec;
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "model", &f.model));
    if (const YAML::Node* n = obj.Find("season")) {
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t v, ReadInt32(*n, "spec.season"));
      f.season = v;
    }
    if (const YAML::Node* n = obj.Find("window")) {
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t v, ReadInt32(*n, "spec.window"));
      f.window = v;
    }
    for (auto [key, field] : {std::pair<const char*, double*>{"alpha", &f.alpha},
                              {"beta", &f.beta},
                              {"gamma", &f.gamma},
                              {"phi", &f.phi},
                              {"coverage", &f.coverage},
                              {"loadPerReplica", &f.load_per_replica}}) {
      if (const YAML::Node* n = obj.Find(key)) {
        AGENTSCALE_ASSIGN_OR_RETURN(*field, ReadNumber(*n, Child("spec", key)));
      }
    }
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "metric", &f.metric));
    for (auto [key, field] : {std::pair<const char*, absl::Duration*>{"stepSeconds", &f.step},
                              {"leadSeconds", &f.lead}}) {
      if (const YAML::Node* n = obj.Find(key)) {
        AGENTSCALE_ASSIGN_OR_RETURN(*field, ReadSeconds(*n, Child("spec", key)));
      }
    }
    if (const YAML::Node* n = obj.Find("useUpper")) {
      AGENTSCALE_ASSIGN_OR_RETURN(f.use_upper, ReadBool(*n, "spec.useUpper"));
    }
    if (const YAML::Node* n = obj.Find("mode")) {
      AGENTSCALE_ASSIGN_OR_RETURN(f.mode, ReadEnum(*n, "spec.mode", kModes));
    }
    if (const YAML::Node* n = obj.Find("maxCapacityBreachBehavior")) {
      AGENTSCALE_ASSIGN_OR_RETURN(f.max_breach,
                                  ReadEnum(*n, "spec.maxCapacityBreachBehavior", kBreach));
    }
    if (const YAML::Node* n = obj.Find("maxCapacityBuffer")) {
      AGENTSCALE_ASSIGN_OR_RETURN(f.max_capacity_buffer,
                                  ReadNumber(*n, "spec.maxCapacityBuffer"));
    }
    std::vector<hpa::FieldError> errors = forecast::ValidateForecastSpec(f);
    for (hpa::FieldError& e : errors) e.path = Child("spec", e.path);
    AGENTSCALE_RETURN_IF_ERROR(ErrorsAt(errors));
    return out;
  }

  // `node` is a PredictiveScalingPolicyConfiguration at `path`.
  absl::StatusOr<LoadedForecast> ParsePredictive(const YAML::Node& doc, const YAML::Node& node,
                                                 const std::string& path, std::string name) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path,
                                {"MetricSpecifications", "Mode", "SchedulingBufferTime",
                                 "MaxCapacityBreachBehavior", "MaxCapacityBuffer"}));
    LoadedForecast out;
    out.source_kind = "PredictiveScalingPolicyConfiguration";
    if (!name.empty()) {
      if (name.size() > 256 || !PrintableAscii(name)) {
        return ErrorAt(node, "PolicyName", "must be 1 to 256 printable characters");
      }
      out.name = std::move(name);
    }
    ForecastSpec& f = out.spec;
    f.mode = ForecastMode::kForecastOnly;  // AWS's default
    const YAML::Node* specs = obj.Find("MetricSpecifications");
    if (specs == nullptr) return Missing(obj, "MetricSpecifications");
    const std::string specs_path = Child(path, "MetricSpecifications");
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, ParseList(*specs, specs_path));
    if (items.size() != 1) {
      return ErrorAt(*specs, specs_path,
                     absl::StrCat("AWS takes exactly one metric specification, got ",
                                  items.size()));
    }
    AGENTSCALE_RETURN_IF_ERROR(ParseMetricSpecification(items[0], Index(specs_path, 0), &out));
    if (const YAML::Node* n = obj.Find("Mode")) {
      AGENTSCALE_ASSIGN_OR_RETURN(f.mode, ReadEnum(*n, Child(path, "Mode"), kModes));
    }
    if (const YAML::Node* n = obj.Find("SchedulingBufferTime")) {
      const std::string p = Child(path, "SchedulingBufferTime");
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t seconds, ReadInt32(*n, p));
      if (seconds < 0 || seconds >= 3600) {
        return ErrorAt(*n, p,
                       absl::StrCat("must be 0 or more and less than 3600 seconds, got ", seconds));
      }
      f.lead = absl::Seconds(seconds);
    }
    if (const YAML::Node* n = obj.Find("MaxCapacityBreachBehavior")) {
      AGENTSCALE_ASSIGN_OR_RETURN(f.max_breach,
                                  ReadEnum(*n, Child(path, "MaxCapacityBreachBehavior"), kBreach));
    }
    if (const YAML::Node* n = obj.Find("MaxCapacityBuffer")) {
      const std::string p = Child(path, "MaxCapacityBuffer");
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t buffer, ReadInt32(*n, p));
      if (buffer < 0 || buffer > 100) {
        return ErrorAt(*n, p, absl::StrCat("must be 0 to 100 (percent), got ", buffer));
      }
      if (f.max_breach != MaxCapacityBreach::kIncreaseMaxCapacity) {
        return ErrorAt(*n, p, "can be set only with MaxCapacityBreachBehavior IncreaseMaxCapacity");
      }
      f.max_capacity_buffer = buffer;
    }
    // What the AWS fields cannot say wrong is checked above; the rest as for
    // a Forecast.
    AGENTSCALE_RETURN_IF_ERROR(ErrorsAt(forecast::ValidateForecastSpec(f)));
    return out;
  }

 private:
  void Warn(const YAML::Node& node, const std::string& path, const std::string& what,
            LoadedForecast* out) const {
    out->warnings.push_back(std::string(ErrorAt(node.Mark(), path, what).message()));
  }

  absl::Status ParseMetricSpecification(const YAML::Node& node, const std::string& path,
                                        LoadedForecast* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj,
        ParseObject(node, path,
                    {"TargetValue", "PredefinedMetricPairSpecification",
                     "PredefinedScalingMetricSpecification", "PredefinedLoadMetricSpecification",
                     "CustomizedScalingMetricSpecification", "CustomizedLoadMetricSpecification",
                     "CustomizedCapacityMetricSpecification"}));
    const YAML::Node* target = obj.Find("TargetValue");
    if (target == nullptr) return Missing(obj, "TargetValue");
    AGENTSCALE_ASSIGN_OR_RETURN(double value, ReadNumber(*target, Child(path, "TargetValue")));
    if (!(value > 0)) {
      return ErrorAt(*target, Child(path, "TargetValue"),
                     absl::StrCat("must be greater than 0, got ", value));
    }
    out->spec.load_per_replica = value;
    // The load metric: a customized load metric, else a customized scaling
    // metric (the load is its total over the fleet), else a predefined one.
    for (const char* key :
         {"CustomizedLoadMetricSpecification", "CustomizedScalingMetricSpecification"}) {
      const YAML::Node* n = obj.Find(key);
      if (n == nullptr) continue;
      AGENTSCALE_ASSIGN_OR_RETURN(out->spec.metric, CustomizedMetricName(*n, Child(path, key)));
      return absl::OkStatus();
    }
    for (const char* key : {"PredefinedLoadMetricSpecification", "PredefinedMetricPairSpecification",
                            "PredefinedScalingMetricSpecification"}) {
      const YAML::Node* n = obj.Find(key);
      if (n == nullptr) continue;
      const std::string p = Child(path, key);
      AGENTSCALE_ASSIGN_OR_RETURN(Object pre,
                                  ParseObject(*n, p, {"PredefinedMetricType", "ResourceLabel"}));
      const YAML::Node* type = pre.Find("PredefinedMetricType");
      if (type == nullptr) return Missing(pre, "PredefinedMetricType");
      AGENTSCALE_ASSIGN_OR_RETURN(std::string t, ReadString(*type, Child(p, "PredefinedMetricType")));
      Warn(*type, Child(p, "PredefinedMetricType"),
           absl::StrCat(t, " is not simulated; the load is the policy's first metric, at ",
                        absl::StrFormat("%g", value), " per replica"),
           out);
      out->spec.metric.clear();
      return absl::OkStatus();
    }
    return ErrorAt(node, path,
                   "needs a metric: PredefinedMetricPairSpecification, a load metric or a "
                   "scaling metric");
  }

  // The metric a MetricDataQueries list returns: the query with ReturnData
  // (true unless set), which must be a MetricStat, not an expression.
  absl::StatusOr<std::string> CustomizedMetricName(const YAML::Node& node,
                                                   const std::string& path) {
    AGENTSCALE_ASSIGN_OR_RETURN(Object obj, ParseObject(node, path, {"MetricDataQueries"}));
    const YAML::Node* list = obj.Find("MetricDataQueries");
    if (list == nullptr) return Missing(obj, "MetricDataQueries");
    const std::string lpath = Child(path, "MetricDataQueries");
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> queries, ParseList(*list, lpath));
    const YAML::Node* returned = nullptr;
    std::string returned_path;
    for (size_t i = 0; i < queries.size(); ++i) {
      const std::string qpath = Index(lpath, i);
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object q, ParseObject(queries[i], qpath,
                                {"Id", "Expression", "Label", "MetricStat", "ReturnData"}));
      bool returns = true;
      if (const YAML::Node* r = q.Find("ReturnData")) {
        AGENTSCALE_ASSIGN_OR_RETURN(returns, ReadBool(*r, Child(qpath, "ReturnData")));
      }
      if (!returns) continue;
      if (returned != nullptr) {
        return ErrorAt(queries[i], qpath,
                       absl::StrCat("a second query with ReturnData true (the first is ",
                                    returned_path, "); exactly one must return data"));
      }
      returned = &queries[i];
      returned_path = qpath;
    }
    if (returned == nullptr) {
      return ErrorAt(*list, lpath, "no query returns data (ReturnData false on every one)");
    }
    AGENTSCALE_ASSIGN_OR_RETURN(Object q, ParseObject(*returned, returned_path,
                                                      {"Id", "Expression", "Label", "MetricStat",
                                                       "ReturnData"}));
    const YAML::Node* stat = q.Find("MetricStat");
    if (stat == nullptr) {
      if (q.Find("Expression") != nullptr) {
        return ErrorAt(*q.Find("Expression"), Child(returned_path, "Expression"),
                       "metric math is not evaluated; return a MetricStat naming the metric "
                       "the policy reads");
      }
      return Missing(q, "MetricStat");
    }
    const std::string spath = Child(returned_path, "MetricStat");
    AGENTSCALE_ASSIGN_OR_RETURN(Object s, ParseObject(*stat, spath, {"Metric", "Stat", "Unit"}));
    const YAML::Node* metric = s.Find("Metric");
    if (metric == nullptr) return Missing(s, "Metric");
    const std::string mpath = Child(spath, "Metric");
    AGENTSCALE_ASSIGN_OR_RETURN(Object m,
                                ParseObject(*metric, mpath, {"MetricName", "Namespace", "Dimensions"}));
    const YAML::Node* mn = m.Find("MetricName");
    if (mn == nullptr) return Missing(m, "MetricName");
    AGENTSCALE_ASSIGN_OR_RETURN(std::string name, ReadString(*mn, Child(mpath, "MetricName")));
    if (name.empty() || name.size() > 1024 || !PrintableAscii(name)) {
      return ErrorAt(*mn, Child(mpath, "MetricName"),
                     "must be 1 to 1024 printable ASCII characters (a metric name)");
    }
    return name;
  }

  absl::Status CheckName(const YAML::Node& n, const std::string& path) const {
    if (n.Scalar().size() > 256 || !PrintableAscii(n.Scalar())) {
      return ErrorAt(n, path, "must be at most 256 printable characters");
    }
    return absl::OkStatus();
  }

  absl::StatusOr<double> ReadNumber(const YAML::Node& node, const std::string& path) const {
    double v = 0;
    if (!node.IsScalar() || node.Tag() == "!" || !absl::SimpleAtod(node.Scalar(), &v) ||
        !std::isfinite(v)) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a number, got ", NodeKind(node),
                                  node.IsScalar() && node.Tag() == "!" ? " (quoted)" : ""));
    }
    return v;
  }

  absl::StatusOr<absl::Duration> ReadSeconds(const YAML::Node& node,
                                             const std::string& path) const {
    AGENTSCALE_ASSIGN_OR_RETURN(double v, ReadNumber(node, path));
    if (std::fabs(v) > 1e9) {
      return ErrorAt(node, path, absl::StrCat("must be at most 1e9 seconds, got ", v));
    }
    return absl::Milliseconds(std::llround(v * 1000));  // to the millisecond
  }

  absl::StatusOr<bool> ReadBool(const YAML::Node& node, const std::string& path) const {
    if (node.IsScalar() && node.Tag() != "!") {
      if (node.Scalar() == "true") return true;
      if (node.Scalar() == "false") return false;
    }
    return ErrorAt(node, path, absl::StrCat("must be true or false, got ", NodeKind(node)));
  }

  std::string source_name_;
};

}  // namespace

absl::StatusOr<LoadedForecast> LoadForecastString(const std::string& text,
                                                  const std::string& source_name) {
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(text, source_name));
    for (const YAML::Node& doc : docs) {
      if (!doc.IsDefined() || !doc.IsMap()) continue;
      ForecastParser parser(source_name);
      if (yaml_fields::TopLevelScalar(doc, "kind") == kForecastKind) {
        const std::string api = yaml_fields::TopLevelScalar(doc, "apiVersion");
        if (api != kForecastApiVersion) {
          return yaml_fields::Error(
              source_name, doc["apiVersion"] ? doc["apiVersion"].Mark() : doc.Mark(),
              "apiVersion",
              absl::StrCat("\"", api, "\" is not supported for a Forecast; only ",
                           kForecastApiVersion, " is"));
        }
        return parser.ParseForecast(doc);
      }
      if (doc["MetricSpecifications"]) return parser.ParsePredictive(doc, doc, "", "");
      if (const YAML::Node inner = doc["PredictiveScalingPolicyConfiguration"]) {
        if (const std::string type = yaml_fields::TopLevelScalar(doc, "PolicyType");
            !type.empty() && type != "PredictiveScaling") {
          return yaml_fields::Error(source_name, doc["PolicyType"].Mark(), "PolicyType",
                                    absl::StrCat("\"", type, "\" with a "
                                                 "PredictiveScalingPolicyConfiguration; "
                                                 "expected PredictiveScaling"));
        }
        return parser.ParsePredictive(doc, inner, "PredictiveScalingPolicyConfiguration",
                                      yaml_fields::TopLevelScalar(doc, "PolicyName"));
      }
      if (const YAML::Node list = doc["ScalingPolicies"]; list && list.IsSequence()) {
        for (size_t i = 0; i < list.size(); ++i) {
          const YAML::Node p = list[i];
          if (!p.IsMap() || !p["PredictiveScalingPolicyConfiguration"]) continue;
          return parser.ParsePredictive(
              doc, p["PredictiveScalingPolicyConfiguration"],
              absl::StrCat("ScalingPolicies[", i, "].PredictiveScalingPolicyConfiguration"),
              yaml_fields::TopLevelScalar(p, "PolicyName"));
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return yaml_fields::Error(source_name, e.mark, "", absl::StrCat("invalid YAML: ", e.msg));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source_name, ": no Forecast (", kForecastApiVersion,
      ") or PredictiveScalingPolicyConfiguration found"));
}

absl::StatusOr<LoadedForecast> LoadForecastFile(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text, yaml_fields::ReadConfigFile(path, "forecast"));
  return LoadForecastString(text, path);
}

std::string DumpForecast(const forecast::ForecastSpec& spec, const std::string& name) {
  YAML::Emitter e;
  e.SetDoublePrecision(17);
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << kForecastApiVersion;
  e << YAML::Key << "kind" << YAML::Value << kForecastKind;
  e << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap << YAML::Key << "name"
    << YAML::Value << name << YAML::EndMap;
  e << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "model" << YAML::Value << spec.model;
  e << YAML::Key << "season" << YAML::Value << spec.season;
  e << YAML::Key << "alpha" << YAML::Value << spec.alpha;
  e << YAML::Key << "beta" << YAML::Value << spec.beta;
  e << YAML::Key << "gamma" << YAML::Value << spec.gamma;
  e << YAML::Key << "phi" << YAML::Value << spec.phi;
  e << YAML::Key << "window" << YAML::Value << spec.window;
  e << YAML::Key << "coverage" << YAML::Value << spec.coverage;
  if (!spec.metric.empty()) {
    e << YAML::Key << "metric" << YAML::Value << YAML::DoubleQuoted << spec.metric;
  }
  e << YAML::Key << "loadPerReplica" << YAML::Value << spec.load_per_replica;
  e << YAML::Key << "stepSeconds" << YAML::Value << absl::ToDoubleSeconds(spec.step);
  e << YAML::Key << "leadSeconds" << YAML::Value << absl::ToDoubleSeconds(spec.lead);
  e << YAML::Key << "useUpper" << YAML::Value << (spec.use_upper ? "true" : "false");
  e << YAML::Key << "mode" << YAML::Value
    << (spec.mode == ForecastMode::kForecastOnly ? "ForecastOnly" : "ForecastAndScale");
  e << YAML::Key << "maxCapacityBreachBehavior" << YAML::Value
    << (spec.max_breach == MaxCapacityBreach::kIncreaseMaxCapacity ? "IncreaseMaxCapacity"
                                                                  : "HonorMaxCapacity");
  if (spec.max_capacity_buffer != 0) {
    e << YAML::Key << "maxCapacityBuffer" << YAML::Value << spec.max_capacity_buffer;
  }
  e << YAML::EndMap << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace agentscale::config
