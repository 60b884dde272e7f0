// ir/Layout.h: the strides of planar, channels_last and packed conv weight
// orders, hand-computed, and toLayout placing every element at them.
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

TEST(LayoutStrides, ConvWeightsKeepATapsInputChannelsTogether) {
  // [out 4, in 3, kh 2, kw 5]: out, then in, kh, kw outwards.
  EXPECT_EQ(layoutStrides({4, 3, 2, 5}, 0), (Strides{1, 4, 12, 24}));
  // [out 8, in 6, k 2] of a conv1d.
  EXPECT_EQ(layoutStrides({8, 6, 2}, 0), (Strides{1, 8, 48}));
}

TEST(LayoutStrides, ToLayoutPlacesEveryElementAtItsStrides) {
  const Shape shape = {4, 3, 2, 5};
  std::vector<float> rowMajor(120);
  for (size_t i = 0; i < rowMajor.size(); ++i)
    rowMajor[i] = static_cast<float>(i);
  for (int innermost : {0, 1, 3}) {
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

} // namespace
} // namespace atrous
