// lower-conv-transpose: the phase convolutions and interleave compute what the
// transposed conv computed, on the reference interpreter with random weights
// and inputs, over a randomized sweep of strides, kernels, padding, output
// padding, dilation, groups and odd sizes in 1-D and 2-D; and the rewrite
// uses each original tap in exactly one phase (the sub-pixel property).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Error.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"
#include "passes/LowerConvTranspose.h"
#include "reference/Interpreter.h"

namespace atrous {
namespace {

using Ints = std::vector<int64_t>;

struct Case {
  int rank = 2;
  Ints in, stride, kernel, dilation, padBegin, padEnd, outputPadding;
  int64_t channels = 2, out = 2, groups = 1;
  bool bias = true;
  std::string act = "none";

  std::string str() const {
    auto list = [](const Ints &v) { return shapeStr(v); };
    return "rank " + std::to_string(rank) + " in " + list(in) + " stride " + list(stride) +
           " kernel " + list(kernel) + " dilation " + list(dilation) + " pad " + list(padBegin) +
           "/" + list(padEnd) + " output_padding " + list(outputPadding) + " channels " +
           std::to_string(channels) + " out " + std::to_string(out) + " groups " +
           std::to_string(groups) + (bias ? " bias" : " no bias");
  }
};

Graph buildGraph(const Case &c) {
  Graph g;
  g.name = "t";
  Shape shape = {2, c.channels};
  shape.insert(shape.end(), c.in.begin(), c.in.end());
  ValueId x = g.addInput("x", {DType::F32, shape});
  Node n;
  n.name = "up";
  n.op = c.rank == 1 ? OpKind::ConvTranspose1d : OpKind::ConvTranspose2d;
  n.inputs = {x};
  Ints pads = c.padBegin;
  pads.insert(pads.end(), c.padEnd.begin(), c.padEnd.end());
  n.attrs.set("out", c.out);
  n.attrs.set("kernel", c.kernel);
  n.attrs.set("stride", c.stride);
  n.attrs.set("dilation", c.dilation);
  n.attrs.set("pad", pads);
  n.attrs.set("output_padding", c.outputPadding);
  n.attrs.set("groups", c.groups);
  n.attrs.set("bias", c.bias);
  n.attrs.set("act", c.act);
  ValueId up = g.addNode(n);
  // A reader of the transposed conv, so the rewrite must keep its name and
  // type for users, not only for the graph output.
  Node r;
  r.name = "after";
  r.op = OpKind::Relu;
  r.inputs = {up};
  g.outputs = {up, g.addNode(r)};
  return g;
}

int64_t kernelElements(const Node &n) {
  int64_t k = 1;
  for (int64_t v : n.attrs.getInts("kernel"))
    k *= v;
  if (n.op == OpKind::Conv2d && n.attrs.getInts("kernel").size() == 1) k *= k;
  return k;
}

// Every element within `relative` times the largest |expected| (at least 1).
void expectNear(const Tensor &actual, const Tensor &expected, double relative) {
  ASSERT_EQ(actual.type(), expected.type());
  double scale = 1.0;
  for (int64_t i = 0; i < expected.numel(); ++i)
    scale = std::max(scale, std::fabs(static_cast<double>(expected.f32()[i])));
  int failures = 0;
  for (int64_t i = 0; i < expected.numel() && failures < 5; ++i)
    if (!(std::fabs(actual.f32()[i] - expected.f32()[i]) <= relative * scale)) {
      ADD_FAILURE() << "index " << i << ": " << actual.f32()[i] << " vs " << expected.f32()[i]
                    << " (tolerance " << relative * scale << ")";
      ++failures;
    }
}

// Runs the pass with weights, checks the rewritten graph and compares the
// outputs with the original within 1e-5 of the largest output magnitude (both
// sides accumulate in double; only the final rounding to float differs).
void checkLowering(const Case &c, uint64_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed) + ": " + c.str());
  Graph before = buildGraph(c);
  Weights weights = randomWeights(before, seed);
  Tensor x = randomTensor(before.type(0), seed + 1);
  std::vector<Tensor> expected = runReference(before, weights, {x});

