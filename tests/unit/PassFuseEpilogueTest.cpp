// fuse-epilogue: each fusion (bias, activations, residual add, gated unit)
// fires where it should and leaves the graph alone where it must not, and the
// graph after the pass computes what the graph before it computed through the
// reference interpreter on random weights and inputs, also on the seed models
// (after fold-batchnorm when that pass is registered). Tolerance: the largest
// absolute difference at most 1e-4 times max(1, the largest magnitude of the
// reference output); a fused bias sums two vectors first, the rest is exact.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <ostream>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Epilogue.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"
#include "passes/FuseEpilogue.h"
#include "passes/PassManager.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;

namespace {

// See the tolerance in the comment at the top.
constexpr float kTolerance = 1e-4f;

// Runs `before` through the pass manager, then fuse-epilogue with the
// weights.
Rewritten fuse(const Graph &graph, const Weights &weights,
               const std::vector<std::string> &before = {}) {
  return applyPass(*createFuseEpiloguePass(), graph, weights, before);
}

// Fuses `text` with random weights (seed `seed`) and checks the outputs agree.
Rewritten fuseAndCompare(const std::string &text, uint64_t seed) {
  return applyAndCompare(*createFuseEpiloguePass(), text, seed, kTolerance);
}

std::map<OpKind, int> opCounts(const Graph &graph) {
  std::map<OpKind, int> counts;
  for (const Node &n : graph.nodes)
    ++counts[n.op];
  return counts;
}

} // namespace

TEST(FuseEpilogue, BiasAndReluJoinAConvWithoutBias) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 7, 7]
c = conv2d(x, out=6, kernel=3, pad=1, bias=false)
b = bias(c)
output y = relu(b)
)",
                               11);
  EXPECT_TRUE(f.changed);
  ASSERT_EQ(f.graph.nodes.size(), 2u);
  const Node &c = named(f.graph, "c");
  EXPECT_TRUE(c.attrs.getBool("bias"));
  EXPECT_EQ(activationOf(c), Activation::Relu);
  EXPECT_EQ(f.graph.outputs, std::vector<ValueId>{f.graph.find("c")});
  EXPECT_EQ(f.weights.count("b.bias"), 0u);
}

TEST(FuseEpilogue, BiasOpAddsIntoAnExistingBias) {
  Graph graph = parseModel(R"(
input x : f32[2, 5]
l = linear(x, out=3)
output y = bias(l)
)");
  Weights weights = randomWeights(graph, 5);
  Rewritten f = fuse(graph, weights);
  ASSERT_EQ(f.graph.nodes.size(), 2u);
  for (int i = 0; i < 3; ++i)
    EXPECT_FLOAT_EQ(f.weights.at("l.bias").f32()[i],
                    weights.at("l.bias").f32()[i] + weights.at("y.bias").f32()[i]);
  expectSameOutputs(graph, weights, f.graph, f.weights, 6, kTolerance);
}

TEST(FuseEpilogue, EveryActivationBecomesAct) {
  const std::map<std::string, Activation> acts = {{"relu", Activation::Relu},
                                                  {"relu6", Activation::Relu6},
                                                  {"leaky_relu", Activation::LeakyRelu},
                                                  {"sigmoid", Activation::Sigmoid},
                                                  {"tanh", Activation::Tanh}};
  uint64_t seed = 20;
  for (const auto &[op, act] : acts) {
    SCOPED_TRACE(op);
    std::string args = op == "leaky_relu" ? ", alpha=0.25" : "";
    Rewritten f = fuseAndCompare("input x : f32[1, 3, 9]\n"
                                 "c = conv1d(x, out=4, kernel=3, dilation=2, pad=causal)\n"
                                 "output y = " +
                                     op + "(c" + args + ")\n",
                                 seed += 2);
    ASSERT_EQ(f.graph.nodes.size(), 2u);
    EXPECT_EQ(activationOf(named(f.graph, "c")), act);
    if (op == "leaky_relu") {
      EXPECT_DOUBLE_EQ(named(f.graph, "c").attrs.getFloat("alpha"), 0.25);
    }
  }
}

TEST(FuseEpilogue, ASecondActivationStaysOutside) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 3, 6, 6]
c = conv_transpose2d(x, out=4, kernel=3, stride=2, pad=1, output_padding=1)
output y = sigmoid(relu(c))
)",
                               31);
  EXPECT_EQ(activationOf(named(f.graph, "c")), Activation::Relu);
  EXPECT_EQ(opCounts(f.graph)[OpKind::Sigmoid], 1);
}

