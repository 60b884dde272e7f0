// fuse-resize-argmax: the fused resize_argmax, and an argmax that skips a
// softmax, give exactly the class indices of the original graph on the
// reference interpreter, over resize modes, sizes, align_corners, axis
// spellings and keepdims; and the rewrite does not fire where it would
// change results or lose a value another node reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Weights.h"
#include "passes/FuseResizeArgMax.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

namespace atrous {
namespace {

// The smallest gap between the two largest values along the channel axis of
// an NC... tensor: results of argmax are only compared on inputs where this
// is clearly positive, so that an equal-up-to-rounding evaluation order could
// not flip a class.
float channelMargin(const Tensor &t) {
  const int64_t channels = t.shape()[1];
  const int64_t inner = t.numel() / t.shape()[0] / channels;
  float margin = 1e30f;
  for (int64_t n = 0; n < t.shape()[0]; ++n)
    for (int64_t p = 0; p < inner; ++p) {
      float best = -1e30f, second = -1e30f;
      for (int64_t c = 0; c < channels; ++c) {
        const float v = t.f32()[(n * channels + c) * inner + p];
        if (v > best) {
          second = best;
          best = v;
        } else if (v > second) {
          second = v;
        }
      }
      margin = std::min(margin, best - second);
    }
  return margin;
}

// An input, drawn from seeds `seed`, `seed + 1`, ..., on which the value
// named `marginOf` has a channel margin of at least 1e-5 (a hundred float
// roundings of values near 1).
Tensor inputWithoutNearTies(const Graph &g, const Weights &w, const std::string &marginOf,
                            uint64_t seed) {
  for (uint64_t s = seed; s < seed + 100; ++s) {
    Tensor x = randomTensor(g.type(0), s);
    std::vector<Tensor> all = runReferenceAll(g, w, {x});
    if (channelMargin(all.at(static_cast<size_t>(g.find(marginOf)))) >= 1e-5f) return x;
  }
  ADD_FAILURE() << "no input without near-ties in 100 seeds from " << seed;
  return randomTensor(g.type(0), seed);
}

struct Outcome {
  Graph graph;
  bool changed;
};

// Runs the pass on `text` with weights, checks the graph and weights, and
// expects every output to equal the original's exactly.
Outcome checkPass(const std::string &text, const std::string &marginOf, uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " model:\n" + text);
  Graph before = parseModel(text);
  Weights weights = randomWeights(before, seed);
  Tensor x = inputWithoutNearTies(before, weights, marginOf, seed);
  std::vector<Tensor> expected = runReference(before, weights, {x});
  pass_test::Rewritten after = pass_test::applyPass(*createFuseResizeArgMaxPass(), before, weights);
  pass_test::expectOutputs(runReference(after.graph, after.weights, {x}), expected,
                           [](const Tensor &actual, const Tensor &expected) {
                             EXPECT_TRUE(actual == expected) << "differs";
                           });
  return {after.graph, after.changed};
}

TEST(PassFuseResizeArgMax, RandomizedResizesMatchExactly) {
  const std::vector<std::string> resizes = {
      "size=[17, 23], mode=bilinear", "size=[9, 31], mode=bilinear, align_corners=true",
      "scale=2.5, mode=nearest",      "size=[13, 7], mode=nearest",
      "like=big, mode=bilinear",      "like=big, mode=bilinear, align_corners=true",
  };
  std::mt19937 rng(2024);
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    const std::string resize = resizes[seed % resizes.size()];
    const bool keep = rng() % 2;
    const std::string axis = rng() % 2 ? "1" : "-3";
    const int classes = 2 + static_cast<int>(rng() % 5);
    const std::string text = "input x : f32[2, 3, 5, 6]\n"
                             "big = conv2d(x, out=2, kernel=1, stride=1, pad=[3, 5])\n"
                             "logits = conv2d(x, out=" +
                             std::to_string(classes) +
                             ", kernel=3, pad=1)\n"
                             "up = resize(logits, " +
                             resize +
                             ")\n"
                             "output cls = argmax(up, axis=" +
                             axis + ", keepdims=" + (keep ? "true" : "false") + ")\n";
    Outcome o = checkPass(text, "up", seed * 100);
    EXPECT_TRUE(o.changed);
    EXPECT_EQ(pass_test::countOp(o.graph, OpKind::Resize), 0);
    EXPECT_EQ(pass_test::countOp(o.graph, OpKind::ArgMax), 0);
    const ValueId cls = o.graph.find("cls");
    ASSERT_GE(cls, 0);
    EXPECT_EQ(o.graph.node(cls).op, OpKind::ResizeArgMax);
  }
}

