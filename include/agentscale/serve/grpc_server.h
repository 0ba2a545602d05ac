// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The ScalerService (serve/service.h) on gRPC, speaking KEDA's external
// scaler protocol (src/serve/proto/externalscaler.proto). Built when gRPC is
// (CMake: AGENTSCALE_WITH_GRPC; target agentscale::serve_grpc).
//
//   agentscale::serve::GrpcServerOptions options;
//   options.address = "0.0.0.0:9443";
//   auto server = agentscale::serve::GrpcServer::Start(&service, options);
//   if (!server.ok()) ...;
//   (*server)->Wait();  // until Shutdown() from another thread
//
// RPCs: IsActive, GetMetricSpec and GetMetrics answer from the service;
// StreamIsActive sends the answer at once, then again whenever it changes
// (checked every stream_period), until the client leaves or the server
// shuts down; StreamMetricSpec is UNIMPLEMENTED, which KEDA takes as
// "pull GetMetricSpec" (the pass-through spec never changes). Errors map
// to gRPC codes one to one (NOT_FOUND for an unknown ScaledObject, ...).
//
// Threads: IsActive, GetMetricSpec and GetMetrics run on gRPC's callback
// API. A request whose ScaledObject has a current decision
// (ScalerService::TryCurrent) is answered on gRPC's own thread at once; one
// that must decide (observe through Prometheus, write state) waits in a
// queue for one of max_threads worker threads. StreamIsActive takes a
// thread per open stream.
//
// Bounds: requests larger than max_request_bytes are refused by gRPC
// (RESOURCE_EXHAUSTED); at most max_queued requests wait for a worker (more
// get RESOURCE_EXHAUSTED); at most max_streams StreamIsActive streams are
// open (more get RESOURCE_EXHAUSTED).
//
// TLS: with a certificate and key the server speaks TLS only; with a CA as
// well, it also asks clients for a certificate signed by it (mutual TLS, as
// KEDA's external trigger sends with tlsClientCert/tlsClientKey) and refuses
// those without one.
#ifndef AGENTSCALE_SERVE_GRPC_SERVER_H_
#define AGENTSCALE_SERVE_GRPC_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/serve/service.h"

namespace agentscale::serve {

struct GrpcServerOptions {
  // host:port; port 0 picks a free one (GrpcServer::port()).
  std::string address = "0.0.0.0:9443";
  // PEM text (not paths): the server's certificate chain and private key;
  // both empty means plaintext.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  // PEM text of the CA whose client certificates are required (mutual TLS);
  // empty: clients are not asked for one.
  std::string tls_client_ca_pem;
  int max_request_bytes = 64 * 1024;
  int max_threads = 8;     // workers for requests that decide
  int max_queued = 4096;   // requests waiting for a worker
  int max_streams = 1024;
  absl::Duration stream_period = absl::Seconds(1);
};

class GrpcServer {
 public:
  // Starts serving `service` (which must outlive the server).
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(ScalerService* service,
                                                           const GrpcServerOptions& options);
  ~GrpcServer();  // shuts down
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  int port() const;
  // Ends the open streams, stops accepting requests, waits for those running
  // (at most `deadline`). Safe to call more than once and from any thread.
  void Shutdown(absl::Duration deadline = absl::Seconds(5));
  // Blocks until Shutdown().
  void Wait();

 private:
  struct Impl;
  explicit GrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace agentscale::serve

#endif  // AGENTSCALE_SERVE_GRPC_SERVER_H_
