// The schedule templates, chosen by op class, layout and target. Every
// template is correct for every shape (tile factors never exceed an extent,
// or their tails are guarded) and sized from the target's vector width and
// register count: channels_last convs in register tiles of output channel
// vectors x pixels (Schedule.cpp), planar depthwise convs in tiles of rows x
// lanes, channels_last ones in strips of whole pixels per band of rows
// (ScheduleDepthwise.cpp), Winograd convs as GEMMs per transform position
// (ScheduleWinograd.cpp), layout changes as block transposes
// (ScheduleTranspose.cpp), and everything else vectorized along its innermost
// dimension and parallel over an outer one. GPU targets get
// gpu_blocks/gpu_threads tiles (threads rather than lanes, so one schedule
// serves CUDA and OpenCL).
#pragma once

#include <Halide.h>

#include "codegen/Lowering.h"
#include "ir/Layout.h"

namespace atrous::codegen {

// Schedules a group: `value` is what its nodes lowered to (the anchor's
// accumulator, the shared Funcs, the last node's Func), `out` the pipeline
// output that copies it. The anchor decides how the
// accumulator is computed.
// `output` is the group's last node, whose type and layout `out` has;
// `anchorInput` is the layout of the value the anchor reads first.
void scheduleGroup(const Node &anchor, Layout anchorInput, const Node &output,
                   const LoweredNode &value, Halide::Func out, const Halide::Target &target);

} // namespace atrous::codegen
