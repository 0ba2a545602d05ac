// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/state_json.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "json_errors.h"
#include "utf8.h"
#include "nlohmann/json.hpp"

namespace agentscale {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "agentscale.state/v1";
// The highest metric index a first_failure_times entry may name.
constexpr int32_t kMaxFailureMetricIndex = 10000;

std::string TimeString(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

json Events(const std::vector<hpa::ScaleEvent>& events) {
  json a = json::array();
  for (const hpa::ScaleEvent& e : events) {
    a.push_back({{"replica_change", e.replica_change},
                 {"timestamp", TimeString(e.timestamp)},
                 {"outdated", e.outdated}});
  }
  return a;
}

// Reads with a path for every error.
class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}
  absl::Status error;

  bool Fail(const std::string& path, const std::string& why) {
    if (error.ok()) {
      error = absl::InvalidArgumentError(absl::StrCat(source_, ": ", path, ": ", why));
    }
    return false;
  }

  bool Time(const json& v, const std::string& path, absl::Time* out) {
    if (!v.is_string()) return Fail(path, "must be an RFC 3339 time string");
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, v.get<std::string>(), out, &err)) {
      return Fail(path, absl::StrCat("invalid time \"", v.get<std::string>(),
                                     "\": ", err));
    }
    return true;
  }

  bool Int32(const json& v, const std::string& path, int32_t* out) {
    if (!v.is_number_integer()) return Fail(path, "must be an integer");
    const int64_t x = v.get<int64_t>();
    if (x < INT32_MIN || x > INT32_MAX) return Fail(path, "out of int32 range");
    *out = static_cast<int32_t>(x);
    return true;
  }

  bool Keys(const json& obj, const std::string& path,
            std::initializer_list<const char*> allowed) {
    if (!obj.is_object()) return Fail(path, "must be an object");
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      bool ok = false;
      for (const char* k : allowed) ok |= it.key() == k;
      if (!ok) return Fail(absl::StrCat(path, ".", it.key()), "unknown field");
    }
    return true;
  }

  bool Events(const json& v, const std::string& path,
              std::vector<hpa::ScaleEvent>* out) {
    if (!v.is_array()) return Fail(path, "must be an array");
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string p = absl::StrCat(path, "[", i, "]");
      const json& e = v[i];
      if (!Keys(e, p, {"replica_change", "timestamp", "outdated"})) return false;
      hpa::ScaleEvent ev;
      if (!e.contains("replica_change") || !e.contains("timestamp")) {
        return Fail(p, "needs replica_change and timestamp");
      }
      if (!Int32(e["replica_change"], p + ".replica_change", &ev.replica_change)) {
        return false;
      }
      if (ev.replica_change < 0) {
        return Fail(p + ".replica_change", "must not be negative");
      }
      if (!Time(e["timestamp"], p + ".timestamp", &ev.timestamp)) return false;
      if (e.contains("outdated")) {
        if (!e["outdated"].is_boolean()) return Fail(p + ".outdated", "must be a boolean");
        ev.outdated = e["outdated"].get<bool>();
      }
      out->push_back(ev);
    }
    return true;
  }

 private:
  const std::string& source_;
};

}  // namespace

