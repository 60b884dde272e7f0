// Residuals in place: a conv annotated `residual_in_place=true` (docs/ops.md,
// "Annotations"; set by the `place-residuals` pass) writes its output over
// its residual input's bytes in the arena. Each output element is its
// residual element plus the conv's sum, so a tile reads the residual
// elements it is about to overwrite and nothing else of them; the residual
// dies there. The arena holds one buffer for the chain of values that
// accumulate into each other, such as WaveNet's skip sum (20 convs that
// each add 256 channels of 16000 samples into the running sum): written to
// a fresh buffer, each step read 16 MB and wrote 16 MB more, and the sum's
// two buffers and the layer's other values outgrew the 32 MB L3.
#pragma once

#include <string>

#include "ir/Graph.h"

namespace atrous {

bool isResidualInPlace(const Node &node);

// Why the node `id` cannot write over its residual, or "" when it can, as
// far as the graph alone tells: it must be a channels_last conv1d or conv2d
// whose channels fill whole blocks (the schedule that keeps its tiles from
// overlapping, codegen/Schedule.cpp) with a residual and no gated activation, neither a graph
// output nor a part of an in-place concat or interleave; its residual must be computed, of its type
// and layout, neither a graph output nor in place itself, and not also its main input (whose
// neighbours the taps read). The order of the groups matters too: MemoryPlan.h,
// residualStepProblem.
std::string residualInPlaceProblem(const Graph &graph, ValueId id);

} // namespace atrous
