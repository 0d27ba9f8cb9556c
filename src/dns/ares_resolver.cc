#include "dns/ares_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <span>
#include <thread>

#include "common/strings.h"
#include "dns/message.h"

namespace mdo::dns {

namespace {

constexpr int kClassIn = 1;
constexpr int kMaxPollMs = 1000;
// Receive buffer per socket for this many bytes per question in flight: a burst of answers
// (256 x 1232-byte EDNS answers, each charged ~2-3 KB by the kernel) must not overflow the
// default 208 KB buffer while the loop thread waits for a CPU; a dropped answer costs a
// timeout. The kernel caps it at net.core.rmem_max.
constexpr std::size_t kReceiveBufferPerQuestion = 4096;
constexpr std::size_t kMinReceiveBuffer = 256 * 1024;

Status InitAresLibrary() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) return Fail(std::string("c-ares: ") + ares_strerror(status));
  return {};
}

}  // namespace

class AresResolver::Impl {
 public:
  explicit Impl(const Options& options) : options_(options) {}

  ~Impl() {
    if (thread_.joinable()) {
      {
        std::lock_guard lock(mu_);
        stopping_ = true;
      }
      WriteWake();
      thread_.join();
    }
    if (channel_ != nullptr) ares_destroy(channel_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status Init() {
    if (Status s = InitAresLibrary(); !s.ok()) return s;
    if (options_.servers.empty()) options_.servers = SystemServers();
    if (options_.timeout_ms <= 0) return Fail("DNS timeout must be positive");
    if (options_.attempts <= 0) return Fail("DNS attempts must be at least 1");
    if (options_.max_in_flight == 0) options_.max_in_flight = 1;
    for (const auto& server : options_.servers) {
      if (!servers_text_.empty()) servers_text_ += ", ";
      servers_text_ += server.ToString();
    }
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) return Fail(std::string("eventfd: ") + std::strerror(errno));

    ares_options opts{};
    int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
               ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS | ARES_OPT_SOCK_STATE_CB | ARES_OPT_SOCK_RCVBUF;
    // EDNS0 so DKIM keys fit in UDP; NOCHECKRESP so SERVFAIL and REFUSED reach us as such
    // instead of "could not contact servers"; never IGNTC: truncated answers are retried on TCP.
    opts.flags = ARES_FLAG_EDNS | ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    opts.timeout = options_.timeout_ms;
    opts.tries = options_.attempts;
    opts.ednspsz = options_.edns_udp_size;
    char lookups[] = "b";  // DNS only, never /etc/hosts
    opts.lookups = lookups;
    opts.domains = nullptr;
    opts.ndomains = 0;
    opts.sock_state_cb = &Impl::OnSocketState;
    opts.sock_state_cb_data = this;
    opts.socket_receive_buffer_size = static_cast<int>(std::min<std::size_t>(
        std::max(kMinReceiveBuffer, options_.max_in_flight * kReceiveBufferPerQuestion),
        64 * 1024 * 1024));
    int status = ares_init_options(&channel_, &opts, mask);
    if (status != ARES_SUCCESS) {
      channel_ = nullptr;
      return Fail(std::string("c-ares init: ") + ares_strerror(status));
    }
    std::vector<ares_addr_port_node> nodes(options_.servers.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const ServerAddress& server = options_.servers[i];
      ares_addr_port_node& node = nodes[i];
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      node.udp_port = server.port;
      node.tcp_port = server.port;
      if (server.ip.is_v4()) {
        node.family = AF_INET;
        std::memcpy(&node.addr.addr4, server.ip.bytes(), 4);
      } else {
        node.family = AF_INET6;
        std::memcpy(&node.addr.addr6, server.ip.bytes(), 16);
      }
    }
    status = ares_set_servers_ports(channel_, nodes.empty() ? nullptr : nodes.data());
    if (status != ARES_SUCCESS)
      return Fail(std::string("c-ares servers: ") + ares_strerror(status));
    thread_ = std::thread([this] { Run(); });
    return {};
  }

  void Query(std::string_view name, RecordType type, Callback done) {
    auto request = std::make_unique<Request>();
    request->name = NormalizeDnsName(name);
    request->type = type;
    request->done = std::move(done);
    request->impl = this;
    // Asked on the loop thread (from an answer's callback, as chained lookups do): send at once
    // while under the bound. Queueing it would hold it back until every answer already waiting
    // has been read, so the client and the server would take turns instead of overlapping.
    // Queued on the loop thread, it needs no wake: the loop sends from the queue as answers
    // free slots and before it polls again.
    const bool on_loop = std::this_thread::get_id() == loop_id_.load(std::memory_order_relaxed);
    bool send_now = false;
    {
      std::lock_guard lock(mu_);
      if (!stopping_) {
        send_now = on_loop && queue_.empty() && in_flight_ < options_.max_in_flight;
        if (!send_now) {
          queue_.push_back(std::move(request));
          queued_.store(queue_.size(), std::memory_order_relaxed);
        }
      }
    }
    // Outside the lock: c-ares may answer synchronously, and that callback may ask again.
    if (send_now) {
      Send(std::move(request));
      return;
    }
    if (request) {
      Cancelled(*request);
      return;
    }
    if (!on_loop) Wake();
  }

  const std::string& servers_text() const { return servers_text_; }

 private:
  struct Request {
    std::string name;
    RecordType type = RecordType::kA;
    Callback done;
    Impl* impl = nullptr;
  };

  static void Cancelled(Request& request) {
    Answer answer;
    answer.name = request.name;
    answer.type = request.type;
    answer.outcome = Outcome::kCancelled;
    answer.error = "resolver shut down before " + request.name + " " +
                   std::string(ToString(request.type)) + " was answered";
    request.done(answer);
  }

  // One eventfd write per wake-up of the loop, not per question: skipped while a wake is
  // pending (the loop clears the flag after reading the eventfd, before it takes the queue).
  void Wake() {
    if (wake_pending_.exchange(true)) return;
    WriteWake();
  }

  void WriteWake() {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  static void OnSocketState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Impl*>(data);
    if (!readable && !writable) {
      self->sockets_.erase(fd);
    } else {
      self->sockets_[fd] = {readable != 0, writable != 0};
    }
  }

  static void OnAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen) {
    std::unique_ptr<Request> request(static_cast<Request*>(arg));
    Impl* self = request->impl;
    --self->in_flight_;
    {
      Answer answer = self->MakeAnswer(*request, status, timeouts, abuf, alen);
      request->done(answer);
    }
    // Refill the freed slot now, while c-ares goes on reading the answers that already arrived,
    // so the server gets new work instead of waiting until the whole burst has been read.
    if (self->queued_.load(std::memory_order_relaxed) > 0) self->SendQueued();
  }

