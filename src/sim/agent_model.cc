// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A discrete-event simulation: the next event is always the earliest of a
// task completion, an agent becoming ready, an arrival, a scrape and a sync
// (ties in that order, so a slot freed at t can take a task arriving at t,
// and a sync at t sees the scrape at t).

#include "agentscale/sim/agent_model.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/metrics/instant_query.h"
#include "agentscale/sim/fleet_loop.h"
#include "agentscale/status_macros.h"
#include "scheduled.h"

namespace agentscale::sim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMiB = 1024.0 * 1024.0;

// xoshiro256** seeded through splitmix64: the same numbers on every
// platform, unlike the standard library's distributions.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in (0, 1).
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }
  double Exponential(double mean) { return -mean * std::log(Uniform()); }
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u = Uniform(), v = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u));
    spare_ = r * std::sin(2 * M_PI * v);
    has_spare_ = true;
    return r * std::cos(2 * M_PI * v);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

struct Task {
  double arrival;
  double service;
  bool started_before;
};

// Yields the trace's tasks in arrival order.
class ArrivalStream {
 public:
  ArrivalStream(const Trace& trace, const AgentModelOptions& opt, double interval)
      : trace_(trace), opt_(opt), interval_(interval), rng_(opt.seed) {}

  // The next task, or false at the end of the trace.
  bool Next(Task* task) {
    for (;;) {
      if (opt_.arrivals == ArrivalShape::kPerRow) {
        if (row_ >= trace_.size()) return false;
        const double v = trace_.values[row_];
        task->arrival = trace_.time_seconds[row_++];
        task->service = opt_.service == ServiceTimeModel::kTraceValue
                            ? v * opt_.trace_value_factor
                            : Service();
        task->started_before = false;
        return true;
      }
      if (row_ >= trace_.size()) return false;
      const double t0 = trace_.time_seconds[row_];
      const double v = trace_.values[row_];
      if (opt_.arrivals == ArrivalShape::kUniform) {
        if (!row_started_) {
          row_started_ = true;
          cumulative_ += v;
          const double due = std::floor(cumulative_ + 1e-9);
          in_row_ = static_cast<int64_t>(due) - emitted_;
          emitted_ = static_cast<int64_t>(due);
          k_ = 0;
        }
        if (k_ < in_row_) {
          task->arrival = t0 + (static_cast<double>(k_) + 0.5) * interval_ /
                                   static_cast<double>(in_row_);
          ++k_;
          task->service = Service();
          task->started_before = false;
          return true;
        }
      } else {  // Poisson process at the row's rate
        if (!row_started_) {
          row_started_ = true;
          next_ = t0;
        }
        if (v > 0) {
          next_ += rng_.Exponential(interval_ / v);
          if (next_ < t0 + interval_) {
            task->arrival = next_;
            task->service = Service();
            task->started_before = false;
            return true;
          }
        }
      }
      ++row_;
      row_started_ = false;
    }
  }

 private:
  double Service() {
    switch (opt_.service) {
      case ServiceTimeModel::kFixed:
        return opt_.service_seconds;
      case ServiceTimeModel::kExponential:
        return rng_.Exponential(opt_.service_seconds);
      case ServiceTimeModel::kLognormal: {
        const double s = opt_.lognormal_sigma;
        const double mu = std::log(opt_.service_seconds) - s * s / 2;
        return std::exp(mu + s * rng_.Normal());
      }
      case ServiceTimeModel::kTraceValue:
        return opt_.service_seconds;  // not reached: validated
    }
    return opt_.service_seconds;
  }

  const Trace& trace_;
  const AgentModelOptions& opt_;
  const double interval_;
  Rng rng_;
  size_t row_ = 0;
  bool row_started_ = false;
  double cumulative_ = 0;
  int64_t emitted_ = 0;
  int64_t in_row_ = 0;
  int64_t k_ = 0;
  double next_ = 0;
};

enum class AgentState { kStarting, kReady, kDraining, kGone };

struct Agent {
  int32_t id;
  double created;
  double ready_at;
  AgentState state;
  int32_t running = 0;
  uint32_t generation = 0;
  int64_t finished = 0;  // tasks completed here (the data set's measure)
  // The resource model's state: the start of the current or next GC spike,
  // and the latest scrape's use (res_time: when; -inf before the first).
  double gc_start = 0;
  double res_time = -std::numeric_limits<double>::infinity();
  double cpu_millicores = 0;
  double memory_mib = 0;
  std::string name;
  metrics::Labels labels;  // {pod: name}, for queries
  std::vector<std::pair<double, int32_t>> scrapes;  // (time, running)
};

struct Running {
  double end;
  int32_t agent;
  uint32_t generation;
  double arrival;
  double service;
  double start;
  bool operator>(const Running& o) const { return end > o.end; }
};

// The mean and the highest of the values that are not NaN (NaN if none).
void MeanAndMax(const std::vector<double>& v, double* mean, double* max) {
  double sum = 0, top = -kInf;
  size_t n = 0;
  for (double x : v) {
    if (std::isnan(x)) continue;
    sum += x;
    top = std::max(top, x);
    ++n;
  }
  *mean = n > 0 ? sum / static_cast<double>(n) : std::nan("");
  *max = n > 0 ? top : std::nan("");
}

