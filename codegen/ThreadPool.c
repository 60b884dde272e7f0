/* The thread pool that runs the parallel loops of atrous' generated code,
   compiled by atrousc into every runtime it builds (codegen/ThreadPool.h) and
   installed by each model's driver through halide_set_custom_do_par_for.

   Why not Halide's own pool: it hands out one iteration at a time under one
   mutex, and its idle workers sleep after a few yields, so each loop a few
   microseconds after the last wakes them again. A depthwise conv of 256
   planar channels in tasks of 2 (about 1 us each) took 0.25 ms on 2 threads
   and 0.28 on 1. This pool differs in two ways:
   - Threads claim contiguous chunks of iterations with one compare-and-swap,
     guided as OpenMP's schedule(guided) is: a chunk is the iterations left
     over twice the threads. Synchronization is per chunk, not per iteration,
     and each thread streams long runs of memory. The same conv takes 0.14 ms.
   - Idle workers spin (ATROUS_SPIN_COUNT pauses, default 20000, about 0.4 ms
     on x86) before they sleep, as OpenMP's and ONNX Runtime's pools do, so
     the next loop of the same model, or the next call, finds them awake.
   A loop started from inside a task runs serially on the thread that started
   it, and so does a loop started while another loop holds the pool (a model
   run on several app threads at once): both are correct, neither waits.

   Plain C that includes only HalideRuntime.h, like the driver, so that it
   compiles for any target; its threads, mutex and condition variable are the
   Halide runtime's. HL_NUM_THREADS sets the threads, as for Halide's pool,
   and so does halide_set_num_threads, defined here: the runtime's definition
   is weak and would set its own pool, which no longer runs anything. */
#include "HalideRuntime.h"

char *getenv(const char *);
int atoi(const char *);
int halide_host_cpu_count(void);

#if defined(__x86_64__) || defined(__i386__)
#define ATROUS_PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define ATROUS_PAUSE() __asm__ __volatile__("yield")
#else
#define ATROUS_PAUSE() ((void)0)
#endif

enum { kMaxThreads = 256, kDefaultSpinCount = 20000 };

/* The loop being run. `generation` is even while a loop is published and odd
   while the caller writes the next one; a worker takes part only in a loop
   whose generation it read before joining (`joined`) and still reads after,
   and the caller rewrites the loop only once no worker has joined, so no
   worker ever sees half of one loop and half of the next.
   The loop's description, which every task reads, and the counters, which
   every chunk writes, are kept on cache lines of their own: with `min` and
   `size` beside `next`, each task missed on the line the other thread had
   just claimed a chunk on (a depthwise conv of 256 planar channels, 0.13 ->
   0.17 ms, when a field added to `pool` moved them there). */
static struct {
  _Alignas(64) halide_task_t task;
  void *user_context;
  uint8_t *closure;
  int min, size;
  _Alignas(64) int next; /* the first unclaimed iteration */
  int completed;         /* iterations finished */
  int status;            /* a failed task's result, else 0 */
  unsigned generation;
  int joined;
} loop;

/* The settings, which spinning workers read, on a line apart from what each
   loop's caller writes (the 1-D WaveNet stack of the benchmark, with its
   hundreds of short loops, took 14% longer with both on one line). */
static struct {
  _Alignas(64) int threads; /* that run a loop, its caller included */
  int spin_count;
  int started; /* 0, 1 while starting, 2 once started */
  int spawned; /* workers started; those numbered below `threads` take part */
  _Alignas(64) struct halide_mutex mutex; /* guards sleeping on `wake` and `spawned` */
  struct halide_cond wake;
  int busy; /* a caller holds the loop */
} pool;

static _Thread_local int in_task;

/* Claims the next chunk; returns its length (0 when none is left) and its first
   iteration in *first. */
static int claim(int *first) {
  int next = __atomic_load_n(&loop.next, __ATOMIC_RELAXED);
  for (;;) {
    int left = loop.size - next;
    if (left <= 0) return 0;
    int chunk = left / (2 * __atomic_load_n(&pool.threads, __ATOMIC_RELAXED));
    if (chunk < 1) chunk = 1;
    if (__atomic_compare_exchange_n(&loop.next, &next, next + chunk, 1, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED)) {
      *first = next;
      return chunk;
    }
  }
}

static void run_chunks(void) {
  int first, chunk;
  in_task = 1;
  while ((chunk = claim(&first)) > 0) {
    for (int i = first; i < first + chunk; ++i) {
      int result = loop.task(loop.user_context, loop.min + i, loop.closure);
      if (result) __atomic_store_n(&loop.status, result, __ATOMIC_RELAXED);
    }
    __atomic_fetch_add(&loop.completed, chunk, __ATOMIC_RELEASE);
  }
  in_task = 0;
}

static int published(unsigned generation, unsigned seen) {
  return generation != seen && !(generation & 1);
}

/* Whether worker `number` (1, 2, ...) takes part in loops: after
   halide_set_num_threads lowers the threads, the workers above the count
   sleep through every loop until it is raised again. */
static int takes_part(int number) {
  return number < __atomic_load_n(&pool.threads, __ATOMIC_RELAXED);
}

