// assign-layouts: picks each value's physical layout (ir/Layout.h).
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createAssignLayoutsPass();

// Channel counts that are a multiple of this fill whole vectors on every
// target (16 f32 lanes of AVX-512, 8 of AVX2, 4 of NEON).
constexpr int64_t kChannelsLastBlock = 16;

} // namespace atrous
