// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include "agentscale/serve/service.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/state.h"
#include "agentscale/serve/pass_through.h"
#include "nlohmann/json.hpp"

namespace agentscale::serve {
namespace {

constexpr absl::Duration kDefaultDecideInterval = absl::Seconds(15);

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

// Writes `text` to `path` so that a reader (or a restart after a crash) sees
// the old file or the new one, never a part: a temporary file beside it,
// flushed to disk, renamed over it.
absl::Status WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat(tmp, ": cannot open: ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat(tmp, ": write failed: ", std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(tmp, ": cannot flush: ", std::strerror(e)));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return absl::InternalError(
        absl::StrCat(path, ": cannot replace with ", tmp, ": ", std::strerror(e)));
  }
  return absl::OkStatus();
}

// A namespace or name as part of a file name: [a-z0-9-] as is, anything
// else (the dots of DNS subdomains too, so that the '.' between namespace
// and name is unambiguous) escaped as _XX: two objects never share a file
// and nothing escapes the directory.
std::string FileSafe(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "_", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

std::string ScaledObjectKey(const ScaledObjectRef& ref) {
  return absl::StrCat(ref.namespace_name, "/", ref.name);
}

std::string DecisionLogLine(const DecisionRecord& r) {
  nlohmann::json j;
  j["time"] = Rfc3339(r.time);
  j["scaledObject"] = r.scaled_object;
  j["fleet"] = r.fleet;
  j["current"] = r.current_replicas;
  j["desired"] = r.desired_replicas;
  j["active"] = r.active;
  j["held"] = r.held;
  j["why"] = r.why;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct ScalerService::Engine {
  std::mutex mu;
  std::string key;
  std::string fleet;
  std::unique_ptr<Policy> policy;
  std::shared_ptr<const ObservationSource> source;
  absl::Duration interval = kDefaultDecideInterval;
  std::string state_path;
  Observation obs;
  Decision decision;
  std::optional<DecisionRecord> last;  // guarded by mu
  absl::Time next_due = absl::InfinitePast();
  bool orphaned = false;  // its fleet left the configuration; guarded by mu
};

ScalerService::ScalerService(ServiceOptions options) : options_(std::move(options)) {}
ScalerService::~ScalerService() = default;

absl::Time ScalerService::Now() const { return options_.clock ? options_.clock() : absl::Now(); }

void ScalerService::Warn(const std::string& message) const {
  if (options_.on_warning) options_.on_warning(message);
}

absl::Status ScalerService::AddFleet(Fleet fleet) {
  if (fleet.name.empty()) return absl::InvalidArgumentError("fleet: the name is empty");
  if (fleet.policy == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("fleet ", fleet.name, ": no policy"));
  }
  if (fleet.source == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("fleet ", fleet.name, ": no source"));
  }
  std::unique_lock lock(mu_);
  const std::string name = fleet.name;
  if (!fleets_.emplace(name, std::move(fleet)).second) {
    return absl::AlreadyExistsError(absl::StrCat("fleet ", name, " is already defined"));
  }
  return absl::OkStatus();
}

std::vector<std::string> ScalerService::fleet_names() const {
  std::shared_lock lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, fleet] : fleets_) names.push_back(name);
  return names;
}

size_t ScalerService::engine_count() const {
  std::shared_lock lock(mu_);
  return engines_.size();
}

std::string ScalerService::StatePath(const ScaledObjectRef& ref) const {
  if (options_.state_dir.empty()) return "";
  return absl::StrCat(options_.state_dir, "/", FileSafe(ref.namespace_name), ".",
                      FileSafe(ref.name), ".json");
}

