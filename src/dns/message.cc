#include "dns/message.h"

#include <algorithm>
#include <array>
#include <climits>

#include "common/strings.h"
#include "net/ip_address.h"

namespace mdo::dns {

namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameOctets = 255;  // RFC 1035 2.3.4, wire form
constexpr int kMaxPointerHops = 64;
constexpr int kMaxCnameHops = 16;
constexpr std::uint16_t kClassIn = 1;

std::string At(std::size_t offset) { return " at offset " + std::to_string(offset); }

std::uint16_t U16(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}
std::uint32_t U32(std::span<const std::uint8_t> m, std::size_t at) {
  return static_cast<std::uint32_t>(U16(m, at)) << 16 | U16(m, at + 2);
}

void AppendLabel(std::string& out, std::span<const std::uint8_t> label) {
  if (!out.empty()) out += '.';
  for (std::uint8_t c : label) {
    if (c == '.' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x21 || c > 0x7E) {
      char escaped[5] = {'\\', static_cast<char>('0' + c / 100),
                         static_cast<char>('0' + c / 10 % 10), static_cast<char>('0' + c % 10), 0};
      out += escaped;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += static_cast<char>(c);
    }
  }
}

Result<ResourceRecord> ReadRecord(std::span<const std::uint8_t> m, std::size_t& offset) {
  ResourceRecord rr;
  auto name = ReadName(m, offset);
  if (!name.ok()) return MakeUnexpected(name.error());
  rr.name = std::move(name).value();
  if (offset + 10 > m.size()) return Fail("record header cut off" + At(offset));
  rr.type = U16(m, offset);
  rr.klass = U16(m, offset + 2);
  rr.ttl = U32(m, offset + 4);
  // RFC 2181 8: a TTL with the top bit set is treated as zero.
  if (rr.ttl > 0x7FFFFFFFu) rr.ttl = 0;
  rr.rdata_length = U16(m, offset + 8);
  rr.rdata_offset = offset + 10;
  if (rr.rdata_offset + rr.rdata_length > m.size()) {
    return Fail("record data runs past the end of the message" + At(rr.rdata_offset));
  }
  offset = rr.rdata_offset + rr.rdata_length;
  return rr;
}

// A name inside RDATA: it must end within the record.
Result<std::string> ReadRdataName(std::span<const std::uint8_t> m, const ResourceRecord& rr,
                                  std::size_t& offset) {
  auto name = ReadName(m, offset);
  if (!name.ok()) return name;
  if (offset > rr.rdata_offset + rr.rdata_length) {
    return Fail("name runs past the end of its record" + At(rr.rdata_offset));
  }
  return name;
}

Result<std::uint32_t> SoaMinimum(std::span<const std::uint8_t> m, const ResourceRecord& rr) {
  std::size_t offset = rr.rdata_offset;
  for (int i = 0; i < 2; ++i) {
    auto name = ReadRdataName(m, rr, offset);
    if (!name.ok()) return MakeUnexpected(name.error());
  }
  if (offset + 20 != rr.rdata_offset + rr.rdata_length) {
    return Fail("SOA record has the wrong length" + At(rr.rdata_offset));
  }
  return U32(m, offset + 16);
}

std::string RcodeName(std::uint8_t rcode) {
  switch (rcode) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return "RCODE " + std::to_string(rcode);
  }
}

}  // namespace

Result<std::string> ReadName(std::span<const std::uint8_t> m, std::size_t& offset) {
  std::string out;
  std::size_t pos = offset;
  std::size_t resume = 0;  // where the caller continues: after the first pointer
  bool jumped = false;
  std::size_t octets = 1;  // the root label
  for (int hops = 0;;) {
    if (pos >= m.size()) return Fail("name runs past the end of the message" + At(pos));
    std::uint8_t len = m[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= m.size()) return Fail("compression pointer cut off" + At(pos));
      std::size_t target = static_cast<std::size_t>(len & 0x3F) << 8 | m[pos + 1];
      // Pointers must go backwards: a message cannot make us loop.
      if (target >= pos) return Fail("compression pointer does not point backwards" + At(pos));
      if (++hops > kMaxPointerHops) return Fail("too many compression pointers" + At(pos));
      if (!jumped) resume = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((len & 0xC0) != 0) return Fail("unsupported label type" + At(pos));
    if (len == 0) {
      offset = jumped ? resume : pos + 1;
      return out;
    }
    if (pos + 1 + len > m.size()) return Fail("label runs past the end of the message" + At(pos));
    octets += len + 1u;
    if (octets > kMaxNameOctets) return Fail("name longer than 255 octets" + At(pos));
    AppendLabel(out, m.subspan(pos + 1, len));
    pos += 1 + len;
  }
}

