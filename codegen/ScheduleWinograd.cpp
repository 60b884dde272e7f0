// Schedules of winograd_conv2d and winograd_conv1d (LowerWinograd.cpp for
// the stages, which are the same for both). Each part of the tiles (bounded
// tiles with center residues have up to four) is scheduled alike, on its
// own.
//
// CPU: the work is the products over input channels, one GEMM per transform
// position, so they get a GEMM schedule: a register tile of one block of 32
// output channels of the stored kernel (ir/Winograd.h) in `vectors` vectors
// times `tileRows` tiles (three quarters of the vector registers as
// accumulators; each U vector loaded feeds tileRows FMAs, each broadcast V
// element `vectors`), input channels innermost, so each channel step reads
// the next row of the kernel block. Tiles go in blocks, in parallel: a
// block's transformed input and its products live in the cache while the
// block's output tiles are made from them; a kernel too large for the cache,
// or one that each of a few blocks of tiles would stream again, goes in
// blocks of output channels instead, each over all tiles.
// Transforms are vectorized over channels with their positions unrolled, so
// each position's sum has its own constant coefficients. The output tiles
// are stored once (a channels_last sequence's per run of outputs); the
// group's output reads each pixel from its tile.
//
// GPU: one thread per transformed element, per product (its channel sum in
// a register), per output tile element, and per output pixel.
#include "codegen/ScheduleWinograd.h"

#include <algorithm>

#include "codegen/ScheduleTranspose.h"
#include "codegen/ScheduleUtil.h"
#include "codegen/Target.h"
#include "ir/Winograd.h"

