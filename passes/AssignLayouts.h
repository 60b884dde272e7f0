// assign-layouts: picks each value's physical layout (ir/Layout.h).
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createAssignLayoutsPass();

} // namespace atrous
