// A small, bounds-checked reader for DNS messages (RFC 1035 section 4) and the conversion of a
// raw answer into an Answer. Pure functions: bytes in, typed value or error (with the offset)
// out. Anyone can publish anything, so every length and pointer is checked, name compression
// pointers must point strictly backwards (no loops), names are limited to 255 octets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/resolver.h"

namespace mdo::dns {

// DNS response codes used by the engine (RFC 1035 4.1.1).
enum class Rcode : std::uint8_t {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
};

struct ResourceRecord {
  std::string name;  // presentation form, lower-case, no trailing dot ("" for the root)
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  std::uint32_t ttl = 0;
  std::size_t rdata_offset = 0;  // where the RDATA starts in the message
  std::uint16_t rdata_length = 0;
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::string question_name;  // "" when there is no question
  std::uint16_t question_type = 0;
  std::vector<ResourceRecord> answers;
  std::vector<ResourceRecord> authority;  // additional records are not kept

  std::uint8_t rcode() const { return flags & 0x0F; }
  bool truncated() const { return (flags & 0x0200) != 0; }
  bool is_response() const { return (flags & 0x8000) != 0; }
};

// Reads the (possibly compressed) name at `offset` and advances `offset` past it. Labels are
// rendered in presentation form: '.' and '\' inside a label, and bytes outside printable ASCII,
// are escaped (\. \\ \DDD); ASCII letters are lowered.
Result<std::string> ReadName(std::span<const std::uint8_t> message, std::size_t& offset);

// Header, question, answer and authority sections. Fails on anything out of bounds.
Result<Message> ParseMessage(std::span<const std::uint8_t> message);

// The text of one record's RDATA as Answer::records holds it (A/AAAA address, TXT strings
// joined, PTR/CNAME/NS target, SOA fields), or the MX record.
Result<std::string> RdataText(std::span<const std::uint8_t> message, const ResourceRecord& rr);
Result<MxRecord> RdataMx(std::span<const std::uint8_t> message, const ResourceRecord& rr);

// Turns a response to (`name`, `type`) into an Answer: follows the CNAME chain inside the answer
// section (bounded), collects the records of `type` owned by the final name, takes the smallest
// TTL along the way, and for negative answers the RFC 2308 TTL min(SOA TTL, SOA MINIMUM) from the
// authority section. The outcome follows the RCODE; anything unparseable is kMalformed with
// `error` saying what and where. `server` names the source in error messages.
Answer AnswerFromMessage(std::span<const std::uint8_t> message, std::string_view name,
                         RecordType type, std::string_view server);

}  // namespace mdo::dns
