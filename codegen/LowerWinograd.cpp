// winograd_conv2d and winograd_conv1d lowered as the Winograd algorithm on
// the dilated grid (docs/ops.md): an output axis of dilation d splits into residues r = o % d,
// each an ordinary stride-1 conv over q = o / d, cut into tiles of m q's
// (ir/Winograd.h, WinogradAxis). Tile k covers (image, tile row, tile
// column); element i of its patch along an axis reads input
// (t * m + i) * d + r - pad, zero outside the input. The stages:
//   input(c, k, nu, xi)   = (BTy d BTx^T)[xi][nu], through rows() along y;
//   product(o, k, nu, xi) = sum over c of U[xi][nu][c][o] * input(c, k, nu, xi),
//                           one GEMM over channels per transform position (U
//                           read from its blocks of output channels);
//   output(o, k, ix, iy)  = (ATy M ATx^T)[iy][ix], through columns() along y;
// and the accumulator reads output pixel (y, x) from its tile, plus the bias.
// The transforms are written per position with their constant coefficients,
// zeros dropped, selected by mux on the position, which the schedule unrolls
// so each position keeps only its own sum. Everything is indexed logically,
// so the stages hold whatever the strides of the input and output buffers.
// A winograd_conv1d is the conv of one row (ir/Winograd.h, winogradWindow):
// its y axis is one tile of one element, and only its input and output
// index without it. A bounded tile's transform reads a patch of 4 elements
// into 3 positions; the stages are the same. Bounded tiles with center
// residues (ir/Winograd.h) split each axis' tiles into two parts, full and
// center, and each pair of parts has its own stages, so that a center
// residue's tiles compute one position along that axis rather than 3; the
// output reads each pixel from its part's tiles.
#include <cmath>

#include "codegen/Lowering.h"
#include "ir/Epilogue.h"
#include "ir/Geometry.h"
#include "ir/Winograd.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;
using Halide::Var;

namespace {

// sum_l coefficient[l] * term(l), exact constants, zero coefficients skipped.
template <typename Term> Expr combination(const std::vector<double> &coefficients, Term term) {
  Expr sum;
  for (size_t l = 0; l < coefficients.size(); ++l) {
    const double c = coefficients[l];
    if (c == 0.0) continue;
    Expr t = term(static_cast<int>(l));
    if (c != 1.0 && c != -1.0) t = t * static_cast<float>(std::abs(c));
    sum = !sum.defined() ? (c < 0 ? -t : t) : (c < 0 ? sum - t : sum + t);
  }
  return sum.defined() ? sum : Expr(0.0f);
}

std::vector<double> row(const std::vector<double> &matrix, int cols, int r) {
  return {matrix.begin() + r * cols, matrix.begin() + (r + 1) * cols};
}

// One axis of the tiling, as Halide index arithmetic.
struct Axis {
  WinogradAxis a;
  int pad = 0;

