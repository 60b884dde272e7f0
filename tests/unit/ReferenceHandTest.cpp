// Hand-computed cases for the reference interpreter: the tricky geometry of
// dilated, padded, strided and transposed convolutions, pooling in ceil mode,
// resize, and the data-movement ops. Every expected value is derived by hand
// in a comment or written as the sum that produces it, on inputs small enough
// to check on paper (aranges, ones, powers of ten as weights so that each tap
// shows up as its own digit).
#include <algorithm>
#include <cmath>

#include "ReferenceTestUtil.h"
#include "ir/Error.h"

namespace atrous::testing {
namespace {

AttrValue name(const char *s) {
  return std::string(s);
}

// --- conv ------------------------------------------------------------------

// 3x3 input x[r][c] = 3r + c + 1, 3x3 weight w[ky][kx] = 3ky + kx + 1,
// dilation 2, pad 2: the taps of output row oy are rows oy - 2, oy, oy + 2.
// Row 0 keeps ky in {1, 2} (rows 0, 2), row 1 only ky = 1 (row 1), row 2
// keeps ky in {0, 1} (rows 0, 2); columns alike. Every output touches a
// border, the corners two of them.
TEST(ReferenceHand, DilationReachesIntoPaddingAtEveryBorder) {
  Tensor x = arange({1, 1, 3, 3}, 1.0f);
  Tensor w = arange({1, 1, 3, 3}, 1.0f);
  Tensor y = runOneOp(OpKind::Conv2d, x,
                      {{"out", int64_t{1}},
                       {"kernel", Ints{3}},
                       {"dilation", Ints{2}},
                       {"pad", Ints{2}},
                       {"bias", false}},
                      {{"weight", w}});
  expectTensorNear(y, {1, 1, 3, 3},
                   {// top-left: w11*x00 + w12*x02 + w21*x20 + w22*x22
                    5 * 1 + 6 * 3 + 8 * 7 + 9 * 9,
                    // top: w11*x01 + w21*x21
                    5 * 2 + 8 * 8,
                    // top-right: w10*x00 + w11*x02 + w20*x20 + w21*x22
                    4 * 1 + 5 * 3 + 7 * 7 + 8 * 9,
                    // left: w11*x10 + w12*x12
                    5 * 4 + 6 * 6,
                    // centre: w11*x11
                    5 * 5,
                    // right: w10*x10 + w11*x12
                    4 * 4 + 5 * 6,
                    // bottom-left: w01*x00 + w02*x02 + w11*x20 + w12*x22
                    2 * 1 + 3 * 3 + 5 * 7 + 6 * 9,
                    // bottom: w01*x01 + w11*x21
                    2 * 2 + 5 * 8,
                    // bottom-right: w00*x00 + w01*x02 + w10*x20 + w11*x22
                    1 * 1 + 2 * 3 + 4 * 7 + 5 * 9});
}

// pad [top, left, bottom, right] = [1, 0, 0, 2] on x = [[1, 2, 3], [4, 5, 6]]:
// padded rows are [0 0 0 0 0], [1 2 3 0 0], [4 5 6 0 0]; a 2x2 ones kernel
// sums each 2x2 block, plus bias 10.
TEST(ReferenceHand, AsymmetricPadding) {
  Tensor x = arange({1, 1, 2, 3}, 1.0f);
  Tensor y = runOneOp(OpKind::Conv2d, x,
                      {{"out", int64_t{1}}, {"kernel", Ints{2}}, {"pad", Ints{1, 0, 0, 2}}},
                      {{"weight", filled({1, 1, 2, 2}, 1.0f)}, {"bias", filled({1}, 10.0f)}});
  expectTensorNear(y, {1, 1, 2, 4},
                   {10 + 1 + 2, 10 + 2 + 3, 10 + 3, 10, //
                    10 + 1 + 2 + 4 + 5, 10 + 2 + 3 + 5 + 6, 10 + 3 + 6, 10});
}

// 'same', kernel 4, stride 2 on length 7: out = ceil(7/2) = 4, total padding
// (4-1)*2 + 4 - 7 = 3, so 1 at the beginning and 2 at the end. Padded input
// [0 1 2 3 4 5 6 7 0 0]; weights 1, 10, 100, 1000 make each tap a digit.
TEST(ReferenceHand, SamePaddingEvenKernelStride2) {
  Tensor x = arange({1, 1, 7}, 1.0f);
  Tensor y = runOneOp(OpKind::Conv1d, x,
                      {{"out", int64_t{1}},
                       {"kernel", Ints{4}},
                       {"stride", Ints{2}},
                       {"pad", name("same")},
                       {"bias", false}},
                      {{"weight", tensorOf({1, 1, 4}, {1, 10, 100, 1000})}});
  expectTensorNear(y, {1, 1, 4}, {3210, 5432, 7654, 76});
}

// 2-D 'same', kernel 2, stride 2 on 4x5: rows need no padding
// ((2-1)*2 + 2 - 4 = 0), columns one at the end ((3-1)*2 + 2 - 5 = 1).
// x[r][c] = 5r + c, ones kernel: each output sums a 2x2 block.
TEST(ReferenceHand, SamePadding2dStride2) {
  Tensor x = arange({1, 1, 4, 5});
  Tensor y = runOneOp(OpKind::Conv2d, x,
                      {{"out", int64_t{1}},
                       {"kernel", Ints{2}},
                       {"stride", Ints{2}},
                       {"pad", name("same")},
                       {"bias", false}},
                      {{"weight", filled({1, 1, 2, 2}, 1.0f)}});
  expectTensorNear(y, {1, 1, 2, 3},
                   {0 + 1 + 5 + 6, 2 + 3 + 7 + 8, 4 + 9, //
                    10 + 11 + 15 + 16, 12 + 13 + 17 + 18, 14 + 19});
}

// Causal, kernel 3, dilation 2: 4 zeros in front, y[t] = 1*x[t-4] +
// 10*x[t-2] + 100*x[t] with x[i] = i + 1.
TEST(ReferenceHand, CausalPaddingSeesOnlyThePast) {
  AttrList attrs = {{"out", int64_t{1}},
                    {"kernel", Ints{3}},
                    {"dilation", Ints{2}},
                    {"pad", name("causal")},
                    {"bias", false}};
  Tensor w = tensorOf({1, 1, 3}, {1, 10, 100});
  Tensor x = arange({1, 1, 6}, 1.0f);
  Tensor y = runOneOp(OpKind::Conv1d, x, attrs, {{"weight", w}});
  expectTensorNear(y, {1, 1, 6}, {100, 200, 10 + 300, 20 + 400, 1 + 30 + 500, 2 + 40 + 600});

  // Changing the last input changes only the last output.
  x.f32()[5] = 1000.0f;
  Tensor changed = runOneOp(OpKind::Conv1d, x, attrs, {{"weight", w}});
  for (int t = 0; t < 5; ++t)
    EXPECT_EQ(changed.f32()[t], y.f32()[t]) << "t = " << t;
  EXPECT_EQ(changed.f32()[5], 2 + 40 + 100000);
}

// groups = 2, 4 -> 4 channels, 1x1 kernel: outputs 0, 1 read channels 0, 1
// and outputs 2, 3 read channels 2, 3. Channel c holds c + 1 everywhere;
// output o has weights [o + 1, 10 (o + 1)].
TEST(ReferenceHand, GroupedConv) {
  Tensor x(DType::F32, {1, 4, 2, 2});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = static_cast<float>(i / 4 + 1);
  Tensor w = tensorOf({4, 2, 1, 1}, {1, 10, 2, 20, 3, 30, 4, 40});
  Tensor y =
      runOneOp(OpKind::Conv2d, x,
               {{"out", int64_t{4}}, {"kernel", Ints{1}}, {"groups", int64_t{2}}, {"bias", false}},
               {{"weight", w}});
  std::vector<float> expected;
  for (float v : {1 * 1 + 10 * 2, 2 * 1 + 20 * 2, 3 * 3 + 30 * 4, 4 * 3 + 40 * 4})
    expected.insert(expected.end(), 4, v);
  expectTensorNear(y, {1, 4, 2, 2}, expected);
}

// Depthwise with channel multiplier 2: 3 channels -> 6, groups = 3, output o
// reads channel o / 2. Channel c is c + 1 everywhere, kernel 3x3 of o + 1,
// pad 1: a corner sees 4 taps, an edge 6, the centre 9.
TEST(ReferenceHand, DepthwiseConv) {
  Tensor x(DType::F32, {1, 3, 3, 3});
  for (int64_t i = 0; i < x.numel(); ++i)
    x.f32()[i] = static_cast<float>(i / 9 + 1);
  Tensor w(DType::F32, {6, 1, 3, 3});
  for (int64_t i = 0; i < w.numel(); ++i)
    w.f32()[i] = static_cast<float>(i / 9 + 1);
  Tensor y = runOneOp(OpKind::Conv2d, x,
                      {{"out", int64_t{6}},
                       {"kernel", Ints{3}},
                       {"pad", Ints{1}},
                       {"groups", int64_t{3}},
                       {"bias", false}},
                      {{"weight", w}});
  std::vector<float> expected;
  const int taps[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
  for (int o = 0; o < 6; ++o)
    for (int t : taps)
      expected.push_back(static_cast<float>(t * (o / 2 + 1) * (o + 1)));
  expectTensorNear(y, {1, 6, 3, 3}, expected);
}

// --- conv_transpose --------------------------------------------------------

// Ones input 3x5, ones 3x3 kernel, stride 2, output_padding 1: out = 8x12.
// Output position p along a dim receives one tap from each input i with
// 0 <= p - 2i <= 2. Along H (3 inputs): 1 1 2 1 2 1 1 0 (the last row comes
// from output_padding and only gets the bias); along W (5 inputs):
// 1 1 2 1 2 1 2 1 2 1 1 0.
TEST(ReferenceHand, ConvTransposeStride2OutputPaddingOddSizes) {
  Tensor y = runOneOp(
      OpKind::ConvTranspose2d, filled({1, 1, 3, 5}, 1.0f),
      {{"out", int64_t{1}}, {"kernel", Ints{3}}, {"stride", Ints{2}}, {"output_padding", Ints{1}}},
      {{"weight", filled({1, 1, 3, 3}, 1.0f)}, {"bias", filled({1}, 0.5f)}});
  const float rows[8] = {1, 1, 2, 1, 2, 1, 1, 0};
  const float cols[12] = {1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1, 0};
  std::vector<float> expected;
  for (float r : rows)
    for (float c : cols)
      expected.push_back(r * c + 0.5f);
  expectTensorNear(y, {1, 1, 8, 12}, expected);
}

// 1-D, x = [1, 2, 3], w = [1, 10, 100], stride 2, pad 1, output_padding 1:
// out = (3-1)*2 - 2 + 3 + 1 = 6; input i, tap t writes 2i - 1 + t.
// i=0: t1 -> 0 (10), t2 -> 1 (100); i=1: t0 -> 1 (2), t1 -> 2 (20),
// t2 -> 3 (200); i=2: t0 -> 3 (3), t1 -> 4 (30), t2 -> 5 (300). Position 5
// exists only through output_padding, and a tap lands there.
TEST(ReferenceHand, ConvTransposePaddingAndOutputPadding1d) {
  Tensor y = runOneOp(OpKind::ConvTranspose1d, tensorOf({1, 1, 3}, {1, 2, 3}),
                      {{"out", int64_t{1}},
                       {"kernel", Ints{3}},
                       {"stride", Ints{2}},
                       {"pad", Ints{1}},
                       {"output_padding", Ints{1}},
                       {"bias", false}},
                      {{"weight", tensorOf({1, 1, 3}, {1, 10, 100})}});
  expectTensorNear(y, {1, 1, 6}, {10, 100 + 2, 20, 200 + 3, 30, 300});
}

// Stride 1, pad 1, 3x3 kernel w[ky][kx] = 3ky + kx + 1 on x = [[1, 2], [3, 4]]:
// out = 2x2 and out[oy][ox] = sum x[iy][ix] * w[oy - iy + 1][ox - ix + 1].
TEST(ReferenceHand, ConvTransposeWithPadding) {
  Tensor y = runOneOp(OpKind::ConvTranspose2d, arange({1, 1, 2, 2}, 1.0f),
                      {{"out", int64_t{1}}, {"kernel", Ints{3}}, {"pad", Ints{1}}, {"bias", false}},
                      {{"weight", arange({1, 1, 3, 3}, 1.0f)}});
  expectTensorNear(y, {1, 1, 2, 2},
                   {5 * 1 + 4 * 2 + 2 * 3 + 1 * 4, 6 * 1 + 5 * 2 + 3 * 3 + 2 * 4,
                    8 * 1 + 7 * 2 + 5 * 3 + 4 * 4, 9 * 1 + 8 * 2 + 6 * 3 + 5 * 4});
}

// Grouped transposed conv: 2 input channels, groups 2, 1 output per group.
// Channel 0 = [1, 2] goes to output 0 with w = [1, 10]; channel 1 = [3, 4]
// to output 1 with w = [100, 1000]; stride 2, kernel 2 => no overlap.
TEST(ReferenceHand, ConvTransposeGroups) {
  Tensor y = runOneOp(OpKind::ConvTranspose1d, tensorOf({1, 2, 2}, {1, 2, 3, 4}),
                      {{"out", int64_t{2}},
                       {"kernel", Ints{2}},
                       {"stride", Ints{2}},
                       {"groups", int64_t{2}},
                       {"bias", false}},
                      {{"weight", tensorOf({2, 1, 2}, {1, 10, 100, 1000})}});
  expectTensorNear(y, {1, 2, 4}, {1, 10, 2, 20, 300, 3000, 400, 4000});
}

// --- resize ----------------------------------------------------------------

Tensor resize(const Tensor &x, const Ints &size, const char *mode, bool alignCorners) {
  return runOneOp(OpKind::Resize, x,
                  {{"size", size}, {"mode", name(mode)}, {"align_corners", alignCorners}});
}

// align_corners: src = dst * (in-1)/(out-1). 2 -> 4: src 0, 1/3, 2/3, 1 on
// [0, 3]; 3 -> 5: src = dst/2 on [0, 10, 20].
TEST(ReferenceHand, BilinearAlignCorners1d) {
  expectTensorNear(resize(tensorOf({1, 1, 2}, {0, 3}), {4}, "bilinear", true), {1, 1, 4},
                   {0, 1, 2, 3});
  expectTensorNear(resize(tensorOf({1, 1, 3}, {0, 10, 20}), {5}, "bilinear", true), {1, 1, 5},
                   {0, 5, 10, 15, 20});
  // out = 1 samples the first element.
  expectTensorNear(resize(tensorOf({1, 1, 3}, {7, 10, 20}), {1}, "bilinear", true), {1, 1, 1}, {7});
}

// Half-pixel: src = max(0, (dst + 0.5) * in/out - 0.5). 2 -> 4: src 0
// (clamped from -0.25), 0.25, 0.75, 1.25 (upper neighbour clamped to 1) on
// [0, 3]; 3 -> 5: src = 0.6 dst - 0.2 = 0 (clamped), 0.4, 1, 1.6, 2.2 on
// [0, 10, 20].
TEST(ReferenceHand, BilinearHalfPixel1d) {
  expectTensorNear(resize(tensorOf({1, 1, 2}, {0, 3}), {4}, "bilinear", false), {1, 1, 4},
                   {0, 0.75f, 2.25f, 3});
  expectTensorNear(resize(tensorOf({1, 1, 3}, {0, 10, 20}), {5}, "bilinear", false), {1, 1, 5},
                   {0, 4, 10, 16, 20});
}

// x[r][c] = 2r + c is linear, so bilinear resize reproduces 2 src_r + src_c.
TEST(ReferenceHand, Bilinear2d) {
  Tensor x = arange({1, 1, 2, 2});
  // align_corners, 2 -> 3: src 0, 0.5, 1.
  expectTensorNear(resize(x, {3, 3}, "bilinear", true), {1, 1, 3, 3},
                   {0, 0.5f, 1, 1, 1.5f, 2, 2, 2.5f, 3});
  // half-pixel, 2 -> 4: src 0, 0.25, 0.75, 1 (clamped at both ends).
  const float src[4] = {0, 0.25f, 0.75f, 1};
  std::vector<float> expected;
  for (float r : src)
    for (float c : src)
      expected.push_back(2 * r + c);
  expectTensorNear(resize(x, {4, 4}, "bilinear", false), {1, 1, 4, 4}, expected);
  // Different factors per dim (2 -> 3 rows, 2 -> 5 columns, align_corners):
  // column src = dst / 4.
  std::vector<float> mixed;
  for (float r : {0.0f, 0.5f, 1.0f})
    for (float c : {0.0f, 0.25f, 0.5f, 0.75f, 1.0f})
      mixed.push_back(2 * r + c);
  expectTensorNear(resize(x, {3, 5}, "bilinear", true), {1, 1, 3, 5}, mixed);
}

// src = min(floor(dst * in/out), in - 1). 2 -> 5: 0 0 0 1 1; 3 -> 2: 0 1;
// 2x2 -> 4x4 repeats 2x2 blocks.
TEST(ReferenceHand, Nearest) {
  expectTensorNear(resize(tensorOf({1, 1, 2}, {5, 7}), {5}, "nearest", false), {1, 1, 5},
                   {5, 5, 5, 7, 7});
  expectTensorNear(resize(tensorOf({1, 1, 3}, {10, 20, 30}), {2}, "nearest", false), {1, 1, 2},
                   {10, 20});
  expectTensorNear(resize(arange({1, 1, 2, 2}), {4, 4}, "nearest", false), {1, 1, 4, 4},
                   {0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3});
}

// PyTorch computes nearest's scale in float: 2 -> 82 uses 2/82 = 0.024390243f
// and 41 * 0.024390243f = 0.99999994f, which floors to 0 (the exact
// 41 * 2 / 82 = 1 would give 1). So outputs 0..41 read x[0], 42..81 x[1].
TEST(ReferenceHand, NearestRoundsLikePyTorch) {
  std::vector<float> expected(82, 1.0f);
  std::fill(expected.begin(), expected.begin() + 42, 0.0f);
  expectTensorNear(resize(tensorOf({1, 1, 2}, {0, 1}), {82}, "nearest", false), {1, 1, 82},
                   expected);
}

TEST(ReferenceHand, ResizeLikeAndScale) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 1, 2}});
  ValueId like = g.addInput("like", {DType::F32, {1, 1, 4}});
  ValueId byLike = addOp(g, "a", OpKind::Resize, {x, like});
  ValueId byScale = addOp(g, "b", OpKind::Resize, {x}, {{"scale", 2.0}});
  g.outputs = {byLike, byScale};
  std::vector<Tensor> y = runReference(g, {}, {tensorOf({1, 1, 2}, {1, 2}), filled({1, 1, 4}, 0)});
  expectTensorNear(y[0], {1, 1, 4}, {1, 1, 2, 2});
  expectTensorNear(y[1], {1, 1, 4}, {1, 1, 2, 2});
}

