// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale serve over real gRPC on loopback, with a real gRPC client made
// from the same proto: every RPC, the error codes, the bounds, and TLS (a
// client without the CA is refused; with it, served; mutual TLS refuses a
// client without a certificate).
#include "agentscale/serve/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/serve/pass_through.h"
#include "externalscaler.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::serve {
namespace {

namespace pb = ::externalscaler;
using ::testing::HasSubstr;

// Agents sized by a queue: 10 items per agent, 0..20 agents (scale to
// zero needs an External metric), no scale-down window.
std::unique_ptr<Policy> QueueHpa() {
  hpa::AutoscalerSpec spec;
  spec.name = "agents";
  spec.min_replicas = 0;
  spec.max_replicas = 20;
  spec.metrics = {hpa::MetricSpec::ExternalAverageValue("queue_depth", 10'000)};
  spec.behavior = hpa::DefaultBehavior();
  spec.behavior->scale_down.stabilization_window = absl::ZeroDuration();
  absl::StatusOr<HorizontalAutoscaler> hpa = HorizontalAutoscaler::Create(spec);
  EXPECT_TRUE(hpa.ok()) << hpa.status();
  return std::make_unique<HorizontalAutoscaler>(std::move(*hpa));
}

struct Load {
  std::atomic<double> queue{50};
  std::atomic<int> replicas{2};
};

std::shared_ptr<const ObservationSource> SourceFor(Load* load) {
  return std::make_shared<FunctionSource>(
      [load](absl::Time, const ScaledObjectRef&, const Policy& policy,
             Observation* obs) -> absl::Status {
        obs->current_replicas = load->replicas;
        obs->AddReadyPods(load->replicas);
        obs->AddMetric(policy.metrics().at(0).name).AddExternalValue(load->queue);
        return absl::OkStatus();
      },
      "test load");
}

pb::ScaledObjectRef ProtoRef(const std::string& name, const std::string& fleet) {
  pb::ScaledObjectRef ref;
  ref.set_name(name);
  ref.set_namespace_("default");
  (*ref.mutable_scalermetadata())["fleet"] = fleet;
  (*ref.mutable_scalermetadata())["scalerAddress"] = "ignored:9443";
  return ref;
}

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServiceOptions options;
    options.decide_interval = absl::ZeroDuration();
    service_ = std::make_unique<ScalerService>(options);
    ASSERT_TRUE(service_->AddFleet({"seed", QueueHpa(), SourceFor(&load_)}).ok());
  }

  std::unique_ptr<GrpcServer> StartServer(GrpcServerOptions options = {}) {
    options.address = "127.0.0.1:0";
    options.stream_period = absl::Milliseconds(20);
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        GrpcServer::Start(service_.get(), options);
    EXPECT_TRUE(server.ok()) << server.status();
    return server.ok() ? std::move(*server) : nullptr;
  }

  static std::unique_ptr<pb::ExternalScaler::Stub> Client(
      int port, std::shared_ptr<grpc::ChannelCredentials> creds =
                    grpc::InsecureChannelCredentials()) {
    grpc::ChannelArguments args;
    // The test certificate is for "localhost"; connect by address.
    args.SetSslTargetNameOverride("localhost");
    return pb::ExternalScaler::NewStub(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port), creds, args));
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  Load load_;
  std::unique_ptr<ScalerService> service_;
};

TEST_F(GrpcServerTest, EveryRpcAnswersAsKedaExpects) {
  std::unique_ptr<GrpcServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  auto stub = Client(server->port());

  pb::GetMetricSpecResponse spec;
  grpc::Status s = stub->GetMetricSpec(Context().get(), ProtoRef("agents", "seed"), &spec);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(spec.metricspecs_size(), 1);
  EXPECT_EQ(spec.metricspecs(0).metricname(), kPassThroughMetricName);
  EXPECT_EQ(spec.metricspecs(0).targetsizefloat(), kPassThroughTarget);
  EXPECT_EQ(spec.metricspecs(0).targetsize(), 1);

  // 50 queued items: 5 agents.
  pb::GetMetricsRequest request;
  *request.mutable_scaledobjectref() = ProtoRef("agents", "seed");
  request.set_metricname(kPassThroughMetricName);
  pb::GetMetricsResponse values;
  s = stub->GetMetrics(Context().get(), request, &values);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(values.metricvalues_size(), 1);
  EXPECT_EQ(values.metricvalues(0).metricname(), kPassThroughMetricName);
  EXPECT_EQ(values.metricvalues(0).metricvaluefloat(), 5.0);
  EXPECT_EQ(values.metricvalues(0).metricvalue(), 5);

  pb::IsActiveResponse active;
  s = stub->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(active.result());
}