std::string ResourceReading(const ResourceModel& r, bool defaults) {
  std::string out = absl::StrFormat(
      "resources%s: requests %gm CPU (limit %gm), %g MiB; use %gm + %gm per running task "
      "CPU, %g MiB + %g MiB per running task memory",
      defaults ? " (the model's defaults: the policy reads cpu or memory)" : "",
      r.cpu_request_millicores, r.cpu_limit_millicores, r.memory_request_mib,
      r.idle_cpu_millicores, r.cpu_per_task_millicores, r.idle_memory_mib,
      r.memory_per_task_mib);
  if (r.memory_model == MemoryModel::kDataSet) {
    absl::StrAppendFormat(&out, ", + a data set of %g MiB per finished task up to %g MiB",
                          r.data_set_mib_per_task, r.data_set_cap_mib);
  }
  if (r.gc_spikes != GcSpikes::kNone) {
    absl::StrAppendFormat(
        &out, "; GC spikes (%s) of %gm for %g s, %s %g s", GcSpikesName(r.gc_spikes),
        r.gc_spike_millicores, absl::ToDoubleSeconds(r.gc_spike_duration),
        r.gc_spikes == GcSpikes::kPeriodic ? "every" : "mean gap",
        absl::ToDoubleSeconds(r.gc_interval));
  }
  return out;
}

// The agent model as a fleet model on the fleet loop: between syncs,
// AdvanceTo() runs the discrete-event simulation; at a sync, Observe() is
// the metrics pipeline's view and Apply() the scale-in or scale-out.
class Simulation final : public FleetModel {
 public:
  Simulation(Policy& policy, const Trace& trace, const AgentModelOptions& opt,
             double interval)
      : policy_(policy), metrics_(policy.metrics()), trace_(trace), opt_(opt),
        arrivals_(trace, opt, interval), interval_(interval), slots_(opt.jobs ? 1 : opt.slots),
        gc_rng_(opt.seed ^ kGcStream) {
    // A policy reading cpu or memory without a resource model given reads
    // the model's defaults.
    if (opt.resources.has_value()) {
      res_ = &*opt.resources;
    } else if (ReadsResources(metrics_)) {
      res_ = &default_resources_;
    }
  }

  absl::StatusOr<AgentModelResult> Run();

  absl::Status AdvanceTo(double t) override;
  absl::Status Observe(double t, absl::Time now, Observation* obs) override;
  void Apply(double t, int32_t desired) override { ScaleTo(desired, now_); }
  void AfterSync(double t, const Decision& decision) override;
  bool Finished() const override { return draining_ && queue_.empty(); }

 private:
  // The GC spikes draw from a generator of their own, so that the tasks of
  // a seed stay the same whatever the resource model.
  static constexpr uint64_t kGcStream = 0x6a09e667f3bcc909ull;

  static bool ReadsResources(const std::vector<hpa::MetricSpec>& metrics) {
    for (const hpa::MetricSpec& m : metrics) {
      if (m.type == hpa::MetricSourceType::kResource ||
          m.type == hpa::MetricSourceType::kContainerResource) {
        return true;
      }
    }
    return false;
  }

  // A new agent's first GC spike, from when it becomes ready.
  void FirstSpike(Agent& a) {
    if (res_ == nullptr || res_->gc_spikes == GcSpikes::kNone) return;
    const double every = absl::ToDoubleSeconds(res_->gc_interval);
    a.gc_start = a.ready_at + (res_->gc_spikes == GcSpikes::kPeriodic
                                   ? gc_rng_.Uniform() * every
                                   : gc_rng_.Exponential(every));
  }

  // The resource model's reading of a ready agent at a scrape.
  void SampleResources(Agent& a, double t) {
    const ResourceModel& r = *res_;
    const double n = static_cast<double>(a.running);
    double cpu = r.idle_cpu_millicores + n * r.cpu_per_task_millicores;
    if (r.gc_spikes != GcSpikes::kNone) {
      const double length = absl::ToDoubleSeconds(r.gc_spike_duration);
      const double every = absl::ToDoubleSeconds(r.gc_interval);
      while (a.gc_start + length <= t) {
        a.gc_start += r.gc_spikes == GcSpikes::kPeriodic
                          ? every
                          : length + gc_rng_.Exponential(every);
      }
      if (a.gc_start <= t) cpu += r.gc_spike_millicores;
    }
    a.cpu_millicores = std::min(cpu, r.cpu_limit_millicores);
    double memory = r.idle_memory_mib + n * r.memory_per_task_mib;
    if (r.memory_model == MemoryModel::kDataSet) {
      memory += std::min(r.data_set_cap_mib,
                         static_cast<double>(a.finished) * r.data_set_mib_per_task);
    }
    a.memory_mib = memory;
    a.res_time = t;
  }

