// place-concats: marks the concats whose parts can be written in place.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createPlaceConcatsPass();

} // namespace atrous
