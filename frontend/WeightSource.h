// Where a model's weights come from: `random:SEED` generates them (for tests
// and benchmarks), anything else is a safetensors path. Either way the result
// is checked against the graph's parameters before it is returned.
#pragma once

#include <cstdint>
#include <string>

#include "ir/Weights.h"

namespace atrous {

// Deterministic random weights for every parameter of `graph`: conv and linear
// weights scaled by fan-in so that activations keep their magnitude through
// deep stacks, and batchnorm statistics in a sane range (variance near 1).
Weights randomWeights(const Graph &graph, uint64_t seed);

// A tensor of the given type filled with uniform values in [lo, hi).
Tensor randomTensor(const TensorType &type, uint64_t seed, float lo = -1.f, float hi = 1.f);

// `random:SEED` or a .safetensors path; checked with checkWeights.
Weights loadWeights(const Graph &graph, const std::string &source);

} // namespace atrous
