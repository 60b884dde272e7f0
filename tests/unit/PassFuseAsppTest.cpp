// fuse-aspp: a 1x1 projection over a concat becomes a chain of accumulating
// 1x1 convs with the image-pooling branch at its head as a broadcast
// residual; the rewrite leaves other convs and shared concats alone; and the
// graph after it computes what the graph before it computed through the
// reference interpreter on random weights and inputs, on small ASPP heads and
// on DeepLab v3+ at 65x65. Tolerance: the largest absolute difference at most
// 1e-4 times max(1, the largest magnitude of the reference output), because
// the chain sums the projection's products in another order.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Epilogue.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"
#include "passes/FuseAspp.h"
#include "passes/PassManager.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;

namespace {

// See the tolerance in the comment at the top.
constexpr float kTolerance = 1e-4f;

// Runs `before` through the pass manager, then fuse-aspp with the weights.
Rewritten fuse(const Graph &graph, const Weights &weights,
               const std::vector<std::string> &before = {}) {
  return applyPass(*createFuseAsppPass(), graph, weights, before);
}

Rewritten fuseAndCompare(const std::string &text, uint64_t seed) {
  return applyAndCompare(*createFuseAsppPass(), text, seed, kTolerance);
}

// The chain that ends in `last`, first conv first, following residuals while
// they are convs made by the pass (named `<last>.<part>`).
std::vector<const Node *> chain(const Graph &graph, const std::string &last) {
  std::vector<const Node *> nodes = {&named(graph, last)};
  while (hasResidual(*nodes.back())) {
    const Node &r = graph.node(nodes.back()->inputs.back());
    if (r.op != OpKind::Conv2d || r.name.rfind(last + ".", 0) != 0) break;
    nodes.push_back(&r);
  }
  std::reverse(nodes.begin(), nodes.end());
  return nodes;
}

// The ASPP head of docs/format.md, narrower and on a 9x9 map.
std::string asppHead(const std::string &mode, const std::string &projection) {
  return R"(
model aspp_head
input feat : f32[1, 16, 9, 9]
block aspp_branch(x, rate) {
  y = conv2d(x, out=8, kernel=3, dilation=rate, pad=rate, bias=false)
  y = batchnorm(y)
  return relu(y)
}
b0   = relu(batchnorm(conv2d(feat, out=8, kernel=1, bias=false)))
b1   = aspp_branch(feat, rate=2)
b2   = aspp_branch(feat, rate=3)
b3   = aspp_branch(feat, rate=4)
pool = global_avg_pool(feat)
b4   = resize(relu(conv2d(pool, out=8, kernel=1)), like=feat, mode=)" +
         mode + R"()
cat  = concat(b0, b1, b2, b3, b4, axis=1)
)" + projection;
}

} // namespace

TEST(FuseAspp, AsppHeadBecomesAChainHeadedByThePoolingBranch) {
  for (const std::string mode : {"bilinear", "nearest"}) {
    SCOPED_TRACE(mode);
    Rewritten f = fuseAndCompare(
        asppHead(mode, "output proj = relu(batchnorm(conv2d(cat, out=8, kernel=1, bias=false)))\n"),
        7);
    EXPECT_TRUE(f.changed);
    EXPECT_EQ(countOp(f.graph, OpKind::Concat), 0);
    EXPECT_EQ(countOp(f.graph, OpKind::Resize), 0);
    std::vector<const Node *> steps = chain(f.graph, "proj.conv2d");
    ASSERT_EQ(steps.size(), 5u) << printGraph(f.graph);
    EXPECT_EQ(steps[0]->name, "proj.conv2d.b4");
    EXPECT_EQ(f.graph.node(steps[0]->inputs[0]).name, "b4.relu");
    EXPECT_EQ(steps[0]->type.shape, (Shape{1, 8, 1, 1}));
    EXPECT_FALSE(hasResidual(*steps[0]));
    const std::vector<std::string> parts = {"b0", "b1", "b2", "b3"};
    for (size_t k = 1; k < steps.size(); ++k) {
      EXPECT_EQ(f.graph.node(steps[k]->inputs[0]).name, parts[k - 1]);
      EXPECT_EQ(steps[k]->type.shape, (Shape{1, 8, 9, 9}));
      EXPECT_EQ(f.weights.at(steps[k]->name + ".weight").shape(), (Shape{8, 8, 1, 1}));
    }
  }
}

TEST(FuseAspp, BiasGoesFirstActivationLast) {
  Rewritten f = fuseAndCompare(
      asppHead("bilinear",
               "output proj = conv2d(cat, out=6, kernel=1, act=leaky_relu, alpha=0.2)\n"),
      17);
  std::vector<const Node *> steps = chain(f.graph, "proj");
  ASSERT_EQ(steps.size(), 5u);
  for (size_t k = 0; k < steps.size(); ++k) {
    EXPECT_EQ(steps[k]->attrs.getBool("bias"), k == 0);
    EXPECT_EQ(activationOf(*steps[k]),
              k + 1 == steps.size() ? Activation::LeakyRelu : Activation::None);
  }
  EXPECT_DOUBLE_EQ(steps.back()->attrs.getFloat("alpha"), 0.2);
  EXPECT_EQ(f.weights.count("proj.bias"), 0u);
  EXPECT_EQ(f.weights.count(steps[0]->name + ".bias"), 1u);
}

