// Helpers for the differential tests of generated code. Compiling a group
// costs about a second of Halide time, so a test puts many independent cases
// (each with its own inputs) into ONE graph and compiles it with a single
// CompiledModel::compile, which builds the groups in parallel and caches them
// on disk. Every output is then compared with the reference interpreter's,
// and a mismatch names the case it belongs to. When compiling or running the
// whole graph fails, each case is retried on its own so that the report names
// the cases that fail rather than the graph.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "codegen/CompiledModel.h"
#include "frontend/WeightSource.h"
#include "ir/Error.h"
#include "ir/Graph.h"
#include "ir/Weights.h"
#include "passes/Pass.h"
#include "passes/PassManager.h"
#include "reference/Interpreter.h"

#include "IrTestUtil.h"

namespace atrous::codegen_test {

using test::AttrList;
using test::makeNode;
using Ints = std::vector<int64_t>;

// Relative tolerance for f32 outputs: |got - want| <= kRelativeTolerance *
// max(1, max |want|). The reference accumulates in double and rounds once;
// generated code accumulates in f32 in another order (vector lanes, tap
// order), so a sum of K terms of magnitude ~m may differ by about
// K * 2^-24 * m. The largest sums here have a few hundred terms, which stays
// below 1e-4 of the output scale with a wide margin for exp/tanh, which
// Halide evaluates with its own polynomial approximations.
constexpr double kRelativeTolerance = 1e-4;

// Draws integers from a seeded generator with our own arithmetic: the
// standard distributions differ between standard libraries, and the drawn
// cases must be the same everywhere so that their groups hit the cache.
class Draw {
public:
  explicit Draw(uint64_t seed) : rng_(seed) {}
  // Uniform in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng_() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool coin() { return range(0, 1) == 1; }
  template <typename T> T pick(const std::vector<T> &choices) {
    return choices[static_cast<size_t>(range(0, static_cast<int64_t>(choices.size()) - 1))];
  }

private:
  std::mt19937_64 rng_;
};

inline std::string describeAttrs(const AttrList &attrs) {
  std::string s;
  for (const auto &[key, value] : attrs)
    s += (s.empty() ? "" : ", ") + key + "=" + attrValueStr(value);
  return s;
}

// "conv2d(f32[1, 3, 7, 5], kernel=3, ...)"
inline std::string describe(OpKind op, const std::vector<Shape> &inputs, const AttrList &attrs) {
  std::string s = opName(op) + "(";
  for (const Shape &shape : inputs)
    s += "f32" + shapeStr(shape) + ", ";
  return s + describeAttrs(attrs) + ")";
}

// Whether op(inputs of these shapes, attrs) is a valid node: random draws
// are kept only when shape inference accepts them.
inline bool accepts(OpKind op, const std::vector<Shape> &inputs, const AttrList &attrs) {
  Graph g;
  std::vector<ValueId> ids;
  for (size_t i = 0; i < inputs.size(); ++i)
    ids.push_back(g.addInput("x" + std::to_string(i), {DType::F32, inputs[i]}));
  try {
    g.addNode(makeNode("n", op, ids, attrs));
    return true;
  } catch (const Error &) {
    return false;
  }
}

// A graph of independent cases. Each case owns a contiguous run of nodes
// (its inputs first) and one or more graph outputs.
class CaseGraph {
public:
  explicit CaseGraph(const std::string &name) { graph_.name = name; }

  // Starts a case; what follows until the next begin() belongs to it.
  void begin(const std::string &description) {
    cases_.push_back({description, graph_.nodes.size(), {}});
  }
  // A graph input filled with uniform values in [lo, hi).
  ValueId input(const Shape &shape, float lo = -1.f, float hi = 1.f) {
    ValueId id =
        graph_.addInput(prefix() + "x" + std::to_string(graph_.nodes.size()), {DType::F32, shape});
    ranges_.push_back({id, {lo, hi}});
    return id;
  }
  ValueId op(OpKind kind, std::vector<ValueId> inputs, const AttrList &attrs = {}) {
    return graph_.addNode(makeNode(prefix() + "n" + std::to_string(graph_.nodes.size()), kind,
                                   std::move(inputs), attrs));
  }
  void output(ValueId v) {
    graph_.outputs.push_back(v);
    cases_.back().outputs.push_back(graph_.outputs.size() - 1);
  }
  // One case: op over fresh inputs of the given shapes, its value the output.
  void oneOp(OpKind kind, const std::vector<Shape> &inputs, const AttrList &attrs) {
    begin(describe(kind, inputs, attrs));
    std::vector<ValueId> ids;
    for (const Shape &shape : inputs)
      ids.push_back(input(shape));
    output(op(kind, ids, attrs));
  }

