// The schedule of a depthwise 2-D conv (one input channel per output
// channel) that reads and writes channels_last values. Unlike a dense conv,
// each output channel reads only its own input channel, so no input load
// feeds more than one channel's FMAs: what a tile can share is the loads of
// neighbouring pixels, and what it must not waste is the cache lines of the
// input it reads.
#pragma once

#include <Halide.h>

#include "codegen/Lowering.h"
#include "ir/Layout.h"

namespace atrous::codegen {

// Whether scheduleDepthwiseChannelsLastCpu applies to a group anchored by
// `anchor`, whose input has layout `anchorInput`, writing `output`.
bool isDepthwiseChannelsLast(const Node &anchor, Layout anchorInput, const Node &output,
                             const LoweredNode &value, const Halide::Target &target);

void scheduleDepthwiseChannelsLastCpu(const Node &anchor, const TensorType &outputType,
                                      const LoweredNode &value, Halide::Func out,
                                      const Halide::Target &target);

} // namespace atrous::codegen
