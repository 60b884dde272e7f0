// Small helpers the schedule templates (Schedule.cpp, ScheduleTranspose.cpp,
// ScheduleWinograd.cpp) share.
#pragma once

#include <algorithm>
#include <cstddef>

#include "ir/Graph.h"

namespace atrous::codegen {

// The extent of a value of `type` along Halide dimension `halideDim` (x first).
inline int extentOf(const TensorType &type, int halideDim) {
  return static_cast<int>(type.shape[type.shape.size() - 1 - static_cast<size_t>(halideDim)]);
}

// A factor no larger than the extent, so that ShiftInwards tails stay inside.
inline int fit(int factor, int extent) {
  return std::max(1, std::min(factor, extent));
}

} // namespace atrous::codegen