  Graph after = before;
  Weights rewritten = weights;
  ASSERT_TRUE(createLowerConvTransposePass()->run(after, &rewritten));
  verify(after);
  checkWeights(after, rewritten);

  int64_t phases = 1, originalTaps = 1, phaseTaps = 0;
  for (size_t d = 0; d < c.stride.size(); ++d) {
    phases *= c.stride[d];
    originalTaps *= c.kernel[d];
  }
  const ValueId join = after.find("up");
  ASSERT_GE(join, 0);
  EXPECT_EQ(after.node(join).op, OpKind::Interleave);
  EXPECT_EQ(after.node(join).inputs.size(), static_cast<size_t>(phases));
  for (const Node &n : after.nodes) {
    EXPECT_FALSE(isConvTranspose(n.op)) << n.name;
    if (isConv(n.op)) {
      EXPECT_EQ(n.attrs.getInts("stride"), Ints{1}) << n.name;
      phaseTaps += kernelElements(n);
    }
  }
  // Every tap in at most one phase (exactly one unless its phase never
  // reaches the input): no phase multiplies an inserted zero.
  EXPECT_LE(phaseTaps, originalTaps);

  std::vector<Tensor> actual = runReference(after, rewritten, {x});
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t o = 0; o < expected.size(); ++o) {
    SCOPED_TRACE("output " + std::to_string(o));
    expectNear(actual[o], expected[o], 1e-5);
  }
}

// A random valid case: draws until shape inference accepts it.
Case randomCase(std::mt19937 &rng) {
  auto pick = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (;;) {
    Case c;
    c.rank = static_cast<int>(pick(1, 2));
    c.groups = pick(1, 2);
    c.channels = c.groups * pick(1, 2);
    c.out = c.groups * pick(1, 3);
    c.bias = pick(0, 3) != 0;
    for (int d = 0; d < c.rank; ++d) {
      c.in.push_back(pick(1, 7));
      c.stride.push_back(pick(2, 3));
      c.kernel.push_back(pick(1, 5));
      c.dilation.push_back(pick(1, 2));
      c.padBegin.push_back(pick(0, 2));
      c.padEnd.push_back(pick(0, 2) == 0 ? pick(0, 2) : c.padBegin.back());
      c.outputPadding.push_back(pick(0, std::max(c.stride[d], c.dilation[d]) - 1));
    }
    if (c.rank == 2 && pick(0, 4) == 0) c.stride[pick(0, 1)] = 1; // one dim not strided
    if (c.rank == 2 && c.outputPadding[0] >= std::max(c.stride[0], c.dilation[0]))
      c.outputPadding[0] = 0;
    if (c.rank == 2 && c.outputPadding[1] >= std::max(c.stride[1], c.dilation[1]))
      c.outputPadding[1] = 0;
    try {
      buildGraph(c);
      return c;
    } catch (const Error &) {
      continue; // padding that leaves no output: draw again
    }
  }
}

TEST(PassLowerConvTranspose, RandomizedSweepMatchesReference) {
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    std::mt19937 rng(static_cast<uint32_t>(seed));
    checkLowering(randomCase(rng), seed);
  }
}

TEST(PassLowerConvTranspose, LinkNetDecoderShape) {
  // kernel 3, stride 2, pad 1, output_padding 1: exactly doubles the size.
  Case c;
  c.in = {5, 6};
  c.stride = {2, 2};
  c.kernel = {3, 3};
  c.dilation = {1, 1};
  c.padBegin = c.padEnd = {1, 1};
  c.outputPadding = {1, 1};
  c.channels = 4;
  c.out = 3;
  checkLowering(c, 101);
}

