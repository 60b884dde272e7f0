// The importer's host tensors (frontend/onnx/HostTensor.h): the float16 and
// bfloat16 conversions initializers are decoded with, and the data-movement
// functions that fold constants and build views, checked against the ONNX
// definitions written out independently here (DepthToSpace and SpaceToDepth
// as the reshape-transpose-reshape the specification gives, Slice as
// Python-style index loops) on random shapes and arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "frontend/onnx/HostTensor.h"
#include "ir/Error.h"

namespace atrous::onnx_import {
namespace {

HostTensor iota(const Shape &shape) {
  HostTensor t = makeInts(shape, {});
  for (int64_t k = 0; k < numElements(shape); ++k)
    t.i.push_back(k);
  return t;
}

TEST(OnnxHalf, EveryHalfRoundTrips) {
  for (uint32_t bits = 0; bits < 65536; ++bits) {
    float v = halfToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(v)) continue;
    ASSERT_EQ(floatToHalf(v), bits) << "half bits " << bits << " = " << v;
  }
}

TEST(OnnxHalf, RoundsToNearestEven) {
  EXPECT_EQ(halfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);     // halfway: down to even
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02); // halfway: up to even
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // rounds to infinity
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(floatToHalf(-std::ldexp(1.0f, -24)), 0x8001);
}

TEST(OnnxBfloat16, RoundTripsAndRounds) {
  std::mt19937 rng(1);
  for (int k = 0; k < 100000; ++k) {
    uint16_t bits = static_cast<uint16_t>(rng());
    float v = bfloat16ToFloat(bits);
    if (std::isnan(v)) continue;
    ASSERT_EQ(floatToBfloat16(v), bits);
  }
  EXPECT_EQ(floatToBfloat16(1.0f + std::ldexp(1.0f, -8)), floatToBfloat16(1.0f));
}

// ONNX Slice on one axis, written as the specification's loop.
std::vector<int64_t> sliceReference(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  std::vector<int64_t> out;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    for (int64_t i = start; i < end; i += step)
      out.push_back(i);
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    for (int64_t i = start; i > end; i += step)
      out.push_back(i);
  }
  return out;
}

TEST(OnnxHostTensor, SliceMatchesTheSpecificationLoop) {
  std::mt19937_64 rng(3);
  const int64_t big = std::numeric_limits<int64_t>::max();
  for (int trial = 0; trial < 2000; ++trial) {
    const int64_t dim = 1 + static_cast<int64_t>(rng() % 9);
    auto pick = [&] {
      switch (rng() % 4) {
      case 0:
        return big;
      case 1:
        return -big;
      default:
        return static_cast<int64_t>(rng() % 25) - 12;
      }
    };
    int64_t start = pick(), end = pick();
    int64_t step = static_cast<int64_t>(rng() % 7) - 3;
    if (step == 0) step = 1;
    HostTensor got = sliced(iota({2, dim}), {start}, {end}, {1}, {step});
    std::vector<int64_t> want = sliceReference(dim, start, end, step);
    ASSERT_EQ(got.shape, (Shape{2, static_cast<int64_t>(want.size())}))
        << "dim " << dim << " start " << start << " end " << end << " step " << step;
    for (size_t k = 0; k < want.size(); ++k)
      ASSERT_EQ(got.i[want.size() + k], dim + want[k]);
  }
}

