// Fuzzes the kubeconfig parser. Relative paths resolve against a directory that does not exist,
// so the parser never reads a real file named by the input.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "kube/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const std::filesystem::path kBaseDir = "/nonexistent/mdo-fuzz";
  (void)mdo::kube::ParseKubeconfig(text, kBaseDir);
  (void)mdo::kube::ParseKubeconfig(text, kBaseDir, "fuzz");
  (void)mdo::kube::Base64Decode(text);
  return 0;
}
