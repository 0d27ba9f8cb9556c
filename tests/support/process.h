// Child processes for tests: run a command to completion capturing its output (the CLI, kubectl,
// helm), or keep a server running (knotd, the fault DNS server) and stop it reliably.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mdo::testing {

// Variables set (or overridden) on top of the test's own environment.
using EnvOverrides = std::map<std::string, std::string>;

struct ProcessResult {
  int exit_code = -1;      // the exit status; -1 when killed by a signal or not started
  int term_signal = 0;     // the signal that ended it, 0 when it exited
  bool timed_out = false;  // killed because the timeout passed
  std::string stdout_text;
  std::string stderr_text;
  std::string start_error;  // why it could not be started ("" when it ran)

  bool exited_ok() const { return exit_code == 0; }
  // One line describing how it ended, for assertion messages.
  std::string Describe() const;
};

// Runs argv[0] (searched in PATH) with `stdin_text` on its standard input, collects both
// outputs, and kills its whole process group when `timeout` passes.
ProcessResult RunProcess(const std::vector<std::string>& argv, const EnvOverrides& env = {},
                         std::string_view stdin_text = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         const std::filesystem::path& working_dir = {});

// A long-running child in its own process group. Its stdout is a pipe read with ReadLine();
// its stderr goes to `stderr_file` when given (else it is inherited). The child gets SIGKILL if
// the thread that started it dies (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
class Subprocess {
 public:
  struct Options {
    EnvOverrides env;
    std::filesystem::path working_dir;
    std::filesystem::path stderr_file;
  };

  static Result<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                   const Options& options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  // Next line of stdout without the newline; nullopt on end of file or when `timeout` passes.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // False once the child has exited (reaps it).
  bool Running();
  // SIGTERM to the process group, then SIGKILL after `grace`. Returns the wait status (or -1).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(3));

 private:
  Subprocess() = default;

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  bool reaped_ = false;
  int wait_status_ = -1;
};

}  // namespace mdo::testing
