// Corpus replay: the `main` a fuzz target gets in the default (non-clang) build. Runs
// LLVMFuzzerTestOneInput once on every file named on the command line or found (recursively)
// under a directory named there, so `make test` checks the seeds and every regression input
// still pass. A crash or a failed assert in the target fails the test; so does finding no input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional in a target, as with libFuzzer.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& path, std::vector<std::uint8_t>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " FILE_OR_DIR...\n";
    return 2;
  }
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);

  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (fs::recursive_directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) inputs.push_back(it->path());
      }
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    }
    if (ec) {
      std::cerr << "cannot read " << arg << ": " << ec.message() << "\n";
      return 2;
    } else if (!fs::exists(arg)) {
      std::cerr << "no such file or directory: " << arg << "\n";
      return 2;
    }
  }
  if (inputs.empty()) {
    std::cerr << "no inputs found under the given paths\n";
    return 2;
  }
  // A stable order makes a failure reproducible from the log.
  std::sort(inputs.begin(), inputs.end());

  std::vector<std::uint8_t> bytes;
  for (const auto& path : inputs) {
    if (!ReadFile(path, bytes)) {
      std::cerr << "cannot read " << path << "\n";
      return 2;
    }
    // Printed before the call so a crash names its input.
    std::cout << "replay " << path.string() << " (" << bytes.size() << " bytes)" << std::endl;
    // A copy of exactly `size` bytes on the heap, as libFuzzer passes it: ASan builds then catch
    // a read one past the end.
    std::vector<std::uint8_t> exact(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(exact.data(), exact.size());
  }
  std::cout << "replayed " << inputs.size() << " inputs, no failure\n";
  return 0;
}
