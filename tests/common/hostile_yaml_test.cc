// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Hostile YAML: every loader ends within bounded time and memory with an
// error naming the line (src/common/yaml_fields.h, docs/input-limits.md).
// The regression inputs under tests/data/regressions/ made yaml-cpp 0.7 grow
// without bound (jbeder/yaml-cpp#1040); the bounds (size, depth, expanded
// nodes, documents, UTF-8, alias cycles) are checked through each loader:
// manifests, the adapter's rules, schedules, forecasts and alert rules.
// Inputs stay small, as the suite runs under ASan and UBSan.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "agentscale/config/alert_rules.h"
#include "agentscale/config/forecast.h"
#include "agentscale/config/manifest.h"
#include "agentscale/config/schedule.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/metrics/adapter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string SourceDir() {
  if (const char* env = std::getenv("AGENTSCALE_SOURCE_DIR")) return env;
  return ".";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// ---- The regression inputs ----------------------------------------------

struct RegressionCase {
  std::string file;
  std::string error;  // after "<path>:"
};

class RegressionTest : public ::testing::TestWithParam<RegressionCase> {};

TEST_P(RegressionTest, ManifestLoaderGivesCleanError) {
  const std::string path = SourceDir() + "/tests/data/regressions/" + GetParam().file;
  for (bool strict : {true, false}) {
    config::LoadOptions options;
    options.strict = strict;
    EXPECT_THAT(config::LoadManifestFile(path, options).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         absl::StrCat(path, ":", GetParam().error)));
  }
  EXPECT_THAT(config::LoadManifestString(ReadFile(path), "pasted.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("pasted.yaml:", GetParam().error)));
  EXPECT_THAT(config::ListManifestDocuments(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(path + ":")));
}

const char kStuck[] =
    "invalid YAML: the parser cannot get past this point (a stray ',', ']' or '}'?)";

INSTANTIATE_TEST_SUITE_P(
    Regressions, RegressionTest,
    ::testing::ValuesIn(std::vector<RegressionCase>{
        {"manifest_lone_comma.yaml", absl::StrCat("1:1: ", kStuck)},
        {"manifest_comma_lines_hang.yaml", absl::StrCat("2:1: ", kStuck)},
        {"manifest_mutated_unbounded_memory.yaml", absl::StrCat("2:1: ", kStuck)},
    }),
    [](const ::testing::TestParamInfo<RegressionCase>& info) {
      return info.param.file.substr(0, info.param.file.find('.'));
    });

// ---- Every bound, through every loader ----------------------------------

// A loader under test: the status of loading `text` as `source`.
struct Loader {
  std::string name;
  std::string source;  // what its errors start with
  std::function<absl::Status(const std::string& text)> load;
};

std::vector<Loader> Loaders() {
  return {
      {"Manifest", "m.yaml",
       [](const std::string& t) { return config::LoadManifestString(t, "m.yaml").status(); }},
      {"LenientManifest", "m.yaml",
       [](const std::string& t) {
         config::LoadOptions o;
         o.strict = false;
         return config::LoadManifestString(t, "m.yaml", o).status();
       }},
      {"ListManifest", "m.yaml",
       [](const std::string& t) {
         return config::ListManifestDocumentsInString(t, "m.yaml").status();
       }},
      {"AdapterRules", "adapter config",
       [](const std::string& t) { return metrics::MetricAdapter::FromConfig(t).status(); }},
      {"Schedule", "s.yaml",
       [](const std::string& t) { return config::LoadScheduleString(t, "s.yaml").status(); }},
      {"Forecast", "f.yaml",
       [](const std::string& t) { return config::LoadForecastString(t, "f.yaml").status(); }},
      {"AlertRules", "r.yml",
       [](const std::string& t) {
         return config::LoadPrometheusRulesString(t, "r.yml").status();
       }},
  };
}

struct Hostile {
  std::string name;
  std::function<std::string()> text;
  std::string error;  // after "<source>:"
};

std::string Nested(int depth) {
  return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']');
}

// The "billion laughs": ten levels of ten aliases each, 10^10 nodes when
// walked, a few hundred bytes in memory.
std::string Laughs() {
  std::string s = "l0: &l0 lol\n";
  for (int i = 1; i <= 10; ++i) {
    absl::StrAppend(&s, "l", i, ": &l", i, " [");
    for (int k = 0; k < 10; ++k) absl::StrAppend(&s, k ? ", " : "", "*l", i - 1);
    absl::StrAppend(&s, "]\n");
  }
  return s;
}

