#include "support/zone_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace mdo::testing {

namespace {

struct Token {
  std::string text;
  bool quoted = false;
};

// One logical record: comments dropped, parentheses joined. `blank_owner` when its first line
// starts with a space or tab; `number` is that line.
struct Line {
  std::vector<Token> tokens;
  bool blank_owner = false;
  int number = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsNumber(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }

bool EndsToken(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')';
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view source, std::string_view origin)
      : text_(text), source_(source) {
    if (!origin.empty()) {
      origin_ = NormalizeDnsName(origin);
      have_origin_ = true;
    }
  }

  Result<std::vector<ZoneRecord>> Parse() {
    auto lines = Tokenize();
    if (!lines) return MakeUnexpected(lines.error());
    std::vector<ZoneRecord> records;
    for (const Line& line : *lines) {
      line_ = line.number;
      const std::vector<Token>& t = line.tokens;
      if (!t[0].quoted && t[0].text.starts_with('$')) {
        if (Status s = Directive(t); !s) return MakeUnexpected(s.error());
        continue;
      }
      auto record = Record(line);
      if (!record) return MakeUnexpected(record.error());
      records.push_back(std::move(*record));
    }
    return records;
  }

 private:
  Unexpected<Error> At(const std::string& what) const {
    return Fail(std::string(source_) + ":" + std::to_string(line_) + ": " + what);
  }

  Result<std::vector<Line>> Tokenize() {
    std::vector<Line> lines;
    Line current;
    int depth = 0;
    int open_line = 0;  // where the outermost '(' was
    bool at_line_start = true;
    line_ = 1;
    auto flush = [&] {
      if (!current.tokens.empty()) lines.push_back(std::move(current));
      current = Line{};
    };
    std::size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (at_line_start && depth == 0) {
        current.blank_owner = (c == ' ' || c == '\t');
        current.number = line_;
      }
      at_line_start = false;
      if (c == '\n') {
        ++line_;
        ++i;
        if (depth == 0) flush();
        at_line_start = true;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++i;
      } else if (c == ';') {
        while (i < text_.size() && text_[i] != '\n') ++i;
      } else if (c == '(') {
        if (depth++ == 0) open_line = line_;
        ++i;
      } else if (c == ')') {
        if (depth-- == 0) return At("')' without a '('");
        ++i;
      } else if (c == '"') {
        auto token = QuotedString(i);
        if (!token) return MakeUnexpected(token.error());
        current.tokens.push_back(std::move(*token));
      } else {
        Token token;
        while (i < text_.size() && !EndsToken(text_[i])) token.text += text_[i++];
        current.tokens.push_back(std::move(token));
      }
    }
    if (depth != 0) {
      line_ = open_line;
      return At("'(' never closed");
    }
    flush();
    return lines;
  }

  // The string starting at the quote at text_[i]; leaves i after the closing quote.
  Result<Token> QuotedString(std::size_t& i) {
    const int start = line_;
    Token token{.text = "", .quoted = true};
    ++i;
    while (i < text_.size() && text_[i] != '"') {
      const char c = text_[i];
      if (c == '\n') return At("newline inside a quoted string");
      if (c != '\\') {
        token.text += c;
        ++i;
        continue;
      }
      if (i + 1 >= text_.size()) break;
      if (!IsDigit(text_[i + 1])) {  // \X is X
        if (text_[i + 1] == '\n') return At("newline inside a quoted string");
        token.text += text_[i + 1];
        i += 2;
        continue;
      }
      const std::string_view digits = text_.substr(i + 1, 3);
      if (digits.size() < 3 || !IsNumber(digits)) {
        return At("escape \\" + std::string(digits) + " is not \\DDD (three decimal digits)");
      }
      const int value = std::stoi(std::string(digits));
      if (value > 255) return At("escape \\" + std::string(digits) + " is above \\255");
      token.text += static_cast<char>(value);
      i += 4;
    }
    if (i >= text_.size()) {
      line_ = start;
      return At("quoted string never closed");
    }
    ++i;  // the closing quote
    return token;
  }

  Status Directive(const std::vector<Token>& t) {
    const std::string& name = t[0].text;
    if (name == "$ORIGIN") {
      if (t.size() != 2 || t[1].quoted) return At("$ORIGIN needs one name");
      auto origin = Absolute(t[1]);
      if (!origin) return MakeUnexpected(origin.error());
      origin_ = *origin;
      have_origin_ = true;
      return {};
    }
    if (name == "$TTL") {
      if (t.size() != 2 || t[1].quoted || !IsNumber(t[1].text)) {
        return At("$TTL needs a number of seconds");
      }
      return {};  // MemoryResolver answers with its default TTL
    }
    return At("unsupported directive " + name);
  }

  // `name` made absolute against the current origin.
  Result<std::string> Absolute(const Token& name) const {
    if (name.quoted || name.text.empty()) return At("expected a domain name");
    if (name.text.back() == '.') return NormalizeDnsName(name.text);
    if (!have_origin_) return At("relative name " + name.text + " without an $ORIGIN");
    if (name.text == "@") return origin_;
    return NormalizeDnsName(name.text + "." + origin_);
  }

