// A fiber: a function run on its own stack that can stop part-way (Suspend) and be resumed later
// by the thread that started it. Lets many checks wait for DNS answers on one thread: each
// domain's checks are written as plain sequential code, and the runner (report/interleaved.h)
// resumes whichever fibers have their answers, so a thread sleeps only when none has work.
//
// One thread owns a fiber: it is resumed, and suspends, only on the thread that created it.
// Exceptions must not leave the body (it is called inside a noexcept frame).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace mdo {

class Fiber {
 public:
  // The stack is reserved, not committed: only the pages the body touches cost memory. It ends
  // in a guard page, so an overflow crashes at once instead of corrupting a neighbour.
  static constexpr std::size_t kDefaultStackBytes = 1 << 20;

  explicit Fiber(std::size_t stack_bytes = kDefaultStackBytes);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // False if the stack could not be reserved; such a fiber cannot run.
  bool ok() const;

  // Sets the next body to run; the fiber must be finished (or new). The stack is reused.
  void Reset(std::function<void()> body);

  // Runs the body until it calls Suspend() or returns; returns true if it is finished. Only
  // from outside any fiber, on the owning thread.
  bool Resume();

  // From inside the body: back to the Resume() that runs it.
  static void Suspend();

  // True on a fiber's stack (between its Resume() and its Suspend() or end).
  static bool Inside();

  bool finished() const;

  struct Impl;  // fiber.cc's; public for its helpers there

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mdo