  Answer MakeAnswer(const Request& request, int status, int timeouts, const unsigned char* abuf,
                    int alen) const {
    const bool has_message = abuf != nullptr && alen > 0;
    switch (status) {
      case ARES_SUCCESS:
      case ARES_ENODATA:
      case ARES_ENOTFOUND:
      case ARES_ESERVFAIL:
      case ARES_EREFUSED:
      case ARES_EFORMERR:
      case ARES_ENOTIMP:
        if (has_message) {
          return AnswerFromMessage(
              std::span<const std::uint8_t>(abuf, static_cast<std::size_t>(alen)), request.name,
              request.type, servers_text_);
        }
        break;
      default:
        break;
    }
    Answer answer;
    answer.name = request.name;
    answer.type = request.type;
    const std::string what = request.name + " " + std::string(ToString(request.type));
    switch (status) {
      case ARES_ETIMEOUT:
        answer.outcome = Outcome::kTimeout;
        answer.error = what + ": no answer from " + servers_text_ + " after " +
                       std::to_string(timeouts) + " tries";
        break;
      case ARES_ECONNREFUSED:
        answer.outcome = Outcome::kNetworkError;
        answer.error = what + ": could not reach DNS server " + servers_text_;
        break;
      case ARES_ESERVFAIL:
        answer.outcome = Outcome::kServFail;
        answer.error = what + ": " + servers_text_ + " answered SERVFAIL";
        break;
      case ARES_EREFUSED:
        answer.outcome = Outcome::kRefused;
        answer.error = what + ": " + servers_text_ + " answered REFUSED";
        break;
      case ARES_ENOTFOUND:
        answer.outcome = Outcome::kNxDomain;
        break;
      case ARES_ENODATA:
        answer.outcome = Outcome::kNoData;
        break;
      case ARES_ECANCELLED:
      case ARES_EDESTRUCTION:
        answer.outcome = Outcome::kCancelled;
        answer.error = "resolver shut down before " + what + " was answered";
        break;
      case ARES_EBADNAME:
        answer.outcome = Outcome::kMalformed;
        answer.error = "cannot ask for " + QuoteForMessage(request.name) + ": not a valid DNS name";
        break;
      default:
        answer.outcome = Outcome::kMalformed;
        answer.error = what + " from " + servers_text_ + ": " + ares_strerror(status);
        break;
    }
    return answer;
  }

