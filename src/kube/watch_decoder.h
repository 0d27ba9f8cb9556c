// Decodes a watch response body: newline-delimited JSON, one {"type", "object"} per line, in
// chunks that split lines anywhere. Pure and bounded: a line longer than the limit is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "kube/api_client.h"

namespace mdo::kube {

// One line to an event; the error names what is wrong.
Result<WatchEvent> ParseWatchEvent(std::string_view line);

class WatchDecoder {
 public:
  explicit WatchDecoder(size_t max_line_bytes = 64 << 20) : max_line_(max_line_bytes) {}
  // Appends the events completed by `bytes` to `out`. After an error the decoder is unusable.
  Status Feed(std::string_view bytes, std::vector<WatchEvent>& out);
  // End of stream: a final line without a newline still counts.
  Status Finish(std::vector<WatchEvent>& out);

 private:
  Status TakeLine(std::string_view line, std::vector<WatchEvent>& out);
  size_t max_line_;
  std::string partial_;
};

}  // namespace mdo::kube