  void StartTask(Agent& a, Task task, double now) {
    if (!task.started_before && opt_.record_waits) {
      result_.waits_seconds.push_back(now - task.arrival);
    }
    ++a.running;
    ++running_total_;
    heap_.push_back(Running{now + task.service, a.id, a.generation, task.arrival,
                            task.service, now});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<Running>());
  }

  // The least busy ready agent with a free slot, or nullptr.
  Agent* LeastBusy() {
    Agent* best = nullptr;
    for (int32_t id : active_) {
      Agent& a = agents_[id];
      if (a.state != AgentState::kReady || a.running >= slots_) continue;
      if (best == nullptr || a.running < best->running) best = &a;
    }
    return best;
  }

  // Moves queued tasks onto free slots.
  void Dispatch(double now) {
    while (!queue_.empty()) {
      Agent* a = LeastBusy();
      if (a == nullptr) return;
      Task t = queue_.front();
      queue_.pop_front();
      StartTask(*a, t, now);
    }
  }

  // A Job leaves the fleet: it is no longer counted or observed.
  void ExitJob(Agent& a) {
    active_.erase(std::find(active_.begin(), active_.end(), a.id));
    Terminate(a);
  }

  void Terminate(Agent& a) {
    a.state = AgentState::kGone;
    ++a.generation;
    --alive_;
  }

  void ScaleTo(int32_t desired, double now);

  Policy& policy_;
  const std::vector<hpa::MetricSpec>& metrics_;
  const Trace& trace_;
  const AgentModelOptions& opt_;
  ArrivalStream arrivals_;
  double interval_;
  int32_t slots_ = 1;
  // The resource model in use, or nullptr.
  const ResourceModel* res_ = nullptr;
  ResourceModel default_resources_;
  Rng gc_rng_;
  hpa::ResourceList requests_;  // the agents' requests in milli-units
  // The ready agents' mean utilization at the latest Observe().
  double observed_cpu_utilization_ = 0;
  double observed_memory_utilization_ = 0;

  // Event-loop state kept between syncs.
  Task next_task_;
  bool have_task_ = false;
  double next_scrape_ = 0;
  double now_ = 0;
  double replica_seconds_ = 0;
  double scrape_ = 0;
  double window_ = 0;
  std::vector<int32_t> billed_;

  std::vector<Agent> agents_;
  std::vector<int32_t> active_;  // alive, not draining, in creation order
  int32_t alive_ = 0;
  int32_t starting_ = 0;
  int64_t cold_start_tasks_ = 0;
  int64_t fallback_syncs_ = 0;
  // Per policy metric: its query (External metrics with one), and scratch.
  std::vector<std::optional<metrics::InstantQuery>> queries_;
  std::vector<bool> query_empty_as_zero_;
  std::vector<metrics::InstantQuery::Sample> query_samples_;
  std::vector<Running> heap_;
  std::deque<Task> queue_;
  int64_t running_total_ = 0;
  bool draining_ = false;  // after the trace: stop once the queue is empty
  int64_t arrival_limit_ = 0;  // max_tasks with room for Poisson variation
  AgentModelResult result_;
};

void Simulation::ScaleTo(int32_t desired, double now) {
  const int32_t current = static_cast<int32_t>(active_.size());
  if (opt_.jobs && desired < current) return;  // Jobs end by themselves
  if (desired > current) {
    for (int32_t i = current; i < desired; ++i) {
      Agent a;
      a.id = static_cast<int32_t>(agents_.size());
      a.created = now;
      a.ready_at = now + absl::ToDoubleSeconds(opt_.startup_delay);
      a.state = AgentState::kStarting;
      a.name = absl::StrCat("agent-", a.id);
      a.labels = {metrics::Label{"pod", a.name}};
      FirstSpike(a);
      agents_.push_back(std::move(a));
      active_.push_back(agents_.back().id);
      ++alive_;
      ++starting_;
    }
    return;
  }
  // Victims: agents still starting first, then by policy.
  std::vector<int32_t> order = active_;
  auto starting = [&](int32_t id) { return agents_[id].state == AgentState::kStarting; };
  std::stable_sort(order.begin(), order.end(), [&](int32_t x, int32_t y) {
    const Agent& a = agents_[x];
    const Agent& b = agents_[y];
    if (starting(x) != starting(y)) return starting(x);
    if (opt_.victims == VictimPolicy::kFewestActive && a.running != b.running) {
      return a.running < b.running;
    }
    return a.created > b.created || (a.created == b.created && a.id > b.id);
  });
  const int32_t remove = current - desired;
  std::vector<int32_t> requeue_from;
  for (int32_t k = 0; k < remove; ++k) {
    Agent& a = agents_[order[k]];
    active_.erase(std::find(active_.begin(), active_.end(), a.id));
    if (a.state == AgentState::kStarting) {
      --starting_;
      Terminate(a);
    } else if (opt_.scale_in == ScaleInMode::kDrain) {
      a.state = AgentState::kDraining;
      if (a.running == 0) Terminate(a);
    } else {
      requeue_from.push_back(a.id);
    }
  }
  if (requeue_from.empty()) return;
  // Kill: running tasks go back to the front of the queue, oldest first.
  std::vector<Task> back;
  for (const Running& r : heap_) {
    const Agent& a = agents_[r.agent];
    if (r.generation != a.generation) continue;
    if (std::find(requeue_from.begin(), requeue_from.end(), r.agent) == requeue_from.end()) {
      continue;
    }
    back.push_back(Task{r.arrival, r.service, true});
    result_.lost_work_seconds += now - r.start;
    ++result_.tasks_restarted;
  }
  for (int32_t id : requeue_from) {
    Agent& a = agents_[id];
    running_total_ -= a.running;
    a.running = 0;
    Terminate(a);
  }
  std::sort(back.begin(), back.end(),
            [](const Task& x, const Task& y) { return x.arrival > y.arrival; });
  for (const Task& t : back) queue_.push_front(t);
  Dispatch(now);
}

