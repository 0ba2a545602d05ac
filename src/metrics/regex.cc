// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "regex.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agentscale/metrics/adapter.h"
#include "re2/re2.h"

namespace agentscale::metrics::internal {
namespace {

// At most `max` bytes of `s`, C-escaped, with "..." when cut: a message
// quotes a pattern of up to kMaxRegexBytes without carrying all of it.
std::string Quote(absl::string_view s, size_t max = 80) {
  if (s.size() <= max) return absl::CHexEscape(s);
  return absl::StrCat(absl::CHexEscape(s.substr(0, max)), "...");
}

re2::StringPiece ToPiece(absl::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}

// `pattern` with each named group written "(?<name>" (Go 1.22 and later
// accept it, as Perl does) spelled "(?P<name>", the only form RE2 20220601
// knows. Escapes (\x, \Q...\E) and character classes are skipped, so a
// "(?<" inside them is left alone; lookbehinds ("(?<=", "(?<!") too (RE2
// and Go reject them either way).
std::string SpellNamedGroups(const std::string& pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'Q') {  // \Q...\E: literal text
        const size_t end = pattern.find("\\E", i + 2);
        const size_t stop = end == std::string::npos ? pattern.size() : end + 2;
        out.append(pattern, i, stop - i);
        i = stop - 1;
        continue;
      }
      out.append(pattern, i, 2);
      ++i;
      continue;
    }
    if (in_class) {
      if (c == '[' && pattern.compare(i, 2, "[:") == 0) {  // [:alpha:]
        const size_t end = pattern.find(":]", i + 2);
        if (end != std::string::npos) {
          out.append(pattern, i, end + 2 - i);
          i = end + 1;
          continue;
        }
      }
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') {
      // A ']' right after "[" or "[^" is a literal member.
      in_class = true;
      out.push_back(c);
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out.push_back(pattern[++i]);
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out.push_back(pattern[++i]);
      continue;
    }
    out.push_back(c);
    if (c == '(' && pattern.compare(i + 1, 2, "?<") == 0 && i + 3 < pattern.size() &&
        pattern[i + 3] != '=' && pattern[i + 3] != '!') {
      out += "?P<";
      i += 2;
    }
  }
  return out;
}

// Go's regexp syntax (syntax.Perl: RE2's default, non-POSIX mode), UTF-8,
// leftmost-first; `dot_nl` as Prometheus 3's label matchers set it.
absl::StatusOr<std::unique_ptr<const re2::RE2>> CompileRe2(
    const std::string& pattern, bool dot_nl) {
  if (pattern.size() > kMaxRegexBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "regular expression of ", pattern.size(),
        " bytes is longer than the limit of ", kMaxRegexBytes,
        " bytes (kMaxRegexBytes)"));
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(kRegexMaxMemoryBytes);
  options.set_dot_nl(dot_nl);
  auto re = std::make_unique<const re2::RE2>(pattern, options);
  if (!re->ok() && pattern.find("(?<") != std::string::npos) {
    // Go's "(?<name>...)": retried in RE2's spelling; the first error stands
    // if that fails too.
    auto spelled = std::make_unique<const re2::RE2>(SpellNamedGroups(pattern), options);
    if (spelled->ok()) return spelled;
  }
  if (!re->ok()) {
    std::string why = Quote(re->error(), 120);
    if (re->error_code() == re2::RE2::ErrorPatternTooLarge) {
      why = absl::StrCat(why, " (over the memory budget of ",
                         kRegexMaxMemoryBytes, " bytes, kRegexMaxMemoryBytes)");
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid regular expression \"", Quote(pattern), "\": ", why));
  }
  return re;
}

// Length of the name at the start of `s` in a Go template: letters, decimal
// digits and '_' (Go's extract: unicode.IsLetter, unicode.IsDigit).
size_t TemplateNameLength(absl::string_view s) {
  static const re2::RE2* const kName = new re2::RE2("[\\p{L}\\p{Nd}_]+");
  re2::StringPiece m;
  if (!kName->Match(ToPiece(s), 0, s.size(), re2::RE2::ANCHOR_START, &m, 1)) {
    return 0;
  }
  return m.size();
}

