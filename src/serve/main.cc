// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// agentscale-serve: KEDA's external scaler, backed by agentscale policies.
//
//   agentscale-serve --config DIR [--listen 0.0.0.0:9443] [--http-port 8080]
//       [--state-dir DIR] [--tls-cert F --tls-key F [--tls-client-ca F]]
//   agentscale-serve --config DIR --print-scaled-object FLEET
//       [--name N] [--namespace NS] [--scaler-address HOST:PORT] [--no-tolerance]
//
// DIR holds serve.yaml (config/serve.h) and the policy files it names. The
// service answers KEDA's IsActive, StreamIsActive, GetMetricSpec and
// GetMetrics on --listen; serves /healthz, /readyz and /metrics (its own
// metrics) on --http-port (0 picks a free port, -1 turns it off); logs each
// decision as one JSON line on stdout and problems on stderr; re-reads DIR
// on SIGHUP (a configuration that does not load is reported and the running
// one kept); ends on SIGTERM or SIGINT, letting running requests finish.
//
// --print-scaled-object writes the ScaledObject that makes Kubernetes follow
// the fleet's decisions exactly (serve/pass_through.h) and exits.
//
// Flags:
//   --config DIR            the configuration directory (required)
//   --listen HOST:PORT      the gRPC address (default 0.0.0.0:9443)
//   --http-port N           health and metrics port (default 8080)
//   --http-port-file PATH   write the HTTP port to PATH once listening
//   --grpc-port-file PATH   write the gRPC port to PATH once listening
//   --state-dir DIR         where engine state survives restarts (default:
//                           serve.yaml's stateDir; none if neither)
//   --tls-cert F --tls-key F    serve TLS with this PEM certificate and key
//   --tls-client-ca F       require client certificates signed by this CA
//   --decide-interval S     re-decide a ScaledObject at most every S seconds
//                           (default: its policy's sync period, else 15)
//   --max-scaled-objects N  bound on engines (default 10000)
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "agentscale/config/serve.h"
#include "agentscale/serve/fleets.h"
#include "agentscale/serve/grpc_server.h"
#include "agentscale/serve/pass_through.h"
#include "agentscale/serve/service.h"
#if AGENTSCALE_SERVE_HAVE_HTTP
#include "httplib.h"
#endif

namespace {

namespace serve = agentscale::serve;
namespace config = agentscale::config;

struct Flags {
  std::string config_dir;
  std::string listen = "0.0.0.0:9443";
  int http_port = 8080;
  std::string http_port_file;
  std::string grpc_port_file;
  std::string state_dir;
  std::string tls_cert, tls_key, tls_client_ca;
  double decide_interval = -1;
  int max_scaled_objects = 10'000;
  std::string print_fleet;
  std::string name, ns = "default", scaler_address;
  bool no_tolerance = false;
};

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "agentscale-serve: " << message << std::endl;
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i], value;
    if (name == "--no-tolerance") {
      f.no_tolerance = true;
      continue;
    }
    if (name == "--help" || name == "-h") {
      std::cout << "usage: agentscale-serve --config DIR [--listen HOST:PORT] "
                   "[--http-port N] [--state-dir DIR] [--tls-cert F --tls-key F "
                   "[--tls-client-ca F]] [--decide-interval S] [--max-scaled-objects N]\n"
                   "       agentscale-serve --config DIR --print-scaled-object FLEET "
                   "[--name N] [--namespace NS] [--scaler-address HOST:PORT] [--no-tolerance]\n";
      std::exit(0);
    }
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Fail(name + " needs a value");
    }
    auto integer = [&](int* out, int lo) {
      if (!absl::SimpleAtoi(value, out) || *out < lo) {
        Fail(absl::StrCat(name, ": \"", value, "\" is not an integer >= ", lo));
      }
    };
    if (name == "--config") {
      f.config_dir = value;
    } else if (name == "--listen") {
      f.listen = value;
    } else if (name == "--http-port") {
      integer(&f.http_port, -1);
      if (f.http_port > 65535) Fail("--http-port: want -1..65535");
    } else if (name == "--http-port-file") {
      f.http_port_file = value;
    } else if (name == "--grpc-port-file") {
      f.grpc_port_file = value;
    } else if (name == "--state-dir") {
      f.state_dir = value;
    } else if (name == "--tls-cert") {
      f.tls_cert = value;
    } else if (name == "--tls-key") {
      f.tls_key = value;
    } else if (name == "--tls-client-ca") {
      f.tls_client_ca = value;
    } else if (name == "--decide-interval") {
      if (!absl::SimpleAtod(value, &f.decide_interval) || !(f.decide_interval >= 0)) {
        Fail("--decide-interval: want seconds >= 0, got \"" + value + "\"");
      }
    } else if (name == "--max-scaled-objects") {
      integer(&f.max_scaled_objects, 1);
    } else if (name == "--print-scaled-object") {
      f.print_fleet = value;
    } else if (name == "--name") {
      f.name = value;
    } else if (name == "--namespace") {
      f.ns = value;
    } else if (name == "--scaler-address") {
      f.scaler_address = value;
    } else {
      Fail("unknown flag " + name + " (--help lists them)");
    }
  }
  if (f.config_dir.empty()) Fail("--config DIR is required");
  return f;
}

