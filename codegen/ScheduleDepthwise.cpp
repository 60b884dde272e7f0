// A channels_last depthwise conv, vectorized over channels. Each tap of each
// output vector loads an input vector of its own, so the conv is bound by
// where its loads come from, not by its FMAs. Measured on 65x65 with 256
// channels, medians of 10 interleaved runs (which vary by a fifth from
// process to process; the planar template takes about 0.15 ms at each rate):
// - The taps read the input itself, through the zero exterior, which
//   Halide's loop partitioning confines to the tiles at the map's border.
//   The dense template copies the input rows each output row reads: 5 rows
//   of all channels per row at rate 2, the whole input zero-extended at rate
//   4. It took 0.28, 0.35 and 0.18 ms at rates 1, 2 and 4; this one takes
//   0.17, 0.20 and 0.21. At rate 4 two of each row's five strips reach into
//   the padding and test every load; but the dense template made to copy
//   the whole input at every rate took 0.43 ms at rate 1 and 0.53 at 2.
// - Each pixel is read and written whole, all its channels at once: a strip
//   of pixels of one row accumulates every channel vector in turn, one
//   register tile of a vector times the strip, kernel unrolled, so that
//   neighbouring pixels' taps that load the same input vector share the
//   load. A pixel's channels lie together, and sweeping only a block of them
//   per pass reads 64 to 512 bytes of every 1 KB pixel, which the
//   prefetchers do not follow: at rate 4, 0.29-0.32 ms in blocks of 4
//   vectors, 0.35-0.39 in blocks of 8, 0.68 a vector at a time.
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

// The strip's accumulators, every channel of its pixels, stay on the stack
// within this many bytes (13 pixels of 256 channels: 13 KB), leaving most of
// the L1 to the input rows the strip reads.
constexpr int64_t kStripBytes = 16 * 1024;

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
  // At most three quarters of the registers accumulate; the rest hold the
  // weights and the loads.
  const int64_t pixelBytes = int64_t{channels} * dtypeSize(type.dtype);
  const int most = static_cast<int>(
      std::clamp<int64_t>(kStripBytes / pixelBytes, 1, vectorRegisterCount(t) * 3 / 4));
  const int columns = pixelTile(most, width, 1).columns;
  const int64_t span = kernelRowSpan(anchor);
  const int bands = static_cast<int>(
      std::clamp<int64_t>(height / (kBandSpans * span), std::min(2, height), kMostBands));
  const int bandRows = (height + bands - 1) / bands;
  // A conv written over its residual must not compute a pixel twice
  // (scheduleChannelsLastCpu), so its tails are guarded rather than shifted.
  const Halide::TailStrategy tail =
      isResidualInPlace(anchor) ? Halide::TailStrategy::GuardWithIf : Halide::TailStrategy::Auto;

  Var co("co"), ci("ci"), xo("xo"), xi("xi"), band("band");
  out.split(v[2], co, ci, lanes)
      .split(v[0], xo, xi, columns, tail)
      .split(v[1], band, v[1], bandRows, tail)
      .reorder(ci, co, xi, xo, v[1], band, v[3])
      .vectorize(ci)
      .parallel(band);

  Func acc = value.accumulator;
  acc.compute_at(out, xo).reorder_storage(v[2], v[0], v[1], v[3]).vectorize(v[2], lanes);
  const std::vector<Halide::RVar> r = acc.rvars(0); // input channel (one), ky, kx
  // Channels that do not fill the last vector are guarded: rounded up, the
  // update would read input channels past the last.
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