Result<Message> ParseMessage(std::span<const std::uint8_t> m) {
  if (m.size() < kHeaderSize) {
    return Fail("message shorter than a DNS header (" + std::to_string(m.size()) + " bytes)");
  }
  Message msg;
  msg.id = U16(m, 0);
  msg.flags = U16(m, 2);
  std::uint16_t qdcount = U16(m, 4);
  std::uint16_t ancount = U16(m, 6);
  std::uint16_t nscount = U16(m, 8);
  if (qdcount > 1) return Fail("message has " + std::to_string(qdcount) + " questions");
  std::size_t offset = kHeaderSize;
  if (qdcount == 1) {
    auto qname = ReadName(m, offset);
    if (!qname.ok()) return MakeUnexpected(qname.error());
    if (offset + 4 > m.size()) return Fail("question cut off" + At(offset));
    msg.question_name = std::move(qname).value();
    msg.question_type = U16(m, offset);
    offset += 4;
  }
  // Each record needs at least 11 bytes; counts beyond that are lies, caught by the bounds
  // checks, and the vectors never grow past what the message can hold.
  for (std::uint16_t i = 0; i < ancount; ++i) {
    auto rr = ReadRecord(m, offset);
    if (!rr.ok()) return MakeUnexpected(rr.error());
    msg.answers.push_back(std::move(rr).value());
  }
  for (std::uint16_t i = 0; i < nscount; ++i) {
    auto rr = ReadRecord(m, offset);
    if (!rr.ok()) return MakeUnexpected(rr.error());
    msg.authority.push_back(std::move(rr).value());
  }
  return msg;
}

Result<std::string> RdataText(std::span<const std::uint8_t> m, const ResourceRecord& rr) {
  const std::size_t start = rr.rdata_offset;
  const std::size_t end = start + rr.rdata_length;
  switch (static_cast<RecordType>(rr.type)) {
    case RecordType::kA: {
      if (rr.rdata_length != 4) return Fail("A record is not 4 bytes long" + At(start));
      return net::IpAddress::V4(U32(m, start)).ToString();
    }
    case RecordType::kAaaa: {
      if (rr.rdata_length != 16) return Fail("AAAA record is not 16 bytes long" + At(start));
      std::array<std::uint8_t, 16> bytes{};
      std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(start), 16, bytes.begin());
      return net::IpAddress::V6(bytes).ToString();
    }
    case RecordType::kTxt: {
      // RFC 7208 3.3: the character-strings of one record are joined without separator.
      std::string text;
      std::size_t pos = start;
      while (pos < end) {
        std::size_t len = m[pos];
        if (pos + 1 + len > end) return Fail("TXT string runs past its record" + At(pos));
        text.append(reinterpret_cast<const char*>(m.data() + pos + 1), len);
        pos += 1 + len;
      }
      return text;
    }
    case RecordType::kPtr:
    case RecordType::kCname:
    case RecordType::kNs: {
      std::size_t pos = start;
      auto name = ReadRdataName(m, rr, pos);
      if (name.ok() && pos != end) return Fail("record has trailing bytes" + At(pos));
      return name;
    }
    case RecordType::kSoa: {
      std::size_t pos = start;
      auto mname = ReadRdataName(m, rr, pos);
      if (!mname.ok()) return mname;
      auto rname = ReadRdataName(m, rr, pos);
      if (!rname.ok()) return rname;
      if (pos + 20 != end) return Fail("SOA record has the wrong length" + At(start));
      std::string text = *mname + " " + *rname;
      for (int i = 0; i < 5; ++i) text += " " + std::to_string(U32(m, pos + 4 * i));
      return text;
    }
    case RecordType::kMx: {
      auto mx = RdataMx(m, rr);
      if (!mx.ok()) return MakeUnexpected(mx.error());
      return std::to_string(mx->preference) + " " + mx->exchange;
    }
  }
  return Fail("unsupported record type " + std::to_string(rr.type));
}

Result<MxRecord> RdataMx(std::span<const std::uint8_t> m, const ResourceRecord& rr) {
  if (rr.rdata_length < 3) return Fail("MX record too short" + At(rr.rdata_offset));
  MxRecord mx;
  mx.preference = U16(m, rr.rdata_offset);
  std::size_t pos = rr.rdata_offset + 2;
  auto name = ReadRdataName(m, rr, pos);
  if (!name.ok()) return MakeUnexpected(name.error());
  if (pos != rr.rdata_offset + rr.rdata_length) {
    return Fail("MX record has trailing bytes" + At(pos));
  }
  mx.exchange = std::move(name).value();
  return mx;
}

