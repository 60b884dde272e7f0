// Helpers shared by the tests of graph passes. Each such test runs a pass on
// a copy of a graph, checks that the result verifies and keeps exactly the
// weights it needs, and then runs the graph before and after the pass
// through the reference interpreter on the same random weights and inputs;
// the comparison (exact, or within a tolerance the test names) stays with
// each test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Graph.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"
#include "passes/Pass.h"
#include "passes/PassManager.h"
#include "reference/Interpreter.h"

namespace atrous::pass_test {

// A graph and its weights after a pass, and whether the pass changed them.
struct Rewritten {
  Graph graph;
  Weights weights;
  bool changed = false;
};

// Runs the passes named in `before` (through the pass manager), then `pass`
// with the weights, on copies of `graph` and `weights`, and checks what it
// leaves: a valid graph with exactly the weights it reads.
inline Rewritten applyPass(Pass &pass, const Graph &graph, const Weights &weights,
                           const std::vector<std::string> &before = {}) {
  Rewritten r{graph, weights};
  if (!before.empty()) runPasses(r.graph, &r.weights, before);
  r.changed = pass.run(r.graph, &r.weights);
  verify(r.graph);
  checkWeights(r.graph, r.weights);
  return r;
}

// Random inputs for `graph`: its k-th input is drawn from seed firstSeed + k.
inline std::vector<Tensor> randomInputs(const Graph &graph, uint64_t firstSeed) {
  std::vector<Tensor> inputs;
  for (ValueId id : graph.inputs())
    inputs.push_back(randomTensor(graph.type(id), firstSeed++));
  return inputs;
}

// Random inputs for `graph`: the input with value id `in` is drawn from seed
// seed + 1000 + in, away from the seeds of the weights.
inline std::vector<Tensor> randomInputsById(const Graph &graph, uint64_t seed) {
  std::vector<Tensor> inputs;
  for (ValueId in : graph.inputs())
    inputs.push_back(randomTensor(graph.type(in), seed + 1000 + static_cast<uint64_t>(in)));
  return inputs;
}

// Compares one output of the graph after a pass with the same output before.
using CompareOutput = std::function<void(const Tensor &actual, const Tensor &expected)>;

// Expects as many outputs after as before, and compares each pair.
inline void expectOutputs(const std::vector<Tensor> &actual, const std::vector<Tensor> &expected,
                          const CompareOutput &compare) {
  EXPECT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    compare(actual[i], expected[i]);
  }
}

// Runs both graphs on random inputs (input k from seed + k) and expects the
// largest absolute difference of each output within `relative` times
// max(1, the largest magnitude of the output before the pass).
inline void expectSameOutputs(const Graph &before, const Weights &wBefore, const Graph &after,
                              const Weights &wAfter, uint64_t seed, float relative) {
  std::vector<Tensor> inputs = randomInputs(before, seed);
  std::vector<Tensor> expected = runReference(before, wBefore, inputs);
  std::vector<Tensor> actual = runReference(after, wAfter, inputs);
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t k = 0; k < expected.size(); ++k) {
    ASSERT_EQ(expected[k].type(), actual[k].type()) << "output " << k;
    float scale = 1.0f, worst = 0.0f;
    for (int64_t i = 0; i < expected[k].numel(); ++i) {
      scale = std::max(scale, std::fabs(expected[k].f32()[i]));
      worst = std::max(worst, std::fabs(expected[k].f32()[i] - actual[k].f32()[i]));
    }
    EXPECT_LE(worst, relative * scale) << "output " << k << ", seed " << seed;
  }
}

// Parses `text`, runs `pass` on it with random weights from `seed` and
// expects the same outputs before and after (see expectSameOutputs).
inline Rewritten applyAndCompare(Pass &pass, const std::string &text, uint64_t seed,
                                 float relative) {
  Graph graph = parseModel(text);
  Weights weights = randomWeights(graph, seed);
  Rewritten r = applyPass(pass, graph, weights);
  expectSameOutputs(graph, weights, r.graph, r.weights, seed + 1, relative);
  return r;
}

inline int countOp(const Graph &graph, OpKind op) {
  return static_cast<int>(std::count_if(graph.nodes.begin(), graph.nodes.end(),
                                        [op](const Node &n) { return n.op == op; }));
}

// The node called `name`; throws when there is none.
inline const Node &named(const Graph &graph, const std::string &name) {
  ValueId id = graph.find(name);
  if (id < 0) throw std::runtime_error("no node '" + name + "'");
  return graph.node(id);
}

} // namespace atrous::pass_test