std::string ReadFileOrFail(const std::string& flag, const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) Fail(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WritePortFile(const std::string& path, int port) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << port << "\n";
  std::rename(tmp.c_str(), path.c_str());
}

int PrintScaledObject(const Flags& flags, const config::ServeConfig& cfg) {
  for (const config::ServeFleetConfig& f : cfg.fleets) {
    if (f.name != flags.print_fleet) continue;
    absl::StatusOr<std::unique_ptr<agentscale::Policy>> policy = serve::PolicyFor(f);
    if (!policy.ok()) Fail(std::string(policy.status().message()));
    serve::PassThroughOptions o;
    o.name = flags.name.empty() ? f.name : flags.name;
    o.namespace_name = flags.ns;
    o.fleet = f.name;
    o.min_replicas = (*policy)->min_replicas();
    o.max_replicas = serve::MaxReplicasFor(f, **policy);
    if (f.aws.has_value()) {
      // An ECS service has no Kubernetes target: the Deployment is taken to
      // be named after the fleet (edit the output if it is not).
      o.scale_target_ref.api_version = "apps/v1";
      o.scale_target_ref.kind = "Deployment";
      o.scale_target_ref.name = f.name;
    } else if (!f.policy.autoscalers.empty()) {
      o.scale_target_ref = f.policy.autoscalers[0].scale_target_ref;
    } else {
      o.scale_target_ref = f.policy.scaled_objects[0].scale_target_ref;
    }
    if (!flags.scaler_address.empty()) o.scaler_address = flags.scaler_address;
    o.set_tolerance = !flags.no_tolerance;
    absl::StatusOr<std::string> yaml = serve::PassThroughScaledObjectYaml(o);
    if (!yaml.ok()) Fail(std::string(yaml.status().message()));
    std::cout << *yaml;
    return 0;
  }
  Fail(absl::StrCat("--print-scaled-object: no fleet \"", flags.print_fleet, "\" in ",
                    cfg.source));
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  absl::StatusOr<config::ServeConfig> cfg = config::LoadServeConfigDir(flags.config_dir);
  if (!cfg.ok()) Fail(std::string(cfg.status().message()));
  for (const std::string& w : cfg->warnings) std::cerr << "warning: " << w << "\n";
  if (!flags.print_fleet.empty()) return PrintScaledObject(flags, *cfg);
  // gRPC's locks are absl::Mutex. An abseil built without NDEBUG (Debian's
  // is) checks each lock acquisition for lock-order cycles, which cost a
  // tenth of the GetMetrics throughput (docs/benchmarks.md §15).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Signals are taken by sigwait below, in the main thread only: block them
  // before any thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::mutex log_mu;
  serve::ServiceOptions options;
  options.state_dir = flags.state_dir.empty() ? cfg->state_dir : flags.state_dir;
  if (flags.decide_interval >= 0) {
    options.decide_interval = absl::Seconds(flags.decide_interval);
  }
  options.max_scaled_objects = static_cast<size_t>(flags.max_scaled_objects);
  options.on_decision = [&log_mu](const serve::DecisionRecord& r) {
    const std::string line = serve::DecisionLogLine(r);
    std::lock_guard lock(log_mu);
    std::cout << line << std::endl;
  };
  options.on_warning = [&log_mu](const std::string& w) {
    std::lock_guard lock(log_mu);
    std::cerr << "warning: " << w << std::endl;
  };
  if (!options.state_dir.empty() && ::access(options.state_dir.c_str(), W_OK) != 0) {
    Fail(absl::StrCat("state directory ", options.state_dir, " is not writable"));
  }
  serve::ScalerService service(options);
  absl::StatusOr<std::vector<serve::Fleet>> fleets = serve::FleetsFromConfig(*cfg);
  if (!fleets.ok()) Fail(std::string(fleets.status().message()));
  absl::Status replaced = service.ReplaceFleets(std::move(*fleets));
  if (!replaced.ok()) Fail(std::string(replaced.message()));

  serve::GrpcServerOptions grpc_options;
  grpc_options.address = flags.listen;
  grpc_options.tls_cert_pem = ReadFileOrFail("--tls-cert", flags.tls_cert);
  grpc_options.tls_key_pem = ReadFileOrFail("--tls-key", flags.tls_key);
  grpc_options.tls_client_ca_pem = ReadFileOrFail("--tls-client-ca", flags.tls_client_ca);
  absl::StatusOr<std::unique_ptr<serve::GrpcServer>> server =
      serve::GrpcServer::Start(&service, grpc_options);
  if (!server.ok()) Fail(std::string(server.status().message()));
  WritePortFile(flags.grpc_port_file, (*server)->port());

#if AGENTSCALE_SERVE_HAVE_HTTP
  httplib::Server http;
  std::thread http_thread;
  if (flags.http_port >= 0) {
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    http.Get("/readyz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    http.Get("/metrics", [&service](const httplib::Request&, httplib::Response& res) {
      res.set_content(service.RenderMetrics(), "text/plain; version=0.0.4; charset=utf-8");
    });
    int port = flags.http_port;
    if (port == 0) {
      port = http.bind_to_any_port("0.0.0.0");
    } else if (!http.bind_to_port("0.0.0.0", port)) {
      port = -1;
    }
    if (port <= 0) Fail(absl::StrCat("--http-port: cannot listen on port ", flags.http_port));
    http_thread = std::thread([&http] { http.listen_after_bind(); });
    WritePortFile(flags.http_port_file, port);
    std::cerr << "agentscale-serve: health and metrics on :" << port << std::endl;
  }