absl::Status Simulation::AdvanceTo(double until) {
  for (;;) {
    // Drop completions of agents that were killed.
    while (!heap_.empty() &&
           heap_.front().generation != agents_[heap_.front().agent].generation) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<Running>());
      heap_.pop_back();
    }
    const double t_done = heap_.empty() ? kInf : heap_.front().end;
    double first_ready = kInf;
    if (starting_ > 0) {
      for (int32_t id : active_) {
        if (agents_[id].state == AgentState::kStarting) {
          first_ready = std::min(first_ready, agents_[id].ready_at);
        }
      }
    }
    const double t_arrival = have_task_ ? next_task_.arrival : kInf;
    // A sync at `until` comes after every other event at that time.
    const double t = std::min({t_done, first_ready, t_arrival, next_scrape_});
    if (t > until) return absl::OkStatus();
    replica_seconds_ += static_cast<double>(alive_) * (t - now_);
    now_ = t;

    if (t_done == t) {
      Running r = heap_.front();
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<Running>());
      heap_.pop_back();
      Agent& a = agents_[r.agent];
      --a.running;
      ++a.finished;
      --running_total_;
      ++result_.tasks_completed;
      if (opt_.jobs) {
        ExitJob(a);
      } else if (a.state == AgentState::kDraining) {
        if (a.running == 0) Terminate(a);
      } else if (!queue_.empty()) {
        Task task = queue_.front();
        queue_.pop_front();
        StartTask(a, task, now_);
      }
    } else if (first_ready == t) {
      for (int32_t id : active_) {
        Agent& a = agents_[id];
        if (a.state == AgentState::kStarting && a.ready_at <= t) {
          a.state = AgentState::kReady;
          --starting_;
        }
      }
      Dispatch(now_);
      if (opt_.jobs) {
        // A Job that found no task when it started exits.
        for (size_t i = active_.size(); i-- > 0;) {
          Agent& a = agents_[active_[i]];
          if (a.state == AgentState::kReady && a.running == 0) ExitJob(a);
        }
      }
    } else if (t_arrival == t) {
      if (++result_.tasks_arrived > arrival_limit_) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "the arrivals passed %d tasks at time %.0f, over the agent model's limit of %d "
            "tasks per run (max_tasks) with room for Poisson chance",
            arrival_limit_, t, opt_.max_tasks));
      }
      // No agent past its startup: the task waits for a cold start.
      if (alive_ == starting_) ++cold_start_tasks_;
      if (opt_.queue_capacity >= 0 &&
          static_cast<int64_t>(queue_.size()) >= opt_.queue_capacity) {
        ++result_.tasks_lost;
      } else if (!queue_.empty()) {
        queue_.push_back(next_task_);
      } else if (Agent* a = LeastBusy()) {
        StartTask(*a, next_task_, now_);
      } else {
        queue_.push_back(next_task_);
      }
      have_task_ = arrivals_.Next(&next_task_);
    } else {  // scrape
      for (int32_t id : active_) {
        Agent& a = agents_[id];
        if (a.state != AgentState::kReady) continue;
        auto& s = a.scrapes;
        s.erase(std::remove_if(s.begin(), s.end(),
                               [&](const std::pair<double, int32_t>& x) {
                                 return !metrics::InRange(opt_.prometheus_version, x.first, t - window_);
                               }),
                s.end());
        s.emplace_back(t, a.running);
        if (res_ != nullptr) SampleResources(a, t);
      }
      next_scrape_ += scrape_;
    }
  }
}

