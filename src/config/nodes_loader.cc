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
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "agentscale/config/nodes.h"
#include "agentscale/nodes/scheduler.h"
#include "agentscale/nodes/spec.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"
#include "yaml_reader.h"

namespace agentscale::config {
namespace {

using nodes::AutoscalerProfile;
using nodes::NodePoolSpec;
using yaml_reader::Child;
using yaml_reader::Index;
using yaml_reader::NodeKind;
using yaml_reader::Object;
using yaml_reader::YamlReader;

constexpr size_t kMaxPools = 64;

// AKS profile keys the model has no counterpart for.
constexpr const char* kNotModelled[] = {
    "balance-similar-node-groups",   "skip-nodes-with-local-storage",
    "skip-nodes-with-system-pods",   "max-total-unready-percentage",
    "ok-total-unready-count",        "ignore-daemonsets-utilization",
    "daemonset-eviction-for-empty-nodes", "daemonset-eviction-for-occupied-nodes"};

const std::vector<std::pair<const char*, nodes::Reservation>> kReservations = {
    {"aks", nodes::Reservation::kAks},
    {"eks", nodes::Reservation::kEks},
    {"none", nodes::Reservation::kNone}};
const std::vector<std::pair<const char*, nodes::Expander>> kExpanders = {
    {"least-waste", nodes::Expander::kLeastWaste},
    {"random", nodes::Expander::kRandom},
    {"priority", nodes::Expander::kPriority}};
const std::vector<std::pair<const char*, nodes::FitStrategy>> kStrategies = {
    {"first-fit", nodes::FitStrategy::kFirstFit},
    {"best-fit", nodes::FitStrategy::kBestFit},
    {"least-allocated", nodes::FitStrategy::kLeastAllocated}};

// nodes::Validate*'s problems, one per line as "key: problem", as field
// errors under `path`.
std::vector<hpa::FieldError> Split(const absl::Status& s, const std::string& path) {
  std::vector<hpa::FieldError> out;
  for (absl::string_view part : absl::StrSplit(s.message(), '\n')) {
    const size_t colon = part.find(": ");
    if (colon == absl::string_view::npos) {
      out.push_back({path, std::string(part)});
    } else {
      out.push_back({Child(path, std::string(part.substr(0, colon))),
                     std::string(part.substr(colon + 2))});
    }
  }
  return out;
}

class NodePoolsParser : public YamlReader {
 public:
  explicit NodePoolsParser(const std::string& source) : YamlReader(source) {}