absl::StatusOr<ScalerService::Engine*> ScalerService::EngineFor(const ScaledObjectRef& ref) {
  if (ref.name.empty() || ref.namespace_name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ScaledObjectRef needs a name and a namespace, got name \"", ref.name,
                     "\" and namespace \"", ref.namespace_name, "\""));
  }
  const std::string key = ScaledObjectKey(ref);
  auto fleet_name = [&ref]() -> const std::string& {
    auto it = ref.scaler_metadata.find(kFleetKey);
    return it != ref.scaler_metadata.end() && !it->second.empty() ? it->second : ref.name;
  };
  // An engine stays with the fleet it was made for, on either path below.
  auto existing = [&](Engine* e) -> absl::StatusOr<Engine*> {
    if (e->fleet != fleet_name()) {
      return absl::FailedPreconditionError(
          absl::StrCat("ScaledObject ", key, " is served as fleet \"", e->fleet,
                       "\"; its metadata now names fleet \"", fleet_name(),
                       "\" (restart the service to move it)"));
    }
    return e;
  };
  {
    std::shared_lock lock(mu_);
    auto it = engines_.find(key);
    if (it != engines_.end()) return existing(it->second.get());
  }
  std::unique_lock lock(mu_);
  auto it = engines_.find(key);
  if (it != engines_.end()) return existing(it->second.get());
  auto f = fleets_.find(fleet_name());
  if (f == fleets_.end()) {
    std::vector<std::string> names;
    for (const auto& [name, fleet] : fleets_) names.push_back(name);
    return absl::NotFoundError(absl::StrCat(
        "ScaledObject ", key, ": no fleet \"", fleet_name(), "\" (scalerMetadata.", kFleetKey,
        ", else the ScaledObject's name); fleets served: ",
        names.empty() ? "none" : absl::StrJoin(names, ", ")));
  }
  if (engines_.size() >= options_.max_scaled_objects) {
    return absl::ResourceExhaustedError(
        absl::StrCat("ScaledObject ", key, ": already serving ", engines_.size(),
                     " ScaledObjects, the most this service takes (max_scaled_objects)"));
  }
  auto engine = std::make_unique<Engine>();
  engine->key = key;
  engine->fleet = f->first;
  engine->policy = f->second.policy->Clone();
  engine->source = f->second.source;
  engine->interval = options_.decide_interval.value_or(
      engine->policy->sync_period().value_or(kDefaultDecideInterval));
  engine->state_path = StatePath(ref);
  if (!engine->state_path.empty()) {
    std::ifstream in(engine->state_path);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      absl::Status restored = [&]() -> absl::Status {
        nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
          return absl::InvalidArgumentError("not a JSON object");
        }
        if (j.value("fleet", "") != engine->fleet) {
          return absl::FailedPreconditionError(absl::StrCat(
              "written for fleet \"", j.value("fleet", ""), "\", not \"", engine->fleet, "\""));
        }
        if (!j.contains("policy")) return absl::InvalidArgumentError("no \"policy\"");
        absl::StatusOr<PolicyState> state = PolicyStateFromJson(j["policy"].dump());
        if (!state.ok()) return state.status();
        absl::Status imported = engine->policy->ImportPolicyState(*state);
        if (!imported.ok()) return imported;
        if (j.contains("decision") && j["decision"].is_object()) {
          const nlohmann::json& d = j["decision"];
          DecisionRecord r;
          r.scaled_object = key;
          r.fleet = engine->fleet;
          std::string err;
          if (!absl::ParseTime(absl::RFC3339_full, d.value("time", ""), &r.time, &err)) {
            return absl::InvalidArgumentError(absl::StrCat("decision.time: ", err));
          }
          r.current_replicas = d.value("current", 0);
          r.desired_replicas = d.value("desired", 0);
          r.active = d.value("active", false);
          r.why = d.value("why", "");
          engine->last = r;
          // A restart does not decide earlier than the interval would have.
          engine->next_due = r.time + engine->interval;
        }
        return absl::OkStatus();
      }();
      if (!restored.ok()) {
        Warn(absl::StrCat(engine->state_path, ": state not restored (", restored.message(),
                          "); ", key, " starts afresh"));
        engine->policy = f->second.policy->Clone();
        engine->last.reset();
        engine->next_due = absl::InfinitePast();
      }
    }
  }
  Engine* raw = engine.get();
  engines_.emplace(key, std::move(engine));
  return raw;
}

