// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Load test of agentscale serve: the gRPC server with N ScaledObjects (one
// engine each, an HPA deciding from a constant observation) on loopback,
// and a C++ gRPC client in the same process keeping K GetMetrics requests
// in flight (asynchronous stubs on one completion queue per client thread),
// spread over every ScaledObject, for S seconds. Prints requests per
// second and the latency percentiles (from sending a request to its
// completion reaching the client).
//
//   serve_load [--scaled-objects 1000] [--seconds 60] [--in-flight 64]
//              [--client-threads 1] [--channels 1] [--server-threads 8]
//              [--decide-interval 15] [--deadlock-detection off|on]
//
// --in-flight is per client thread; client thread t uses channel
// t mod --channels (a connection of its own).
//
// Both sides share the machine (2 cores here): the figures are for the
// server and its client together.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/serve/grpc_server.h"
#include "agentscale/serve/service.h"
#include "externalscaler.grpc.pb.h"

namespace {

namespace pb = ::externalscaler;
namespace serve = agentscale::serve;
using Clock = std::chrono::steady_clock;

struct Flags {
  int scaled_objects = 1000;
  double seconds = 60;
  int in_flight = 64;
  int client_threads = 1;
  int server_threads = 8;
  int channels = 1;
  double decide_interval = 15;
  bool deadlock_detection = false;
};

Flags Parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const std::string value = argv[i + 1];
    bool ok = true;
    if (name == "--scaled-objects") {
      ok = absl::SimpleAtoi(value, &f.scaled_objects) && f.scaled_objects > 0;
    } else if (name == "--seconds") {
      ok = absl::SimpleAtod(value, &f.seconds) && f.seconds > 0;
    } else if (name == "--in-flight") {
      ok = absl::SimpleAtoi(value, &f.in_flight) && f.in_flight > 0;
    } else if (name == "--client-threads") {
      ok = absl::SimpleAtoi(value, &f.client_threads) && f.client_threads > 0;
    } else if (name == "--server-threads") {
      ok = absl::SimpleAtoi(value, &f.server_threads) && f.server_threads > 1;
    } else if (name == "--channels") {
      ok = absl::SimpleAtoi(value, &f.channels) && f.channels > 0;
    } else if (name == "--deadlock-detection") {
      ok = value == "on" || value == "off";
      f.deadlock_detection = value == "on";
    } else if (name == "--decide-interval") {
      ok = absl::SimpleAtod(value, &f.decide_interval) && f.decide_interval >= 0;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "serve_load: bad flag %s %s\n", name.c_str(), value.c_str());
      std::exit(2);
    }
  }
  return f;
}

