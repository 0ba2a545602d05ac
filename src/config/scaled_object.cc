// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The ScaledObject reader: KEDA's CRD fields (keda.sh/v1alpha1), strict like
// the API server with the CRD's schema, with KEDA's defaults and the
// trigger metadata each supported scaler reads.

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/formula.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/metrics/instant_query.h"
#include "agentscale/schedule/cron.h"
#include "agentscale/status_macros.h"
#include "scaled_object_parse.h"
#include "yaml_fields.h"
#include "yaml_reader.h"

namespace agentscale::config {
namespace {

using yaml_reader::Child;
using yaml_reader::Index;
using yaml_reader::NodeKind;
using yaml_reader::Object;
using yaml_reader::YamlReader;

// What agentscale knows of a scaler: the metadata key holding its target,
// the target's default (NaN: required), and the activation key.
struct ScalerInfo {
  const char* type;
  const char* target_key;
  double default_target;
  const char* activation_key;
  keda::TriggerKind kind;
};

constexpr double kRequired = NAN;

// Keys and defaults from each scaler's documentation (keda-docs 2.x
// reference/scalers/*.md).
const ScalerInfo kScalers[] = {
    {"prometheus", "threshold", kRequired, "activationThreshold", keda::TriggerKind::kExternal},
    {"aws-sqs-queue", "queueLength", 5, "activationQueueLength", keda::TriggerKind::kExternal},
    {"azure-queue", "queueLength", 5, "activationQueueLength", keda::TriggerKind::kExternal},
    {"azure-servicebus", "messageCount", 5, "activationMessageCount",
     keda::TriggerKind::kExternal},
    {"rabbitmq", "value", kRequired, "activationValue", keda::TriggerKind::kExternal},
    {"redis", "listLength", 5, "activationListLength", keda::TriggerKind::kExternal},
    {"kafka", "lagThreshold", 10, "activationLagThreshold", keda::TriggerKind::kExternal},
    {"nats-jetstream", "lagThreshold", 10, "activationLagThreshold",
     keda::TriggerKind::kExternal},
    {"gcp-pubsub", "value", 10, "activationValue", keda::TriggerKind::kExternal},
    {"metrics-api", "targetValue", kRequired, "activationTargetValue",
     keda::TriggerKind::kExternal},
    {"postgresql", "targetQueryValue", kRequired, "activationTargetQueryValue",
     keda::TriggerKind::kExternal},
    {"mysql", "queryValue", kRequired, "activationQueryValue", keda::TriggerKind::kExternal},
    // cron: desiredReplicas is the value, not the target (which is 1).
    {"cron", "desiredReplicas", kRequired, nullptr, keda::TriggerKind::kExternal},
    // external: the target is what the scaler's GetMetricSpec answers, not a
    // metadata key; agentscale serve answers 1 (serve/pass_through.h), which
    // replays assume. Every metadata key reaches the scaler as scalerMetadata.
    {"external", nullptr, 1, nullptr, keda::TriggerKind::kExternal},
    {"cpu", "value", kRequired, nullptr, keda::TriggerKind::kResource},
    {"memory", "value", kRequired, nullptr, keda::TriggerKind::kResource},
};

const ScalerInfo* FindScaler(const std::string& type) {
  for (const ScalerInfo& s : kScalers) {
    if (type == s.type) return &s;
  }
  return nullptr;
}

std::string ScalerNames() {
  std::vector<std::string> names;
  for (const ScalerInfo& s : kScalers) names.push_back(s.type);
  return absl::StrJoin(names, ", ");
}

class ScaledObjectParser : public YamlReader {
 public:
  ScaledObjectParser(const std::string& source, std::vector<std::string>* warnings)
      : YamlReader(source), warnings_(warnings) {}

