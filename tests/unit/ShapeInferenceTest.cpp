// Shape inference and attribute normalization, op by op, including the
// impossible attributes and mismatches that must be rejected with a message.
#include <gtest/gtest.h>

#include <limits>

#include "ir/Error.h"
#include "ir/Geometry.h"
#include "tests/unit/IrTestUtil.h"

using namespace atrous;
using namespace atrous::test;

namespace {

Shape shapeOf(OpKind op, Shape in, const AttrList &attrs, std::vector<Shape> more = {}) {
  Graph g;
  std::vector<ValueId> ins = {g.addInput("x", {DType::F32, in})};
  for (size_t i = 0; i < more.size(); ++i)
    ins.push_back(g.addInput("y" + std::to_string(i), {DType::F32, more[i]}));
  return g.type(add(g, "n", op, ins, attrs)).shape;
}

std::string errorOf(OpKind op, Shape in, const AttrList &attrs, std::vector<Shape> more = {}) {
  try {
    shapeOf(op, std::move(in), attrs, std::move(more));
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_ERROR(call, text) EXPECT_NE(std::string(call).find(text), std::string::npos) << call

} // namespace

TEST(ShapeInference, ConvOutputExtents) {
  EXPECT_EQ(shapeOf(OpKind::Conv2d, {1, 3, 65, 65}, {{"out", int64_t{8}}, {"kernel", ints({3})}}),
            (Shape{1, 8, 63, 63}));
  // Dilation 6, pad 6 keeps the size: the ASPP branch.
  EXPECT_EQ(shapeOf(OpKind::Conv2d, {1, 4, 33, 33},
                    {{"out", int64_t{4}},
                     {"kernel", int64_t{3}},
                     {"dilation", int64_t{6}},
                     {"pad", int64_t{6}}}),
            (Shape{1, 4, 33, 33}));
  // Asymmetric [t, l, b, r] padding with stride 2 and a rectangular kernel.
  EXPECT_EQ(shapeOf(OpKind::Conv2d, {2, 4, 7, 5},
                    {{"out", int64_t{6}},
                     {"kernel", ints({3, 1})},
                     {"stride", int64_t{2}},
                     {"pad", ints({0, 1, 2, 0})}}),
            (Shape{2, 6, 4, 3}));
  // 'same' with stride 2: ceil(in / stride).
  EXPECT_EQ(shapeOf(OpKind::Conv2d, {1, 2, 9, 10},
                    {{"out", int64_t{2}},
                     {"kernel", int64_t{4}},
                     {"stride", int64_t{2}},
                     {"pad", std::string("same")}}),
            (Shape{1, 2, 5, 5}));
  // Causal 1-D keeps the length at any dilation.
  EXPECT_EQ(shapeOf(OpKind::Conv1d, {1, 8, 100},
                    {{"out", int64_t{16}},
                     {"kernel", int64_t{2}},
                     {"dilation", int64_t{64}},
                     {"pad", std::string("causal")}}),
            (Shape{1, 16, 100}));
  EXPECT_EQ(shapeOf(OpKind::Conv2d, {1, 32, 9, 9},
                    {{"out", int64_t{32}}, {"kernel", int64_t{3}}, {"groups", int64_t{32}}}),
            (Shape{1, 32, 7, 7}));
}

TEST(ShapeInference, SamePaddingSplitsTheRemainderToTheEnd) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 1, 10, 10}});
  ValueId c = add(g, "c", OpKind::Conv2d, {x},
                  {{"out", int64_t{1}}, {"kernel", int64_t{4}}, {"pad", std::string("same")}});
  WindowGeometry geo = windowGeometry(g.node(c), g.type(x).shape);
  EXPECT_EQ(geo.padBegin, ints({1, 1}));
  EXPECT_EQ(geo.padEnd, ints({2, 2}));
}

