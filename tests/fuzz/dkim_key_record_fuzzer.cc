// Fuzzes the DKIM tag-list parser, the key record parser and the base64 decoder.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/dkim/key_record.h"
#include "checks/dkim/tag_list.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace dkim = mdo::checks::dkim;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tags = dkim::ParseTagList(text);
  if (tags) {
    for (const auto& tag : *tags) assert(tag.position < size);
  } else {
    assert(tags.error().position <= size);
    dkim::DescribeParseError(tags.error());
  }
  dkim::LooksLikeKeyRecord(text);
  auto record = dkim::ParseKeyRecord(text);
  if (record) {
    // Every key record is a tag list.
    assert(tags.ok());
    record->revoked();
    record->HasFlag("y");
    record->AllowsService("email");
  } else {
    assert(record.error().position <= size);
  }
  auto bytes = dkim::DecodeBase64(text);
  if (bytes) assert(bytes->size() <= size * 3 / 4 + 3);
  return 0;
}