  absl::StatusOr<LoadedNodePools> Parse(const YAML::Node& doc, bool single) {
    doc_mark_ = doc.Mark();
    AGENTSCALE_ASSIGN_OR_RETURN(Object top,
                                ParseObject(doc, "", {"apiVersion", "kind", "metadata", "spec"}));
    LoadedNodePools out;
    if (const YAML::Node* meta = top.Find("metadata")) {
      AGENTSCALE_ASSIGN_OR_RETURN(Object m, ParseObject(*meta, "metadata", {"name"}));
      if (const YAML::Node* n = m.Find("name")) {
        AGENTSCALE_ASSIGN_OR_RETURN(out.name, ReadString(*n, "metadata.name"));
        if (out.name.empty() || out.name.size() > 253) {
          return ErrorAt(*n, "metadata.name", "must be 1 to 253 characters");
        }
      }
    }
    const YAML::Node* spec = top.Find("spec");
    if (spec == nullptr) return Missing(top, "spec");
    if (single) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object s, ParseObject(*spec, "spec",
                                {"name", "vmSize", "cpu", "memory", "pricePerHour", "reservation",
                                 "maxPods", "minCount", "maxCount", "nodeCount",
                                 "provisioningDelay", "priority", "autoscalerProfile",
                                 "scheduling"}));
      AGENTSCALE_RETURN_IF_ERROR(ParseCluster(s, &out));
      // Unnamed, the pool takes the document's name, which must then be a
      // pool's name.
      if (s.Find("name") == nullptr) {
        bool ok = !out.name.empty() && out.name.size() <= 63;
        for (char c : out.name) ok = ok && c > 0x20 && c < 0x7f;
        if (!ok) {
          return ErrorAt(MarkOf("metadata.name"), "metadata.name",
                         "names the pool (spec has no name), so must be 1 to 63 printable "
                         "characters without spaces");
        }
      }
      AGENTSCALE_ASSIGN_OR_RETURN(NodePoolSpec pool, ParsePool(s, out.name));
      out.pools.push_back(std::move(pool));
    } else {
      AGENTSCALE_ASSIGN_OR_RETURN(
          Object s, ParseObject(*spec, "spec", {"pools", "autoscalerProfile", "scheduling"}));
      AGENTSCALE_RETURN_IF_ERROR(ParseCluster(s, &out));
      const YAML::Node* list = s.Find("pools");
      if (list == nullptr) return Missing(s, "pools");
      AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> items, ParseList(*list, "spec.pools"));
      if (items.empty() || items.size() > kMaxPools) {
        return ErrorAt(*list, "spec.pools",
                       absl::StrCat("must list 1 to ", kMaxPools, " pools, got ", items.size()));
      }
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string path = Index("spec.pools", i);
        AGENTSCALE_ASSIGN_OR_RETURN(
            Object p, ParseObject(items[i], path,
                                  {"name", "vmSize", "cpu", "memory", "pricePerHour",
                                   "reservation", "maxPods", "minCount", "maxCount", "nodeCount",
                                   "provisioningDelay", "priority"}));
        if (p.Find("name") == nullptr) return Missing(p, "name");
        AGENTSCALE_ASSIGN_OR_RETURN(NodePoolSpec pool, ParsePool(p, ""));
        for (size_t j = 0; j < out.pools.size(); ++j) {
          if (out.pools[j].name == pool.name) {
            return ErrorAt(MarkOf(Child(path, "name")), Child(path, "name"),
                           absl::StrCat("\"", pool.name, "\" is also spec.pools[", j,
                                        "]'s name"));
          }
        }
        out.pools.push_back(std::move(pool));
      }
    }
    return out;
  }

 private:
  absl::Status ParseCluster(const Object& s, LoadedNodePools* out) {
    if (const YAML::Node* n = s.Find("scheduling")) {
      AGENTSCALE_ASSIGN_OR_RETURN(out->strategy,
                                  ReadEnum(*n, Child(s.path, "scheduling"), kStrategies));
    }
    out->profile = nodes::AksDefaultProfile();
    if (const YAML::Node* n = s.Find("autoscalerProfile")) {
      AGENTSCALE_RETURN_IF_ERROR(ParseProfile(*n, Child(s.path, "autoscalerProfile"), out));
    }
    return absl::OkStatus();
  }

  absl::Status Preset(const YAML::Node& n, const std::string& path, LoadedNodePools* out) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::string name, ReadString(n, path));
    absl::StatusOr<AutoscalerProfile> p = nodes::ProfilePreset(name);
    if (!p.ok()) return ErrorAt(n, path, std::string(p.status().message()));
    out->profile = *p;
    out->profile_preset = name;
    return absl::OkStatus();
  }

  absl::Status ParseProfile(const YAML::Node& node, const std::string& path,
                            LoadedNodePools* out) {
    if (node.IsScalar()) return Preset(node, path, out);
    AGENTSCALE_ASSIGN_OR_RETURN(
        Object o,
        ParseObject(node, path,
                    {"preset", "scan-interval", "scale-down-utilization-threshold",
                     "scale-down-unneeded-time", "scale-down-delay-after-add",
                     "scale-down-delay-after-delete", "scale-down-delay-after-failure",
                     "max-node-provision-time", "max-empty-bulk-delete", "expander",
                     "new-pod-scale-up-delay", "max-graceful-termination-sec",
                     "scale-down-unready-time", kNotModelled[0], kNotModelled[1],
                     kNotModelled[2], kNotModelled[3], kNotModelled[4], kNotModelled[5],
                     kNotModelled[6], kNotModelled[7]}));
    if (const YAML::Node* n = o.Find("preset")) {
      AGENTSCALE_RETURN_IF_ERROR(Preset(*n, Child(path, "preset"), out));
    }
    AutoscalerProfile& p = out->profile;
    for (auto [key, field] :
         {std::pair<const char*, absl::Duration*>{"scan-interval", &p.scan_interval},
          {"scale-down-unneeded-time", &p.scale_down_unneeded_time},
          {"scale-down-delay-after-add", &p.scale_down_delay_after_add},
          {"scale-down-delay-after-failure", &p.scale_down_delay_after_failure},
          {"max-node-provision-time", &p.max_node_provision_time},
          {"new-pod-scale-up-delay", &p.new_pod_scale_up_delay},
          {"scale-down-unready-time", &p.scale_down_unready_time}}) {
      if (const YAML::Node* n = o.Find(key)) {
        AGENTSCALE_ASSIGN_OR_RETURN(*field, ReadDuration(*n, Child(path, key)));
      }
    }
    if (const YAML::Node* n = o.Find("scale-down-delay-after-delete")) {
      AGENTSCALE_ASSIGN_OR_RETURN(absl::Duration d,
                                  ReadDuration(*n, Child(path, "scale-down-delay-after-delete")));
      p.scale_down_delay_after_delete = d;
    }
    if (const YAML::Node* n = o.Find("scale-down-utilization-threshold")) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          p.scale_down_utilization_threshold,
          ReadNumber(*n, Child(path, "scale-down-utilization-threshold")));
    }
    if (const YAML::Node* n = o.Find("max-empty-bulk-delete")) {
      AGENTSCALE_ASSIGN_OR_RETURN(p.max_empty_bulk_delete,
                                  ReadCount(*n, Child(path, "max-empty-bulk-delete")));
    }
    if (const YAML::Node* n = o.Find("max-graceful-termination-sec")) {
      AGENTSCALE_ASSIGN_OR_RETURN(int32_t s,
                                  ReadCount(*n, Child(path, "max-graceful-termination-sec")));
      p.max_graceful_termination = absl::Seconds(s);
    }
    if (const YAML::Node* n = o.Find("expander")) {
      AGENTSCALE_ASSIGN_OR_RETURN(p.expander, ReadEnum(*n, Child(path, "expander"), kExpanders));
    }
    for (const char* key : kNotModelled) {
      if (const YAML::Node* n = o.Find(key)) {
        if (!n->IsScalar()) {
          return ErrorAt(*n, Child(path, key), absl::StrCat("must be a scalar, got ", NodeKind(*n)));
        }
        out->warnings.push_back(std::string(
            ErrorAt(n->Mark(), Child(path, key), "accepted; not simulated by the node model")
                .message()));
      }
    }
    if (absl::Status s = nodes::ValidateProfile(p); !s.ok()) return ErrorsAt(Split(s, path));
    return absl::OkStatus();
  }

  absl::StatusOr<NodePoolSpec> ParsePool(const Object& o, const std::string& default_name) {
    NodePoolSpec pool;
    const std::string& path = o.path;
    pool.name = default_name;
    if (const YAML::Node* n = o.Find("name")) {
      AGENTSCALE_ASSIGN_OR_RETURN(pool.name, ReadString(*n, Child(path, "name")));
    }
    const YAML::Node* size = o.Find("vmSize");
    const bool custom = o.Find("cpu") || o.Find("memory") || o.Find("pricePerHour") ||
                        o.Find("reservation");
    if (size != nullptr && custom) {
      return ErrorAt(*size, Child(path, "vmSize"),
                     "give either vmSize or a custom size (cpu, memory, pricePerHour), not both");
    }
    if (size == nullptr && !custom) {
      return ErrorAt(o.node, path, "needs vmSize, or cpu, memory and pricePerHour");
    }
    if (size != nullptr) {
      AGENTSCALE_ASSIGN_OR_RETURN(pool.vm_size, ReadString(*size, Child(path, "vmSize")));
      if (pool.vm_size.empty()) return ErrorAt(*size, Child(path, "vmSize"), "must not be empty");
    }
    if (const YAML::Node* n = o.Find("cpu")) {
      AGENTSCALE_ASSIGN_OR_RETURN(pool.custom_cpu_milli, ReadQuantityMilli(*n, Child(path, "cpu")));
    }
    if (const YAML::Node* n = o.Find("memory")) {
      AGENTSCALE_ASSIGN_OR_RETURN(int64_t milli, ReadQuantityMilli(*n, Child(path, "memory")));
      pool.custom_memory_bytes = milli / 1000 + (milli % 1000 > 0 ? 1 : 0);
    }
    if (const YAML::Node* n = o.Find("pricePerHour")) {
      AGENTSCALE_ASSIGN_OR_RETURN(pool.custom_price_per_hour,
                                  ReadNumber(*n, Child(path, "pricePerHour")));
    }
    if (const YAML::Node* n = o.Find("reservation")) {
      AGENTSCALE_ASSIGN_OR_RETURN(pool.custom_reservation,
                                  ReadEnum(*n, Child(path, "reservation"), kReservations));
    }
    for (auto [key, field] : {std::pair<const char*, int32_t*>{"maxPods", &pool.max_pods},
                              {"minCount", &pool.min_count},
                              {"maxCount", &pool.max_count},
                              {"nodeCount", &pool.node_count},
                              {"priority", &pool.priority}}) {
      if (const YAML::Node* n = o.Find(key)) {
        AGENTSCALE_ASSIGN_OR_RETURN(*field, ReadInt32(*n, Child(path, key)));
      }
    }
    // Terraform's node_count defaults to min_count with autoscaling on.
    if (o.Find("nodeCount") == nullptr) pool.node_count = pool.min_count;
    if (o.Find("maxCount") == nullptr && o.Find("minCount") != nullptr) {
      return Missing(o, "maxCount");
    }
    if (const YAML::Node* n = o.Find("provisioningDelay")) {
      AGENTSCALE_ASSIGN_OR_RETURN(pool.provisioning_delay,
                                  ReadDuration(*n, Child(path, "provisioningDelay")));
    }
    if (absl::Status s = nodes::ValidatePool(pool); !s.ok()) return ErrorsAt(Split(s, path));
    if (absl::StatusOr<nodes::NodeShape> shape = nodes::ResolveShape(pool); !shape.ok()) {
      return ErrorAt(o.node, path, std::string(shape.status().message()));
    }
    return pool;
  }

  absl::StatusOr<double> ReadNumber(const YAML::Node& node, const std::string& path) const {
    double v = 0;
    // AKS's API takes the profile's values as strings: quoted numbers too.
    if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), &v) || !std::isfinite(v)) {
      return ErrorAt(node, path, absl::StrCat("must be a number, got ", NodeKind(node)));
    }
    return v;
  }

  // A non-negative integer, quoted or not (AKS's profile values are strings).
  absl::StatusOr<int32_t> ReadCount(const YAML::Node& node, const std::string& path) const {
    int32_t v = 0;
    if (!node.IsScalar() || node.Scalar().empty() ||
        node.Scalar().find_first_not_of("0123456789") != std::string::npos ||
        !absl::SimpleAtoi(node.Scalar(), &v)) {
      return ErrorAt(node, path,
                     absl::StrCat("must be a whole number (0 to 2147483647), got ", NodeKind(node)));
    }
    return v;
  }

  // "10s", "3m", "1h30m" (Go's duration form, as AKS writes them), or a
  // plain number of seconds.
  absl::StatusOr<absl::Duration> ReadDuration(const YAML::Node& node,
                                              const std::string& path) const {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      double seconds = 0;
      if (absl::SimpleAtod(text, &seconds) && std::isfinite(seconds) &&
          std::fabs(seconds) <= 1e9) {
        return absl::Milliseconds(std::llround(seconds * 1000));
      }
      absl::Duration d;
      if (text.size() <= 64 && absl::ParseDuration(text, &d) && d != absl::InfiniteDuration() &&
          d != -absl::InfiniteDuration()) {
        return d;
      }
    }
    return ErrorAt(node, path,
                   absl::StrCat("must be a duration such as 10s, 3m or 1h30m (or seconds), got ",
                                NodeKind(node)));
  }
};

}  // namespace

