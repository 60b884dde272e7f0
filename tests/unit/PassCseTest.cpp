// cse, checked numerically and structurally: duplicated weightless nodes are
// merged (the first keeps its name, outputs follow), nodes with weights and
// nodes that differ in an attribute or input are not, and the graph computes
// exactly what it did (merging never changes arithmetic, so outputs must be
// bit-identical).
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Printer.h"
#include "passes/CommonSubexpressions.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;

namespace {

// Runs cse on the model in `text` with random weights (seed), checks the
// result and that its outputs equal the model's. Returns the new graph.
Graph cseAndCompare(const std::string &text, uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  Graph before = parseModel(text);
  Weights weightsBefore = randomWeights(before, seed);
  Rewritten after = applyPass(*createCsePass(), before, weightsBefore);
  std::vector<Tensor> inputs = randomInputsById(before, seed);
  std::vector<Tensor> expected = runReference(before, weightsBefore, inputs);
  std::vector<Tensor> actual = runReference(after.graph, after.weights, inputs);
  EXPECT_EQ(actual, expected);
  return after.graph;
}

TEST(PassCse, MergesDuplicatedBranchesKeepingTheFirstName) {
  const char *text = R"(
    input x : f32[1, 4, 8, 8]
    a = relu(x)
    b = relu(x)
    pa = max_pool2d(a, kernel=2)
    pb = max_pool2d(b, kernel=2)
    output s = add(pa, pb)
  )";
  for (uint64_t seed : {1, 2}) {
    Graph g = cseAndCompare(text, seed);
    EXPECT_EQ(countOp(g, OpKind::Relu), 1) << printGraph(g);
    EXPECT_EQ(countOp(g, OpKind::MaxPool2d), 1);
    EXPECT_GE(g.find("a"), 0);
    EXPECT_GE(g.find("pa"), 0);
    EXPECT_LT(g.find("b"), 0);
    const Node &s = g.node(g.find("s"));
    EXPECT_EQ(s.inputs[0], s.inputs[1]);
  }
}

TEST(PassCse, AddAndMulAreCommutative) {
  Graph g = cseAndCompare(R"(
    input x : f32[1, 4, 5]
    input y : f32[1, 1, 5]
    p = add(x, y)
    q = add(y, x)
    m = mul(x, y)
    n = mul(y, x)
    output o = mul(add(p, q), add(m, n))
  )",
                          3);
  EXPECT_EQ(countOp(g, OpKind::Add), 3) << printGraph(g);
  EXPECT_EQ(countOp(g, OpKind::Mul), 2);
}

TEST(PassCse, OutputsFollowTheKeptNode) {
  Graph g = cseAndCompare(R"(
    input x : f32[1, 4, 8, 8]
    output a = sigmoid(x)
    output b = sigmoid(x)
  )",
                          4);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[0], g.outputs[1]);
  EXPECT_EQ(g.node(g.outputs[0]).name, "a");
}

TEST(PassCse, DoesNotMergeWhatDiffers) {
  const char *cases[] = {
      // Convs with equal attributes own different weights.
      R"(input x : f32[1, 3, 6, 6]
         a = conv2d(x, out=4, kernel=1)
         b = conv2d(x, out=4, kernel=1)
         output s = add(a, b))",
      // Biases and batchnorms too.
      R"(input x : f32[1, 3, 6, 6]
         a = bias(x)
         b = bias(x)
         c = batchnorm(x)
         d = batchnorm(x)
         output s = add(add(a, b), add(c, d)))",
      // An attribute differs.
      R"(input x : f32[1, 3, 6, 6]
         a = leaky_relu(x, alpha=0.1)
         b = leaky_relu(x, alpha=0.2)
         output s = add(a, b))",
      // The inputs differ.
      R"(input x : f32[1, 3, 6, 6]
         input y : f32[1, 3, 6, 6]
         output s = add(relu(x), relu(y)))",
      // Input order matters for a non-commutative op.
      R"(input x : f32[1, 3, 6, 6]
         input y : f32[1, 3, 6, 6]
         output s = add(concat(x, y), concat(y, x)))",
  };
  for (const char *text : cases) {
    SCOPED_TRACE(text);
    Graph g = parseModel(text);
    Graph after = g;
    Weights w = randomWeights(g, 5);
    EXPECT_FALSE(createCsePass()->run(after, &w));
    EXPECT_EQ(after, g);
    cseAndCompare(text, 5);
  }
}

} // namespace
