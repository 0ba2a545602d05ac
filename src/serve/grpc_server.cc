// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include "agentscale/serve/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agentscale/serve/pass_through.h"
#include "externalscaler.grpc.pb.h"

namespace agentscale::serve {
namespace {

namespace pb = ::externalscaler;

// absl's canonical codes are gRPC's, number for number.
grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

ScaledObjectRef FromProto(const pb::ScaledObjectRef& in) {
  ScaledObjectRef ref;
  ref.name = in.name();
  ref.namespace_name = in.namespace_();
  for (const auto& [k, v] : in.scalermetadata()) ref.scaler_metadata.emplace(k, v);
  return ref;
}

// Runs the requests that must decide (observe through the network, write
// state) off gRPC's callback threads: a fixed set of threads and a bounded
// queue.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  // False when the queue is full.
  bool Submit(std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= max_queued_) return false;
      queue_.push_back(std::move(task));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued ran
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

// The unary RPCs on gRPC's callback API: a request whose ScaledObject has a
// current decision is answered on the spot; one that must decide goes to
// the worker pool. StreamIsActive is a synchronous method (a thread per
// open stream, bounded by max_streams).
using CallbackBase = pb::ExternalScaler::WithCallbackMethod_IsActive<
    pb::ExternalScaler::WithCallbackMethod_GetMetricSpec<
        pb::ExternalScaler::WithCallbackMethod_GetMetrics<pb::ExternalScaler::Service>>>;

class ExternalScalerService final : public CallbackBase {
 public:
  ExternalScalerService(ScalerService* service, const GrpcServerOptions& options)
      : service_(service),
        options_(options),
        pool_(options.max_threads, static_cast<size_t>(options.max_queued)) {}

