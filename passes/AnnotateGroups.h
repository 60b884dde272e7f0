// group: writes the fused-group partition into the graph.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createGroupPass();

} // namespace atrous
