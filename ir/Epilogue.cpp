#include "ir/Epilogue.h"

#include "ir/Error.h"

namespace atrous {

Activation activationOf(const Node &node) {
  if (!hasEpilogue(node.op) || !node.attrs.has("act")) return Activation::None;
  const std::string &a = node.attrs.getString("act");
  if (a == "relu") return Activation::Relu;
  if (a == "relu6") return Activation::Relu6;
  if (a == "leaky_relu") return Activation::LeakyRelu;
  if (a == "sigmoid") return Activation::Sigmoid;
  if (a == "tanh") return Activation::Tanh;
  if (a == "gated") return Activation::Gated;
  if (a == "none") return Activation::None;
  throw Error("unknown activation '" + a + "'");
}

bool isEpilogueActivation(OpKind op) {
  return op == OpKind::Relu || op == OpKind::Relu6 || op == OpKind::LeakyRelu ||
         op == OpKind::Sigmoid || op == OpKind::Tanh;
}

TensorType accumulatorType(const Node &node) {
  TensorType t = node.type;
  if (activationOf(node) == Activation::Gated) t.shape[1] *= 2;
  return t;
}

bool hasResidual(const Node &node) {
  return hasEpilogue(node.op) && node.inputs.size() == 2;
}

} // namespace atrous
