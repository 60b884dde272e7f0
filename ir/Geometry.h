// The resolved geometry of a sliding-window op (conv, conv_transpose, pool):
// per spatial dimension the kernel, stride, dilation, explicit begin/end
// padding and the input and output extents. Shape inference, the reference
// interpreter and the cost analyses all read windows through this one
// resolution, so 'same', 'causal', per-dim and asymmetric padding mean the
// same thing everywhere.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/Graph.h"

namespace atrous {

struct WindowGeometry {
  int rank = 0; // spatial dims: 1 or 2
  std::vector<int64_t> kernel, stride, dilation, padBegin, padEnd, outputPadding;
  std::vector<int64_t> in, out; // spatial extents

  // Effective (dilated) kernel extent of dimension d.
  int64_t span(int d) const { return dilation[d] * (kernel[d] - 1) + 1; }
};

// Resolves the window of a conv, conv_transpose, pool or winograd conv
// (stride 1) node whose first input has shape `input`. Throws
// atrous::Error on impossible attributes (zero stride or dilation, a kernel
// larger than the padded input, ...).
WindowGeometry windowGeometry(const Node &node, const Shape &input);

// The elements a slice takes along its axis, Python style: negative start
// and end count from the end, both are clamped to [0, dim]; `length` may be
// 0 (shape inference rejects that). Throws atrous::Error on a bad axis or a
// step below 1.
struct SliceRange {
  int axis = 0;
  int64_t start = 0, end = 0, step = 1, length = 0;
};
SliceRange sliceRange(const Node &node, const Shape &input);

// Expands a list attribute given as one value, or one per spatial dim, to
// one per spatial dim; throws when the length is neither.
std::vector<int64_t> perDim(const std::vector<int64_t> &values, int rank, const char *what);

} // namespace atrous
