// Fuzzes the DMARC record parser and the record classifier.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/dmarc/record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dmarc = mdo::checks::dmarc;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto kind = dmarc::ClassifyRecord(text);
  auto record = dmarc::ParseDmarcRecord(text);
  if (record) {
    // A record that parses is one receivers take as DMARC.
    assert(kind == dmarc::RecordKind::kDmarc);
    for (const auto& uri : record->aggregate_reports) uri.is_mailto();
    if (record->percent) assert(*record->percent >= 0 && *record->percent <= 100);
  } else {
    assert(record.error().position <= size);
    dmarc::DescribeParseError(record.error());
  }
  dmarc::ParsePolicy(text);
  return 0;
}