std::unique_ptr<agentscale::Policy> Hpa() {
  agentscale::hpa::AutoscalerSpec spec;
  spec.min_replicas = 1;
  spec.max_replicas = 100;
  spec.metrics = {agentscale::hpa::MetricSpec::ExternalAverageValue("queue_depth", 10'000)};
  spec.behavior = agentscale::hpa::DefaultBehavior();
  auto hpa = agentscale::HorizontalAutoscaler::Create(spec);
  if (!hpa.ok()) std::abort();
  return std::make_unique<agentscale::HorizontalAutoscaler>(std::move(*hpa));
}

// One client thread: `in_flight` GetMetrics calls always outstanding.
struct ClientThread {
  struct Call {
    grpc::ClientContext context;
    pb::GetMetricsResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<pb::GetMetricsResponse>> reader;
    Clock::time_point sent;
  };

  std::vector<int64_t> latencies_ns;
  int64_t errors = 0;

  void Run(pb::ExternalScaler::Stub* stub, const std::vector<pb::GetMetricsRequest>* requests,
           int in_flight, Clock::time_point measure_from, Clock::time_point until, size_t offset) {
    grpc::CompletionQueue cq;
    size_t next = offset;
    auto start = [&](Call* call) {
      call->sent = Clock::now();
      const pb::GetMetricsRequest& r = (*requests)[next++ % requests->size()];
      call->reader = stub->PrepareAsyncGetMetrics(&call->context, r, &cq);
      call->reader->StartCall();
      call->reader->Finish(&call->response, &call->status, call);
    };
    int outstanding = 0;
    for (int i = 0; i < in_flight; ++i) {
      start(new Call());
      ++outstanding;
    }
    void* tag = nullptr;
    bool ok = false;
    while (outstanding > 0 && cq.Next(&tag, &ok)) {
      auto* call = static_cast<Call*>(tag);
      const Clock::time_point now = Clock::now();
      --outstanding;
      if (now >= measure_from) {
        if (!ok || !call->status.ok() || call->response.metricvalues_size() != 1) {
          ++errors;
        } else {
          latencies_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(now - call->sent).count());
        }
      }
      delete call;
      if (now < until) {
        start(new Call());
        ++outstanding;
      }
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = Parse(argc, argv);
  // gRPC's locks are absl::Mutex; an abseil built without NDEBUG (Debian's)
  // checks every acquisition for lock-order cycles. agentscale-serve turns
  // that off; --deadlock-detection on measures with it.
  if (!flags.deadlock_detection) {
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  }
  serve::ServiceOptions options;
  options.decide_interval = absl::Seconds(flags.decide_interval);
  options.max_scaled_objects = static_cast<size_t>(flags.scaled_objects);
  serve::ScalerService service(options);
  auto source = std::make_shared<serve::FunctionSource>(
      [](absl::Time, const serve::ScaledObjectRef& ref, const agentscale::Policy& policy,
         agentscale::Observation* obs) {
        obs->current_replicas = 4;
        obs->AddReadyPods(4);
        obs->AddMetric(policy.metrics()[0].name)
            .AddExternalValue(static_cast<double>(10 + ref.name.size()));
        return absl::OkStatus();
      },
      "constant");
  if (!service.AddFleet({"agents", Hpa(), source}).ok()) return 1;
  serve::GrpcServerOptions server_options;
  server_options.address = "127.0.0.1:0";
  server_options.max_threads = flags.server_threads;
  auto server = serve::GrpcServer::Start(&service, server_options);
  if (!server.ok()) {
    std::fprintf(stderr, "serve_load: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  std::vector<pb::GetMetricsRequest> requests(static_cast<size_t>(flags.scaled_objects));
  for (int i = 0; i < flags.scaled_objects; ++i) {
    pb::GetMetricsRequest& r = requests[static_cast<size_t>(i)];
    r.mutable_scaledobjectref()->set_name(absl::StrCat("agents-", i));
    r.mutable_scaledobjectref()->set_namespace_("default");
    (*r.mutable_scaledobjectref()->mutable_scalermetadata())["fleet"] = "agents";
    (*r.mutable_scaledobjectref()->mutable_scalermetadata())["scalerAddress"] = "agentscale:9443";
    r.set_metricname("replicas");
  }
  // Channels with different arguments do not share a connection.
  std::vector<std::unique_ptr<pb::ExternalScaler::Stub>> stubs;
  for (int c = 0; c < flags.channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("agentscale.bench.channel", c);
    stubs.push_back(pb::ExternalScaler::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", (*server)->port()), grpc::InsecureChannelCredentials(),
        args)));
  }
  // Every ScaledObject's first request makes its engine and decides; a
  // warm-up second keeps that out of the figures.
  const Clock::time_point begin = Clock::now();
  const Clock::time_point measure_from = begin + std::chrono::seconds(1);
  const Clock::time_point until =
      measure_from + std::chrono::microseconds(static_cast<int64_t>(flags.seconds * 1e6));
  std::vector<ClientThread> clients(static_cast<size_t>(flags.client_threads));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < clients.size(); ++t) {
    threads.emplace_back([&, t] {
      clients[t].Run(stubs[t % stubs.size()].get(), &requests, flags.in_flight, measure_from, until,
                     t * requests.size() / clients.size());
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - measure_from).count();
  std::vector<int64_t> all;
  int64_t errors = 0;
  for (const ClientThread& c : clients) {
    all.insert(all.end(), c.latencies_ns.begin(), c.latencies_ns.end());
    errors += c.errors;
  }
  std::sort(all.begin(), all.end());
  auto pct = [&all](double p) -> double {
    if (all.empty()) return 0;
    const size_t i = std::min(all.size() - 1, static_cast<size_t>(p * (all.size() - 1) + 0.5));
    return static_cast<double>(all[i]) / 1e3;
  };
  std::printf(
      "serve_load: %d ScaledObjects, %d client thread(s) x %d in flight, %.1f s measured\n"
      "requests: %zu ok, %lld errors; %.0f requests/s\n"
      "latency (us): p50 %.0f, p90 %.0f, p99 %.0f, p99.9 %.0f, max %.0f\n"
      "engines: %zu\n",
      flags.scaled_objects, flags.client_threads, flags.in_flight, elapsed, all.size(),
      static_cast<long long>(errors), static_cast<double>(all.size()) / elapsed, pct(0.5),
      pct(0.9), pct(0.99), pct(0.999), all.empty() ? 0.0 : static_cast<double>(all.back()) / 1e3,
      service.engine_count());
  (*server)->Shutdown();
  return errors == 0 ? 0 : 1;
}
