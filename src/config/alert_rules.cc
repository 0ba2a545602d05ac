// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/alert_rules.h"

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "agentscale/status_macros.h"
#include "yaml_fields.h"

namespace agentscale::config {
namespace {

using yaml_fields::Error;

// Where each line of `expr` starts in `lines` (the file's lines), if the
// file holds it verbatim at `mark`: a one-line plain or quoted scalar whose
// text follows the mark (after the quote), or a literal block whose lines
// follow the indicator line at one indentation. Empty otherwise.
std::vector<std::pair<int, int>> LocateExpr(const std::vector<std::string>& lines,
                                            const YAML::Mark& mark, const std::string& expr) {
  std::vector<std::pair<int, int>> out;
  if (mark.is_null() || mark.line < 0 || static_cast<size_t>(mark.line) >= lines.size()) {
    return out;
  }
  const std::string& first = lines[mark.line];
  size_t col = static_cast<size_t>(mark.column);
  if (col >= first.size()) return out;
  std::vector<std::string> parts = absl::StrSplit(expr, '\n');
  if (!parts.empty() && parts.back().empty()) parts.pop_back();  // the block's final newline
  if (parts.empty()) return out;
  if (first[col] == '|') {
    // A literal block: its lines start at the first non-blank line's
    // indentation.
    const size_t from = static_cast<size_t>(mark.line) + 1;
    size_t indent = std::string::npos;
    for (size_t i = from; i < lines.size() && indent == std::string::npos; ++i) {
      const size_t nb = lines[i].find_first_not_of(' ');
      if (nb != std::string::npos) indent = nb;
    }
    if (indent == std::string::npos) return out;
    for (size_t k = 0; k < parts.size(); ++k) {
      const size_t at = from + k;
      if (at >= lines.size()) return {};
      const std::string& src = lines[at];
      if (parts[k].empty()) {
        if (src.find_first_not_of(' ') != std::string::npos) return {};
      } else if (src.size() < indent || src.compare(indent, parts[k].size(), parts[k]) != 0) {
        return {};
      }
      out.emplace_back(static_cast<int>(at) + 1, static_cast<int>(indent) + 1);
    }
    return out;
  }
  if (parts.size() != 1) return out;  // a plain or quoted scalar folded over lines
  if (first[col] == '"' || first[col] == '\'') ++col;
  if (first.compare(col, parts[0].size(), parts[0]) != 0) return out;
  out.emplace_back(mark.line + 1, static_cast<int>(col) + 1);
  return out;
}

class RuleFileParser {
 public:
  RuleFileParser(const std::string& source, const std::string& text)
      : source_(source), lines_(absl::StrSplit(text, '\n')) {
    for (std::string& l : lines_) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
    }
  }