  grpc::ServerUnaryReactor* IsActive(grpc::CallbackServerContext* context,
                                     const pb::ScaledObjectRef* request,
                                     pb::IsActiveResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    ScaledObjectRef ref = FromProto(*request);
    int32_t desired = 0;
    if (service_->TryCurrent(ref, &desired)) {
      response->set_result(desired > 0);
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    Defer(reactor, [this, reactor, response, ref = std::move(ref)] {
      absl::StatusOr<bool> active = service_->IsActive(ref);
      if (active.ok()) response->set_result(*active);
      reactor->Finish(ToGrpc(active.status()));
    });
    return reactor;
  }

  grpc::ServerUnaryReactor* GetMetricSpec(grpc::CallbackServerContext* context,
                                          const pb::ScaledObjectRef* request,
                                          pb::GetMetricSpecResponse* response) override {
    // No decision, no I/O: answered on the spot.
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<std::vector<MetricSpecAnswer>> specs =
        service_->GetMetricSpec(FromProto(*request));
    if (specs.ok()) {
      for (const MetricSpecAnswer& a : *specs) {
        pb::MetricSpec* spec = response->add_metricspecs();
        spec->set_metricname(a.metric_name);
        spec->set_targetsize(static_cast<int64_t>(std::llround(a.target_size)));
        spec->set_targetsizefloat(a.target_size);
      }
    }
    reactor->Finish(ToGrpc(specs.status()));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetMetrics(grpc::CallbackServerContext* context,
                                       const pb::GetMetricsRequest* request,
                                       pb::GetMetricsResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    ScaledObjectRef ref = FromProto(request->scaledobjectref());
    int32_t desired = 0;
    if (request->metricname() == kPassThroughMetricName && service_->TryCurrent(ref, &desired)) {
      const ReportedValue v = ReportFor(desired);
      pb::MetricValue* value = response->add_metricvalues();
      value->set_metricname(kPassThroughMetricName);
      value->set_metricvalue(v.value);
      value->set_metricvaluefloat(v.value_float);
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    Defer(reactor, [this, reactor, request, response, ref = std::move(ref)] {
      absl::StatusOr<std::vector<MetricValueAnswer>> values =
          service_->GetMetrics(ref, request->metricname());
      if (values.ok()) {
        for (const MetricValueAnswer& a : *values) {
          pb::MetricValue* value = response->add_metricvalues();
          value->set_metricname(a.metric_name);
          value->set_metricvalue(a.value);
          value->set_metricvaluefloat(a.value_float);
        }
      }
      reactor->Finish(ToGrpc(values.status()));
    });
    return reactor;
  }

  grpc::Status StreamIsActive(grpc::ServerContext* context, const pb::ScaledObjectRef* request,
                              grpc::ServerWriter<pb::IsActiveResponse>* writer) override {
    if (streams_.fetch_add(1) >= options_.max_streams) {
      streams_.fetch_sub(1);
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                          absl::StrCat("at most ", options_.max_streams,
                                       " StreamIsActive streams are served at once"));
    }
    const ScaledObjectRef ref = FromProto(*request);
    std::optional<bool> sent;
    grpc::Status result = grpc::Status::OK;
    for (;;) {
      if (context->IsCancelled() || stopping()) break;
      absl::StatusOr<bool> active = service_->IsActive(ref);
      if (!active.ok()) {
        result = ToGrpc(active.status());
        break;
      }
      if (!sent.has_value() || *sent != *active) {
        pb::IsActiveResponse response;
        response.set_result(*active);
        if (!writer->Write(response)) break;  // the client left
        sent = *active;
      }
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.stream_period),
                   [this] { return stopping_; });
    }
    streams_.fetch_sub(1);
    return result;
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

 private:
  template <typename Task>
  void Defer(grpc::ServerUnaryReactor* reactor, Task task) {
    if (!pool_.Submit(std::move(task))) {
      reactor->Finish(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("more than ", options_.max_queued, " requests wait for a decision")));
    }
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  ScalerService* service_;
  GrpcServerOptions options_;
  std::atomic<int> streams_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  WorkerPool pool_;        // last: its threads stop first
};

}  // namespace

struct GrpcServer::Impl {
  std::unique_ptr<ExternalScalerService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::once_flag shutdown_once;
};

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GrpcServer::~GrpcServer() { Shutdown(); }

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(ScalerService* service,
                                                              const GrpcServerOptions& options) {
  if (service == nullptr) return absl::InvalidArgumentError("serve: no service");
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "serve: TLS needs both a certificate and its private key");
  }
  if (!options.tls_client_ca_pem.empty() && options.tls_cert_pem.empty()) {
    return absl::InvalidArgumentError(
        "serve: a client CA (mutual TLS) needs the server's certificate and key too");
  }
  if (options.max_request_bytes < 1 || options.max_threads < 1 || options.max_queued < 1 ||
      options.max_streams < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "serve: want max_request_bytes >= 1, max_threads >= 1, max_queued >= 1, "
        "max_streams >= 0; got ",
        options.max_request_bytes, ", ", options.max_threads, ", ", options.max_queued, ", ",
        options.max_streams));
  }
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (options.tls_cert_pem.empty()) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    grpc::SslServerCredentialsOptions ssl(
        options.tls_client_ca_pem.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = options.tls_client_ca_pem;
    ssl.pem_key_cert_pairs.push_back({options.tls_key_pem, options.tls_cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  auto impl = std::make_unique<Impl>();
  impl->service = std::make_unique<ExternalScalerService>(service, options);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, credentials, &impl->port);
  builder.RegisterService(impl->service.get());
  builder.SetMaxReceiveMessageSize(options.max_request_bytes);
  // The synchronous StreamIsActive takes a thread per open stream.
  grpc::ResourceQuota quota("agentscale-serve");
  quota.SetMaxThreads(options.max_streams + 4);
  builder.SetResourceQuota(quota);
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || impl->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("serve: cannot listen on ", options.address,
                     " (address in use, not an address, or bad TLS material)"));
  }
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

int GrpcServer::port() const { return impl_->port; }

void GrpcServer::Shutdown(absl::Duration deadline) {
  std::call_once(impl_->shutdown_once, [&] {
    impl_->service->Stop();
    impl_->server->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  });
}

void GrpcServer::Wait() { impl_->server->Wait(); }

}  // namespace agentscale::serve
