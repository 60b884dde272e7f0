// Physical layouts: how a tensor's logical NCHW (or NCW) elements lie in
// memory. Every op is defined on logical indices, so a layout never changes a
// result, only which loads are contiguous: a planar tensor has x innermost,
// a channels_last one has the channels innermost, which lets a conv vectorize
// over output channels and keeps small images from wasting vector lanes. A
// value's layout is its node's `layout` attribute (set by assign-layouts);
// graph inputs and outputs are always planar, so callers never see anything
// else. A conv that writes channels_last reads its weights with the output
// channels innermost too, so that one vector load feeds one vector FMA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Graph.h"

namespace atrous {

enum class Layout { Planar, ChannelsLast };

Layout layoutOf(const Node &node);
const char *layoutName(Layout layout);
// Whether a value of `type` can be stored channels_last: rank 3 (NCW) or 4 (NCHW).
bool supportsChannelsLast(const TensorType &type);

// Output channels per channels_last block: whole vectors on AVX-512, AVX2
// and NEON alike.
constexpr int64_t kChannelsLastBlock = 16;

// Whether a conv (direct, transposed or Winograd) has output channels that
// fill whole blocks: assign-layouts stores those channels_last. A gated one
// must be a direct conv, whose accumulator pairs the tanh and sigmoid halves
// of each block (codegen/Lowering.h, pairsGatedChannels); the others keep
// them C channels apart and stay planar.
bool fillsChannelVectors(const Node &node);

// Whether a conv computes its register tiles over vectors of output
// channels. Every one stored channels_last does; so does one that
// fillsChannelVectors but is stored planar (a graph output), where only the
// final store transposes: one scattered store per output against a
// reduction over its input channels and taps. A planar depthwise conv (one
// output channel per group) is the exception, as its few taps per output
// would not pay for that store. Its weights are packed to match
// (paramInnermostDim).
bool tilesOutputChannels(const Node &node);

// The logical dimension that is innermost in memory for a value of `rank`.
int innermostDim(Layout layout, int rank);
// The innermost logical dimension of a node's parameter `suffix`: the output
// channels of the weight of a conv that tiles them, else the last dimension.
int paramInnermostDim(const Node &node, const std::string &suffix, int rank);

// Element strides of each logical dimension when `innermost` is the
// contiguous one and the others keep their row-major order, except with the
// first dimension innermost (the output channels of a conv weight [out, in,
// k...] packed for channel tiles): then the order is reversed, dimension 1
// next. A tap's input channels then lie one row of output channels apart, so
// the register tile's weight loads stream through memory rather than jumping
// the whole kernel per input channel (ASPP: 99.3/99.5 -> 96.3/96.1 ms, 65x65
// at rate 24: 17.7/16.8 -> 16.5/16.8 ms).
std::vector<int64_t> layoutStrides(const Shape &shape, int innermost);

// Copies a row-major buffer of `shape` into the order of layoutStrides.
std::vector<float> toLayout(const float *rowMajor, const Shape &shape, int innermost);

} // namespace atrous