  absl::StatusOr<keda::ScaledObjectSpec> Parse(const YAML::Node& doc) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object top, ParseObject(doc, "", {"apiVersion", "kind", "metadata", "spec", "status"}));
    keda::ScaledObjectSpec so;
    AGENTSCALE_RETURN_IF_ERROR(ParseMetadata(top, &so));
    const YAML::Node* spec = top.Find("spec");
    if (spec == nullptr) return Missing(top, "spec");
    AGENTSCALE_RETURN_IF_ERROR(ParseSpec(*spec, &so));
    AGENTSCALE_RETURN_IF_ERROR(ErrorsAt(keda::ValidateScaledObject(so)));
    if (so.scaling_modifiers.has_value()) {
      // Compiled as KEDA's admission webhook compiles it.
      std::vector<std::string> names;
      for (const keda::Trigger& t : so.triggers) names.push_back(t.name);
      absl::StatusOr<keda::Formula> f = keda::Formula::Parse(so.scaling_modifiers->formula, names);
      absl::Status st = f.ok() ? f->CheckKedaAdmission() : f.status();
      if (!st.ok()) {
        const std::string path = "spec.advanced.scalingModifiers.formula";
        return ErrorAt(MarkOf(path), path, std::string(st.message()));
      }
    }
    return so;
  }

 private:
  void Warn(const YAML::Mark& mark, const std::string& path, const std::string& message) {
    if (warnings_ != nullptr) {
      warnings_->push_back(std::string(ErrorAt(mark, path, message).message()));
    }
  }