std::string StateToJson(const AutoscalerState& state, int indent) {
  json j;
  j["format"] = kFormat;
  if (state.recommendations.has_value()) {
    json a = json::array();
    for (const hpa::Recommendation& r : *state.recommendations) {
      a.push_back({{"replicas", r.replicas}, {"timestamp", TimeString(r.timestamp)}});
    }
    j["recommendations"] = std::move(a);
  } else {
    j["recommendations"] = nullptr;
  }
  j["scale_up_events"] = Events(state.scale_up_events);
  j["scale_down_events"] = Events(state.scale_down_events);
  json conds = json::array();
  for (const hpa::Condition& c : state.conditions) {
    json cj = {{"type", c.TypeName()},
               {"status", c.status ? "True" : "False"},
               {"reason", c.ReasonName()},
               {"message", c.Message()}};
    if (!c.detail.empty()) cj["detail"] = c.detail;
    if (c.replicas != 0) cj["replicas"] = c.replicas;
    conds.push_back(std::move(cj));
  }
  j["conditions"] = std::move(conds);
  j["desired_replicas"] = state.desired_replicas.has_value()
                              ? json(*state.desired_replicas)
                              : json(nullptr);
  j["last_scale_time"] = state.last_scale_time.has_value()
                             ? json(TimeString(*state.last_scale_time))
                             : json(nullptr);
  j["last_evaluation"] = state.last_evaluation.has_value()
                             ? json(TimeString(*state.last_evaluation))
                             : json(nullptr);
  // Written only when an External metric with a fallback is failing, so
  // that states without one keep their form.
  json failures = json::array();
  for (size_t i = 0; i < state.first_failure_times.size(); ++i) {
    if (state.first_failure_times[i].has_value()) {
      failures.push_back({{"metric", i},
                          {"first_failure_time", TimeString(*state.first_failure_times[i])}});
    }
  }
  if (!failures.empty()) j["first_failure_times"] = std::move(failures);
  return j.dump(indent);
}