// --- pooling ---------------------------------------------------------------

// Length 5, kernel 2, stride 2, ceil_mode: 3 windows, the last [4, 6) half
// outside. x = 1..5: max 2, 4, 5; average (count_include_pad, no padding)
// divides the last window by the single position inside the input.
TEST(ReferenceHand, PoolCeilModeLastWindowPartlyOutside) {
  Tensor x = arange({1, 1, 5}, 1.0f);
  AttrList attrs = {{"kernel", Ints{2}}, {"ceil_mode", true}};
  expectTensorNear(runOneOp(OpKind::MaxPool1d, x, attrs), {1, 1, 3}, {2, 4, 5});
  expectTensorNear(runOneOp(OpKind::AvgPool1d, x, attrs), {1, 1, 3}, {1.5f, 3.5f, 5});
}

// Length 6, kernel 3, stride 2, pad 1, ceil_mode: windows start at -1, 1, 3,
// 5 ({-1,0,1}, {1,2,3}, {3,4,5}, {5,6,7}); the padded input is [-1, 7), so
// position 7 of the last window is past it. x = 1..6.
TEST(ReferenceHand, AvgPoolCountIncludePad) {
  Tensor x = arange({1, 1, 6}, 1.0f);
  AttrList attrs = {
      {"kernel", Ints{3}}, {"stride", Ints{2}}, {"pad", Ints{1}}, {"ceil_mode", true}};
  AttrList include = attrs, exclude = attrs;
  include.push_back({"count_include_pad", true});
  exclude.push_back({"count_include_pad", false});
  expectTensorNear(runOneOp(OpKind::AvgPool1d, x, include), {1, 1, 4},
                   {(0 + 1 + 2) / 3.0f, (2 + 3 + 4) / 3.0f, (4 + 5 + 6) / 3.0f, (6 + 0) / 2.0f});
  expectTensorNear(runOneOp(OpKind::AvgPool1d, x, exclude), {1, 1, 4},
                   {(1 + 2) / 2.0f, (2 + 3 + 4) / 3.0f, (4 + 5 + 6) / 3.0f, 6 / 1.0f});
  expectTensorNear(runOneOp(OpKind::MaxPool1d, x, attrs), {1, 1, 4}, {2, 4, 6, 6});
}

