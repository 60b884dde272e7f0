// The schedule of a group anchored by a softmax over the channels of a
// channels_last input, such as WaveNet's 256-class head: the softmax writes
// planar, as every op that reduces over channels does (passes/AssignLayouts),
// and its three passes (the max, the sum of exponentials, the output) each
// read every channel of every pixel.
#pragma once

#include <Halide.h>

#include "codegen/Lowering.h"
#include "ir/Layout.h"

namespace atrous::codegen {

// Whether scheduleChannelSoftmaxCpu applies to a group anchored by `anchor`,
// whose input has layout `anchorInput`, writing `outputType` for `target`.
bool isChannelSoftmaxOfChannelsLast(const Node &anchor, Layout anchorInput,
                                    const TensorType &outputType, const Halide::Target &target);

void scheduleChannelSoftmaxCpu(const TensorType &outputType, const LoweredNode &value,
                               Halide::Func out, const Halide::Target &target);

} // namespace atrous::codegen
