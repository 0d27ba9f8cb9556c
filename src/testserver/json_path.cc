#include "testserver/json_path.h"

#include <cctype>

namespace mdo::testserver {
namespace {

using nlohmann::json;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<JsonPath> Parse() {
    JsonPath path;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '.') {
        ++pos_;
        if (pos_ < text_.size() && text_[pos_] == '.') return Error("recursive descent '..'");
        std::string name = Identifier();
        if (name.empty()) {
          if (pos_ >= text_.size()) break;  // a lone trailing '.' (e.g. "{.}") means the root
          if (text_[pos_] == '[') continue;
          return Error("expected a field name");
        }
        if (name == "*") {
          path.push_back({JsonPathStep::Kind::kWildcard});
        } else {
          path.push_back({JsonPathStep::Kind::kField, name});
        }
      } else if (c == '[') {
        auto step = Bracket();
        if (!step.ok()) return MakeUnexpected(step.error());
        path.push_back(std::move(*step));
      } else {
        return Error("unexpected character");
      }
    }
    return path;
  }

 private:
  Unexpected<mdo::Error> Error(std::string_view what) const {
    return Fail("JSONPath " + std::string(text_) + ": " + std::string(what) + " at position " +
                std::to_string(pos_));
  }

  std::string Identifier() {
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
            text_[pos_] == '-' || text_[pos_] == '*' || text_[pos_] == '/')) {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  void SkipSpaces() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }

  Result<std::string> Quoted() {
    char quote = text_[pos_++];
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) out += text_[pos_++];
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;
    return out;
  }

  bool Consume(std::string_view s) {
    SkipSpaces();
    if (text_.substr(pos_, s.size()) == s) {
      pos_ += s.size();
      return true;
    }
    return false;
  }

  Result<JsonPathStep> Bracket() {
    ++pos_;  // '['
    SkipSpaces();
    if (pos_ >= text_.size()) return Error("unterminated '['");
    JsonPathStep step;
    char c = text_[pos_];
    if (c == '*') {
      ++pos_;
      step.kind = JsonPathStep::Kind::kWildcard;
    } else if (c == '\'' || c == '"') {
      auto name = Quoted();
      if (!name.ok()) return MakeUnexpected(name.error());
      step.kind = JsonPathStep::Kind::kField;
      step.field = *name;
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      size_t start = pos_++;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      std::string digits(text_.substr(start, pos_ - start));
      if (digits.size() > 9) return Error("index too large");
      step.kind = JsonPathStep::Kind::kIndex;
      step.index = std::stol(digits);
    } else if (c == '?') {
      ++pos_;
      if (!Consume("(") || !Consume("@.")) return Error("expected '(@.' in filter");
      step.kind = JsonPathStep::Kind::kFilter;
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
              text_[pos_] == '.' || text_[pos_] == '-')) {
        ++pos_;
      }
      step.field = std::string(text_.substr(start, pos_ - start));
      if (Consume("==")) {
        step.filter_not_equal = false;
      } else if (Consume("!=")) {
        step.filter_not_equal = true;
      } else {
        return Error("expected == or != in filter");
      }
      SkipSpaces();
      if (pos_ >= text_.size()) return Error("unterminated filter");
      if (text_[pos_] == '"' || text_[pos_] == '\'') {
        auto value = Quoted();
        if (!value.ok()) return MakeUnexpected(value.error());
        step.filter_value = *value;
      } else {
        size_t vstart = pos_;
        while (pos_ < text_.size() && text_[pos_] != ')' && text_[pos_] != ' ') ++pos_;
        std::string literal(text_.substr(vstart, pos_ - vstart));
        step.filter_value = json::parse(literal, nullptr, false);
        if (step.filter_value.is_discarded()) return Error("bad filter literal");
      }
      if (!Consume(")")) return Error("expected ')'");
    } else {
      return Error("unsupported bracket expression");
    }
    if (!Consume("]")) return Error("expected ']'");
    return step;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

const json* Lookup(const json& value, std::string_view dotted) {
  const json* cur = &value;
  size_t start = 0;
  while (start <= dotted.size()) {
    size_t end = dotted.find('.', start);
    if (end == std::string_view::npos) end = dotted.size();
    std::string key(dotted.substr(start, end - start));
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
    start = end + 1;
  }
  return cur;
}

}  // namespace

Result<JsonPath> ParseJsonPath(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    text = text.substr(1, text.size() - 2);
  }
  if (!text.empty() && text.front() == '$') text.remove_prefix(1);
  return Parser(text).Parse();
}

std::vector<json> EvaluateJsonPath(const JsonPath& path, const json& root) {
  std::vector<const json*> current{&root};
  for (const JsonPathStep& step : path) {
    std::vector<const json*> next;
    for (const json* value : current) {
      switch (step.kind) {
        case JsonPathStep::Kind::kField:
          if (value->is_object()) {
            auto it = value->find(step.field);
            if (it != value->end()) next.push_back(&*it);
          }
          break;
        case JsonPathStep::Kind::kIndex:
          if (value->is_array()) {
            long size = static_cast<long>(value->size());
            long i = step.index < 0 ? size + step.index : step.index;
            if (i >= 0 && i < size) next.push_back(&(*value)[static_cast<size_t>(i)]);
          }
          break;
        case JsonPathStep::Kind::kWildcard:
          if (value->is_array() || value->is_object()) {
            for (const json& item : *value) next.push_back(&item);
          }
          break;
        case JsonPathStep::Kind::kFilter:
          if (value->is_array()) {
            for (const json& item : *value) {
              const json* field = Lookup(item, step.field);
              bool equal = field != nullptr && *field == step.filter_value;
              if (field != nullptr && equal != step.filter_not_equal) next.push_back(&item);
            }
          }
          break;
      }
    }
    current = std::move(next);
  }
  std::vector<json> out;
  out.reserve(current.size());
  for (const json* value : current) out.push_back(*value);
  return out;
}

}  // namespace mdo::testserver