// Length 5, kernel 2, stride 2, pad 1, ceil_mode: ceil gives 4 windows, but
// the 4th would start at 5 = in + pad_begin, in the end padding, so it is
// dropped. Windows {-1,0}, {1,2}, {3,4}.
TEST(ReferenceHand, PoolCeilModeDropsWindowStartingInPadding) {
  Tensor y =
      runOneOp(OpKind::MaxPool1d, arange({1, 1, 5}, 1.0f),
               {{"kernel", Ints{2}}, {"stride", Ints{2}}, {"pad", Ints{1}}, {"ceil_mode", true}});
  expectTensorNear(y, {1, 1, 3}, {1, 3, 5});
}

// 3x3 = 1..9, kernel 2, ceil_mode: [[1 2 | 3], [4 5 | 6], [7 8 | 9]].
TEST(ReferenceHand, MaxPool2dCeilMode) {
  Tensor y = runOneOp(OpKind::MaxPool2d, arange({1, 1, 3, 3}, 1.0f),
                      {{"kernel", Ints{2}}, {"ceil_mode", true}});
  expectTensorNear(y, {1, 1, 2, 2}, {5, 6, 8, 9});
}

// All inputs negative: the -inf padding never wins.
TEST(ReferenceHand, MaxPoolPaddingNeverWins) {
  Tensor x = arange({1, 1, 3, 3}, -9.0f); // -9 .. -1
  Tensor y =
      runOneOp(OpKind::MaxPool2d, x, {{"kernel", Ints{3}}, {"stride", Ints{1}}, {"pad", Ints{1}}});
  expectTensorNear(y, {1, 1, 3, 3}, {-5, -4, -4, -2, -1, -1, -2, -1, -1});
}