TEST_F(GrpcServerTest, ErrorsKeepTheirCodes) {
  std::unique_ptr<GrpcServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto stub = Client(server->port());
  pb::IsActiveResponse active;
  grpc::Status s = stub->IsActive(Context().get(), ProtoRef("agents", "unknown"), &active);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(s.error_message(), HasSubstr("default/agents"));
  EXPECT_THAT(s.error_message(), HasSubstr("unknown"));

  pb::GetMetricsRequest request;
  *request.mutable_scaledobjectref() = ProtoRef("agents", "seed");
  request.set_metricname("s0-replicas");
  pb::GetMetricsResponse values;
  s = stub->GetMetrics(Context().get(), request, &values);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // An empty request (no name, no namespace) is refused, not a crash.
  s = stub->IsActive(Context().get(), pb::ScaledObjectRef(), &active);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // StreamMetricSpec is optional in the protocol: KEDA then pulls.
  grpc::ClientContext context;
  auto reader = stub->StreamMetricSpec(&context, ProtoRef("agents", "seed"));
  pb::GetMetricSpecResponse spec;
  EXPECT_FALSE(reader->Read(&spec));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcServerTest, OversizedRequestsAreRefused) {
  GrpcServerOptions options;
  options.max_request_bytes = 1024;
  std::unique_ptr<GrpcServer> server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto stub = Client(server->port());
  pb::ScaledObjectRef ref = ProtoRef("agents", "seed");
  (*ref.mutable_scalermetadata())["padding"] = std::string(4096, 'x');
  pb::IsActiveResponse active;
  grpc::Status s = stub->IsActive(Context().get(), ref, &active);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // The server still serves.
  s = stub->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(GrpcServerTest, StreamIsActiveSendsChanges) {
  std::unique_ptr<GrpcServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto stub = Client(server->port());
  grpc::ClientContext context;
  auto reader = stub->StreamIsActive(&context, ProtoRef("agents", "seed"));
  pb::IsActiveResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_TRUE(response.result());  // sent at once
  load_.queue = 0;  // no work: the HPA (min 0, scale to zero) wants 0
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_FALSE(response.result());
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(GrpcServerTest, ShutdownEndsOpenStreams) {
  std::unique_ptr<GrpcServer> server = StartServer();
  ASSERT_NE(server, nullptr);
  auto stub = Client(server->port());
  grpc::ClientContext context;
  auto reader = stub->StreamIsActive(&context, ProtoRef("agents", "seed"));
  pb::IsActiveResponse response;
  ASSERT_TRUE(reader->Read(&response));
  std::thread waiter([&server] { server->Wait(); });
  server->Shutdown(absl::Seconds(5));
  waiter.join();
  while (reader->Read(&response)) {
  }
  reader->Finish();
  server->Shutdown();  // twice is fine
}

TEST_F(GrpcServerTest, StartRefusesHalfATlsSetup) {
  GrpcServerOptions options;
  options.tls_cert_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_EQ(GrpcServer::Start(service_.get(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = GrpcServerOptions();
  options.tls_client_ca_pem = "-----BEGIN CERTIFICATE-----";
  EXPECT_EQ(GrpcServer::Start(service_.get(), options).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(GrpcServer::Start(nullptr, GrpcServerOptions()).ok());
}

// A CA, a server certificate for localhost and a client certificate, made
// with the openssl program (skipped, saying so, where it is missing).
class Pki {
 public:
  Pki() {
    char tmpl[] = "/tmp/agentscale-pki-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string d = dir_;
    const std::string quiet = " >/dev/null 2>&1";
    auto run = [&](const std::string& cmd) {
      if (std::system((cmd + quiet).c_str()) != 0) ok_ = false;
    };
    run("openssl version");
    if (!ok_) return;
    std::ofstream(d + "/server.ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout " + d +
        "/ca.key -out " + d + "/ca.pem");
    for (const std::string name : {"server", "client"}) {
      run("openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + d + "/" + name +
          ".key -out " + d + "/" + name + ".csr");
      run("openssl x509 -req -days 2 -in " + d + "/" + name + ".csr -CA " + d + "/ca.pem -CAkey " +
          d + "/ca.key -CAcreateserial -extfile " + d + "/server.ext -out " + d + "/" + name +
          ".pem");
    }
  }
  ~Pki() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string Read(const std::string& file) const {
    std::ifstream in(dir_ + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::string dir_;
  bool ok_ = true;
};

TEST_F(GrpcServerTest, TlsServesClientsThatTrustTheCaOnly) {
  Pki pki;
  if (!pki.ok()) GTEST_SKIP() << "the openssl program is missing or failed";
  GrpcServerOptions options;
  options.tls_cert_pem = pki.Read("server.pem");
  options.tls_key_pem = pki.Read("server.key");
  std::unique_ptr<GrpcServer> server = StartServer(options);
  ASSERT_NE(server, nullptr);
  pb::IsActiveResponse active;

  // Plaintext, and TLS without the CA (the system's roots do not know it):
  // refused.
  grpc::Status s =
      Client(server->port())->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  grpc::SslCredentialsOptions no_ca;
  no_ca.pem_root_certs = pki.Read("client.pem");  // some other certificate
  s = Client(server->port(), grpc::SslCredentials(no_ca))
          ->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);

  // With the CA: served.
  grpc::SslCredentialsOptions with_ca;
  with_ca.pem_root_certs = pki.Read("ca.pem");
  s = Client(server->port(), grpc::SslCredentials(with_ca))
          ->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(active.result());
}

TEST_F(GrpcServerTest, MutualTlsRefusesClientsWithoutACertificate) {
  Pki pki;
  if (!pki.ok()) GTEST_SKIP() << "the openssl program is missing or failed";
  GrpcServerOptions options;
  options.tls_cert_pem = pki.Read("server.pem");
  options.tls_key_pem = pki.Read("server.key");
  options.tls_client_ca_pem = pki.Read("ca.pem");
  std::unique_ptr<GrpcServer> server = StartServer(options);
  ASSERT_NE(server, nullptr);
  pb::IsActiveResponse active;
  grpc::SslCredentialsOptions ca_only;
  ca_only.pem_root_certs = pki.Read("ca.pem");
  grpc::Status s = Client(server->port(), grpc::SslCredentials(ca_only))
                       ->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  grpc::SslCredentialsOptions with_cert = ca_only;
  with_cert.pem_cert_chain = pki.Read("client.pem");
  with_cert.pem_private_key = pki.Read("client.key");
  s = Client(server->port(), grpc::SslCredentials(with_cert))
          ->IsActive(Context().get(), ProtoRef("agents", "seed"), &active);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

}  // namespace
}  // namespace agentscale::serve