#else
  if (flags.http_port >= 0) {
    std::cerr << "agentscale-serve: built without cpp-httplib; no health or metrics port"
              << std::endl;
  }
#endif
  std::cerr << "agentscale-serve: serving " << service.fleet_names().size() << " fleets from "
            << cfg->source << " on " << flags.listen << " (port " << (*server)->port() << ")"
            << (grpc_options.tls_cert_pem.empty() ? "" : " with TLS")
            << (options.state_dir.empty() ? "; no state directory"
                                          : "; state in " + options.state_dir)
            << std::endl;

  // A schedule is laid out kScheduleHorizon (400 days) ahead of when its
  // fleet was built: 30 days before that runs out, the fleets of the running
  // configuration are rebuilt (the engines keep their state; a forecast
  // starts learning afresh, as after a reload).
  config::ServeConfig running = *cfg;
  absl::Time built = absl::Now();
  auto has_schedule = [](const config::ServeConfig& c) {
    for (const config::ServeFleetConfig& f : c.fleets) {
      if (f.schedule.has_value()) return true;
    }
    return false;
  };
  const timespec check_every{3600, 0};
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &check_every);
    if (sig < 0) {
      if (!has_schedule(running) ||
          absl::Now() - built < serve::kScheduleHorizon - absl::Hours(24 * 30)) {
        continue;
      }
      absl::StatusOr<std::vector<serve::Fleet>> rebuilt = serve::FleetsFromConfig(running);
      absl::Status refreshed =
          rebuilt.ok() ? service.ReplaceFleets(std::move(*rebuilt)) : rebuilt.status();
      if (refreshed.ok()) built = absl::Now();
      std::lock_guard lock(log_mu);
      if (!refreshed.ok()) {
        std::cerr << "agentscale-serve: rebuilding the fleets (their schedules) failed: "
                  << refreshed.message() << std::endl;
      }
      continue;
    }
    if (sig == SIGHUP) {
      absl::StatusOr<config::ServeConfig> next = config::LoadServeConfigDir(flags.config_dir);
      absl::Status reloaded = next.status();
      if (next.ok()) {
        absl::StatusOr<std::vector<serve::Fleet>> next_fleets = serve::FleetsFromConfig(*next);
        reloaded = next_fleets.ok() ? service.ReplaceFleets(std::move(*next_fleets))
                                    : next_fleets.status();
        if (reloaded.ok()) {
          running = std::move(*next);
          built = absl::Now();
        }
      }
      std::lock_guard lock(log_mu);
      if (reloaded.ok()) {
        std::cerr << "agentscale-serve: reloaded " << flags.config_dir << std::endl;
      } else {
        std::cerr << "agentscale-serve: reload failed, keeping the running configuration: "
                  << reloaded.message() << std::endl;
      }
      continue;
    }
    break;  // SIGTERM, SIGINT
  }
  std::cerr << "agentscale-serve: shutting down" << std::endl;
  (*server)->Shutdown(absl::Seconds(5));
#if AGENTSCALE_SERVE_HAVE_HTTP
  if (http_thread.joinable()) {
    http.stop();
    http_thread.join();
  }
#endif
  return 0;
}