  absl::Status Parse(const YAML::Node& doc, PrometheusRuleFile* out) {
    AGENTSCALE_RETURN_IF_ERROR(yaml_fields::CheckKeys(source_, "", doc, {"groups"}, {}, ""));
    const YAML::Node groups = doc["groups"];
    if (!groups.IsSequence()) return Error(source_, groups.Mark(), "groups", "must be a list");
    for (size_t g = 0; g < groups.size(); ++g) {
      const YAML::Node group = groups[g];
      const std::string gpath = absl::StrCat("groups[", g, "]");
      AGENTSCALE_RETURN_IF_ERROR(yaml_fields::CheckKeys(
          source_, gpath, group,
          {"name", "interval", "limit", "query_offset", "labels", "rules"}, {}, ""));
      if (!group["name"]) return Error(source_, group.Mark(), gpath + ".name", "is required");
      AGENTSCALE_ASSIGN_OR_RETURN(std::string name,
                                  yaml_fields::Scalar(source_, gpath + ".name", group["name"]));
      const YAML::Node rules = group["rules"];
      if (!rules || rules.IsNull()) continue;  // a group without rules is allowed
      if (!rules.IsSequence()) {
        return Error(source_, rules.Mark(), gpath + ".rules", "must be a list");
      }
      for (size_t r = 0; r < rules.size(); ++r) {
        PrometheusRule rule;
        rule.group = name;
        rule.path = absl::StrCat(gpath, ".rules[", r, "]");
        AGENTSCALE_RETURN_IF_ERROR(ParseRule(rules[r], &rule));
        out->rules.push_back(std::move(rule));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status ParseRule(const YAML::Node& node, PrometheusRule* rule) {
    AGENTSCALE_RETURN_IF_ERROR(yaml_fields::CheckKeys(
        source_, rule->path, node,
        {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}, {}, ""));
    if (node["alert"]) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          rule->alert, yaml_fields::Scalar(source_, rule->path + ".alert", node["alert"]));
    }
    if (node["record"]) {
      AGENTSCALE_ASSIGN_OR_RETURN(
          rule->record, yaml_fields::Scalar(source_, rule->path + ".record", node["record"]));
    }
    if (rule->alert.empty() == rule->record.empty()) {
      return Error(source_, node.Mark(), rule->path,
                   "needs exactly one of alert and record");
    }
    const YAML::Node expr = node["expr"];
    if (!expr || expr.IsNull()) {
      return Error(source_, node.Mark(), rule->path + ".expr", "is required");
    }
    AGENTSCALE_ASSIGN_OR_RETURN(rule->expr,
                                yaml_fields::Scalar(source_, rule->path + ".expr", expr));
    if (rule->expr.find_first_not_of(" \t\n") == std::string::npos) {
      return Error(source_, expr.Mark(), rule->path + ".expr", "must not be empty");
    }
    rule->line = expr.Mark().line + 1;
    rule->column = expr.Mark().column + 1;
    rule->expr_lines = LocateExpr(lines_, expr.Mark(), rule->expr);
    return absl::OkStatus();
  }

  std::string source_;
  std::vector<std::string> lines_;
};

}  // namespace

std::pair<int, int> PrometheusRule::PositionOf(size_t offset) const {
  if (offset > expr.size() || expr_lines.empty()) return {line, column};
  const size_t line_start = offset == 0 ? std::string::npos : expr.rfind('\n', offset - 1);
  size_t k = 0;
  for (size_t i = 0; i < offset; ++i) k += expr[i] == '\n';
  if (k >= expr_lines.size()) return {line, column};
  const size_t in_line = line_start == std::string::npos ? offset : offset - line_start - 1;
  return {expr_lines[k].first, expr_lines[k].second + static_cast<int>(in_line)};
}

bool IsPrometheusRuleFile(const std::string& yaml) {
  try {
    yaml_fields::Limits limits;
    limits.max_documents = 1000;
    absl::StatusOr<std::vector<YAML::Node>> docs =
        yaml_fields::LoadAllDocuments(yaml, "<probe>", limits);
    if (!docs.ok()) return false;
    for (const YAML::Node& doc : *docs) {
      if (doc.IsNull() || !doc.IsDefined()) continue;
      return doc.IsMap() && doc["groups"].IsDefined();
    }
  } catch (const YAML::Exception&) {
  }
  return false;
}

absl::StatusOr<PrometheusRuleFile> LoadPrometheusRulesString(const std::string& yaml,
                                                             const std::string& source_name) {
  PrometheusRuleFile out;
  out.source = source_name;
  try {
    AGENTSCALE_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs,
                                yaml_fields::LoadAllDocuments(yaml, source_name));
    std::vector<YAML::Node> used;
    for (const YAML::Node& doc : docs) {
      if (!doc.IsNull() && doc.IsDefined()) used.push_back(doc);
    }
    if (used.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(source_name, ": groups: is required"));
    }
    if (used.size() > 1) {
      return Error(source_name, used[1].Mark(), "",
                   "a rule file is one YAML document; found a second");
    }
    RuleFileParser parser(source_name, yaml);
    AGENTSCALE_RETURN_IF_ERROR(parser.Parse(used[0], &out));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(yaml_fields::Where(source_name, e.mark), "invalid YAML: ", e.msg));
  }
  return out;
}

absl::StatusOr<PrometheusRuleFile> LoadPrometheusRulesFile(const std::string& path) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::string text, yaml_fields::ReadConfigFile(path, "rule"));
  return LoadPrometheusRulesString(text, path);
}

}  // namespace agentscale::config
