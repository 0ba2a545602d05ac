// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// An example agent: serves the seed's two gauges, app_active_task_count and
// app_active_request_count, at /metrics in the Prometheus text format 0.0.4,
// on a loopback port. What it reports is set by flags, follows a script, or
// is changed at run time through /set.
//
//   agent_exporter --port 8000 --tasks 40 --requests 25
//   agent_exporter --port 0 --port-file /tmp/p --script load.txt
//   curl 'http://127.0.0.1:8000/set?tasks=120&requests=80'
//
// --port 0 picks a free port; --port-file writes the chosen port to a file
// (written after the socket listens, so a script can wait for it). A script
// file has lines "SECONDS TASKS REQUESTS" (# comments allowed): from SECONDS
// after start the agent reports TASKS and REQUESTS. --max-seconds bounds the
// lifetime (default 3600), so a forgotten agent does not linger; SIGTERM and
// SIGINT stop it.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "httplib.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

struct Step {
  double seconds = 0;
  double tasks = 0;
  double requests = 0;
};

struct Flags {
  int port = 8000;
  std::string port_file;
  double tasks = 0;
  double requests = 0;
  std::string script;
  double max_seconds = 3600;
};

[[noreturn]] void Usage(const std::string& error) {
  std::cerr << "agent_exporter: " << error << "\n"
            << "usage: agent_exporter [--port N] [--port-file FILE] "
               "[--tasks X] [--requests Y] [--script FILE] "
               "[--max-seconds S]\n";
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Usage(name + " needs a value");
    }
    auto number = [&](double* out) {
      if (!absl::SimpleAtod(value, out) || *out < 0) {
        Usage(absl::StrCat(name, ": \"", value, "\" is not a number >= 0"));
      }
    };
    double d = 0;
    if (name == "--port") {
      number(&d);
      if (d > 65535 || d != static_cast<int>(d)) Usage("--port: 0..65535");
      f.port = static_cast<int>(d);
    } else if (name == "--port-file") {
      f.port_file = value;
    } else if (name == "--tasks") {
      number(&f.tasks);
    } else if (name == "--requests") {
      number(&f.requests);
    } else if (name == "--script") {
      f.script = value;
    } else if (name == "--max-seconds") {
      number(&f.max_seconds);
    } else {
      Usage("unknown flag " + name);
    }
  }
  return f;
}

std::vector<Step> LoadScript(const std::string& path) {
  std::ifstream in(path);
  if (!in) Usage("--script: cannot open " + path);
  std::vector<Step> steps;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string a, b, c, extra;
    if (!(fields >> a)) continue;  // blank
    Step s;
    if (!(fields >> b >> c) || (fields >> extra) ||
        !absl::SimpleAtod(a, &s.seconds) || !absl::SimpleAtod(b, &s.tasks) ||
        !absl::SimpleAtod(c, &s.requests) || s.seconds < 0 || s.tasks < 0 ||
        s.requests < 0 ||
        (!steps.empty() && s.seconds < steps.back().seconds)) {
      Usage(absl::StrCat(path, ":", line_no,
                         ": want \"SECONDS TASKS REQUESTS\" (numbers >= 0, "
                         "SECONDS not decreasing)"));
    }
    steps.push_back(s);
  }
  return steps;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const std::vector<Step> script =
      flags.script.empty() ? std::vector<Step>{} : LoadScript(flags.script);

  std::mutex mu;
  double tasks = flags.tasks, requests = flags.requests;
  size_t next_step = 0;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };

  httplib::Server server;
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    double t, r;
    {
      std::lock_guard<std::mutex> lock(mu);
      // Steps take effect once, when their time comes, so that a /set in
      // between holds until the next step.
      const double now = elapsed();
      for (; next_step < script.size() && script[next_step].seconds <= now;
           ++next_step) {
        tasks = script[next_step].tasks;
        requests = script[next_step].requests;
      }
      t = tasks;
      r = requests;
    }
    res.set_content(
        absl::StrFormat(
            "# HELP app_active_task_count Tasks this agent is working on.\n"
            "# TYPE app_active_task_count gauge\n"
            "app_active_task_count %.17g\n"
            "# HELP app_active_request_count Requests in flight.\n"
            "# TYPE app_active_request_count gauge\n"
            "app_active_request_count %.17g\n",
            t, r),
        "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/set", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    for (const char* key : {"tasks", "requests"}) {
      if (!req.has_param(key)) continue;
      double v = 0;
      if (!absl::SimpleAtod(req.get_param_value(key), &v) || v < 0) {
        res.status = 400;
        res.set_content(absl::StrCat(key, " must be a number >= 0\n"),
                        "text/plain");
        return;
      }
      (std::string(key) == "tasks" ? tasks : requests) = v;
    }
    res.set_content(absl::StrCat("tasks ", tasks, " requests ", requests, "\n"),
                    "text/plain");
  });

  int port = flags.port;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::cerr << "agent_exporter: cannot listen on 127.0.0.1:" << flags.port
              << "\n";
    return 1;
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::thread listener([&] { server.listen_after_bind(); });
  while (!server.is_running() && !g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!flags.port_file.empty()) {
    const std::string tmp = flags.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), flags.port_file.c_str());
  }
  std::cout << "agent_exporter: serving http://127.0.0.1:" << port
            << "/metrics" << std::endl;
  while (!g_stop && elapsed() < flags.max_seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  server.stop();
  listener.join();
  return 0;
}
