#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace mdo::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Everything the child needs, prepared before fork() so the child only makes async-signal-safe
// calls.
struct ExecPlan {
  std::vector<std::string> argv_storage;
  std::vector<std::string> env_storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::string working_dir;
};

ExecPlan MakePlan(const std::vector<std::string>& argv, const EnvOverrides& env,
                  const std::filesystem::path& working_dir) {
  ExecPlan plan;
  plan.argv_storage = argv;
  std::map<std::string, std::string> merged;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    merged[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
  }
  for (const auto& [key, value] : env) merged[key] = value;
  for (const auto& [key, value] : merged) plan.env_storage.push_back(key + "=" + value);
  for (auto& a : plan.argv_storage) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : plan.env_storage) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  plan.working_dir = working_dir.string();
  return plan;
}

// Runs in the child after fork(): only async-signal-safe calls.
[[noreturn]] void ExecChild(const ExecPlan& plan, int stdin_fd, int stdout_fd, int stderr_fd,
                            bool die_with_parent) {
  ::setpgid(0, 0);
  if (die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (stdin_fd >= 0) ::dup2(stdin_fd, 0);
  if (stdout_fd >= 0) ::dup2(stdout_fd, 1);
  if (stderr_fd >= 0) ::dup2(stderr_fd, 2);
  // Sockets of other threads (resolvers, servers) must not leak into the child.
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  if (!plan.working_dir.empty() && ::chdir(plan.working_dir.c_str()) != 0) ::_exit(126);
  ::execvpe(plan.argv[0], plan.argv.data(), plan.envp.data());
  ::_exit(127);
}

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void FillResultFromStatus(int status, ProcessResult& result) {
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
}

}  // namespace

std::string ProcessResult::Describe() const {
  std::string text;
  if (!start_error.empty()) return "not started: " + start_error;
  if (timed_out) text = "timed out; ";
  if (term_signal != 0) {
    text += "killed by signal " + std::to_string(term_signal);
  } else {
    text += "exit code " + std::to_string(exit_code);
  }
  text += "\n--- stdout ---\n" + stdout_text + "\n--- stderr ---\n" + stderr_text;
  return text;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const EnvOverrides& env,
                         std::string_view stdin_text, std::chrono::milliseconds timeout,
                         const std::filesystem::path& working_dir) {
  ProcessResult result;
  if (argv.empty()) {
    result.start_error = "empty command line";
    return result;
  }
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  auto close_all = [&] {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      if (fd >= 0) ::close(fd);
    }
  };
  if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.start_error = std::string("pipe: ") + std::strerror(errno);
    close_all();
    return result;
  }
  ExecPlan plan = MakePlan(argv, env, working_dir);
  pid_t pid = ::fork();
  if (pid < 0) {
    result.start_error = std::string("fork: ") + std::strerror(errno);
    close_all();
    return result;
  }
  if (pid == 0) ExecChild(plan, in_pipe[0], out_pipe[1], err_pipe[1], false);
  ::setpgid(pid, pid);  // also from the parent, so kill(-pid) works even before the child runs
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  int stdin_fd = in_pipe[1];
  SetNonBlocking(stdin_fd);
  SetNonBlocking(out_pipe[0]);
  SetNonBlocking(err_pipe[0]);
  if (stdin_text.empty()) {
    ::close(stdin_fd);
    stdin_fd = -1;
  }
  std::size_t written = 0;
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  auto deadline = Clock::now() + timeout;
  // A writer to a closed stdin pipe must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  while (out_fd >= 0 || err_fd >= 0 || stdin_fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (stdin_fd >= 0) fds[n++] = {stdin_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    int ready = ::poll(fds, n, static_cast<int>(std::min<long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == stdin_fd) {
        ssize_t w = ::write(stdin_fd, stdin_text.data() + written, stdin_text.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN) written = stdin_text.size();
        if (written >= stdin_text.size()) {
          ::close(stdin_fd);
          stdin_fd = -1;
        }
        continue;
      }
      char buf[65536];
      ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        (fds[i].fd == out_fd ? result.stdout_text : result.stderr_text).append(buf, r);
      } else if (r == 0 || errno != EAGAIN) {
        ::close(fds[i].fd);
        (fds[i].fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  if (stdin_fd >= 0) ::close(stdin_fd);
  if (out_fd >= 0) ::close(out_fd);
  if (err_fd >= 0) ::close(err_fd);
  int status = 0;
  if (result.timed_out) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FillResultFromStatus(status, result);
    return result;
  }
  // Outputs are closed; the process normally exits now, but keep honouring the timeout.
  while (true) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return result;
    if (Clock::now() >= deadline) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child's exit
  }
  FillResultFromStatus(status, result);
  return result;
}

Result<std::unique_ptr<Subprocess>> Subprocess::Start(const std::vector<std::string>& argv,
                                                      const Options& options) {
  if (argv.empty()) return Fail("empty command line");
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Fail(std::strerror(errno));
  int err_fd = -1;
  if (!options.stderr_file.empty()) {
    err_fd = ::open(options.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err_fd < 0) {
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      return Fail("cannot open " + options.stderr_file.string() + ": " + std::strerror(errno));
    }
  }
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ExecPlan plan = MakePlan(argv, options.env, options.working_dir);
  pid_t pid = ::fork();
  if (pid < 0) {
    std::string error = std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], err_fd, null_fd}) {
      if (fd >= 0) ::close(fd);
    }
    return Fail("fork: " + error);
  }
  if (pid == 0) ExecChild(plan, null_fd, out_pipe[1], err_fd, true);
  ::setpgid(pid, pid);
  ::close(out_pipe[1]);
  if (err_fd >= 0) ::close(err_fd);
  if (null_fd >= 0) ::close(null_fd);
  SetNonBlocking(out_pipe[0]);
  std::unique_ptr<Subprocess> process(new Subprocess());
  process->pid_ = pid;
  process->stdout_fd_ = out_pipe[0];
  return process;
}

Subprocess::~Subprocess() {
  Stop();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::optional<std::string> Subprocess::ReadLine(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto nl = buffered_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffered_.substr(0, nl);
      buffered_.erase(0, nl + 1);
      return line;
    }
    if (stdout_fd_ < 0) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&fd, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    char buf[4096];
    ssize_t r = ::read(stdout_fd_, buf, sizeof buf);
    if (r > 0) {
      buffered_.append(buf, r);
    } else if (r == 0 || errno != EAGAIN) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
  }
}

bool Subprocess::Running() {
  if (reaped_) return false;
  int status = 0;
  pid_t w = ::waitpid(pid_, &status, WNOHANG);
  if (w == pid_) {
    reaped_ = true;
    wait_status_ = status;
    return false;
  }
  return w == 0;
}

int Subprocess::Stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0 || reaped_) return wait_status_;
  ::kill(-pid_, SIGTERM);
  auto deadline = Clock::now() + grace;
  while (Running()) {
    if (Clock::now() >= deadline) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      reaped_ = true;
      wait_status_ = status;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child's exit
  }
  return wait_status_;
}

}  // namespace mdo::testing
