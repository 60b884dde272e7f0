// Lowering of IR nodes to Halide Funcs. A value of logical shape
// [d0, ..., d(r-1)] (NCHW) is a Func whose arguments run the other way, the
// innermost dimension first, as Halide buffers are laid out: a rank-4 value
// is f(x, y, c, n). The helpers here let each op's lowering be written with
// logical indices, so that its code reads like docs/ops.md.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <Halide.h>

#include "ir/Graph.h"

namespace atrous::codegen {

struct LoweredValue {
  Halide::Func func;
  TensorType type;

  // The element at logical indices [n, c, h, w, ...].
  Halide::Expr at(const std::vector<Halide::Expr> &logical) const;
  int64_t dim(int logicalDim) const { return type.shape[static_cast<size_t>(logicalDim)]; }
};

// The pure Vars of a rank-r Func, in Halide order: x, y, c, n for rank 4;
// x, c, n for rank 3; x, n for rank 2.
std::vector<Halide::Var> halideVars(int rank);
// The same Vars in logical order (n, c, h, w).
std::vector<Halide::Expr> logicalArgs(int rank);

// A Halide-safe name for the Funcs of `node` (Halide reserves '.').
std::string funcName(const Node &node);

// Defines f at every point of a value of `rank` by an expression written over
// logicalArgs(rank).
void defineLogical(Halide::Func &f, int rank, const Halide::Expr &value);

// `v` extended beyond its bounds by a constant (zero padding), by mirroring
// (reflect) or by repeating the edge.
LoweredValue withConstantExterior(const LoweredValue &v, Halide::Expr value);
LoweredValue withMirrorExterior(const LoweredValue &v);
LoweredValue withEdgeExterior(const LoweredValue &v);

// A node's inputs and weights (by suffix: "weight", "bias", "running_mean",
// ...) as bounded Funcs.
struct NodeOperands {
  std::vector<LoweredValue> inputs;
  std::map<std::string, LoweredValue> params;

  const LoweredValue &param(const std::string &suffix) const;
  bool hasParam(const std::string &suffix) const { return params.count(suffix) != 0; }
};

// The stages of a winograd_conv2d (LowerWinograd.cpp), or of one part of
// its tiles, which its own schedule (ScheduleWinograd.cpp) places. Tiles
// are numbered k over (image, tile row, tile column) of the part; transform
// positions are (xi, nu) along (y, x), output tile elements (iy, ix).
struct WinogradStages {
  Halide::Func rows;    // rows(c, k, j, xi): input patches transformed along y
  Halide::Func input;   // input(c, k, nu, xi): transformed input tiles V
  Halide::Func product; // product(o, k, nu, xi) += U * V over c: the register tile
  Halide::Func block;   // block(o, k, nu, xi): the products kept for a block of tiles
  Halide::Func columns; // columns(o, k, nu, iy): products transformed back along y
  Halide::Func output;  // output(o, k, ix, iy): output tiles
  int channels = 0, outChannels = 0, tiles = 0; // C, out, and tiles over all images
  int positions = 0;                            // alpha_y * alpha_x
  int tileX = 0, dilationX = 1;                 // m_x and the dilation along x
};

// What a node lowers to: the Func of its value (for accumulating ops, conv,
// transposed conv and linear, one with an update over an RDom) and the
// intermediate Funcs the schedule must materialize rather than inline
// (softmax's row max and row sum, which every element of a row shares, and
// the x-blended rows of a planar bilinear resize).
struct LoweredNode {
  Halide::Func func;
  std::vector<Halide::Func> shared;
  // For conv, conv_transpose and linear: the Func with the update over the
  // RDom, whose result the (inlined) epilogue in `func` reads.
  Halide::Func accumulator;
  // For conv: the input its taps read, zero-extended when some tap lands
  // outside it (`extended`), else an identity wrapper. A schedule may store
  // it, so that the taps read it without bounds tests or in the order its
  // tile wants; left inline, it costs nothing. For softmax: the identity
  // wrapper its three passes read.
  Halide::Func paddedInput;
  bool extended = false;
  // For conv: one input and one output channel per group. Its channels read
  // only their own inputs, so its tile runs along rows, not channels. (A
  // conv with one group and one output channel reads many.)
  bool depthwise = false;
  // For winograd_conv2d and winograd_conv1d: the stages of each part of its
  // tiles (one, but for bounded tiles with center residues).
  std::vector<WinogradStages> winograd;
};

LoweredNode lowerNode(const Node &node, const NodeOperands &operands);

// A gated conv that tiles its output channels (ir/Layout.h) orders its 2C
// accumulator channels in pairs of blocks of kChannelsLastBlock: block k of
// the tanh half, then block k of the sigmoid half. The two halves of each
// output channel then lie in one tile of two blocks, which the schedule
// computes in registers and gates from there; in the conv's own order they
// lie C channels apart, and the whole accumulator had to be stored before
// the gate could read it (the WaveNet model went from 260 to 217 ms).
bool pairsGatedChannels(const Node &node);
// The accumulator channel holding the tanh half of output channel c of a
// pairing gated conv; its sigmoid half is kChannelsLastBlock further on.
Halide::Expr gatedTanhChannel(const Halide::Expr &c);
// The conv channel (of its weights and bias) that accumulator channel p of a
// pairing gated conv with `half` output channels computes.
Halide::Expr gatedConvChannel(const Halide::Expr &p, int half);

// Per-op family lowerings, one file each.
// Sets `paddedInput` and `extended` of `parts` (when not null) as
// LoweredNode describes them. A non-zero `gatedHalf` is the output channels
// of a gated conv whose accumulator pairs its halves (pairsGatedChannels).
Halide::Func lowerConv(const Node &node, const NodeOperands &ops, LoweredNode *parts = nullptr,
                       int gatedHalf = 0);
Halide::Func lowerConvTranspose(const Node &node, const NodeOperands &ops);
Halide::Func lowerLinear(const Node &node, const NodeOperands &ops);
Halide::Func lowerPool(const Node &node, const NodeOperands &ops);
// With `shared`, an image pool reduces each column down the rows into a Func
// of its own, appended there for the schedule to store and vectorize.
Halide::Func lowerGlobalPool(const Node &node, const NodeOperands &ops,
                             std::vector<Halide::Func> *shared = nullptr);
// With `shared`, a bilinear image resize blends along x into a Func of its
// own, appended there for the schedule to store.
Halide::Func lowerResize(const Node &node, const NodeOperands &ops,
                         std::vector<Halide::Func> *shared = nullptr);
Halide::Func lowerElementwise(const Node &node, const NodeOperands &ops);
LoweredNode lowerSoftmax(const Node &node, const NodeOperands &ops);
Halide::Func lowerArgMax(const Node &node, const NodeOperands &ops);
Halide::Func lowerDataMovement(const Node &node,
                               const NodeOperands &ops); // concat, slice, pad, reshape, flatten
Halide::Func lowerInterleave(const Node &node, const NodeOperands &ops);
Halide::Func lowerResizeArgMax(const Node &node, const NodeOperands &ops,
                               std::vector<Halide::Func> *shared = nullptr);
LoweredNode lowerWinograd(const Node &node, const NodeOperands &ops); // with its epilogue
// The epilogue of an accumulating node over its accumulator.
Halide::Func lowerEpilogue(const Node &node, const Halide::Func &accumulator,
                           const NodeOperands &ops);

} // namespace atrous::codegen
