#include "checks/dkim/zone_fixture.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace mdo::checks::testing {

namespace {

struct Token {
  std::string text;
  bool quoted = false;
};

// Splits zone text into logical records: comments removed, parentheses joined. Each record
// remembers whether its line started with whitespace (blank owner).
struct Line {
  std::vector<Token> tokens;
  bool blank_owner = false;
  int number = 0;
};

Result<std::vector<Line>> Tokenize(std::string_view text) {
  std::vector<Line> lines;
  Line current;
  int depth = 0;
  int number = 1;
  bool at_line_start = true;
  std::size_t i = 0;
  auto flush = [&] {
    if (!current.tokens.empty()) lines.push_back(std::move(current));
    current = Line{};
  };
  while (i < text.size()) {
    char c = text[i];
    if (at_line_start && depth == 0) {
      current.blank_owner = (c == ' ' || c == '\t');
      current.number = number;
      at_line_start = false;
    }
    if (c == '\n') {
      ++number;
      ++i;
      if (depth == 0) {
        flush();
        at_line_start = true;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == ';') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '(') {
      ++depth;
      ++i;
      continue;
    }
    if (c == ')') {
      if (--depth < 0) return Fail("unbalanced ')' on line " + std::to_string(number));
      ++i;
      continue;
    }
    Token token;
    if (c == '"') {
      token.quoted = true;
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) {
          if (i + 3 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
            token.text += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 3))));
            i += 4;
          } else {
            token.text += text[i + 1];
            i += 2;
          }
          continue;
        }
        if (text[i] == '\n')
          return Fail("newline inside a string on line " + std::to_string(number));
        token.text += text[i++];
      }
      if (i == text.size()) return Fail("unterminated string on line " + std::to_string(number));
      ++i;
    } else {
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
             text[i] != '\r' && text[i] != ';' && text[i] != '(' && text[i] != ')') {
        token.text += text[i++];
      }
    }
    current.tokens.push_back(std::move(token));
  }
  if (depth != 0) return Fail("unbalanced '(' at end of zone");
  flush();
  return lines;
}

std::string Absolute(const std::string& name, const std::string& origin) {
  if (name == "@") return origin;
  if (!name.empty() && name.back() == '.') return NormalizeDnsName(name);
  return NormalizeDnsName(name + "." + origin);
}

bool IsNumber(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Status ZoneFixtureResolver::LoadZoneFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return LoadZoneText(text.str(), file.string());
}

Status ZoneFixtureResolver::LoadZoneDirectory(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".zone") files.push_back(entry.path());
  }
  if (ec) return Fail("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    if (Status s = LoadZoneFile(f); !s.ok()) return s;
  }
  return {};
}

Status ZoneFixtureResolver::LoadZoneText(std::string_view text, const std::string& file) {
  auto lines = Tokenize(text);
  if (!lines.ok()) return Fail(file + ": " + lines.error().message);
  std::string origin;
  std::string owner;
  for (const Line& line : *lines) {
    const auto& t = line.tokens;
    auto where = [&] { return file + ":" + std::to_string(line.number) + ": "; };
    if (t[0].text == "$ORIGIN") {
      if (t.size() < 2) return Fail(where() + "$ORIGIN without a name");
      origin = NormalizeDnsName(t[1].text);
      continue;
    }
    if (t[0].text == "$TTL") continue;
    std::size_t k = 0;
    if (!line.blank_owner) owner = Absolute(t[k++].text, origin);
    if (owner.empty()) return Fail(where() + "record without an owner");
    while (k < t.size() && !t[k].quoted && (IsNumber(t[k].text) || t[k].text == "IN")) ++k;
    if (k >= t.size()) return Fail(where() + "record without a type");
    const std::string type = t[k++].text;
    auto need = [&](std::size_t n) { return t.size() >= k + n; };
    if (type == "SOA") {
      zones_.push_back(owner);
      memory_.AddEmptyName(owner);
    } else if (type == "NS") {
      if (!need(1)) return Fail(where() + "NS without a target");
      memory_.Add(owner, dns::RecordType::kNs, Absolute(t[k].text, origin));
    } else if (type == "A" || type == "AAAA") {
      if (!need(1)) return Fail(where() + type + " without an address");
      memory_.Add(owner, type == "A" ? dns::RecordType::kA : dns::RecordType::kAaaa, t[k].text);
    } else if (type == "CNAME") {
      if (!need(1)) return Fail(where() + "CNAME without a target");
      memory_.AddCname(owner, Absolute(t[k].text, origin));
    } else if (type == "MX") {
      if (!need(2) || !IsNumber(t[k].text)) return Fail(where() + "MX needs a preference and host");
      memory_.AddMx(owner, static_cast<std::uint16_t>(std::stoi(t[k].text)),
                    Absolute(t[k + 1].text, origin));
    } else if (type == "TXT") {
      std::string joined;
      for (std::size_t j = k; j < t.size(); ++j) {
        if (t[j].text.size() > 255) return Fail(where() + "TXT string longer than 255 bytes");
        joined += t[j].text;
      }
      memory_.Add(owner, dns::RecordType::kTxt, joined);
    } else {
      return Fail(where() + "unsupported record type " + type);
    }
  }
  return {};
}

void ZoneFixtureResolver::Query(std::string_view name, dns::RecordType type, Callback done) {
  const std::string key = NormalizeDnsName(name);
  bool served = std::any_of(zones_.begin(), zones_.end(), [&](const std::string& zone) {
    return key == zone || (key.size() > zone.size() && key.ends_with(zone) &&
                           key[key.size() - zone.size() - 1] == '.');
  });
  if (!served) {
    dns::Answer answer;
    answer.name = key;
    answer.type = type;
    answer.outcome = dns::Outcome::kRefused;
    answer.error = "no served zone contains " + key;
    done(answer);
    return;
  }
  memory_.Query(name, type, std::move(done));
}

}  // namespace mdo::checks::testing