TEST(OnnxHostTensor, DepthSpaceMatchReshapeTransposeDefinitions) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    const int64_t b = 1 + static_cast<int64_t>(rng() % 3), n = 1 + static_cast<int64_t>(rng() % 2);
    const int64_t c = 1 + static_cast<int64_t>(rng() % 3), h = 1 + static_cast<int64_t>(rng() % 3);
    const int64_t w = 1 + static_cast<int64_t>(rng() % 3);
    HostTensor x = iota({n, c * b * b, h, w});
    HostTensor dcr = reshaped(transposed(reshaped(x, {n, b, b, c, h, w}), {0, 3, 4, 1, 5, 2}),
                              {n, c, h * b, w * b});
    HostTensor crd = reshaped(transposed(reshaped(x, {n, c, b, b, h, w}), {0, 1, 4, 2, 5, 3}),
                              {n, c, h * b, w * b});
    EXPECT_EQ(depthToSpace(x, b, "DCR").i, dcr.i);
    EXPECT_EQ(depthToSpace(x, b, "CRD").i, crd.i);
    HostTensor y = iota({n, c, h * b, w * b});
    HostTensor s2d = reshaped(transposed(reshaped(y, {n, c, h, b, w, b}), {0, 3, 5, 1, 2, 4}),
                              {n, c * b * b, h, w});
    EXPECT_EQ(spaceToDepth(y, b).i, s2d.i);
    EXPECT_EQ(depthToSpace(spaceToDepth(y, b), b, "DCR").i, y.i);
  }
}

TEST(OnnxHostTensor, PadModesAndNegativePads) {
  HostTensor x = makeInts({1, 4}, {10, 11, 12, 13});
  EXPECT_EQ(padded(x, {0, 2, 0, 1}, "constant", 7).i,
            (std::vector<int64_t>{7, 7, 10, 11, 12, 13, 7}));
  EXPECT_EQ(padded(x, {0, 2, 0, 3}, "reflect", 0).i,
            (std::vector<int64_t>{12, 11, 10, 11, 12, 13, 12, 11, 10}));
  EXPECT_EQ(padded(x, {0, 1, 0, 2}, "edge", 0).i,
            (std::vector<int64_t>{10, 10, 11, 12, 13, 13, 13}));
  EXPECT_EQ(padded(x, {0, -1, 0, 1}, "constant", 0).i, (std::vector<int64_t>{11, 12, 13, 0}));
  EXPECT_THROW(padded(x, {0, 4, 0, 0}, "reflect", 0), Error);
  EXPECT_THROW(padded(x, {0, -3, 0, -2}, "constant", 0), Error);
}

TEST(OnnxHostTensor, GatherConcatExpandTile) {
  HostTensor x = iota({2, 3});
  EXPECT_EQ(gathered(x, makeInts({2}, {-1, 0}), 1).i, (std::vector<int64_t>{2, 0, 5, 3}));
  EXPECT_EQ(gathered(x, makeInts({}, {1}), 0).shape, (Shape{3}));
  EXPECT_THROW(gathered(x, makeInts({1}, {3}), 1), Error);
  EXPECT_EQ(concatenated({x, iota({2, 1})}, -1).i, (std::vector<int64_t>{0, 1, 2, 0, 3, 4, 5, 1}));
  EXPECT_EQ(expanded(makeInts({3}, {1, 2, 3}), {2, 1}).i, (std::vector<int64_t>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(tiled(makeInts({1, 2}, {4, 5}), {2, 2}).i,
            (std::vector<int64_t>{4, 5, 4, 5, 4, 5, 4, 5}));
  EXPECT_THROW(broadcastShapes({2, 3}, {4}), Error);
}

TEST(OnnxHostTensor, CastsAsOnnxDoes) {
  HostTensor f = makeFloats({4}, {-2.7, 2.7, 300.5, 0.0});
  EXPECT_EQ(castTo(f, ElemType::Int64).i, (std::vector<int64_t>{-2, 2, 300, 0}));
  EXPECT_EQ(castTo(f, ElemType::Int8).i, (std::vector<int64_t>{-2, 2, 44, 0}));
  EXPECT_EQ(castTo(f, ElemType::Bool).i, (std::vector<int64_t>{1, 1, 1, 0}));
  HostTensor d = makeFloats({1}, {0.1}, ElemType::Double);
  EXPECT_EQ(castTo(d, ElemType::Float).f[0], static_cast<double>(0.1f));
  EXPECT_EQ(roundTo(ElemType::Float16, 0.1), static_cast<double>(halfToFloat(floatToHalf(0.1f))));
}

} // namespace
} // namespace atrous::onnx_import
