// Differential tests of generated code: randomized and hand-picked cases of
// every op family, compiled for the host through CompiledModel and compared
// with the reference interpreter. Each test builds all of its cases into one
// graph (one compile, groups built in parallel and cached on disk), draws
// them from a fixed master seed so the set of compiled groups is the same on
// every run, and names the failing case and the seed on a mismatch.
// Tolerances (CodegenTestUtil.h): f32 within 1e-4 of max(1, max |want|);
// argmax exact, on graph inputs that both sides read bit for bit, where a tie
// is resolved by the documented first-index rule rather than by rounding.
#include "CodegenTestUtil.h"

namespace atrous::codegen_test {
namespace {

constexpr uint64_t kMasterSeed = 20240611;

AttrValue i64(int64_t v) {
  return v;
}

// One of the padding forms of docs/ops.md for a window of `rank` spatial
// dims: an int, one per dim, [begins..., ends...], 'same' or 'valid'; explicit
// values up to maxPad.
AttrValue drawPad(Draw &d, int rank, int64_t maxPad) {
  switch (d.range(0, 4)) {
  case 0:
    return i64(d.range(0, maxPad));
  case 1: {
    Ints perDim;
    for (int k = 0; k < rank; ++k)
      perDim.push_back(d.range(0, maxPad));
    return perDim;
  }
  case 2: {
    Ints beginEnd;
    for (int k = 0; k < 2 * rank; ++k)
      beginEnd.push_back(d.range(0, maxPad));
    return beginEnd;
  }
  case 3:
    return std::string("same");
  default:
    return std::string("valid");
  }
}

// A per-dim list attribute, or one value for every dim half of the time.
AttrValue drawPerDim(Draw &d, int rank, int64_t lo, int64_t hi) {
  if (rank == 1 || d.coin()) return i64(d.range(lo, hi));
  Ints v;
  for (int k = 0; k < rank; ++k)
    v.push_back(d.range(lo, hi));
  return v;
}

// Input channels, output channels and groups: plain, two groups, or
// depthwise (with a channel multiplier of 1 or 2). Counts are deliberately
// not multiples of the vector width.
struct Channels {
  int64_t in, out, groups;
};
Channels drawChannels(Draw &d) {
  switch (d.range(0, 2)) {
  case 0:
    return {d.pick(Ints{1, 2, 3, 5, 8, 17}), d.pick(Ints{1, 3, 5, 16, 17}), 1};
  case 1:
    return {2 * d.pick(Ints{1, 2, 3, 5}), 2 * d.pick(Ints{1, 3, 4, 5}), 2};
  default: {
    int64_t c = d.pick(Ints{1, 3, 5, 17});
    return {c, c * d.range(1, 2), c};
  }
  }
}

// Adds one op case per draw that shape inference accepts, until `count`.
template <typename DrawCase>
void addDrawn(CaseGraph &cases, Draw &d, int count, DrawCase drawCase) {
  for (int made = 0; made < count;) {
    OpKind op;
    std::vector<Shape> inputs;
    AttrList attrs;
    drawCase(d, op, inputs, attrs);
    if (!accepts(op, inputs, attrs)) continue;
    cases.oneOp(op, inputs, attrs);
    ++made;
  }
}

TEST(CodegenDifferential, Conv2d) {
  CaseGraph cases("conv2d_cases");
  // Large rates on small maps: most taps fall in the padding.
  cases.oneOp(OpKind::Conv2d, {{1, 5, 9, 9}},
              {{"out", i64(5)}, {"kernel", i64(3)}, {"dilation", i64(12)}, {"pad", i64(12)}});
  cases.oneOp(OpKind::Conv2d, {{1, 3, 7, 5}},
              {{"out", i64(3)},
               {"kernel", i64(3)},
               {"dilation", i64(18)},
               {"pad", i64(18)},
               {"bias", false}});
  cases.oneOp(OpKind::Conv2d, {{1, 17, 6, 6}},
              {{"out", i64(17)},
               {"kernel", i64(3)},
               {"dilation", i64(24)},
               {"pad", std::string("same")},
               {"groups", i64(17)}});
  // 1x1 maps.
  cases.oneOp(OpKind::Conv2d, {{1, 5, 1, 1}}, {{"out", i64(17)}, {"kernel", i64(1)}});
  cases.oneOp(OpKind::Conv2d, {{1, 3, 1, 1}},
              {{"out", i64(5)}, {"kernel", i64(3)}, {"dilation", i64(6)}, {"pad", i64(6)}});
  // Depthwise with batch 2, groups with asymmetric padding, per-dim forms.
  cases.oneOp(
      OpKind::Conv2d, {{2, 17, 7, 5}},
      {{"out", i64(17)}, {"kernel", i64(3)}, {"pad", std::string("same")}, {"groups", i64(17)}});
  cases.oneOp(OpKind::Conv2d, {{2, 6, 8, 7}},
              {{"out", i64(10)},
               {"kernel", i64(3)},
               {"stride", i64(2)},
               {"pad", Ints{0, 1, 2, 1}},
               {"groups", i64(2)}});
  cases.oneOp(OpKind::Conv2d, {{1, 3, 7, 5}},
              {{"out", i64(5)}, {"kernel", Ints{5, 3}}, {"pad", Ints{2, 1}}});
  cases.oneOp(
      OpKind::Conv2d, {{1, 5, 11, 9}},
      {{"out", i64(3)}, {"kernel", i64(5)}, {"stride", i64(3)}, {"pad", std::string("valid")}});
  cases.oneOp(OpKind::Conv2d, {{1, 8, 13, 13}},
              {{"out", i64(16)},
               {"kernel", Ints{1, 5}},
               {"stride", Ints{2, 1}},
               {"dilation", Ints{1, 2}},
               {"pad", Ints{0, 4, 0, 4}}});
  cases.oneOp(OpKind::Conv2d, {{1, 16, 9, 9}},
              {{"out", i64(16)}, {"kernel", i64(3)}, {"dilation", i64(2)}, {"pad", i64(2)}});

  Draw d(kMasterSeed);
  addDrawn(cases, d, 30, [](Draw &d, OpKind &op, std::vector<Shape> &inputs, AttrList &attrs) {
    op = OpKind::Conv2d;
    Channels ch = drawChannels(d);
    int64_t batch = d.range(1, 6) == 1 ? 2 : 1;
    int64_t dilation = d.pick(Ints{1, 1, 1, 2, 3, 4, 5, 6, 12, 18, 24});
    int64_t kernel = d.range(1, 5);
    inputs = {{batch, ch.in, d.range(1, 13), d.range(1, 13)}};
    attrs = {{"out", i64(ch.out)}, {"groups", i64(ch.groups)}, {"bias", d.coin()}};
    if (d.coin())
      attrs.push_back({"kernel", i64(kernel)});
    else
      attrs.push_back({"kernel", Ints{kernel, d.range(1, 5)}});
    attrs.push_back({"stride", drawPerDim(d, 2, 1, 3)});
    attrs.push_back({"dilation", dilation > 6 ? i64(dilation) : drawPerDim(d, 2, 1, 6)});
    attrs.push_back({"pad", drawPad(d, 2, dilation * 2)});
  });
  expectMatchesReference(cases, kMasterSeed);
}

TEST(CodegenDifferential, Conv1d) {
  CaseGraph cases("conv1d_cases");
  // WaveNet-style causal stacks up to dilation 64, where taps reach both real
  // samples and the causal padding.
  cases.oneOp(
      OpKind::Conv1d, {{1, 3, 100}},
      {{"out", i64(5)}, {"kernel", i64(2)}, {"dilation", i64(64)}, {"pad", std::string("causal")}});
  cases.oneOp(OpKind::Conv1d, {{1, 5, 70}},
              {{"out", i64(17)},
               {"kernel", i64(2)},
               {"dilation", i64(32)},
               {"pad", std::string("causal")},
               {"bias", false}});
  cases.oneOp(
      OpKind::Conv1d, {{2, 17, 40}},
      {{"out", i64(3)}, {"kernel", i64(3)}, {"dilation", i64(16)}, {"pad", std::string("causal")}});
  cases.oneOp(OpKind::Conv1d, {{1, 4, 9}},
              {{"out", i64(4)},
               {"kernel", i64(3)},
               {"dilation", i64(4)},
               {"pad", std::string("causal")},
               {"groups", i64(4)}});
  cases.oneOp(OpKind::Conv1d, {{1, 3, 1}},
              {{"out", i64(5)}, {"kernel", i64(2)}, {"pad", std::string("causal")}});

  Draw d(kMasterSeed + 1);
  addDrawn(cases, d, 7, [](Draw &d, OpKind &op, std::vector<Shape> &inputs, AttrList &attrs) {
    op = OpKind::Conv1d;
    Channels ch = drawChannels(d);
    int64_t dilation = d.pick(Ints{1, 2, 4, 8, 16, 32, 64});
    inputs = {{d.range(1, 4) == 1 ? 2 : 1, ch.in, d.range(1, 130)}};
    attrs = {{"out", i64(ch.out)},
             {"groups", i64(ch.groups)},
             {"bias", d.coin()},
             {"kernel", i64(d.range(2, 3))},
             {"dilation", i64(dilation)}};
    if (d.range(0, 2) == 0) {
      attrs.push_back({"pad", std::string("causal")});
    } else {
      attrs.push_back({"stride", i64(d.range(1, 3))});
      attrs.push_back({"pad", drawPad(d, 1, dilation * 2)});
    }
  });
  expectMatchesReference(cases, kMasterSeed);
}

// Gated convs (WaveNet's unit), 1-D and 2-D, some grouped. Halves of whole channels_last
// blocks pair their accumulator blocks (codegen/Lowering.h,
// pairsGatedChannels), stored channels_last or planar; others keep the
// conv's channel order. Residuals have the accumulator's 2 x half channels,
// or broadcast, and so are read in the conv's order by both halves.
TEST(CodegenDifferential, GatedConvs) {
  CaseGraph cases("gated_cases");
  Draw d(kMasterSeed + 3);
  for (int k = 0; k < 12; ++k) {
    const int rank = d.coin() ? 1 : 2;
    const int64_t half = d.pick(Ints{16, 32, 48, 8, 24}), in = d.pick(Ints{3, 16, 20});
    const int64_t dilation = d.range(1, 6), kernel = d.range(1, 3);
    Shape shape = {1, in, d.range(5, 40)};
    if (rank == 2) shape.push_back(d.range(3, 12));
    AttrList attrs = {
        {"out", i64(2 * half)},      {"kernel", i64(kernel)},
        {"dilation", i64(dilation)}, {"act", std::string("gated")},
        {"bias", d.coin()},          {"groups", i64(in % 4 == 0 ? d.pick(Ints{1, 1, 2, 4}) : 1)}};
    attrs.push_back({"pad", rank == 1 && d.coin() ? AttrValue(std::string("causal"))
                                                  : AttrValue(std::string("same"))});
    const bool channelsLast = d.coin();
    if (channelsLast) attrs.push_back({"layout", std::string("channels_last")});
    std::vector<Shape> inputs = {shape};
    if (d.coin()) {
      Shape residual = shape;
      residual[1] = 2 * half;
      if (d.coin()) std::fill(residual.begin() + 2, residual.end(), 1);
      inputs.push_back(residual);
    }
    const OpKind op = rank == 1 ? OpKind::Conv1d : OpKind::Conv2d;
    ASSERT_TRUE(accepts(op, inputs, attrs)) << describe(op, inputs, attrs);
    // A channels_last conv is read by a planar copy: graph outputs are planar.
    cases.begin(describe(op, inputs, attrs));
    std::vector<ValueId> ids;
    for (const Shape &s : inputs)
      ids.push_back(cases.input(s));
    ValueId gated = cases.op(op, ids, attrs);
    cases.output(channelsLast ? cases.op(OpKind::Copy, {gated}) : gated);
  }
  expectMatchesReference(cases, kMasterSeed);
}

TEST(CodegenDifferential, ConvTranspose) {
  CaseGraph cases("conv_transpose_cases");
  // FCN's and LinkNet's upsamplers, then output padding reached only by the
  // bias, depthwise with dilation, and 1x1 and 1-D inputs.
  cases.oneOp(OpKind::ConvTranspose2d, {{1, 4, 5, 5}},
              {{"out", i64(3)}, {"kernel", i64(4)}, {"stride", i64(2)}, {"pad", i64(1)}});
  cases.oneOp(OpKind::ConvTranspose2d, {{1, 6, 3, 4}},
              {{"out", i64(4)},
               {"kernel", i64(3)},
               {"stride", i64(2)},
               {"pad", i64(1)},
               {"output_padding", i64(1)},
               {"groups", i64(2)}});
  cases.oneOp(OpKind::ConvTranspose2d, {{2, 5, 7, 5}},
              {{"out", i64(5)},
               {"kernel", i64(3)},
               {"stride", i64(3)},
               {"dilation", i64(2)},
               {"pad", i64(2)},
               {"output_padding", i64(2)},
               {"groups", i64(5)}});
  cases.oneOp(OpKind::ConvTranspose1d, {{1, 3, 9}},
              {{"out", i64(5)},
               {"kernel", i64(3)},
               {"stride", i64(2)},
               {"dilation", i64(3)},
               {"output_padding", i64(2)}});
  cases.oneOp(OpKind::ConvTranspose2d, {{1, 3, 1, 1}},
              {{"out", i64(17)}, {"kernel", i64(3)}, {"stride", i64(2)}, {"bias", false}});

  Draw d(kMasterSeed + 2);
  addDrawn(cases, d, 10, [](Draw &d, OpKind &op, std::vector<Shape> &inputs, AttrList &attrs) {
    const int rank = static_cast<int>(d.range(1, 2));
    op = rank == 1 ? OpKind::ConvTranspose1d : OpKind::ConvTranspose2d;
    Channels ch = drawChannels(d);
    Shape shape = {d.range(1, 5) == 1 ? 2 : 1, ch.in};
    for (int k = 0; k < rank; ++k)
      shape.push_back(d.range(1, 9));
    inputs = {shape};
    int64_t stride = d.range(1, 3), dilation = d.range(1, 3);
    attrs = {{"out", i64(ch.out)},
             {"groups", i64(ch.groups)},
             {"bias", d.coin()},
             {"kernel", drawPerDim(d, rank, 1, 4)},
             {"stride", i64(stride)},
             {"dilation", i64(dilation)},
             {"output_padding", i64(d.range(0, std::max(stride, dilation) - 1))}};
    if (d.coin())
      attrs.push_back({"pad", drawPerDim(d, rank, 0, 2)});
    else {
      Ints beginEnd;
      for (int k = 0; k < 2 * rank; ++k)
        beginEnd.push_back(d.range(0, 2));
      attrs.push_back({"pad", beginEnd});
    }
  });
  expectMatchesReference(cases, kMasterSeed);
}

TEST(CodegenDifferential, Pools) {
  CaseGraph cases("pool_cases");
  const std::string same = "same";
  cases.oneOp(OpKind::MaxPool2d, {{1, 5, 9, 9}},
              {{"kernel", i64(3)}, {"stride", i64(2)}, {"pad", i64(1)}, {"ceil_mode", true}});
  cases.oneOp(OpKind::MaxPool2d, {{2, 3, 7, 5}},
              {{"kernel", i64(3)}, {"stride", i64(2)}, {"pad", same}});
  cases.oneOp(OpKind::MaxPool2d, {{1, 17, 11, 10}},
              {{"kernel", i64(3)}, {"stride", i64(1)}, {"dilation", Ints{2, 3}}, {"pad", i64(1)}});
  cases.oneOp(OpKind::MaxPool2d, {{1, 3, 1, 1}}, {{"kernel", i64(1)}});
  cases.oneOp(OpKind::MaxPool1d, {{1, 5, 20}},
              {{"kernel", i64(3)}, {"stride", i64(2)}, {"dilation", i64(4)}, {"ceil_mode", true}});
  cases.oneOp(OpKind::AvgPool2d, {{1, 5, 9, 9}},
              {{"kernel", i64(3)},
               {"stride", i64(2)},
               {"pad", i64(1)},
               {"ceil_mode", true},
               {"count_include_pad", false}});
  // ceil mode with count_include_pad: the last window runs past the padded
  // input and those positions are not counted.
  cases.oneOp(OpKind::AvgPool2d, {{1, 3, 8, 6}},
              {{"kernel", i64(3)}, {"stride", i64(2)}, {"pad", i64(1)}, {"ceil_mode", true}});
  cases.oneOp(OpKind::AvgPool2d, {{2, 3, 7, 5}}, {{"kernel", i64(2)}, {"ceil_mode", true}});
  cases.oneOp(OpKind::AvgPool2d, {{1, 17, 7, 5}},
              {{"kernel", Ints{3, 2}}, {"stride", i64(1)}, {"pad", same}});
  cases.oneOp(
      OpKind::AvgPool1d, {{1, 3, 13}},
      {{"kernel", i64(4)}, {"stride", i64(3)}, {"pad", Ints{2, 1}}, {"count_include_pad", false}});
  cases.oneOp(OpKind::AvgPool1d, {{2, 5, 9}}, {{"kernel", i64(3)}, {"pad", same}});
  cases.oneOp(OpKind::GlobalAvgPool, {{2, 17, 7, 5}}, {});
  cases.oneOp(OpKind::GlobalAvgPool, {{1, 5, 1, 1}}, {});
  cases.oneOp(OpKind::GlobalAvgPool, {{1, 3, 30}}, {});
  cases.oneOp(OpKind::GlobalMaxPool, {{1, 17, 9, 6}}, {});
  cases.oneOp(OpKind::GlobalMaxPool, {{2, 3, 11}}, {});

  Draw d(kMasterSeed + 3);
  addDrawn(cases, d, 4, [](Draw &d, OpKind &op, std::vector<Shape> &inputs, AttrList &attrs) {
    const bool isMax = d.coin();
    op = isMax ? OpKind::MaxPool2d : OpKind::AvgPool2d;
    inputs = {{1, d.pick(Ints{1, 3, 5, 17}), d.range(1, 12), d.range(1, 12)}};
    int64_t kernel = d.range(1, 4);
    attrs = {{"kernel", i64(kernel)},
             {"stride", drawPerDim(d, 2, 1, 3)},
             {"pad", drawPad(d, 2, kernel / 2)},
             {"ceil_mode", d.coin()}};
    if (isMax)
      attrs.push_back({"dilation", drawPerDim(d, 2, 1, 3)});
    else
      attrs.push_back({"count_include_pad", d.coin()});
  });
  expectMatchesReference(cases, kMasterSeed);
}

TEST(CodegenDifferential, Resize) {
  CaseGraph cases("resize_cases");
  const std::string bilinear = "bilinear";
  cases.oneOp(OpKind::Resize, {{1, 3, 5, 7}}, {{"scale", 2.0}});
  cases.oneOp(OpKind::Resize, {{1, 2, 7, 9}}, {{"size", Ints{3, 4}}});
  cases.oneOp(OpKind::Resize, {{1, 3, 5}}, {{"size", Ints{40}}});
  cases.oneOp(OpKind::Resize, {{1, 2, 4, 6}}, {{"scale", std::vector<double>{1.5, 0.5}}});
  cases.oneOp(OpKind::Resize, {{2, 3, 5, 8}}, {{"size", Ints{9, 17}}, {"mode", bilinear}});
  cases.oneOp(OpKind::Resize, {{1, 3, 6}},
              {{"size", Ints{1}}, {"mode", bilinear}, {"align_corners", true}});
  cases.oneOp(OpKind::Resize, {{1, 2, 11}}, {{"size", Ints{4}}, {"mode", bilinear}});
  cases.oneOp(OpKind::Resize, {{1, 3, 9, 9}}, {{"scale", 0.5}, {"mode", bilinear}});
  cases.oneOp(OpKind::Resize, {{1, 2, 8, 8}},
              {{"size", Ints{3, 5}}, {"mode", bilinear}, {"align_corners", true}});
  cases.oneOp(OpKind::Resize, {{1, 5, 3, 1}},
              {{"size", Ints{7, 4}}, {"mode", bilinear}, {"align_corners", true}});
  // like=: the image-pooling branch of ASPP (1x1 up to the map) and a
  // decoder-style upsampling by a non-integer factor.
  cases.oneOp(OpKind::Resize, {{1, 17, 1, 1}, {1, 1, 7, 5}}, {{"mode", bilinear}});
  cases.oneOp(OpKind::Resize, {{1, 5, 4, 3}, {1, 1, 13, 11}},
              {{"mode", bilinear}, {"align_corners", true}});
  cases.oneOp(OpKind::Resize, {{1, 2, 17, 17}, {1, 1, 65, 65}}, {});
  // Rows of every channel in tasks of 118 (codegen/Schedule.cpp): 5 channels
  // of 70-pixel rows leave a last task that is guarded.
  cases.oneOp(OpKind::Resize, {{1, 5, 20, 20}}, {{"size", Ints{70, 70}}, {"mode", bilinear}});
  expectMatchesReference(cases, kMasterSeed);
}

// Nearest upsampling by more than a vector's width (16 f32 lanes with
// AVX-512), apart from the other resize cases: Halide 14 has crashed with
// SIGFPE compiling a vectorized load whose index floor(x * in/out) stays on
// one source for a whole vector, which takes the test process down with it.
TEST(CodegenDifferential, ResizeNearestLargeUpsampling) {
  CaseGraph cases("resize_nearest_large_cases");
  // 2 -> 82 picks source 0 at dst 41 through the float ratio (docs/ops.md).
  cases.oneOp(OpKind::Resize, {{1, 3, 2}}, {{"size", Ints{82}}});
  // ASPP's image-pooling branch with nearest: 1x1 up to the feature map.
  cases.oneOp(OpKind::Resize, {{1, 5, 1, 1}, {1, 1, 33, 33}}, {});
  expectMatchesReference(cases, kMasterSeed);
}

TEST(CodegenDifferential, ElementwiseAndDataMovement) {
  CaseGraph cases("elementwise_cases");
  auto unary = [&](OpKind op, const Shape &shape, float lo, float hi, const AttrList &attrs) {
    cases.begin(describe(op, {shape}, attrs) + " on inputs in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + ")");
    cases.output(cases.op(op, {cases.input(shape, lo, hi)}, attrs));
  };
  cases.oneOp(OpKind::Add, {{2, 3, 4, 5}, {1, 3, 1, 1}}, {});
  cases.oneOp(OpKind::Add, {{3, 1, 5}, {2, 1, 4, 1}}, {});
  cases.oneOp(OpKind::Mul, {{1, 5, 7, 5}, {1, 5, 7, 5}}, {});
  // Planes so small that the threads take them in tasks of many
  // (codegen/ScheduleUtil.h, parallelInTasks): 130 planes of 9x9, 324 bytes
  // each, go in a task of 102 and a last one that is guarded.
  cases.oneOp(OpKind::Mul, {{1, 130, 9, 9}, {1, 130, 9, 9}}, {});
  cases.oneOp(OpKind::Mul, {{2, 1, 1, 9}, {1, 17, 1, 1}}, {});
  cases.oneOp(OpKind::BatchNorm, {{2, 5, 7, 5}}, {});
  cases.oneOp(OpKind::BatchNorm, {{1, 17, 9}}, {{"eps", 1e-3}});
  cases.oneOp(OpKind::Bias, {{1, 17, 3, 3}}, {});
  unary(OpKind::Relu, {1, 5, 7, 5}, -1.f, 1.f, {});
  unary(OpKind::Relu6, {1, 3, 9, 9}, -8.f, 8.f, {});
  unary(OpKind::LeakyRelu, {2, 3, 17}, -1.f, 1.f, {{"alpha", 0.2}});
  unary(OpKind::Sigmoid, {1, 17, 5, 3}, -12.f, 12.f, {});
  unary(OpKind::Tanh, {1, 5, 9}, -6.f, 6.f, {});
  unary(OpKind::Softmax, {2, 5, 3, 4}, -10.f, 10.f, {});
  unary(OpKind::Softmax, {1, 3, 17}, -10.f, 10.f, {{"axis", i64(-1)}});
  unary(OpKind::Softmax, {3, 17}, -30.f, 30.f, {});
  cases.oneOp(OpKind::ArgMax, {{2, 5, 7, 5}}, {});
  cases.oneOp(OpKind::ArgMax, {{1, 3, 17}}, {{"axis", i64(-1)}, {"keepdims", false}});
  cases.oneOp(OpKind::ArgMax, {{1, 21, 9, 9}}, {{"keepdims", false}});
  cases.oneOp(OpKind::Concat, {{1, 2, 5, 5}, {1, 3, 5, 5}, {1, 17, 5, 5}}, {});
  cases.oneOp(OpKind::Concat, {{1, 3, 2, 5}, {1, 3, 7, 5}}, {{"axis", i64(2)}});
  cases.oneOp(OpKind::Concat, {{2, 3, 4, 1}, {2, 3, 4, 6}, {2, 3, 4, 2}}, {{"axis", i64(3)}});
  cases.oneOp(OpKind::Slice, {{1, 17, 3, 3}},
              {{"axis", i64(1)}, {"start", i64(-5)}, {"end", i64(-1)}, {"step", i64(2)}});
  cases.oneOp(OpKind::Slice, {{1, 2, 5, 11}},
              {{"axis", i64(-1)}, {"start", i64(1)}, {"end", i64(100)}, {"step", i64(3)}});
  cases.oneOp(OpKind::Slice, {{1, 4, 7, 5}}, {{"axis", i64(2)}, {"end", i64(1)}});
  cases.oneOp(OpKind::Pad, {{1, 3, 5, 7}}, {{"pad", Ints{1, 2, 0, 3}}, {"value", 1.5}});
  cases.oneOp(OpKind::Pad, {{1, 2, 5, 4}}, {{"pad", Ints{2, 1}}, {"mode", std::string("reflect")}});
  cases.oneOp(OpKind::Pad, {{2, 3, 4, 5}},
              {{"pad", Ints{0, 3, 2, 1}}, {"mode", std::string("edge")}});
  cases.oneOp(OpKind::Pad, {{1, 3, 9}}, {{"pad", Ints{3, 8}}, {"mode", std::string("reflect")}});
  cases.oneOp(OpKind::Reshape, {{1, 6, 4, 5}}, {{"shape", Ints{0, -1, 5}}});
  cases.oneOp(OpKind::Reshape, {{2, 3, 4, 5}}, {{"shape", Ints{6, 20}}});
  cases.oneOp(OpKind::Flatten, {{2, 3, 4, 5}}, {});
  cases.oneOp(OpKind::Flatten, {{2, 3, 4, 5}}, {{"axis", i64(2)}});
  cases.oneOp(OpKind::Linear, {{2, 17}}, {{"out", i64(5)}});
  cases.oneOp(OpKind::Linear, {{1, 64}}, {{"out", i64(3)}, {"bias", false}});
  // A classifier head: the values flow between generated groups.
  cases.begin("linear(flatten(global_avg_pool(f32[2, 5, 7, 5])), out=3) -> softmax");
  ValueId pooled = cases.op(OpKind::GlobalAvgPool, {cases.input({2, 5, 7, 5})});
  ValueId flat = cases.op(OpKind::Flatten, {pooled});
  cases.output(cases.op(OpKind::Softmax, {cases.op(OpKind::Linear, {flat}, {{"out", i64(3)}})}));
  expectMatchesReference(cases, kMasterSeed);
}

} // namespace
} // namespace atrous::codegen_test
