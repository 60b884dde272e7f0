// Physical layouts: how a tensor's logical NCHW (or NCW) elements lie in
// memory. Every op is defined on logical indices, so a layout never changes a
// result, only which loads are contiguous: a planar tensor has x innermost,
// a channels_last one has the channels innermost, which lets a conv vectorize
// over output channels and keeps small images from wasting vector lanes. A
// value's layout is its node's `layout` attribute (set by assign-layouts);
// graph inputs and outputs are planar unless the model's I/O layout is
// channels_last (setIoLayout), which callers choose. A conv that writes
// channels_last reads its weights with the output channels innermost too,
// so that one vector load feeds one vector FMA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Tensor.h"

namespace atrous {

enum class Layout { Planar, ChannelsLast };

Layout layoutOf(const Node &node);
const char *layoutName(Layout layout);
// Whether a value of `type` can be stored channels_last: rank 3 (NCW) or 4 (NCHW).
bool supportsChannelsLast(const TensorType &type);

// Makes `layout` the model's I/O layout (Graph::channelsLastIo): its inputs
// and outputs that can be stored channels_last take it now, and whatever
// node a rewrite (passes/Rewriter.h) or assign-layouts makes an output keeps
// it; the verifier checks both ends. Types stay logical; the generated
// code's buffers, the C API and CompiledModel::runInto take those values
// channels innermost, so an app holding NHWC data passes it as it is, and
// the model's first convs read it without the transposing copy a planar
// input gets.
void setIoLayout(Graph &graph, Layout layout);
// How the model takes or gives a value of `type`: its I/O layout where the
// value can be stored so, else planar.
Layout ioLayout(const Graph &graph, const TensorType &type);
// `layout` by its name, planar or channels_last; throws atrous::Error naming
// `what` for any other.
Layout parseLayout(const std::string &name, const std::string &what);
// The tensor type in which the model takes or gives a value of logical
// `type`: itself where planar, else with the channels moved innermost,
// [N, H, W, C] or [N, L, C], as the elements lie in memory.
TensorType ioType(const Graph &graph, const TensorType &type);
// A logical tensor as the model takes it (ioType), and a tensor the model
// gave back as the logical value of `type`.
Tensor toIoLayout(const Graph &graph, const Tensor &logical);
Tensor fromIoLayout(const Graph &graph, const Tensor &given, const TensorType &type);

// Output channels per channels_last block: whole vectors on AVX-512, AVX2
// and NEON alike.
constexpr int64_t kChannelsLastBlock = 16;

// Whether a conv (direct, transposed or Winograd) has output channels that
// fill whole blocks: assign-layouts stores those channels_last. A gated one
// must be a direct conv, whose accumulator pairs the tanh and sigmoid halves
// of each block (codegen/Lowering.h, pairsGatedChannels), or a Winograd one,
// whose output tiles are stored before the gate reads both halves; a
// transposed one keeps them C channels apart in its register tiles and stays
// planar.
bool fillsChannelVectors(const Node &node);

// Whether a conv computes its register tiles over vectors of output
// channels. Every one stored channels_last does; so does one that
// fillsChannelVectors but is stored planar (a graph output), where only the
// final store transposes: one scattered store per output against a
// reduction over its input channels and taps. A planar depthwise conv (one
// output channel per group) is the exception, as its few taps per output
// would not pay for that store. Its weights are packed to match
// (paramStorage).
bool tilesOutputChannels(const Node &node);

// The logical dimension that is innermost in memory for a value of `rank`.
int innermostDim(Layout layout, int rank);

// Element strides of each logical dimension when `innermost` is the
// contiguous one and the others keep their row-major order.
std::vector<int64_t> layoutStrides(const Shape &shape, int innermost);

// Copies a row-major buffer of `shape` into the order of layoutStrides.
std::vector<float> toLayout(const float *rowMajor, const Shape &shape, int innermost);

// A conv that tiles its output channels stores its weight [out, in/groups,
// k...] in blocks of this many output channels, as the row-major tensor
// [ceil(out / block), k..., in/groups, block], the last block padded with
// zeros. A register tile's weight loads, one row of the block per input
// channel, then stream through memory in order, one tap after the other.
// With the output channels innermost across the whole kernel instead, each
// channel step of a 32-channel tile started new cache lines a row of `out`
// floats away and a new page every few steps: the corner regions of a
// 256-channel 33x33 conv at rate 18 spent about 12% more time in their
// tiles. 32 is the widest tile of output channels the CPU schedules use (two
// AVX-512 vectors); narrower targets read a block in more vectors. The
// Winograd kernel is stored in the same blocks (ir/Winograd.h).
inline constexpr int64_t kOutChannelBlock = 32;

// How a node's parameter is stored: the shape of the stored tensor, written
// row-major like a logical shape, and each of its dimensions' strides.
struct ParamStorage {
  bool blocked = false; // the output-channel blocks above
  int innermost = 0;    // otherwise, the logical tensor with this dimension innermost
  Shape shape;
  std::vector<int64_t> strides;
};

// The storage of parameter `suffix` of logical shape `logical`: a weight in
// blocks for a conv that tilesOutputChannels; the output channels innermost
// for a transposed conv that does ([in, out/groups, k...]); else row-major.
ParamStorage paramStorage(const Node &node, const std::string &suffix, const Shape &logical);

// A parameter's row-major values in its storage's order.
std::vector<float> toStorage(const float *rowMajor, const Shape &logical,
                             const ParamStorage &storage);

} // namespace atrous
