// cse: merges nodes that compute the same value (same op, attributes and
// inputs) when they own no weights; see CommonSubexpressions.cpp.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createCsePass();

} // namespace atrous
