// fuse-epilogue: folds the element-wise ops that consume a conv,
// conv_transpose or linear (bias, activation, residual add, WaveNet's gated
// unit) into that op's epilogue, so their results never round-trip through
// memory. See passes/FuseEpilogue.cpp for the exact rules.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createFuseEpiloguePass();

} // namespace atrous
