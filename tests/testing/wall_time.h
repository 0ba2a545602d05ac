// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Instants written with their UTC offset, for tests about wall clocks:
//   absl::Time t = agentscale_testing::At("2024-03-31T02:30:00+0100");
#ifndef AGENTSCALE_TESTS_TESTING_WALL_TIME_H_
#define AGENTSCALE_TESTS_TESTING_WALL_TIME_H_

#include <gtest/gtest.h>

#include <string>

#include "absl/time/time.h"

namespace agentscale_testing {

// "YYYY-MM-DDTHH:MM:SS+hhmm"; a test failure if the text does not parse.
inline absl::Time At(const std::string& text) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%S%z", text, &t, &err)) << text << ": " << err;
  return t;
}

}  // namespace agentscale_testing

#endif  // AGENTSCALE_TESTS_TESTING_WALL_TIME_H_
