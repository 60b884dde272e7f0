// place-concats and place-interleaves: mark the concats and the interleaves
// whose parts can be written in place.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createPlaceConcatsPass();
std::unique_ptr<Pass> createPlaceInterleavesPass();

} // namespace atrous