absl::Status Simulation::Observe(double t, absl::Time when, Observation* obs) {
  replica_seconds_ += static_cast<double>(alive_) * (t - now_);
  now_ = t;
  const absl::Time epoch = absl::UnixEpoch();
  const size_t n_metrics = metrics_.size();
  const int32_t current = static_cast<int32_t>(active_.size());
  obs->current_replicas = current;
  obs->status_replicas = current;
  obs->pods.resize(active_.size());
  for (MetricObservation& mo : obs->metrics) {
    mo.pod_samples.clear();
    mo.external_values_milli.clear();
    if (res_ != nullptr && !mo.error.ok()) mo.error = absl::OkStatus();
  }
  for (size_t i = 0; i < active_.size(); ++i) {
    const Agent& a = agents_[active_[i]];
    hpa::Pod& pod = obs->pods[i];
    pod.name = a.name;
    pod.start_time = epoch + absl::Seconds(a.created);
    if (res_ != nullptr) {
      // One container with the agent's requests: what the HPA's Resource
      // and ContainerResource utilization and ECS's reservation divide by.
      if (pod.containers.size() != 1) pod.containers.resize(1);
      pod.containers[0].name = res_->container;
      pod.containers[0].requests = requests_;
    }
    if (a.state == AgentState::kStarting) {
      pod.phase = hpa::PodPhase::kPending;
      pod.ready = hpa::ReadyCondition{hpa::ConditionStatus::kFalse,
                                      epoch + absl::Seconds(a.created)};
      continue;
    }
    pod.phase = hpa::PodPhase::kRunning;
    pod.ready = hpa::ReadyCondition{hpa::ConditionStatus::kTrue,
                                    epoch + absl::Seconds(a.ready_at)};
    if (res_ != nullptr && a.res_time > -kInf) {
      // Resource metrics: the agent's latest scrape, as metrics-server
      // serves its latest sample.
      const absl::Time at = epoch + absl::Seconds(a.res_time);
      for (size_t m = 0; m < n_metrics; ++m) {
        const hpa::MetricSpec& ms = metrics_[m];
        if (ms.type != hpa::MetricSourceType::kResource &&
            ms.type != hpa::MetricSourceType::kContainerResource) {
          continue;
        }
        MetricObservation& mo = obs->metrics[m];
        const bool cpu = ms.resource() == hpa::ResourceName::kCpu;
        // Millicores, or bytes x 1000, to the nearest unit.
        const double milli = cpu ? std::round(a.cpu_millicores)
                                 : std::round(a.memory_mib * kMiB) * 1000.0;
        if (!(milli >= 0 && milli < 9.2e18)) {
          mo.error = absl::OutOfRangeError(absl::StrCat(
              a.name, "'s ", ms.name, " use is too large to express in milli-units"));
          continue;
        }
        mo.pod_samples.push_back(
            hpa::PodSample{a.name, static_cast<int64_t>(milli), at, opt_.scrape_interval});
      }
    }
    double sum = 0;
    int count = 0;
    for (const auto& [st, running] : a.scrapes) {
      if (metrics::InRange(opt_.prometheus_version, st, t - window_) && st <= t) {
        sum += running;
        ++count;
      }
    }
    if (count == 0) continue;  // missing: no scrape in the window
    const double avg = sum / count;
    for (size_t m = 0; m < n_metrics; ++m) {
      const hpa::MetricSpec& ms = metrics_[m];
      if (ms.type != hpa::MetricSourceType::kPods) continue;
      const double v = ms.name == kTaskMetric ? avg : avg * opt_.requests_per_task;
      // Milli-units as prometheus-adapter serves them: truncated.
      obs->metrics[m].AddPodValue(a.name, v, when, opt_.adapter_window,
                                  MilliRounding::kTruncate);
    }
  }
  if (res_ != nullptr) {
    // The fleet's utilization as the policy sees it now, before it rescales.
    double cpu = 0, memory = 0;
    int32_t sampled = 0;
    for (int32_t id : active_) {
      const Agent& a = agents_[id];
      if (a.state != AgentState::kReady || !(a.res_time > -kInf)) continue;
      cpu += a.cpu_millicores;
      memory += a.memory_mib;
      ++sampled;
    }
    const double n = sampled > 0 ? static_cast<double>(sampled) : std::nan("");
    observed_cpu_utilization_ = 100.0 * cpu / (n * res_->cpu_request_millicores);
    observed_memory_utilization_ = 100.0 * memory / (n * res_->memory_request_mib);
  }
  for (size_t m = 0; m < n_metrics; ++m) {
    if (metrics_[m].type != hpa::MetricSourceType::kExternal) continue;
    MetricObservation& mo = obs->metrics[m];
    const metrics::InstantQuery* q = m < queries_.size() && queries_[m].has_value()
                                         ? &*queries_[m]
                                         : nullptr;
    if (q == nullptr) {
      mo.AddExternalValue(static_cast<double>(queue_.size()), MilliRounding::kTruncate);
      continue;
    }
    // The model's own series, as a Prometheus scraping it would hold them.
    query_samples_.clear();
    query_samples_.push_back({"app_pending_tasks", nullptr, static_cast<double>(queue_.size())});
    for (int32_t id : active_) {
      const Agent& a = agents_[id];
      if (a.state != AgentState::kReady) continue;
      query_samples_.push_back({kTaskMetric, &a.labels, static_cast<double>(a.running)});
      query_samples_.push_back(
          {kRequestMetric, &a.labels, a.running * opt_.requests_per_task});
    }
    absl::StatusOr<std::optional<double>> v = q->Evaluate(query_samples_);
    if (!v.ok()) {
      mo.error = v.status();
    } else if (v->has_value()) {
      mo.error = absl::OkStatus();
      mo.AddExternalValue(std::max(0.0, **v), MilliRounding::kTruncate);
    } else if (query_empty_as_zero_[m]) {
      mo.error = absl::OkStatus();
      mo.AddExternalValue(0, MilliRounding::kTruncate);
    } else {
      mo.error = absl::UnavailableError(absl::StrCat("query \"", q->text(), "\" returned nothing"));
    }
  }
  if (!opt_.outages.empty()) {
    for (size_t m = 0; m < n_metrics; ++m) {
      MetricObservation& mo = obs->metrics[m];
      if (InOutage(opt_.outages, metrics_[m].name, t)) {
        mo.error = absl::UnavailableError("the metric is out (an injected outage)");
        mo.pod_samples.clear();
        mo.external_values_milli.clear();
      } else if (!mo.error.ok()) {
        mo.error = absl::OkStatus();
      }
    }
  }
  return absl::OkStatus();
}

void Simulation::AfterSync(double t, const Decision& decision) {
  fallback_syncs_ += decision.fallback;
  const size_t n_metrics = metrics_.size();
  int32_t ready = 0;
  for (int32_t id : active_) ready += agents_[id].state == AgentState::kReady;
  result_.time_seconds.push_back(t);
  result_.demand.push_back(draining_ ? 0.0 : trace_.ValueAt(t));  // no arrivals after the trace
  result_.ready_replicas.push_back(ready);
  result_.desired_replicas.push_back(static_cast<int32_t>(active_.size()));
  result_.alive_replicas.push_back(alive_);
  billed_.push_back(alive_);
  result_.queue_length.push_back(static_cast<int64_t>(queue_.size()));
  result_.running_tasks.push_back(running_total_);
  if (res_ != nullptr) {
    result_.cpu_utilization.push_back(observed_cpu_utilization_);
    result_.memory_utilization.push_back(observed_memory_utilization_);
  }
  for (size_t m = 0; m < n_metrics; ++m) {
    const MetricResult* r = m < decision.metrics.size() ? &decision.metrics[m] : nullptr;
    result_.metric_values[m].push_back(
        r != nullptr && r->valid ? static_cast<double>(r->value_milli) / 1000.0
                                 : std::nan(""));
  }
  result_.limit_reason.push_back(static_cast<int32_t>(decision.limit_reason));
  result_.path.push_back(static_cast<int32_t>(decision.path));
}

