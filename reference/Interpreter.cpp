// The reference interpreter's driver: checks the inputs and weights a graph
// is run with, evaluates the nodes in their (topological) order by calling
// the kernel of each op, and keeps each value until its last use.
#include "reference/Interpreter.h"

#include <map>
#include <string>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous {

namespace reference {

WindowGeometry liftTo2d(const WindowGeometry &g) {
  if (g.rank == 2) return g;
  if (g.rank != 1) throw Error("window geometry of rank " + std::to_string(g.rank));
  auto lift = [](const std::vector<int64_t> &v, int64_t lead) {
    return std::vector<int64_t>{lead, v.at(0)};
  };
  WindowGeometry l;
  l.rank = 2;
  l.kernel = lift(g.kernel, 1);
  l.stride = lift(g.stride, 1);
  l.dilation = lift(g.dilation, 1);
  l.padBegin = lift(g.padBegin, 0);
  l.padEnd = lift(g.padEnd, 0);
  l.outputPadding = g.outputPadding.empty() ? std::vector<int64_t>{0, 0} : lift(g.outputPadding, 0);
  l.in = lift(g.in, 1);
  l.out = lift(g.out, 1);
  return l;
}

int normalizeAxis(int64_t axis, int rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank)
    throw Error("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return static_cast<int>(a);
}

} // namespace reference

namespace {

using namespace reference;

// The parameters of one node, looked up by suffix (`weight`, `bias`, ...).
class NodeParams {
public:
  NodeParams(const Graph &graph, const Node &node, const Weights &weights) {
    for (const ParamSpec &spec : paramSpecs(graph, node)) {
      auto it = weights.find(spec.name);
      if (it == weights.end())
        throw Error("missing weight '" + spec.name + "' (" + spec.type.str() + ") of node '" +
                    node.name + "'");
      if (it->second.type() != spec.type)
        throw Error("weight '" + spec.name + "' expects " + spec.type.str() + ", got " +
                    it->second.type().str());
      bySuffix_[spec.suffix] = &it->second;
    }
  }

