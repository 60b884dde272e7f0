// fuse-aspp: rewrites a 1x1 projection over a channel concat (DeepLab's ASPP
// head) as a chain of 1x1 convs over the concatenated parts that accumulate
// through their residual inputs, so the concat buffer is never made. See
// passes/FuseAspp.cpp for the exact rules.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createFuseAsppPass();

} // namespace atrous
