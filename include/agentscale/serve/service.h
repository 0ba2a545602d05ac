// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScalerService: KEDA's external-scaler protocol (externalscaler.proto:
// IsActive, GetMetricSpec, GetMetrics) answered by agentscale policies, for
// many ScaledObjects at once, without the transport (serve/grpc_server.h
// puts it on gRPC).
//
//   agentscale::serve::ServiceOptions options;
//   options.state_dir = "/var/lib/agentscale";   // survives restarts
//   agentscale::serve::ScalerService service(options);
//   service.AddFleet({"agents", std::move(hpa_policy), prometheus_source});
//   agentscale::serve::ScaledObjectRef ref{"agents", "default",
//                                          {{"fleet", "agents"}}};
//   auto values = service.GetMetrics(ref, "replicas");  // [{replicas, D}]
//
// Fleets and engines. A fleet is a policy configuration and where its
// observations come from; the ScaledObject names it in its trigger's
// metadata (`fleet: agents`; without it, the ScaledObject's own name).
// Each ScaledObject (namespace/name) gets its own engine, a copy of the
// fleet's policy, made at its first request.
//
// Decisions. A request for a ScaledObject whose last decision is older than
// the decision interval (the policy's sync period, else 15 s) observes the
// fleet, decides at `now` from the clock, and commits the decision: the
// ScaledObject agentscale generates (serve/pass_through.h) makes the HPA
// apply it exactly. Requests in between answer the last decision. IsActive
// is desired > 0; GetMetrics reports ReportFor(desired).
//
// Missing data. A metric that cannot be read enters the observation as that
// metric's error, and the policy does what it does with failed metrics (the
// HPA: never scale down on them). When nothing can be read (the source
// fails), the ScaledObject keeps its last decision (held) and is not
// re-decided until the next interval; with no decision yet, the request
// fails (UNAVAILABLE), which KEDA counts towards its own fallback.
//
// State. With a state directory, each engine's state (its policy's
// recommendations and scale events, and the last decision) is written after
// every decision, atomically (a temporary file renamed over the old one),
// to <state_dir>/<namespace>.<name>.json, and read back when the engine is
// made: a restart in the middle of a stabilization window keeps the window.
// A state file that does not load (another fleet, a changed policy) is
// reported through on_warning and ignored.
//
// Thread safety: every method may be called from any number of threads. One
// ScaledObject's decisions are serialized (its engine's mutex); different
// ScaledObjects decide in parallel. Observation sources are called with the
// engine's mutex held and must be safe to call from several threads for
// different ScaledObjects.
#ifndef AGENTSCALE_SERVE_SERVICE_H_
#define AGENTSCALE_SERVE_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/observation.h"
#include "agentscale/policy/policy.h"

namespace agentscale::serve {

// externalscaler.proto ScaledObjectRef.
struct ScaledObjectRef {
  std::string name;
  std::string namespace_name;
  std::map<std::string, std::string> scaler_metadata;
};

// "<namespace>/<name>".
std::string ScaledObjectKey(const ScaledObjectRef& ref);

// The metadata key naming the fleet.
inline constexpr char kFleetKey[] = "fleet";

// Where a fleet's observations come from.
class ObservationSource {
 public:
  virtual ~ObservationSource() = default;
  // Fills `obs` (empty on entry) for `policy`'s metrics at `now`: the
  // current replica count, the pods, one MetricObservation per metric of
  // policy.metrics(), named after it. A metric that cannot be read goes in
  // as that metric's error; an error return means nothing could be read.
  virtual absl::Status Observe(absl::Time now, const ScaledObjectRef& ref,
                               const Policy& policy, Observation* obs) const = 0;
  // One line for logs ("prometheus 10.0.0.5:9090, window 1m").
  virtual std::string Describe() const = 0;
};

// A source made of a function (tests, embedders with their own metrics).
class FunctionSource final : public ObservationSource {
 public:
  using Fn = std::function<absl::Status(absl::Time, const ScaledObjectRef&, const Policy&,
                                        Observation*)>;
  FunctionSource(Fn fn, std::string description)
      : fn_(std::move(fn)), description_(std::move(description)) {}
  absl::Status Observe(absl::Time now, const ScaledObjectRef& ref, const Policy& policy,
                       Observation* obs) const override {
    return fn_(now, ref, policy, obs);
  }
  std::string Describe() const override { return description_; }

