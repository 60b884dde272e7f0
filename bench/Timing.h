// The timing policy every runner of the benchmark shares (atrous_bench,
// onednn_bench; bench/ort_bench.js and the PyTorch runner in bench/bench.py
// follow the same rule): warm-up runs first, then timed runs until both a
// minimum count and a minimum time are reached, capped by a maximum count.
// Each run is timed on its own so the report can give median, min and max.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

#include "runtime/Timer.h"

namespace atrous::bench {

struct TimingOptions {
  int warmup = 3;
  int minRuns = 10;
  double minSeconds = 1.0;
  int maxRuns = 1000;

  void addTo(CLI::App &app) {
    app.add_option("--warmup", warmup, "untimed runs first")->check(CLI::Range(0, 100000));
    app.add_option("--min-runs", minRuns, "at least this many timed runs")
        ->check(CLI::Range(1, 100000));
    app.add_option("--min-seconds", minSeconds, "and at least this long in timed runs")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--max-runs", maxRuns, "but never more runs than this")
        ->check(CLI::Range(1, 100000));
  }
};

// Milliseconds of each timed run of `body`.
inline std::vector<double> timeRuns(const TimingOptions &options,
                                    const std::function<void()> &body) {
  for (int i = 0; i < options.warmup; ++i)
    body();
  std::vector<double> ms;
  rt::Timer total;
  while (ms.size() < size_t(options.maxRuns) &&
         (ms.size() < size_t(options.minRuns) || total.seconds() < options.minSeconds)) {
    rt::Timer one;
    body();
    ms.push_back(one.milliseconds());
  }
  return ms;
}

} // namespace atrous::bench
