// Models whose I/O layout is channels_last (ir/Layout.h, setIoLayout): the
// generated C API takes NHWC arrays as they are and gives NHWC back, which
// this test lays out with its own loops rather than the library's; Halide
// buffers must carry those strides; and models whose outputs come from ops
// of every kind agree with the reference interpreter through
// CompiledModel::run, which moves logical tensors to and from the layout.
#include <gtest/gtest.h>

#include <HalideRuntime.h>

#include "CodegenTestUtil.h"
#include "HalideBufferTestUtil.h"
#include "frontend/Parser.h"
#include "ir/Layout.h"

using namespace atrous;
using namespace atrous::codegen_test;
using atrous::test::bufferOver;

namespace {

constexpr int kOk = 0, kBadBuffer = -2;

// Element (n, c, h, w) of a planar [N, C, H, W] array at its NHWC place.
std::vector<float> toNhwc(const Tensor &t) {
  const Shape &s = t.shape();
  std::vector<float> out(static_cast<size_t>(numElements(s)));
  for (int64_t n = 0; n < s[0]; ++n)
    for (int64_t c = 0; c < s[1]; ++c)
      for (int64_t h = 0; h < s[2]; ++h)
        for (int64_t w = 0; w < s[3]; ++w)
          out[static_cast<size_t>(((n * s[2] + h) * s[3] + w) * s[1] + c)] =
              t.f32()[((n * s[1] + c) * s[2] + h) * s[3] + w];
  return out;
}

double maxRelativeError(const std::vector<float> &got, const std::vector<float> &want) {
  double worst = 0, scale = 1e-6;
  for (float w : want)
    scale = std::max(scale, static_cast<double>(std::abs(w)));
  for (size_t i = 0; i < got.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(got[i]) - want[i]) / scale);
  return worst;
}

// A Winograd conv, a depthwise one and a plain conv: the input read as it
// is by two convs, the output written by the last.
const char *kModel = "model nhwc io_layout=channels_last\n"
                     "input x : f32[1, 64, 21, 19]\n"
                     "a = conv2d(x, out=64, kernel=3, dilation=2, pad=2, act=relu)\n"
                     "d = conv2d(x, out=64, kernel=3, pad=1, groups=64)\n"
                     "output y = conv2d(add(a, d), out=48, kernel=3, dilation=3, pad=3)\n";

TEST(IoLayout, CApiTakesAndGivesNhwcArrays) {
  Graph graph = parseModel(kModel);
  Weights weights = randomWeights(graph, 3);
  const Tensor x = randomTensor(graph.type(graph.inputs()[0]), 4);
  const Tensor want = runReference(graph, weights, {x}).at(0);
  runPasses(graph, &weights, pipelinePasses("O2"));
  bool winograd = false;
  for (const Node &n : graph.nodes)
    winograd = winograd || isWinogradConv(n.op);
  EXPECT_TRUE(winograd) << "no winograd conv reads the NHWC input";
  auto model = codegen::CompiledModel::compile(graph, weights);

  std::vector<float> in = toNhwc(x), out(static_cast<size_t>(numElements(want.shape())), -1.0f);
  using RunFn = int (*)(const float *, float *);
  ASSERT_EQ(reinterpret_cast<RunFn>(model->entryPoint("run"))(in.data(), out.data()), kOk);
  EXPECT_LE(maxRelativeError(out, toNhwc(want)), 1e-4);

  // Halide buffers: logical extents innermost first (w, h, c, n) with the
  // strides of NHWC; planar strides are refused.
  auto dims = [](const Shape &s, bool channelsLast) {
    const int w = static_cast<int>(s[3]), h = static_cast<int>(s[2]), c = static_cast<int>(s[1]);
    if (channelsLast)
      return std::vector<halide_dimension_t>{
          {0, w, c, 0}, {0, h, c * w, 0}, {0, c, 1, 0}, {0, static_cast<int>(s[0]), c * w * h, 0}};
    return std::vector<halide_dimension_t>{
        {0, w, 1, 0}, {0, h, w, 0}, {0, c, w * h, 0}, {0, static_cast<int>(s[0]), c * w * h, 0}};
  };
  std::vector<halide_dimension_t> inDims = dims(x.shape(), true),
                                  outDims = dims(want.shape(), true);
  std::vector<float> viaBuffers(out.size(), -1.0f);
  halide_buffer_t inBuffer = bufferOver(in.data(), inDims),
                  outBuffer = bufferOver(viaBuffers.data(), outDims);
  using RunBuffersFn = int (*)(halide_buffer_t *, halide_buffer_t *);
  auto runBuffers = reinterpret_cast<RunBuffersFn>(model->entryPoint("run_buffers"));
  ASSERT_EQ(runBuffers(&inBuffer, &outBuffer), kOk);
  EXPECT_EQ(viaBuffers, out);
  std::vector<halide_dimension_t> planarDims = dims(x.shape(), false);
  halide_buffer_t planarBuffer = bufferOver(in.data(), planarDims);
  EXPECT_EQ(runBuffers(&planarBuffer, &outBuffer), kBadBuffer);
}

