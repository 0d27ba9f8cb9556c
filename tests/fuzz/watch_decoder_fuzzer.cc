// Fuzzes the watch-stream decoder: the input is split into chunks at positions taken from its
// first byte, so line splits land anywhere; the line limit is small so the bound is exercised.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kube/watch_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 32;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  mdo::kube::WatchDecoder decoder(/*max_line_bytes=*/4096);
  std::vector<mdo::kube::WatchEvent> events;
  bool failed = false;
  for (std::size_t at = 0; at < body.size() && !failed; at += chunk) {
    failed = !decoder.Feed(body.substr(at, std::min(chunk, body.size() - at)), events).ok();
  }
  if (!failed) (void)decoder.Finish(events);
  for (const auto& event : events) mdo::kube::WatchEventTypeName(event.type);

  // Each line on its own too.
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    (void)mdo::kube::ParseWatchEvent(body.substr(start, end - start));
    start = end + 1;
  }
  return 0;
}
