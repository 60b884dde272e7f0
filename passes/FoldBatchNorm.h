// fold-batchnorm: folds an inference-mode batchnorm into the conv, transposed
// conv or linear layer that feeds it, so the normalisation costs nothing at
// run time (see FoldBatchNorm.cpp for when it applies).
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createFoldBatchNormPass();

} // namespace atrous
