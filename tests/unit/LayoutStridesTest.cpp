// ir/Layout.h: the strides of planar and channels_last orders, hand-computed,
// toLayout placing every element at them, and the blocks a conv that tiles
// output channels stores its weight in.
#include <gtest/gtest.h>

#include <vector>

#include "ir/Layout.h"

namespace atrous {
namespace {

using Strides = std::vector<int64_t>;

TEST(LayoutStrides, PlanarIsRowMajor) {
  EXPECT_EQ(layoutStrides({2, 3, 4, 5}, 3), (Strides{60, 20, 5, 1}));
}

TEST(LayoutStrides, ChannelsLastKeepsTheOthersRowMajor) {
  // NCHW stored NHWC.
  EXPECT_EQ(layoutStrides({2, 3, 4, 5}, 1), (Strides{60, 1, 15, 3}));
  // NCW stored NWC.
  EXPECT_EQ(layoutStrides({2, 3, 7}, 1), (Strides{21, 1, 3}));
}

TEST(LayoutStrides, ToLayoutPlacesEveryElementAtItsStrides) {
  const Shape shape = {4, 3, 2, 5};
  std::vector<float> rowMajor(120);
  for (size_t i = 0; i < rowMajor.size(); ++i)
    rowMajor[i] = static_cast<float>(i);
  for (int innermost : {0, 1, 2, 3}) {
    SCOPED_TRACE("innermost " + std::to_string(innermost));
    const Strides s = layoutStrides(shape, innermost);
    const std::vector<float> packed = toLayout(rowMajor.data(), shape, innermost);
    for (int64_t a = 0; a < 4; ++a)
      for (int64_t b = 0; b < 3; ++b)
        for (int64_t c = 0; c < 2; ++c)
          for (int64_t d = 0; d < 5; ++d)
            ASSERT_EQ(packed[static_cast<size_t>(a * s[0] + b * s[1] + c * s[2] + d * s[3])],
                      static_cast<float>(((a * 3 + b) * 2 + c) * 5 + d));
  }
}

Node convNode(OpKind op, const Shape &outputShape) {
  Node n;
  n.op = op;
  n.type = TensorType{DType::F32, outputShape};
  return n;
}

TEST(ParamStorage, TiledConvWeightsAreStoredInBlocksOfOutputChannels) {
  // conv2d 48 <- 3 channels, 2x5 kernel: [48, 3, 2, 5] as [2, 2, 5, 3, 32].
  const Node conv = convNode(OpKind::Conv2d, {1, 48, 9, 9});
  const Shape weight = {48, 3, 2, 5};
  const ParamStorage s = paramStorage(conv, "weight", weight);
  ASSERT_TRUE(s.blocked);
  EXPECT_EQ(s.shape, (Shape{2, 2, 5, 3, 32}));
  EXPECT_EQ(s.strides, (Strides{960, 480, 96, 32, 1}));
  std::vector<float> rowMajor(48 * 3 * 2 * 5);
  for (size_t i = 0; i < rowMajor.size(); ++i)
    rowMajor[i] = static_cast<float>(i + 1);
  const std::vector<float> stored = toStorage(rowMajor.data(), weight, s);
  ASSERT_EQ(stored.size(), 2u * 2 * 5 * 3 * 32);
  // Output channel 37 (block 1, lane 5), input channel 2, tap (1, 3).
  EXPECT_EQ(stored[960 + 480 + 3 * 96 + 2 * 32 + 5], rowMajor[((37 * 3 + 2) * 2 + 1) * 5 + 3]);
  // Output channel 0, input channel 0, tap (0, 0) comes first.
  EXPECT_EQ(stored[0], rowMajor[0]);
  // Lanes 16..31 of the last block are padding.
  for (int64_t k = 0; k < 10; ++k)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t lane = 16; lane < 32; ++lane)
        ASSERT_EQ(stored[static_cast<size_t>(960 + k * 96 + i * 32 + lane)], 0.0f);
  // Every real weight appears once.
  float sum = 0, expected = 0;
  for (float w : stored)
    sum += w;
  for (float w : rowMajor)
    expected += w;
  EXPECT_EQ(sum, expected);
}

TEST(ParamStorage, OtherParametersKeepTheirLogicalOrder) {
  const Node conv = convNode(OpKind::Conv2d, {1, 48, 9, 9});
  // A bias, and the weight of a conv with too few output channels to tile.
  EXPECT_FALSE(paramStorage(conv, "bias", {48}).blocked);
  EXPECT_EQ(paramStorage(conv, "bias", {48}).strides, (Strides{1}));
  const Node narrow = convNode(OpKind::Conv2d, {1, 5, 9, 9});
  const ParamStorage plain = paramStorage(narrow, "weight", {5, 3, 3, 3});
  EXPECT_FALSE(plain.blocked);
  EXPECT_EQ(plain.strides, (Strides{27, 9, 3, 1}));
  // A transposed conv that tiles its output channels: [in, out, k...] with
  // the output channels innermost.
  const Node transposed = convNode(OpKind::ConvTranspose2d, {1, 32, 9, 9});
  const ParamStorage t = paramStorage(transposed, "weight", {8, 32, 3, 3});
  EXPECT_FALSE(t.blocked);
  EXPECT_EQ(t.strides, (Strides{288, 1, 96, 32}));
}

} // namespace
} // namespace atrous
