#include "common/fiber.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define MDO_FIBER_ASAN 1
#else
#define MDO_FIBER_ASAN 0
#endif

namespace mdo {

struct Fiber::Impl {
  void* mapping = MAP_FAILED;
  std::size_t mapping_bytes = 0;
  char* stack = nullptr;  // above the guard page
  std::size_t stack_bytes = 0;
  ucontext_t context{};
  ucontext_t caller{};
  std::function<void()> body;
  bool finished = true;
  bool started = false;
#if MDO_FIBER_ASAN
  // AddressSanitizer must be told of each switch between stacks (its fake stacks and its idea
  // of the current stack's bounds), or it reports false stack errors.
  void* fake_stack = nullptr;
  const void* caller_bottom = nullptr;
  std::size_t caller_size = 0;
#endif
};

namespace {

// The fiber running on this thread (nullptr: none).
thread_local Fiber::Impl* current = nullptr;

void EnteredFiber([[maybe_unused]] Fiber::Impl& f) {
#if MDO_FIBER_ASAN
  __sanitizer_finish_switch_fiber(f.fake_stack, &f.caller_bottom, &f.caller_size);
#endif
}

void LeavingFiber([[maybe_unused]] Fiber::Impl& f, [[maybe_unused]] bool for_good) {
#if MDO_FIBER_ASAN
  __sanitizer_start_switch_fiber(for_good ? nullptr : &f.fake_stack, f.caller_bottom,
                                 f.caller_size);
#endif
}

// Saves the running context in `from` and continues at `to`. Under AddressSanitizer through
// getcontext and setcontext: its swapcontext interceptor prints a warning on first use, into
// logs that must stay one JSON object per line, and the switches are annotated here anyway.
void Switch(ucontext_t* from, const ucontext_t* to) {
#if MDO_FIBER_ASAN
  volatile bool back = false;  // volatile: read again when `from` is resumed
  getcontext(from);
  if (!back) {
    back = true;
    setcontext(to);
  }
#else
  swapcontext(from, to);
#endif
}

// makecontext passes int arguments only: the Impl pointer travels in two halves.
void Trampoline(unsigned int high, unsigned int low) {
  auto* f = reinterpret_cast<Fiber::Impl*>((static_cast<std::uintptr_t>(high) << 32) |
                                           static_cast<std::uintptr_t>(low));
  EnteredFiber(*f);
  try {
    f->body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fatal: exception left a fiber: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fatal: exception left a fiber\n");
    std::abort();
  }
  f->body = nullptr;
  f->finished = true;
  LeavingFiber(*f, /*for_good=*/true);
  current = nullptr;
  Switch(&f->context, &f->caller);
  std::abort();  // a finished fiber is never resumed
}

}  // namespace

Fiber::Fiber(std::size_t stack_bytes) : impl_(std::make_unique<Impl>()) {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t bytes = (stack_bytes + page - 1) / page * page + page;
  void* mapping = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mapping == MAP_FAILED) return;
  if (::mprotect(mapping, page, PROT_NONE) != 0) {
    ::munmap(mapping, bytes);
    return;
  }
  impl_->mapping = mapping;
  impl_->mapping_bytes = bytes;
  impl_->stack = static_cast<char*>(mapping) + page;
  impl_->stack_bytes = bytes - page;
}

Fiber::~Fiber() {
  assert(impl_->finished && "a fiber is destroyed while suspended");
  if (impl_->mapping != MAP_FAILED) ::munmap(impl_->mapping, impl_->mapping_bytes);
}

bool Fiber::ok() const { return impl_->mapping != MAP_FAILED; }

bool Fiber::finished() const { return impl_->finished; }

bool Fiber::Inside() { return current != nullptr; }

void Fiber::Reset(std::function<void()> body) {
  assert(ok() && impl_->finished);
  impl_->body = std::move(body);
  impl_->finished = false;
  impl_->started = false;
#if MDO_FIBER_ASAN
  impl_->fake_stack = nullptr;  // the last body's went with it
#endif
}

bool Fiber::Resume() {
  Impl& f = *impl_;
  assert(current == nullptr && "Resume() from inside a fiber");
  if (f.finished) return true;
  if (!f.started) {
    f.started = true;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack;
    f.context.uc_stack.ss_size = f.stack_bytes;
    f.context.uc_link = nullptr;
    const auto self = reinterpret_cast<std::uintptr_t>(&f);
    makecontext(&f.context, reinterpret_cast<void (*)()>(&Trampoline), 2,
                static_cast<unsigned int>(self >> 32), static_cast<unsigned int>(self));
  }
  current = &f;
#if MDO_FIBER_ASAN
  void* caller_fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&caller_fake_stack, f.stack, f.stack_bytes);
#endif
  Switch(&f.caller, &f.context);
#if MDO_FIBER_ASAN
  __sanitizer_finish_switch_fiber(caller_fake_stack, nullptr, nullptr);
#endif
  current = nullptr;
  return f.finished;
}

void Fiber::Suspend() {
  Impl* f = current;
  assert(f != nullptr && "Suspend() outside a fiber");
  LeavingFiber(*f, /*for_good=*/false);
  current = nullptr;
  Switch(&f->context, &f->caller);
  current = f;
  EnteredFiber(*f);
}

}  // namespace mdo
