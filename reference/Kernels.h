// The per-op kernels of the reference interpreter, one family per file. Each
// kernel reads the node's attributes and resolved window geometry, allocates
// its result with the node's inferred type and computes it with plain loops
// in logical NCHW (NCW) order. Interpreter.cpp dispatches to them.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/Geometry.h"
#include "ir/Graph.h"
#include "ir/Tensor.h"

namespace atrous::reference {

// A window geometry of spatial rank 1 seen as rank 2 with a leading height of
// one (kernel 1, stride 1, no padding), so that 1-D and 2-D ops share one loop
// nest. A rank-2 geometry is returned unchanged.
WindowGeometry liftTo2d(const WindowGeometry &geometry);

// Converts a possibly negative axis of a rank-`rank` tensor into [0, rank).
int normalizeAxis(int64_t axis, int rank);

// The extents a direct or transposed convolution loops over, from the
// node's window geometry lifted to 2-D (ConvExtents.cpp).
struct ConvExtents {
  WindowGeometry geometry;
  int64_t batch = 0, inChannels = 0, outChannels = 0, groups = 1, inPerGroup = 0, outPerGroup = 0;
  int64_t inH = 0, inW = 0, outH = 0, outW = 0, kH = 0, kW = 0;
};
// Throws atrous::Error when the geometry disagrees with the node's type.
ConvExtents convExtents(const Node &node, const Shape &input);

// Conv.cpp: conv1d / conv2d. `bias` is null when the node has none.
Tensor conv(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias);

// Winograd.cpp: winograd_conv2d and winograd_conv1d, by the Winograd
// algorithm in double.
Tensor winogradConv(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias);

// ConvTranspose.cpp: conv_transpose1d / conv_transpose2d.
Tensor convTranspose(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias);

// Pool.cpp: max / avg pool 1d / 2d, and the global pools.
Tensor pool(const Node &node, const Tensor &x);
Tensor globalPool(const Node &node, const Tensor &x);

// Resize.cpp: nearest and bilinear resize to the node's output extents.
Tensor resize(const Node &node, const Tensor &x);

// Elementwise.cpp
Tensor batchNorm(const Node &node, const Tensor &x, const Tensor &weight, const Tensor &bias,
                 const Tensor &mean, const Tensor &var);
Tensor addBias(const Node &node, const Tensor &x, const Tensor &bias);
Tensor unary(const Node &node, const Tensor &x); // relu, relu6, leaky_relu, sigmoid, tanh
Tensor binary(const Node &node, const Tensor &a, const Tensor &b); // add, mul

// Shape.cpp
Tensor concat(const Node &node, const std::vector<const Tensor *> &parts);
Tensor slice(const Node &node, const Tensor &x);
Tensor pad(const Node &node, const Tensor &x);
Tensor reshape(const Node &node, const Tensor &x); // reshape and flatten

// Reduce.cpp
Tensor softmax(const Node &node, const Tensor &x);
Tensor argmax(const Node &node, const Tensor &x);

// Linear.cpp
Tensor linear(const Node &node, const Tensor &x, const Tensor &weight, const Tensor *bias);

// Epilogue.cpp: the fused epilogue of conv, conv_transpose and linear,
// applied to their accumulator `z` (ir/Epilogue.h).
Tensor epilogue(const Node &node, Tensor z, const Tensor *residual);

// Interleave.cpp: interleave, and the fused resize_argmax.
Tensor interleave(const Node &node, const std::vector<const Tensor *> &phases);
Tensor resizeArgMax(const Node &node, const Tensor &x);

} // namespace atrous::reference