// A long chain of aliases, each one deeper: depth grows with every link.
std::string AliasChain(int links) {
  std::string s = "c0: &c0 x\n";
  for (int i = 1; i <= links; ++i) absl::StrAppend(&s, "c", i, ": &c", i, " [*c", i - 1, "]\n");
  return s;
}

std::vector<Hostile> Hostiles() {
  return {
      {"TooLarge", [] { return std::string((size_t{16} << 20) + 1, '#'); },
       "1:16777217: more than 16777216 bytes of YAML (the limit)"},
      {"TooDeep", [] { return Nested(300); },
       "1:257: more than 256 nested YAML sequences and mappings, aliases expanded (the limit)"},
      {"HundredThousandDeep", [] { return Nested(100000); },
       "1:257: more than 256 nested YAML sequences and mappings, aliases expanded (the limit)"},
      {"DeepBlockMappings",
       [] {
         std::string s;
         for (int i = 0; i < 300; ++i) absl::StrAppend(&s, std::string(i, ' '), "k:\n");
         return s;
       },
       "257:257: more than 256 nested YAML sequences and mappings, aliases expanded (the limit)"},
      {"BillionLaughs", Laughs,
       "7:45: more than 1000000 YAML nodes, aliases expanded (the limit)"},
      {"LongAliasChain", [] { return AliasChain(300); },
       "257:14: more than 256 nested YAML sequences and mappings, aliases expanded (the limit)"},
      {"AliasCycle", [] { return std::string("a: &a [x, *a]\n"); },
       "1:11: an alias inside the node its anchor names (a cycle)"},
      {"TooManyDocuments",
       [] {
         std::string s;
         for (int i = 0; i < 10001; ++i) s += "--- 1\n";
         return s;
       },
       "10001:1: more than 10000 YAML documents (the limit)"},
      {"InvalidUtf8",
       [] { return std::string("a: 1\nb: 'caf\xc3\xa9 \xff'\n"); },
       "2:11: invalid UTF-8 (byte 0xff); YAML must be UTF-8"},
      {"Latin1", [] { return std::string("# caf\xe9\nkind: x\n"); },
       "1:6: invalid UTF-8 (byte 0xe9); YAML must be UTF-8"},
      {"OverlongUtf8", [] { return std::string("a: \xc0\x80\n"); },
       "1:4: invalid UTF-8 (byte 0xc0); YAML must be UTF-8"},
      {"Utf8Surrogate", [] { return std::string("a: \xed\xa0\x80\n"); },
       "1:4: invalid UTF-8 (byte 0xed); YAML must be UTF-8"},
      {"Utf8AboveMax", [] { return std::string("a: \xf4\x90\x80\x80\n"); },
       "1:4: invalid UTF-8 (byte 0xf4); YAML must be UTF-8"},
      {"TruncatedUtf8", [] { return std::string("a: b\xe2\x82"); },
       "1:5: invalid UTF-8 (byte 0xe2); YAML must be UTF-8"},
      {"NulByte", [] { return std::string(":\0conds1\nkind: x\n", 17); },
       "1:2: a NUL byte; YAML must be UTF-8 text"},
      {"EscapedHalfCharacter", [] { return std::string("a: \"\\\xc3\xa9\"\n"); },
       "1:7: invalid YAML: unknown escape character: \\xc3"},
      {"StrayComma", [] { return std::string("kind: HorizontalPodAutoscaler\n,\n"); },
       "2:1: invalid YAML: end of map not found"},
  };
}

struct BoundCase {
  Loader loader;
  Hostile hostile;
};

class BoundTest : public ::testing::TestWithParam<BoundCase> {};

TEST_P(BoundTest, ErrorNamesLineAndLimit) {
  const BoundCase& c = GetParam();
  EXPECT_THAT(c.loader.load(c.hostile.text()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat(c.loader.source, ":", c.hostile.error)));
}

