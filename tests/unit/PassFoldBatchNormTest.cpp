// fold-batchnorm, checked numerically: each model runs through the reference
// interpreter before and after the pass (with random weights and inputs,
// batchnorm statistics bent to the edge cases: tiny variance, tiny eps,
// negative gamma), and the outputs must agree to 1e-5 of the largest value of
// their channel. Also checks where the pass must not fire, and the rewrite
// without weights.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "passes/FoldBatchNorm.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;

namespace {

constexpr double kRelativeTolerance = 1e-5;
// Whole models round differently layer after layer once folded.
constexpr double kModelTolerance = 1e-4;

// Compares two results element by element, each within kRelativeTolerance of
// the largest |value| (at least 1) of its channel (axis 1) in `expected`: a
// folded channel scale of 1e4 must not hide the error of a channel near 1.
void expectClosePerChannel(const Tensor &actual, const Tensor &expected,
                           double relative = kRelativeTolerance) {
  ASSERT_EQ(actual.type().str(), expected.type().str());
  const Shape &s = expected.shape();
  const int64_t channels = s.size() > 1 ? s[1] : 1;
  const int64_t inner = expected.numel() / (s[0] * channels);
  std::vector<double> scale(static_cast<size_t>(channels), 1.0);
  for (int64_t i = 0; i < expected.numel(); ++i) {
    auto c = static_cast<size_t>(i / inner % channels);
    scale[c] = std::max(scale[c], std::fabs(static_cast<double>(expected.f32()[i])));
  }
  int failures = 0;
  for (int64_t i = 0; i < expected.numel() && failures < 5; ++i) {
    auto c = static_cast<size_t>(i / inner % channels);
    double tolerance = relative * scale[c];
    if (!(std::fabs(static_cast<double>(actual.f32()[i]) - expected.f32()[i]) <= tolerance)) {
      ADD_FAILURE() << "at flat index " << i << " (channel " << c << "): got " << actual.f32()[i]
                    << ", expected " << expected.f32()[i] << " (tolerance " << tolerance << ")";
      ++failures;
    }
  }
}

using Customize = std::function<void(Weights &)>;

// Parses `text`, runs fold-batchnorm with random weights (seed), checks the
// result and that it computes what the model did. Returns the folded graph.
Graph foldAndCompare(const std::string &text, uint64_t seed, const Customize &customize = {}) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  Graph before = parseModel(text);
  Weights weightsBefore = randomWeights(before, seed);
  if (customize) customize(weightsBefore);
  Rewritten after = applyPass(*createFoldBatchNormPass(), before, weightsBefore);
  std::vector<Tensor> inputs = randomInputsById(before, seed);
  expectOutputs(runReference(after.graph, after.weights, inputs),
                runReference(before, weightsBefore, inputs),
                [](const Tensor &actual, const Tensor &expected) {
                  expectClosePerChannel(actual, expected);
                });
  return after.graph;
}

// The models of models/ at a small input size: every batchnorm folds and the
// outputs stay within kModelTolerance.
TEST(PassFoldBatchNorm, Models) {
  struct Case {
    const char *file, *input;
    Shape shape;
  } cases[] = {
      {"deeplabv3plus.atr", "image", {1, 3, 33, 33}},
      {"fcn_atrous.atr", "image", {1, 3, 32, 32}},
      {"linknet.atr", "image", {1, 3, 32, 32}},
      {"wavenet.atr", "audio", {1, 256, 64}},
  };
  for (const Case &c : cases) {
    const uint64_t seed = 11;
    SCOPED_TRACE(std::string(c.file) + ", seed " + std::to_string(seed));
    ParseOptions options;
    options.inputShapes[c.input] = c.shape;
    Graph before = parseModelFile(
        (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / c.file).string(), options);
    Weights weightsBefore = randomWeights(before, seed);
    Rewritten after = applyPass(*createFoldBatchNormPass(), before, weightsBefore);
    EXPECT_EQ(countOp(after.graph, OpKind::BatchNorm), 0) << printGraph(after.graph);
    Tensor input = randomTensor({DType::F32, c.shape}, seed + 1);
    expectOutputs(runReference(after.graph, after.weights, {input}),
                  runReference(before, weightsBefore, {input}),
                  [](const Tensor &actual, const Tensor &expected) {
                    expectClosePerChannel(actual, expected, kModelTolerance);
                  });
  }
}