// Dilated max pool: kernel 2, dilation 2 on 1..5 takes {x0,x2}, {x1,x3},
// {x2,x4}.
TEST(ReferenceHand, MaxPoolDilation) {
  Tensor y = runOneOp(OpKind::MaxPool1d, tensorOf({1, 1, 5}, {5, 1, 3, 4, 2}),
                      {{"kernel", Ints{2}}, {"stride", Ints{1}}, {"dilation", Ints{2}}});
  expectTensorNear(y, {1, 1, 3}, {5, 4, 3});
}

// 2x2 avg pool on 3x3 = 1..9 with pad [0, 0, 1, 1] (bottom, right),
// count_include_pad: the padded positions count, so corners divide by 4.
TEST(ReferenceHand, AvgPool2dAsymmetricPad) {
  Tensor y = runOneOp(OpKind::AvgPool2d, arange({1, 1, 3, 3}, 1.0f),
                      {{"kernel", Ints{2}}, {"pad", Ints{0, 0, 1, 1}}});
  expectTensorNear(y, {1, 1, 2, 2},
                   {(1 + 2 + 4 + 5) / 4.0f, (3 + 6) / 4.0f, (7 + 8) / 4.0f, 9 / 4.0f});
}

TEST(ReferenceHand, GlobalPools) {
  Tensor x = tensorOf({1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -6});
  expectTensorNear(runOneOp(OpKind::GlobalAvgPool, x, {}), {1, 2, 1, 1}, {3, -3});
  expectTensorNear(runOneOp(OpKind::GlobalMaxPool, x, {}), {1, 2, 1, 1}, {6, -1});
}

