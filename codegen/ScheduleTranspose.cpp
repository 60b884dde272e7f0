// Block transposes between planar and channels_last values. A plain schedule
// vectorizes one side and leaves the other to one element per lane: a
// planar-to-channels_last copy of 256 channels at 65x65 vectorized along x
// scattered every lane 256 floats apart and took 1.3 ms, its block
// transpose 0.18 ms (8.6 MB moved, about 48 GB/s). The idiom is Halide's
// own (test/performance/block_transpose.cpp): one wrapper of the source,
// vectorized along its contiguous dimension and unrolled along the other,
// loads the block; a second wrapper, stored the other way round, is written
// from it with the roles swapped, which LLVM turns into shuffles of the
// registers; the output stores vectors of the second wrapper.
#include "codegen/ScheduleTranspose.h"

#include <algorithm>

#include "codegen/Lowering.h"
#include "codegen/ScheduleUtil.h"

namespace atrous::codegen {

using Halide::Func;
using Halide::Var;

namespace {

// Blocks of 8 x 8 floats were fastest on AVX-512 (against 16 x 16, and 8 x 16
// either way round: 0.15-0.18 ms against 0.20-0.27 at 65x65x256); a target
// with narrower vectors uses its own width.
int blockSize(const Halide::Target &t) {
  return std::min(8, t.natural_vector_size(Halide::Float(32)));
}

// A sequence turned planar or channels_last is split among the threads in
// runs of this many blocks along x.
constexpr int kBlocksPerRun = 32;

// A planar output is read from channels-innermost sources in blocks of a
// whole cache line of channels where that wastes no more than blocks of a
// pixel block's width would (21 classes: 3 blocks of 8 compute 24 channels,
// 2 blocks of 16 would compute 32).
int channelBlock(int channels, const Halide::Target &t) {
  const int narrow = blockSize(t), wide = std::min(16, t.natural_vector_size(Halide::Float(32)));
  auto waste = [&](int block) { return (channels + block - 1) / block * block - channels; };
  return channels >= wide && waste(wide) <= waste(narrow) ? wide : narrow;
}

} // namespace

bool blockTransposable(const TensorType &type, const Halide::Target &target) {
  const int rank = type.rank();
  if (rank != 3 && rank != 4) return false;
  const int b = blockSize(target);
  return b > 1 && extentOf(type, 0) >= b && extentOf(type, rank - 2) >= b;
}

BlockLoops turnInBlocks(Func out, Func source, const TensorType &type, bool toChannelsLast,
                        const Halide::Target &target) {
  const int rank = type.rank();
  const int b = blockSize(target);
  std::vector<Var> v = halideVars(rank);
  const Var x = v[0], c = v[rank - 2];
  BlockLoops loops;
  // Storage orders: x innermost (planar) or channels innermost.
  std::vector<Var> planar = v, channelsLast = v;
  channelsLast.erase(channelsLast.begin() + (rank - 2));
  channelsLast.insert(channelsLast.begin(), c);

  // Both extents are at least a block (blockTransposable), so the last block
  // of a dimension shifts inwards and every block is whole.
  loops.channels = toChannelsLast ? b : channelBlock(extentOf(type, rank - 2), target);
  out.tile(x, c, loops.xo, loops.co, loops.xi, loops.ci, b, loops.channels,
           Halide::TailStrategy::ShiftInwards);
  Func loaded = source.in(out);
  Func turned = loaded.in(out);
  if (toChannelsLast) {
    out.vectorize(loops.ci).unroll(loops.xi);
    loaded.reorder_storage(planar).compute_at(out, loops.xo).vectorize(x).unroll(c);
    turned.reorder_storage(channelsLast).compute_at(out, loops.xo).vectorize(c).unroll(x);
  } else {
    out.vectorize(loops.xi).unroll(loops.ci);
    loaded.reorder_storage(channelsLast).compute_at(out, loops.xo).vectorize(c).unroll(x);
    turned.reorder_storage(planar).compute_at(out, loops.xo).vectorize(x).unroll(c);
  }
  return loops;
}

void scheduleBlockTranspose(Func out, Func source, const TensorType &type, bool toChannelsLast,
                            const Halide::Target &target) {
  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  const BlockLoops b = turnInBlocks(out, source, type, toChannelsLast, target);
  // A sequence, which has no rows, splits among the threads into runs of
  // blocks, the block's loops innermost.
  auto sequenceRuns = [&](const Var &inner, const Var &next) {
    Var task("task"), xo = b.xo;
    out.split(xo, task, xo, kBlocksPerRun, Halide::TailStrategy::GuardWithIf)
        .reorder(inner, next, xo, b.co, task, v[2])
        .parallel(task);
  };
  if (toChannelsLast) {
    // Rows of a block run along x, where the planar source is contiguous,
    // and so do the blocks: each block of channels reads its planes along
    // the whole row, rather than each block of pixels reading every plane,
    // one page apart, before the next (512 channels at 65x65: 1.7-2.5 ->
    // 0.9-1.5 ms; 256 at 33x33: 0.06-0.23 -> 0.05 ms).
    if (rank == 4) {
      out.reorder(b.ci, b.xi, b.xo, b.co, v[1], v[3]);
      parallelInTasks(out, v[1], extentOf(type, 1), rowBytes(type));
    } else {
      sequenceRuns(b.ci, b.xi);
    }
  } else {
    // A block's channels go outside the rows, so that each thread writes
    // whole runs of a few output planes in order (at 65x65x256 that took
    // 0.15 ms against 0.37 with the rows outermost). Rows and channel blocks
    // are one parallel loop, so a value with few channels still splits.
    if (rank == 4) {
      Var task("task");
      const int cb = b.channels;
      const int channelBlocks = (extentOf(type, 2) + cb - 1) / cb;
      out.reorder(b.xi, b.ci, b.xo, v[1], b.co, v[3]).fuse(v[1], b.co, task);
      parallelInTasks(out, task, extentOf(type, 1) * channelBlocks,
                      int64_t{extentOf(type, 0)} * cb * dtypeSize(type.dtype));
    } else {
      sequenceRuns(b.xi, b.ci);
    }
  }
}

} // namespace atrous::codegen