TEST(ShapeInference, ConvRejectsImpossibleAttributes) {
  AttrList base = {{"out", int64_t{4}}, {"kernel", int64_t{3}}};
  auto with = [&](const std::string &k, AttrValue v) {
    AttrList a = base;
    a.emplace_back(k, std::move(v));
    return a;
  };
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("dilation", int64_t{0})),
               "dilation must be at least 1");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("stride", int64_t{0})),
               "stride must be at least 1");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("dilation", int64_t{5})),
               "kernel extent 11 is larger than the padded input 9");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("groups", int64_t{3})),
               "does not divide the 4 input channels");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("pad", std::string("causal"))),
               "1-D convs only");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("pad", ints({1, 2, 3}))),
               "pad has 3 values");
  // A conv's negative pad crops (split-padding-taps' regions); too much
  // cropping leaves no room for the kernel.
  EXPECT_EQ(shapeOf(OpKind::Conv2d, {1, 4, 9, 9}, with("pad", ints({-1, -2, 0, -3}))),
            (Shape{1, 4, 6, 2}));
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("pad", int64_t{-4})),
               "kernel extent 3 is larger than the padded input 1");
  EXPECT_ERROR(
      errorOf(OpKind::MaxPool2d, {1, 4, 9, 9}, {{"kernel", int64_t{2}}, {"pad", int64_t{-1}}}),
      "must not be negative");
  EXPECT_ERROR(errorOf(OpKind::ConvTranspose2d, {1, 4, 9, 9}, with("pad", int64_t{-1})),
               "must not be negative");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9}, base), "rank-4 input");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, {{"kernel", int64_t{3}}}),
               "needs the attribute 'out'");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("bogus", int64_t{1})),
               "unknown attribute 'bogus'");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("bias", int64_t{1})),
               "expects true or false");
  EXPECT_ERROR(errorOf(OpKind::Conv2d, {1, 4, 9, 9}, with("kernel", int64_t{int64_t(1) << 40})),
               "too large");
}

TEST(ShapeInference, ConvTranspose) {
  // (in - 1) * s - 2p + k + output_padding
  EXPECT_EQ(shapeOf(OpKind::ConvTranspose2d, {1, 8, 3, 5},
                    {{"out", int64_t{4}},
                     {"kernel", int64_t{3}},
                     {"stride", int64_t{2}},
                     {"pad", int64_t{1}},
                     {"output_padding", int64_t{1}}}),
            (Shape{1, 4, 6, 10}));
  EXPECT_EQ(shapeOf(OpKind::ConvTranspose1d, {1, 2, 7},
                    {{"out", int64_t{3}},
                     {"kernel", int64_t{4}},
                     {"stride", int64_t{3}},
                     {"dilation", int64_t{2}}}),
            (Shape{1, 3, 25}));
  EXPECT_ERROR(errorOf(OpKind::ConvTranspose2d, {1, 8, 3, 5},
                       {{"out", int64_t{4}},
                        {"kernel", int64_t{3}},
                        {"stride", int64_t{2}},
                        {"output_padding", int64_t{2}}}),
               "output_padding 2 must be smaller");
  EXPECT_ERROR(errorOf(OpKind::ConvTranspose2d, {1, 8, 1, 1},
                       {{"out", int64_t{4}}, {"kernel", int64_t{1}}, {"pad", int64_t{1}}}),
               "leaves no output");
}

TEST(ShapeInference, Pools) {
  EXPECT_EQ(shapeOf(OpKind::MaxPool2d, {1, 3, 65, 65},
                    {{"kernel", int64_t{3}}, {"stride", int64_t{2}}, {"pad", int64_t{1}}}),
            (Shape{1, 3, 33, 33}));
  // ceil mode: 6 with k2 s2 -> 3; 7 with k2 s2 -> 4 (the last window is partial).
  EXPECT_EQ(shapeOf(OpKind::AvgPool2d, {1, 1, 6, 7}, {{"kernel", int64_t{2}}, {"ceil_mode", true}}),
            (Shape{1, 1, 3, 4}));
  // ceil mode never starts a window in the end padding: in 5, k 2, s 2, pad 1.
  EXPECT_EQ(shapeOf(OpKind::MaxPool1d, {1, 1, 5},
                    {{"kernel", int64_t{2}},
                     {"stride", int64_t{2}},
                     {"pad", int64_t{1}},
                     {"ceil_mode", true}}),
            (Shape{1, 1, 3}));
  EXPECT_ERROR(
      errorOf(OpKind::MaxPool2d, {1, 1, 9, 9}, {{"kernel", int64_t{2}}, {"pad", int64_t{2}}}),
      "at most half the kernel");
  EXPECT_EQ(shapeOf(OpKind::GlobalAvgPool, {2, 5, 9, 7}, {}), (Shape{2, 5, 1, 1}));
}