absl::StatusOr<AgentModelResult> Simulation::Run() {
  result_.trace_meaning = TraceMeaning::kArrivals;
  switch (opt_.arrivals) {
    case ArrivalShape::kUniform:
      result_.trace_reading = ArrivalsReading(interval_, "spread evenly");
      break;
    case ArrivalShape::kPoisson:
      result_.trace_reading = ArrivalsReading(interval_, "as a Poisson process");
      break;
    case ArrivalShape::kPerRow:
      result_.trace_reading = "arrivals: each row is one task arriving at its time";
      break;
  }
  const double t0 = trace_.start();
  const double horizon =
      opt_.arrivals == ArrivalShape::kPerRow ? trace_.end() : trace_.end() + interval_;
  scrape_ = absl::ToDoubleSeconds(opt_.scrape_interval);
  // An HPA's spec.syncPeriodSeconds (HPAConfigurableSyncPeriod) takes the
  // place of the controller-wide period.
  const double sync = absl::ToDoubleSeconds(policy_.sync_period().value_or(opt_.sync_period));
  window_ = absl::ToDoubleSeconds(opt_.adapter_window);

  // The maximum the summary measures time at: the policy's as configured (a
  // forecast's IncreaseMaxCapacity may raise it during the run).
  const int32_t max_replicas = policy_.max_replicas();
  const int32_t initial =
      opt_.initial_replicas >= 0 ? opt_.initial_replicas : policy_.min_replicas();
  AGENTSCALE_RETURN_IF_ERROR(CheckFleetSize(initial, "the initial fleet"));
  for (int32_t i = 0; i < initial; ++i) {
    Agent a;
    a.id = i;
    a.created = t0 - absl::ToDoubleSeconds(opt_.startup_delay);
    a.ready_at = t0;
    a.state = AgentState::kReady;
    a.name = absl::StrCat("agent-", i);
    a.labels = {metrics::Label{"pod", a.name}};
    FirstSpike(a);
    agents_.push_back(std::move(a));
    active_.push_back(i);
    ++alive_;
  }

  const size_t n_metrics = metrics_.size();
  queries_.resize(n_metrics);
  query_empty_as_zero_.assign(n_metrics, true);
  for (const AgentModelOptions::ExternalQuery& eq : opt_.external_queries) {
    bool found = false;
    for (size_t m = 0; m < n_metrics; ++m) {
      if (metrics_[m].name != eq.metric) continue;
      found = true;
      absl::StatusOr<metrics::InstantQuery> q = metrics::InstantQuery::Parse(eq.query);
      if (!q.ok()) return q.status();
      queries_[m] = *std::move(q);
      query_empty_as_zero_[m] = eq.empty_as_zero;
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "external_queries: \"", eq.metric, "\" is not a metric of the policy"));
    }
  }
  result_.metric_names.reserve(n_metrics);
  for (const hpa::MetricSpec& m : metrics_) result_.metric_names.push_back(m.name);
  result_.metric_values.assign(n_metrics, {});
  const double span = std::floor((horizon - t0) / sync);
  const double drain = absl::ToDoubleSeconds(opt_.drain_limit);
  if (!(span + std::ceil(drain / sync) < static_cast<double>(opt_.max_syncs))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "agent model: ", horizon - t0, " s and a drain of up to ", drain,
        " s at a sync period of ", sync, " s are over the limit of ", opt_.max_syncs,
        " syncs (max_syncs)"));
  }
  const size_t syncs = static_cast<size_t>(span) + 1;
  for (auto& v : result_.metric_values) v.reserve(syncs);
  billed_.reserve(syncs);
  if (res_ != nullptr) {
    requests_.cpu_milli = std::llround(res_->cpu_request_millicores);
    requests_.memory_milli = std::llround(res_->memory_request_mib * kMiB) * 1000;
    result_.cpu_utilization.reserve(syncs);
    result_.memory_utilization.reserve(syncs);
    result_.resource_reading = ResourceReading(*res_, res_ == &default_resources_);
  }

  arrival_limit_ = opt_.max_tasks + opt_.max_tasks / 10 + 1000;
  have_task_ = arrivals_.Next(&next_task_);
  next_scrape_ = t0;
  now_ = t0;
  absl::Status st =
      RunFleetLoopWith(policy_, *this, SyncSchedule::Periodic(t0, sync, syncs));
  if (!st.ok()) return st;
  // The fleet runs on after the last sync, to the end of the trace.
  st = AdvanceTo(horizon);
  if (!st.ok()) return st;
  double end = horizon;
  const double next = t0 + static_cast<double>(syncs) * sync;  // the first sync after
  if (!queue_.empty() && drain > 0 && next <= horizon + drain) {
    // Tasks still wait: the policy keeps deciding until they are served or
    // the drain limit has passed. The run then ends one sync period after
    // the last sync, as the summary counts it.
    draining_ = true;
    const size_t more = static_cast<size_t>(std::floor((horizon + drain - next) / sync)) + 1;
    AGENTSCALE_RETURN_IF_ERROR(
        RunFleetLoopWith(policy_, *this, SyncSchedule::Periodic(next, sync, more)));
    end = now_ + sync;
    AGENTSCALE_RETURN_IF_ERROR(AdvanceTo(end));
    result_.drain_seconds = end - horizon;
  }
  replica_seconds_ += static_cast<double>(alive_) * (end - now_);
  now_ = end;
  result_.tasks_queued_at_end = static_cast<int64_t>(queue_.size());
  result_.tasks_running_at_end = running_total_;
  if (opt_.record_waits) {
    for (const Task& task : queue_) {
      if (!task.started_before) result_.unserved_waits_seconds.push_back(end - task.arrival);
    }
  }

  SummaryInputs in;
  in.time_seconds = result_.time_seconds;
  in.period_seconds = sync;
  in.replicas = result_.desired_replicas;
  in.initial_replicas = initial;
  in.billed_replicas = billed_;
  in.ready_replicas = result_.ready_replicas;
  in.billed_replica_seconds = replica_seconds_;
  in.max_replicas = max_replicas;
  in.price_per_replica_hour = opt_.price_per_replica_hour;
  in.waits_seconds = result_.waits_seconds;
  in.unserved_waits_seconds = result_.unserved_waits_seconds;
  in.wait_slo_seconds = opt_.wait_slo_seconds;
  in.prometheus_version = opt_.prometheus_version;
  result_.summary = Summarize(in);
  result_.summary.cold_start_tasks = cold_start_tasks_;
  result_.summary.fallback_seconds = static_cast<double>(fallback_syncs_) * sync;
  if (res_ != nullptr) {
    MeanAndMax(result_.cpu_utilization, &result_.cpu_utilization_mean,
               &result_.cpu_utilization_max);
    MeanAndMax(result_.memory_utilization, &result_.memory_utilization_mean,
               &result_.memory_utilization_max);
  }
  return std::move(result_);
}

}  // namespace

