// Default schedules, chosen by op class and target. They are correct for
// every shape (tile factors never exceed an extent) and reasonably fast:
// vectorized by the target's native width along the innermost dimension,
// parallel over an outer one, convolution accumulators kept per register
// tile. GPU targets get gpu_blocks/gpu_threads tiles (threads rather than
// lanes, so one schedule serves CUDA and OpenCL). Serious speed is the job of
// the schedule templates that will replace these.
#pragma once

#include <Halide.h>

#include "codegen/Lowering.h"
#include "ir/Layout.h"

namespace atrous::codegen {

// Bumped whenever lowering or a schedule changes, so that cached group
// objects are rebuilt.
inline constexpr int kCodegenVersion = 22;

// Schedules a group: `value` is what its nodes lowered to (the anchor's
// accumulator, the shared Funcs, the last node's Func), `out` the pipeline
// output that copies it. The anchor decides how the
// accumulator is computed.
// `output` is the group's last node, whose type and layout `out` has;
// `anchorInput` is the layout of the value the anchor reads first.
void scheduleGroup(const Node &anchor, Layout anchorInput, const Node &output,
                   const LoweredNode &value, Halide::Func out, const Halide::Target &target);

} // namespace atrous::codegen