  const Graph &graph() const { return graph_; }
  size_t caseCount() const { return cases_.size(); }

  // Random inputs: input k gets seed + 1 + k and its declared range.
  std::vector<Tensor> inputsFor(const Graph &g, uint64_t seed) const {
    std::vector<Tensor> inputs;
    for (ValueId id : g.inputs()) {
      std::pair<float, float> range = rangeOf(g.node(id).name);
      inputs.push_back(
          randomTensor(g.type(id), seed + 1 + inputs.size(), range.first, range.second));
    }
    return inputs;
  }

  // The graph of case k alone, with the same node names (and so the same
  // random weights).
  Graph caseGraph(size_t k) const {
    const Case &c = cases_[k];
    size_t end = k + 1 < cases_.size() ? cases_[k + 1].firstNode : graph_.nodes.size();
    Graph g;
    g.name = graph_.name + "_case" + std::to_string(k);
    std::vector<ValueId> remap(graph_.nodes.size(), -1);
    for (size_t i = c.firstNode; i < end; ++i) {
      Node n = graph_.nodes[i];
      for (ValueId &in : n.inputs)
        in = remap[static_cast<size_t>(in)];
      remap[i] = n.op == OpKind::Input ? g.addInput(n.name, n.type) : g.addNode(n);
    }
    for (size_t out : c.outputs)
      g.outputs.push_back(remap[static_cast<size_t>(graph_.outputs[out])]);
    return g;
  }

  const std::string &description(size_t k) const { return cases_[k].description; }
  const std::vector<size_t> &outputsOf(size_t k) const { return cases_[k].outputs; }

private:
  struct Case {
    std::string description;
    size_t firstNode;
    std::vector<size_t> outputs; // indices into graph().outputs
  };

  std::string prefix() const { return "c" + std::to_string(cases_.size() - 1) + "_"; }
  std::pair<float, float> rangeOf(const std::string &inputName) const {
    for (const auto &[id, range] : ranges_)
      if (graph_.node(id).name == inputName) return range;
    return {-1.f, 1.f};
  }

