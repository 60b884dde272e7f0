// The operator set and each operator's schema: its text-format name, how many
// inputs it takes, and its attributes with their types and defaults. The
// parser, the verifier and the printer all read this one table, so an op is
// described once. Semantics are documented in docs/ops.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/Attr.h"

namespace atrous {

enum class OpKind {
  Input,
  Conv1d,
  Conv2d,
  ConvTranspose1d,
  ConvTranspose2d,
  BatchNorm,
  Bias,
  Relu,
  Relu6,
  LeakyRelu,
  Sigmoid,
  Tanh,
  Softmax,
  Add,
  Mul,
  Concat,
  Slice,
  Pad,
  MaxPool1d,
  MaxPool2d,
  AvgPool1d,
  AvgPool2d,
  GlobalAvgPool,
  GlobalMaxPool,
  Resize,
  ArgMax,
  Reshape,
  Flatten,
  Linear,
  Interleave,
  ResizeArgMax,
  WinogradConv2d,
  WinogradConv1d,
  Copy,
};

enum class AttrType {
  Bool,
  Int,
  Float,
  Ints,   // a list of integers; a scalar is read as a one-element list
  Floats, // a list of numbers; a scalar is read as a one-element list
  Enum,   // one name out of AttrSpec::choices
  Pad,    // a list of integers, or one of AttrSpec::choices (same, valid, causal)
};

struct AttrSpec {
  std::string name;
  AttrType type;
  // No default and not required: the attribute is absent unless given.
  std::optional<AttrValue> defaultValue;
  bool required = false;
  std::vector<std::string> choices; // for Enum and Pad
};

struct OpInfo {
  OpKind kind;
  std::string name;
  int minInputs; // positional tensor inputs
  int maxInputs; // -1: any number
  // Optional tensor inputs given by keyword (`resize(x, like=feat)`); they
  // follow the positional inputs in Node::inputs, in this order.
  std::vector<std::string> keywordInputs;
  std::vector<AttrSpec> attrs;
  // Spatial rank the op requires of its first input (1 or 2), or 0 when any
  // rank the shape rules accept will do.
  int spatialRank = 0;

  const AttrSpec *findAttr(const std::string &attr) const;
};

const OpInfo &opInfo(OpKind kind);
// The op spelled `name` in the text format, or nullptr.
const OpInfo *lookupOp(const std::string &name);
const std::string &opName(OpKind kind);
// Every op, for listings and exhaustive tests.
const std::vector<OpInfo> &allOps();

// Op classes that several layers ask about.
bool isConv(OpKind k);          // conv1d, conv2d
bool isConvTranspose(OpKind k); // conv_transpose1d, conv_transpose2d
bool isPool(OpKind k);          // max/avg pool 1d/2d (not global)
bool isWinogradConv(OpKind k);  // winograd_conv2d, winograd_conv1d
bool isUnaryElementwise(OpKind k);
// Unary elementwise ops and the broadcasting add / mul.
bool isElementwise(OpKind k);
// Ops that accumulate and so carry a fused epilogue (act=, residual=):
// conv, conv_transpose, linear and winograd_conv2d.
bool hasEpilogue(OpKind k);

} // namespace atrous