// Go's extract: a name of ASCII digits without a leading zero (and below
// 1e8) is a group number; -1 otherwise.
int GroupNumber(absl::string_view name) {
  if (name.size() > 1 && name[0] == '0') return -1;
  int num = 0;
  for (char c : name) {
    if (c < '0' || c > '9' || num >= 100000000) return -1;
    num = num * 10 + (c - '0');
  }
  return num;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const LabelRegex>> LabelRegex::Compile(
    const std::string& pattern) {
  absl::StatusOr<std::unique_ptr<const re2::RE2>> re =
      CompileRe2(pattern, /*dot_nl=*/true);
  if (!re.ok()) return re.status();
  return std::shared_ptr<const LabelRegex>(new LabelRegex(*std::move(re)));
}

bool LabelRegex::FullMatch(absl::string_view value) const {
  return re2::RE2::FullMatch(ToPiece(value), *re_);
}

absl::StatusOr<std::shared_ptr<const NameRule>> NameRule::Create(
    const std::string& matches, const std::string& as) {
  absl::StatusOr<std::unique_ptr<const re2::RE2>> re =
      CompileRe2(matches.empty() ? ".*" : matches, /*dot_nl=*/false);
  if (!re.ok()) return re.status();
  std::shared_ptr<NameRule> rule(new NameRule());
  rule->re_ = *std::move(re);
  const int groups = rule->re_->NumberOfCapturingGroups();
  std::string tmpl = as;
  if (tmpl.empty()) {
    if (groups > 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(kAsRequired, groups, " capture groups"));
    }
    tmpl = groups == 1 ? "$1" : "$0";
  }
  const std::map<std::string, int>& names =
      rule->re_->NamedCapturingGroups();
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) rule->pieces_.push_back(Piece{std::move(literal), -1});
    literal.clear();
  };
  const absl::string_view t(tmpl);
  size_t i = 0;
  while (i < t.size()) {
    if (t[i] != '$') {
      literal.push_back(t[i++]);
      continue;
    }
    ++i;  // past '$'
    if (i < t.size() && t[i] == '$') {  // "$$" is '$'
      literal.push_back('$');
      ++i;
      continue;
    }
    const bool brace = i < t.size() && t[i] == '{';
    const absl::string_view rest = t.substr(i + (brace ? 1 : 0));
    const size_t n = TemplateNameLength(rest);
    if (n == 0 || (brace && (n >= rest.size() || rest[n] != '}'))) {
      literal.push_back('$');  // malformed: the '$' is text
      continue;
    }
    const absl::string_view name = rest.substr(0, n);
    i += n + (brace ? 2 : 0);
    // A number refers to that group only; any other name to the group so
    // named (Go looks names up only when the name is not a number).
    int group = GroupNumber(name);
    if (group > groups) {
      group = -1;
    } else if (group < 0) {
      auto it = names.find(std::string(name));
      if (it != names.end()) group = it->second;
    }
    if (group < 0) continue;  // no such group: expands to ""
    flush();
    rule->pieces_.push_back(Piece{std::string(), group});
    if (group + 1 > rule->submatches_) rule->submatches_ = group + 1;
  }
  flush();
  return std::shared_ptr<const NameRule>(std::move(rule));
}

bool NameRule::Expose(absl::string_view metric, std::string* out) const {
  absl::InlinedVector<re2::StringPiece, 4> m(submatches_);
  if (!re_->Match(ToPiece(metric), 0, metric.size(), re2::RE2::UNANCHORED,
                  m.data(), submatches_)) {
    return false;
  }
  out->clear();
  for (const Piece& p : pieces_) {
    if (p.group < 0) {
      out->append(p.literal);
    } else if (m[p.group].data() != nullptr) {
      out->append(m[p.group].data(), m[p.group].size());
    }
  }
  return true;
}

}  // namespace agentscale::metrics::internal
