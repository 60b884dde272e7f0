// FLOP counts of passes/FlopCount against hand-computed figures and against
// brute force: loops over every output position and tap that test whether
// the tap reads real input, for fixed and randomized windows.
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ir/Error.h"
#include "ir/Geometry.h"
#include "passes/FlopCount.h"
#include "tests/unit/IrTestUtil.h"

using namespace atrous;
using namespace atrous::test;

namespace {

// The op's flops on one node reading an input of shape `in`.
int64_t flopsOf(OpKind op, const Shape &in, const AttrList &attrs) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, in});
  ValueId n = add(g, "n", op, {x}, attrs);
  return nodeFlops(g, n);
}

// Brute force over full N-D positions: (output position, tap) pairs of a conv
// or pool whose input position is inside the input (`transposed`: pairs of
// (input position, tap) whose output position is inside the output).
int64_t bruteForcePairs(const WindowGeometry &g, bool transposed) {
  const std::vector<int64_t> &from = transposed ? g.in : g.out;
  const std::vector<int64_t> &to = transposed ? g.out : g.in;
  int64_t positions = 1, taps = 1;
  for (int d = 0; d < g.rank; ++d) {
    positions *= from[d];
    taps *= g.kernel[d];
  }
  int64_t pairs = 0;
  for (int64_t p = 0; p < positions; ++p) {
    for (int64_t t = 0; t < taps; ++t) {
      bool inside = true;
      int64_t pRest = p, tRest = t;
      for (int d = g.rank - 1; d >= 0; --d) {
        int64_t pd = pRest % from[d], td = tRest % g.kernel[d];
        pRest /= from[d];
        tRest /= g.kernel[d];
        int64_t target = pd * g.stride[d] - g.padBegin[d] + td * g.dilation[d];
        inside = inside && target >= 0 && target < to[d];
      }
      pairs += inside ? 1 : 0;
    }
  }
  return pairs;
}

int64_t bruteForceConv(const Shape &in, const AttrList &attrs, OpKind op) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, in});
  ValueId n = add(g, "n", op, {x}, attrs);
  const Node &node = g.node(n);
  WindowGeometry geom = windowGeometry(node, in);
  int64_t groups = node.attrs.getInt("groups");
  int64_t out = node.attrs.getInt("out");
  bool transposed = isConvTranspose(op);
  int64_t channelPairs = transposed ? in[1] * (out / groups) : out * (in[1] / groups);
  int64_t bias = node.attrs.getBool("bias") ? numElements(node.type.shape) : 0;
  return 2 * in[0] * channelPairs * bruteForcePairs(geom, transposed) + bias;
}

} // namespace

TEST(FlopCount, ConvExcludesTapsInPadding) {
  // 3x3, pad 1 on 4x4: per dim the taps reach 3 + 4 + 3 = 10 real positions,
  // so 100 of the 144 (position, tap) pairs are real.
  AttrList attrs = {
      {"out", int64_t{3}}, {"kernel", int64_t{3}}, {"pad", int64_t{1}}, {"bias", false}};
  EXPECT_EQ(flopsOf(OpKind::Conv2d, {1, 2, 4, 4}, attrs), 2 * 3 * 2 * 100);
  EXPECT_EQ(flopsOf(OpKind::Conv2d, {1, 2, 4, 4}, attrs),
            bruteForceConv({1, 2, 4, 4}, attrs, OpKind::Conv2d));
}

TEST(FlopCount, ConvBiasAddsOnePerOutput) {
  AttrList attrs = {{"out", int64_t{3}}, {"kernel", int64_t{3}}, {"pad", int64_t{1}}};
  EXPECT_EQ(flopsOf(OpKind::Conv2d, {2, 2, 4, 4}, attrs), 2 * 2 * 3 * 2 * 100 + 2 * 3 * 16);
}

