// Many tasks (a domain's checks, the operator's reconciles) on one thread, their DNS questions
// sent together. Each task runs on a fiber (common/fiber.h). When a task asks for answers through
// an InterleavingResolver, its fiber stops and the next one runs. The questions of the stopped
// fibers then go to the resolver as one batch (Resolver::ResolveAll), and while that batch is on
// the wire the thread runs the fibers whose answers came in the previous one (WhileWaiting);
// their questions make the next batch, and each fiber resumes with its answers. A thread that
// checks one domain at a time sleeps and wakes for every round of questions of every domain (four
// dependent rounds per domain, a few wake-ups each); here it sleeps only when no task has work,
// and the server gets its questions in bursts.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "dns/resolver.h"

namespace mdo::dns {

struct InterleaverOptions {
  // Tasks in flight at once on the thread. 1 runs them one after another.
  std::size_t in_flight = 32;
  // Questions gathered before a batch goes out; the tasks not yet run then run while it is on
  // the wire, and their questions make the next batch.
  std::size_t min_batch = 64;
  // Stack reserved per task in flight (committed only as used).
  std::size_t stack_bytes = std::size_t{1} << 20;
};

// Runs tasks on fibers of the calling thread, up to `in_flight` at once.
class Interleaver {
 public:
  explicit Interleaver(InterleaverOptions options);
  ~Interleaver();
  Interleaver(const Interleaver&) = delete;
  Interleaver& operator=(const Interleaver&) = delete;

  // Where the next task comes from. `may_wait` is true when nothing is in flight: `take` may
  // then block until there is a task. Returns true with `task` set to run it; true with `task`
  // empty when none is ready now (only when !may_wait); false when no task will come again.
  using Take = std::function<bool(bool may_wait, std::function<void()>& task)>;

  // Runs tasks from `take` until it returns false and every task in flight has finished. `take`
  // runs outside the fibers. A task must not let an exception escape. A task that cannot get a
  // stack (address space exhausted) runs on the calling thread's own stack, alone.
  void Run(const Take& take);

  // The interleaver whose fiber is running on this thread, or null.
  static Interleaver* Current();

  // From a fiber of this interleaver: holds the questions for the next batch to `next`, stops
  // the fiber, and returns their answers once that batch is answered.
  std::vector<Answer> Hold(Resolver& next, std::span<const Question> questions);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The resolver for tasks of an Interleaver: on one of its fibers, a batch is held for the
// interleaver's next batch to `next` and the fiber stops until it is answered; anywhere else,
// it goes straight to `next`. Callbacks (Query) always go straight through.
class InterleavingResolver : public Resolver {
 public:
  explicit InterleavingResolver(Resolver& next) : next_(next) {}
  void Query(std::string_view name, RecordType type, Callback done) override;
  Answer Resolve(std::string_view name, RecordType type) override;
  std::vector<Answer> ResolveAll(std::span<const Question> questions) override;

 private:
  Resolver& next_;
};

}  // namespace mdo::dns
