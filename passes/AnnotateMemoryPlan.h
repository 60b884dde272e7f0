// plan-memory: writes the arena offsets of intermediates into the graph.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createPlanMemoryPass();

} // namespace atrous