  // The residue and tile-within-residue of tile index `tile`. Tiles are
  // numbered residue fastest (ir/Winograd.h), so the outputs
  // [t * m * d, (t + 1) * m * d) are exactly tiles [t * d, (t + 1) * d).
  std::pair<Expr, Expr> split(const Expr &tile) const {
    const int d = static_cast<int>(a.dilation);
    return {tile % d, tile / d};
  }
  // Input position of patch element `element` of tile `tile`.
  Expr inputAt(const Expr &tile, int element) const {
    auto [r, t] = split(tile);
    const int m = static_cast<int>(a.m), d = static_cast<int>(a.dilation);
    return (t * m + element) * d + r - pad;
  }
  // The tile holding output position `pos`, and pos's element in it.
  std::pair<Expr, Expr> tileOf(const Expr &pos) const {
    const int m = static_cast<int>(a.m), d = static_cast<int>(a.dilation);
    Expr q = pos / d;
    return {q / m * d + pos % d, q % m};
  }
};

// The stages of the tiles of part `py` along y times part `px` along x,
// numbered k = (image, tile row - py.first, tile column - px.first) within
// the part. Every part reads the stored kernel's first alpha_y x alpha_x
// positions, which the center tile's one position is.
WinogradStages lowerPart(const std::string &name, const LoweredValue &padded, const LoweredValue &u,
                         bool oneRow, const Axis &ay, const Axis &ax, const WinogradPart &py,
                         const WinogradPart &px) {
  const WinogradTransform &ty = *py.t, &tx = *px.t;
  const int tilesY = static_cast<int>(py.tiles), tilesX = static_cast<int>(px.tiles);
  WinogradStages s;
  s.channels = static_cast<int>(padded.dim(1));
  s.tiles = static_cast<int>(padded.dim(0)) * tilesY * tilesX;
  s.positions = ty.alpha * tx.alpha;
  s.tileX = tx.m;
  s.dilationX = static_cast<int>(ax.a.dilation);

  Var c("c"), k("k"), o("o"), j("j"), xi("xi"), nu("nu"), iy("iy"), ix("ix");
  // A schedule may compute whole blocks of tiles past the last tile
  // (ScheduleWinograd.cpp); those read the last tile's patch.
  const Expr tile = Halide::min(k, s.tiles - 1);
  const Expr n = tile / (tilesY * tilesX),
             tileRow = tile / tilesX % tilesY + static_cast<int>(py.first),
             tileCol = tile % tilesX + static_cast<int>(px.first);
  s.rows = Func(name + "_wino_rows");
  std::vector<Expr> rowSums;
  for (int p = 0; p < ty.alpha; ++p)
    rowSums.push_back(combination(row(ty.bt, ty.patch, p), [&](int i) {
      Expr column = ax.inputAt(tileCol, 0) + j * static_cast<int>(ax.a.dilation);
      if (oneRow) return padded.at({n, c, column});
      return padded.at({n, c, ay.inputAt(tileRow, i), column});
    }));
  s.rows(c, k, j, xi) = Halide::mux(xi, rowSums);

  s.input = Func(name + "_wino_input");
  std::vector<Expr> inputSums;
  for (int p = 0; p < tx.alpha; ++p)
    inputSums.push_back(
        combination(row(tx.bt, tx.patch, p), [&](int l) { return s.rows(c, k, l, xi); }));
  s.input(c, k, nu, xi) = Halide::mux(nu, inputSums);

  Halide::RDom r(0, s.channels, "rc");
  s.product = Func(name + "_wino_product");
  s.product(o, k, nu, xi) = 0.0f;
  // U is stored in blocks of output channels (ir/Winograd.h).
  std::vector<Expr> uAt = {xi, nu, o / kWinogradOutBlock, r, o % kWinogradOutBlock};
  if (oneRow) uAt.erase(uAt.begin());
  s.product(o, k, nu, xi) += u.at(uAt) * s.input(r, k, nu, xi);
  s.block = Func(name + "_wino_block");
  s.block(o, k, nu, xi) = s.product(o, k, nu, xi);

  s.columns = Func(name + "_wino_columns");
  std::vector<Expr> columnSums;
  for (int p = 0; p < ty.m; ++p)
    columnSums.push_back(
        combination(row(ty.at, ty.alpha, p), [&](int l) { return s.block(o, k, nu, l); }));
  s.columns(o, k, nu, iy) = Halide::mux(iy, columnSums);

  s.output = Func(name + "_wino_output");
  std::vector<Expr> outputSums;
  for (int p = 0; p < tx.m; ++p)
    outputSums.push_back(
        combination(row(tx.at, tx.alpha, p), [&](int l) { return s.columns(o, k, l, iy); }));
  s.output(o, k, ix, iy) = Halide::mux(ix, outputSums);
  return s;
}

// The value of output channel `channel` at tile (image, row, column), its
// element (rowElement, columnElement), from the part holding it: a chain
// of selects on the tile, each part's indices clamped to its own tiles so
// that no part is computed past them.
Expr fromParts(const std::vector<WinogradStages> &stages, const std::vector<WinogradPart> &partsY,
               const std::vector<WinogradPart> &partsX, const Expr &channel, const Expr &image,
               const Expr &tileRow, const Expr &rowElement, const Expr &tileCol,
               const Expr &colElement) {
  auto local = [](const std::vector<WinogradPart> &parts, size_t i, const Expr &tile) -> Expr {
    if (parts.size() == 1) return tile;
    return Halide::clamp(tile - static_cast<int>(parts[i].first), 0,
                         static_cast<int>(parts[i].tiles) - 1);
  };
  // The tile just past part i.
  auto end = [](const std::vector<WinogradPart> &parts, size_t i) {
    return static_cast<int>(parts[i].first + parts[i].tiles);
  };
  auto element = [](const WinogradPart &part, const Expr &e) {
    return part.t->m == 1 ? Expr(0) : e;
  };
  auto at = [&](size_t iy, size_t ix) {
    const WinogradPart &py = partsY[iy], &px = partsX[ix];
    Expr k = (image * static_cast<int>(py.tiles) + local(partsY, iy, tileRow)) *
                 static_cast<int>(px.tiles) +
             local(partsX, ix, tileCol);
    return stages[iy * partsX.size() + ix].output(channel, k, element(px, colElement),
                                                  element(py, rowElement));
  };
  auto rowValue = [&](size_t iy) {
    Expr v = at(iy, partsX.size() - 1);
    for (size_t ix = partsX.size() - 1; ix-- > 0;)
      v = Halide::select(tileCol < end(partsX, ix), at(iy, ix), v);
    return v;
  };
  Expr v = rowValue(partsY.size() - 1);
  for (size_t iy = partsY.size() - 1; iy-- > 0;)
    v = Halide::select(tileRow < end(partsY, iy), rowValue(iy), v);
  return v;
}

} // namespace