// Sets one batchnorm's statistics: `var` everywhere, and gamma negated on
// odd channels.
Customize edgeStatistics(const std::string &bn, float var) {
  return [bn, var](Weights &w) {
    Tensor &v = w.at(bn + ".running_var");
    Tensor &gamma = w.at(bn + ".weight");
    for (int64_t c = 0; c < v.numel(); ++c) {
      v.f32()[c] = var;
      if (c % 2) gamma.f32()[c] = -std::fabs(gamma.f32()[c]);
    }
  };
}

const uint64_t kSeeds[] = {1, 2, 3};

TEST(PassFoldBatchNorm, ConvWithoutBiasGetsOneAndKeepsItsName) {
  const char *text = R"(
    input x : f32[1, 3, 9, 8]
    c = conv2d(x, out=4, kernel=3, pad=1, bias=false)
    n = batchnorm(c)
    output r = relu(n)
  )";
  for (uint64_t seed : kSeeds) {
    Graph g = foldAndCompare(text, seed);
    EXPECT_EQ(countOp(g, OpKind::BatchNorm), 0) << printGraph(g);
    ValueId c = g.find("c");
    ASSERT_GE(c, 0);
    EXPECT_TRUE(g.node(c).attrs.getBool("bias"));
    EXPECT_EQ(g.node(g.find("r")).inputs[0], c);
  }
}

TEST(PassFoldBatchNorm, TinyVarianceNegativeGammaAndTinyEps) {
  for (const char *eps : {"1e-5", "1e-10"}) {
    std::string text = std::string(R"(
      input x : f32[2, 4, 7, 6]
      c = conv2d(x, out=6, kernel=3, dilation=2, pad=2)
      output n = batchnorm(c, eps=)") +
                       eps + ")\n";
    SCOPED_TRACE(std::string("eps ") + eps);
    for (uint64_t seed : kSeeds) {
      Graph g = foldAndCompare(text, seed, edgeStatistics("n", 1e-8f));
      EXPECT_EQ(countOp(g, OpKind::BatchNorm), 0);
    }
  }
}

TEST(PassFoldBatchNorm, GroupedAndDepthwiseConvs) {
  for (const char *groups : {"2", "6"}) {
    std::string text = std::string(R"(
      input x : f32[1, 6, 8, 8]
      c = conv2d(x, out=12, kernel=3, pad=1, groups=)") +
                       groups + R"()
      output n = batchnorm(c)
    )";
    SCOPED_TRACE(std::string("groups ") + groups);
    for (uint64_t seed : kSeeds)
      EXPECT_EQ(countOp(foldAndCompare(text, seed, edgeStatistics("n", 0.25f)), OpKind::BatchNorm),
                0);
  }
}

TEST(PassFoldBatchNorm, Conv1d) {
  const char *text = R"(
    input x : f32[1, 4, 20]
    c = conv1d(x, out=6, kernel=2, dilation=4, pad=causal, bias=false)
    output n = batchnorm(c)
  )";
  for (uint64_t seed : kSeeds)
    EXPECT_EQ(countOp(foldAndCompare(text, seed, edgeStatistics("n", 3.0f)), OpKind::BatchNorm), 0);
}

// Transposed weights are [C, out/groups, k...]; with 4 input and 6 output
// channels in 2 groups a layout mistake cannot go unnoticed.
TEST(PassFoldBatchNorm, GroupedTransposedConvs) {
  const char *text = R"(
    input x : f32[1, 4, 5, 6]
    input s : f32[1, 4, 9]
    t = conv_transpose2d(x, out=6, kernel=3, stride=2, pad=1, output_padding=1, groups=2, bias=false)
    output n = batchnorm(t)
    u = conv_transpose1d(s, out=6, kernel=4, stride=2, groups=2)
    output m = batchnorm(u)
  )";
  for (uint64_t seed : kSeeds) {
    Graph g = foldAndCompare(text, seed, [](Weights &w) {
      edgeStatistics("n", 0.5f)(w);
      edgeStatistics("m", 1e-8f)(w);
    });
    EXPECT_EQ(countOp(g, OpKind::BatchNorm), 0);
  }
}

