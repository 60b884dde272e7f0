// A planar softmax over the channels of a channels_last input. Vectorized
// along x, as a planar output wants, each pass loaded one channel of 16
// pixels as a gather of 16 elements a pixel's channels apart; WaveNet's head
// (256 channels, 16000 samples) took 10 ms that way, three gathers per
// element. Here the output goes in runs of pixels; each run's input is
// staged planar first, turned in square blocks (ScheduleTranspose.h), and
// the run's max, sum and output read the staged run with whole vectors from
// the cache.
#include "codegen/ScheduleSoftmax.h"

#include "codegen/ScheduleTranspose.h"
#include "codegen/ScheduleUtil.h"
#include "codegen/Target.h"

namespace atrous::codegen {

using Halide::Func;
using Halide::Var;

namespace {

// Pixels per run: the staged input, runPixels x channels floats, stays in
// the L1 for 256 channels (32 KB).
constexpr int kRunPixels = 32;

} // namespace

bool isChannelSoftmaxOfChannelsLast(const Node &anchor, Layout anchorInput,
                                    const TensorType &outputType, const Halide::Target &target) {
  if (anchor.op != OpKind::Softmax || anchorInput != Layout::ChannelsLast) return false;
  const int rank = outputType.rank();
  const int64_t axis = anchor.attrs.getInt("axis");
  return (rank == 3 || rank == 4) && (axis == 1 || axis == 1 - rank) && !isGpuTarget(target) &&
         blockTransposable(outputType, target);
}

void scheduleChannelSoftmaxCpu(const TensorType &type, const LoweredNode &value, Func out,
                               const Halide::Target &t) {
  const int rank = type.rank();
  const std::vector<Var> v = halideVars(rank);
  const Var x = v[0], c = v[rank - 2];
  const int lanes = fit(t.natural_vector_size(Halide::Float(32)), extentOf(type, 0));
  const int run = fit(kRunPixels, extentOf(type, 0));
  const int runs = (extentOf(type, 0) + run - 1) / run;
  Var xr("xr"), r("runs"), xo("xo"), xv("xv");
  // Runs of pixels, each run a channel at a time in vectors along x.
  out.split(x, r, xr, run).split(xr, xo, xv, lanes).vectorize(xv);
  Var task = r;
  if (rank == 4) {
    task = Var("task");
    out.reorder(xv, xo, c, r, v[1], v[3]).fuse(r, v[1], task);
    parallelInTasks(out, task, extentOf(type, 1) * runs,
                    int64_t{run} * extentOf(type, 2) * dtypeSize(type.dtype));
  } else {
    out.reorder(xv, xo, c, r, v[2]);
    parallelInTasks(out, r, runs, int64_t{run} * extentOf(type, 1) * dtypeSize(type.dtype));
  }
  // The row max and the row sum of the run.
  for (Func f : value.shared)
    f.compute_at(out, task).vectorize(x, lanes);
  // The run's input, stored planar (the global wrapper every pass reads)
  // and filled in blocks.
  Func input = value.paddedInput;
  Func staged = input.in();
  staged.compute_at(out, task);
  const BlockLoops b = turnInBlocks(staged, input, type, false, t);
  // A block of pixels takes all its channels before the next: each pixel's
  // channels are one run in memory (with the channel blocks outermost, the
  // blocks' loads took 2.0 of the softmax's 4.7 ms on WaveNet's head).
  staged.reorder(b.xi, b.ci, b.co, b.xo);
}

} // namespace atrous::codegen