  // Moves queued questions into c-ares up to the in-flight bound (loop thread only). Not
  // re-entered: a question answered synchronously inside ares_query() frees a slot that the
  // running loop below fills, so a long queue of bad names cannot recurse deeply.
  void SendQueued() {
    if (sending_queued_) return;
    sending_queued_ = true;
    while (in_flight_ < options_.max_in_flight) {
      std::unique_ptr<Request> request;
      {
        std::lock_guard lock(mu_);
        if (stopping_ || queue_.empty()) break;
        request = std::move(queue_.front());
        queue_.pop_front();
        queued_.store(queue_.size(), std::memory_order_relaxed);
      }
      Send(std::move(request));
    }
    sending_queued_ = false;
  }

  // Returns false when stopping.
  bool Submit() {
    SendQueued();
    std::lock_guard lock(mu_);
    return !stopping_;
  }

  // Loop thread only.
  void Send(std::unique_ptr<Request> request) {
    ++in_flight_;
    const std::string name = request->name;  // c-ares may call back before ares_query returns
    const int type = static_cast<int>(request->type);
    ares_query(channel_, name.c_str(), kClassIn, type, &Impl::OnAnswer, request.release());
  }

  void Run() {
    loop_id_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    std::vector<pollfd> fds;
    while (Submit()) {
      fds.clear();
      fds.push_back({wake_fd_, POLLIN, 0});
      for (const auto& [fd, interest] : sockets_) {
        short events =
            static_cast<short>((interest.first ? POLLIN : 0) | (interest.second ? POLLOUT : 0));
        fds.push_back({fd, events, 0});
      }
      timeval max_wait{kMaxPollMs / 1000, 0};
      timeval wait{};
      timeval* next = ares_timeout(channel_, &max_wait, &wait);
      int wait_ms = static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000);
      int ready = ::poll(fds.data(), fds.size(), wait_ms);
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents != 0) {
        std::uint64_t count = 0;
        [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
        // After the read and before Submit() takes the queue: a question queued from now on
        // writes again; one queued before is taken by that Submit().
        wake_pending_.store(false);
      }
      bool processed = false;
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        ares_socket_t read_fd =
            (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_socket_t write_fd = (fds[i].revents & POLLOUT) ? fds[i].fd : ARES_SOCKET_BAD;
        ares_process_fd(channel_, read_fd, write_fd);
        processed = true;
      }
      // Timeouts and retries are handled by a call without sockets.
      if (!processed) ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
    // Shutting down: everything in c-ares ends with ARES_ECANCELLED, the queue with kCancelled.
    ares_cancel(channel_);
    std::deque<std::unique_ptr<Request>> left;
    {
      std::lock_guard lock(mu_);
      left.swap(queue_);
    }
    for (auto& request : left) Cancelled(*request);
  }

  Options options_;
  std::string servers_text_;
  ares_channel channel_ = nullptr;
  int wake_fd_ = -1;
  std::thread thread_;

  std::atomic<std::thread::id> loop_id_{};
  std::atomic<bool> wake_pending_{false};

  std::mutex mu_;
  std::deque<std::unique_ptr<Request>> queue_;  // guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
  // queue_.size(), readable without the lock: answers check it before refilling.
  std::atomic<std::size_t> queued_{0};

  // Loop thread only.
  std::map<ares_socket_t, std::pair<bool, bool>> sockets_;
  std::size_t in_flight_ = 0;
  bool sending_queued_ = false;
};

Result<std::unique_ptr<AresResolver>> AresResolver::Create(const Options& options) {
  auto impl = std::make_unique<Impl>(options);
  if (Status s = impl->Init(); !s.ok()) return MakeUnexpected(s.error());
  return std::unique_ptr<AresResolver>(new AresResolver(std::move(impl)));
}

AresResolver::AresResolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AresResolver::~AresResolver() = default;

void AresResolver::Query(std::string_view name, RecordType type, Callback done) {
  impl_->Query(name, type, std::move(done));
}

const std::string& AresResolver::servers_text() const { return impl_->servers_text(); }

}  // namespace mdo::dns