// --- data movement ---------------------------------------------------------

// x = [1 2 3 4], pad [2, 1] (begin 2, end 1).
TEST(ReferenceHand, Pad1d) {
  Tensor x = arange({1, 1, 4}, 1.0f);
  auto padded = [&](const char *mode) {
    return runOneOp(OpKind::Pad, x, {{"pad", Ints{2, 1}}, {"mode", name(mode)}, {"value", 9.0}});
  };
  expectTensorNear(padded("reflect"), {1, 1, 7}, {3, 2, 1, 2, 3, 4, 3});
  expectTensorNear(padded("edge"), {1, 1, 7}, {1, 1, 1, 2, 3, 4, 4});
  expectTensorNear(padded("constant"), {1, 1, 7}, {9, 9, 1, 2, 3, 4, 9});
}

// [[1 2 3], [4 5 6]] padded by 1 everywhere: reflect maps row -1 to row 1
// and column -1 to column 1; edge repeats the border.
TEST(ReferenceHand, Pad2d) {
  Tensor x = arange({1, 1, 2, 3}, 1.0f);
  expectTensorNear(runOneOp(OpKind::Pad, x, {{"pad", Ints{1}}, {"mode", name("reflect")}}),
                   {1, 1, 4, 5}, {5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2});
  expectTensorNear(runOneOp(OpKind::Pad, x, {{"pad", Ints{1}}, {"mode", name("edge")}}),
                   {1, 1, 4, 5}, {1, 1, 2, 3, 3, 1, 1, 2, 3, 3, 4, 4, 5, 6, 6, 4, 4, 5, 6, 6});
  // [top, left, bottom, right] = [0, 2, 1, 0], zeros.
  expectTensorNear(runOneOp(OpKind::Pad, x, {{"pad", Ints{0, 2, 1, 0}}}), {1, 1, 3, 5},
                   {0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 0, 0, 0});
}