absl::StatusOr<DecisionRecord> ScalerService::Poll(const ScaledObjectRef& ref) {
  absl::StatusOr<Engine*> found = EngineFor(ref);
  if (!found.ok()) return found.status();
  Engine& e = **found;
  std::lock_guard lock(e.mu);
  if (e.orphaned) {
    return absl::NotFoundError(absl::StrCat("ScaledObject ", e.key, ": fleet \"", e.fleet,
                                            "\" is no longer configured"));
  }
  const absl::Time now = Now();
  if (e.last.has_value() && now < e.next_due) return *e.last;

  e.obs = Observation();
  absl::Status observed = e.source->Observe(now, ref, *e.policy, &e.obs);
  DecisionRecord r;
  r.scaled_object = e.key;
  r.fleet = e.fleet;
  r.time = now;
  if (!observed.ok()) {
    if (!e.last.has_value()) {
      return absl::UnavailableError(absl::StrCat("ScaledObject ", e.key, ": no decision yet: ",
                                                 e.source->Describe(), ": ",
                                                 observed.message()));
    }
    r.current_replicas = e.last->current_replicas;
    r.desired_replicas = e.last->desired_replicas;
    r.active = e.last->active;
    r.held = true;
    r.why = absl::StrCat("held at ", r.desired_replicas, ": ", e.source->Describe(), ": ",
                         observed.message());
  } else {
    absl::Status decided = e.policy->Decide(now, e.obs, &e.decision);
    if (!decided.ok()) {
      if (!e.last.has_value()) {
        return absl::UnavailableError(
            absl::StrCat("ScaledObject ", e.key, ": no decision yet: ", decided.message()));
      }
      r.current_replicas = e.last->current_replicas;
      r.desired_replicas = e.last->desired_replicas;
      r.active = e.last->active;
      r.held = true;
      r.why = absl::StrCat("held at ", r.desired_replicas, ": ", decided.message());
    } else {
      if (e.decision.rescale) {
        // The pass-through ScaledObject makes Kubernetes apply it as is.
        absl::Status committed = e.policy->Commit(e.decision);
        if (!committed.ok()) Warn(absl::StrCat(e.key, ": commit: ", committed.message()));
      }
      r.current_replicas = e.decision.current_replicas;
      r.desired_replicas = e.decision.desired_replicas;
      r.active = r.desired_replicas > 0;
      r.why = e.decision.Explain();
    }
  }
  e.next_due = now + e.interval;
  e.last = r;
  ++decisions_;
  if (r.held) ++holds_;
  if (!e.state_path.empty()) {
    nlohmann::json j;
    j["scaledObject"] = e.key;
    j["fleet"] = e.fleet;
    j["policy"] = nlohmann::json::parse(PolicyStateToJson(e.policy->ExportPolicyState()),
                                        nullptr, false);
    j["decision"] = {{"time", Rfc3339(r.time)},
                     {"current", r.current_replicas},
                     {"desired", r.desired_replicas},
                     {"active", r.active},
                     {"why", r.why}};
    absl::Status written = WriteFileAtomically(
        e.state_path, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
    if (!written.ok()) Warn(std::string(written.message()));
  }
  if (options_.on_decision) options_.on_decision(r);
  return r;
}

absl::Status ScalerService::ReplaceFleets(std::vector<Fleet> fleets) {
  std::map<std::string, Fleet> next;
  for (Fleet& f : fleets) {
    if (f.name.empty()) return absl::InvalidArgumentError("fleet: the name is empty");
    if (f.policy == nullptr || f.source == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("fleet ", f.name, ": no policy or source"));
    }
    const std::string name = f.name;
    if (!next.emplace(name, std::move(f)).second) {
      return absl::AlreadyExistsError(absl::StrCat("fleet ", name, " is defined twice"));
    }
  }
  std::unique_lock lock(mu_);
  for (auto& [key, engine] : engines_) {
    std::lock_guard engine_lock(engine->mu);
    auto f = next.find(engine->fleet);
    if (f == next.end()) {
      engine->orphaned = true;
      continue;
    }
    engine->orphaned = false;
    std::unique_ptr<Policy> policy = f->second.policy->Clone();
    absl::Status imported = policy->ImportPolicyState(engine->policy->ExportPolicyState());
    if (!imported.ok()) {
      Warn(absl::StrCat(key, ": the reloaded policy of fleet ", engine->fleet,
                        " does not take the old state (", imported.message(),
                        "); it starts afresh"));
      policy = f->second.policy->Clone();
      engine->next_due = absl::InfinitePast();
    }
    engine->policy = std::move(policy);
    engine->source = f->second.source;
    engine->interval = options_.decide_interval.value_or(
        engine->policy->sync_period().value_or(kDefaultDecideInterval));
  }
  fleets_ = std::move(next);
  return absl::OkStatus();
}