TEST(FuseEpilogue, ResNetBlockBecomesOneConvWithResidualAndRelu) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 8, 6, 6]
c1 = conv2d(x, out=8, kernel=3, pad=1)
r1 = relu(c1)
c2 = conv2d(r1, out=8, kernel=3, pad=1)
output y = relu(add(c2, x))
)",
                               41);
  ASSERT_EQ(f.graph.nodes.size(), 3u);
  const Node &c2 = named(f.graph, "c2");
  ASSERT_TRUE(hasResidual(c2));
  EXPECT_EQ(f.graph.node(c2.inputs.back()).name, "x");
  EXPECT_EQ(activationOf(c2), Activation::Relu);
  EXPECT_EQ(activationOf(named(f.graph, "c1")), Activation::Relu);
}

TEST(FuseEpilogue, ResidualOnTheLeftAndBroadcastResidual) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 5, 5]
input s : f32[1, 6, 1, 1]
c = conv2d(x, out=6, kernel=1)
output y = tanh(add(s, c))
)",
                               51);
  const Node &c = named(f.graph, "c");
  ASSERT_TRUE(hasResidual(c));
  EXPECT_EQ(f.graph.node(c.inputs.back()).name, "s");
  EXPECT_EQ(activationOf(c), Activation::Tanh);
}

TEST(FuseEpilogue, AddThatWidensTheConvIsNotFused) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 1, 1]
input big : f32[1, 6, 5, 5]
c = conv2d(x, out=6, kernel=1)
output y = add(c, big)
)",
                               55);
  EXPECT_FALSE(f.changed);
}

TEST(FuseEpilogue, AddOfTwoConvsFusesIntoTheLaterOne) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
a = conv2d(x, out=5, kernel=3, pad=1)
b = conv2d(x, out=5, kernel=1)
output y = relu(add(a, b))
)",
                               61);
  ASSERT_EQ(f.graph.nodes.size(), 3u);
  EXPECT_FALSE(hasResidual(named(f.graph, "a")));
  const Node &b = named(f.graph, "b");
  ASSERT_TRUE(hasResidual(b));
  EXPECT_EQ(f.graph.node(b.inputs.back()).name, "a");
  EXPECT_EQ(activationOf(b), Activation::Relu);
}

TEST(FuseEpilogue, ResidualDefinedAfterTheConvIsNotFused) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
c = conv2d(x, out=4, kernel=3, pad=1)
r = sigmoid(x)
output y = add(c, r)
)",
                               71);
  EXPECT_FALSE(f.changed);
  EXPECT_EQ(opCounts(f.graph)[OpKind::Add], 1);
}

TEST(FuseEpilogue, ConvReadTwiceOrAnOutputIsNotFused) {
  Rewritten shared = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
c = conv2d(x, out=4, kernel=3, pad=1)
output a = relu(c)
output b = add(c, x)
)",
                                    81);
  EXPECT_FALSE(shared.changed);
  Rewritten output = fuseAndCompare(R"(
input x : f32[1, 4, 6, 6]
output c = conv2d(x, out=4, kernel=3, pad=1)
output a = relu(c)
)",
                                    83);
  EXPECT_FALSE(output.changed);
}

TEST(FuseEpilogue, GatedUnitInEitherOrder) {
  for (const std::string mul : {"mul(t, s)", "mul(s, t)"}) {
    SCOPED_TRACE(mul);
    Rewritten f = fuseAndCompare("input x : f32[1, 4, 12]\n"
                                 "h = conv1d(x, out=8, kernel=2, dilation=2, pad=causal)\n"
                                 "t = tanh(slice(h, axis=1, start=0, end=4))\n"
                                 "s = sigmoid(slice(h, axis=-2, start=-4, end=100))\n"
                                 "g = " +
                                     mul +
                                     "\n"
                                     "output y = add(x, conv1d(g, out=4, kernel=1))\n",
                                 91);
    ASSERT_EQ(f.graph.nodes.size(), 3u) << printGraph(f.graph);
    EXPECT_EQ(activationOf(named(f.graph, "h")), Activation::Gated);
    EXPECT_EQ(named(f.graph, "h").type.shape, (Shape{1, 4, 12}));
    EXPECT_TRUE(hasResidual(named(f.graph, "y.conv1d")));
  }
}

