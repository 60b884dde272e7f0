// Nearest and (bi)linear resize. Source coordinates are computed in 32-bit
// float with the in/out ratio, exactly as PyTorch and the reference
// interpreter do, so nearest picks the same pixel bit for bit.
#include <algorithm>
#include <cmath>

#include "codegen/Lowering.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;

namespace {

struct Taps {
  Expr lo, hi, frac;
};

// Nearest sources come from a table computed here with the same float
// arithmetic as the reference, embedded in the pipeline: bit-exact by
// construction, and it sidesteps a Halide 14 crash (SIGFPE while lowering)
// on vectorized floor(x * scale) when the upsampling factor exceeds the
// vector width.
Taps nearestTaps(const Expr &dst, int64_t in, int64_t out) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  Halide::Buffer<int32_t> table(static_cast<int>(out));
  for (int64_t d = 0; d < out; ++d) {
    auto src = static_cast<int64_t>(std::floor(static_cast<float>(d) * scale));
    table(static_cast<int>(d)) = static_cast<int32_t>(std::min(src, in - 1));
  }
  // The clamp tells bounds inference what the table holds.
  Expr src = Halide::clamp(table(Halide::clamp(dst, 0, static_cast<int>(out - 1))), 0,
                           static_cast<int>(in - 1));
  return {src, src, Expr(0.0f)};
}

Taps linearTaps(const Expr &dst, int64_t in, int64_t out, bool alignCorners) {
  Expr src;
  if (alignCorners) {
    float scale = out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
    src = scale * Halide::cast<float>(dst);
  } else {
    float scale = static_cast<float>(in) / static_cast<float>(out);
    src = Halide::max(scale * (Halide::cast<float>(dst) + 0.5f) - 0.5f, 0.0f);
  }
  Expr lo = Halide::cast<int>(Halide::floor(src));
  Expr hi = Halide::min(lo + 1, static_cast<int>(in - 1));
  return {lo, hi, src - Halide::cast<float>(lo)};
}

} // namespace

Func lowerResize(const Node &node, const NodeOperands &ops, std::vector<Func> *shared) {
  const LoweredValue &x = ops.inputs[0];
  const int rank = node.type.rank();
  const bool nearest = node.attrs.getString("mode") == "nearest";
  const bool alignCorners = node.attrs.getBool("align_corners");
  std::vector<Expr> out = logicalArgs(rank);
  std::vector<Taps> taps;
  for (int d = 2; d < rank; ++d) {
    int64_t in = x.dim(d), o = node.type.shape[static_cast<size_t>(d)];
    taps.push_back(nearest ? nearestTaps(out[d], in, o) : linearTaps(out[d], in, o, alignCorners));
  }
  Func resize(funcName(node));
  if (nearest) {
    std::vector<Expr> src = {out[0], out[1]};
    for (const Taps &t : taps)
      src.push_back(t.lo);
    defineLogical(resize, rank, x.at(src));
    return resize;
  }
  // The innermost dim blends first, then the next one, as the reference does.
  const Taps &col = taps.back();
  auto rowBlend = [&](const std::vector<Expr> &outer) {
    std::vector<Expr> a = outer, b = outer;
    a.push_back(col.lo);
    b.push_back(col.hi);
    return (1.0f - col.frac) * x.at(a) + col.frac * x.at(b);
  };
  Expr value;
  if (rank == 3) {
    value = rowBlend({out[0], out[1]});
  } else if (shared) {
    // The rows blended along x are their own Func, at the input's rows: an
    // upsampling by 4 then gathers each input row's lanes once rather than
    // four times per output row and twice (top, bottom) for each, and the
    // blend along y reads whole vectors (DeepLab's 21 x 513 x 513 scores
    // went from 7.7 to 2.4 ms).
    const Taps &row = taps[0];
    Func rows(funcName(node) + "_rows");
    defineLogical(rows, rank, rowBlend({out[0], out[1], out[2]}));
    LoweredValue blended{rows, {x.type.dtype, {x.dim(0), x.dim(1), x.dim(2), node.type.shape[3]}}};
    value = (1.0f - row.frac) * blended.at({out[0], out[1], row.lo, out[3]}) +
            row.frac * blended.at({out[0], out[1], row.hi, out[3]});
    shared->push_back(rows);
  } else {
    const Taps &row = taps[0];
    Expr top = rowBlend({out[0], out[1], row.lo});
    Expr bottom = rowBlend({out[0], out[1], row.hi});
    value = (1.0f - row.frac) * top + row.frac * bottom;
  }
  defineLogical(resize, rank, value);
  return resize;
}

} // namespace atrous::codegen
