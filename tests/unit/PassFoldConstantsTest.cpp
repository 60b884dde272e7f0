// fold-constants, checked numerically and structurally: every identity and
// chain the pass documents folds (and the graph computes what it did: exactly
// for identities and composed chains, within 1e-6 of max(1, |value|) where
// two bias vectors are summed first), and near misses that are not identities
// or do not compose stay as they are.
#include <algorithm>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Printer.h"
#include "passes/FoldConstants.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;

namespace {

constexpr double kTolerance = 1e-6;

// Every element within kTolerance of max(1, |expected|).
void expectNearElementwise(const Tensor &actual, const Tensor &expected) {
  EXPECT_EQ(actual.type().str(), expected.type().str());
  if (actual.type() != expected.type()) return;
  int failures = 0;
  for (int64_t k = 0; k < expected.numel() && failures < 5; ++k) {
    double e = expected.f32()[k], a = actual.f32()[k];
    if (!(std::fabs(a - e) <= kTolerance * std::max(1.0, std::fabs(e)))) {
      ADD_FAILURE() << "at " << k << ": got " << a << ", expected " << e;
      ++failures;
    }
  }
}

// Runs fold-constants on the model in `text` with random weights (seed),
// checks the result and that its outputs match the model's.
Rewritten foldAndCompare(const std::string &text, uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  Graph before = parseModel(text);
  Weights weightsBefore = randomWeights(before, seed);
  Rewritten f = applyPass(*createFoldConstantsPass(), before, weightsBefore);
  std::vector<Tensor> inputs = randomInputsById(before, seed);
  expectOutputs(runReference(f.graph, f.weights, inputs),
                runReference(before, weightsBefore, inputs), expectNearElementwise);
  return f;
}

// Each identity reads y = relu(x) and is the output: it disappears and the
// output becomes y.
TEST(PassFoldConstants, IdentitiesDisappear) {
  const char *identities[] = {
      "slice(y, axis=1, start=0, end=4)",
      "slice(y, axis=-1, start=-100, end=100)",
      "slice(y, axis=0, start=0, end=1, step=3)",
      "pad(y, pad=0)",
      "pad(y, pad=[0, 0, 0, 0], mode=reflect)",
      "reshape(y, shape=[0, 0, -1, 7])",
      "resize(y, size=[6, 7])",
      "resize(y, like=y, mode=bilinear, align_corners=true)",
      "resize(y, scale=1, mode=bilinear)",
      "concat(y, axis=2)",
      "interleave(y, stride=1, size=[6, 7])",
  };
  for (const char *identity : identities) {
    SCOPED_TRACE(identity);
    std::string text =
        "input x : f32[1, 4, 6, 7]\ny = relu(x)\noutput o = " + std::string(identity) + "\n";
    Rewritten f = foldAndCompare(text, 1);
    EXPECT_TRUE(f.changed);
    EXPECT_EQ(f.graph.nodes.size(), 2u) << printGraph(f.graph);
    EXPECT_EQ(f.graph.node(f.graph.outputs[0]).name, "y");
  }
}

TEST(PassFoldConstants, FlattenToTheSameShape) {
  Rewritten f = foldAndCompare(R"(
    input x : f32[3, 5]
    output o = sigmoid(flatten(tanh(x)))
  )",
                               2);
  EXPECT_EQ(countOp(f.graph, OpKind::Flatten), 0) << printGraph(f.graph);
}

TEST(PassFoldConstants, NearMissesStay) {
  const char *ops[] = {
      "slice(y, axis=1, start=0, end=3)",
      "slice(y, axis=3, start=0, end=7, step=2)",
      "pad(y, pad=[0, 1])",
      "reshape(y, shape=[1, 4, 7, 6])",
      "resize(y, size=[6, 8])",
      "resize(y, scale=2, mode=bilinear)",
      "concat(y, y)",
      "interleave(y, y, stride=[1, 2], size=[6, 13])",
      "relu(y)",
      "relu6(sigmoid(y))",
      "reshape(sigmoid(reshape(y, shape=[1, -1])), shape=[4, -1])",
  };
  for (const char *op : ops) {
    SCOPED_TRACE(op);
    std::string text =
        "input x : f32[1, 4, 6, 7]\ny = tanh(x)\noutput o = " + std::string(op) + "\n";
    Graph g = parseModel(text);
    Weights w = randomWeights(g, 3);
    Graph after = g;
    EXPECT_FALSE(createFoldConstantsPass()->run(after, &w));
    EXPECT_EQ(after, g) << printGraph(after);
  }
}

// An output that is an identity of a graph input would alias the input.
TEST(PassFoldConstants, KeepsAnOutputThatWouldAliasAnInput) {
  Rewritten f = foldAndCompare(R"(
    input x : f32[1, 4, 6, 7]
    output o = reshape(x, shape=[1, 4, 6, 7])
  )",
                               4);
  EXPECT_FALSE(f.changed);
  EXPECT_EQ(countOp(f.graph, OpKind::Reshape), 1);
}