TEST(PassLowerConvTranspose, KernelSmallerThanStrideLeavesBiasOnlyPhases) {
  Case c;
  c.rank = 1;
  c.in = {4};
  c.stride = {3};
  c.kernel = {1};
  c.dilation = {1};
  c.padBegin = c.padEnd = {0};
  c.outputPadding = {2};
  checkLowering(c, 7);
  Graph g = buildGraph(c);
  ASSERT_TRUE(createLowerConvTransposePass()->run(g, nullptr));
  int convs = 0, biases = 0;
  for (const Node &n : g.nodes) {
    convs += isConv(n.op);
    biases += n.op == OpKind::Bias;
  }
  EXPECT_EQ(convs, 1);
  EXPECT_EQ(biases, 1); // both tapless phases have the same extent and share it
}

TEST(PassLowerConvTranspose, DilationSharingAFactorWithStride) {
  for (bool bias : {true, false}) {
    Case c;
    c.in = {3, 4};
    c.stride = {2, 2};
    c.kernel = {3, 2};
    c.dilation = {2, 2};
    c.padBegin = {0, 1};
    c.padEnd = {2, 0};
    c.outputPadding = {1, 0};
    c.bias = bias;
    checkLowering(c, bias ? 11 : 12);
  }
}

TEST(PassLowerConvTranspose, DepthwiseWithLargePadding) {
  Case c;
  c.in = {6, 5};
  c.stride = {3, 2};
  c.kernel = {5, 4};
  c.dilation = {1, 2};
  c.padBegin = {2, 3};
  c.padEnd = {4, 1};
  c.outputPadding = {0, 1};
  c.channels = c.out = c.groups = 3;
  checkLowering(c, 21);
}

TEST(PassLowerConvTranspose, LinkNetMatchesReference) {
  // Five transposed convs in a deep network: within 1e-4 of the largest
  // output, for float rounding differences compounded through the layers.
  ParseOptions options;
  options.inputShapes["image"] = {1, 3, 32, 32};
  Graph before = parseModelFile(
      (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / "linknet.atr").string(), options);
  Weights weights = randomWeights(before, 17);
  Tensor x = randomTensor(before.type(0), 18);
  Graph after = before;
  Weights rewritten = weights;
  ASSERT_TRUE(createLowerConvTransposePass()->run(after, &rewritten));
  verify(after);
  checkWeights(after, rewritten);
  int interleaves = 0;
  for (const Node &n : after.nodes) {
    EXPECT_FALSE(isConvTranspose(n.op)) << n.name;
    interleaves += n.op == OpKind::Interleave;
  }
  EXPECT_EQ(interleaves, 5);
  const Tensor expected = runReference(before, weights, {x}).at(0);
  const Tensor actual = runReference(after, rewritten, {x}).at(0);
  expectNear(actual, expected, 1e-4);
}

TEST(PassLowerConvTranspose, WithoutWeightsStaysValid) {
  Case c;
  c.in = {5, 5};
  c.stride = {2, 2};
  c.kernel = {4, 4};
  c.dilation = {1, 1};
  c.padBegin = c.padEnd = {1, 1};
  c.outputPadding = {0, 0};
  Graph g = buildGraph(c);
  ASSERT_TRUE(createLowerConvTransposePass()->run(g, nullptr));
  verify(g);
  Weights w = randomWeights(g, 3); // weights for the rewritten graph load
  checkWeights(g, w);
}

TEST(PassLowerConvTranspose, LeavesUnstridedAndEpilogueNodesAlone) {
  Case unstrided;
  unstrided.in = {5, 5};
  unstrided.stride = {1, 1};
  unstrided.kernel = {3, 3};
  unstrided.dilation = {2, 2};
  unstrided.padBegin = unstrided.padEnd = {1, 1};
  unstrided.outputPadding = {1, 1};
  Case activated = unstrided;
  activated.stride = {2, 2};
  activated.act = "relu";
  for (const Case &c : {unstrided, activated}) {
    Graph g = buildGraph(c);
    Graph original = g;
    Weights w = randomWeights(g, 5);
    EXPECT_FALSE(createLowerConvTransposePass()->run(g, &w)) << c.str();
    EXPECT_EQ(g, original);
    checkWeights(g, w);
  }
}

} // namespace
} // namespace atrous