  const Tensor &get(const std::string &suffix) const {
    const Tensor *t = find(suffix);
    if (!t) throw Error("no parameter '" + suffix + "'");
    return *t;
  }
  const Tensor *find(const std::string &suffix) const {
    auto it = bySuffix_.find(suffix);
    return it == bySuffix_.end() ? nullptr : it->second;
  }

private:
  std::map<std::string, const Tensor *> bySuffix_;
};

Tensor evaluate(const Graph &graph, const Node &node, const std::vector<const Tensor *> &in,
                const Weights &weights) {
  NodeParams params(graph, node, weights);
  // Accumulating ops compute their accumulator, then the fused epilogue.
  Node accumulator = node;
  accumulator.type = accumulatorType(node);
  const Tensor *residual = hasResidual(node) ? in.back() : nullptr;
  switch (node.op) {
  case OpKind::Conv1d:
  case OpKind::Conv2d:
    return epilogue(node, conv(accumulator, *in[0], params.get("weight"), params.find("bias")),
                    residual);
  case OpKind::ConvTranspose1d:
  case OpKind::ConvTranspose2d:
    return epilogue(node,
                    convTranspose(accumulator, *in[0], params.get("weight"), params.find("bias")),
                    residual);
  case OpKind::BatchNorm:
    return batchNorm(node, *in[0], params.get("weight"), params.get("bias"),
                     params.get("running_mean"), params.get("running_var"));
  case OpKind::Bias:
    return addBias(node, *in[0], params.get("bias"));
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::LeakyRelu:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
    return unary(node, *in[0]);
  case OpKind::Softmax:
    return softmax(node, *in[0]);
  case OpKind::Add:
  case OpKind::Mul:
    return binary(node, *in[0], *in[1]);
  case OpKind::Concat:
    return concat(node, in);
  case OpKind::Slice:
    return slice(node, *in[0]);
  case OpKind::Copy:
    return *in[0];
  case OpKind::Pad:
    return pad(node, *in[0]);
  case OpKind::MaxPool1d:
  case OpKind::MaxPool2d:
  case OpKind::AvgPool1d:
  case OpKind::AvgPool2d:
    return pool(node, *in[0]);
  case OpKind::GlobalAvgPool:
  case OpKind::GlobalMaxPool:
    return globalPool(node, *in[0]);
  case OpKind::Resize:
    return resize(node, *in[0]);
  case OpKind::ArgMax:
    return argmax(node, *in[0]);
  case OpKind::Reshape:
  case OpKind::Flatten:
    return reshape(node, *in[0]);
  case OpKind::Linear:
    return epilogue(node, linear(accumulator, *in[0], params.get("weight"), params.find("bias")),
                    residual);
  case OpKind::Interleave:
    return interleave(node, in);
  case OpKind::ResizeArgMax:
    return resizeArgMax(node, *in[0]);
  case OpKind::WinogradConv2d:
  case OpKind::WinogradConv1d:
    return epilogue(node,
                    winogradConv(accumulator, *in[0], params.get("weight"), params.find("bias")),
                    residual);
  case OpKind::Input:
    break;
  }
  throw Error("node '" + node.name + "': the reference interpreter cannot evaluate op '" +
              opName(node.op) + "' here");
}

void checkInputs(const Graph &graph, const std::vector<Tensor> &inputs) {
  std::vector<ValueId> ids = graph.inputs();
  if (ids.size() != inputs.size())
    throw Error("graph '" + graph.name + "' takes " + std::to_string(ids.size()) +
                " input(s), got " + std::to_string(inputs.size()));
  for (size_t i = 0; i < ids.size(); ++i) {
    const Node &node = graph.node(ids[i]);
    if (inputs[i].type() != node.type)
      throw Error("input '" + node.name + "' expects " + node.type.str() + ", got " +
                  inputs[i].type().str());
  }
}

// Evaluates every node. With `keepAll` false, a value is released after its
// last use unless it is a graph output.
std::vector<Tensor> run(const Graph &graph, const Weights &weights,
                        const std::vector<Tensor> &inputs, bool keepAll) {
  checkInputs(graph, inputs);
  const size_t count = graph.nodes.size();

  std::vector<size_t> lastUse(count, 0);
  std::vector<bool> isOutput(count, false);
  for (size_t i = 0; i < count; ++i)
    for (ValueId v : graph.nodes[i].inputs)
      lastUse.at(static_cast<size_t>(v)) = i;
  for (ValueId v : graph.outputs)
    isOutput.at(static_cast<size_t>(v)) = true;

  std::vector<Tensor> values(count);
  size_t nextInput = 0;
  for (size_t i = 0; i < count; ++i) {
    const Node &node = graph.nodes[i];
    if (node.op == OpKind::Input) {
      values[i] = inputs.at(nextInput++);
      continue;
    }
    std::vector<const Tensor *> in;
    for (ValueId v : node.inputs) {
      if (v < 0 || static_cast<size_t>(v) >= i)
        throw Error("node '" + node.name + "' reads value " + std::to_string(v) +
                    " that is not defined before it");
      in.push_back(&values[static_cast<size_t>(v)]);
    }
    values[i] = evaluate(graph, node, in, weights);
    if (values[i].type() != node.type)
      throw Error("node '" + node.name + "' computed " + values[i].type().str() +
                  " but its type is " + node.type.str());
    if (!keepAll)
      for (ValueId v : node.inputs) {
        size_t u = static_cast<size_t>(v);
        if (lastUse[u] == i && !isOutput[u]) values[u] = Tensor();
      }
  }
  return values;
}

} // namespace

std::vector<Tensor> runReference(const Graph &graph, const Weights &weights,
                                 const std::vector<Tensor> &inputs) {
  std::vector<Tensor> values = run(graph, weights, inputs, /*keepAll=*/false);
  std::vector<Tensor> outputs;
  for (ValueId v : graph.outputs)
    outputs.push_back(values.at(static_cast<size_t>(v)));
  return outputs;
}

std::vector<Tensor> runReferenceAll(const Graph &graph, const Weights &weights,
                                    const std::vector<Tensor> &inputs) {
  return run(graph, weights, inputs, /*keepAll=*/true);
}

} // namespace atrous