std::string ScalerService::RenderMetrics() const {
  std::string out;
  absl::StrAppend(&out,
                  "# HELP agentscale_serve_decisions_total Decisions made (a held one counts).\n"
                  "# TYPE agentscale_serve_decisions_total counter\n"
                  "agentscale_serve_decisions_total ",
                  decisions_.load(), "\n",
                  "# HELP agentscale_serve_held_decisions_total Decisions that kept the previous "
                  "one because nothing could be observed.\n"
                  "# TYPE agentscale_serve_held_decisions_total counter\n"
                  "agentscale_serve_held_decisions_total ",
                  holds_.load(), "\n");
  absl::StrAppend(&out,
                  "# HELP agentscale_serve_request_errors_total Requests answered with an error, "
                  "by code.\n"
                  "# TYPE agentscale_serve_request_errors_total counter\n");
  {
    std::lock_guard lock(errors_mu_);
    for (const auto& [code, n] : errors_) {
      absl::StrAppend(&out, "agentscale_serve_request_errors_total{code=\"", code, "\"} ", n,
                      "\n");
    }
  }
  std::vector<std::pair<std::string, Engine*>> engines;
  {
    std::shared_lock lock(mu_);
    for (const auto& [key, e] : engines_) engines.emplace_back(key, e.get());
  }
  std::sort(engines.begin(), engines.end());
  absl::StrAppend(&out,
                  "# HELP agentscale_serve_scaled_objects ScaledObjects with an engine.\n"
                  "# TYPE agentscale_serve_scaled_objects gauge\n"
                  "agentscale_serve_scaled_objects ",
                  engines.size(), "\n",
                  "# HELP agentscale_serve_desired_replicas The last decision per ScaledObject.\n"
                  "# TYPE agentscale_serve_desired_replicas gauge\n");
  auto escape = [](const std::string& v) {
    return absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
  };
  for (const auto& [key, e] : engines) {
    std::lock_guard lock(e->mu);
    if (!e->last.has_value()) continue;
    absl::StrAppend(&out, "agentscale_serve_desired_replicas{scaled_object=\"", escape(key),
                    "\",fleet=\"", escape(e->fleet), "\"} ", e->last->desired_replicas, "\n");
  }
  return out;
}

bool ScalerService::TryCurrent(const ScaledObjectRef& ref, int32_t* desired) {
  Engine* e = nullptr;
  {
    std::shared_lock lock(mu_);
    auto it = engines_.find(ScaledObjectKey(ref));
    if (it == engines_.end()) return false;
    e = it->second.get();
  }
  auto fleet = ref.scaler_metadata.find(kFleetKey);
  const std::string& fleet_name =
      fleet != ref.scaler_metadata.end() && !fleet->second.empty() ? fleet->second : ref.name;
  if (fleet_name != e->fleet) return false;
  std::unique_lock lock(e->mu, std::try_to_lock);
  if (!lock.owns_lock() || e->orphaned || !e->last.has_value() || !(Now() < e->next_due)) {
    return false;
  }
  *desired = e->last->desired_replicas;
  return true;
}

std::optional<DecisionRecord> ScalerService::Latest(const std::string& scaled_object) const {
  Engine* e = nullptr;
  {
    std::shared_lock lock(mu_);
    auto it = engines_.find(scaled_object);
    if (it == engines_.end()) return std::nullopt;
    e = it->second.get();
  }
  std::lock_guard lock(e->mu);
  return e->last;
}

void ScalerService::CountError(const absl::Status& s) {
  std::lock_guard lock(errors_mu_);
  ++errors_[absl::StatusCodeToString(s.code())];
}

absl::StatusOr<bool> ScalerService::IsActive(const ScaledObjectRef& ref) {
  absl::StatusOr<DecisionRecord> r = Poll(ref);
  if (!r.ok()) {
    CountError(r.status());
    return r.status();
  }
  return r->active;
}

absl::StatusOr<std::vector<MetricSpecAnswer>> ScalerService::GetMetricSpec(
    const ScaledObjectRef& ref) {
  // Known ScaledObjects only: a typo shows at KEDA's first call.
  absl::StatusOr<Engine*> e = EngineFor(ref);
  if (!e.ok()) {
    CountError(e.status());
    return e.status();
  }
  return std::vector<MetricSpecAnswer>{{kPassThroughMetricName, kPassThroughTarget}};
}

absl::StatusOr<std::vector<MetricValueAnswer>> ScalerService::GetMetrics(
    const ScaledObjectRef& ref, const std::string& metric_name) {
  if (metric_name != kPassThroughMetricName) {
    absl::Status error = absl::InvalidArgumentError(
        absl::StrCat("ScaledObject ", ScaledObjectKey(ref), ": metric \"", metric_name,
                     "\" is not served; GetMetricSpec gives \"", kPassThroughMetricName, "\""));
    CountError(error);
    return error;
  }
  absl::StatusOr<DecisionRecord> r = Poll(ref);
  if (!r.ok()) {
    CountError(r.status());
    return r.status();
  }
  const ReportedValue v = ReportFor(r->desired_replicas);
  return std::vector<MetricValueAnswer>{{kPassThroughMetricName, v.value, v.value_float}};
}

}  // namespace agentscale::serve