std::vector<BoundCase> BoundCases() {
  std::vector<BoundCase> out;
  for (const Loader& l : Loaders()) {
    for (const Hostile& h : Hostiles()) out.push_back({l, h});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryLoader, BoundTest, ::testing::ValuesIn(BoundCases()),
                         [](const ::testing::TestParamInfo<BoundCase>& info) {
                           return info.param.loader.name + "_" + info.param.hostile.name;
                         });

// ---- Files and raised limits --------------------------------------------

TEST(HostileYamlFiles, InvalidUtf8InFileNamesFileAndLine) {
  const std::string path = WriteTemp("latin1.yaml",
                                     "apiVersion: autoscaling/v2\n"
                                     "kind: HorizontalPodAutoscaler\n"
                                     "metadata: {name: caf\xe9}\n");
  EXPECT_THAT(config::LoadManifestFile(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ":3:21: invalid UTF-8 (byte 0xe9); YAML must be UTF-8"));
  EXPECT_THAT(config::LoadScheduleFile(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(":3:21: invalid UTF-8")));
  EXPECT_THAT(metrics::MetricAdapter::FromConfigFile(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ":3:21: invalid UTF-8 (byte 0xe9); YAML must be UTF-8"));
}

TEST(HostileYamlFiles, LargeFileIsReadOnlyToTheLimit) {
  const std::string path = WriteTemp("large.yaml", std::string(5000, '#'));
  config::LoadOptions options;
  options.yaml_limits.max_bytes = 1000;
  EXPECT_THAT(config::LoadManifestFile(path, options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       path + ":1:1001: more than 1000 bytes of YAML (the limit)"));
}

TEST(HostileYamlLimits, CanBeRaisedAndLowered) {
  config::LoadOptions options;
  options.yaml_limits.max_depth = 400;
  // Past the bounds (yaml-cpp's own guard is at 500), the document is not a
  // mapping.
  EXPECT_THAT(config::LoadManifestString(Nested(300), "m.yaml", options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be a mapping")));

  const std::string four_laughs = "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: [*b, *b, *b]\n";
  EXPECT_THAT(config::LoadManifestString(four_laughs, "m.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind: is required")));
  options.yaml_limits.max_nodes = 40;
  EXPECT_THAT(config::LoadManifestString(four_laughs, "m.yaml", options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "m.yaml:3:5: more than 40 YAML nodes, aliases expanded (the limit)"));

  config::ScheduleLoadOptions schedule;
  schedule.yaml_limits.max_documents = 2;
  EXPECT_THAT(config::LoadScheduleString("--- 1\n--- 2\n--- 3\n", "s.yaml", schedule).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "s.yaml:3:1: more than 2 YAML documents (the limit)"));
}

TEST(HostileYamlLimits, AliasesWithinLimitsStillLoad) {
  // Aliases are YAML: a manifest that shares a policy list loads.
  const std::string manifest =
      "apiVersion: autoscaling/v2\n"
      "kind: HorizontalPodAutoscaler\n"
      "metadata: {name: shared}\n"
      "spec:\n"
      "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
      "  minReplicas: 1\n"
      "  maxReplicas: 5\n"
      "  behavior:\n"
      "    scaleUp: {policies: &p [{type: Pods, value: 1, periodSeconds: 60}]}\n"
      "    scaleDown: {policies: *p}\n";
  absl::StatusOr<config::LoadedManifests> loaded = config::LoadManifestString(manifest, "m.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->autoscalers.size(), 1u);
}

TEST(HostileYamlFiles, QuantityErrorQuotesWholeCharacter) {
  // Found by manifest_fuzz: the quantity parser quoted one byte of a
  // two-byte character, and Python could not raise the message.
  const std::string manifest =
      "apiVersion: autoscaling/v2\n"
      "kind: HorizontalPodAutoscaler\n"
      "metadata: {name: web}\n"
      "spec:\n"
      "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
      "  maxReplicas: 5\n"
      "  metrics:\n"
      "  - type: Resource\n"
      "    resource: {name: memory, target: {type: AverageValue, averageValue: \"1.5\xd3\xa1Gi\"}}\n";
  EXPECT_THAT(config::LoadManifestString(manifest, "m.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected character '\xd3\xa1' at offset 3")));
}

TEST(HostileYamlLimits, DumpedJobTemplateIsReadWithinBounds) {
  keda::ScaledJobSpec job;
  job.name = "laughs";
  job.job_template_yaml = Laughs();
  // Written as a string rather than expanded (10^10 nodes).
  EXPECT_THAT(config::DumpScaledJob(job), HasSubstr("template: \"l0: &l0 lol\\n"));
}

TEST(HostileYamlLimits, ValidUtf8StillLoads) {
  const std::string manifest =
      "\xef\xbb\xbf# caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 (a BOM, 2-, 3- and 4-byte forms)\n"
      "apiVersion: autoscaling/v2\n"
      "kind: HorizontalPodAutoscaler\n"
      "metadata: {name: web, annotations: {note: \"\xc3\xa9t\xc3\xa9\"}}\n"
      "spec:\n"
      "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
      "  maxReplicas: 5\n";
  absl::StatusOr<config::LoadedManifests> loaded = config::LoadManifestString(manifest, "m.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->autoscalers.size(), 1u);
}

}  // namespace
}  // namespace agentscale
