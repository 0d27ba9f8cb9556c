// Fuzzes the raw DNS message reader and the conversion of a response into an Answer. The first
// byte picks the record type asked for; the rest is the message as a server would send it.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

#include "dns/message.h"
#include "dns/resolver.h"

namespace {

constexpr mdo::dns::RecordType kTypes[] = {
    mdo::dns::RecordType::kA,   mdo::dns::RecordType::kNs,   mdo::dns::RecordType::kCname,
    mdo::dns::RecordType::kSoa, mdo::dns::RecordType::kPtr,  mdo::dns::RecordType::kMx,
    mdo::dns::RecordType::kTxt, mdo::dns::RecordType::kAaaa,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto type = kTypes[data[0] % std::size(kTypes)];
  std::span<const std::uint8_t> message(data + 1, size - 1);

  auto parsed = mdo::dns::ParseMessage(message);
  if (parsed) {
    for (const auto& rr : parsed->answers) {
      assert(rr.rdata_offset + rr.rdata_length <= message.size());
      auto text = mdo::dns::RdataText(message, rr);
      if (rr.type == static_cast<std::uint16_t>(mdo::dns::RecordType::kMx)) {
        (void)mdo::dns::RdataMx(message, rr);
      }
      (void)text;
    }
    for (const auto& rr : parsed->authority) (void)mdo::dns::RdataText(message, rr);
  }
  // Ask for the question's own name when there is one, so the CNAME chain and owner matching run.
  const std::string name = parsed ? parsed->question_name : std::string("example.com");
  mdo::dns::AnswerFromMessage(message, name, type, "fuzz");
  return 0;
}