TEST(FuseAspp, PlainConcatWithoutPoolingBranch) {
  Rewritten f = fuseAndCompare(R"(
input a : f32[2, 3, 5, 4]
input b : f32[2, 5, 5, 4]
output y = conv2d(concat(a, b, a), out=4, kernel=1, dilation=3, act=gated)
)",
                               27);
  std::vector<const Node *> steps = chain(f.graph, "y");
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(f.graph.node(steps[0]->inputs[0]).name, "a");
  EXPECT_EQ(f.graph.node(steps[1]->inputs[0]).name, "b");
  EXPECT_EQ(f.graph.node(steps[2]->inputs[0]).name, "a");
  EXPECT_EQ(steps[2]->type.shape, (Shape{2, 2, 5, 4}));
}

TEST(FuseAspp, ResidualOfTheProjectionGoesToTheHead) {
  // A per-channel residual can head the chain with the pooling branch.
  Rewritten small = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
input r : f32[1, 5, 1, 1]
p = resize(global_avg_pool(x), size=[6, 6])
output y = conv2d(concat(x, p), out=5, kernel=1, residual=r)
)",
                                   37);
  std::vector<const Node *> steps = chain(small.graph, "y");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(small.graph.node(steps[0]->inputs.back()).name, "r");
  EXPECT_EQ(countOp(small.graph, OpKind::Resize), 0);

  // A full-size one cannot: the pooling branch is then an ordinary part.
  Rewritten full = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
input r : f32[1, 5, 6, 6]
p = resize(global_avg_pool(x), like=x)
output y = conv2d(concat(x, p), out=5, kernel=1, residual=r)
)",
                                  39);
  steps = chain(full.graph, "y");
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(full.graph.node(steps[0]->inputs.back()).name, "r");
  EXPECT_EQ(full.graph.node(steps[1]->inputs[0]).name, "p");
  EXPECT_EQ(countOp(full.graph, OpKind::Resize), 1);
}

TEST(FuseAspp, OnlyBroadcastPartsStayFullSize) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
g = global_avg_pool(x)
output y = conv2d(concat(resize(g, like=x), resize(g, like=x, mode=bilinear)), out=3, kernel=1)
)",
                               47);
  EXPECT_TRUE(f.changed);
  EXPECT_EQ(countOp(f.graph, OpKind::Resize), 2);
  EXPECT_EQ(named(f.graph, "y").type.shape, (Shape{1, 3, 6, 6}));
}

TEST(FuseAspp, ResizeReadElsewhereIsKept) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
p = resize(global_avg_pool(x), like=x)
output y = conv2d(concat(x, p), out=3, kernel=1)
output z = relu(p)
)",
                               57);
  EXPECT_EQ(countOp(f.graph, OpKind::Concat), 0);
  EXPECT_EQ(countOp(f.graph, OpKind::Resize), 1);
  EXPECT_EQ(chain(f.graph, "y").front()->type.shape, (Shape{1, 3, 1, 1}));
}

TEST(FuseAspp, DoesNotFire) {
  const std::vector<std::string> models = {
      // the concat is read elsewhere
      "c = concat(x, x)\noutput y = conv2d(c, out=3, kernel=1)\noutput z = relu(c)\n",
      // the concat is an output
      "output c = concat(x, x)\noutput y = conv2d(c, out=3, kernel=1)\n",
      // not 1x1, strided, padded, grouped
      "output y = conv2d(concat(x, x), out=3, kernel=3, pad=1)\n",
      "output y = conv2d(concat(x, x), out=3, kernel=1, stride=2)\n",
      "output y = conv2d(concat(x, x), out=3, kernel=1, pad=1)\n",
      "output y = conv2d(concat(x, x), out=4, kernel=1, groups=2)\n",
      // not along channels
      "output y = conv2d(concat(x, x, axis=2), out=3, kernel=1)\n",
      // a conv_transpose is not a projection this pass knows
      "output y = conv_transpose2d(concat(x, x), out=3, kernel=1)\n",
  };
  uint64_t seed = 60;
  for (const std::string &body : models) {
    SCOPED_TRACE(body);
    Rewritten f = fuseAndCompare("input x : f32[1, 4, 6, 6]\n" + body, seed += 2);
    EXPECT_FALSE(f.changed);
  }
}

TEST(FuseAspp, WithoutWeightsTheRewriteIsTheSame) {
  Graph graph = parseModel(
      asppHead("bilinear", "output proj = relu(conv2d(cat, out=8, kernel=1, bias=false))\n"));
  Graph withWeights = graph;
  Weights weights = randomWeights(graph, 1);
  createFuseAsppPass()->run(withWeights, &weights);
  EXPECT_TRUE(createFuseAsppPass()->run(graph, nullptr));
  verify(graph);
  EXPECT_EQ(graph, withWeights);
}

TEST(FuseAspp, DeepLabV3PlusAt65) {
  ParseOptions options;
  options.inputShapes["image"] = {1, 3, 65, 65};
  Graph graph = parseModelFile(
      (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / "deeplabv3plus.atr").string(),
      options);
  const uint64_t seed = 65;
  Weights weights = randomWeights(graph, seed);
  std::vector<std::string> before;
  if (createPass("fold-batchnorm")) before.push_back("fold-batchnorm");
  Rewritten f = fuse(graph, weights, before);
  EXPECT_TRUE(f.changed);
  // The ASPP concat goes; the decoder's concat feeds a 3x3 conv and stays.
  EXPECT_EQ(countOp(f.graph, OpKind::Concat), 1);
  std::vector<const Node *> steps = chain(f.graph, "aspp_proj.conv2d");
  ASSERT_EQ(steps.size(), 5u) << printGraph(f.graph);
  EXPECT_EQ(steps[0]->type.shape, (Shape{1, 128, 1, 1}));
  expectSameOutputs(graph, weights, f.graph, f.weights, seed + 1, kTolerance);
}
