// fold-constants: removes what is statically known to do nothing and merges
// chains that compose into one op; see FoldConstants.cpp for the exact list.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createFoldConstantsPass();

} // namespace atrous
