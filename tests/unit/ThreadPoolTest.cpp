// The runtime's thread pool (codegen/ThreadPool.c), called the way generated
// code calls it: every iteration runs exactly once for any range, a failed
// task's status comes back, loops nested in a task and loops of several app
// threads at once complete, halide_set_num_threads sets its threads, and a
// model's run installs it as Halide's do_par_for.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <HalideRuntime.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codegen/CompiledModel.h"
#include "frontend/Parser.h"
#include "frontend/WeightSource.h"

using namespace atrous;

namespace {

using ParFor = int (*)(void *, halide_task_t, int, int, uint8_t *);
using SetCustomParFor = halide_do_par_for_t (*)(halide_do_par_for_t);

class ThreadPool : public ::testing::Test {
protected:
  // Running a model loads the runtime (with the pool) into the process and
  // installs the pool.
  static void SetUpTestSuite() {
    Graph graph = parseModel("model pool\n"
                             "input x : f32[1, 8, 33, 33]\n"
                             "c = conv2d(x, out=8, kernel=3, dilation=2, pad=2)\n"
                             "output y = relu(c)\n");
    auto model = codegen::CompiledModel::compile(graph, randomWeights(graph, 3));
    model->run({Tensor(graph.type(graph.inputs()[0]))});
    parFor_ = reinterpret_cast<ParFor>(dlsym(RTLD_DEFAULT, "atrous_do_par_for"));
    setCustom_ =
        reinterpret_cast<SetCustomParFor>(dlsym(RTLD_DEFAULT, "halide_set_custom_do_par_for"));
  }
  static ParFor parFor_;
  static SetCustomParFor setCustom_;
};

ParFor ThreadPool::parFor_ = nullptr;
SetCustomParFor ThreadPool::setCustom_ = nullptr;

struct Counts {
  int min = 0;
  std::vector<std::atomic<int>> runs;
  explicit Counts(int min, int size) : min(min), runs(static_cast<size_t>(size)) {}
};

int countRun(void *, int i, uint8_t *closure) {
  auto *c = reinterpret_cast<Counts *>(closure);
  c->runs[static_cast<size_t>(i - c->min)]++;
  return 0;
}

void expectEachOnce(const Counts &c) {
  for (size_t i = 0; i < c.runs.size(); ++i)
    ASSERT_EQ(c.runs[i].load(), 1) << "iteration " << c.min + static_cast<int>(i);
}

TEST_F(ThreadPool, ARunOfAModelInstallsIt) {
  ASSERT_NE(parFor_, nullptr);
  ASSERT_NE(setCustom_, nullptr);
  // Setting the pool again hands back what was set: the pool itself.
  halide_do_par_for_t previous = setCustom_(parFor_);
  EXPECT_EQ(reinterpret_cast<void *>(previous), reinterpret_cast<void *>(parFor_));
}

TEST_F(ThreadPool, RunsEveryIterationExactlyOnce) {
  for (int size : {0, 1, 2, 3, 5, 17, 64, 1000, 100003})
    for (int min : {-7, 0, 12}) {
      Counts c(min, size);
      ASSERT_EQ(parFor_(nullptr, countRun, min, size, reinterpret_cast<uint8_t *>(&c)), 0);
      expectEachOnce(c);
    }
}

struct Failing {
  std::atomic<int> ran{0};
};

int failAt17(void *, int i, uint8_t *closure) {
  reinterpret_cast<Failing *>(closure)->ran++;
  return i == 17 ? -5 : 0;
}

TEST_F(ThreadPool, ReturnsAFailedTasksStatus) {
  for (int size : {18, 100, 5000}) {
    Failing f;
    EXPECT_EQ(parFor_(nullptr, failAt17, 0, size, reinterpret_cast<uint8_t *>(&f)), -5);
    EXPECT_EQ(f.ran.load(), size);
  }
}

// Each outer iteration runs a loop of its own, which the pool runs inline.
struct Nested {
  std::vector<Counts> inner;
  std::atomic<int> elsewhere{0};
  std::thread::id outerThread[8];
};

struct InnerClosure {
  Counts *counts;
  std::thread::id outer;
  std::atomic<int> *elsewhere;
};

int innerRun(void *uc, int i, uint8_t *closure) {
  auto *in = reinterpret_cast<InnerClosure *>(closure);
  if (std::this_thread::get_id() != in->outer) (*in->elsewhere)++;
  return countRun(uc, i, reinterpret_cast<uint8_t *>(in->counts));
}

ParFor nestedParFor = nullptr;

int outerRun(void *uc, int i, uint8_t *closure) {
  auto *n = reinterpret_cast<Nested *>(closure);
  InnerClosure in{&n->inner[static_cast<size_t>(i)], std::this_thread::get_id(), &n->elsewhere};
  return nestedParFor(uc, innerRun, 0, 300, reinterpret_cast<uint8_t *>(&in));
}

TEST_F(ThreadPool, RunsALoopNestedInATaskOnItsThread) {
  nestedParFor = parFor_;
  Nested n;
  for (int i = 0; i < 8; ++i)
    n.inner.emplace_back(0, 300);
  ASSERT_EQ(parFor_(nullptr, outerRun, 0, 8, reinterpret_cast<uint8_t *>(&n)), 0);
  for (const Counts &c : n.inner)
    expectEachOnce(c);
  EXPECT_EQ(n.elsewhere.load(), 0);
}

struct Sleepy {
  std::mutex mutex;
  std::set<std::thread::id> threads;
};

int sleepRun(void *, int, uint8_t *closure) {
  auto *s = reinterpret_cast<Sleepy *>(closure);
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    s->threads.insert(std::this_thread::get_id());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return 0;
}

// On a machine of several cores (HL_NUM_THREADS unset), long tasks are shared.
TEST_F(ThreadPool, SharesLongTasksAmongItsThreads) {
  Sleepy s;
  ASSERT_EQ(parFor_(nullptr, sleepRun, 0, 40, reinterpret_cast<uint8_t *>(&s)), 0);
  const char *threads = getenv("HL_NUM_THREADS");
  const bool several = threads ? atoi(threads) > 1 : std::thread::hardware_concurrency() > 1;
  EXPECT_EQ(s.threads.size() > 1, several) << s.threads.size() << " threads ran the tasks";
}

using SetNumThreads = int (*)(int);

// halide_set_num_threads reaches the pool, as it does Halide's: 1 runs every
// task on the caller's thread; 3 shares long tasks among three threads on
// any machine (the tasks sleep); 0 restores the default. Each call returns
// the count it replaces.
TEST_F(ThreadPool, HalideSetNumThreadsSetsItsThreads) {
  auto set = reinterpret_cast<SetNumThreads>(dlsym(RTLD_DEFAULT, "halide_set_num_threads"));
  ASSERT_NE(set, nullptr);
  const int initial = set(1);
  Sleepy one;
  ASSERT_EQ(parFor_(nullptr, sleepRun, 0, 20, reinterpret_cast<uint8_t *>(&one)), 0);
  EXPECT_EQ(one.threads, std::set<std::thread::id>{std::this_thread::get_id()});

  EXPECT_EQ(set(3), 1);
  Sleepy three;
  ASSERT_EQ(parFor_(nullptr, sleepRun, 0, 60, reinterpret_cast<uint8_t *>(&three)), 0);
  EXPECT_EQ(three.threads.size(), 3u);

  // Down to 2 again: the third worker sits the loops out.
  EXPECT_EQ(set(2), 3);
  Sleepy two;
  ASSERT_EQ(parFor_(nullptr, sleepRun, 0, 60, reinterpret_cast<uint8_t *>(&two)), 0);
  EXPECT_EQ(two.threads.size(), 2u);

  EXPECT_EQ(set(0), 2);
  EXPECT_EQ(set(initial), initial);
}

std::string lastHalideError;

void recordHalideError(void *, const char *message) {
  lastHalideError = message;
}

// A negative count is bad input, as in Halide's pool: it is reported through
// halide_error, the default count comes back, and the call still returns the
// count it replaces.
TEST_F(ThreadPool, HalideSetNumThreadsReportsANegativeCount) {
  auto set = reinterpret_cast<SetNumThreads>(dlsym(RTLD_DEFAULT, "halide_set_num_threads"));
  using SetErrorHandler = halide_error_handler_t (*)(halide_error_handler_t);
  auto setHandler =
      reinterpret_cast<SetErrorHandler>(dlsym(RTLD_DEFAULT, "halide_set_error_handler"));
  ASSERT_NE(set, nullptr);
  ASSERT_NE(setHandler, nullptr);
  set(0);
  const int defaultThreads = set(0);
  set(defaultThreads + 2);
  lastHalideError.clear();
  halide_error_handler_t previous = setHandler(recordHalideError);
  const int replaced = set(-1);
  setHandler(previous);
  EXPECT_EQ(replaced, defaultThreads + 2);
  EXPECT_NE(lastHalideError.find("halide_set_num_threads"), std::string::npos) << lastHalideError;
  EXPECT_EQ(set(0), defaultThreads);
}

// The count changed by another app thread while loops run: every iteration
// still runs exactly once.
TEST_F(ThreadPool, RunsEveryIterationOnceWhileItsThreadsChange) {
  auto set = reinterpret_cast<SetNumThreads>(dlsym(RTLD_DEFAULT, "halide_set_num_threads"));
  ASSERT_NE(set, nullptr);
  std::atomic<bool> done{false};
  std::thread changer([&] {
    for (int k = 0; !done.load(); ++k) {
      set(1 + k % 4);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });
  int wrong = 0;
  for (int round = 0; round < 2000 && wrong == 0; ++round) {
    Counts c(round, 1 + round % 500);
    if (parFor_(nullptr, countRun, c.min, static_cast<int>(c.runs.size()),
                reinterpret_cast<uint8_t *>(&c)) != 0)
      ++wrong;
    for (const std::atomic<int> &r : c.runs)
      wrong += r.load() != 1;
  }
  done = true;
  changer.join();
  set(0);
  EXPECT_EQ(wrong, 0);
}

// Loops started on several app threads at once: one holds the pool, the
// others run theirs inline; each completes its own iterations.
TEST_F(ThreadPool, CompletesTheLoopsOfSeveralAppThreadsAtOnce) {
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const int size = 1 + (round * 7 + t * 13) % 97;
        Counts c(t * 1000, size);
        if (parFor_(nullptr, countRun, c.min, size, reinterpret_cast<uint8_t *>(&c)) != 0) wrong++;
        for (const std::atomic<int> &r : c.runs)
          if (r.load() != 1) wrong++;
      }
    });
  for (std::thread &t : callers)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

} // namespace
