// Small helpers the schedule templates (Schedule.cpp, ScheduleDepthwise.cpp,
// ScheduleSoftmax.cpp, ScheduleTranspose.cpp, ScheduleWinograd.cpp) share.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "ir/Geometry.h"
#include "ir/Graph.h"
#include <Halide.h>

namespace atrous::codegen {

// The extent of a value of `type` along Halide dimension `halideDim` (x first).
inline int extentOf(const TensorType &type, int halideDim) {
  return static_cast<int>(type.shape[type.shape.size() - 1 - static_cast<size_t>(halideDim)]);
}

// A factor no larger than the extent, so that ShiftInwards tails stay inside.
inline int fit(int factor, int extent) {
  return std::max(1, std::min(factor, extent));
}

// The vector registers the target's code can keep live: 32 with AVX-512 and
// on arm-64 (NEON), 16 with AVX2.
inline int vectorRegisterCount(const Halide::Target &t) {
  return t.arch == Halide::Target::ARM || t.has_feature(Halide::Target::AVX512) ? 32 : 16;
}

// Bytes of one row of an image value, all its channels.
inline int64_t rowBytes(const TensorType &type) {
  return int64_t{extentOf(type, 0)} * extentOf(type, 2) * dtypeSize(type.dtype);
}

// Work along a sequence (a 1-D conv's input copy, an output or reduction
// with no rows) is split among the threads in runs of this many samples
// (64 KB at 64 channels).
constexpr int kCopyRunSamples = 256;

// Halide's thread pool hands out a parallel loop's iterations one at a time,
// each claimed under a lock the threads share, which costs about as much as
// a few kilobytes of copying. A loop whose iterations move less than this
// many bytes of output runs them in tasks of several (a 33x33x256
// channels_last -> planar copy of 16-plane rows: 528 tasks of 2 KB took
// 0.10-0.19 ms, 33 tasks of 32 KB 0.03-0.06 ms).
constexpr int64_t kMinTaskBytes = 32 * 1024;

// Parallelizes `f` along `v`, of `extent` iterations that each write
// `bytesPerIteration`, in tasks of at least kMinTaskBytes; `v` stays the
// inner loop of each task, so what is computed at `v` stays per iteration.
inline void parallelInTasks(Halide::Func f, const Halide::Var &v, int extent,
                            int64_t bytesPerIteration) {
  const int perTask = static_cast<int>(std::min<int64_t>(
      extent, (kMinTaskBytes + bytesPerIteration - 1) / std::max<int64_t>(1, bytesPerIteration)));
  if (perTask <= 1) {
    f.parallel(v);
    return;
  }
  Halide::Var task(v.name() + "_task");
  f.split(v, task, v, perTask, Halide::TailStrategy::GuardWithIf).parallel(task);
}

// The input rows one output row of a 2-D conv reads, from its first tap's
// to its last's: (kernel - 1) * dilation + 1 along y. (WindowGeometry::span
// computes the same from the whole window, which needs the input's shape.)
inline int64_t kernelRowSpan(const Node &conv) {
  const int64_t kernel = perDim(conv.attrs.getInts("kernel"), 2, "kernel")[0];
  const int64_t dilation = perDim(conv.attrs.getInts("dilation"), 2, "dilation")[0];
  return (kernel - 1) * dilation + 1;
}

// A channels_last conv's register tile: `columns` pixels of a row times
// `rows` rows.
struct PixelTile {
  int columns = 1, rows = 1;
};

// The register tile of at most `most` pixels (what the accumulator registers
// hold), and at least half of that where the map has them, that computes the
// fewest pixels on the map's last, overlapping tiles; then the largest, then
// the flattest. A 16-wide row in tiles of 12 would compute 24 columns, in
// tiles of 8, 16; a 15x15 region in tiles of 8x1 computes 16x15 pixels, in 3x3
// exactly 15x15; 3 columns in tiles of one row would hold 6 accumulators,
// too few to hide the FMAs' latency, and in 3x3 hold 18.
inline PixelTile pixelTile(int most, int width, int height) {
  const int least = std::min(std::max(1, most / 2), width * height);
  PixelTile best;
  int64_t bestComputed = -1;
  for (int rows = 1; rows <= std::min(most, height); ++rows) {
    for (int cols = 1; cols <= std::min(most / rows, width); ++cols) {
      if (cols * rows < least) continue;
      const int64_t computed =
          int64_t{(width + cols - 1) / cols * cols} * ((height + rows - 1) / rows * rows);
      const int pixels = cols * rows, bestPixels = best.columns * best.rows;
      if (bestComputed < 0 || computed < bestComputed ||
          (computed == bestComputed && pixels > bestPixels)) {
        best = {cols, rows};
        bestComputed = computed;
      }
    }
  }
  return best;
}

} // namespace atrous::codegen
