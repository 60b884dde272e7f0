// dce: nodes no output depends on go, with their weights; unused graph inputs
// and everything an output reads stay; outputs are bit-identical before and
// after (removing unused nodes changes no arithmetic).
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Error.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/DeadCode.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;

namespace {

TEST(PassDce, RemovesUnusedNodesAndTheirWeights) {
  const char *text = R"(
    input x : f32[1, 3, 8, 8]
    input unused : f32[1, 2]
    c = conv2d(x, out=4, kernel=3, pad=1)
    dead = conv2d(c, out=4, kernel=1)
    dead2 = batchnorm(relu(dead))
    also_dead = bias(x)
    output r = relu(c)
  )";
  for (uint64_t seed : {1, 2}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Graph before = parseModel(text);
    Weights weightsBefore = randomWeights(before, seed);
    Graph after = before;
    Weights weightsAfter = weightsBefore;
    EXPECT_TRUE(createDcePass()->run(after, &weightsAfter));
    verify(after);
    checkWeights(after, weightsAfter);
    EXPECT_EQ(after.nodes.size(), 4u) << printGraph(after);
    for (const char *name : {"x", "unused", "c", "r"})
      EXPECT_GE(after.find(name), 0) << name;
    EXPECT_EQ(weightsAfter.size(), 2u);
    EXPECT_EQ(weightsAfter.count("dead.weight"), 0u);
    EXPECT_EQ(weightsAfter.count("dead2.running_var"), 0u);

    std::vector<Tensor> inputs = pass_test::randomInputsById(before, seed);
    EXPECT_EQ(runReference(after, weightsAfter, inputs),
              runReference(before, weightsBefore, inputs));
  }
}

TEST(PassDce, KeepsAGraphWithoutDeadCode) {
  Graph g = parseModel(R"(
    input x : f32[1, 3, 8, 8]
    input y : f32[1, 3, 8, 8]
    a = relu(x)
    output s = add(a, y)
    output a
  )");
  Graph after = g;
  Weights w = randomWeights(g, 3);
  EXPECT_FALSE(createDcePass()->run(after, &w));
  EXPECT_EQ(after, g);
}

TEST(PassDce, WithoutWeights) {
  Graph g = parseModel(R"(
    input x : f32[1, 3, 8, 8]
    d = conv2d(x, out=2, kernel=1)
    output s = sigmoid(x)
  )");
  EXPECT_TRUE(createDcePass()->run(g, nullptr));
  verify(g);
  EXPECT_LT(g.find("d"), 0);
  EXPECT_EQ(g.nodes.size(), 2u);
}

// keepNodes keeps what the marked nodes read, and refuses to drop an output.
TEST(PassDce, KeepNodesClosesOverInputs) {
  Graph g = parseModel(R"(
    input x : f32[1, 3, 8, 8]
    a = relu(x)
    b = tanh(a)
    c = sigmoid(x)
    output o = mul(b, c)
  )");
  std::vector<bool> keep(g.nodes.size(), false);
  keep[static_cast<size_t>(g.find("o"))] = true;
  Graph kept = keepNodes(g, keep);
  EXPECT_EQ(kept, g);
  keep.assign(g.nodes.size(), false);
  EXPECT_THROW(keepNodes(g, keep), Error);
}

} // namespace
