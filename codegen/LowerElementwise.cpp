// Pointwise ops: activations, batchnorm and bias (per channel, dim 1), and
// add / mul with NumPy broadcasting.
#include "codegen/Lowering.h"
#include "codegen/VectorMath.h"

#include "ir/Error.h"

namespace atrous::codegen {

using Halide::Expr;
using Halide::Func;

namespace {

// `v` read at the output's logical indices, broadcasting its size-1 dims and
// aligning ranks from the right.
Expr broadcastRead(const LoweredValue &v, const std::vector<Expr> &out) {
  int offset = static_cast<int>(out.size()) - v.type.rank();
  std::vector<Expr> idx;
  for (int d = 0; d < v.type.rank(); ++d)
    idx.push_back(v.dim(d) == 1 ? Expr(0) : out[static_cast<size_t>(d + offset)]);
  return v.at(idx);
}

} // namespace

Func lowerElementwise(const Node &node, const NodeOperands &ops) {
  const int rank = node.type.rank();
  std::vector<Expr> out = logicalArgs(rank);
  Expr x = broadcastRead(ops.inputs[0], out);
  Expr value;
  switch (node.op) {
  case OpKind::Relu:
    value = Halide::max(x, 0.0f);
    break;
  case OpKind::Relu6:
    value = Halide::clamp(x, 0.0f, 6.0f);
    break;
  case OpKind::LeakyRelu:
    value = Halide::select(x < 0.0f, x * static_cast<float>(node.attrs.getFloat("alpha")), x);
    break;
  case OpKind::Sigmoid:
    value = 1.0f / (1.0f + Halide::exp(-x));
    break;
  case OpKind::Tanh:
    value = vectorTanh(x);
    break;
  case OpKind::Bias:
    value = x + ops.param("bias").at({out[1]});
    break;
  case OpKind::BatchNorm: {
    float eps = static_cast<float>(node.attrs.getFloat("eps"));
    Expr c = out[1];
    Expr invStd = 1.0f / Halide::sqrt(ops.param("running_var").at({c}) + eps);
    value = (x - ops.param("running_mean").at({c})) * invStd * ops.param("weight").at({c}) +
            ops.param("bias").at({c});
    break;
  }
  case OpKind::Add:
    value = x + broadcastRead(ops.inputs[1], out);
    break;
  case OpKind::Mul:
    value = x * broadcastRead(ops.inputs[1], out);
    break;
  default:
    throw Error("lowering: " + opName(node.op) + " is not elementwise");
  }
  Func f(funcName(node));
  defineLogical(f, rank, value);
  return f;
}

} // namespace atrous::codegen