// x = 0..5 along axis 1. [-5:-1:2] -> indices 1, 3; [-100:100:4] clamps to
// [0:6:4] -> 0, 4; [4:] with end past the dim -> 4, 5.
TEST(ReferenceHand, SliceNegativeAndStep) {
  Tensor x = arange({1, 6});
  expectTensorNear(runOneOp(OpKind::Slice, x,
                            {{"axis", int64_t{-1}},
                             {"start", int64_t{-5}},
                             {"end", int64_t{-1}},
                             {"step", int64_t{2}}}),
                   {1, 2}, {1, 3});
  expectTensorNear(runOneOp(OpKind::Slice, x,
                            {{"axis", int64_t{1}},
                             {"start", int64_t{-100}},
                             {"end", int64_t{100}},
                             {"step", int64_t{4}}}),
                   {1, 2}, {0, 4});
  expectTensorNear(runOneOp(OpKind::Slice, x,
                            {{"axis", int64_t{1}}, {"start", int64_t{4}}, {"end", int64_t{9}}}),
                   {1, 2}, {4, 5});
}

// A slice of a middle axis of [2, 3, 2]: channel 1 of each batch.
TEST(ReferenceHand, SliceMiddleAxis) {
  Tensor y = runOneOp(OpKind::Slice, arange({2, 3, 2}),
                      {{"axis", int64_t{1}}, {"start", int64_t{1}}, {"end", int64_t{2}}});
  expectTensorNear(y, {2, 1, 2}, {2, 3, 8, 9});
}

TEST(ReferenceHand, Concat) {
  Graph g;
  ValueId a = g.addInput("a", {DType::F32, {1, 1, 2}});
  ValueId b = g.addInput("b", {DType::F32, {1, 2, 2}});
  g.outputs = {addOp(g, "c1", OpKind::Concat, {a, b}),
               addOp(g, "c2", OpKind::Concat, {a, a}, {{"axis", int64_t{-1}}})};
  std::vector<Tensor> y = runReference(g, {}, {arange({1, 1, 2}), arange({1, 2, 2}, 10)});
  expectTensorNear(y[0], {1, 3, 2}, {0, 1, 10, 11, 12, 13});
  expectTensorNear(y[1], {1, 1, 4}, {0, 1, 0, 1});
}

// reshape keeps row-major order; 0 copies a dim, -1 is inferred.
TEST(ReferenceHand, ReshapeAndFlatten) {
  Tensor x = arange({2, 3, 4});
  std::vector<float> all(24);
  for (int i = 0; i < 24; ++i)
    all[i] = static_cast<float>(i);
  expectTensorNear(runOneOp(OpKind::Reshape, x, {{"shape", Ints{0, -1}}}), {2, 12}, all);
  expectTensorNear(runOneOp(OpKind::Reshape, x, {{"shape", Ints{-1, 0, 2}}}), {4, 3, 2}, all);
  expectTensorNear(runOneOp(OpKind::Flatten, x, {}), {2, 12}, all);
  expectTensorNear(runOneOp(OpKind::Flatten, x, {{"axis", int64_t{2}}}), {6, 4}, all);
}

// --- elementwise -----------------------------------------------------------

