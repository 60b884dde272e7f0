#include "codegen/Schedule.h"

#include <algorithm>

#include "codegen/ScheduleDepthwise.h"
#include "codegen/ScheduleSoftmax.h"
#include "codegen/ScheduleTranspose.h"
#include "codegen/ScheduleUtil.h"
#include "codegen/ScheduleWinograd.h"
#include "codegen/Target.h"
#include "ir/Epilogue.h"
#include "ir/Geometry.h"
#include "ir/Layout.h"
#include "ir/ResidualInPlace.h"

namespace atrous::codegen {

using Halide::Func;
using Halide::Var;

namespace {

// At most this many pixel tiles (rows times column tiles) and a conv sweeps
// its output channel tiles outermost (scheduleChannelsLastCpu). 32 takes in
// the 15x15 corner regions of 33x33 at rate 18, 25 tiles of 3x3: 4 of 4
// interleaved rounds faster than at 16 (medians 2.81-2.93 ms against
// 2.93-3.20); 33x33 at rate 24 and DeepLab measured the same either way.
constexpr int kFewPixelTiles = 32;

// Below this many rows, a channels_last conv's threads split its pixel tiles
// rather than its rows. Measured in interleaved runs (median of the runs'
// minimums): 33x33 at rate 18, whose regions have 3 and 15 rows, 3.2 -> 3.1
// ms; ASPP, with regions of 7 to 29 rows, 94 -> 92 ms; maps of 65 rows and
// more were as fast or slower split by tiles.
constexpr int kFewRows = 32;

// Splits a stored value among the threads: by rows in an image, in runs of
// samples along a sequence, which has no rows (over images there is usually
// one: WaveNet's 256-class softmax ran on one thread, and one thread copied
// each of its layers' 4 MB inputs). A run keeps its channels inside it; a
// copy of an input with no exterior guards its tail, so as not to read past
// it.
void parallelRows(Func f, int rank, int width,
                  Halide::TailStrategy tail = Halide::TailStrategy::Auto) {
  const std::vector<Var> v = f.args();
  if (rank == 3) {
    Var run("run");
    f.split(v[0], run, v[0], fit(kCopyRunSamples, width), tail).reorder(v[1], run).parallel(run);
  } else if (rank >= 2) {
    f.parallel(v[rank == 4 ? 1 : rank - 1]);
  }
}

// A global pool's column sums (lowerGlobalPool) are vectorized along the
// input's contiguous dimension, x when it is planar and the channels when
// channels_last, and split among the threads along the other; the extents
// are the input's, so the vector tails are guarded. Summed whole, each
// channel was one scalar chain of adds, each waiting on the one before: the
// ASPP block's image pooling, 512 planar channels of 65x65, took 0.74 ms,
// and takes 0.19 ms in columns.
void scheduleColumnSums(Func f, Layout inputLayout, const Halide::Target &t) {
  const std::vector<Var> a = f.args(); // x, y (one row), c, n
  const int lanes = t.natural_vector_size(Halide::Float(32));
  f.compute_root();
  if (inputLayout == Layout::ChannelsLast)
    f.reorder_storage(a[2], a[0], a[1], a[3])
        .reorder(a[2], a[0], a[1], a[3])
        .vectorize(a[2], lanes, Halide::TailStrategy::GuardWithIf)
        .parallel(a[0]);
  else
    f.vectorize(a[0], lanes, Halide::TailStrategy::GuardWithIf).parallel(a[2]);
}

void scheduleCpu(const Node &anchor, Layout inputLayout, const TensorType &type,
                 const LoweredNode &value, Func out, const Halide::Target &t) {
  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  const int vx = fit(t.natural_vector_size(Halide::Float(32)), extentOf(type, 0));
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi");
  // Register tile: vx lanes along x times `rows` along a second dimension.
  // A 2-D conv tiles output channels, so each input vector it loads feeds
  // `rows` FMAs (one per channel, the weight broadcast); a depthwise conv,
  // whose channels read their own inputs, and other 2-D ops tile image
  // rows; 1-D ops tile channels.
  const bool gated = activationOf(anchor) == Activation::Gated;
  const bool accumulates = value.accumulator.defined() && !gated;
  const bool channelTile = rank == 4 && accumulates && !value.depthwise;
  const int tileDim = channelTile ? 2 : 1;
  // Half the vector registers hold the conv's accumulators (three quarters in
  // the one tile of a conv with few channels, below), leaving the rest for
  // the input vector and the broadcast weights.
  const int vectorRegisters = vectorRegisterCount(t);
  // A depthwise tile's rows are sized like a channels_last tile's columns,
  // wasting the fewest rows on the last, overlapping tile (65 rows in tiles
  // of 16 would compute 80, in tiles of 13, 65). A conv with few output
  // channels takes them all in one tile, up to three quarters of the
  // registers: 21 classes in tiles of 16 computed 32 and read every input
  // vector twice (DeepLab's and FCN's logits; 64 -> 21 channels at 128x128:
  // 0.59 -> 0.35 ms).
  const int rows = [&] {
    if (rank < 3) return 1;
    if (rank == 4 && value.depthwise)
      return pixelTile(vectorRegisters / 2, extentOf(type, 1), 1).columns;
    const int extent = extentOf(type, tileDim);
    if (channelTile && extent <= vectorRegisters * 3 / 4) return extent;
    return fit(accumulates ? vectorRegisters / 2 : 4, extent);
  }();
  if (channelTile) {
    out.tile(v[0], v[2], xo, yo, xi, yi, vx, rows).vectorize(xi);
    out.reorder(xi, yi, xo, yo, v[1], v[3]).parallel(v[1]);
  } else if (rank >= 3) {
    out.tile(v[0], v[1], xo, yo, xi, yi, vx, rows).vectorize(xi);
    if (rank == 4 && extentOf(type, 2) >= 2)
      parallelInTasks(out, v[2], extentOf(type, 2),
                      int64_t{extentOf(type, 0)} * extentOf(type, 1) * dtypeSize(type.dtype));
    else
      out.parallel(yo);
  } else {
    out.split(v[0], xo, xi, vx).vectorize(xi);
    if (rank == 2) out.parallel(v[1]);
  }
  if (value.accumulator.defined() && gated) {
    // The two halves a gated output reads lie far apart in channels, so the
    // accumulator is materialized whole rather than per tile.
    // Its update gets the same register tile as a conv output: lanes along x
    // times output channels, taps innermost.
    Func acc = value.accumulator;
    acc.compute_root().vectorize(v[0], vx);
    if (rank >= 2) acc.parallel(v[rank - 1]);
    Halide::Stage update = acc.update();
    if (rank >= 3) {
      const int channelDim = rank - 3 + 1; // c: dim 1 of NCW, dim 2 of NCHW
      const int block = fit(vectorRegisters / 2, 2 * extentOf(type, channelDim));
      // An update's tails would round up and read past an input that no
      // exterior extends (a conv whose taps all land inside), so they are
      // guarded; the same holds for the gated tiles below.
      update.tile(v[0], v[channelDim], xo, yo, xi, yi, vx, block,
                  Halide::TailStrategy::GuardWithIf);
      std::vector<Halide::VarOrRVar> order = {xi, yi};
      std::vector<Halide::RVar> r = acc.rvars(0);
      for (auto it = r.rbegin(); it != r.rend(); ++it)
        order.push_back(*it);
      order.push_back(xo);
      update.reorder(order).vectorize(xi).unroll(yi).parallel(yo);
    } else {
      update.vectorize(v[0], vx);
    }
  } else if (value.accumulator.defined()) {
    Func acc = value.accumulator;
    acc.compute_at(out, xo).vectorize(v[0], vx);
    Halide::Stage update = acc.update();
    std::vector<Halide::RVar> r = acc.rvars(0);
    if (rank == 4 && value.depthwise) {
      // Each row's vector stays in a register across its few taps, unrolled.
      // The tile's rows are unrolled too, so that the rows' taps that load
      // the same input vector (a 3x3 kernel's rows overlap by two) share
      // one load: 9 loads per output vector become about 3 (65x65, 256
      // channels: 0.30 -> 0.18 ms).
      std::vector<Halide::VarOrRVar> order = {v[0]};
      for (auto it = r.rbegin(); it != r.rend(); ++it)
        order.push_back(*it);
      order.push_back(v[1]);
      update.reorder(order).vectorize(v[0], vx);
      for (const Halide::RVar &tap : r)
        update.unroll(tap);
      update.unroll(v[1]);
    } else {
      // Taps innermost after the lanes, input channels outermost.
      std::vector<Halide::VarOrRVar> order = {v[0]};
      if (rank >= 3) order.push_back(v[tileDim]);
      for (auto it = r.rbegin(); it != r.rend(); ++it)
        order.push_back(*it);
      update.reorder(order).vectorize(v[0], vx);
      if (rank >= 3) update.unroll(v[tileDim], rows);
    }
  }
  const bool globalPool = anchor.op == OpKind::GlobalAvgPool || anchor.op == OpKind::GlobalMaxPool;
  for (Func f : value.shared) {
    if (globalPool) {
      scheduleColumnSums(f, inputLayout, t);
      continue;
    }
    f.compute_root();
    if (f.dimensions() == 4) {
      // Planar rows of every channel in one parallel loop, in tasks of many
      // rows: a resize's row pass of 21 channels, 129 rows of 513 pixels,
      // had each channel's rows split among the threads (two threads busy
      // 1.35 of the time, 1.7 ms in DeepLab).
      const std::vector<Var> a = f.args();
      Var rows("rows");
      f.fuse(a[1], a[2], rows);
      parallelInTasks(f, rows, extentOf(type, 1) * extentOf(type, 2),
                      int64_t{extentOf(type, 0)} * dtypeSize(type.dtype));
    } else {
      parallelRows(f, rank, extentOf(type, 0));
    }
    f.vectorize(v[0], vx);
  }
  // A depthwise conv copies its zero-extended input one channel plane at a
  // time, which stays in cache for the taps, so they load with no bounds test.
  if (value.extended && rank == 4 && value.depthwise && !gated) {
    Func padded = value.paddedInput;
    padded.compute_at(out, v[2]).vectorize(padded.args()[0], vx);
  }
}

// Whether the rows a 2-D conv's output row reads, from the first tap's to the
// last's, are at most twice the kernel's rows.
bool copiesFewRows(const Node &conv) {
  return kernelRowSpan(conv) <= 2 * perDim(conv.attrs.getInts("kernel"), 2, "kernel")[0];
}

// A gated conv whose halves lie C channels apart in its accumulator (not
// pairsGatedChannels: a transposed conv, or a layout written by hand on
// channels that do not fill blocks): its accumulator must be computed whole
// before the gate reads it, which the planar template does.
bool unpairedGated(const Node &anchor) {
  return activationOf(anchor) == Activation::Gated && !pairsGatedChannels(anchor);
}

// A channels_last value (ir/Layout.h) is vectorized over channels. A conv
// computes a register tile of `channelVectors` vectors of output channels
// times a few output pixels (pixelTile: columns of a row, or of a few rows):
// per input channel and tap, one weight vector load per channel vector and
// one broadcast per pixel feed channelVectors x pixels FMAs, so loads stay
// well below the FMA rate. Its input is copied first, channels innermost,
// when it needs a zero exterior (the taps then read it with no bounds test)
// or is planar (whose channels lie an image apart, a cache line and soon a
// page per load). Input channels are the innermost reduction: consecutive in
// a channels_last input and in the weights' blocks (ir/Layout.h,
// paramStorage). A gated conv's accumulator pairs the blocks of its two
// halves (codegen/Lowering.h, pairsGatedChannels), so its tile is the two
// blocks of one output block, gated in registers.
void scheduleChannelsLastCpu(const Node &anchor, Layout inputLayout, const TensorType &type,
                             const LoweredNode &value, Func out, const Halide::Target &t) {
  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  const int c = rank == 4 ? 2 : 1;
  const Var row = rank == 4 ? v[1] : v[2];
  const int lanes = fit(t.natural_vector_size(Halide::Float(32)), extentOf(type, c));
  Var co("co"), ci("ci"), xo("xo"), xi("xi"), cv("cv");
  // Loops innermost first: the given ones, then rows and images.
  auto loopOrder = [&](std::vector<Halide::VarOrRVar> inner) {
    inner.push_back(row);
    if (rank == 4) inner.push_back(v[3]);
    return inner;
  };
  const bool gated = activationOf(anchor) == Activation::Gated;
  if (anchor.op == OpKind::Copy && inputLayout == Layout::Planar) {
    if (blockTransposable(type, t)) return scheduleBlockTranspose(out, value.func, type, true, t);
    // Too few channels or pixels for a block: reads run along x, where the
    // planar input is contiguous.
    out.reorder(loopOrder({v[0], v[c]}))
        .vectorize(v[0], fit(t.natural_vector_size(Halide::Float(32)), extentOf(type, 0)))
        .parallel(row);
    return;
  }
  if (!value.accumulator.defined()) {
    out.split(v[c], co, ci, lanes).vectorize(ci);
    if (rank == 4) {
      // A pixel's channel vectors together, as it lies in memory: with the
      // channel vectors outside the row, each swept it touching one vector
      // of every pixel (DeepLab's 3x3 max pool of 64 channels at 257x257:
      // 1.60 -> 0.67 ms, profiler).
      out.reorder(loopOrder({ci, co, v[0]})).parallel(row);
    } else {
      Var run("run");
      out.split(v[0], run, v[0], fit(kCopyRunSamples, extentOf(type, 0)))
          .reorder(ci, v[0], co, run, v[2])
          .parallel(run);
    }
    for (Func f : value.shared)
      parallelRows(f.compute_root().vectorize(v[c], lanes), rank, extentOf(type, 0));
    return;
  }
  const int channels = extentOf(type, c) * (gated ? 2 : 1);
  const int vectorRegisters = vectorRegisterCount(t);
  // A conv written over its residual (ir/ResidualInPlace.h) must not
  // compute an output twice: a last tile shifted inwards would add the
  // residual again to the sums its neighbour wrote. Its channels fill
  // blocks, so a tile of one block's vectors divides them; its pixel tails
  // are guarded (below). (A guarded channel tail made Halide ask for the
  // input's channels as far as the tail's rounded-up end.)
  const bool overResidual = isResidualInPlace(anchor);
  int channelVectors = gated ? 2 * static_cast<int>(kChannelsLastBlock) / lanes
                             : std::max(1, std::min(2, channels / lanes));
  if (overResidual && channels % (lanes * channelVectors) != 0) channelVectors = 1;
  // Accumulator channels per tile; a gated tile is one block of output
  // channels.
  const int channelsPerTile = lanes * channelVectors;
  const int outChannelsPerTile = gated ? channelsPerTile / 2 : channelsPerTile;
  const PixelTile tile = pixelTile(vectorRegisters * 3 / 4 / channelVectors, extentOf(type, 0),
                                   rank == 4 && !gated ? extentOf(type, 1) : 1);
  const int columns = tile.columns, tileRows = tile.rows;

  // Output channel tiles go outermost when the map has so few pixel tiles
  // that a row-by-row sweep would fetch every weight again for each of a
  // dozen rows: then each tile's weights stay in cache over the whole map,
  // and the threads split the channel tiles (measured on 33x33 at rate 12,
  // whose regions had 9 to 12 rows: 6.0 -> 5.2 ms; the regions of 65x65 at
  // rate 24, 17 to 24 rows of 65 columns and about 100 tiles, ran as fast in
  // row order).
  const int pixelTiles =
      (extentOf(type, 1) + tileRows - 1) / tileRows * ((extentOf(type, 0) + columns - 1) / columns);
  const bool weightsOuter =
      rank == 4 && !gated && pixelTiles <= kFewPixelTiles && channels / channelsPerTile >= 4;

  Func acc = value.accumulator;
  // Stored channels innermost too, so that each accumulator is one vector
  // register rather than lanes strided across an array.
  std::vector<Var> storage = {v[c], v[0], row};
  if (rank == 4) storage.push_back(v[3]);
  acc.reorder_storage(storage).vectorize(v[c], lanes);
  Halide::Stage update = acc.update();
  std::vector<Halide::RVar> r = acc.rvars(0); // input channel, then the taps
  std::vector<Halide::VarOrRVar> taps = {r[0]};
  for (size_t k = r.size(); k-- > 1;)
    taps.push_back(r[k]);
  const Halide::TailStrategy tail =
      overResidual ? Halide::TailStrategy::GuardWithIf : Halide::TailStrategy::Auto;
  out.split(v[c], co, ci, outChannelsPerTile).split(v[0], xo, xi, columns, tail);
  // The loop over rows of tiles, and the tile's own rows inside it.
  Var rowTile = row, yi("yi");
  std::vector<Halide::VarOrRVar> tileLoops = {ci, xi};
  if (tileRows > 1) {
    rowTile = Var("yo");
    out.split(row, rowTile, yi, tileRows, tail);
    tileLoops.push_back(yi);
  }
  // A map of few rows splits unevenly among the threads (17 rows: 9 and 8),
  // so its tasks are the pixel tiles of the rows instead.
  Var task("task");
  const bool tileTasks = rank == 4 && !weightsOuter && extentOf(type, 1) < kFewRows;
  std::vector<Halide::VarOrRVar> loops = tileLoops;
  if (weightsOuter) {
    loops.insert(loops.end(), {xo, rowTile, co, v[3]});
    out.reorder(loops).vectorize(ci, lanes).parallel(co);
  } else {
    loops.insert(loops.end(), {co, xo, rowTile});
    if (rank == 4) loops.push_back(v[3]);
    out.reorder(loops).vectorize(ci, lanes);
    if (tileTasks)
      out.fuse(xo, rowTile, task).parallel(task);
    else if (rank == 4)
      out.parallel(rowTile);
    else
      // A sequence's tiles are a few samples each: one task per tile, 2000
      // tasks of 8 samples per layer of the 1-D stack, spent a tenth of the
      // time in the thread pool (stack: 14.9 -> 14.0 ms, WaveNet 253 -> 214
      // ms, medians of paired runs).
      parallelInTasks(out, xo, (extentOf(type, 0) + columns - 1) / columns,
                      int64_t{columns} * extentOf(type, c) * dtypeSize(type.dtype));
  }
  // The accumulators are one register tile, whichever of its loops is inner.
  acc.compute_at(out, weightsOuter ? xo : co);
  std::vector<Halide::VarOrRVar> order = {v[c], v[0]};
  if (tileRows > 1) order.push_back(v[1]);
  order.insert(order.end(), taps.begin(), taps.end());
  // The weight vectors, each feeding `columns` FMAs, stay in registers
  // while the pixels' broadcasts stream, unless the accumulators leave too
  // few registers for them: a gated tile on AVX2 (4 vectors x 3 columns)
  // then holds its 3 broadcasts and streams the weights instead, since a
  // spilled accumulator, stored and reloaded every step, serializes the
  // loop (WaveNet on AVX2: about 350 -> 250-320 ms).
  const bool broadcastsHeld =
      channelVectors * columns * tileRows + channelVectors + 1 > vectorRegisters;
  update.reorder(order).split(v[c], cv, v[c], lanes);
  if (broadcastsHeld) {
    std::vector<Halide::VarOrRVar> held = {v[c], v[0]};
    if (tileRows > 1) held.push_back(v[1]);
    held.push_back(cv);
    update.reorder(held);
  }
  update.vectorize(v[c]).unroll(cv).unroll(v[0]);
  if (tileRows > 1) update.unroll(v[1]);
  if (value.paddedInput.defined() && (value.extended || inputLayout != Layout::ChannelsLast)) {
    Func padded = value.paddedInput;
    const std::vector<Var> pv = padded.args();
    std::vector<Var> order = {pv[c], pv[0]};
    if (rank == 4) order.push_back(pv[1]);
    order.push_back(pv[rank - 1]);
    padded.reorder_storage(order);
    // The copy is where a planar input turns channels_last: it reads along
    // x, where the input is contiguous, and scatters into the small copy,
    // rather than gathering channels that lie an image apart.
    // Either way the channels loop stays inside the rows, which the threads
    // split.
    const bool fromChannelsLast = inputLayout == Layout::ChannelsLast;
    std::vector<Halide::VarOrRVar> loops(order.begin(), order.end());
    if (!fromChannelsLast) std::swap(loops[0], loops[1]);
    padded.reorder(loops);
    // An unpadded input's extents bound the copy, so tails are guarded.
    if (fromChannelsLast)
      padded.vectorize(pv[c], lanes, Halide::TailStrategy::GuardWithIf);
    else
      padded.vectorize(pv[0], t.natural_vector_size(Halide::Float(32)),
                       Halide::TailStrategy::GuardWithIf);
    // An image conv copies the input rows each output row reads, which stay
    // in cache for the row's taps. Halide copies the rows' bounding box, so a
    // dilated kernel, whose taps skip most rows of that box, copies the input
    // once instead, as do 1-D convs (whose window can span thousands of
    // samples).
    if (rank == 4 && !weightsOuter && copiesFewRows(anchor))
      padded.compute_at(out, tileTasks ? task : rowTile);
    else
      parallelRows(padded.compute_root(), rank, extentOf(type, 0),
                   Halide::TailStrategy::GuardWithIf);
  }
}

void scheduleGpu(const Node &anchor, const TensorType &type, const LoweredNode &value, Func out) {
  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi");
  auto tile = [&](Func f) {
    if (rank >= 2)
      f.gpu_tile(v[0], v[1], xo, yo, xi, yi, fit(16, extentOf(type, 0)), fit(8, extentOf(type, 1)));
    else
      f.gpu_tile(v[0], xo, xi, fit(64, extentOf(type, 0)));
  };
  tile(out);
  // Each thread accumulates its own output element in registers; a gated
  // epilogue reads two accumulator channels, so there it is materialized.
  if (value.accumulator.defined()) {
    Func acc = value.accumulator;
    if (activationOf(anchor) == Activation::Gated) {
      acc.compute_root();
      tile(acc);
      acc.update().gpu_tile(v[0], v[1], xo, yo, xi, yi, fit(16, extentOf(type, 0)),
                            fit(8, extentOf(type, 1)), Halide::TailStrategy::GuardWithIf);
    } else {
      acc.compute_at(out, xi);
    }
  }
  for (Func f : value.shared) {
    f.compute_root();
    tile(f);
  }
}

} // namespace

void scheduleGroup(const Node &anchor, Layout anchorInput, const Node &output,
                   const LoweredNode &value, Func out, const Halide::Target &target) {
  if (!value.winograd.empty()) return scheduleWinograd(output.type, value, out, target);
  if (isGpuTarget(target))
    scheduleGpu(anchor, output.type, value, out);
  else if (isChannelSoftmaxOfChannelsLast(anchor, anchorInput, output.type, target))
    scheduleChannelSoftmaxCpu(output.type, value, out, target);
  else if (isDepthwiseChannelsLast(anchor, anchorInput, output, value, target))
    scheduleDepthwiseChannelsLastCpu(anchor, output.type, value, out, target);
  else if ((layoutOf(output) == Layout::ChannelsLast || tilesOutputChannels(anchor)) &&
           !unpairedGated(anchor))
    scheduleChannelsLastCpu(anchor, anchorInput, output.type, value, out, target);
  else if (anchorInput == Layout::ChannelsLast && !value.accumulator.defined() &&
           value.shared.empty() && blockTransposable(output.type, target))
    // Data movement or elementwise ops that turn channels_last parts into a
    // planar value, such as the concat of split-padding-taps' regions into a
    // graph output.
    scheduleBlockTranspose(out, value.func, output.type, false, target);
  else
    scheduleCpu(anchor, anchorInput, output.type, value, out, target);
}

} // namespace atrous::codegen
