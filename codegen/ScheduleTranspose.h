// The schedule of a group that turns a value between the planar and the
// channels_last layouts (ir/Layout.h): a copy into channels_last, a concat or
// interleave of channels_last parts into a planar graph output, a Winograd
// conv's channels-innermost tiles stored planar.
#pragma once

#include <Halide.h>

#include "ir/Graph.h"

namespace atrous::codegen {

// Whether `type` is large enough along x and channels for one block of
// scheduleBlockTranspose on `target`.
bool blockTransposable(const TensorType &type, const Halide::Target &target);

// The loops of one block of turnInBlocks: pixels along x and channels, and
// the block's extent in channels.
struct BlockLoops {
  Halide::Var xo{"xo"}, co{"co"}, xi{"xi"}, ci{"ci"};
  int channels = 0;
};

// Tiles `out`, a copy of `source` in the other layout (`toChannelsLast` when
// `source` reads planar values and `out` is channels_last, else the
// reverse), in square blocks of channels x pixels along x: each block is
// loaded with vectors along the source's contiguous dimension, transposed in
// registers, and stored with vectors along the output's, so neither side
// scatters nor gathers one element per lane. The caller orders the blocks
// and places `out`; `type` is the value's, whose extents are at least a block
// (blockTransposable).
BlockLoops turnInBlocks(Halide::Func out, Halide::Func source, const TensorType &type,
                        bool toChannelsLast, const Halide::Target &target);

// Schedules `out`, a whole copy of `source` in the other layout, in the
// blocks of turnInBlocks, the blocks in the order each side reads best and
// split among the threads.
void scheduleBlockTranspose(Halide::Func out, Halide::Func source, const TensorType &type,
                            bool toChannelsLast, const Halide::Target &target);

} // namespace atrous::codegen