TEST(PassFoldBatchNorm, Linear) {
  const char *text = R"(
    input x : f32[3, 10]
    l = linear(x, out=5)
    output n = batchnorm(l)
  )";
  for (uint64_t seed : kSeeds)
    EXPECT_EQ(countOp(foldAndCompare(text, seed, edgeStatistics("n", 2.0f)), OpKind::BatchNorm), 0);
}

TEST(PassFoldBatchNorm, ChainOfTwoBatchnormsFoldsBoth) {
  const char *text = R"(
    input x : f32[1, 3, 6, 6]
    c = conv2d(x, out=4, kernel=1)
    output n2 = batchnorm(batchnorm(c))
  )";
  for (uint64_t seed : kSeeds) {
    Graph g = foldAndCompare(text, seed);
    EXPECT_EQ(countOp(g, OpKind::BatchNorm), 0);
    ASSERT_EQ(g.outputs.size(), 1u);
    EXPECT_EQ(g.node(g.outputs[0]).name, "c");
  }
}

// The batchnorm is an output and feeds another node: both now read the conv.
TEST(PassFoldBatchNorm, BatchnormThatIsAnOutput) {
  const char *text = R"(
    input x : f32[1, 3, 6, 6]
    c = conv2d(x, out=4, kernel=3, pad=1)
    output n = batchnorm(c)
    output r = relu(n)
  )";
  for (uint64_t seed : kSeeds) {
    Graph g = foldAndCompare(text, seed, edgeStatistics("n", 0.1f));
    ValueId c = g.find("c");
    ASSERT_GE(c, 0);
    EXPECT_EQ(g.outputs[0], c);
    EXPECT_EQ(g.node(g.find("r")).inputs[0], c);
  }
}

TEST(PassFoldBatchNorm, DoesNotFireWhereItMustNot) {
  const char *cases[] = {
      // The conv has another user.
      R"(input x : f32[1, 3, 6, 6]
         c = conv2d(x, out=4, kernel=1)
         n = batchnorm(c)
         output s = add(n, c))",
      // The conv is a graph output.
      R"(input x : f32[1, 3, 6, 6]
         output c = conv2d(x, out=4, kernel=1)
         output n = batchnorm(c))",
      // The conv has a fused activation.
      R"(input x : f32[1, 3, 6, 6]
         c = conv2d(x, out=4, kernel=1, act=relu)
         output n = batchnorm(c))",
      // The conv has a fused residual.
      R"(input x : f32[1, 4, 6, 6]
         c = conv2d(x, out=4, kernel=1, residual=x)
         output n = batchnorm(c))",
      // The batchnorm reads something that is not a conv.
      R"(input x : f32[1, 4, 6, 6]
         output n = batchnorm(relu(x)))",
  };
  for (const char *text : cases) {
    SCOPED_TRACE(text);
    Graph g = parseModel(text);
    Weights w = randomWeights(g, 7);
    Graph after = g;
    Weights weightsAfter = w;
    EXPECT_FALSE(createFoldBatchNormPass()->run(after, &weightsAfter));
    EXPECT_EQ(after, g);
    EXPECT_EQ(weightsAfter, w);
  }
}

// Without weights the graph is rewritten all the same, and the weights of
// the folded graph are exactly those of its conv.
TEST(PassFoldBatchNorm, WithoutWeightsRewritesTheGraph) {
  Graph g = parseModel(R"(
    input x : f32[1, 3, 6, 6]
    c = conv2d(x, out=4, kernel=3, bias=false)
    output n = batchnorm(c)
  )");
  EXPECT_TRUE(createFoldBatchNormPass()->run(g, nullptr));
  verify(g);
  EXPECT_EQ(countOp(g, OpKind::BatchNorm), 0);
  ValueId c = g.find("c");
  ASSERT_GE(c, 0);
  EXPECT_TRUE(g.node(c).attrs.getBool("bias"));
  std::vector<ParamSpec> specs = paramSpecs(g);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "c.weight");
  EXPECT_EQ(specs[1].name, "c.bias");
}

} // namespace
