// fma_peak: the machine's fp32 FMA peak as the benchmark's yardstick, measured
// rather than taken from a data sheet (clocks, turbo and the neighbours on a
// shared machine all move it). Each thread runs independent chains of vector
// FMAs held in registers -- enough chains to cover the FMA latency on every
// port -- so nothing but the FMA units bounds it. AVX-512 where the CPU has
// it, else AVX2+FMA. Prints JSON: {"isa", "threads", "gflops"}, the best of a
// few trials.
#include <immintrin.h>

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "runtime/Timer.h"

namespace {

// Independent accumulator chains per thread: latency 4 x 2 FMA ports needs 8;
// 12 leaves room for a slower core without spilling (16 or 32 registers).
// The chain loops are unrolled (and the file built at -O2 in any build type)
// so the accumulators live in registers.
constexpr int kChains = 12;
constexpr int kInner = 64;

__attribute__((target("avx512f"))) float fmaLoopAvx512(int64_t outer) {
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int64_t o = 0; o < outer; ++o)
    for (int k = 0; k < kInner; ++k)
#pragma GCC unroll 16
      for (int i = 0; i < kChains; ++i)
        acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  __m512 sum = acc[0];
  for (int i = 1; i < kChains; ++i)
    sum = _mm512_add_ps(sum, acc[i]);
  float lanes[16];
  _mm512_storeu_ps(lanes, sum);
  return lanes[0];
}

__attribute__((target("avx2,fma"))) float fmaLoopAvx2(int64_t outer) {
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int64_t o = 0; o < outer; ++o)
    for (int k = 0; k < kInner; ++k)
#pragma GCC unroll 16
      for (int i = 0; i < kChains; ++i)
        acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  __m256 sum = acc[0];
  for (int i = 1; i < kChains; ++i)
    sum = _mm256_add_ps(sum, acc[i]);
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  return lanes[0];
}

// GFLOP/s of `threads` threads each running `outer` iterations, started together.
double trial(bool avx512, int threads, int64_t outer) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<float> sink(threads);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load())
        std::this_thread::yield();
      sink[t] = avx512 ? fmaLoopAvx512(outer) : fmaLoopAvx2(outer);
    });
  while (ready.load() < threads)
    std::this_thread::yield();
  atrous::rt::Timer timer;
  go.store(true);
  for (std::thread &th : pool)
    th.join();
  double seconds = timer.seconds();
  // Keep the results observable so the loops cannot be dropped.
  if (std::any_of(sink.begin(), sink.end(), [](float v) { return v != v; }))
    fmt::print(stderr, "fma_peak: NaN\n");
  double lanes = avx512 ? 16 : 8;
  return 2.0 * lanes * kChains * kInner * double(outer) * threads / seconds / 1e9;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"fma_peak: measured fp32 FMA peak (GFLOP/s); prints JSON"};
  int threads = 2, trials = 5;
  double seconds = 0.2;
  std::string isa = "auto";
  app.add_option("--threads", threads, "threads (default 2)")->check(CLI::Range(1, 1024));
  app.add_option("--trials", trials, "best of this many (default 5)")->check(CLI::Range(1, 1000));
  app.add_option("--seconds", seconds, "length of one trial (default 0.2)")
      ->check(CLI::Range(0.001, 60.0));
  app.add_option("--isa", isa, "auto, avx512 or avx2")
      ->check(CLI::IsMember({"auto", "avx512", "avx2"}));
  CLI11_PARSE(app, argc, argv);

  __builtin_cpu_init();
  bool hasAvx512 = __builtin_cpu_supports("avx512f");
  bool hasAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  bool avx512 = isa == "avx512" || (isa == "auto" && hasAvx512);
  if ((avx512 && !hasAvx512) || (!avx512 && !hasAvx2)) {
    fmt::print(stderr, "fma_peak: this CPU lacks {}\n", avx512 ? "AVX-512" : "AVX2 with FMA");
    return 1;
  }
  // Size a trial from a short calibration run.
  int64_t outer = 1000;
  atrous::rt::Timer calibration;
  trial(avx512, 1, outer);
  outer = std::max<int64_t>(1000, int64_t(double(outer) * seconds / calibration.seconds()));
  double best = 0;
  for (int i = 0; i < trials; ++i)
    best = std::max(best, trial(avx512, threads, outer));
  nlohmann::json result = {
      {"isa", avx512 ? "avx512" : "avx2"}, {"threads", threads}, {"gflops", best}};
  fmt::print("{}\n", result.dump());
  return 0;
}