  Graph graph_;
  std::vector<Case> cases_;
  std::vector<std::pair<ValueId, std::pair<float, float>>> ranges_;
};

// Empty when `got` matches `want` (f32 within kRelativeTolerance of the
// output's scale, i32 exactly); otherwise what differs and where.
inline std::string mismatch(const Tensor &got, const Tensor &want,
                            double relative = kRelativeTolerance) {
  if (got.type() != want.type()) return "type " + got.type().str() + ", want " + want.type().str();
  std::ostringstream out;
  int64_t bad = 0;
  if (want.dtype() == DType::I32) {
    for (int64_t i = 0; i < want.numel(); ++i)
      if (got.i32()[i] != want.i32()[i] && ++bad <= 5)
        out << "  [" << i << "] got " << got.i32()[i] << ", want " << want.i32()[i] << "\n";
  } else {
    double scale = 1.0;
    for (int64_t i = 0; i < want.numel(); ++i)
      scale = std::max(scale, std::fabs(static_cast<double>(want.f32()[i])));
    const double tolerance = relative * scale;
    for (int64_t i = 0; i < want.numel(); ++i) {
      double diff = std::fabs(static_cast<double>(got.f32()[i]) - want.f32()[i]);
      if (!(diff <= tolerance) && ++bad <= 5)
        out << "  [" << i << "] got " << got.f32()[i] << ", want " << want.f32()[i] << " (|diff| "
            << diff << " > " << tolerance << ")\n";
    }
  }
  if (bad == 0) return "";
  return std::to_string(bad) + " of " + std::to_string(want.numel()) + " elements differ:\n" +
         out.str();
}

// The largest |got - want| over f32 tensors, relative to max(1, max |want|).
inline double relativeError(const Tensor &got, const Tensor &want) {
  double scale = 1.0, worst = 0.0;
  for (int64_t i = 0; i < want.numel(); ++i) {
    scale = std::max(scale, std::fabs(static_cast<double>(want.f32()[i])));
    worst = std::max(worst, std::fabs(static_cast<double>(got.f32()[i]) - want.f32()[i]));
  }
  return worst / scale;
}

// Empty when `runs` more runs of `model` give `first` bit for bit; else the
// first run and output that differ. Threads that compute one element twice
// (a parallel split's last task shifted inwards onto its neighbour's, each
// compiled with other loop partitions) or add into it twice differ from run
// to run as the tasks race, within the tolerance or not.
inline std::string runsRepeat(const codegen::CompiledModel &model,
                              const std::vector<Tensor> &inputs, const std::vector<Tensor> &first,
                              int runs) {
  for (int run = 1; run <= runs; ++run) {
    std::vector<Tensor> again = model.run(inputs);
    for (size_t k = 0; k < first.size(); ++k)
      if (std::memcmp(again.at(k).raw(), first[k].raw(), first[k].byteSize()) != 0)
        return "run " + std::to_string(run + 1) + " gives output " + std::to_string(k) +
               " other bits than run 1:\n" + mismatch(again[k], first[k], 0.0);
  }
  return "";
}

// Compiles and runs `g` and returns its outputs; an atrous::Error from the
// compiler or the generated code, or runs that do not repeat bit for bit
// (runsRepeat), are returned in `error` instead.
inline std::vector<Tensor> compileAndRun(const Graph &g, const Weights &weights,
                                         const std::vector<Tensor> &inputs, std::string &error) {
  try {
    auto model = codegen::CompiledModel::compile(g, weights, {"host", ""});
    std::vector<Tensor> outputs = model->run(inputs);
    error = runsRepeat(*model, inputs, outputs, 3);
    return outputs;
  } catch (const Error &e) {
    error = e.what();
    return {};
  }
}

// Runs the -O2 passes on `graph`, which it rewrites, then compiles it and
// checks each output against the reference interpreter's for the graph as
// it was; weights come from `seed`, inputs from the seeds after it. `text`
// (the model) is printed with a failure.
inline void expectOptimizedMatchesReference(Graph &graph, uint64_t seed, const std::string &text) {
  Weights weights = randomWeights(graph, seed);
  std::vector<Tensor> inputs;
  for (ValueId id : graph.inputs())
    inputs.push_back(randomTensor(graph.type(id), ++seed));
  const std::vector<Tensor> want = runReference(graph, weights, inputs);
  runPasses(graph, &weights, pipelinePasses("O2"));
  std::string error;
  std::vector<Tensor> got = compileAndRun(graph, weights, inputs, error);
  ASSERT_EQ(error, "") << text;
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k)
    EXPECT_LE(relativeError(got[k], want[k]), 1e-4) << "output " << k << "\n" << text;
}

// The differential check: every case's outputs from generated code against
// the reference interpreter's, with random weights and inputs from `seed`.
inline void expectMatchesReference(const CaseGraph &cases, uint64_t seed) {
  SCOPED_TRACE("master seed " + std::to_string(seed) + ", " + std::to_string(cases.caseCount()) +
               " cases in graph '" + cases.graph().name + "'");
  const Graph &g = cases.graph();
  Weights weights = randomWeights(g, seed);
  std::vector<Tensor> inputs = cases.inputsFor(g, seed);
  std::vector<Tensor> want = runReference(g, weights, inputs);
  std::string error;
  std::vector<Tensor> got = compileAndRun(g, weights, inputs, error);
  if (!error.empty()) {
    ADD_FAILURE() << "the graph of all cases failed: " << error;
    for (size_t k = 0; k < cases.caseCount(); ++k) {
      Graph one = cases.caseGraph(k);
      std::string caseError;
      compileAndRun(one, randomWeights(one, seed), cases.inputsFor(one, seed), caseError);
      if (!caseError.empty())
        ADD_FAILURE() << "case " << k << ": " << cases.description(k) << "\n" << caseError;
    }
    return;
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < cases.caseCount(); ++k)
    for (size_t out : cases.outputsOf(k)) {
      std::string diff = mismatch(got[out], want[out]);
      if (!diff.empty())
        ADD_FAILURE() << "case " << k << ", output " << out << ": " << cases.description(k) << "\n"
                      << diff;
    }
}

} // namespace atrous::codegen_test
