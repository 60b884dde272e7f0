#include "ir/Op.h"

#include <unordered_map>

#include "ir/Error.h"

namespace atrous {

namespace {

AttrSpec req(std::string name, AttrType type) {
  return {std::move(name), type, {}, true, {}};
}
AttrSpec opt(std::string name, AttrType type) {
  return {std::move(name), type, {}, false, {}};
}
AttrSpec def(std::string name, AttrType type, AttrValue v) {
  return {std::move(name), type, std::move(v), false, {}};
}
AttrSpec choice(std::string name, AttrType type, AttrValue v, std::vector<std::string> choices) {
  return {std::move(name), type, std::move(v), false, std::move(choices)};
}

using Ints = std::vector<int64_t>;

// The fused epilogue of accumulating ops (docs/ops.md, "Epilogues").
void addEpilogueAttrs(std::vector<AttrSpec> &attrs) {
  attrs.push_back(choice("act", AttrType::Enum, std::string("none"),
                         {"none", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gated"}));
  attrs.push_back(def("alpha", AttrType::Float, 0.01));
}

std::vector<AttrSpec> convAttrs() {
  std::vector<AttrSpec> a = {req("out", AttrType::Int),
                             req("kernel", AttrType::Ints),
                             def("stride", AttrType::Ints, Ints{1}),
                             def("dilation", AttrType::Ints, Ints{1}),
                             choice("pad", AttrType::Pad, Ints{0}, {"same", "valid", "causal"}),
                             def("groups", AttrType::Int, int64_t{1}),
                             def("bias", AttrType::Bool, true)};
  addEpilogueAttrs(a);
  // Set by place-residuals (ir/ResidualInPlace.h).
  a.push_back(opt("residual_in_place", AttrType::Bool));
  return a;
}

// A stride-1, ungrouped conv computed by Winograd's F(tile, kernel): its
// stride and groups are implied, its weight is transformed. A 1-D one may
// be causal; a 2-D one may take bounded tiles (ir/Winograd.h).
std::vector<AttrSpec> winogradAttrs(int spatialRank) {
  std::vector<std::string> pads = {"same", "valid"};
  if (spatialRank == 1) pads.push_back("causal");
  std::vector<AttrSpec> a = {req("out", AttrType::Int),
                             req("tile", AttrType::Ints),
                             def("kernel", AttrType::Ints, Ints{3}),
                             def("dilation", AttrType::Ints, Ints{1}),
                             choice("pad", AttrType::Pad, Ints{0}, pads),
                             def("bias", AttrType::Bool, true)};
  if (spatialRank == 2) a.push_back(def("bounded", AttrType::Bool, false));
  addEpilogueAttrs(a);
  return a;
}

std::vector<AttrSpec> convTransposeAttrs() {
  std::vector<AttrSpec> a = {req("out", AttrType::Int),
                             req("kernel", AttrType::Ints),
                             def("stride", AttrType::Ints, Ints{1}),
                             def("dilation", AttrType::Ints, Ints{1}),
                             def("pad", AttrType::Ints, Ints{0}),
                             def("output_padding", AttrType::Ints, Ints{0}),
                             def("groups", AttrType::Int, int64_t{1}),
                             def("bias", AttrType::Bool, true)};
  addEpilogueAttrs(a);
  return a;
}

std::vector<AttrSpec> linearAttrs() {
  std::vector<AttrSpec> a = {req("out", AttrType::Int), def("bias", AttrType::Bool, true)};
  addEpilogueAttrs(a);
  return a;
}

std::vector<AttrSpec> maxPoolAttrs() {
  return {req("kernel", AttrType::Ints), opt("stride", AttrType::Ints),
          choice("pad", AttrType::Pad, Ints{0}, {"same", "valid"}),
          def("dilation", AttrType::Ints, Ints{1}), def("ceil_mode", AttrType::Bool, false)};
}

std::vector<AttrSpec> avgPoolAttrs() {
  return {req("kernel", AttrType::Ints), opt("stride", AttrType::Ints),
          choice("pad", AttrType::Pad, Ints{0}, {"same", "valid"}),
          def("ceil_mode", AttrType::Bool, false), def("count_include_pad", AttrType::Bool, true)};
}

std::vector<OpInfo> buildTable() {
  std::vector<OpInfo> t = {
      {OpKind::Input, "input", 0, 0, {}, {}},
      {OpKind::Conv1d, "conv1d", 1, 1, {"residual"}, convAttrs(), 1},
      {OpKind::Conv2d, "conv2d", 1, 1, {"residual"}, convAttrs(), 2},
      {OpKind::ConvTranspose1d, "conv_transpose1d", 1, 1, {"residual"}, convTransposeAttrs(), 1},
      {OpKind::ConvTranspose2d, "conv_transpose2d", 1, 1, {"residual"}, convTransposeAttrs(), 2},
      {OpKind::BatchNorm, "batchnorm", 1, 1, {}, {def("eps", AttrType::Float, 1e-5)}},
      {OpKind::Bias, "bias", 1, 1, {}, {}},
      {OpKind::Relu, "relu", 1, 1, {}, {}},
      {OpKind::Relu6, "relu6", 1, 1, {}, {}},
      {OpKind::LeakyRelu, "leaky_relu", 1, 1, {}, {def("alpha", AttrType::Float, 0.01)}},
      {OpKind::Sigmoid, "sigmoid", 1, 1, {}, {}},
      {OpKind::Tanh, "tanh", 1, 1, {}, {}},
      {OpKind::Softmax, "softmax", 1, 1, {}, {def("axis", AttrType::Int, int64_t{1})}},
      {OpKind::Add, "add", 2, 2, {}, {}},
      {OpKind::Mul, "mul", 2, 2, {}, {}},
      {OpKind::Concat,
       "concat",
       1,
       -1,
       {},
       {def("axis", AttrType::Int, int64_t{1}), opt("in_place", AttrType::Bool)}},
      {OpKind::Slice,
       "slice",
       1,
       1,
       {},
       {req("axis", AttrType::Int), def("start", AttrType::Int, int64_t{0}),
        req("end", AttrType::Int), def("step", AttrType::Int, int64_t{1})}},
      {OpKind::Pad,
       "pad",
       1,
       1,
       {},
       {req("pad", AttrType::Ints),
        choice("mode", AttrType::Enum, std::string("constant"), {"constant", "reflect", "edge"}),
        def("value", AttrType::Float, 0.0)}},
      {OpKind::MaxPool1d, "max_pool1d", 1, 1, {}, maxPoolAttrs(), 1},
      {OpKind::MaxPool2d, "max_pool2d", 1, 1, {}, maxPoolAttrs(), 2},
      {OpKind::AvgPool1d, "avg_pool1d", 1, 1, {}, avgPoolAttrs(), 1},
      {OpKind::AvgPool2d, "avg_pool2d", 1, 1, {}, avgPoolAttrs(), 2},
      {OpKind::GlobalAvgPool, "global_avg_pool", 1, 1, {}, {}},
      {OpKind::GlobalMaxPool, "global_max_pool", 1, 1, {}, {}},
      {OpKind::Resize,
       "resize",
       1,
       1,
       {"like"},
       {opt("size", AttrType::Ints), opt("scale", AttrType::Floats),
        choice("mode", AttrType::Enum, std::string("nearest"), {"nearest", "bilinear"}),
        def("align_corners", AttrType::Bool, false)}},
      {OpKind::ArgMax,
       "argmax",
       1,
       1,
       {},
       {def("axis", AttrType::Int, int64_t{1}), def("keepdims", AttrType::Bool, true)}},
      {OpKind::Reshape, "reshape", 1, 1, {}, {req("shape", AttrType::Ints)}},
      {OpKind::Flatten, "flatten", 1, 1, {}, {def("axis", AttrType::Int, int64_t{1})}},
      {OpKind::Linear, "linear", 1, 1, {"residual"}, linearAttrs()},
      {OpKind::Interleave,
       "interleave",
       1,
       -1,
       {},
       {req("stride", AttrType::Ints), req("size", AttrType::Ints),
        opt("in_place", AttrType::Bool)}},
      {OpKind::ResizeArgMax,
       "resize_argmax",
       1,
       1,
       {"like"},
       {opt("size", AttrType::Ints), opt("scale", AttrType::Floats),
        choice("mode", AttrType::Enum, std::string("nearest"), {"nearest", "bilinear"}),
        def("align_corners", AttrType::Bool, false), def("keepdims", AttrType::Bool, true)}},
      {OpKind::WinogradConv2d, "winograd_conv2d", 1, 1, {"residual"}, winogradAttrs(2), 2},
      {OpKind::WinogradConv1d, "winograd_conv1d", 1, 1, {"residual"}, winogradAttrs(1), 1},
      {OpKind::Copy, "copy", 1, 1, {}, {}},
  };
  for (size_t i = 0; i < t.size(); ++i)
    if (static_cast<size_t>(t[i].kind) != i) throw Error("op table out of order at " + t[i].name);
  // What the late passes decide about every computing node (docs/ops.md,
  // "Annotations"): its output's physical layout (assign-layouts), its fused
  // group (group) and its byte offset in the intermediate arena (plan-memory).
  // An input's layout is the model's I/O layout (Graph::channelsLastIo).
  for (OpInfo &info : t) {
    info.attrs.push_back(
        choice("layout", AttrType::Enum, std::string("planar"), {"planar", "channels_last"}));
    if (info.kind == OpKind::Input) continue;
    info.attrs.push_back(opt("group", AttrType::Int));
    info.attrs.push_back(opt("arena_offset", AttrType::Int));
  }
  return t;
}

} // namespace

const AttrSpec *OpInfo::findAttr(const std::string &attr) const {
  for (const AttrSpec &s : attrs)
    if (s.name == attr) return &s;
  return nullptr;
}

const std::vector<OpInfo> &allOps() {
  static const std::vector<OpInfo> table = buildTable();
  return table;
}

const OpInfo &opInfo(OpKind kind) {
  return allOps()[static_cast<size_t>(kind)];
}

const std::string &opName(OpKind kind) {
  return opInfo(kind).name;
}

const OpInfo *lookupOp(const std::string &name) {
  static const std::unordered_map<std::string, const OpInfo *> byName = [] {
    std::unordered_map<std::string, const OpInfo *> m;
    for (const OpInfo &info : allOps())
      if (info.kind != OpKind::Input) m[info.name] = &info;
    return m;
  }();
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

bool isConv(OpKind k) {
  return k == OpKind::Conv1d || k == OpKind::Conv2d;
}
bool isConvTranspose(OpKind k) {
  return k == OpKind::ConvTranspose1d || k == OpKind::ConvTranspose2d;
}
bool isPool(OpKind k) {
  return k == OpKind::MaxPool1d || k == OpKind::MaxPool2d || k == OpKind::AvgPool1d ||
         k == OpKind::AvgPool2d;
}
bool isWinogradConv(OpKind k) {
  return k == OpKind::WinogradConv2d || k == OpKind::WinogradConv1d;
}
bool hasEpilogue(OpKind k) {
  return isConv(k) || isConvTranspose(k) || k == OpKind::Linear || isWinogradConv(k);
}

bool isElementwise(OpKind k) {
  return isUnaryElementwise(k) || k == OpKind::Add || k == OpKind::Mul;
}

bool isUnaryElementwise(OpKind k) {
  switch (k) {
  case OpKind::BatchNorm:
  case OpKind::Bias:
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::LeakyRelu:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
    return true;
  default:
    return false;
  }
}

} // namespace atrous