Answer AnswerFromMessage(std::span<const std::uint8_t> bytes, std::string_view name,
                         RecordType type, std::string_view server) {
  Answer answer;
  answer.name = NormalizeDnsName(name);
  answer.type = type;
  const std::string what =
      answer.name + " " + std::string(ToString(type)) + " from " + std::string(server);
  auto malformed = [&](const std::string& why) {
    answer.outcome = Outcome::kMalformed;
    answer.ttl = 0;
    answer.records.clear();
    answer.mx.clear();
    answer.cname_chain.clear();
    answer.error = "malformed answer for " + what + ": " + why;
    return answer;
  };
  auto parsed = ParseMessage(bytes);
  if (!parsed.ok()) return malformed(parsed.error().message);
  const Message& msg = *parsed;
  const std::uint8_t rcode = msg.rcode();
  if (rcode == static_cast<std::uint8_t>(Rcode::kServFail) ||
      rcode == static_cast<std::uint8_t>(Rcode::kRefused)) {
    answer.outcome = rcode == 2 ? Outcome::kServFail : Outcome::kRefused;
    answer.error = "server answered " + RcodeName(rcode) + " for " + what;
    return answer;
  }
  if (rcode != static_cast<std::uint8_t>(Rcode::kNoError) &&
      rcode != static_cast<std::uint8_t>(Rcode::kNxDomain)) {
    // FORMERR, NOTIMP and the rest: the server could not answer, the truth is unknown.
    answer.outcome = Outcome::kServFail;
    answer.error = "server answered " + RcodeName(rcode) + " for " + what;
    return answer;
  }

  // Follow the CNAME chain inside the answer section.
  std::string current = answer.name;
  std::uint32_t ttl = UINT32_MAX;
  for (int hop = 0;; ++hop) {
    bool found = false;
    for (const auto& rr : msg.answers) {
      if (rr.klass != kClassIn || rr.type != static_cast<std::uint16_t>(type) ||
          rr.name != current) {
        continue;
      }
      found = true;
      ttl = std::min(ttl, rr.ttl);
      if (type == RecordType::kMx) {
        auto mx = RdataMx(bytes, rr);
        if (!mx.ok()) return malformed(mx.error().message);
        answer.mx.push_back(std::move(mx).value());
      } else {
        auto text = RdataText(bytes, rr);
        if (!text.ok()) return malformed(text.error().message);
        answer.records.push_back(std::move(text).value());
      }
    }
    if (found) break;
    if (type == RecordType::kCname) break;
    const ResourceRecord* alias = nullptr;
    for (const auto& rr : msg.answers) {
      if (rr.klass == kClassIn && rr.type == static_cast<std::uint16_t>(RecordType::kCname) &&
          rr.name == current) {
        alias = &rr;
        break;
      }
    }
    if (alias == nullptr) break;
    if (hop >= kMaxCnameHops) {
      answer.outcome = Outcome::kServFail;
      answer.cname_chain.clear();
      answer.error = "CNAME chain longer than " + std::to_string(kMaxCnameHops) + " for " + what;
      return answer;
    }
    auto target = RdataText(bytes, *alias);
    if (!target.ok()) return malformed(target.error().message);
    ttl = std::min(ttl, alias->ttl);
    current = std::move(target).value();
    answer.cname_chain.push_back(current);
  }

  if (!answer.records.empty() || !answer.mx.empty()) {
    answer.outcome = Outcome::kData;
    answer.ttl = ttl;
    return answer;
  }
  answer.outcome =
      rcode == static_cast<std::uint8_t>(Rcode::kNxDomain) ? Outcome::kNxDomain : Outcome::kNoData;
  // RFC 2308 5: the negative TTL is min(SOA TTL, SOA MINIMUM); without a SOA, do not cache.
  std::uint32_t negative_ttl = 0;
  for (const auto& rr : msg.authority) {
    if (rr.type != static_cast<std::uint16_t>(RecordType::kSoa) || rr.klass != kClassIn) continue;
    auto minimum = SoaMinimum(bytes, rr);
    if (!minimum.ok()) return malformed(minimum.error().message);
    negative_ttl = std::min(rr.ttl, *minimum);
    break;
  }
  // An alias on the way also bounds how long the negative answer holds.
  answer.ttl = answer.cname_chain.empty() ? negative_ttl : std::min(negative_ttl, ttl);
  return answer;
}

}  // namespace mdo::dns