LoweredNode lowerWinograd(const Node &node, const NodeOperands &ops) {
  const LoweredValue &x = ops.inputs[0];
  const WinogradWindow w = winogradWindow(node, x.type.shape);
  const WindowGeometry &g = w.g;
  const bool oneRow = node.op == OpKind::WinogradConv1d;
  const Axis ay{winogradAxis(g.out[0], g.dilation[0], w.y->m), static_cast<int>(g.padBegin[0])};
  const Axis ax{winogradAxis(g.out[1], g.dilation[1], w.x->m), static_cast<int>(g.padBegin[1])};
  const std::vector<WinogradPart> partsY = winogradParts(g, 0, *w.y),
                                  partsX = winogradParts(g, 1, *w.x);
  const TensorType accType = accumulatorType(node);
  const std::string name = funcName(node);
  const LoweredValue padded = withConstantExterior(x, 0.0f);

  std::vector<WinogradStages> stages;
  for (size_t iy = 0; iy < partsY.size(); ++iy)
    for (size_t ix = 0; ix < partsX.size(); ++ix) {
      const std::string part = partsY.size() * partsX.size() == 1
                                   ? name
                                   : name + "_part" + std::to_string(iy) + std::to_string(ix);
      stages.push_back(
          lowerPart(part, padded, ops.param("weight"), oneRow, ay, ax, partsY[iy], partsX[ix]));
      stages.back().outChannels = static_cast<int>(accType.shape[1]);
    }

  const int rank = oneRow ? 3 : 4;
  std::vector<Expr> out = logicalArgs(rank); // n, c, (y,) x
  auto [rowTile, rowElement] = oneRow ? std::pair<Expr, Expr>{0, 0} : ay.tileOf(out[2]);
  auto [colTile, colElement] = ax.tileOf(out.back());
  Expr bias = ops.hasParam("bias") ? ops.param("bias").at({out[1]}) : Expr(0.0f);
  Func acc(name);
  defineLogical(acc, rank,
                bias + fromParts(stages, partsY, partsX, out[1], out[0], rowTile, rowElement,
                                 colTile, colElement));
  LoweredNode lowered;
  lowered.func = lowerEpilogue(node, acc, ops);
  lowered.accumulator = acc;
  lowered.winograd = std::move(stages);
  return lowered;
}

} // namespace atrous::codegen
