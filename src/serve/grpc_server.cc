// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include "agentscale/serve/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

class ExternalScalerService final : public pb::ExternalScaler::Service {
 public:
  ExternalScalerService(ScalerService* service, const GrpcServerOptions& options)
      : service_(service), options_(options) {}

  grpc::Status IsActive(grpc::ServerContext*, const pb::ScaledObjectRef* request,
                        pb::IsActiveResponse* response) override {
    absl::StatusOr<bool> active = service_->IsActive(FromProto(*request));
    if (!active.ok()) return ToGrpc(active.status());
    response->set_result(*active);
    return grpc::Status::OK;
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

  grpc::Status GetMetricSpec(grpc::ServerContext*, const pb::ScaledObjectRef* request,
                             pb::GetMetricSpecResponse* response) override {
    absl::StatusOr<std::vector<MetricSpecAnswer>> specs =
        service_->GetMetricSpec(FromProto(*request));
    if (!specs.ok()) return ToGrpc(specs.status());
    for (const MetricSpecAnswer& a : *specs) {
      pb::MetricSpec* spec = response->add_metricspecs();
      spec->set_metricname(a.metric_name);
      spec->set_targetsize(static_cast<int64_t>(std::llround(a.target_size)));
      spec->set_targetsizefloat(a.target_size);
    }
    return grpc::Status::OK;
  }

  grpc::Status GetMetrics(grpc::ServerContext*, const pb::GetMetricsRequest* request,
                          pb::GetMetricsResponse* response) override {
    absl::StatusOr<std::vector<MetricValueAnswer>> values =
        service_->GetMetrics(FromProto(request->scaledobjectref()), request->metricname());
    if (!values.ok()) return ToGrpc(values.status());
    for (const MetricValueAnswer& a : *values) {
      pb::MetricValue* value = response->add_metricvalues();
      value->set_metricname(a.metric_name);
      value->set_metricvalue(a.value);
      value->set_metricvaluefloat(a.value_float);
    }
    return grpc::Status::OK;
  }

  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
  }

 private:
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
  if (options.max_request_bytes < 1 || options.max_threads < 2 || options.max_streams < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "serve: want max_request_bytes >= 1, max_threads >= 2, max_streams >= 0; got ",
        options.max_request_bytes, ", ", options.max_threads, ", ", options.max_streams));
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
  grpc::ResourceQuota quota("agentscale-serve");
  quota.SetMaxThreads(options.max_threads);
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
