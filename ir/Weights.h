// Weights: the constant tensors of a graph, named like a PyTorch state_dict
// (`<node>.weight`, `<node>.bias`, `<bn>.running_mean`). Which tensors a node
// owns, and their shapes, follow from its op and input shapes (paramSpecs),
// so a weights file can be checked against a model before anything runs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Tensor.h"

namespace atrous {

struct ParamSpec {
  std::string name; // full name, `<node>.<suffix>`
  std::string suffix;
  TensorType type;
};

// The parameters of one node, in state_dict order.
std::vector<ParamSpec> paramSpecs(const Graph &graph, const Node &node);
// The parameters of every node, in node order.
std::vector<ParamSpec> paramSpecs(const Graph &graph);

using Weights = std::map<std::string, Tensor>;

// Checks that `weights` holds exactly the graph's parameters with the right
// shapes and types. Throws atrous::Error naming the first offending tensor
// (missing, unexpected, mis-shaped or mis-typed).
void checkWeights(const Graph &graph, const Weights &weights);

} // namespace atrous