absl::StatusOr<LoadedNodePools> LoadNodePoolsString(const std::string& text,
                                                    const std::string& source_name) {
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(text, source_name));
    for (const YAML::Node& doc : docs) {
      if (!doc.IsDefined() || !doc.IsMap()) continue;
      const std::string kind = yaml_fields::TopLevelScalar(doc, "kind");
      if (kind != "NodePools" && kind != "NodePool") continue;
      YAML::Mark api_mark = doc.Mark();
      const std::string api = yaml_fields::TopLevelScalar(doc, "apiVersion", &api_mark);
      if (api != kNodePoolsApiVersion) {
        return yaml_fields::Error(source_name, api_mark, "apiVersion",
                                  absl::StrCat("\"", api.substr(0, 64), "\" is not supported for a ",
                                               kind, "; only ", kNodePoolsApiVersion, " is"));
      }
      NodePoolsParser parser(source_name);
      return parser.Parse(doc, kind == "NodePool");
    }
  } catch (const YAML::Exception& e) {
    return yaml_fields::Error(source_name, e.mark, "",
                              absl::StrCat("invalid YAML: ", e.msg.substr(0, 256)));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source_name, ": no NodePools or NodePool (", kNodePoolsApiVersion, ") document found"));
}

absl::StatusOr<LoadedNodePools> LoadNodePoolsFile(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text, yaml_fields::ReadConfigFile(path, "node pools"));
  return LoadNodePoolsString(text, path);
}

absl::StatusOr<LoadedNodePools> NodePoolsPreset(const std::string& name) {
  LoadedNodePools out;
  out.name = name;
  out.pools.push_back(nodes::SeedNodePool());
  if (name == "seed") {
    out.profile = nodes::AksDefaultProfile();
    out.profile_preset = "aks";
    return out;
  }
  if (name == "seed-aggressive") {
    out.profile = nodes::AksAggressiveProfile();
    out.profile_preset = "aks-aggressive";
    return out;
  }
  return absl::NotFoundError(absl::StrCat("unknown node pools preset \"", name.substr(0, 64),
                                          "\"; presets: seed, seed-aggressive"));
}

}  // namespace agentscale::config