TEST(FlopCount, LargeAtrousRateCountsFewerThanDenseTaps) {
  // 3x3 at rate 24, pad 24 on 33x33: per dim taps 0 and 2 reach 9 outputs
  // each, the centre tap all 33.
  AttrList attrs = {{"out", int64_t{4}},
                    {"kernel", int64_t{3}},
                    {"dilation", int64_t{24}},
                    {"pad", int64_t{24}},
                    {"bias", false}};
  Shape in = {1, 8, 33, 33};
  int64_t flops = flopsOf(OpKind::Conv2d, in, attrs);
  EXPECT_EQ(flops, 2 * 4 * 8 * 51 * 51);
  EXPECT_LT(flops, 2 * 4 * 8 * 9 * 33 * 33);
  EXPECT_EQ(flops, bruteForceConv(in, attrs, OpKind::Conv2d));
}

TEST(FlopCount, GroupedConv) {
  AttrList attrs = {{"out", int64_t{8}},
                    {"kernel", int64_t{3}},
                    {"groups", int64_t{4}},
                    {"pad", std::string("same")},
                    {"bias", false}};
  EXPECT_EQ(flopsOf(OpKind::Conv2d, {1, 8, 5, 5}, attrs), 2 * 8 * 2 * (13 * 13));
}

TEST(FlopCount, CausalConvSkipsTheLeadingPadding) {
  // kernel 2, dilation 4 on length 10: tap 0 reads 6 real positions, tap 1 10.
  AttrList attrs = {{"out", int64_t{5}},
                    {"kernel", int64_t{2}},
                    {"dilation", int64_t{4}},
                    {"pad", std::string("causal")},
                    {"bias", false}};
  EXPECT_EQ(flopsOf(OpKind::Conv1d, {1, 3, 10}, attrs), 2 * 5 * 3 * 16);
}

TEST(FlopCount, ConvTransposeCountsTapsLandingInTheOutput) {
  // 3x3, stride 2, pad 1, output_padding 1 on 4x4 -> 8x8: per dim tap 0
  // lands for inputs 1..3, taps 1 and 2 for all 4 inputs.
  AttrList attrs = {{"out", int64_t{6}}, {"kernel", int64_t{3}},         {"stride", int64_t{2}},
                    {"pad", int64_t{1}}, {"output_padding", int64_t{1}}, {"bias", false}};
  Shape in = {1, 4, 4, 4};
  EXPECT_EQ(flopsOf(OpKind::ConvTranspose2d, in, attrs), 2 * 4 * 6 * 11 * 11);
  EXPECT_EQ(flopsOf(OpKind::ConvTranspose2d, in, attrs),
            bruteForceConv(in, attrs, OpKind::ConvTranspose2d));
}

TEST(FlopCount, RandomConvsMatchBruteForce) {
  const uint32_t seed = std::random_device{}();
  std::mt19937 rng(seed);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  int tested = 0;
  for (int trial = 0; trial < 400 && tested < 150; ++trial) {
    bool twoD = pick(0, 1) == 1;
    bool transposed = pick(0, 2) == 0;
    OpKind op = transposed ? (twoD ? OpKind::ConvTranspose2d : OpKind::ConvTranspose1d)
                           : (twoD ? OpKind::Conv2d : OpKind::Conv1d);
    int64_t groups = pick(1, 2);
    Shape in = {pick(1, 2), groups * pick(1, 2)};
    for (int d = 0; d < (twoD ? 2 : 1); ++d)
      in.push_back(pick(1, 12));
    AttrList attrs = {{"out", groups * pick(1, 3)}, {"kernel", pick(1, 4)},
                      {"stride", pick(1, 3)},       {"dilation", pick(1, 4)},
                      {"groups", groups},           {"bias", pick(0, 1) == 1}};
    int padForm = static_cast<int>(pick(0, 3));
    if (transposed || padForm == 0) {
      attrs.push_back({"pad", pick(0, 3)});
      if (transposed) attrs.push_back({"output_padding", pick(0, 1)});
    } else if (padForm == 1) {
      std::vector<int64_t> pads;
      for (int i = 0; i < (twoD ? 4 : 2); ++i)
        pads.push_back(pick(0, 5));
      attrs.push_back({"pad", pads});
    } else {
      attrs.push_back({"pad", std::string(padForm == 2 ? "same" : "valid")});
    }
    int64_t got = 0;
    try {
      got = flopsOf(op, in, attrs);
    } catch (const Error &) {
      continue; // an impossible window; shape inference rejects it
    }
    ++tested;
    ASSERT_EQ(got, bruteForceConv(in, attrs, op))
        << "seed " << seed << " trial " << trial << " op " << opName(op);
  }
  EXPECT_GT(tested, 50) << "seed " << seed;
}