const char* ArrivalShapeName(ArrivalShape v) {
  switch (v) {
    case ArrivalShape::kUniform: return "uniform";
    case ArrivalShape::kPoisson: return "poisson";
    case ArrivalShape::kPerRow: return "per-row";
  }
  return "uniform";
}
const char* ServiceTimeModelName(ServiceTimeModel v) {
  switch (v) {
    case ServiceTimeModel::kFixed: return "fixed";
    case ServiceTimeModel::kExponential: return "exponential";
    case ServiceTimeModel::kLognormal: return "lognormal";
    case ServiceTimeModel::kTraceValue: return "trace-value";
  }
  return "exponential";
}
const char* MemoryModelName(MemoryModel v) {
  return v == MemoryModel::kWork ? "work" : "data-set";
}
const char* GcSpikesName(GcSpikes v) {
  switch (v) {
    case GcSpikes::kNone: return "none";
    case GcSpikes::kPeriodic: return "periodic";
    case GcSpikes::kRandom: return "random";
  }
  return "none";
}
const char* VictimPolicyName(VictimPolicy v) {
  return v == VictimPolicy::kNewestFirst ? "newest-first" : "fewest-active";
}
const char* ScaleInModeName(ScaleInMode v) {
  return v == ScaleInMode::kDrain ? "drain" : "kill";
}

namespace {

absl::Status CheckResources(const ResourceModel& r) {
  // Quantities in MiB and millicores; a petabyte of memory or a million
  // cores per agent is the most any of them may be.
  constexpr double kMost = 1e9;
  auto check = [&](const char* field, double v, bool positive, bool infinite_ok) {
    const bool ok = (positive ? v > 0 : v >= 0) &&
                    (v <= kMost || (infinite_ok && v == kInf));
    if (ok) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "resources.", field, " must be ", positive ? "positive" : "non-negative",
        infinite_ok ? " (or infinity)" : "", " and at most 1e9, got ", v));
  };
  AGENTSCALE_RETURN_IF_ERROR(
      check("cpu_request_millicores", r.cpu_request_millicores, true, false));
  AGENTSCALE_RETURN_IF_ERROR(check("cpu_limit_millicores", r.cpu_limit_millicores, true, true));
  AGENTSCALE_RETURN_IF_ERROR(check("memory_request_mib", r.memory_request_mib, true, false));
  AGENTSCALE_RETURN_IF_ERROR(check("idle_cpu_millicores", r.idle_cpu_millicores, false, false));
  AGENTSCALE_RETURN_IF_ERROR(check("idle_memory_mib", r.idle_memory_mib, false, false));
  AGENTSCALE_RETURN_IF_ERROR(
      check("cpu_per_task_millicores", r.cpu_per_task_millicores, false, false));
  AGENTSCALE_RETURN_IF_ERROR(check("memory_per_task_mib", r.memory_per_task_mib, false, false));
  AGENTSCALE_RETURN_IF_ERROR(
      check("data_set_mib_per_task", r.data_set_mib_per_task, false, false));
  AGENTSCALE_RETURN_IF_ERROR(check("data_set_cap_mib", r.data_set_cap_mib, false, true));
  AGENTSCALE_RETURN_IF_ERROR(check("gc_spike_millicores", r.gc_spike_millicores, false, false));
  if (r.cpu_limit_millicores < r.cpu_request_millicores) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resources.cpu_limit_millicores (", r.cpu_limit_millicores,
        ") must be at least resources.cpu_request_millicores (", r.cpu_request_millicores, ")"));
  }
  if (r.gc_spikes != GcSpikes::kNone) {
    if (r.gc_spike_duration <= absl::ZeroDuration() || r.gc_interval <= absl::ZeroDuration() ||
        r.gc_spike_duration == absl::InfiniteDuration() ||
        r.gc_interval == absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resources.gc_spike_duration and resources.gc_interval must be positive and finite, "
          "got ", absl::FormatDuration(r.gc_spike_duration), " and ",
          absl::FormatDuration(r.gc_interval)));
    }
    if (r.gc_spikes == GcSpikes::kPeriodic && r.gc_spike_duration > r.gc_interval) {
      return absl::InvalidArgumentError(absl::StrCat(
          "resources.gc_spike_duration (", absl::FormatDuration(r.gc_spike_duration),
          ") must not be longer than resources.gc_interval (",
          absl::FormatDuration(r.gc_interval), ") for periodic spikes"));
    }
  }
  if (r.container.empty()) {
    return absl::InvalidArgumentError("resources.container must not be empty");
  }
  return absl::OkStatus();
}

