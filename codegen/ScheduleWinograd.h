// The schedule of a group anchored by a winograd_conv2d: its stages
// (codegen/Lowering.h, WinogradStages) placed for a CPU or a GPU target.
#pragma once

#include <Halide.h>

#include "codegen/Lowering.h"

namespace atrous::codegen {

void scheduleWinograd(const TensorType &outputType, const LoweredNode &value, Halide::Func out,
                      const Halide::Target &target);

} // namespace atrous::codegen