namespace atrous::codegen {

using Halide::Func;
using Halide::Var;

namespace {

// Whether the output buffer stores x innermost (the planar NCHW layout);
// otherwise its channels are innermost. Unconstrained strides count as planar.
bool xInnermost(Func out) {
  Halide::Expr stride = out.output_buffer().parameter().stride_constraint(0);
  const int64_t *s = stride.defined() ? Halide::Internal::as_const_int(stride) : nullptr;
  return s == nullptr || *s == 1;
}

// The register tile and blocks of the products of one part of the tiles.
struct CpuTiling {
  int lanes = 0, vectors = 0, tileRows = 0, block = 0;
  bool channelBlocks = false;
};

// Whether a map of a few blocks of tiles, each of which would stream the
// whole transformed kernel, is better split by blocks of output channels,
// which read it once: each thread then streams only its share. LinkNet's
// 512 -> 512 convs at 8x8 (F(2x2, 3x3): a 16.8 MB kernel, 16 tiles in 2
// blocks): three such convs 0.85 of the time (3 of 3), LinkNet 0.95 (5 of
// 5). A kernel that stays in the cache between the blocks keeps them: 256
// -> 256 at 16x16 (F(4x4): 9.4 MB, 2 blocks) ran 1.06x slower split.
bool streamsKernelAgain(const WinogradStages &s, int block) {
  constexpr int kFewBlocks = 4;
  constexpr int64_t kRereadKernelBytes = int64_t{12} << 20;
  const int blocks = (s.tiles + block - 1) / block;
  const int64_t kernelBytes =
      int64_t{s.positions} * s.channels * s.outChannels * int64_t{sizeof(float)};
  return s.outChannels % kWinogradOutBlock == 0 && blocks > 1 && blocks <= kFewBlocks &&
         kernelBytes > kRereadKernelBytes;
}

CpuTiling cpuTiling(const WinogradStages &s, const Halide::Target &t) {
  const int vec = t.natural_vector_size(Halide::Float(32));
  const int registers = vectorRegisterCount(t);
  CpuTiling tiling;
  // The register tile of the products: one block of output channels of the
  // stored kernel (so each channel step reads the next kernel row of the
  // block) times tileRows tiles. Blocks past `out` read the kernel's zero
  // padding.
  tiling.lanes = std::min(vec, kWinogradOutBlock);
  tiling.vectors = kWinogradOutBlock / tiling.lanes;
  tiling.tileRows = fit(std::max(1, registers * 3 / 4 / tiling.vectors), s.tiles);
  // Tiles go in blocks of one register tile: measured against blocks of 2, 4
  // and 8 register tiles, the smallest is fastest, as the blocked kernel
  // streams in order from the L3 anyway, while a block's transformed input
  // and products, (C + out) * tileRows * alpha^2 floats, stay in the L2.
  tiling.block = tiling.tileRows;
  // Unless the transformed kernel outgrows the cache: each block then
  // streams all of it from memory. DeepLab's 512 -> 512 convs at 33x33
  // (F(4x4, 3x3): a 37.7 MB kernel, 7 blocks of 12 tiles) ran their
  // products at 55-60% of the peak. There the threads split the blocks of
  // output channels instead, each over all tiles, so the kernel is read
  // once; the tiles' transformed input is stored whole first (paired runs
  // of two such convs: 31.6 -> 22.9 ms, faster in 8 of 8). Below the limit
  // the tile blocks stay faster: 256 -> 256 at 65x65 (a 9.4 MB kernel) ran
  // 1.33x slower split by output channels, ASPP's 512 -> 256 convs (13.1
  // MB) 1.12x.
  tiling.channelBlocks = readsKernelOnce(s.positions, s.channels, s.outChannels) ||
                         streamsKernelAgain(s, tiling.block);
  return tiling;
}

// The stages of one part of the tiles, for an output whose schedule runs
// `run` when `perRun`.
void scheduleStagesCpu(const WinogradStages &s, Func out, bool perRun, Var run,
                       const Halide::Target &t) {
  const int vec = t.natural_vector_size(Halide::Float(32));
  const int registers = vectorRegisterCount(t);
  const auto [lanes, vectors, tileRows, block, channelBlocks] = cpuTiling(s, t);
  Var c("c"), k("k"), o("o"), j("j"), xi("xi"), nu("nu"), iy("iy"), ix("ix");
  Var ki("ki"), oo("oo"), oi("oi"), co("co"), ci("ci"), bo("bo"), bi("bi");

  // The output transform, vectorized over the channels there are.
  const int outLanes = fit(vec, s.outChannels);
  Func output = s.output;
  // The loop the products are computed at: a block of tiles, or a block of
  // output channels.
  Var at("at"), oc("oc");
  if (perRun)
    output.compute_at(out, run);
  else
    output.compute_root();
  // Every parallel split of a stored stage rounds up rather than shift
  // inwards, so that no two threads write the same element: past the last
  // output channel the products read the kernel's zero padding, past the
  // last tile the tiles read the last tile's patch (lowerPart). Shifted
  // inwards, the last block of tiles recomputed tiles of the block before
  // it in another thread with code whose rounding can differ in the last
  // bit (F(4x6) at 256x256: 27 of 30 runs differed, up to 1e-6), so a
  // model's output depended on which thread wrote last. Cut short
  // (GuardWithIf), the blocks lost their constant extents and 65x65 ran 4%
  // slower.
  const Halide::TailStrategy storedTail = Halide::TailStrategy::RoundUp;
  if (channelBlocks)
    output.split(o, at, oc, kWinogradOutBlock, storedTail)
        .split(oc, oo, oi, outLanes)
        .reorder(oi, ix, iy, oo, k, at);
  else
    output.split(k, at, ki, block, storedTail)
        .split(o, oo, oi, outLanes)
        .reorder(oi, ix, iy, oo, ki, at);
  output.vectorize(oi).unroll(ix).unroll(iy);
  if (!perRun) output.parallel(at);
  // Stored by (row in the tile, tile, column in the tile), so a row of
  // output pixels of a dense conv reads its tiles' rows as one run; stored
  // in Halide's order, (row, column, tile), each pixel of the row was a
  // column's slab from the last: 512 KB in the 8 MB of LinkNet's last conv
  // (0.64 -> 0.49 ms).
  output.reorder_storage(o, ix, k, iy);
  Func columns = s.columns;
  columns.compute_at(output, oo).reorder(o, nu, iy, k).vectorize(o, outLanes).unroll(nu).unroll(iy);

  Func products = s.block;
  // Register tiles of tileRows tiles, each reading one panel of the kernel.
  Var kr("kr");
  products.compute_at(output, at)
      .split(o, bo, bi, kWinogradOutBlock, Halide::TailStrategy::RoundUp)
      .split(k, kr, k, tileRows)
      .reorder(bi, k, kr, bo, nu, xi)
      .vectorize(bi, lanes)
      .unroll(bi)
      .unroll(k);
  Func product = s.product;
  product.compute_at(products, kr).vectorize(o, lanes).unroll(o).unroll(k);
  // Per channel step the tile needs its accumulators, one register for what
  // is streamed and all of what is reused: the U vectors, each feeding
  // tileRows FMAs, or the V broadcasts, each feeding `vectors`. The loop
  // whose operands are reused goes outside, so LLVM keeps them live; with 16
  // registers (AVX2) 4 U vectors over 3 tiles need 17, and the spilled
  // accumulator, stored and reloaded every step, made the GEMM twice as slow
  // (65x65 rate 2: 20 -> 10.5 ms), while 3 broadcasts need 16.
  const int accumulators = vectors * tileRows;
  const bool broadcastsHeld = accumulators + vectors + 1 > registers;
  Halide::Stage update = product.update();
  if (broadcastsHeld) {
    Var ov("ov");
    update.split(o, oo, ov, lanes)
        .reorder(ov, k, oo, product.rvars(0)[0], nu, xi)
        .vectorize(ov)
        .unroll(k)
        .unroll(oo);
  } else {
    update.reorder(o, k, product.rvars(0)[0], nu, xi).vectorize(o, lanes).unroll(o).unroll(k);
  }

  const int channelLanes = fit(vec, s.channels);
  Func input = s.input;
  input.split(c, co, ci, channelLanes)
      .reorder(ci, nu, xi, co, k)
      .vectorize(ci)
      .unroll(nu)
      .unroll(xi);
  if (channelBlocks) {
    Var kt("kt");
    input.compute_root().split(k, kt, k, tileRows, storedTail).parallel(kt);
  } else {
    input.compute_at(output, at);
  }
  Func rows = s.rows;
  rows.compute_at(input, co).reorder(c, j, xi, k).vectorize(c, channelLanes).unroll(j).unroll(xi);
}

void scheduleCpu(const TensorType &type, const LoweredNode &value, Func out,
                 const Halide::Target &t) {
  const int vec = t.natural_vector_size(Halide::Float(32));
  // A sequence's output tiles are made per run of outputs, in the loop that
  // stores the run, rather than all stored first and then read back in
  // outputs' order: the tiles of a run of outputs are a run of tiles
  // (ir/Winograd.h), m * d outputs for d tiles, so a run of
  // ceil(runTiles / d) times m * d outputs computes about runTiles tiles,
  // whose products and output tiles stay in the L2. (A sequence's tiles
  // are one part.)
  const WinogradStages &s = value.winograd.front();
  const CpuTiling tiling = cpuTiling(s, t);
  const bool perRun = type.rank() == 3 && !tiling.channelBlocks && !xInnermost(out);
  const int runTiles = 8 * tiling.block;
  const int runOutputs = (runTiles + s.dilationX - 1) / s.dilationX * s.tileX * s.dilationX;
  Var run("run");

  for (const WinogradStages &part : value.winograd)
    scheduleStagesCpu(part, out, perRun, run, t);

  // The output reads its pixels from the stored tiles.
  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  const Var channel = v[rank - 2];
  if (xInnermost(out) && blockTransposable(type, t)) {
    // The tiles hold channels innermost; a planar output turns them in blocks.
    scheduleBlockTranspose(out, value.func, type, false, t);
  } else if (xInnermost(out)) {
    out.vectorize(v[0], fit(vec, static_cast<int>(type.shape.back()))).parallel(channel);
  } else if (rank == 4) {
    // All of a pixel's channel vectors before the next pixel: with the
    // channel blocks outermost, each block swept the whole image, and its
    // stores filled half a cache line (LinkNet's last 3x3 conv, 32 channels
    // at 256x256: 0.87 -> 0.64 ms).
    Var cb("cb"), cv("cv");
    out.split(channel, cb, cv, fit(vec, static_cast<int>(type.shape[1])))
        .reorder(cv, cb, v[0], v[1])
        .vectorize(cv)
        .parallel(v[1]);
  } else {
    // A sequence's samples in runs, each run's channel vectors together.
    Var cb("cb"), cv("cv");
    out.split(channel, cb, cv, fit(vec, static_cast<int>(type.shape[1])))
        .split(v[0], run, v[0],
               fit(perRun ? runOutputs : kCopyRunSamples, static_cast<int>(type.shape[2])))
        .reorder(cv, cb, v[0], run)
        .vectorize(cv)
        .parallel(run);
  }
  for (Func f : value.shared)
    f.compute_root();
}

// The GPU's thread blocks: 16 x 8 threads.
constexpr int kGpuWide = 16, kGpuHigh = 8;

// The stages of one part of the tiles.
void scheduleStagesGpu(const WinogradStages &s) {
  Var c("c"), k("k"), o("o"), j("j"), xi("xi"), nu("nu"), iy("iy"), ix("ix"), p("p");
  Var bx("bx"), by("by"), tx("tx"), ty("ty");
  const int wide = kGpuWide, high = kGpuHigh;

  Func input = s.input;
  input.compute_root()
      .reorder(nu, xi, c, k)
      .unroll(nu)
      .unroll(xi)
      .gpu_tile(c, k, bx, by, tx, ty, fit(wide, s.channels), fit(high, s.tiles));
  Func rows = s.rows;
  rows.compute_at(input, tx).unroll(j).unroll(xi);

  Func products = s.block;
  products.compute_root()
      .fuse(nu, xi, p)
      .gpu_tile(o, k, bx, by, tx, ty, fit(wide, s.outChannels), fit(high, s.tiles))
      .gpu_blocks(p);
  Func product = s.product;
  product.compute_at(products, tx);

  Func output = s.output;
  output.compute_root()
      .reorder(ix, iy, o, k)
      .unroll(ix)
      .unroll(iy)
      .gpu_tile(o, k, bx, by, tx, ty, fit(wide, s.outChannels), fit(high, s.tiles));
  Func columns = s.columns;
  columns.compute_at(output, tx).unroll(nu).unroll(iy);
}

void scheduleGpu(const TensorType &type, const LoweredNode &value, Func out) {
  Var bx("bx"), by("by"), tx("tx"), ty("ty");
  const int wide = kGpuWide, high = kGpuHigh;
  for (const WinogradStages &part : value.winograd)
    scheduleStagesGpu(part);

  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  out.gpu_tile(v[0], v[1], bx, by, tx, ty, fit(wide, static_cast<int>(type.shape.back())),
               fit(high, static_cast<int>(type.shape[rank - 2])));
  for (Func f : value.shared)
    f.compute_root();
}

} // namespace

void scheduleWinograd(const TensorType &outputType, const LoweredNode &value, Func out,
                      const Halide::Target &target) {
  if (isGpuTarget(target))
    scheduleGpu(outputType, value, out);
  else
    scheduleCpu(outputType, value, out, target);
}

} // namespace atrous::codegen
