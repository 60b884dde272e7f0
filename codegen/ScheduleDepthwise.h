// The schedule of a depthwise 2-D conv (one input channel per output
// channel) that reads and writes channels_last values. Unlike a dense conv,
// each output channel reads only its own input channel, so a tile gains
// nothing from many channels at once and everything from keeping the input
// rows it reads in cache.
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
