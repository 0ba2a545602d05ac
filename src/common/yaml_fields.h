// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The YAML field checks every loader shares (not installed), and the one
// error format of every loader:
//
//   <source>:<line>:<column>: <field.path>: <problem>
//
// (without a position when the node has none). Only for sources that link
// yaml-cpp privately (config/, the adapter's rules in metrics/).
#ifndef AGENTSCALE_SRC_COMMON_YAML_FIELDS_H_
#define AGENTSCALE_SRC_COMMON_YAML_FIELDS_H_

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace agentscale::yaml_fields {

// "<source>:<line>:<column>: ", or "<source>: " for a node without a mark.
inline std::string Where(const std::string& source, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return absl::StrCat(source, ": ");
  return absl::StrCat(source, ":", mark.line + 1, ":", mark.column + 1, ": ");
}

// YAML::LoadAll, bounded. yaml-cpp 0.7's LoadAll loops for ever, allocating,
// on a document its parser cannot get past (a stray ',' at the start of a
// line: jbeder/yaml-cpp#1040): the parser reports the same document again
// and again without consuming anything. The stream is walked once with a
// parser that must move forward at every document (and may hold at most
// `max_documents`); only then is it loaded. Errors carry
// "<source>:<line>:<column>: invalid YAML: ..."; yaml-cpp's own exceptions
// pass through to the caller's handler.
class ProgressCheck final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  const YAML::Mark& start() const { return start_; }

 private:
  YAML::Mark start_;
};

inline absl::StatusOr<std::vector<YAML::Node>> LoadAllDocuments(
    const std::string& text, const std::string& source, size_t max_documents = 10000) {
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ProgressCheck check;
    size_t documents = 0;
    int previous = -1;
    while (parser.HandleNextDocument(check)) {
      if (check.start().pos <= previous) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(source, check.start()),
            "invalid YAML: the parser cannot get past this point (a stray ',', ']' or '}'?)"));
      }
      previous = check.start().pos;
      if (++documents > max_documents) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(source, check.start()), "more than ", max_documents,
            " YAML documents (the limit)"));
      }
    }
  }
  return YAML::LoadAll(text);
}

inline absl::Status Error(const std::string& source, const YAML::Mark& mark,
                          const std::string& path, absl::string_view problem) {
  std::string out = Where(source, mark);
  if (!path.empty()) absl::StrAppend(&out, path, ": ");
  absl::StrAppend(&out, problem);
  return absl::InvalidArgumentError(out);
}

// A yaml-cpp parse error, at its position.
inline absl::Status FromException(const std::string& source, const YAML::Exception& e) {
  return Error(source, e.mark, "", e.msg);
}

// The scalar at `n`, or "must be a string".
inline absl::StatusOr<std::string> Scalar(const std::string& source,
                                          const std::string& path, const YAML::Node& n) {
  if (!n.IsScalar()) return Error(source, n.Mark(), path, "must be a string");
  return n.Scalar();
}

// `n` is a mapping whose keys are all in `supported`; a key in
// `known_unsupported` is named as `unsupported_why` (a field the format has
// but this loader does not implement), any other as an unknown field.
inline absl::Status CheckKeys(const std::string& source, const std::string& path,
                              const YAML::Node& n,
                              std::initializer_list<absl::string_view> supported,
                              std::initializer_list<absl::string_view> known_unsupported,
                              absl::string_view unsupported_why) {
  if (!n.IsMap()) return Error(source, n.Mark(), path, "must be a mapping");
  for (const auto& kv : n) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    bool ok = false;
    for (absl::string_view s : supported) ok = ok || key == s;
    if (ok) continue;
    const std::string child = path.empty() ? key : absl::StrCat(path, ".", key);
    for (absl::string_view s : known_unsupported) {
      if (key == s) return Error(source, kv.first.Mark(), child, unsupported_why);
    }
    return Error(source, kv.first.Mark(), child,
                 absl::StrCat("unknown field (supported: ", absl::StrJoin(supported, ", "),
                              ")"));
  }
  return absl::OkStatus();
}

// The text of the config file at `path`; `what` names the kind of file in
// errors ("manifest", "schedule"): not found, a directory, unreadable.
inline absl::StatusOr<std::string> ReadConfigFile(const std::string& path,
                                                  absl::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat(what, " file not found: ", path));
  }
  if (std::filesystem::is_directory(path, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a ", what, " file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::PermissionDeniedError(absl::StrCat("cannot open ", what, " file: ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scalar at top-level `key` of a mapping document, or "" when absent or
// not a scalar (to classify documents before strict decoding); *mark (if
// given) is where its value is.
inline std::string TopLevelScalar(const YAML::Node& doc, const char* key,
                                  YAML::Mark* mark = nullptr) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      if (mark != nullptr) *mark = it->second.Mark();
      return it->second.IsScalar() ? it->second.Scalar() : "";
    }
  }
  return "";
}

}  // namespace agentscale::yaml_fields

#endif  // AGENTSCALE_SRC_COMMON_YAML_FIELDS_H_
