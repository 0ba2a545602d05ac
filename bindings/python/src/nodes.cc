// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Node pools in Python (docs/nodes.md): the built-in VM sizes, and
// NodeCluster, the cluster autoscaler stepped through time, made from a
// node pools file (config/nodes.h) or a preset. Results are plain dicts.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agentscale/config/nodes.h"
#include "agentscale/nodes/cluster.h"
#include "agentscale/nodes/vm_sizes.h"
#include "common.h"

namespace agentscale::python {
namespace {

std::string PathArg(py::handle path) {
  return py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
}

nodes::NodeCluster Build(const config::LoadedNodePools& loaded, py::handle start, uint64_t seed) {
  nodes::ClusterOptions options;
  options.profile = loaded.profile;
  options.strategy = loaded.strategy;
  options.seed = seed;
  return Unwrap(nodes::NodeCluster::Create(loaded.pools, options, TimeFromPy(start)),
                NotFoundAs::kKey);
}

}  // namespace

void BindNodes(py::module_& m) {
  m.def(
      "vm_sizes",
      []() {
        py::list out;
        for (const nodes::VmSize& s : nodes::BuiltinVmSizes()) {
          const nodes::Resources a = nodes::AllocatableFor(s);
          py::dict d;
          d["name"] = s.name;
          d["vcpus"] = s.vcpus;
          d["memory_bytes"] = s.memory_bytes;
          d["price_per_hour"] = s.price_per_hour;
          d["max_pods"] = s.max_pods;
          d["reservation"] = nodes::ReservationName(s.reservation);
          d["allocatable_cpu"] = static_cast<double>(a.cpu_milli) / 1000;
          d["allocatable_memory_bytes"] = a.memory_bytes;
          out.append(d);
        }
        return out;
      },
      "The built-in VM sizes (docs/nodes.md): name, vcpus, memory_bytes, price_per_hour (USD, "
      "Linux, on demand), max_pods, reservation ('aks' or 'eks'), and allocatable_cpu (cores) "
      "and allocatable_memory_bytes after the platform's reservations.");

  py::class_<nodes::NodeCluster>(
      m, "NodeCluster",
      "Node pools under the cluster autoscaler, stepped through time (docs/nodes.md): pods are "
      "asked for with CPU and memory requests, run where a node has room and wait pending "
      "otherwise; every scan interval nodes are added for pending pods and removed once "
      "unneeded. Times are float seconds since the epoch or datetimes.")
      .def_static(
          "from_file",
          [](py::handle path, py::handle start, uint64_t seed) {
            return Build(Unwrap(config::LoadNodePoolsFile(PathArg(path))), start, seed);
          },
          py::arg("path"), py::arg("start"), py::arg("seed") = 1,
          "A cluster from a node pools file (kind NodePools or NodePool), each pool with its "
          "node_count ready nodes at `start`; ValueError 'file:line:col: field: problem'.")
      .def_static(
          "from_preset",
          [](const std::string& name, py::handle start, uint64_t seed) {
            return Build(Unwrap(config::NodePoolsPreset(name), NotFoundAs::kKey), start, seed);
          },
          py::arg("name"), py::arg("start"), py::arg("seed") = 1,
          "A built-in setup: 'seed' (the seed's AKS pool, AKS's default profile) or "
          "'seed-aggressive' (the same pool, AKS's aggressive scale-down profile).")
      .def(
          "advance_to",
          [](nodes::NodeCluster& c, py::handle now) { c.AdvanceTo(TimeFromPy(now)); },
          py::arg("now"), "Runs the autoscaler and the pods' placement up to `now`.")
      .def(
          "request_pods",
          [](nodes::NodeCluster& c, py::handle now, int32_t n, double cpu, int64_t memory_bytes,
             double grace_seconds, const std::string& name) {
            if (!std::isfinite(cpu) || cpu < 0 || cpu > 1e6 || !std::isfinite(grace_seconds) ||
                grace_seconds < 0 || grace_seconds > 1e9) {
              RaiseIfError(absl::InvalidArgumentError(absl::StrCat(
                  "pod \"", name.substr(0, 253),
                  "\": cpu must be 0 to 1e6 cores and grace_seconds 0 to 1e9")));
            }
            nodes::PodTemplate pod;
            pod.name = name;
            pod.request = {std::llround(cpu * 1000), memory_bytes};
            pod.grace = absl::Milliseconds(std::llround(grace_seconds * 1000));
            return Unwrap(c.RequestPods(TimeFromPy(now), n, pod), NotFoundAs::kKey);
          },
          py::arg("now"), py::arg("n"), py::arg("cpu"), py::arg("memory_bytes"),
          py::arg("grace_seconds") = 30.0, py::arg("name") = "pod",
          "Advances to `now`, then asks for n pods each requesting `cpu` cores and "
          "`memory_bytes`; returns their ids. ValueError when no node could ever take one "
          "(naming the pod and the largest node).")
      .def(
          "delete_pod",
          [](nodes::NodeCluster& c, py::handle now, int64_t pod) {
            RaiseIfError(c.DeletePod(TimeFromPy(now), pod), NotFoundAs::kKey);
          },
          py::arg("now"), py::arg("pod"),
          "Advances to `now`, then the pod ends and its room is free; KeyError for an unknown "
          "or ended pod.")
      .def(
          "explain_pod",
          [](const nodes::NodeCluster& c, int64_t pod) {
            return Unwrap(c.ExplainPod(pod), NotFoundAs::kKey);
          },
          py::arg("pod"), "One line on a pod: 'agent-7 pending 4m12s: node scale-up in progress'.")
      .def(
          "pod_phase",
          [](const nodes::NodeCluster& c, int64_t pod) {
            const nodes::PodStatus* p = c.pod(pod);
            if (p == nullptr) {
              RaiseIfError(absl::NotFoundError(absl::StrCat("no pod ", pod)), NotFoundAs::kKey);
            }
            return std::string(nodes::PodPhaseName(p->phase));
          },
          py::arg("pod"), "'Pending', 'Running' or 'Terminating'; KeyError once ended.")
      .def_property_readonly("now", [](const nodes::NodeCluster& c) { return TimeToPy(c.now()); },
                             "The cluster's time, float seconds since the epoch.")
      .def_property_readonly("running_pods", &nodes::NodeCluster::running_pods, "Pods running.")
      .def_property_readonly("pending_pods", &nodes::NodeCluster::pending_pods,
                             "Pods waiting for a node.")
      .def_property_readonly(
          "pool_names",
          [](const nodes::NodeCluster& c) {
            std::vector<std::string> names;
            for (const nodes::NodePoolSpec& p : c.pools()) names.push_back(p.name);
            return names;
          },
          "The pools' names, in order (a pool's index is its place here).")
      .def("node_count", &nodes::NodeCluster::NodeCount, py::arg("pool") = 0,
           "Nodes alive in a pool: provisioning, ready and draining.")
      .def("ready_node_count", &nodes::NodeCluster::ReadyNodeCount, py::arg("pool") = 0,
           "Ready nodes in a pool.")
      .def(
          "node_hours", [](const nodes::NodeCluster& c) { return c.NodeHours(); },
          "Node-hours from the start to now, every pool.")
      .def("cost", &nodes::NodeCluster::Cost,
           "USD so far: node-hours times each size's price per hour.")
      .def("pending_pod_seconds", &nodes::NodeCluster::PendingPodSeconds,
           "Seconds pods spent pending, finished waits and those still going.")
      .def(
          "take_evictions",
          [](nodes::NodeCluster& c) {
            py::list out;
            for (const nodes::Eviction& e : c.TakeEvictions()) {
              py::dict d;
              d["pod"] = e.pod;
              d["node"] = e.node;
              d["pool"] = e.pool;
              d["at"] = TimeToPy(e.at);
              d["grace_seconds"] = DurationToPy(e.grace);
              d["replacement"] = e.replacement;
              out.append(d);
            }
            return out;
          },
          "Evictions since the last call: pod, node, pool, at, grace_seconds, replacement (the "
          "new pending pod's id, or -1).")
      .def(
          "events",
          [](const nodes::NodeCluster& c) {
            py::list out;
            for (const nodes::NodeEvent& e : c.events()) {
              py::dict d;
              d["at"] = TimeToPy(e.at);
              d["kind"] = nodes::EventKindName(e.kind);
              d["pool"] = e.pool;
              d["node"] = e.node;
              d["count"] = e.count;
              d["message"] = e.message;
              out.append(d);
            }
            return out;
          },
          "The event log (scale-ups, nodes ready and removed, drains, pods pending and why): "
          "at, kind, pool, node, count, message.");
}

}  // namespace agentscale::python