TEST(ShapeInference, ElementwiseAndBroadcast) {
  EXPECT_EQ(shapeOf(OpKind::Add, {1, 4, 5, 5}, {}, {{1, 4, 1, 1}}), (Shape{1, 4, 5, 5}));
  EXPECT_EQ(shapeOf(OpKind::Mul, {4, 1, 5}, {}, {{3, 1}}), (Shape{4, 3, 5}));
  EXPECT_ERROR(errorOf(OpKind::Add, {1, 4, 5, 5}, {}, {{1, 3, 5, 5}}), "do not broadcast");
  EXPECT_ERROR(errorOf(OpKind::Add, {1, 4, 5, 5}, {}), "add takes 2 inputs, got 1");
  EXPECT_EQ(shapeOf(OpKind::Softmax, {1, 4, 5}, {{"axis", int64_t{-1}}}), (Shape{1, 4, 5}));
  EXPECT_ERROR(errorOf(OpKind::Softmax, {1, 4, 5}, {{"axis", int64_t{3}}}), "out of range");
}

TEST(ShapeInference, ConcatSlicePad) {
  EXPECT_EQ(shapeOf(OpKind::Concat, {1, 4, 5, 5}, {}, {{1, 2, 5, 5}, {1, 1, 5, 5}}),
            (Shape{1, 7, 5, 5}));
  EXPECT_ERROR(errorOf(OpKind::Concat, {1, 4, 5, 5}, {}, {{1, 2, 5, 6}}), "the other dims differ");
  EXPECT_EQ(shapeOf(OpKind::Slice, {1, 10, 5},
                    {{"axis", int64_t{1}},
                     {"start", int64_t{-7}},
                     {"end", int64_t{-1}},
                     {"step", int64_t{2}}}),
            (Shape{1, 3, 5}));
  EXPECT_EQ(shapeOf(OpKind::Slice, {1, 10, 5}, {{"axis", int64_t{1}}, {"end", int64_t{100}}}),
            (Shape{1, 10, 5}));
  EXPECT_ERROR(errorOf(OpKind::Slice, {1, 10, 5},
                       {{"axis", int64_t{1}}, {"start", int64_t{5}}, {"end", int64_t{5}}}),
               "is empty");
  EXPECT_EQ(shapeOf(OpKind::Pad, {1, 1, 4, 5}, {{"pad", ints({1, 2, 3, 4})}}),
            (Shape{1, 1, 8, 11}));
  EXPECT_ERROR(
      errorOf(OpKind::Pad, {1, 1, 4, 5}, {{"pad", int64_t{4}}, {"mode", std::string("reflect")}}),
      "reflect padding must be smaller");
  EXPECT_ERROR(
      errorOf(OpKind::Pad, {1, 1, 4, 5}, {{"pad", int64_t{1}}, {"mode", std::string("wrap")}}),
      "must be one of constant, reflect, edge");
}

TEST(ShapeInference, Resize) {
  EXPECT_EQ(shapeOf(OpKind::Resize, {1, 3, 5, 7}, {{"scale", int64_t{2}}}), (Shape{1, 3, 10, 14}));
  EXPECT_EQ(shapeOf(OpKind::Resize, {1, 3, 5, 7}, {{"scale", 1.5}}), (Shape{1, 3, 7, 10}));
  EXPECT_EQ(shapeOf(OpKind::Resize, {1, 3, 5, 7}, {{"size", ints({9, 4})}}), (Shape{1, 3, 9, 4}));
  EXPECT_EQ(
      shapeOf(OpKind::Resize, {1, 3, 5, 7}, {{"mode", std::string("bilinear")}}, {{1, 8, 33, 31}}),
      (Shape{1, 3, 33, 31}));
  EXPECT_ERROR(errorOf(OpKind::Resize, {1, 3, 5, 7}, {{"size", int64_t{4}}}, {{1, 8, 33, 31}}),
               "exactly one of");
  EXPECT_ERROR(errorOf(OpKind::Resize, {1, 3, 5, 7}, {{"scale", 0.1}}), "empty extent");
  EXPECT_ERROR(
      errorOf(OpKind::Resize, {1, 3, 5, 7}, {{"size", int64_t{4}}, {"align_corners", true}}),
      "bilinear resize only");
}