absl::Status CheckOptions(const std::vector<hpa::MetricSpec>& metrics,
                          const Trace& trace, const AgentModelOptions& opt,
                          double* interval) {
  if (trace.empty()) return absl::InvalidArgumentError("the trace is empty");
  if (absl::Status st = CheckOutages(opt.outages); !st.ok()) return st;
  auto positive = [](absl::Duration d) { return d > absl::ZeroDuration(); };
  if (!positive(opt.scrape_interval) || !positive(opt.sync_period) ||
      !positive(opt.adapter_window)) {
    return absl::InvalidArgumentError(
        "scrape_interval, adapter_window and sync_period must be positive");
  }
  if (opt.startup_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("startup_delay must not be negative");
  }
  if (opt.slots < 1) {
    return absl::InvalidArgumentError(absl::StrCat("slots must be at least 1, got ", opt.slots));
  }
  if (!(opt.service_seconds > 0) || !std::isfinite(opt.service_seconds)) {
    return absl::InvalidArgumentError(
        absl::StrCat("service_seconds must be positive, got ", opt.service_seconds));
  }
  if (!(opt.lognormal_sigma >= 0) || !(opt.trace_value_factor >= 0) ||
      !(opt.requests_per_task >= 0)) {
    return absl::InvalidArgumentError(
        "lognormal_sigma, trace_value_factor and requests_per_task must not be negative");
  }
  if (opt.service == ServiceTimeModel::kTraceValue && opt.arrivals != ArrivalShape::kPerRow) {
    return absl::InvalidArgumentError(
        "service times from the trace's values need one row per arrival "
        "(arrivals: per-row)");
  }
  if (opt.resources.has_value()) AGENTSCALE_RETURN_IF_ERROR(CheckResources(*opt.resources));
  const std::string& container =
      opt.resources.has_value() ? opt.resources->container : ResourceModel{}.container;
  for (const hpa::MetricSpec& m : metrics) {
    if (m.type == hpa::MetricSourceType::kResource ||
        m.type == hpa::MetricSourceType::kContainerResource) {
      if (m.name != "cpu" && m.name != "memory") {
        return absl::InvalidArgumentError(absl::StrCat(
            "the agent model does not report ", m.Describe(),
            "; its resource model reports cpu and memory"));
      }
      if (m.type == hpa::MetricSourceType::kContainerResource && m.container != container) {
        return absl::InvalidArgumentError(absl::StrCat(
            m.Describe(), " reads container \"", m.container,
            "\"; the agent model's agents have one container, \"", container,
            "\" (resources.container)"));
      }
      continue;
    }
    const bool pods = m.type == hpa::MetricSourceType::kPods &&
                      (m.name == kTaskMetric || m.name == kRequestMetric);
    bool queried = false;
    for (const AgentModelOptions::ExternalQuery& q : opt.external_queries) {
      queried = queried || q.metric == m.name;
    }
    const bool queue = m.type == hpa::MetricSourceType::kExternal &&
                       (m.name == opt.queue_metric || queried);
    if (!pods && !queue) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the agent model does not report ", m.Describe(),
          "; it reports Pods metrics ", kTaskMetric, " and ", kRequestMetric,
          " and the External metric ", opt.queue_metric,
          ", and the Resource metrics cpu and memory"));
    }
  }
  if (opt.drain_limit < absl::ZeroDuration() || opt.drain_limit > absl::Hours(24 * 366)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "drain_limit must be from 0 to 366 days, got ", absl::FormatDuration(opt.drain_limit)));
  }
  if (opt.max_tasks < 1 || opt.max_tasks > kMaxTasksLimit) {
    return absl::InvalidArgumentError(absl::StrCat("max_tasks must be 1 to ", kMaxTasksLimit,
                                                   ", got ", opt.max_tasks));
  }
  // The tasks the trace brings, row by row (Poisson: the expected count).
  const double limit = static_cast<double>(opt.max_tasks);
  double total = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    total += opt.arrivals == ArrivalShape::kPerRow ? 1.0 : trace.values[i];
    if (total > limit + 0.5) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "trace row %d (time %.0f, value %g): the trace brings %.6g tasks by this row, over "
          "the agent model's limit of %d tasks per run (max_tasks); scale the trace down or "
          "raise the limit",
          i, trace.time_seconds[i], trace.values[i], total, opt.max_tasks));
    }
  }
  *interval = absl::ToDoubleSeconds(opt.interval);
  if (*interval <= 0) *interval = trace.MedianInterval();
  if (*interval <= 0 && opt.arrivals != ArrivalShape::kPerRow) {
    return absl::InvalidArgumentError(
        "cannot tell the interval of a one-row trace; set the interval");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AgentModelResult> RunAgentModel(const hpa::AutoscalerSpec& spec,
                                               const Trace& trace,
                                               const AgentModelOptions& opt) {
  double interval = 0;
  if (absl::Status st = CheckOptions(spec.metrics, trace, opt, &interval); !st.ok()) {
    return st;
  }
  absl::StatusOr<HorizontalAutoscaler> engine = HorizontalAutoscaler::Create(spec, opt.config);
  if (!engine.ok()) return engine.status();
  if (internal::Wraps(opt)) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        internal::Wrapped scheduled,
        internal::Scheduled(std::make_unique<HorizontalAutoscaler>(std::move(*engine)),
                            opt, trace.empty() ? 0 : trace.start(),
                            internal::ScheduleEnd(trace, opt)));
    AgentModelOptions rest = opt;
    internal::ClearWrappers(&rest);
    return internal::WithScore(RunAgentModel(*scheduled.policy, trace, rest), scheduled);
  }
  Simulation sim(*engine, trace, opt, interval);
  return sim.Run();
}

absl::StatusOr<AgentModelResult> RunAgentModel(Policy& policy, const Trace& trace,
                                               const AgentModelOptions& opt) {
  AGENTSCALE_RETURN_IF_ERROR(internal::NoSchedule(opt));
  double interval = 0;
  if (absl::Status st = CheckOptions(policy.metrics(), trace, opt, &interval); !st.ok()) {
    return st;
  }
  Simulation sim(policy, trace, opt, interval);
  return sim.Run();
}

}  // namespace agentscale::sim
