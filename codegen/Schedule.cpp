#include "codegen/Schedule.h"

#include <algorithm>

#include "codegen/ScheduleWinograd.h"
#include "codegen/Target.h"
#include "ir/Epilogue.h"

namespace atrous::codegen {

using Halide::Func;
using Halide::Var;

namespace {

int extentOf(const TensorType &t, int halideDim) {
  return static_cast<int>(t.shape[t.shape.size() - 1 - static_cast<size_t>(halideDim)]);
}

// A factor no larger than the extent, so that ShiftInwards tails stay inside.
int fit(int factor, int extent) {
  return std::max(1, std::min(factor, extent));
}

void scheduleCpu(const Node &anchor, const TensorType &type, const LoweredNode &value, Func out,
                 const Halide::Target &t) {
  const int rank = type.rank();
  std::vector<Var> v = halideVars(rank);
  const int vx = fit(t.natural_vector_size(Halide::Float(32)), extentOf(type, 0));
  Var xo("xo"), xi("xi"), yo("yo"), yi("yi");
  // Register tile: vx lanes along x times `rows` along a second dimension.
  // A 2-D conv tiles output channels, so each input vector it loads feeds
  // `rows` FMAs (one per channel, the weight broadcast); other 2-D ops tile
  // image rows; 1-D ops tile channels.
  const bool gated = activationOf(anchor) == Activation::Gated;
  const bool accumulates = value.accumulator.defined() && !gated;
  const bool channelTile = rank == 4 && accumulates;
  const int tileDim = channelTile ? 2 : 1;
  // Half the vector registers hold the conv's accumulators, leaving the rest
  // for the input vector and the broadcast weights.
  const int vectorRegisters =
      t.arch == Halide::Target::ARM || t.has_feature(Halide::Target::AVX512) ? 32 : 16;
  const int rows =
      rank >= 3 ? fit(accumulates ? vectorRegisters / 2 : 4, extentOf(type, tileDim)) : 1;
  if (channelTile) {
    out.tile(v[0], v[2], xo, yo, xi, yi, vx, rows).vectorize(xi);
    out.reorder(xi, yi, xo, yo, v[1], v[3]).parallel(v[1]);
  } else if (rank >= 3) {
    out.tile(v[0], v[1], xo, yo, xi, yi, vx, rows).vectorize(xi);
    out.parallel(rank == 4 && extentOf(type, 2) >= 2 ? v[2] : yo);
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
      update.tile(v[0], v[channelDim], xo, yo, xi, yi, vx, block);
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
    std::vector<Halide::VarOrRVar> order = {v[0]};
    if (rank >= 3) order.push_back(v[tileDim]);
    // Taps innermost after the lanes, input channels outermost.
    std::vector<Halide::RVar> r = acc.rvars(0);
    for (auto it = r.rbegin(); it != r.rend(); ++it)
      order.push_back(*it);
    update.reorder(order).vectorize(v[0], vx);
    if (rank >= 3) update.unroll(v[tileDim], rows);
  }
  for (Func f : value.shared) {
    f.compute_root().vectorize(v[0], vx);
    if (rank >= 2) f.parallel(v[rank - 1]);
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
                            fit(8, extentOf(type, 1)));
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

void scheduleGroup(const Node &anchor, const TensorType &outputType, const LoweredNode &value,
                   Func out, const Halide::Target &target) {
  if (value.winograd.defined()) return scheduleWinograd(outputType, value, out, target);
  if (isGpuTarget(target))
    scheduleGpu(anchor, outputType, value, out);
  else
    scheduleCpu(anchor, outputType, value, out, target);
}

} // namespace atrous::codegen