// CompiledModel::runInto takes the tensors as the model does: NHWC shaped
// [N, H, W, C]; the logical shape is refused with both named.
TEST(IoLayout, RunIntoTakesTensorsShapedAsStored) {
  Graph graph = parseModel(kModel);
  Weights weights = randomWeights(graph, 5);
  runPasses(graph, &weights, pipelinePasses("O2"));
  auto model = codegen::CompiledModel::compile(graph, weights);
  const Tensor x = randomTensor(graph.type(graph.inputs()[0]), 6);
  const Tensor logical = model->run({x}).at(0);
  std::vector<Tensor> outputs = {Tensor(DType::F32, {1, 21, 19, 48})};
  model->runInto({toIoLayout(graph, x)}, outputs);
  EXPECT_EQ(outputs[0].shape(), (Shape{1, 21, 19, 48}));
  std::vector<float> stored(outputs[0].f32(), outputs[0].f32() + numElements(outputs[0].shape()));
  EXPECT_EQ(stored, toNhwc(logical));
  try {
    model->runInto({x}, outputs);
    FAIL() << "a planar-shaped input was accepted";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find("expects f32[1, 21, 19, 64], got f32[1, 64, 21, 19]"),
              std::string::npos)
        << e.what();
  }
}

// A cubic input and output (C = H = W), whose NHWC type is its NCHW one:
// they are moved all the same (the bench's transposed conv of 128 channels
// at 128x128 came back transposed when the type decided).
TEST(IoLayout, CubicTensorsAreMovedToo) {
  const std::string text = "model cubic io_layout=channels_last\n"
                           "input x : f32[1, 16, 16, 16]\n"
                           "output y = conv2d(x, out=16, kernel=3, dilation=2, pad=2)\n";
  Graph graph = parseModel(text);
  expectOptimizedMatchesReference(graph, 7, text);
  const Tensor x = randomTensor(graph.type(graph.inputs()[0]), 8);
  const Tensor moved = toIoLayout(graph, x);
  EXPECT_EQ(std::vector<float>(moved.f32(), moved.f32() + 16 * 16 * 16), toNhwc(x));
}

// Outputs of ops that stay planar inside a model (a softmax over channels,
// a transposed conv, a resize) and of ranks 3 and 2, with inputs
// of ranks 4 and 3 and drawn sizes: each against the reference.
TEST(IoLayout, OutputsOfEveryKindMatchReference) {
  Draw d(20261130);
  for (int round = 0; round < 2; ++round) {
    const int64_t h = d.range(9, 24), w = d.range(9, 24), c = 16 * d.range(1, 2);
    const int64_t l = d.range(20, 60);
    const std::string text =
        "model kinds io_layout=channels_last\n"
        "input x : f32[1, " +
        std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]\n" +
        "input s : f32[2, 16, " + std::to_string(l) + "]\n" +
        "a = conv2d(x, out=21, kernel=3, dilation=" + std::to_string(d.range(1, 4)) +
        ", pad=same)\n"
        "output p = softmax(a)\n"
        "output t = conv_transpose2d(x, out=8, kernel=4, stride=2, pad=1)\n"
        "output r = resize(relu(x), scale=[2, 2], mode=bilinear)\n"
        "output f = flatten(global_avg_pool(x))\n"
        "output q = conv1d(s, out=16, kernel=2, dilation=" +
        std::to_string(d.range(1, 8)) + ", pad=causal, act=tanh)\n";
    Graph graph = parseModel(text);
    expectOptimizedMatchesReference(graph, 40 + round, text);
  }
}

} // namespace