  Result<ZoneRecord> Record(const Line& line) {
    const std::vector<Token>& t = line.tokens;
    std::size_t k = 0;
    if (!line.blank_owner) {
      auto owner = Absolute(t[k++]);
      if (!owner) return MakeUnexpected(owner.error());
      owner_ = *owner;
      have_owner_ = true;
    } else if (!have_owner_) {
      return At("blank owner without a previous owner");
    }
    // The optional TTL and class, in either order.
    while (k < t.size() && !t[k].quoted &&
           (IsNumber(t[k].text) || EqualsIgnoreCase(t[k].text, "IN"))) {
      ++k;
    }
    if (k >= t.size() || t[k].quoted) return At("record without a type");
    ZoneRecord record;
    record.line = line.number;
    record.owner = owner_;
    std::string type = t[k++].text;
    std::transform(type.begin(), type.end(), type.begin(), [](char c) {
      return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    });
    const std::vector<Token> rdata(t.begin() + static_cast<std::ptrdiff_t>(k), t.end());
    auto expect = [&](std::size_t n, const char* what) -> Status {
      if (rdata.size() != n) return At(type + " needs " + what);
      for (const Token& r : rdata) {
        if (r.quoted) return At(type + " needs " + what + ", not a quoted string");
      }
      return {};
    };
    auto target = [&](const Token& name) -> Status {
      auto absolute = Absolute(name);
      if (!absolute) return MakeUnexpected(absolute.error());
      record.data = *absolute;
      return {};
    };
    Status s;
    if (type == "A" || type == "AAAA") {
      record.type = type == "A" ? dns::RecordType::kA : dns::RecordType::kAaaa;
      s = expect(1, "one address");
      if (s) record.data = rdata[0].text;
    } else if (type == "CNAME" || type == "PTR" || type == "NS") {
      record.type = type == "CNAME" ? dns::RecordType::kCname
                    : type == "PTR" ? dns::RecordType::kPtr
                                    : dns::RecordType::kNs;
      s = expect(1, "one target name");
      if (s) s = target(rdata[0]);
    } else if (type == "MX") {
      record.type = dns::RecordType::kMx;
      s = expect(2, "a preference and a host");
      if (s && (!IsNumber(rdata[0].text) || rdata[0].text.size() > 5 ||
                std::stoi(rdata[0].text) > 65535)) {
        s = At("MX preference " + rdata[0].text + " is not a number from 0 to 65535");
      }
      if (s) {
        record.preference = static_cast<std::uint16_t>(std::stoi(rdata[0].text));
        s = target(rdata[1]);
      }
    } else if (type == "TXT") {
      record.type = dns::RecordType::kTxt;
      if (rdata.empty()) s = At("TXT needs at least one string");
      for (const Token& r : rdata) {
        if (r.text.size() > 255) {
          s = At("TXT string longer than 255 bytes");
          break;
        }
        record.data += r.text;
      }
    } else if (type == "SOA") {
      record.type = dns::RecordType::kSoa;
      s = expect(7, "a primary server, a mailbox and five numbers");
      if (s) s = target(rdata[1]);  // the mailbox: only checked
      if (s) s = target(rdata[0]);
      for (std::size_t j = 2; s && j < rdata.size(); ++j) {
        if (!IsNumber(rdata[j].text)) s = At("SOA field " + rdata[j].text + " is not a number");
      }
    } else {
      return At("unsupported record type " + type);
    }
    if (!s) return MakeUnexpected(s.error());
    return record;
  }

  std::string_view text_;
  std::string_view source_;
  int line_ = 0;
  std::string origin_;
  bool have_origin_ = false;
  std::string owner_;
  bool have_owner_ = false;
};

}  // namespace

Result<std::vector<ZoneRecord>> ParseZone(std::string_view text, std::string_view source,
                                          std::string_view origin) {
  return Parser(text, source, origin).Parse();
}

Result<std::vector<ZoneRecord>> ParseZoneFile(const std::filesystem::path& file,
                                              std::string_view origin) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail("cannot read " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return ParseZone(text.str(), file.string(), origin);
}

int AddRecords(const std::vector<ZoneRecord>& records, dns::MemoryResolver& resolver,
               const std::set<dns::RecordType>& skip) {
  int added = 0;
  for (const ZoneRecord& r : records) {
    if (skip.contains(r.type)) continue;
    switch (r.type) {
      case dns::RecordType::kSoa:
        resolver.AddEmptyName(r.owner);
        break;
      case dns::RecordType::kMx:
        resolver.AddMx(r.owner, r.preference, r.data);
        break;
      case dns::RecordType::kCname:
        resolver.AddCname(r.owner, r.data);
        break;
      default:
        resolver.Add(r.owner, r.type, r.data);
        break;
    }
    ++added;
  }
  return added;
}

}  // namespace mdo::testing
