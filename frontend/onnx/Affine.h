// Ops that keep a tensor's shape and work per element or along one axis,
// emitted on IR values or on views. The IR has no constant tensors, so
// arithmetic with a constant operand becomes a per-axis affine map y = x *
// scale + shift: `bias` when only shifting, `batchnorm` with eps=0, mean 0
// and variance 1 (which computes exactly x * weight + bias) when scaling. A
// constant that varies along an axis other than the channels is applied by
// reshaping that axis into the channel position and back.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "frontend/onnx/Importer.h"

namespace atrous::onnx_import {

// Emits y = x * scale[i] + shift[i], i the index along `axis` of x (scale
// absent: 1). The last node gets `role` (empty: the ONNX node's own name).
ValueId emitAffine(Importer &im, ValueId x, int axis,
                   const std::optional<std::vector<double>> &scale,
                   const std::vector<double> &shift, const std::string &role = "");

// Emits an op that keeps the shape of its input and works along axis `axis`
// of it (`axis` < 0: elementwise), and makes it output 0 of the current
// node. Input `input` may be a view: the op then runs on the view's source
// along the matching source axis, and the output is the same view of the
// op's result (a NCHW -> NHWC -> softmax(-1) -> NCHW chain never leaves
// NCHW). `op` receives the IR value and the axis to work along.
using AxisOp = std::function<ValueId(ValueId x, int axis)>;
void applyAlongAxis(Importer &im, int input, int axis, const AxisOp &op);

} // namespace atrous::onnx_import
