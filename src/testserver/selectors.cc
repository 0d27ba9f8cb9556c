#include "testserver/selectors.h"

#include <cctype>

namespace mdo::testserver {
namespace {

using nlohmann::json;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> SplitTopLevel(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')') --depth;
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool ValidLabelToken(std::string_view s) {
  if (s.empty() || s.size() > 317) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' &&
        c != '/') {
      return false;
    }
  }
  return true;
}

bool ValidLabelValue(std::string_view s) { return s.empty() || ValidLabelToken(s); }

}  // namespace

Result<std::vector<LabelRequirement>> ParseLabelSelector(std::string_view text) {
  std::vector<LabelRequirement> out;
  text = Trim(text);
  if (text.empty()) return out;
  for (std::string_view raw : SplitTopLevel(text)) {
    std::string_view part = Trim(raw);
    LabelRequirement req;
    auto bad = [&]() { return Fail("unable to parse requirement: " + std::string(part)); };
    if (part.empty()) return bad();
    if (part.front() == '!') {
      req.key = std::string(Trim(part.substr(1)));
      req.op = LabelRequirement::Op::kDoesNotExist;
      if (!ValidLabelToken(req.key)) return bad();
      out.push_back(std::move(req));
      continue;
    }
    size_t paren = part.find('(');
    size_t op_pos;
    if ((op_pos = part.find("!=")) != std::string_view::npos && paren == std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, op_pos)));
      req.op = LabelRequirement::Op::kNotEquals;
      req.values.emplace_back(Trim(part.substr(op_pos + 2)));
    } else if ((op_pos = part.find("==")) != std::string_view::npos &&
               paren == std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, op_pos)));
      req.values.emplace_back(Trim(part.substr(op_pos + 2)));
    } else if ((op_pos = part.find('=')) != std::string_view::npos &&
               paren == std::string_view::npos) {
      req.key = std::string(Trim(part.substr(0, op_pos)));
      req.values.emplace_back(Trim(part.substr(op_pos + 1)));
    } else if (paren != std::string_view::npos) {
      std::string_view head = Trim(part.substr(0, paren));
      size_t space = head.find_last_of(" \t");
      if (space == std::string_view::npos || part.back() != ')') return bad();
      std::string_view op = Trim(head.substr(space + 1));
      req.key = std::string(Trim(head.substr(0, space)));
      if (op == "in") {
        req.op = LabelRequirement::Op::kIn;
      } else if (op == "notin") {
        req.op = LabelRequirement::Op::kNotIn;
      } else {
        return bad();
      }
      std::string_view list = part.substr(paren + 1, part.size() - paren - 2);
      for (std::string_view v : SplitTopLevel(list)) {
        v = Trim(v);
        if (!ValidLabelValue(v)) return bad();
        req.values.emplace_back(v);
      }
    } else {
      req.key = std::string(part);
      req.op = LabelRequirement::Op::kExists;
    }
    if (!ValidLabelToken(req.key)) return bad();
    for (const std::string& v : req.values) {
      if (!ValidLabelValue(v)) return bad();
    }
    out.push_back(std::move(req));
  }
  return out;
}

bool MatchesLabels(const std::vector<LabelRequirement>& selector, const json& labels) {
  for (const LabelRequirement& req : selector) {
    const json* value = nullptr;
    if (labels.is_object()) {
      auto it = labels.find(req.key);
      if (it != labels.end() && it->is_string()) value = &*it;
    }
    auto in_values = [&]() {
      if (value == nullptr) return false;
      for (const std::string& v : req.values) {
        if (value->get<std::string>() == v) return true;
      }
      return false;
    };
    switch (req.op) {
      case LabelRequirement::Op::kEquals:
      case LabelRequirement::Op::kIn:
        if (!in_values()) return false;
        break;
      case LabelRequirement::Op::kNotEquals:
      case LabelRequirement::Op::kNotIn:
        if (in_values()) return false;
        break;
      case LabelRequirement::Op::kExists:
        if (value == nullptr) return false;
        break;
      case LabelRequirement::Op::kDoesNotExist:
        if (value != nullptr) return false;
        break;
    }
  }
  return true;
}

Result<std::vector<FieldRequirement>> ParseFieldSelector(std::string_view text) {
  std::vector<FieldRequirement> out;
  text = Trim(text);
  if (text.empty()) return out;
  for (std::string_view raw : SplitTopLevel(text)) {
    std::string_view part = Trim(raw);
    FieldRequirement req;
    size_t pos;
    if ((pos = part.find("!=")) != std::string_view::npos) {
      req.not_equal = true;
      req.field = std::string(Trim(part.substr(0, pos)));
      req.value = std::string(Trim(part.substr(pos + 2)));
    } else if ((pos = part.find("==")) != std::string_view::npos) {
      req.field = std::string(Trim(part.substr(0, pos)));
      req.value = std::string(Trim(part.substr(pos + 2)));
    } else if ((pos = part.find('=')) != std::string_view::npos) {
      req.field = std::string(Trim(part.substr(0, pos)));
      req.value = std::string(Trim(part.substr(pos + 1)));
    } else {
      return Fail("invalid selector: '" + std::string(text) + "'; can't understand '" +
                  std::string(part) + "'");
    }
    if (req.field.empty()) return Fail("invalid selector: '" + std::string(text) + "'");
    out.push_back(std::move(req));
  }
  return out;
}

std::string FieldValue(const json& object, std::string_view field) {
  const json* cur = &object;
  size_t start = 0;
  while (start <= field.size()) {
    size_t end = field.find('.', start);
    if (end == std::string_view::npos) end = field.size();
    if (!cur->is_object()) return "";
    auto it = cur->find(std::string(field.substr(start, end - start)));
    if (it == cur->end()) return "";
    cur = &*it;
    start = end + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

bool MatchesFields(const std::vector<FieldRequirement>& selector, const json& object) {
  for (const FieldRequirement& req : selector) {
    bool equal = FieldValue(object, req.field) == req.value;
    if (equal == req.not_equal) return false;
  }
  return true;
}

}  // namespace mdo::testserver
