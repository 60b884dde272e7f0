#include "codegen/GroupPipeline.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "codegen/DriverSource.h"
#include "codegen/Lowering.h"
#include "codegen/Schedule.h"
#include "ir/Error.h"
#include "ir/Weights.h"

namespace atrous::codegen {

namespace {

Halide::Type halideType(DType t) {
  return t == DType::I32 ? Halide::Int(32) : Halide::Float(32);
}

// Fixes every dimension's min, extent and stride to a dense row-major layout.
template <typename Param> void constrainDense(Param p, const Shape &shape) {
  int64_t stride = 1;
  for (size_t k = 0; k < shape.size(); ++k) {
    int64_t extent = shape[shape.size() - 1 - k];
    p.dim(static_cast<int>(k)).set_bounds(0, static_cast<int>(extent));
    p.dim(static_cast<int>(k)).set_stride(static_cast<int>(stride));
    stride *= extent;
  }
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
    constrainDense(in, t.shape);
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
      Halide::ImageParam w(Halide::Float(32), spec.type.rank(),
                           "w" + std::to_string(params.size()) + "_" + cIdentifierFor(spec.suffix));
      constrainDense(w, spec.type.shape);
      params.push_back(w);
      ops.params.emplace(spec.suffix, LoweredValue{w, spec.type});
      p.weightNames.push_back(spec.name);
    }
    LoweredNode lowered = lowerNode(node, ops);
    if (id == group.nodes.front()) {
      combined.accumulator = lowered.accumulator;
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
  constrainDense(out.output_buffer(), last.type.shape);
  scheduleGroup(graph.node(group.nodes.front()), last.type, combined, out, target);
  p.output = out;
  return p;
}

std::string groupSignature(const Graph &graph, const Group &group, const Halide::Target &target) {
  std::string s = "codegen " + std::to_string(kCodegenVersion) + "\nhalide " +
                  ATROUS_HALIDE_VERSION + "\ntarget " + target.to_string() + "\n";
  for (ValueId in : group.inputs)
    s += "in " + graph.type(in).str() + "\n";
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
    for (const auto &[k, v] : n.attrs.all())
      s += k + "=" + attrValueStr(v) + ",";
    s += ") -> " + n.type.str() + "\n";
  }
  return s;
}

} // namespace atrous::codegen
