// Fuzzes the SPF record parser: any TXT text in, a record or an error out, never a crash.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/spf/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  mdo::checks::spf::IsSpfRecord(text);
  auto record = mdo::checks::spf::ParseSpfRecord(text);
  if (record) {
    // The derived views must hold on anything the parser accepted.
    assert(record->mechanisms.size() <= mdo::checks::spf::kMaxTerms);
    record->DnsLookupTerms();
    record->HasAll();
  } else {
    // An error position points into the record (or just past its end).
    assert(record.error().position <= size);
    record.error().ToString();
  }
  return 0;
}