 private:
  Fn fn_;
  std::string description_;
};

struct Fleet {
  std::string name;                // what `fleet:` names
  std::unique_ptr<Policy> policy;  // each ScaledObject decides with a copy
  std::shared_ptr<const ObservationSource> source;
};

// One decision, as logged and as the service remembers it.
struct DecisionRecord {
  std::string scaled_object;  // "<namespace>/<name>"
  std::string fleet;
  absl::Time time = absl::InfinitePast();
  int32_t current_replicas = 0;
  int32_t desired_replicas = 0;
  bool active = false;
  // The source failed: this is the previous decision, kept.
  bool held = false;
  std::string why;  // one line
};

// One JSON object per line, for structured logs:
// {"time":"...","scaledObject":"ns/name","fleet":"agents","current":3,
//  "desired":5,"active":true,"held":false,"why":"..."}.
std::string DecisionLogLine(const DecisionRecord& record);

struct ServiceOptions {
  // Where engine state is kept; empty: nowhere (a restart forgets).
  std::string state_dir;
  // How often one ScaledObject is re-decided; unset: its policy's
  // sync_period(), else 15 s. Zero: at every request.
  std::optional<absl::Duration> decide_interval;
  // The clock; unset: absl::Now.
  std::function<absl::Time()> clock;
  // At most this many ScaledObjects get an engine; requests for more fail
  // with RESOURCE_EXHAUSTED (memory stays bounded whatever clients send).
  size_t max_scaled_objects = 10'000;
  // Called after every decision (a log line sink); may be called from
  // several threads at once.
  std::function<void(const DecisionRecord&)> on_decision;
  // Called for what deserves a look but does not stop the service (a state
  // file that does not load, a state write that failed).
  std::function<void(const std::string&)> on_warning;
};

struct MetricSpecAnswer {
  std::string metric_name;
  double target_size = 0;
};

struct MetricValueAnswer {
  std::string metric_name;
  int64_t value = 0;
  double value_float = 0;
};

class ScalerService {
 public:
  explicit ScalerService(ServiceOptions options = {});
  ~ScalerService();
  ScalerService(const ScalerService&) = delete;
  ScalerService& operator=(const ScalerService&) = delete;

  // Adds a fleet. InvalidArgument without a name, policy or source;
  // AlreadyExists for a name already added.
  absl::Status AddFleet(Fleet fleet);
  std::vector<std::string> fleet_names() const;

  // The protocol. NOT_FOUND names a ScaledObject whose fleet is unknown (and
  // lists the known ones); INVALID_ARGUMENT an empty name or namespace, or a
  // metric name other than the one GetMetricSpec gives.
  absl::StatusOr<bool> IsActive(const ScaledObjectRef& ref);
  absl::StatusOr<std::vector<MetricSpecAnswer>> GetMetricSpec(const ScaledObjectRef& ref);
  absl::StatusOr<std::vector<MetricValueAnswer>> GetMetrics(const ScaledObjectRef& ref,
                                                            const std::string& metric_name);

  // The decision a request at `now` would answer (deciding if one is due).
  absl::StatusOr<DecisionRecord> Poll(const ScaledObjectRef& ref);
  // The fast path of a request: true, with the current decision's replica
  // count in *desired, when the ScaledObject has a decision that is not due
  // for re-deciding and its engine is free, found without waiting, observing
  // or allocating beyond the lookup key. False otherwise (a decision is due,
  // the engine is busy deciding, the ScaledObject or its fleet is unknown):
  // then Poll() (or the protocol calls) give the answer or the error.
  bool TryCurrent(const ScaledObjectRef& ref, int32_t* desired);
  // The last decision for "<namespace>/<name>", if any.
  std::optional<DecisionRecord> Latest(const std::string& scaled_object) const;
  // Number of ScaledObjects with an engine.
  size_t engine_count() const;

  // The state file of a ScaledObject ("" without a state directory).
  std::string StatePath(const ScaledObjectRef& ref) const;

  // Replaces every fleet (a reloaded configuration). Each existing engine
  // takes a copy of its fleet's new policy with its old state imported; an
  // engine whose state does not import (the policy changed shape) starts
  // afresh, with a warning; an engine whose fleet is gone answers NOT_FOUND
  // from then on. The same errors as AddFleet, and then nothing changes.
  absl::Status ReplaceFleets(std::vector<Fleet> fleets);

  // The service's own metrics, Prometheus text format: decisions, holds and
  // failed requests (by gRPC code) as counters; engines, and each
  // ScaledObject's desired replicas, as gauges.
  std::string RenderMetrics() const;

 private:
  struct Engine;
  absl::StatusOr<Engine*> EngineFor(const ScaledObjectRef& ref);
  absl::Time Now() const;
  void Warn(const std::string& message) const;

  ServiceOptions options_;
  mutable std::shared_mutex mu_;  // guards fleets_ and engines_
  std::map<std::string, Fleet> fleets_;
  absl::flat_hash_map<std::string, std::unique_ptr<Engine>> engines_;
  std::atomic<int64_t> decisions_{0};
  std::atomic<int64_t> holds_{0};
  mutable std::mutex errors_mu_;
  std::map<std::string, int64_t> errors_;  // by code name; guarded by errors_mu_
  void CountError(const absl::Status& s);
};

}  // namespace agentscale::serve

#endif  // AGENTSCALE_SERVE_SERVICE_H_
