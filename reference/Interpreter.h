// The reference interpreter: plain, readable C++ that evaluates every op of
// the IR in logical NCHW order. It is written for clarity, not speed, and is
// the oracle that generated code and passes are tested against.
#pragma once

#include <vector>

#include "ir/Graph.h"
#include "ir/Tensor.h"
#include "ir/Weights.h"

namespace atrous {

// Runs the graph on `inputs` (one per graph input, in input order) and
// returns one tensor per graph output. Throws atrous::Error when the inputs
// do not match the graph's input types or a weight is missing.
std::vector<Tensor> runReference(const Graph &graph, const Weights &weights,
                                 const std::vector<Tensor> &inputs);

// Like runReference, but returns the value of every node, indexed by ValueId.
std::vector<Tensor> runReferenceAll(const Graph &graph, const Weights &weights,
                                    const std::vector<Tensor> &inputs);

} // namespace atrous