absl::StatusOr<AutoscalerState> StateFromJson(const std::string& text,
                                              const std::string& source, size_t max_bytes) {
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", text.size(),
                                                   " bytes, over the limit of ", max_bytes,
                                                   " bytes"));
  }
  // The format nests three deep ($.conditions[i].field).
  json j;
  if (absl::Status st = internal::ParseBoundedJson(text, source, 8, &j); !st.ok()) return st;
  Reader rd(source);
  AutoscalerState s;
  if (!rd.Keys(j, "$",
               {"format", "recommendations", "scale_up_events",
                "scale_down_events", "conditions", "desired_replicas",
                "last_scale_time", "last_evaluation", "first_failure_times"})) {
    return rd.error;
  }
  if (!j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != kFormat) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": $.format: must be \"", kFormat, "\""));
  }
  if (j.contains("recommendations") && !j["recommendations"].is_null()) {
    const json& a = j["recommendations"];
    if (!a.is_array()) {
      rd.Fail("$.recommendations", "must be an array or null");
      return rd.error;
    }
    s.recommendations.emplace();
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string p = absl::StrCat("$.recommendations[", i, "]");
      if (!rd.Keys(a[i], p, {"replicas", "timestamp"})) return rd.error;
      hpa::Recommendation r;
      if (!a[i].contains("replicas") || !a[i].contains("timestamp")) {
        rd.Fail(p, "needs replicas and timestamp");
        return rd.error;
      }
      if (!rd.Int32(a[i]["replicas"], p + ".replicas", &r.replicas) ||
          !rd.Time(a[i]["timestamp"], p + ".timestamp", &r.timestamp)) {
        return rd.error;
      }
      if (r.replicas < 0) {
        rd.Fail(p + ".replicas", "must not be negative");
        return rd.error;
      }
      s.recommendations->push_back(r);
    }
  }
  if (j.contains("scale_up_events") &&
      !rd.Events(j["scale_up_events"], "$.scale_up_events", &s.scale_up_events)) {
    return rd.error;
  }
  if (j.contains("scale_down_events") &&
      !rd.Events(j["scale_down_events"], "$.scale_down_events",
                 &s.scale_down_events)) {
    return rd.error;
  }
  if (j.contains("conditions")) {
    const json& a = j["conditions"];
    if (!a.is_array()) {
      rd.Fail("$.conditions", "must be an array");
      return rd.error;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string p = absl::StrCat("$.conditions[", i, "]");
      if (!rd.Keys(a[i], p, {"type", "status", "reason", "message", "detail",
                             "replicas"})) {
        return rd.error;
      }
      hpa::Condition c;
      const json& cj = a[i];
      if (!cj.contains("type") || !cj["type"].is_string()) {
        rd.Fail(p + ".type", "must be a condition type string");
        return rd.error;
      }
      std::optional<hpa::ConditionType> t =
          hpa::ParseConditionType(cj["type"].get<std::string>());
      if (!t) {
        rd.Fail(p + ".type", absl::StrCat("unknown condition type \"",
                                          cj["type"].get<std::string>(), "\""));
        return rd.error;
      }
      c.type = *t;
      if (!cj.contains("status") || !cj["status"].is_string() ||
          (cj["status"] != "True" && cj["status"] != "False")) {
        rd.Fail(p + ".status", "must be \"True\" or \"False\"");
        return rd.error;
      }
      c.status = cj["status"] == "True";
      if (!cj.contains("reason") || !cj["reason"].is_string()) {
        rd.Fail(p + ".reason", "must be a reason string");
        return rd.error;
      }
      std::optional<hpa::Reason> r =
          hpa::ParseReason(cj["reason"].get<std::string>());
      if (!r) {
        rd.Fail(p + ".reason", absl::StrCat("unknown reason \"",
                                            cj["reason"].get<std::string>(), "\""));
        return rd.error;
      }
      c.reason = *r;
      if (cj.contains("detail")) {
        if (!cj["detail"].is_string()) {
          rd.Fail(p + ".detail", "must be a string");
          return rd.error;
        }
        c.detail = cj["detail"].get<std::string>();
      }
      if (cj.contains("replicas") &&
          !rd.Int32(cj["replicas"], p + ".replicas", &c.replicas)) {
        return rd.error;
      }
      s.conditions.push_back(std::move(c));
    }
  }
  if (j.contains("desired_replicas") && !j["desired_replicas"].is_null()) {
    int32_t v;
    if (!rd.Int32(j["desired_replicas"], "$.desired_replicas", &v)) return rd.error;
    s.desired_replicas = v;
  }
  for (const auto& [key, field] :
       {std::make_pair("last_scale_time", &s.last_scale_time),
        std::make_pair("last_evaluation", &s.last_evaluation)}) {
    if (j.contains(key) && !j[key].is_null()) {
      absl::Time t;
      if (!rd.Time(j[key], absl::StrCat("$.", key), &t)) return rd.error;
      *field = t;
    }
  }
  if (j.contains("first_failure_times")) {
    const json& a = j["first_failure_times"];
    if (!a.is_array()) {
      rd.Fail("$.first_failure_times", "must be an array");
      return rd.error;
    }
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string p = absl::StrCat("$.first_failure_times[", i, "]");
      if (!rd.Keys(a[i], p, {"metric", "first_failure_time"})) return rd.error;
      if (!a[i].contains("metric") || !a[i].contains("first_failure_time")) {
        rd.Fail(p, "needs metric and first_failure_time");
        return rd.error;
      }
      int32_t metric;
      absl::Time t;
      if (!rd.Int32(a[i]["metric"], p + ".metric", &metric) ||
          !rd.Time(a[i]["first_failure_time"], p + ".first_failure_time", &t)) {
        return rd.error;
      }
      // A spec has at most as many metrics as a document can list; the
      // index also bounds the vector this builds.
      if (metric < 0 || metric >= kMaxFailureMetricIndex) {
        rd.Fail(p + ".metric", absl::StrCat("must be in [0, ", kMaxFailureMetricIndex, ")"));
        return rd.error;
      }
      const size_t m = static_cast<size_t>(metric);
      if (m < s.first_failure_times.size() && s.first_failure_times[m].has_value()) {
        rd.Fail(p + ".metric", absl::StrCat("metric ", metric, " is listed twice"));
        return rd.error;
      }
      if (m >= s.first_failure_times.size()) s.first_failure_times.resize(m + 1);
      s.first_failure_times[m] = t;
    }
  }
  if (absl::Status st = CheckStateTimes(s, source); !st.ok()) return st;
  return s;
}

}  // namespace agentscale
