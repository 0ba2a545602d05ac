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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "utf8.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/yaml.h"

namespace agentscale::yaml_fields {

// "<source>:<line>:<column>: ", or "<source>: " for a node without a mark.
inline std::string Where(const std::string& source, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return absl::StrCat(source, ": ");
  return absl::StrCat(source, ":", mark.line + 1, ":", mark.column + 1, ": ");
}

// ---- Loading YAML within bounded time and memory ---------------------------
//
// Every YAML the project reads (manifests, ScaledObjects and ScaledJobs,
// adapter rules, schedules and ConfigMaps, forecasts, alert rules, lint) is
// loaded by LoadAllDocuments or LoadDocument below, which first check the
// text and walk the event stream once, before yaml-cpp builds any node:
//
//   - size: at most `max_bytes` of text (checked before anything else);
//   - encoding: valid UTF-8 (yaml-cpp passes invalid bytes through into
//     scalars, and Python then fails to decode them);
//   - progress: yaml-cpp 0.7's LoadAll loops for ever, allocating, on a
//     document its parser cannot get past (a stray ',' at the start of a
//     line: jbeder/yaml-cpp#1040); the parser must move forward at every
//     document;
//   - documents: at most `max_documents`;
//   - depth: at most `max_depth` nested sequences and mappings, counted with
//     aliases expanded (yaml-cpp itself gives up at 500 with "bad file");
//   - nodes: at most `max_nodes` nodes counted with aliases expanded, as a
//     walk of the loaded tree (our loaders, YAML::Emitter) sees them: aliases
//     share nodes, so a "billion laughs" document is small in memory but
//     explodes when walked;
//   - cycles: an alias inside the node its anchor names (`&a [*a]`) would
//     make the tree a graph that no walk finishes.
//
// Every error reads "<source>:<line>:<column>: <problem>" (the yaml_fields
// format), e.g. "manifest.yaml:3:7: more than 256 nested YAML sequences and
// mappings (the limit)". yaml-cpp's own parse errors become
// "<source>:<line>:<column>: invalid YAML: <yaml-cpp's message>".

inline constexpr size_t kMaxYamlBytes = size_t{16} << 20;  // 16 MiB
inline constexpr int kMaxYamlDepth = 256;
inline constexpr size_t kMaxYamlNodes = 1000000;
inline constexpr size_t kMaxYamlDocuments = 10000;

struct Limits {
  size_t max_bytes = kMaxYamlBytes;
  int max_depth = kMaxYamlDepth;
  size_t max_nodes = kMaxYamlNodes;
  size_t max_documents = kMaxYamlDocuments;
};

// The mark (0-based line and column, as YAML::Mark) of byte `offset`.
inline YAML::Mark MarkAt(const std::string& text, size_t offset) {
  YAML::Mark mark;
  mark.pos = static_cast<int>(offset);
  mark.line = 0;
  mark.column = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++mark.line;
      mark.column = 0;
    } else {
      ++mark.column;
    }
  }
  return mark;
}

// The offset of the first byte that is not part of well-formed UTF-8
// (utf8.h), or npos.
inline size_t FirstInvalidUtf8(const std::string& text) {
  const size_t at = ::agentscale::internal::FindInvalidUtf8(text);
  return at == text.size() ? std::string::npos : at;
}

inline std::string HexByte(unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string{kHex[byte >> 4], kHex[byte & 15]};
}

// `text` with every byte that is not part of well-formed UTF-8 written as
// \xNN: yaml-cpp quotes single bytes in some messages ("unknown escape
// character: ..."), which may be half of a character.
inline std::string EscapeInvalidUtf8(const std::string& text) {
  std::string out;
  size_t from = 0;
  while (from < text.size()) {
    const size_t bad = FirstInvalidUtf8(text.substr(from));
    if (bad == std::string::npos) break;
    out.append(text, from, bad);
    absl::StrAppend(&out, "\\x", HexByte(static_cast<unsigned char>(text[from + bad])));
    from += bad + 1;
  }
  out.append(text, from, std::string::npos);
  return out;
}

// "<source>:<line>:<col>: invalid UTF-8 (byte 0xff); YAML must be UTF-8",
// or OK. A NUL byte is refused too: YAML text has none, and yaml-cpp would
// take NULs near the start for UTF-16 or UTF-32 without a byte-order mark
// and read the rest as such.
inline absl::Status CheckUtf8(const std::string& text, const std::string& source) {
  const size_t bad = FirstInvalidUtf8(text);
  const size_t nul = text.find('\0');
  if (nul != std::string::npos && nul < bad) {
    return absl::InvalidArgumentError(absl::StrCat(Where(source, MarkAt(text, nul)),
                                                   "a NUL byte; YAML must be UTF-8 text"));
  }
  if (bad == std::string::npos) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      Where(source, MarkAt(text, bad)), "invalid UTF-8 (byte 0x",
      HexByte(static_cast<unsigned char>(text[bad])), "); YAML must be UTF-8"));
}

// The one streaming pass (see above): throws BoundsCheck::Exceeded at the
// first node past a limit; yaml-cpp's own exceptions pass through.
class BoundsCheck final : public YAML::EventHandler {
 public:
  struct Exceeded {
    YAML::Mark mark;
    std::string problem;
  };