// a [2, 3, 1] with a[i][j] = 10i + j, b [1, 4] with b[k] = 100k:
// (a + b)[i][j][k] = 10i + j + 100k.
TEST(ReferenceHand, BroadcastingAddAndMul) {
  Graph g;
  ValueId a = g.addInput("a", {DType::F32, {2, 3, 1}});
  ValueId b = g.addInput("b", {DType::F32, {1, 4}});
  ValueId c = g.addInput("c", {DType::F32, {3}});
  g.outputs = {addOp(g, "sum", OpKind::Add, {a, b}), addOp(g, "prod", OpKind::Mul, {b, a}),
               addOp(g, "row", OpKind::Mul, {a, c})};
  Tensor at = tensorOf({2, 3, 1}, {0, 1, 2, 10, 11, 12});
  Tensor bt = tensorOf({1, 4}, {0, 100, 200, 300});
  Tensor ct = tensorOf({3}, {1, -1, 2});
  std::vector<Tensor> y = runReference(g, {}, {at, bt, ct});
  std::vector<float> sum, prod, row;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        sum.push_back(10.0f * i + j + 100.0f * k);
        prod.push_back((10.0f * i + j) * (100.0f * k));
      }
  // [2, 3, 1] * [3] -> [2, 3, 3]: row[i][j][k] = a[i][j] * c[k].
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (float ck : {1.0f, -1.0f, 2.0f})
        row.push_back((10.0f * i + j) * ck);
  expectTensorNear(y[0], {2, 3, 4}, sum);
  expectTensorNear(y[1], {2, 3, 4}, prod);
  expectTensorNear(y[2], {2, 3, 3}, row);
}

TEST(ReferenceHand, Activations) {
  Tensor x = tensorOf({1, 5}, {-2, -0.5f, 0, 3, 7});
  expectTensorNear(runOneOp(OpKind::Relu, x, {}), {1, 5}, {0, 0, 0, 3, 7});
  expectTensorNear(runOneOp(OpKind::Relu6, x, {}), {1, 5}, {0, 0, 0, 3, 6});
  expectTensorNear(runOneOp(OpKind::LeakyRelu, x, {{"alpha", 0.1}}), {1, 5},
                   {-0.2f, -0.05f, 0, 3, 7});
  expectTensorNear(runOneOp(OpKind::LeakyRelu, x, {}), {1, 5}, {-0.02f, -0.005f, 0, 3, 7});
  std::vector<float> sigmoid, tanh;
  for (float v : {-2.0f, -0.5f, 0.0f, 3.0f, 7.0f}) {
    sigmoid.push_back(1.0f / (1.0f + std::exp(-v)));
    tanh.push_back(std::tanh(v));
  }
  expectTensorNear(runOneOp(OpKind::Sigmoid, x, {}), {1, 5}, sigmoid, 1e-6f);
  expectTensorNear(runOneOp(OpKind::Tanh, x, {}), {1, 5}, tanh, 1e-6f);
}

// Channel c (dim 1) of a [1, 2, 2] input: y = (x - mean) / sqrt(var + eps) *
// weight + bias with mean [1, -1], var [3, 15], eps 1, weight [2, 0.5],
// bias [0, 10]: channel 0 is (x - 1) / 2 * 2, channel 1 (x + 1) / 4 / 2 + 10.
TEST(ReferenceHand, BatchNormAndBias) {
  Tensor x = tensorOf({1, 2, 2}, {1, 5, 7, -1});
  Tensor y = runOneOp(OpKind::BatchNorm, x, {{"eps", 1.0}},
                      {{"weight", tensorOf({2}, {2, 0.5f})},
                       {"bias", tensorOf({2}, {0, 10})},
                       {"running_mean", tensorOf({2}, {1, -1})},
                       {"running_var", tensorOf({2}, {3, 15})}});
  expectTensorNear(y, {1, 2, 2}, {0, 4, 8 / 8.0f + 10, 0 + 10});
  Tensor b = runOneOp(OpKind::Bias, x, {}, {{"bias", tensorOf({2}, {100, -100})}});
  expectTensorNear(b, {1, 2, 2}, {101, 105, -93, -101});
}

// --- reductions and linear -------------------------------------------------

TEST(ReferenceHand, Softmax) {
  const float sum = std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f);
  expectTensorNear(runOneOp(OpKind::Softmax, tensorOf({1, 3}, {1, 2, 3}), {}), {1, 3},
                   {std::exp(1.0f) / sum, std::exp(2.0f) / sum, std::exp(3.0f) / sum}, 1e-6f);
  // Large logits must not overflow: softmax is shift-invariant.
  expectTensorNear(runOneOp(OpKind::Softmax, tensorOf({1, 3}, {1001, 1002, 1003}), {}), {1, 3},
                   {std::exp(1.0f) / sum, std::exp(2.0f) / sum, std::exp(3.0f) / sum}, 1e-6f);
  // Over channels (axis 1) of [1, 2, 1, 2]: pairs (x[0][k], x[1][k]).
  Tensor y = runOneOp(OpKind::Softmax, tensorOf({1, 2, 1, 2}, {0, 5, 0, 5}), {});
  expectTensorNear(y, {1, 2, 1, 2}, {0.5f, 0.5f, 0.5f, 0.5f}, 1e-6f);
  // Last axis, given as -1.
  Tensor z = runOneOp(OpKind::Softmax, tensorOf({2, 2}, {0, 0, 3, 3}), {{"axis", int64_t{-1}}});
  expectTensorNear(z, {2, 2}, {0.5f, 0.5f, 0.5f, 0.5f}, 1e-6f);
}

