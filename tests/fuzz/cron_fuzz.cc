// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for cron lines (schedule/cron.h), which come from users'
// ScaledObjects: any bytes must parse or fail with an InvalidArgument
// status, never crash or hang. A line that parses is asked for its next
// instants in several zones (UTC, and two with daylight saving, one of them
// with a skipped midnight): each is strictly later than the instant asked
// about, is a wall-clock second the line names, and is none only when
// nothing matches within five years; a window of two lines answers the same
// with and without its cache. Built with clang when AGENTSCALE_BUILD_FUZZERS
// is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target cron_fuzz
//   /tmp/fuzz/tests/fuzz/cron_fuzz -max_total_time=60 tests/fuzz/corpus/cron
//
// Input: a flags byte (bit 0: a seconds field, bit 1: descriptors), the
// line up to a newline, a second line (the window's end), then bytes that
// pick the instants asked about.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/schedule/cron.h"

namespace {

using agentscale::schedule::CronParseOptions;
using agentscale::schedule::CronSchedule;
using agentscale::schedule::CronWindow;

const std::vector<absl::TimeZone>& Zones() {
  static const auto* zones = [] {
    auto* z = new std::vector<absl::TimeZone>{absl::UTCTimeZone()};
    for (const char* name : {"Europe/Berlin", "America/Sao_Paulo"}) {
      absl::StatusOr<absl::TimeZone> zone = agentscale::schedule::LoadZone(name);
      if (zone.ok()) z->push_back(*zone);
    }
    return z;
  }();
  return *zones;
}

void CheckNext(const CronSchedule& s, absl::Time after) {
  for (const absl::TimeZone& zone : Zones()) {
    const std::optional<absl::Time> next = s.Next(after, zone);
    if (!next.has_value()) continue;
    if (!(*next > after)) std::abort();
    if (*next > after + absl::Hours(24 * 366 * 6)) std::abort();
    const absl::TimeZone& z = s.own_zone().has_value() ? *s.own_zone() : zone;
    if (!s.Matches(z.At(*next).cs)) std::abort();
    // Asking again from just before the answer gives the answer.
    if (s.Next(*next - absl::Seconds(1), zone) != next) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  CronParseOptions options;
  options.seconds = (data[0] & 1) != 0;
  options.descriptors = (data[0] & 2) != 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t nl = text.find('\n');
  const std::string line = text.substr(0, nl);
  std::string end_line, rest;
  if (nl != std::string::npos) {
    const size_t nl2 = text.find('\n', nl + 1);
    end_line = text.substr(nl + 1, nl2 == std::string::npos ? std::string::npos : nl2 - nl - 1);
    if (nl2 != std::string::npos) rest = text.substr(nl2 + 1);
  }

  absl::StatusOr<CronSchedule> s = CronSchedule::Parse(line, options);
  if (!s.ok()) {
    if (s.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  // The instants: 2000-01-01 plus what the remaining bytes say (up to about
  // 60 years on), at whole and half seconds.
  std::vector<absl::Time> instants = {absl::FromUnixSeconds(946684800)};
  for (size_t i = 0; i + 4 <= rest.size() && instants.size() < 6; i += 4) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<uint8_t>(rest[i + k]);
    instants.push_back(absl::FromUnixSeconds(946684800 + (v % 1900000000u)) +
                       absl::Milliseconds((v & 1) * 500));
  }
  for (absl::Time t : instants) CheckNext(*s, t);

  absl::StatusOr<CronWindow> w = CronWindow::Create(line, end_line, "Europe/Berlin");
  if (!w.ok()) {
    if (w.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  CronWindow cached = *w;
  absl::Time t = instants.front();
  for (int k = 0; k < 200; ++k) {
    if (cached.Contains(t) != w->ContainsUncached(t)) std::abort();
    t += absl::Minutes(17) + absl::Seconds(k % 7);
  }
  return 0;
}
