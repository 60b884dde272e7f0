// Wall-clock timing for apps that measure a model: a monotonic timer and the
// summary (median, min, max) that latency reports use. The median, not the
// mean, because one slow run (a page fault, a preempted core) should not
// move the figure.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

#include "runtime/Status.h"

namespace atrous::rt {

class Timer {
public:
  Timer() : start_(Clock::now()) {}
  void restart() { start_ = Clock::now(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double milliseconds() const { return seconds() * 1e3; }

private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

// Samples in any unit; the summaries throw RuntimeError when there are none.
class LatencyStats {
public:
  void add(double sample) { samples_.push_back(sample); }
  const std::vector<double> &samples() const { return samples_; }
  size_t count() const { return samples_.size(); }

  // The middle sample, or the mean of the two middle ones for an even count.
  double median() const {
    std::vector<double> sorted = nonEmpty();
    std::sort(sorted.begin(), sorted.end());
    size_t mid = sorted.size() / 2;
    return sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
  double min() const {
    const std::vector<double> &s = nonEmpty();
    return *std::min_element(s.begin(), s.end());
  }
  double max() const {
    const std::vector<double> &s = nonEmpty();
    return *std::max_element(s.begin(), s.end());
  }

private:
  const std::vector<double> &nonEmpty() const {
    if (samples_.empty()) throw RuntimeError("latency statistics of no samples");
    return samples_;
  }

  std::vector<double> samples_;
};

} // namespace atrous::rt