  absl::StatusOr<bool> ReadBoolString(const YAML::Node& node, const std::string& path) {
    // Go's strconv.ParseBool, which KEDA uses for string flags.
    AGENTSCALE_ASSIGN_OR_RETURN(std::string text, ReadString(node, path));
    for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
      if (text == t) return true;
    }
    for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
      if (text == f) return false;
    }
    return ErrorAt(node, path, absl::StrCat("must be \"true\" or \"false\", got \"", text, "\""));
  }

  absl::StatusOr<bool> ReadBool(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar() || node.Tag() == "!") {
      return ErrorAt(node, path, absl::StrCat("must be a boolean, got ", NodeKind(node)));
    }
    const std::string text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    return ErrorAt(node, path, absl::StrCat("must be true or false, got \"", text, "\""));
  }

  // A number held in a string (KEDA's strconv.ParseFloat of metadata).
  absl::StatusOr<double> ReadNumberString(const YAML::Node& node, const std::string& path) {
    if (!node.IsScalar()) {
      return ErrorAt(node, path, absl::StrCat("must be a string, got ", NodeKind(node)));
    }
    const std::string text = node.Scalar();
    double value = 0;
    if (!absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
      return ErrorAt(node, path, absl::StrCat("must be a number, got \"", text, "\""));
    }
    return value;
  }

  // A string-valued metadata entry: the CRD types metadata as
  // map[string]string, so an unquoted number is refused by the API server.
  absl::StatusOr<std::string> ReadMetadataString(const YAML::Node& node,
                                                 const std::string& path) {
    if (!node.IsScalar()) {
      return ErrorAt(node, path, absl::StrCat("must be a string, got ", NodeKind(node)));
    }
    if (node.Tag() != "!" && !node.Scalar().empty()) {
      const std::string& text = node.Scalar();
      double unused = 0;
      const bool numeric = absl::SimpleAtod(text, &unused);
      const bool boolean = text == "true" || text == "false" || text == "True" ||
                           text == "False" || text == "TRUE" || text == "FALSE";
      if (numeric || boolean) {
        return ErrorAt(node, path,
                       absl::StrCat("must be a string (trigger metadata is map[string]string "
                                    "in KEDA's CRD); quote it: '",
                                    text, "'"));
      }
    }
    return node.Scalar();
  }

  absl::Status ParseMetadata(const Object& top, keda::ScaledObjectSpec* so) {
    const YAML::Node* meta = top.Find("metadata");
    if (meta == nullptr) return Missing(top, "metadata");
    if (!meta->IsMap()) {
      return ErrorAt(*meta, "metadata", absl::StrCat("must be a mapping, got ", NodeKind(*meta)));
    }
    std::optional<std::string> name;
    for (auto it = meta->begin(); it != meta->end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      const YAML::Node value = it->second;
      const std::string path = Child("metadata", key);
      marks_[path] = value.IsScalar() ? value.Mark() : it->first.Mark();
      if (value.IsNull()) continue;
      if (key == "name" || key == "namespace") {
        AGENTSCALE_ASSIGN_OR_RETURN(std::string text, ReadString(value, path));
        if (key == "name") {
          name = text;
        } else {
          so->namespace_name = text;
        }
      } else if (key == "annotations") {
        AGENTSCALE_RETURN_IF_ERROR(ParseAnnotations(value, so));
      }
    }
    if (!name.has_value() || name->empty()) {
      return ErrorAt(meta->Mark(), "metadata.name", "is required");
    }
    so->name = *name;
    return absl::OkStatus();
  }

  absl::Status ParseAnnotations(const YAML::Node& node, keda::ScaledObjectSpec* so) {
    if (!node.IsMap()) {
      return ErrorAt(node, "metadata.annotations",
                     absl::StrCat("must be a mapping, got ", NodeKind(node)));
    }
    constexpr char kPrefix[] = "autoscaling.keda.sh/";
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string key = it->first.Scalar();
      if (key.rfind(kPrefix, 0) != 0) continue;
      const std::string what = key.substr(sizeof(kPrefix) - 1);
      const std::string path = absl::StrCat("metadata.annotations[", key, "]");
      marks_[path] = it->second.Mark();
      if (what == "paused-replicas") {
        AGENTSCALE_ASSIGN_OR_RETURN(std::string text, ReadString(it->second, path));
        int32_t n = 0;
        if (!absl::SimpleAtoi(text, &n)) {
          return ErrorAt(it->second, path,
                         absl::StrCat("must be a whole number of replicas, got \"", text, "\""));
        }
        so->paused_replicas = n;
      } else if (what == "paused") {
        AGENTSCALE_ASSIGN_OR_RETURN(so->paused, ReadBoolString(it->second, path));
      } else if (what == "paused-scale-in") {
        AGENTSCALE_ASSIGN_OR_RETURN(so->paused_scale_in, ReadBoolString(it->second, path));
      } else if (what == "paused-scale-out") {
        AGENTSCALE_ASSIGN_OR_RETURN(so->paused_scale_out, ReadBoolString(it->second, path));
      } else if (what == "force-activation") {
        AGENTSCALE_ASSIGN_OR_RETURN(so->force_activation, ReadBoolString(it->second, path));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ReadSeconds(const Object& obj, const char* key, int32_t* out) {
    if (const YAML::Node* n = obj.Find(key)) {
      AGENTSCALE_ASSIGN_OR_RETURN(*out, ReadInt32(*n, Child(obj.path, key)));
    }
    return absl::OkStatus();
  }

  absl::Status ParseSpec(const YAML::Node& node, keda::ScaledObjectSpec* so) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj,
        ParseObject(node, "spec",
                    {"scaleTargetRef", "pollingInterval", "cooldownPeriod",
                     "initialCooldownPeriod", "idleReplicaCount", "minReplicaCount",
                     "maxReplicaCount", "fallback", "advanced", "triggers"}));
    const YAML::Node* ref = obj.Find("scaleTargetRef");
    if (ref == nullptr) return Missing(obj, "scaleTargetRef");
    {
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object r, ParseObject(*ref, "spec.scaleTargetRef",
                                {"apiVersion", "kind", "name", "envSourceContainerName"}));
      // KEDA defaults the target to an apps/v1 Deployment.
      so->scale_target_ref.api_version = "apps/v1";
      so->scale_target_ref.kind = "Deployment";
      AGENTSCALE_RETURN_IF_ERROR(OptString(r, "apiVersion", &so->scale_target_ref.api_version));
      AGENTSCALE_RETURN_IF_ERROR(OptString(r, "kind", &so->scale_target_ref.kind));
      AGENTSCALE_RETURN_IF_ERROR(OptString(r, "name", &so->scale_target_ref.name));
      if (so->scale_target_ref.name.empty()) return Missing(r, "name");
    }
    AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(obj, "pollingInterval", &so->polling_interval_seconds));
    AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(obj, "cooldownPeriod", &so->cooldown_period_seconds));
    AGENTSCALE_RETURN_IF_ERROR(
        ReadSeconds(obj, "initialCooldownPeriod", &so->initial_cooldown_period_seconds));
    AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(obj, "minReplicaCount", &so->min_replica_count));
    AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(obj, "maxReplicaCount", &so->max_replica_count));
    if (const YAML::Node* n = obj.Find("idleReplicaCount")) {
      AGENTSCALE_ASSIGN_OR_RETURN(so->idle_replica_count,
                                  ReadInt32(*n, "spec.idleReplicaCount"));
    }
    if (const YAML::Node* n = obj.Find("fallback")) {
      AGENTSCALE_RETURN_IF_ERROR(ParseFallback(*n, so));
    }
    if (const YAML::Node* n = obj.Find("advanced")) {
      AGENTSCALE_RETURN_IF_ERROR(ParseAdvanced(*n, so));
    }
    const YAML::Node* triggers = obj.Find("triggers");
    if (triggers == nullptr) return Missing(obj, "triggers");
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items,
                                ParseList(*triggers, "spec.triggers"));
    for (size_t i = 0; i < items.size(); ++i) {
      keda::Trigger t;
      AGENTSCALE_RETURN_IF_ERROR(ParseTrigger(items[i], i, &t));
      so->triggers.push_back(std::move(t));
    }
    return absl::OkStatus();
  }

  absl::Status ParseFallback(const YAML::Node& node, keda::ScaledObjectSpec* so) {
    static const std::vector<std::pair<const char*, keda::FallbackBehavior>> kBehaviors = {
        {"static", keda::FallbackBehavior::kStatic},
        {"currentReplicas", keda::FallbackBehavior::kCurrentReplicas},
        {"currentReplicasIfHigher", keda::FallbackBehavior::kCurrentReplicasIfHigher},
        {"currentReplicasIfLower", keda::FallbackBehavior::kCurrentReplicasIfLower}};
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object f, ParseObject(node, "spec.fallback", {"failureThreshold", "replicas", "behavior"}));
    keda::Fallback fb;
    const YAML::Node* threshold = f.Find("failureThreshold");
    if (threshold == nullptr) return Missing(f, "failureThreshold");
    AGENTSCALE_ASSIGN_OR_RETURN(fb.failure_threshold,
                                ReadInt32(*threshold, "spec.fallback.failureThreshold"));
    const YAML::Node* replicas = f.Find("replicas");
    if (replicas == nullptr) return Missing(f, "replicas");
    AGENTSCALE_ASSIGN_OR_RETURN(fb.replicas, ReadInt32(*replicas, "spec.fallback.replicas"));
    if (const YAML::Node* b = f.Find("behavior")) {
      AGENTSCALE_ASSIGN_OR_RETURN(fb.behavior,
                                  ReadEnum(*b, "spec.fallback.behavior", kBehaviors));
    }
    so->fallback = fb;
    return absl::OkStatus();
  }

  absl::Status ParseAdvanced(const YAML::Node& node, keda::ScaledObjectSpec* so) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object a, ParseObject(node, "spec.advanced",
                              {"restoreToOriginalReplicaCount", "horizontalPodAutoscalerConfig",
                               "scalingModifiers"}));
    if (const YAML::Node* n = a.Find("restoreToOriginalReplicaCount")) {
      AGENTSCALE_ASSIGN_OR_RETURN(so->restore_to_original_replica_count,
                                  ReadBool(*n, "spec.advanced.restoreToOriginalReplicaCount"));
    }
    if (const YAML::Node* n = a.Find("horizontalPodAutoscalerConfig")) {
      const std::string path = "spec.advanced.horizontalPodAutoscalerConfig";
      AGENTSCALE_ASSIGN_OR_RETURN(Object h, ParseObject(*n, path, {"name", "behavior"}));
      AGENTSCALE_RETURN_IF_ERROR(OptString(h, "name", &so->hpa_name));
      if (const YAML::Node* b = h.Find("behavior")) {
        AGENTSCALE_ASSIGN_OR_RETURN(so->behavior, ParseBehavior(*b, Child(path, "behavior")));
      }
    }
    if (const YAML::Node* n = a.Find("scalingModifiers")) {
      const std::string path = "spec.advanced.scalingModifiers";
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object m, ParseObject(*n, path, {"formula", "target", "activationTarget", "metricType"}));
      keda::ScalingModifiers sm;
      AGENTSCALE_RETURN_IF_ERROR(OptString(m, "formula", &sm.formula));
      if (const YAML::Node* t = m.Find("target")) {
        AGENTSCALE_ASSIGN_OR_RETURN(sm.target, ReadNumberString(*t, Child(path, "target")));
      } else {
        return Missing(m, "target");
      }
      if (const YAML::Node* t = m.Find("activationTarget")) {
        AGENTSCALE_ASSIGN_OR_RETURN(sm.activation_target,
                                    ReadNumberString(*t, Child(path, "activationTarget")));
      }
      if (const YAML::Node* t = m.Find("metricType")) {
        AGENTSCALE_ASSIGN_OR_RETURN(sm.metric_type, ReadMetricType(*t, Child(path, "metricType")));
      }
      so->scaling_modifiers = std::move(sm);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<hpa::MetricTargetType> ReadMetricType(const YAML::Node& node,
                                                       const std::string& path) {
    static const std::vector<std::pair<const char*, hpa::MetricTargetType>> kTypes = {
        {"AverageValue", hpa::MetricTargetType::kAverageValue},
        {"Value", hpa::MetricTargetType::kValue},
        {"Utilization", hpa::MetricTargetType::kUtilization}};
    return ReadEnum(node, path, kTypes);
  }

  // Public: the ScaledJob document (shares the trigger and metadata readers).
 public:
  absl::StatusOr<keda::ScaledJobSpec> ParseJob(const YAML::Node& doc) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object top, ParseObject(doc, "", {"apiVersion", "kind", "metadata", "spec", "status"}));
    keda::ScaledJobSpec sj;
    {
      // metadata: name, namespace and the paused annotation.
      keda::ScaledObjectSpec meta;
      AGENTSCALE_RETURN_IF_ERROR(ParseMetadata(top, &meta));
      sj.name = meta.name;
      sj.namespace_name = meta.namespace_name;
      sj.paused = meta.paused;
    }
    const YAML::Node* spec = top.Find("spec");
    if (spec == nullptr) return Missing(top, "spec");
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj,
        ParseObject(*spec, "spec",
                    {"jobTargetRef", "pollingInterval", "successfulJobsHistoryLimit",
                     "failedJobsHistoryLimit", "envSourceContainerName", "minReplicaCount",
                     "maxReplicaCount", "rolloutStrategy", "rollout", "scalingStrategy",
                     "triggers"}));
    const YAML::Node* job = obj.Find("jobTargetRef");
    if (job == nullptr) return Missing(obj, "jobTargetRef");
    {
      // A batch/v1 JobSpec; the pod template is not interpreted.
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object j, ParseObject(*job, "spec.jobTargetRef",
                                {"parallelism", "completions", "activeDeadlineSeconds",
                                 "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes",
                                 "template", "ttlSecondsAfterFinished", "completionMode",
                                 "suspend", "selector", "manualSelector", "podFailurePolicy",
                                 "podReplacementPolicy", "successPolicy", "managedBy"}));
      AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(j, "parallelism", &sj.parallelism));
      AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(j, "completions", &sj.completions));
      AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(j, "backoffLimit", &sj.backoff_limit));
      if (const YAML::Node* n = j.Find("activeDeadlineSeconds")) {
        AGENTSCALE_ASSIGN_OR_RETURN(sj.active_deadline_seconds,
                                    ReadInt32(*n, "spec.jobTargetRef.activeDeadlineSeconds"));
      }
      const YAML::Node* tmpl = j.Find("template");
      if (tmpl == nullptr) return Missing(j, "template");
      YAML::Emitter flow;
      flow.SetMapFormat(YAML::Flow);
      flow.SetSeqFormat(YAML::Flow);
      flow << *tmpl;
      sj.job_template_yaml = flow.c_str();
    }
    AGENTSCALE_RETURN_IF_ERROR(ReadSeconds(obj, "pollingInterval", &sj.polling_interval_seconds));
    AGENTSCALE_RETURN_IF_ERROR(
        ReadSeconds(obj, "successfulJobsHistoryLimit", &sj.successful_jobs_history_limit));
    AGENTSCALE_RETURN_IF_ERROR(
        ReadSeconds(obj, "failedJobsHistoryLimit", &sj.failed_jobs_history_limit));
    if (const YAML::Node* n = obj.Find("minReplicaCount")) {
      AGENTSCALE_ASSIGN_OR_RETURN(sj.min_replica_count, ReadInt32(*n, "spec.minReplicaCount"));
    }
    if (const YAML::Node* n = obj.Find("maxReplicaCount")) {
      AGENTSCALE_ASSIGN_OR_RETURN(sj.max_replica_count, ReadInt32(*n, "spec.maxReplicaCount"));
    }
    if (const YAML::Node* n = obj.Find("rolloutStrategy")) {
      AGENTSCALE_ASSIGN_OR_RETURN(sj.rollout_strategy, ReadString(*n, "spec.rolloutStrategy"));
      Warn(n->Mark(), "spec.rolloutStrategy", "is deprecated; use spec.rollout.strategy (keda#3596)");
    }
    if (const YAML::Node* n = obj.Find("rollout")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object r, ParseObject(*n, "spec.rollout", {"strategy", "propagationPolicy"}));
      // The deprecated field wins when both are set, as in KEDA.
      if (obj.Find("rolloutStrategy") == nullptr) {
        AGENTSCALE_RETURN_IF_ERROR(OptString(r, "strategy", &sj.rollout_strategy));
      }
    }
    if (const YAML::Node* n = obj.Find("scalingStrategy")) {
      static const std::vector<std::pair<const char*, keda::ScalingStrategy>> kStrategies = {
          {"default", keda::ScalingStrategy::kDefault},
          {"custom", keda::ScalingStrategy::kCustom},
          {"accurate", keda::ScalingStrategy::kAccurate},
          {"eager", keda::ScalingStrategy::kEager}};
      static const std::vector<std::pair<const char*, keda::MultipleScalersCalculation>> kCalc = {
          {"max", keda::MultipleScalersCalculation::kMax},
          {"min", keda::MultipleScalersCalculation::kMin},
          {"avg", keda::MultipleScalersCalculation::kAvg},
          {"sum", keda::MultipleScalersCalculation::kSum}};
      const std::string path = "spec.scalingStrategy";
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object st, ParseObject(*n, path,
                                 {"strategy", "customScalingQueueLengthDeduction",
                                  "customScalingRunningJobPercentage", "pendingPodConditions",
                                  "multipleScalersCalculation"}));
      if (const YAML::Node* v = st.Find("strategy")) {
        AGENTSCALE_ASSIGN_OR_RETURN(sj.strategy, ReadEnum(*v, Child(path, "strategy"), kStrategies));
      }
      if (const YAML::Node* v = st.Find("customScalingQueueLengthDeduction")) {
        AGENTSCALE_ASSIGN_OR_RETURN(
            sj.custom_queue_length_deduction,
            ReadInt32(*v, Child(path, "customScalingQueueLengthDeduction")));
      }
      if (const YAML::Node* v = st.Find("customScalingRunningJobPercentage")) {
        AGENTSCALE_ASSIGN_OR_RETURN(
            sj.custom_running_job_percentage,
            ReadString(*v, Child(path, "customScalingRunningJobPercentage")));
        double unused = 0;
        if (!absl::SimpleAtod(sj.custom_running_job_percentage, &unused)) {
          Warn(v->Mark(), Child(path, "customScalingRunningJobPercentage"),
               "is not a number: KEDA falls back to the default strategy");
        }
      }
      if (const YAML::Node* v = st.Find("pendingPodConditions")) {
        AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items,
                                    ParseList(*v, Child(path, "pendingPodConditions")));
        for (size_t i = 0; i < items.size(); ++i) {
          AGENTSCALE_ASSIGN_OR_RETURN(
              std::string c, ReadString(items[i], Index(Child(path, "pendingPodConditions"), i)));
          sj.pending_pod_conditions.push_back(std::move(c));
        }
      }
      if (const YAML::Node* v = st.Find("multipleScalersCalculation")) {
        AGENTSCALE_ASSIGN_OR_RETURN(
            sj.multiple_scalers_calculation,
            ReadEnum(*v, Child(path, "multipleScalersCalculation"), kCalc));
      }
    }
    const YAML::Node* triggers = obj.Find("triggers");
    if (triggers == nullptr) return Missing(obj, "triggers");
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items,
                                ParseList(*triggers, "spec.triggers"));
    for (size_t i = 0; i < items.size(); ++i) {
      keda::Trigger t;
      // KEDA's controller refuses metricType on a ScaledJob trigger.
      const YAML::Node& item = items[i];
      if (item.IsMap() && item["metricType"]) {
        const std::string path = Child(Index("spec.triggers", i), "metricType");
        return ErrorAt(item["metricType"].Mark(), path,
                       "cannot be set on a ScaledJob trigger (KEDA refuses it)");
      }
      AGENTSCALE_RETURN_IF_ERROR(ParseTrigger(items[i], i, &t));
      sj.triggers.push_back(std::move(t));
    }
    AGENTSCALE_RETURN_IF_ERROR(ErrorsAt(keda::ValidateScaledJob(sj)));
    return sj;
  }

 private:

  absl::Status ParseTrigger(const YAML::Node& node, size_t i, keda::Trigger* t) {
    const std::string path = Index("spec.triggers", i);
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object obj, ParseObject(node, path,
                                {"type", "name", "metadata", "metricType", "authenticationRef",
                                 "useCachedMetrics"}));
    const YAML::Node* type = obj.Find("type");
    if (type == nullptr) return Missing(obj, "type");
    AGENTSCALE_ASSIGN_OR_RETURN(t->type, ReadString(*type, Child(path, "type")));
    const ScalerInfo* info = FindScaler(t->type);
    if (info == nullptr) {
      return ErrorAt(*type, Child(path, "type"),
                     absl::StrCat("trigger type \"", t->type,
                                  "\" is not supported; supported: ", ScalerNames()));
    }
    t->kind = info->kind;
    AGENTSCALE_RETURN_IF_ERROR(OptString(obj, "name", &t->name));
    if (info->kind == keda::TriggerKind::kResource) {
      t->metric_type = hpa::MetricTargetType::kUtilization;
    }
    if (const YAML::Node* n = obj.Find("metricType")) {
      AGENTSCALE_ASSIGN_OR_RETURN(t->metric_type, ReadMetricType(*n, Child(path, "metricType")));
    }
    if (const YAML::Node* n = obj.Find("useCachedMetrics")) {
      AGENTSCALE_RETURN_IF_ERROR(ReadBool(*n, Child(path, "useCachedMetrics")).status());
    }
    if (const YAML::Node* n = obj.Find("authenticationRef")) {
      AGENTSCALE_RETURN_IF_ERROR(
          ParseObject(*n, Child(path, "authenticationRef"), {"name", "kind"}).status());
    }
    const std::string mpath = Child(path, "metadata");
    const YAML::Node* meta = obj.Find("metadata");
    if (meta == nullptr) return Missing(obj, "metadata");
    if (!meta->IsMap()) {
      return ErrorAt(*meta, mpath, absl::StrCat("must be a mapping, got ", NodeKind(*meta)));
    }
    std::optional<YAML::Node> target_node, activation_node;
    for (auto it = meta->begin(); it != meta->end(); ++it) {
      if (!it->first.IsScalar()) return ErrorAt(it->first, mpath, "keys must be strings");
      const std::string key = it->first.Scalar();
      const std::string kpath = Child(mpath, key);
      marks_[kpath] = it->second.Mark();
      if (it->second.IsNull()) continue;
      AGENTSCALE_ASSIGN_OR_RETURN(std::string value, ReadMetadataString(it->second, kpath));
      if (info->target_key != nullptr && key == info->target_key) target_node = it->second;
      if (info->activation_key != nullptr && key == info->activation_key) {
        activation_node = it->second;
      }
      if (t->type == "prometheus" && key == "ignoreNullValues") {
        AGENTSCALE_ASSIGN_OR_RETURN(t->ignore_null_values, ReadBoolString(it->second, kpath));
      }
      if (t->type == "prometheus" && key == "metricName") {
        Warn(it->second.Mark(), kpath,
             "is deprecated and ignored by KEDA 2.x (the metric is named s<index>-prometheus)");
      }
      if (key == "type" && info->kind == keda::TriggerKind::kResource) {
        Warn(it->second.Mark(), kpath, "is deprecated; use the trigger's metricType");
        if (value == "Utilization" || value == "AverageValue") {
          t->metric_type = value == "Utilization" ? hpa::MetricTargetType::kUtilization
                                                  : hpa::MetricTargetType::kAverageValue;
        }
      }
      t->metadata[key] = value;
    }
    if (target_node.has_value()) {
      AGENTSCALE_ASSIGN_OR_RETURN(t->target,
                                  ReadNumberString(*target_node, Child(mpath, info->target_key)));
    } else if (std::isnan(info->default_target)) {
      return ErrorAt(meta->Mark(), Child(mpath, info->target_key),
                     absl::StrCat("is required for a ", t->type, " trigger"));
    } else {
      t->target = info->default_target;
    }
    if (activation_node.has_value()) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          t->activation_target,
          ReadNumberString(*activation_node, Child(mpath, info->activation_key)));
    }
    if (t->type == "cron") AGENTSCALE_RETURN_IF_ERROR(ParseCron(*meta, mpath, t));
    if (t->type == "external" && t->metadata.find("scalerAddress") == t->metadata.end()) {
      // external_scaler.go parseExternalScalerMetadata: scalerAddress is required.
      return ErrorAt(meta->Mark(), Child(mpath, "scalerAddress"),
                     "is required for an external trigger");
    }
    if (t->type == "prometheus") {
      for (const char* required : {"serverAddress", "query"}) {
        if (t->metadata.find(required) == t->metadata.end()) {
          return ErrorAt(meta->Mark(), Child(mpath, required),
                         "is required for a prometheus trigger");
        }
      }
      absl::StatusOr<metrics::InstantQuery> q =
          metrics::InstantQuery::Parse(t->metadata["query"]);
      if (!q.ok()) {
        Warn(MarkOf(Child(mpath, "query")), Child(mpath, "query"),
             absl::StrCat("outside the query subset agentscale evaluates (",
                          q.status().message(),
                          "); the simulator reads the trace, or the agent model's queue, "
                          "as this trigger's value"));
      }
    }
    t->metric_name = info->kind == keda::TriggerKind::kResource
                         ? t->type
                         : keda::TriggerMetricName(*t, i);
    return absl::OkStatus();
  }

  // The cron scaler's metadata (cron_scaler.go cronMetadata: start, end,
  // timezone and desiredReplicas, all required; desiredReplicas an int64).
  absl::Status ParseCron(const YAML::Node& meta, const std::string& mpath, keda::Trigger* t) {
    for (const char* required : {"start", "end", "timezone"}) {
      if (t->metadata.find(required) == t->metadata.end()) {
        return ErrorAt(meta.Mark(), Child(mpath, required), "is required for a cron trigger");
      }
    }
    keda::CronTrigger cron;
    cron.start = t->metadata["start"];
    cron.end = t->metadata["end"];
    cron.timezone = t->metadata["timezone"];
    const std::string dpath = Child(mpath, "desiredReplicas");
    const std::string& desired = t->metadata["desiredReplicas"];
    if (!absl::SimpleAtoi(desired, &cron.desired_replicas)) {
      return ErrorAt(MarkOf(dpath), dpath,
                     absl::StrCat("must be a whole number, got \"", desired, "\""));
    }
    if (cron.desired_replicas < 0) {
      Warn(MarkOf(dpath), dpath,
           "is negative: KEDA accepts it and the HPA is asked for a negative count while the "
           "window is open (clamped to minReplicaCount)");
    }
    t->target = 1;
    if (absl::StatusOr<absl::TimeZone> zone = schedule::LoadZone(cron.timezone); !zone.ok()) {
      const std::string zpath = Child(mpath, "timezone");
      Warn(MarkOf(zpath), zpath,
           absl::StrCat(zone.status().message(),
                        ": KEDA accepts the object and every poll of this trigger fails "
                        "(the fallback, if any, applies)"));
    } else if (cron.timezone == "Local") {
      const std::string zpath = Child(mpath, "timezone");
      Warn(MarkOf(zpath), zpath,
           "\"Local\" is the KEDA operator's zone; agentscale reads it as UTC");
    }
    t->cron = std::move(cron);
    return absl::OkStatus();
  }

  std::vector<std::string>* warnings_;
};

}  // namespace

bool ScalerTargetKeys(const std::string& type, const char** target_key,
                      const char** activation_key) {
  const ScalerInfo* info = FindScaler(type);
  if (info == nullptr) return false;
  *target_key = info->target_key;
  *activation_key = info->activation_key;
  return true;
}

absl::StatusOr<keda::ScaledJobSpec> ParseScaledJobDocument(
    const YAML::Node& doc, const std::string& source, std::vector<std::string>* warnings) {
  ScaledObjectParser parser(source, warnings);
  return parser.ParseJob(doc);
}

absl::StatusOr<keda::ScaledObjectSpec> ParseScaledObjectDocument(
    const YAML::Node& doc, const std::string& source, std::vector<std::string>* warnings) {
  ScaledObjectParser parser(source, warnings);
  return parser.Parse(doc);
}

}  // namespace agentscale::config