static void worker(void *arg) {
  const int number = (int)(__INTPTR_TYPE__)arg;
  unsigned seen = 0;
  for (;;) {
    unsigned generation;
    int spins = 0;
    while (!published(generation = __atomic_load_n(&loop.generation, __ATOMIC_ACQUIRE), seen)) {
      if (takes_part(number) && spins++ < pool.spin_count) {
        ATROUS_PAUSE();
        continue;
      }
      halide_mutex_lock(&pool.mutex);
      while (!published(__atomic_load_n(&loop.generation, __ATOMIC_ACQUIRE), seen))
        halide_cond_wait(&pool.wake, &pool.mutex);
      halide_mutex_unlock(&pool.mutex);
    }
    if (!takes_part(number)) {
      seen = generation;
      continue;
    }
    __atomic_fetch_add(&loop.joined, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&loop.generation, __ATOMIC_SEQ_CST) == generation) {
      run_chunks();
      seen = generation;
    }
    __atomic_fetch_sub(&loop.joined, 1, __ATOMIC_RELEASE);
  }
}

static int env_int(const char *name, int otherwise) {
  const char *value = getenv(name);
  return value && *value ? atoi(value) : otherwise;
}

static int clamp_threads(int threads) {
  return threads < 1 ? 1 : threads > kMaxThreads ? kMaxThreads : threads;
}

/* The threads when neither the app nor HL_NUM_THREADS says: the CPUs. */
static int default_threads(void) {
  int threads = env_int("HL_NUM_THREADS", 0);
  return clamp_threads(threads > 0 ? threads : halide_host_cpu_count());
}

/* Reads the settings once; every later call returns at the first load, with
   no read-modify-write on the hot path. The workers start with the first
   loop that needs them (start_workers). */
static void start_pool(void) {
  if (__atomic_load_n(&pool.started, __ATOMIC_ACQUIRE) == 2) return;
  int expected = 0;
  if (__atomic_compare_exchange_n(&pool.started, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    __atomic_store_n(&pool.threads, default_threads(), __ATOMIC_RELAXED);
    int spin_count = env_int("ATROUS_SPIN_COUNT", kDefaultSpinCount);
    pool.spin_count = spin_count < 0 ? 0 : spin_count;
    __atomic_store_n(&pool.started, 2, __ATOMIC_RELEASE);
  }
  while (__atomic_load_n(&pool.started, __ATOMIC_ACQUIRE) != 2)
    ATROUS_PAUSE();
}

static void start_workers(int threads) {
  if (__atomic_load_n(&pool.spawned, __ATOMIC_ACQUIRE) >= threads - 1) return;
  halide_mutex_lock(&pool.mutex);
  for (int number = pool.spawned + 1; number < threads; ++number) {
    halide_spawn_thread(worker, (void *)(__INTPTR_TYPE__)number);
    __atomic_store_n(&pool.spawned, number, __ATOMIC_RELEASE);
  }
  halide_mutex_unlock(&pool.mutex);
}

/* As Halide's: 0 restores the default, a negative count is an error (and
   restores it too); returns the count it replaces. A loop already running
   finishes with the threads it has. */
int halide_set_num_threads(int n) {
  if (n < 0) halide_error(0, "halide_set_num_threads: must be >= 0.");
  start_pool();
  const int threads = n > 0 ? clamp_threads(n) : default_threads();
  return __atomic_exchange_n(&pool.threads, threads, __ATOMIC_RELAXED);
}

int atrous_do_par_for(void *user_context, halide_task_t task, int min, int size, uint8_t *closure) {
  start_pool();
  const int threads = __atomic_load_n(&pool.threads, __ATOMIC_RELAXED);
  if (in_task || size <= 1 || threads == 1 ||
      __atomic_exchange_n(&pool.busy, 1, __ATOMIC_ACQUIRE)) {
    for (int i = 0; i < size; ++i) {
      int result = task(user_context, min + i, closure);
      if (result) return result;
    }
    return 0;
  }
  start_workers(threads);
  __atomic_fetch_add(&loop.generation, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&loop.joined, __ATOMIC_SEQ_CST) != 0)
    ATROUS_PAUSE();
  loop.task = task;
  loop.user_context = user_context;
  loop.closure = closure;
  loop.min = min;
  loop.size = size;
  __atomic_store_n(&loop.next, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&loop.completed, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&loop.status, 0, __ATOMIC_RELAXED);
  halide_mutex_lock(&pool.mutex);
  __atomic_fetch_add(&loop.generation, 1, __ATOMIC_SEQ_CST);
  halide_cond_broadcast(&pool.wake);
  halide_mutex_unlock(&pool.mutex);
  run_chunks();
  while (__atomic_load_n(&loop.completed, __ATOMIC_ACQUIRE) < size)
    ATROUS_PAUSE();
  int status = __atomic_load_n(&loop.status, __ATOMIC_RELAXED);
  __atomic_store_n(&pool.busy, 0, __ATOMIC_RELEASE);
  return status;
}

/* Called by each model's driver at the start of every run: the first call
   makes this pool Halide's do_par_for, unless the app installed a pool of its
   own, which stays. */
void atrous_use_thread_pool(void) {
  static int installed;
  if (__atomic_load_n(&installed, __ATOMIC_ACQUIRE)) return;
  halide_do_par_for_t previous = halide_set_custom_do_par_for(atrous_do_par_for);
  if (previous != halide_default_do_par_for && previous != atrous_do_par_for)
    halide_set_custom_do_par_for(previous);
  __atomic_store_n(&installed, 1, __ATOMIC_RELEASE);
}
