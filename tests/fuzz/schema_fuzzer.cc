// Fuzzes kube-testserver's structural schema code with the MailDomain CRD's openAPIV3Schema:
// JSON object in, defaulting, pruning and validation as the server runs them on a create.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "testserver/schema.h"
#include "testserver/yaml_json.h"

namespace {

std::string CrdPath() {
  if (const char* dir = std::getenv("MDO_SOURCE_DIR")) {
    return std::string(dir) + "/tests/fixtures/kube/maildomain-crd.yaml";
  }
  return MDO_FUZZ_SOURCE_DIR "/tests/fixtures/kube/maildomain-crd.yaml";
}

nlohmann::json LoadSchema() {
  std::ifstream in(CrdPath());
  std::stringstream text;
  text << in.rdbuf();
  auto crd = mdo::testserver::YamlToJson(text.str());
  if (!crd) {
    std::cerr << "cannot read the CRD at " << CrdPath() << "\n";
    std::abort();
  }
  return (*crd)["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const nlohmann::json schema = LoadSchema();
  auto object = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return 0;
  // Validation alone first, on the input as sent; then the create path's order.
  for (const auto& error : mdo::testserver::ValidateAgainstSchema(object, schema)) {
    error.Message();
  }
  mdo::testserver::ApplySchemaDefaults(object, schema);
  mdo::testserver::PruneUnknownFields(object, schema);
  mdo::testserver::ValidateAgainstSchema(object, schema);
  mdo::testserver::RenderInvalidValue(object);
  return 0;
}
