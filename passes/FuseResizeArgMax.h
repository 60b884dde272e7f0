// fuse-resize-argmax: the class map of a segmentation network,
// argmax(resize(logits)) over channels, as one resize_argmax so the full-size
// logits are never stored; and an argmax drops a softmax over its own axis.
#pragma once

#include <memory>

#include "passes/Pass.h"

namespace atrous {

std::unique_ptr<Pass> createFuseResizeArgMaxPass();

} // namespace atrous