TEST(PassFoldConstants, ReshapeChainsBecomeOneReshape) {
  const char *chains[] = {
      "reshape(reshape(y, shape=[1, 4, 42]), shape=[4, -1])",
      "reshape(flatten(y), shape=[2, 84])",
      "flatten(reshape(y, shape=[2, 2, 42]), axis=2)",
      "reshape(reshape(flatten(y, axis=2), shape=[24, 7]), shape=[0, 1, -1])",
      "reshape(reshape(y, shape=[4, 6, 7]), shape=[0, 0, 0])",
  };
  for (const char *chain : chains) {
    SCOPED_TRACE(chain);
    std::string text =
        "input x : f32[1, 4, 6, 7]\ny = relu(x)\noutput o = sigmoid(" + std::string(chain) + ")\n";
    Rewritten f = foldAndCompare(text, 5);
    EXPECT_TRUE(f.changed);
    EXPECT_EQ(countOp(f.graph, OpKind::Reshape) + countOp(f.graph, OpKind::Flatten), 1)
        << printGraph(f.graph);
  }
}

TEST(PassFoldConstants, ReshapeChainBackToTheInputShapeDisappears) {
  Rewritten f = foldAndCompare(R"(
    input x : f32[1, 4, 6, 7]
    y = relu(x)
    output o = sigmoid(reshape(flatten(y), shape=[1, 4, 6, 7]))
  )",
                               6);
  EXPECT_EQ(f.graph.nodes.size(), 3u) << printGraph(f.graph);
}

TEST(PassFoldConstants, ReluChainsCompose) {
  struct Case {
    const char *chain;
    OpKind result;
  } cases[] = {
      {"relu(relu(y))", OpKind::Relu},    {"relu(relu(relu(y)))", OpKind::Relu},
      {"relu6(relu(y))", OpKind::Relu6},  {"relu(relu6(y))", OpKind::Relu6},
      {"relu6(relu6(y))", OpKind::Relu6},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.chain);
    // y spans [-8, 8) so that relu6 clamps some values.
    std::string text = "input x : f32[1, 4, 6, 7]\nx2 = add(x, x)\nx4 = add(x2, x2)\n"
                       "y = add(x4, x4)\noutput o = " +
                       std::string(c.chain) + "\n";
    Rewritten f = foldAndCompare(text, 7);
    EXPECT_EQ(countOp(f.graph, OpKind::Relu) + countOp(f.graph, OpKind::Relu6), 1)
        << printGraph(f.graph);
    const Node &out = f.graph.node(f.graph.outputs[0]);
    EXPECT_EQ(out.name, "o");
    EXPECT_EQ(out.op, c.result);
    EXPECT_EQ(f.graph.node(out.inputs[0]).name, "y");
  }
}

// The inner relu has another user, so it stays; the outer one reads past it.
TEST(PassFoldConstants, SharedInnerReluStays) {
  Rewritten f = foldAndCompare(R"(
    input x : f32[1, 4, 6, 7]
    r = relu(x)
    output o = relu6(r)
    output s = sigmoid(r)
  )",
                               8);
  EXPECT_TRUE(f.changed);
  EXPECT_EQ(f.graph.node(f.graph.find("o")).inputs[0], f.graph.find("x"));
  EXPECT_GE(f.graph.find("r"), 0);
}

TEST(PassFoldConstants, ConsecutiveBiasesAreSummedIntoTheFirst) {
  for (uint64_t seed : {9, 10}) {
    Rewritten f = foldAndCompare(R"(
      input x : f32[2, 5, 4]
      a = bias(x)
      b = bias(a)
      c = bias(reshape(b, shape=[2, 5, 4]))
      output o = tanh(c)
    )",
                                 seed);
    EXPECT_EQ(countOp(f.graph, OpKind::Bias), 1) << printGraph(f.graph);
    EXPECT_GE(f.graph.find("a"), 0);
    EXPECT_EQ(f.weights.size(), 1u);
  }
}

TEST(PassFoldConstants, BiasesStayWithoutWeightsOrWhenShared) {
  const char *shared = R"(
    input x : f32[2, 5, 4]
    a = bias(x)
    b = bias(a)
    output o = add(a, b)
  )";
  Rewritten f = foldAndCompare(shared, 11);
  EXPECT_FALSE(f.changed);

  Graph g = parseModel(R"(
    input x : f32[2, 5, 4]
    output o = bias(bias(x))
  )");
  Graph after = g;
  EXPECT_FALSE(createFoldConstantsPass()->run(after, nullptr));
  EXPECT_EQ(after, g);
}

// Nodes that were dead before are dce's business.
TEST(PassFoldConstants, LeavesExistingDeadCode) {
  Rewritten f = foldAndCompare(R"(
    input x : f32[1, 4, 6, 7]
    dead = conv2d(x, out=2, kernel=1)
    y = relu(x)
    output o = relu(relu(y))
  )",
                               12);
  EXPECT_TRUE(f.changed);
  EXPECT_GE(f.graph.find("dead"), 0);
  EXPECT_EQ(f.weights.count("dead.weight"), 1u);
}

} // namespace
