// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/policy/state.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "utf8.h"

namespace agentscale {
namespace {

using nlohmann::json;
constexpr const char* kFormat = "agentscale.policy-state/v1";
constexpr size_t kMaxDocumentBytes = size_t{64} << 20;
constexpr int kMaxDepth = 64;

json ToJson(const PolicyState& s) {
  json out = json::object();
  out["family"] = s.family;
  json state = json::parse(s.state_json, nullptr, /*allow_exceptions=*/false);
  out["state"] = state.is_discarded() ? json::object() : std::move(state);
  json children = json::array();
  for (const PolicyState& c : s.children) children.push_back(ToJson(c));
  out["children"] = std::move(children);
  return out;
}

absl::Status Fail(const std::string& path, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("policy state JSON: ", path.empty() ? "(top)" : path, ": ", why));
}

absl::Status FromJson(const json& v, const std::string& path, int depth,
                      bool top, PolicyState* out) {
  if (depth > kMaxDepth) {
    return Fail(path, absl::StrCat("nested deeper than ", kMaxDepth, " policies"));
  }
  if (!v.is_object()) return Fail(path, "must be an object");
  const std::string prefix = path.empty() ? "" : path + ".";
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    if (key != "family" && key != "state" && key != "children" &&
        !(top && key == "format")) {
      return Fail(prefix + key, "unknown field");
    }
  }
  if (top) {
    auto f = v.find("format");
    if (f == v.end() || !f->is_string() || f->get<std::string>() != kFormat) {
      return Fail("format", absl::StrCat("must be \"", kFormat, "\""));
    }
  }
  auto family = v.find("family");
  if (family == v.end() || !family->is_string() ||
      family->get<std::string>().empty()) {
    return Fail(prefix + "family", "must be a non-empty string");
  }
  out->family = family->get<std::string>();
  auto state = v.find("state");
  if (state == v.end()) {
    out->state_json = "{}";
  } else if (!state->is_object()) {
    return Fail(prefix + "state", "must be an object");
  } else {
    out->state_json = state->dump();
  }
  out->children.clear();
  auto children = v.find("children");
  if (children != v.end()) {
    if (!children->is_array()) return Fail(prefix + "children", "must be an array");
    out->children.resize(children->size());
    for (size_t i = 0; i < children->size(); ++i) {
      absl::Status st =
          FromJson((*children)[i], absl::StrCat(prefix, "children[", i, "]"),
                   depth + 1, false, &out->children[i]);
      if (!st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string PolicyStateToJson(const PolicyState& state, int indent) {
  json out = ToJson(state);
  json doc = json::object();
  doc["format"] = kFormat;
  for (auto it = out.begin(); it != out.end(); ++it) doc[it.key()] = it.value();
  return doc.dump(indent);
}

absl::StatusOr<PolicyState> PolicyStateFromJson(const std::string& text) {
  if (text.size() > kMaxDocumentBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy state JSON: ", text.size(), " bytes, over the limit of ",
                     kMaxDocumentBytes));
  }
  if (absl::Status st = internal::CheckUtf8(text, "policy state JSON"); !st.ok()) return st;
  // The parser's own nesting is bounded by the callback: a document nested
  // deeper than any policy tree could be is refused before it is built.
  bool too_deep = false;
  json::parser_callback_t bound = [&](int d, json::parse_event_t, json&) {
    if (d > 4 * kMaxDepth + 16) too_deep = true;
    return !too_deep;
  };
  json v = json::parse(text, bound, /*allow_exceptions=*/false);
  if (too_deep) {
    return Fail("", absl::StrCat("nested deeper than ", kMaxDepth, " policies"));
  }
  if (v.is_discarded()) return Fail("", "not valid JSON");
  PolicyState out;
  absl::Status st = FromJson(v, "", 0, true, &out);
  if (!st.ok()) return st;
  return out;
}

absl::Status CheckPolicyState(const PolicyState& state, const std::string& family,
                              size_t children) {
  if (state.family != family) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy state is for a \"", state.family, "\" policy, not \"", family, "\""));
  }
  if (state.children.size() != children) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy state of \"", family, "\" has ", state.children.size(),
                     " children; this policy has ", children));
  }
  return absl::OkStatus();
}

}  // namespace agentscale
