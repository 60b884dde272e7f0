// sink-activations: an activation of an interleave moves into the
// interleave's phases, where fuse-epilogue can fuse it into each phase's conv.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createSinkActivationsPass();

} // namespace atrous
