// The zone-file loader of the tests: the subset of RFC 1035 master-file syntax the fixture zones
// use, parsed into records and added to a dns::MemoryResolver.
//
// Syntax: $ORIGIN (absolute, or relative to the current origin), $TTL (accepted and ignored, as
// are per-record TTLs: MemoryResolver answers with its default), "@" and relative names,
// a blank owner (line starting with a space or tab) = the previous owner, an optional numeric
// TTL and class IN (either order, any case), parentheses joining lines, ";" comments, and quoted
// strings with \" \\ and \DDD escapes (at most 255 bytes each). Types (any case): A, AAAA, MX,
// TXT, PTR, CNAME, NS and SOA. Anything else is an error that names the source and the line:
// "<source>:<line>: <what is wrong>".
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dns/memory_resolver.h"

namespace mdo::testing {

struct ZoneRecord {
  int line = 0;       // where the record starts in its source
  std::string owner;  // absolute and normalized (lower case, no trailing dot; "" = the root)
  dns::RecordType type = dns::RecordType::kA;
  // A, AAAA: the address as written. TXT: the strings, joined. MX, CNAME, PTR, NS: the target,
  // absolute and normalized ("" for the root, as in a null MX "0 ."). SOA: the primary server.
  std::string data;
  std::uint16_t preference = 0;  // MX only
};

// Parses zone `text`. `source` names it in errors (a file name); `origin` is the origin before
// the first $ORIGIN (empty: none, so relative names before one are errors).
Result<std::vector<ZoneRecord>> ParseZone(std::string_view text, std::string_view source,
                                          std::string_view origin = {});

// Reads and parses `file` (its path names it in errors).
Result<std::vector<ZoneRecord>> ParseZoneFile(const std::filesystem::path& file,
                                              std::string_view origin = {});

// Adds `records` to `resolver`, except those whose type is in `skip`: A, AAAA, TXT, PTR and NS
// with Add, MX with AddMx, CNAME with AddCname, and SOA as AddEmptyName(owner) (the apex
// exists). Returns how many records were added.
int AddRecords(const std::vector<ZoneRecord>& records, dns::MemoryResolver& resolver,
               const std::set<dns::RecordType>& skip = {});

}  // namespace mdo::testing