TEST(FuseEpilogue, NotAGatedUnit) {
  const std::vector<std::string> bodies = {
      // halves swapped between tanh and sigmoid
      "t = tanh(slice(h, axis=1, start=4, end=8))\n"
      "s = sigmoid(slice(h, axis=1, start=0, end=4))\n"
      "output g = mul(t, s)\n",
      // not halves
      "t = tanh(slice(h, axis=1, start=0, end=3))\n"
      "s = sigmoid(slice(h, axis=1, start=3, end=6))\n"
      "output g = mul(t, s)\n",
      // a slice read elsewhere too
      "f = slice(h, axis=1, start=0, end=4)\n"
      "s = sigmoid(slice(h, axis=1, start=4, end=8))\n"
      "output g = mul(tanh(f), s)\n"
      "output e = relu(f)\n",
      // two different muls
      "t = tanh(slice(h, axis=1, start=0, end=4))\n"
      "s = sigmoid(slice(h, axis=1, start=4, end=8))\n"
      "output g = mul(t, t)\n"
      "output e = mul(s, s)\n",
  };
  uint64_t seed = 100;
  for (const std::string &body : bodies) {
    SCOPED_TRACE(body);
    Rewritten f = fuseAndCompare(
        "input x : f32[1, 4, 12]\nh = conv1d(x, out=8, kernel=3, pad=1)\n" + body, seed += 2);
    EXPECT_FALSE(f.changed);
  }
}

TEST(FuseEpilogue, LinearTakesBiasResidualAndActivation) {
  Rewritten f = fuseAndCompare(R"(
input x : f32[3, 5]
input r : f32[3, 4]
l = linear(x, out=4, bias=false)
output y = leaky_relu(add(r, bias(l)), alpha=0.1)
)",
                               121);
  ASSERT_EQ(f.graph.nodes.size(), 3u);
  const Node &l = named(f.graph, "l");
  EXPECT_TRUE(l.attrs.getBool("bias"));
  EXPECT_TRUE(hasResidual(l));
  EXPECT_EQ(activationOf(l), Activation::LeakyRelu);
}

TEST(FuseEpilogue, WithoutWeightsTheRewriteIsTheSame) {
  Graph graph = parseModel(R"(
input x : f32[1, 4, 6, 6]
c = conv2d(x, out=4, kernel=3, pad=1, bias=false)
output y = relu(bias(c))
)");
  Graph withWeights = graph;
  Weights weights = randomWeights(graph, 1);
  createFuseEpiloguePass()->run(withWeights, &weights);
  EXPECT_TRUE(createFuseEpiloguePass()->run(graph, nullptr));
  verify(graph);
  EXPECT_EQ(graph, withWeights);
}

namespace {

struct ModelCase {
  std::string file;
  std::string input;
  Shape shape;
};

// Names the case in test listings (and so in ctest) by its file.
void PrintTo(const ModelCase &c, std::ostream *os) {
  *os << c.file;
}

std::string modelPath(const std::string &file) {
  return (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / file).string();
}

// fold-batchnorm first when it is registered: it is what leaves convs
// directly in front of the ops this pass fuses in the residual networks.
std::vector<std::string> foldFirst() {
  if (createPass("fold-batchnorm")) return {"fold-batchnorm"};
  return {};
}

class FuseEpilogueModels : public testing::TestWithParam<ModelCase> {};

} // namespace

TEST_P(FuseEpilogueModels, SameOutputsAtTestSize) {
  const ModelCase &c = GetParam();
  ParseOptions options;
  options.inputShapes[c.input] = c.shape;
  Graph graph = parseModelFile(modelPath(c.file), options);
  const uint64_t seed = 4242;
  Weights weights = randomWeights(graph, seed);
  Rewritten f = fuse(graph, weights, foldFirst());
  EXPECT_TRUE(f.changed);
  expectSameOutputs(graph, weights, f.graph, f.weights, seed + 1, kTolerance);
  std::map<OpKind, int> ops = opCounts(f.graph);
  if (c.file == "wavenet.atr") {
    // Every gate, residual and skip add and head relu lands in a conv.
    for (OpKind op :
         {OpKind::Add, OpKind::Mul, OpKind::Slice, OpKind::Tanh, OpKind::Sigmoid, OpKind::Relu})
      EXPECT_EQ(ops[op], 0) << opName(op);
  } else if (c.file == "deeplabv3plus.atr" && !foldFirst().empty()) {
    // Every residual block ends in one conv with its shortcut and relu.
    EXPECT_EQ(ops[OpKind::Add], 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, FuseEpilogueModels,
                         testing::Values(ModelCase{"wavenet.atr", "audio", {1, 256, 600}},
                                         ModelCase{"linknet.atr", "image", {1, 3, 64, 64}},
                                         ModelCase{"deeplabv3plus.atr", "image", {1, 3, 65, 65}}),
                         [](const testing::TestParamInfo<ModelCase> &info) {
                           return info.param.file.substr(0, info.param.file.find('.'));
                         });
