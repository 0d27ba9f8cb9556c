// Fuzzes MailDomain decoding: JSON text (as the API server would send it) to a MailDomain. An
// accepted spec must survive a round trip through ToJson.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "api/maildomain.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  auto object = mdo::api::ParseMailDomain(json);
  if (object) {
    auto again = mdo::api::ParseMailDomainSpec(mdo::api::ToJson(object->spec));
    assert(again.ok());
  }
  if (json.is_object() && json.contains("spec")) (void)mdo::api::ParseMailDomainSpec(json["spec"]);
  return 0;
}