TEST(FlopCount, PoolsCountRealTaps) {
  // 3x3, stride 2, pad 1 on 5x5 -> 3x3: per dim 2 + 3 + 2 = 7 real pairs.
  AttrList attrs = {{"kernel", int64_t{3}}, {"stride", int64_t{2}}, {"pad", int64_t{1}}};
  EXPECT_EQ(flopsOf(OpKind::MaxPool2d, {1, 4, 5, 5}, attrs), 4 * 7 * 7);
  EXPECT_EQ(flopsOf(OpKind::AvgPool2d, {1, 4, 5, 5}, attrs), 4 * 7 * 7 + 4 * 9);
  EXPECT_EQ(flopsOf(OpKind::GlobalAvgPool, {2, 3, 4, 5}, {}), 2 * 3 * 20 + 2 * 3);
  EXPECT_EQ(flopsOf(OpKind::GlobalMaxPool, {2, 3, 4, 5}, {}), 2 * 3 * 20);
}

TEST(FlopCount, PerElementOps) {
  Shape s = {1, 3, 4, 5};
  EXPECT_EQ(flopsOf(OpKind::BatchNorm, s, {}), 2 * 60);
  EXPECT_EQ(flopsOf(OpKind::Relu, s, {}), 60);
  EXPECT_EQ(flopsOf(OpKind::Sigmoid, s, {}), 4 * 60);
  EXPECT_EQ(flopsOf(OpKind::Softmax, s, {}), 5 * 60);
  EXPECT_EQ(flopsOf(OpKind::ArgMax, s, {}), 60);
  EXPECT_EQ(flopsOf(OpKind::Slice, s, {{"axis", int64_t{1}}, {"end", int64_t{2}}}), 0);
  EXPECT_EQ(flopsOf(OpKind::Flatten, s, {}), 0);
  EXPECT_EQ(flopsOf(OpKind::Resize, s,
                    {{"size", std::vector<int64_t>{8, 10}}, {"mode", std::string("bilinear")}}),
            8 * 3 * 80);
  EXPECT_EQ(flopsOf(OpKind::Resize, s, {{"size", std::vector<int64_t>{8, 10}}}), 0);
  EXPECT_EQ(flopsOf(OpKind::Linear, {2, 7}, {{"out", int64_t{5}}}), 2 * 2 * 7 * 5 + 2 * 5);
}

TEST(FlopCount, OneEntryPerNodeAndBinaryOps) {
  Graph g;
  ValueId a = g.addInput("a", {DType::F32, {1, 2, 3, 3}});
  ValueId b = g.addInput("b", {DType::F32, {1, 2, 1, 1}});
  ValueId sum = add(g, "sum", OpKind::Add, {a, b});
  add(g, "cat", OpKind::Concat, {a, sum});
  g.outputs = {3};
  std::vector<int64_t> flops = flopCounts(g);
  ASSERT_EQ(flops.size(), g.nodes.size());
  EXPECT_EQ(flops[0], 0);
  EXPECT_EQ(flops[1], 0);
  EXPECT_EQ(flops[2], 18); // broadcast: one add per output element
  EXPECT_EQ(flops[3], 0);
}
