// lower-conv-transpose: a strided transposed convolution rewritten as
// stride-phase ("sub-pixel") convolutions joined by an interleave, so that no
// multiply ever touches one of the zeros a transposed conv inserts.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createLowerConvTransposePass();

} // namespace atrous
