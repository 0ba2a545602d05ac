// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/nodes/vm_sizes.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace agentscale::nodes {
namespace {

// docs/nodes.md "VM sizes" gives the source of every column.
const std::vector<VmSize>& Table() {
  static const std::vector<VmSize>* const table = new std::vector<VmSize>{
      {"Standard_D2s_v4", 2, 8 * kGiB, 0.096, 30, Reservation::kAks},
      {"Standard_D4s_v4", 4, 16 * kGiB, 0.192, 30, Reservation::kAks},
      {"Standard_D8s_v4", 8, 32 * kGiB, 0.384, 30, Reservation::kAks},
      {"Standard_D16s_v4", 16, 64 * kGiB, 0.768, 30, Reservation::kAks},
      {"Standard_D4s_v5", 4, 16 * kGiB, 0.192, 30, Reservation::kAks},
      {"Standard_E4s_v4", 4, 32 * kGiB, 0.252, 30, Reservation::kAks},
      {"Standard_F4s_v2", 4, 8 * kGiB, 0.169, 30, Reservation::kAks},
      {"m5.large", 2, 8 * kGiB, 0.096, 29, Reservation::kEks},
      {"m5.xlarge", 4, 16 * kGiB, 0.192, 58, Reservation::kEks},
      {"m5.2xlarge", 8, 32 * kGiB, 0.384, 58, Reservation::kEks},
      {"c5.xlarge", 4, 8 * kGiB, 0.17, 58, Reservation::kEks},
      {"r5.xlarge", 4, 32 * kGiB, 0.252, 58, Reservation::kEks},
  };
  return *table;
}

std::string Lower(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Edit distance (insert, delete, substitute), case-insensitive; the names
// compared are short, and the input is cut to 64 characters first.
size_t Distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// AKS's kube-reserved CPU by cores on the host.
constexpr std::pair<int32_t, int64_t> kAksCpu[] = {{1, 60},   {2, 100},  {4, 140}, {8, 180},
                                                   {16, 260}, {32, 420}, {64, 740}};

int64_t AksCpuMilli(int32_t vcpus) {
  int64_t milli = kAksCpu[0].second;
  for (const auto& [cores, reserved] : kAksCpu) {
    if (vcpus >= cores) milli = reserved;
  }
  return milli;
}

// The EKS AMI's kube-reserved CPU: a share of each core, falling.
int64_t EksCpuMilli(int32_t vcpus) {
  // In hundredths of a millicore, so that the quarter percent stays exact.
  int64_t centi = 0;
  for (int32_t core = 1; core <= vcpus; ++core) {
    if (core == 1) {
      centi += 6000;  // 6 % of 1000m
    } else if (core == 2) {
      centi += 1000;  // 1 %
    } else if (core <= 4) {
      centi += 500;  // 0.5 %
    } else {
      centi += 250;  // 0.25 %
    }
  }
  return centi / 100;
}

}  // namespace

std::string FormatResources(const Resources& r) {
  std::string cpu = r.cpu_milli % 1000 == 0 ? absl::StrCat(r.cpu_milli / 1000)
                                            : absl::StrFormat("%.3g", r.cpu_milli / 1000.0);
  std::string memory =
      r.memory_bytes >= kGiB
          ? absl::StrFormat("%.2f GiB", static_cast<double>(r.memory_bytes) / kGiB)
          : absl::StrFormat("%.0f MiB", static_cast<double>(r.memory_bytes) / kMiB);
  return absl::StrCat(cpu, " CPU, ", memory);
}

const char* ReservationName(Reservation r) {
  switch (r) {
    case Reservation::kAks:
      return "aks";
    case Reservation::kEks:
      return "eks";
    case Reservation::kNone:
      return "none";
  }
  return "none";
}

absl::Span<const VmSize> BuiltinVmSizes() { return Table(); }

absl::StatusOr<VmSize> FindVmSize(const std::string& name) {
  const std::string wanted = Lower(name.substr(0, 64));
  for (const VmSize& size : Table()) {
    if (Lower(size.name) == wanted) return size;
  }
  std::vector<std::pair<size_t, size_t>> ranked;  // (distance, table index)
  for (size_t i = 0; i < Table().size(); ++i) {
    ranked.emplace_back(Distance(wanted, Lower(Table()[i].name)), i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> close;
  for (size_t i = 0; i < ranked.size() && i < 3; ++i) close.push_back(Table()[ranked[i].second].name);
  const std::string shown = name.size() > 64 ? absl::StrCat(name.substr(0, 64), "...") : name;
  return absl::NotFoundError(absl::StrCat("unknown VM size \"", shown,
                                          "\"; closest built-in sizes: ", absl::StrJoin(close, ", "),
                                          " (or give cpu, memory and price for a custom size)"));
}

Resources SystemReserved(Reservation reservation, int32_t vcpus, int64_t memory_bytes,
                         int32_t max_pods) {
  switch (reservation) {
    case Reservation::kAks: {
      const int64_t kube = std::min(20 * kMiB * max_pods + 50 * kMiB, memory_bytes / 4);
      return {AksCpuMilli(vcpus), kube + 100 * kMiB};
    }
    case Reservation::kEks:
      return {EksCpuMilli(vcpus), 11 * kMiB * max_pods + 255 * kMiB + 100 * kMiB};
    case Reservation::kNone:
      return {};
  }
  return {};
}

Resources AllocatableFor(const VmSize& size) {
  const Resources reserved =
      SystemReserved(size.reservation, size.vcpus, size.memory_bytes, size.max_pods);
  return {std::max<int64_t>(0, int64_t{size.vcpus} * 1000 - reserved.cpu_milli),
          std::max<int64_t>(0, size.memory_bytes - reserved.memory_bytes)};
}

}  // namespace agentscale::nodes
