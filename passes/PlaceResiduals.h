// place-residuals: mark the convs that can write their output over their
// residual input (ir/ResidualInPlace.h).
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createPlaceResidualsPass();

} // namespace atrous
