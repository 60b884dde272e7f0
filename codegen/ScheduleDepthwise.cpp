// A channels_last depthwise conv, vectorized over channels. Each tap of each
// output vector loads an input vector of its own, so the conv is bound by
// where its loads come from, not by its FMAs. Measured on 65x65 with 256
// channels, medians of 5 to 9 processes run interleaved (one process's
// median varies by a fifth or more from the next one's; the planar
// template takes 0.15-0.17 ms at each rate):
// - The taps read the input itself, through the zero exterior, which
//   Halide's loop partitioning confines to the tiles at the map's border.
//   The border is not what costs: at rate 4 the same conv on a 73x73 input
//   without padding (no border at all) is no faster. Copying the input rows
//   each output row reads, as the dense template does, was slower (0.28,
//   0.35, 0.18 ms at rates 1, 2 and 4 against 0.17-0.21 for the earlier
//   strips below).
// - A strip of a few pixels of one row accumulates one channel vector in
//   registers, the kernel unrolled so that neighbouring pixels' taps that
//   load the same input vector share the load, and stores it; then the next
//   vector, until the strip's pixels are whole. A pixel's channels lie
//   together, and sweeping only a block of them per pass reads 64 to 512
//   bytes of every 1 KB pixel, which the prefetchers do not follow.
// - The strip is 4 to 6 pixels wide, whichever covers the row with the
//   fewest pixels computed twice. In one run on 65 wide, 5 columns took
//   0.116 and 0.154 ms at rates 1 and 4, and 6, 9, 10 or 13 columns
//   0.14-0.18 and 0.21-0.25. In another, 5 columns took 0.115 and 0.25,
//   4 columns (whose last strip overlaps the one before) 0.136 and 0.32,
//   and the earlier strips of 13 pixels, all their channels accumulated on
//   the stack, 0.18 and 0.31. On 60 wide, 4-6 columns were equal and 10-12
//   a fifth slower. With AVX2, 5 columns took 0.16 and 0.30 ms, 3 or 4
//   columns 0.18-0.21 and 0.40-0.43, the earlier strips 0.26 and 0.44.
// - Blocks of 8 channel vectors per pass over a row, so that a strip's
//   input fits the L1 at rate 4, were a tenth faster at rate 4 and a tenth
//   slower at rate 2 (AVX2: no faster at rate 4), so a strip takes every
//   channel. Orders that reuse more of the input were slower at rate 4:
//   strips of 5 pixels one dilation apart, which read 7 input pixels per
//   row rather than 13 (0.28 against 0.20 ms), and rows taken one dilation
//   apart, so that the next row reads two of the same three input rows
//   (0.27 against 0.23). With AVX2, two vectors per pixel in a strip were
//   no faster.
// - The threads split the rows into a few bands, which each read the rows
//   around them again: at rate 4, 0.22 ms in 2 bands, 0.27 in 4, 0.28 in 8.
#include "codegen/ScheduleDepthwise.h"

#include <algorithm>

#include "codegen/ScheduleUtil.h"
#include "codegen/Target.h"
#include "ir/Epilogue.h"
#include "ir/ResidualInPlace.h"

namespace atrous::codegen {

using Halide::Func;
using Halide::Var;

namespace {

// The most bands of rows, and the fewest rows per band in multiples of the
// rows one output row reads, so that a band reads at most a quarter more
// rows than it writes.
constexpr int kMostBands = 8;
constexpr int kBandSpans = 4;

// The narrowest and widest strips of pixels (see the measurements above).
constexpr int kFewestColumns = 4;
constexpr int kMostColumns = 6;

// The strip's width: the one whose strips cover `width` with the fewest
// pixels past its end (each computed twice, the last strip shifted back
// over the one before), the wider of equals.
int stripColumns(int width) {
  if (width <= kMostColumns) return width;
  const auto covered = [width](int columns) { return (width + columns - 1) / columns * columns; };
  int best = kFewestColumns;
  for (int columns = kFewestColumns; columns <= kMostColumns; ++columns)
    if (covered(columns) <= covered(best)) best = columns;
  return best;
}

} // namespace

bool isDepthwiseChannelsLast(const Node &anchor, Layout anchorInput, const Node &output,
                             const LoweredNode &value, const Halide::Target &target) {
  return !isGpuTarget(target) && output.type.rank() == 4 && value.depthwise &&
         value.accumulator.defined() && activationOf(anchor) != Activation::Gated &&
         anchorInput == Layout::ChannelsLast && layoutOf(output) == Layout::ChannelsLast;
}

void scheduleDepthwiseChannelsLastCpu(const Node &anchor, const TensorType &type,
                                      const LoweredNode &value, Func out, const Halide::Target &t) {
  const std::vector<Var> v = halideVars(4); // x, y, c, n
  const int width = extentOf(type, 0), height = extentOf(type, 1), channels = extentOf(type, 2);
  const int lanes = fit(t.natural_vector_size(Halide::Float(32)), channels);
  const int columns = stripColumns(width);
  const int64_t span = kernelRowSpan(anchor);
  const int bands = static_cast<int>(
      std::clamp<int64_t>(height / (kBandSpans * span), std::min(2, height), kMostBands));
  const int bandRows = (height + bands - 1) / bands;
  // A conv written over its residual must not compute an element twice
  // (scheduleChannelsLastCpu), so its tails are guarded rather than shifted.
  const Halide::TailStrategy tail =
      isResidualInPlace(anchor) ? Halide::TailStrategy::GuardWithIf : Halide::TailStrategy::Auto;

  Var co("co"), ci("ci"), xo("xo"), xi("xi"), band("band");
  out.split(v[2], co, ci, lanes, tail)
      .split(v[0], xo, xi, columns, tail)
      .split(v[1], band, v[1], bandRows, tail)
      .reorder(ci, xi, co, xo, v[1], band, v[3])
      .vectorize(ci)
      .unroll(xi)
      .parallel(band);

  // One vector of the strip's pixels, in registers: the update runs the
  // taps over the strip's pixels with the kernel unrolled. Channels that do
  // not fill the last vector are guarded: rounded up, the update would read
  // input channels past the last.
  Func acc = value.accumulator;
  acc.compute_at(out, co)
      .reorder_storage(v[2], v[0], v[1], v[3])
      .vectorize(v[2], lanes)
      .unroll(v[0]);
  const std::vector<Halide::RVar> r = acc.rvars(0); // input channel (one), ky, kx
  const Halide::TailStrategy channelTail =
      channels % lanes == 0 ? Halide::TailStrategy::Auto : Halide::TailStrategy::GuardWithIf;
  Var vo("vo"), vi("vi");
  acc.update()
      .split(v[2], vo, vi, lanes, channelTail)
      .reorder(vi, v[0], r[0], r[2], r[1], vo)
      .vectorize(vi)
      .unroll(v[0])
      .unroll(r[2])
      .unroll(r[1]);
}

} // namespace atrous::codegen
