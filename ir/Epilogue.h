// The fused epilogue of accumulating ops (conv, conv_transpose, linear):
// z = op(x) + bias + residual, then an activation. `gated` is WaveNet's gated
// unit, tanh of the first half of z's channels times sigmoid of the second,
// so the node's output has half the channels of its accumulator. Epilogues
// are what fuse-epilogue produces; written by hand they read as one op.
#pragma once

#include "ir/Graph.h"

namespace atrous {

enum class Activation { None, Relu, Relu6, LeakyRelu, Sigmoid, Tanh, Gated };

Activation activationOf(const Node &node);
// Whether `op` is one of the activations an epilogue takes as act= (relu,
// relu6, leaky_relu, sigmoid, tanh; gated is a pattern of several ops).
bool isEpilogueActivation(OpKind op);
// The accumulator's type: the node's type before a gated activation halves
// its channels.
TensorType accumulatorType(const Node &node);
// Whether the node has a residual input (always the last one).
bool hasResidual(const Node &node);

} // namespace atrous
