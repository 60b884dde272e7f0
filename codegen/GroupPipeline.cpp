#include "codegen/GroupPipeline.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "codegen/DriverSource.h"
#include "codegen/GroupCodeDigest.h"
#include "codegen/Lowering.h"
#include "codegen/Schedule.h"
#include "ir/Error.h"
#include "ir/InPlace.h"
#include "ir/Layout.h"
#include "ir/Weights.h"

namespace atrous::codegen {

namespace {

Halide::Type halideType(DType t) {
  return t == DType::I32 ? Halide::Int(32) : Halide::Float(32);
}

// Fixes every dimension's min, extent and stride (logical `strides`).
// Knowing the strides at compile time lets Halide emit dense vector loads
// and stores.
template <typename Param>
void constrainStrides(Param p, const Shape &shape, const std::vector<int64_t> &strides) {
  for (size_t k = 0; k < shape.size(); ++k) {
    const size_t logical = shape.size() - 1 - k;
    p.dim(static_cast<int>(k)).set_bounds(0, static_cast<int>(shape[logical]));
    p.dim(static_cast<int>(k)).set_stride(static_cast<int>(strides[logical]));
  }
}

// A parameter as its node's lowering reads it, by logical indices, over the
// Halide parameter that holds it as stored (ir/Layout.h, paramStorage): a
// weight in blocks of output channels [n / block, k..., c, n % block] is read
// at (n % block, c, k..., n / block), innermost first, which the simplifier
// turns back into dense vector loads inside a tile of whole blocks.
LoweredValue paramView(const Halide::ImageParam &stored, const ParamStorage &storage,
                       const TensorType &type) {
  if (!storage.blocked) return {stored, type};
  const std::vector<Halide::Var> v = halideVars(type.rank()); // k..., c, n
  const Halide::Expr n = v.back(), block = static_cast<int>(kOutChannelBlock);
  std::vector<Halide::Expr> at = {n % block, v[v.size() - 2]};
  at.insert(at.end(), v.begin(), v.end() - 2);
  at.push_back(n / block);
  Halide::Func view(stored.name() + "_blocks");
  view(v) = stored(at);
  return {view, type};
}

} // namespace

GroupPipeline buildGroupPipeline(const Graph &graph, const Group &group,
                                 const Halide::Target &target) {
  GroupPipeline p;
  std::map<ValueId, LoweredValue> values;
  std::vector<Halide::ImageParam> params;
  for (size_t i = 0; i < group.inputs.size(); ++i) {
    const TensorType &t = graph.type(group.inputs[i]);
    Halide::ImageParam in(halideType(t.dtype), t.rank(), "in" + std::to_string(i));
    constrainStrides(in, t.shape, storageStrides(graph, group.inputs[i]));
    params.push_back(in);
    values.emplace(group.inputs[i], LoweredValue{in, t});
    p.inputValues.push_back(group.inputs[i]);
  }
  // The anchor (first node) may accumulate; the chain after it is pure and
  // inlines into the output's loops.
  LoweredNode combined;
  for (ValueId id : group.nodes) {
    const Node &node = graph.node(id);
    NodeOperands ops;
    for (ValueId in : node.inputs)
      ops.inputs.push_back(values.at(in));
    for (const ParamSpec &spec : paramSpecs(graph, node)) {
      const ParamStorage storage = paramStorage(node, spec.suffix, spec.type.shape);
      Halide::ImageParam w(Halide::Float(32), static_cast<int>(storage.shape.size()),
                           "w" + std::to_string(params.size()) + "_" + cIdentifierFor(spec.suffix));
      constrainStrides(w, storage.shape, storage.strides);
      params.push_back(w);
      ops.params.emplace(spec.suffix, paramView(w, storage, spec.type));
      p.weightNames.push_back(spec.name);
    }
    LoweredNode lowered = lowerNode(node, ops);
    if (id == group.nodes.front()) {
      combined.accumulator = lowered.accumulator;
      combined.paddedInput = lowered.paddedInput;
      combined.extended = lowered.extended;
      combined.depthwise = lowered.depthwise;
      combined.winograd = lowered.winograd;
    }
    combined.shared.insert(combined.shared.end(), lowered.shared.begin(), lowered.shared.end());
    combined.func = lowered.func;
    values.emplace(id, LoweredValue{lowered.func, node.type});
  }
  for (const Halide::ImageParam &param : params)
    p.arguments.push_back(param);

  const Node &last = graph.node(group.output());
  Halide::Func out("out");
  out(halideVars(last.type.rank())) = combined.func(halideVars(last.type.rank()));
  // The part of an in-place concat writes its slice of the concat's buffer.
  constrainStrides(out.output_buffer(), last.type.shape, storageStrides(graph, group.output()));
  const Node &anchor = graph.node(group.nodes.front());
  const Layout anchorInput =
      anchor.inputs.empty() ? Layout::Planar : layoutOf(graph.node(anchor.inputs[0]));
  scheduleGroup(anchor, anchorInput, last, combined, out, target);
  p.output = out;
  return p;
}

std::string groupSignature(const Graph &graph, const Group &group, const Halide::Target &target) {
  std::string s = std::string("codegen ") + ATROUS_GROUP_CODE_DIGEST + "\nhalide " +
                  ATROUS_HALIDE_VERSION + "\ntarget " + target.to_string() + "\n";
  auto strides = [&](ValueId v) {
    std::string t;
    for (int64_t stride : storageStrides(graph, v))
      t += " " + std::to_string(stride);
    return t;
  };
  for (ValueId in : group.inputs)
    s += "in " + graph.type(in).str() + " " + layoutName(layoutOf(graph.node(in))) + strides(in) +
         "\n";
  // Values are named by position (group input k, group node k), not by id or
  // name, so that equal groups of different models share a signature.
  auto ref = [&](ValueId id) {
    auto in = std::find(group.inputs.begin(), group.inputs.end(), id);
    if (in != group.inputs.end()) return "i" + std::to_string(in - group.inputs.begin());
    return "n" + std::to_string(std::find(group.nodes.begin(), group.nodes.end(), id) -
                                group.nodes.begin());
  };
  for (ValueId id : group.nodes) {
    const Node &n = graph.node(id);
    s += opName(n.op) + "(";
    for (ValueId in : n.inputs)
      s += ref(in) + ",";
    // Where a group runs and where its output lives do not change its code.
    for (const auto &[k, v] : n.attrs.all())
      if (k != "group" && k != "arena_offset") s += k + "=" + attrValueStr(v) + ",";
    s += ") -> " + n.type.str() + "\n";
  }
  return s + "strides" + strides(group.output()) + "\n";
}

} // namespace atrous::codegen