  explicit BoundsCheck(const Limits& limits) : limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    start_ = mark;
    anchors_.clear();  // anchors are per document
    open_.clear();
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { Leaf(mark, anchor); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Leaf(mark, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return;  // yaml-cpp rejects unknown aliases itself
    if (!it->second.done) {
      throw Exceeded{mark, "an alias inside the node its anchor names (a cycle)"};
    }
    Add(mark, it->second.nodes);
    Child(mark, it->second.height);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor);
  }
  void OnMapEnd() override { Close(); }

  // Where the last document started.
  const YAML::Mark& start() const { return start_; }

 private:
  struct Anchored {
    bool done = false;
    size_t nodes = 0;  // with aliases expanded
    int height = 0;    // 1 for a leaf
  };
  struct Frame {
    YAML::anchor_t anchor;
    size_t nodes_before;
    int child_height;  // the tallest child's height so far
  };

  void Add(const YAML::Mark& mark, size_t nodes) {
    if (nodes > limits_.max_nodes || nodes_ > limits_.max_nodes - nodes) {
      throw Exceeded{mark, absl::StrCat("more than ", limits_.max_nodes,
                                        " YAML nodes, aliases expanded (the limit)")};
    }
    nodes_ += nodes;
  }
  // A child of height `height` in the innermost open collection.
  void Child(const YAML::Mark& mark, int height) {
    if (static_cast<int64_t>(open_.size()) + height > limits_.max_depth) {
      throw Exceeded{mark, absl::StrCat("more than ", limits_.max_depth,
                                        " nested YAML sequences and mappings, aliases "
                                        "expanded (the limit)")};
    }
    if (!open_.empty()) open_.back().child_height = std::max(open_.back().child_height, height);
  }
  void Leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    Add(mark, 1);
    Child(mark, 0);
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{true, 1, 0};
  }
  void Open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    const size_t before = nodes_;
    Add(mark, 1);
    Child(mark, 1);
    open_.push_back(Frame{anchor, before, 0});
    if (anchor != YAML::NullAnchor) anchors_[anchor] = Anchored{};
  }
  void Close() {
    if (open_.empty()) return;
    const Frame o = open_.back();
    open_.pop_back();
    const int height = o.child_height + 1;
    if (o.anchor != YAML::NullAnchor) {
      anchors_[o.anchor] = Anchored{true, nodes_ - o.nodes_before, height};
    }
    if (!open_.empty()) open_.back().child_height = std::max(open_.back().child_height, height);
  }

  const Limits limits_;
  YAML::Mark start_;
  size_t nodes_ = 0;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::vector<Frame> open_;
};

// The checks above, on the whole stream; yaml-cpp exceptions pass through.
inline absl::Status CheckBounds(const std::string& text, const std::string& source,
                                const Limits& limits) {
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source, MarkAt(text, limits.max_bytes)), "more than ",
                     limits.max_bytes, " bytes of YAML (the limit)"));
  }
  if (absl::Status utf8 = CheckUtf8(text, source); !utf8.ok()) return utf8;
  std::istringstream in(text);
  YAML::Parser parser(in);
  BoundsCheck check(limits);
  size_t documents = 0;
  int previous = -1;
  try {
    while (parser.HandleNextDocument(check)) {
      if (check.start().pos <= previous) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(source, check.start()),
            "invalid YAML: the parser cannot get past this point (a stray ',', ']' or '}'?)"));
      }
      previous = check.start().pos;
      if (++documents > limits.max_documents) {
        return absl::InvalidArgumentError(absl::StrCat(
            Where(source, check.start()), "more than ", limits.max_documents,
            " YAML documents (the limit)"));
      }
    }
  } catch (const BoundsCheck::Exceeded& e) {
    return absl::InvalidArgumentError(absl::StrCat(Where(source, e.mark), e.problem));
  }
  return absl::OkStatus();
}

// YAML::LoadAll, bounded (see above). yaml-cpp's exceptions become
// "<source>:<line>:<column>: invalid YAML: ...".
inline absl::StatusOr<std::vector<YAML::Node>> LoadAllDocuments(const std::string& text,
                                                                const std::string& source,
                                                                const Limits& limits = {}) {
  try {
    if (absl::Status s = CheckBounds(text, source, limits); !s.ok()) return s;
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source, e.mark), "invalid YAML: ", EscapeInvalidUtf8(e.msg)));
  }
}

// YAML::Load (the first document, or a null node), bounded: the whole
// stream is checked.
inline absl::StatusOr<YAML::Node> LoadDocument(const std::string& text, const std::string& source,
                                               const Limits& limits = {}) {
  try {
    if (absl::Status s = CheckBounds(text, source, limits); !s.ok()) return s;
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(source, e.mark), "invalid YAML: ", EscapeInvalidUtf8(e.msg)));
  }
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
  return Error(source, e.mark, "", EscapeInvalidUtf8(e.msg));
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
// errors ("manifest", "schedule"): not found, a directory, unreadable. At
// most `max_bytes` + 1 bytes are read, so that a huge file costs no memory
// and the loader (CheckBounds) names where it passes the limit.
inline absl::StatusOr<std::string> ReadConfigFile(const std::string& path,
                                                  absl::string_view what,
                                                  size_t max_bytes = kMaxYamlBytes) {
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
  std::string text;
  char buffer[1 << 16];
  while (text.size() <= max_bytes && in) {
    const size_t room = max_bytes - text.size();  // one more byte shows the excess
    in.read(buffer, static_cast<std::streamsize>(room >= sizeof buffer ? sizeof buffer
                                                                        : room + 1));
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  return text;
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
