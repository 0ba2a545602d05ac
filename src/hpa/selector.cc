// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/selector.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace agentscale::hpa {
namespace {

bool ValidLabelToken(const std::string& s) {
  if (s.empty() || s.size() > 316) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
          c == '_' || c == '.' || c == '/')) {
      return false;
    }
  }
  return true;
}

bool ValidValue(const std::string& s) {
  if (s.empty()) return true;
  return ValidLabelToken(s) && s.find('/') == std::string::npos;
}

const std::string* Find(const Labels& labels, const std::string& key) {
  for (const auto& [k, v] : labels) {
    if (k == key) return &v;
  }
  return nullptr;
}

// Splits on commas that are not inside parentheses.
absl::StatusOr<std::vector<std::string>> SplitTerms(const std::string& text) {
  std::vector<std::string> terms;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to parse selector \"", text,
                       "\": unbalanced parenthesis"));
    }
    if (c == ',' && depth == 0) {
      terms.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (depth != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unable to parse selector \"", text, "\": unbalanced parenthesis"));
  }
  terms.push_back(cur);
  return terms;
}

}  // namespace

absl::StatusOr<Selector> Selector::Parse(const std::string& text) {
  Selector sel;
  if (absl::StripAsciiWhitespace(text).empty()) return sel;
  absl::StatusOr<std::vector<std::string>> terms = SplitTerms(text);
  if (!terms.ok()) return terms.status();
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to parse selector \"", text, "\": ", why));
  };
  for (const std::string& raw : *terms) {
    std::string term(absl::StripAsciiWhitespace(raw));
    if (term.empty()) return bad("empty requirement");
    Requirement req;
    size_t pos;
    if (term[0] == '!') {
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(1)));
      req.op = Op::kDoesNotExist;
    } else if ((pos = term.find("!=")) != std::string::npos) {
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(0, pos)));
      req.op = Op::kNotEquals;
      req.values.emplace_back(absl::StripAsciiWhitespace(term.substr(pos + 2)));
    } else if ((pos = term.find("==")) != std::string::npos) {
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(0, pos)));
      req.values.emplace_back(absl::StripAsciiWhitespace(term.substr(pos + 2)));
    } else if ((pos = term.find('=')) != std::string::npos) {
      req.key = std::string(absl::StripAsciiWhitespace(term.substr(0, pos)));
      req.values.emplace_back(absl::StripAsciiWhitespace(term.substr(pos + 1)));
    } else if ((pos = term.find('(')) != std::string::npos) {
      std::vector<std::string> head =
          absl::StrSplit(term.substr(0, pos), ' ', absl::SkipWhitespace());
      if (head.size() != 2 || term.back() != ')') {
        return bad(absl::StrCat("cannot read \"", term, "\""));
      }
      req.key = head[0];
      if (head[1] == "in") {
        req.op = Op::kIn;
      } else if (head[1] == "notin") {
        req.op = Op::kNotIn;
      } else {
        return bad(absl::StrCat("unknown operator \"", head[1], "\""));
      }
      std::string inner = term.substr(pos + 1, term.size() - pos - 2);
      for (absl::string_view v : absl::StrSplit(inner, ',')) {
        req.values.emplace_back(absl::StripAsciiWhitespace(v));
      }
    } else {
      req.key = term;
      req.op = Op::kExists;
    }
    if (!ValidLabelToken(req.key)) {
      return bad(absl::StrCat("invalid label key \"", req.key, "\""));
    }
    for (const std::string& v : req.values) {
      if (!ValidValue(v)) return bad(absl::StrCat("invalid label value \"", v, "\""));
    }
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

absl::StatusOr<Selector> Selector::FromLabelSelector(const LabelSelector& s) {
  Selector sel;
  for (const auto& [k, v] : s.match_labels) {
    sel.requirements_.push_back(Requirement{k, Op::kEquals, {v}});
  }
  for (const LabelSelectorRequirement& r : s.match_expressions) {
    Requirement req{r.key, Op::kIn, r.values};
    if (r.op == "In") {
      req.op = Op::kIn;
    } else if (r.op == "NotIn") {
      req.op = Op::kNotIn;
    } else if (r.op == "Exists") {
      req.op = Op::kExists;
    } else if (r.op == "DoesNotExist") {
      req.op = Op::kDoesNotExist;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", r.op, "\" is not a valid label selector operator"));
    }
    sel.requirements_.push_back(std::move(req));
  }
  return sel;
}

bool Selector::Matches(const Labels& labels) const {
  for (const Requirement& r : requirements_) {
    const std::string* v = Find(labels, r.key);
    const bool in_values =
        v != nullptr &&
        std::find(r.values.begin(), r.values.end(), *v) != r.values.end();
    switch (r.op) {
      case Op::kEquals:
      case Op::kIn:
        if (!in_values) return false;
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        if (in_values) return false;
        break;
      case Op::kExists:
        if (v == nullptr) return false;
        break;
      case Op::kDoesNotExist:
        if (v != nullptr) return false;
        break;
    }
  }
  return true;
}

}  // namespace agentscale::hpa