TEST(ShapeInference, ReshapeFlattenArgmaxLinear) {
  EXPECT_EQ(shapeOf(OpKind::Reshape, {2, 3, 4, 5}, {{"shape", ints({0, -1, 5})}}),
            (Shape{2, 12, 5}));
  EXPECT_ERROR(errorOf(OpKind::Reshape, {2, 3, 4, 5}, {{"shape", ints({7, -1})}}), "do not divide");
  EXPECT_ERROR(errorOf(OpKind::Reshape, {2, 3, 4, 5}, {{"shape", ints({-1, -1})}}),
               "more than one -1");
  EXPECT_ERROR(errorOf(OpKind::Reshape, {2, 3}, {{"shape", ints({5})}}), "6 elements");
  EXPECT_EQ(shapeOf(OpKind::Flatten, {2, 3, 4, 5}, {}), (Shape{2, 60}));
  EXPECT_EQ(shapeOf(OpKind::Flatten, {2, 3, 4, 5}, {{"axis", int64_t{0}}}), (Shape{1, 120}));
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 21, 8, 8}});
  ValueId a = add(g, "a", OpKind::ArgMax, {x}, {{"keepdims", false}});
  EXPECT_EQ(g.type(a), (TensorType{DType::I32, {1, 8, 8}}));
  EXPECT_ERROR(errorOf(OpKind::Relu, {1, 2}, {}, {{1, 2}}), "relu takes 1 input, got 2");
  EXPECT_EQ(shapeOf(OpKind::Linear, {4, 16}, {{"out", int64_t{10}}}), (Shape{4, 10}));
  EXPECT_ERROR(errorOf(OpKind::Linear, {4, 16, 2}, {{"out", int64_t{10}}}), "rank-2 input");
}

TEST(ShapeInference, HugeShapesFailCleanly) {
  Graph g;
  EXPECT_THROW(g.addInput("x", {DType::F32, {int64_t(1) << 40, int64_t(1) << 40}}), Error);
  // Dimensions beyond int32 are refused: generated code cannot index them.
  EXPECT_THROW(g.addInput("wide", {DType::F32, {1, 1, int64_t(1) << 31}}), Error);
  ValueId x = g.addInput("y", {DType::F32, {1, 1, int64_t(1) << 30, int64_t(1) << 30}});
  // An output that overflows int64 elements is an error, not a wraparound.
  EXPECT_THROW(
      add(g, "c", OpKind::Conv2d, {x}, {{"out", int64_t(1) << 30}, {"kernel", int64_t{1}}}), Error);
  // A transposed conv whose output extent leaves int32.
  EXPECT_THROW(add(g, "t", OpKind::ConvTranspose2d, {x},
                   {{"out", int64_t{1}}, {"kernel", int64_t{1}}, {"stride", int64_t{4}}}),
               Error);
  // A slice step near int64's limit does not overflow the extent arithmetic.
  ValueId s = add(
      g, "s", OpKind::Slice, {x},
      {{"axis", int64_t{3}}, {"end", int64_t{5}}, {"step", std::numeric_limits<int64_t>::max()}});
  EXPECT_EQ(g.type(s).shape[3], 1);
}

TEST(Attrs, NormalizationFillsDefaultsAndConvertsScalars) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2, 8, 8}});
  ValueId c = add(g, "c", OpKind::Conv2d, {x}, {{"out", int64_t{2}}, {"kernel", int64_t{3}}});
  const Attrs &a = g.node(c).attrs;
  EXPECT_EQ(a.getInts("kernel"), ints({3}));
  EXPECT_EQ(a.getInts("stride"), ints({1}));
  EXPECT_TRUE(a.getBool("bias"));
  ValueId l = add(g, "l", OpKind::LeakyRelu, {c}, {{"alpha", int64_t{1}}});
  EXPECT_DOUBLE_EQ(g.node(l).attrs.getFloat("alpha"), 1.0);
  EXPECT_THROW(add(g, "c", OpKind::Relu, {c}), SourceError);
}