TEST(ReferenceHand, ArgmaxTakesFirstOfTies) {
  // [1, 4, 2] along axis 1: columns (3, 7, 7, 1) -> 1 and (0, 9, 2, 9) -> 1.
  Tensor x = tensorOf({1, 4, 2}, {3, 0, 7, 9, 7, 2, 1, 9});
  Tensor y = runOneOp(OpKind::ArgMax, x, {});
  ASSERT_EQ(y.type().str(), "i32[1, 1, 2]");
  EXPECT_EQ(y.i32()[0], 1);
  EXPECT_EQ(y.i32()[1], 1);
  Tensor flat = runOneOp(OpKind::ArgMax, tensorOf({2, 3}, {5, 5, 5, -1, 0, 0}),
                         {{"axis", int64_t{-1}}, {"keepdims", false}});
  ASSERT_EQ(flat.type().str(), "i32[2]");
  EXPECT_EQ(flat.i32()[0], 0);
  EXPECT_EQ(flat.i32()[1], 1);
}

// x [2, 3], weight [2, 3], bias [1, -1]: y = x w^T + b.
TEST(ReferenceHand, Linear) {
  Tensor y = runOneOp(
      OpKind::Linear, tensorOf({2, 3}, {1, 2, 3, 4, 5, 6}), {{"out", int64_t{2}}},
      {{"weight", tensorOf({2, 3}, {1, 0, 0, 1, 10, 100})}, {"bias", tensorOf({2}, {1, -1})}});
  expectTensorNear(y, {2, 2}, {1 + 1, 1 + 20 + 300 - 1, 4 + 1, 4 + 50 + 600 - 1});
}

// --- the driver ------------------------------------------------------------

Graph convGraph() {
  Graph g;
  g.name = "m";
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 65, 65}});
  g.outputs = {addOp(g, "c", OpKind::Conv2d, {x}, {{"out", int64_t{2}}, {"kernel", Ints{1}}})};
  return g;
}

std::string errorOf(const Graph &g, const Weights &w, const std::vector<Tensor> &inputs) {
  try {
    runReference(g, w, inputs);
  } catch (const Error &e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ReferenceHand, RejectsMismatchedInputs) {
  Graph g = convGraph();
  Weights w = {{"c.weight", filled({2, 3, 1, 1}, 1)}, {"c.bias", filled({2}, 0)}};
  EXPECT_NE(errorOf(g, w, {filled({1, 3, 64, 64}, 0)})
                .find("input 'x' expects f32[1, 3, 65, 65], got f32[1, 3, 64, 64]"),
            std::string::npos);
  EXPECT_NE(errorOf(g, w, {}).find("takes 1 input(s), got 0"), std::string::npos);
  Tensor ints(DType::I32, {1, 3, 65, 65});
  EXPECT_NE(errorOf(g, w, {ints}).find("got i32[1, 3, 65, 65]"), std::string::npos);
}

TEST(ReferenceHand, RejectsMissingOrMisshapedWeights) {
  Graph g = convGraph();
  Tensor x = filled({1, 3, 65, 65}, 0);
  EXPECT_NE(errorOf(g, {{"c.weight", filled({2, 3, 1, 1}, 1)}}, {x}).find("'c.bias'"),
            std::string::npos);
  EXPECT_NE(errorOf(g, {{"c.weight", filled({2, 3, 3, 3}, 1)}, {"c.bias", filled({2}, 0)}}, {x})
                .find("weight 'c.weight' expects f32[2, 3, 1, 1], got f32[2, 3, 3, 3]"),
            std::string::npos);
}

// runReferenceAll returns every value, indexed by ValueId; runReference only
// the outputs, and releasing dead intermediates does not change them.
TEST(ReferenceHand, RunAllKeepsEveryValue) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2}});
  ValueId r = addOp(g, "r", OpKind::Relu, {x});
  ValueId s = addOp(g, "s", OpKind::Add, {r, x});
  ValueId t = addOp(g, "t", OpKind::Mul, {s, s});
  g.outputs = {t, r};
  Tensor in = tensorOf({1, 2}, {-1, 2});
  std::vector<Tensor> all = runReferenceAll(g, {}, {in});
  ASSERT_EQ(all.size(), 4u);
  expectTensorNear(all[static_cast<size_t>(x)], {1, 2}, {-1, 2});
  expectTensorNear(all[static_cast<size_t>(r)], {1, 2}, {0, 2});
  expectTensorNear(all[static_cast<size_t>(s)], {1, 2}, {-1, 4});
  expectTensorNear(all[static_cast<size_t>(t)], {1, 2}, {1, 16});
  std::vector<Tensor> outs = runReference(g, {}, {in});
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_TRUE(outs[0] == all[static_cast<size_t>(t)]);
  EXPECT_TRUE(outs[1] == all[static_cast<size_t>(r)]);
}

} // namespace
} // namespace atrous::testing