TEST(PassFuseResizeArgMax, SoftmaxUnderArgMaxIsDropped) {
  const std::string text = "input x : f32[1, 4, 6, 5]\n"
                           "logits = conv2d(x, out=5, kernel=3, pad=1)\n"
                           "prob = softmax(logits, axis=1)\n"
                           "up = resize(prob, size=[11, 9], mode=bilinear)\n"
                           "p2 = softmax(up, axis=-3)\n"
                           "output cls = argmax(p2, axis=1, keepdims=false)\n";
  // Softmax over the resized probabilities goes; the resize then fuses; the
  // softmax under the resize stays (bilinear of probabilities is not of logits).
  Outcome o = checkPass(text, "up", 5);
  EXPECT_TRUE(o.changed);
  EXPECT_EQ(pass_test::countOp(o.graph, OpKind::Softmax), 1);
  EXPECT_EQ(pass_test::countOp(o.graph, OpKind::ResizeArgMax), 1);
  EXPECT_GE(o.graph.find("prob"), 0);
}

TEST(PassFuseResizeArgMax, SoftmaxWithAnotherReaderStays) {
  const std::string text = "input x : f32[1, 3, 4, 4]\n"
                           "logits = conv2d(x, out=6, kernel=1)\n"
                           "prob = softmax(logits)\n"
                           "output prob\n"
                           "output cls = argmax(prob)\n";
  Outcome o = checkPass(text, "logits", 9);
  EXPECT_TRUE(o.changed);
  EXPECT_EQ(pass_test::countOp(o.graph, OpKind::Softmax), 1);
  const Node &cls = o.graph.node(o.graph.find("cls"));
  EXPECT_EQ(o.graph.node(cls.inputs[0]).name, "logits");
}

TEST(PassFuseResizeArgMax, DoesNotFireWhereItWouldChangeOrLoseValues) {
  const std::vector<std::string> texts = {
      // The resized logits are an output too.
      "input x : f32[1, 3, 4, 4]\n"
      "up = resize(x, size=[8, 8], mode=bilinear)\n"
      "output up\n"
      "output cls = argmax(up)\n",
      // Another node reads the resize.
      "input x : f32[1, 3, 4, 4]\n"
      "up = resize(x, size=[8, 8], mode=bilinear)\n"
      "output r = relu(up)\n"
      "output cls = argmax(up)\n",
      // argmax over a spatial axis.
      "input x : f32[1, 3, 4, 4]\n"
      "up = resize(x, size=[8, 8], mode=bilinear)\n"
      "output cls = argmax(up, axis=2)\n",
      // softmax over another axis than the argmax.
      "input x : f32[1, 3, 4, 4]\n"
      "p = softmax(x, axis=2)\n"
      "output cls = argmax(p, axis=1)\n",
  };
  for (const std::string &text : texts) {
    Graph g = parseModel(text);
    Graph original = g;
    Weights w = randomWeights(g, 1);
    EXPECT_FALSE(createFuseResizeArgMaxPass()->run(g, &w)) << text;
    EXPECT_TRUE(g == original) << text;
  }
}

} // namespace
} // namespace atrous
