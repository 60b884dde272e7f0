// Generated code for winograd_conv2d and winograd_conv1d against the
// reference interpreter: every tile pair, dilations that leave residues with
// fewer q's than others (and residues with none), padding forms, batches,
// odd channel counts below and above the vector width, epilogues and
// residuals; then the winograd pass followed by code generation against the
// conv it replaced. Shapes stay
// small (16 to 32 channels, up to 40 pixels; 64 channels where the pass
// must find Winograd worth it) so that Halide compiles fast;
// all cases of a test are one graph, compiled once (CodegenTestUtil.h).
// Tolerance: 1e-4 of max(1, max |want|), as for every generated op. The f32
// transforms add rounding the reference (in double) does not have; its
// worst case grows as C * Km^2 (PassWinogradTest.cpp), but the typical error
// stays near 1e-6 at these channel counts.
#include <cstdio>
#include <cstring>
#include <iterator>

#include "CodegenTestUtil.h"
#include "frontend/Parser.h"
#include "ir/Epilogue.h"
#include "ir/Layout.h"
#include "passes/Winograd.h"

namespace atrous::codegen_test {
namespace {

AttrValue i64(int64_t v) {
  return v;
}

// Adds `count` cases of `kind` drawn by `draw` (one input shape and the
// attributes), skipping the draws shape inference rejects.
template <typename DrawCase>
void addDrawn(CaseGraph &cases, OpKind kind, int count, DrawCase draw) {
  for (int made = 0; made < count;) {
    auto [in, attrs] = draw();
    if (!accepts(kind, {in}, attrs)) continue;
    cases.oneOp(kind, {in}, attrs);
    ++made;
  }
}

TEST(CodegenDifferential, Winograd) {
  CaseGraph cases("winograd_cases");
  cases.oneOp(OpKind::WinogradConv2d, {{1, 16, 17, 17}},
              {{"out", i64(16)}, {"tile", i64(2)}, {"pad", i64(1)}});
  cases.oneOp(OpKind::WinogradConv2d, {{1, 24, 23, 19}},
              {{"out", i64(20)},
               {"tile", Ints{3, 4}},
               {"dilation", Ints{2, 3}},
               {"pad", std::string("same")}});
  cases.oneOp(OpKind::WinogradConv2d, {{2, 17, 21, 18}},
              {{"out", i64(32)},
               {"tile", i64(4)},
               {"dilation", i64(5)},
               {"pad", Ints{1, 2, 3, 4}},
               {"bias", false},
               {"act", std::string("relu")}});
  // Rate 12 on 40 x 33: residues with 4 and 3 q's (y), 3 and 2 (x).
  cases.oneOp(OpKind::WinogradConv2d, {{1, 32, 40, 33}},
              {{"out", i64(17)},
               {"tile", Ints{4, 2}},
               {"dilation", i64(12)},
               {"pad", i64(12)},
               {"act", std::string("tanh")}});
  // Bounded tiles: rates of half the map or more, residues of one and two
  // outputs, same padding with a gated epilogue and a residual, and explicit
  // end padding.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 24, 17, 13}, {1, 40, 17, 13}},
              {{"out", i64(40)},
               {"tile", i64(2)},
               {"dilation", Ints{9, 7}},
               {"pad", std::string("same")},
               {"bounded", true},
               {"act", std::string("gated")}});
  cases.oneOp(OpKind::WinogradConv2d, {{2, 20, 11, 16}},
              {{"out", i64(33)},
               {"tile", i64(2)},
               {"dilation", Ints{6, 12}},
               {"pad", Ints{6, 12, 1, 4}},
               {"bounded", true},
               {"act", std::string("relu")}});
  // Bounded tiles whose residues of one output take the center tile
  // (ir/Winograd.h, BoundedResidues): 4 full and 9 center residues per axis
  // (the 33x33 rate-24 shape, scaled), and an axis of center residues only
  // (5 rows at rate 6) beside one of 1 full and 5 center.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 16, 13, 13}},
              {{"out", i64(24)},
               {"tile", i64(2)},
               {"dilation", i64(9)},
               {"pad", i64(9)},
               {"bounded", true}});
  cases.oneOp(OpKind::WinogradConv2d, {{2, 20, 5, 7}, {2, 16, 5, 7}},
              {{"out", i64(16)},
               {"tile", i64(2)},
               {"dilation", i64(6)},
               {"pad", std::string("same")},
               {"bounded", true},
               {"act", std::string("relu")}});
  // A rate above the output extent: most residues hold no output at all.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 16, 5, 7}},
              {{"out", i64(16)}, {"tile", i64(3)}, {"dilation", i64(6)}, {"pad", i64(6)}});
  // Fewer channels than a vector, unpadded.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 3, 9, 8}},
              {{"out", i64(5)}, {"tile", i64(2)}, {"pad", std::string("valid")}});
  // Epilogues with residuals: gated over 32 accumulator channels, and leaky.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 16, 19, 25}, {1, 32, 1, 1}},
              {{"out", i64(32)},
               {"tile", i64(3)},
               {"dilation", i64(2)},
               {"pad", i64(2)},
               {"act", std::string("gated")}});
  cases.oneOp(OpKind::WinogradConv2d, {{1, 20, 18, 22}, {1, 24, 18, 22}},
              {{"out", i64(24)},
               {"tile", i64(4)},
               {"pad", i64(1)},
               {"act", std::string("leaky_relu")},
               {"alpha", 0.2}});
  // The wide tiles: F(6x6, 3x3) at rate 12 over 29 pixels (residues of 3
  // and 2 q's in one tile each), and F(5x6) with a 2x3 kernel and a residual.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 24, 29, 29}},
              {{"out", i64(40)}, {"tile", i64(6)}, {"dilation", i64(12)}, {"pad", i64(12)}});
  cases.oneOp(OpKind::WinogradConv2d, {{1, 16, 23, 31}, {1, 16, 23, 31}},
              {{"out", i64(16)},
               {"tile", Ints{5, 6}},
               {"kernel", Ints{2, 3}},
               {"dilation", i64(2)},
               {"pad", Ints{1, 2}},
               {"act", std::string("relu")}});
  // A transformed kernel too large for the cache (512 -> 512 in F(4x6, 3x3):
  // 50 MB): the threads split blocks of output channels, each over all 8
  // tiles, its one register tile of 12 running past them; with a residual.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 512, 13, 11}, {1, 512, 13, 11}},
              {{"out", i64(512)},
               {"tile", Ints{4, 6}},
               {"dilation", i64(2)},
               {"pad", i64(2)},
               {"act", std::string("relu")}});
  // A kernel of 16.8 MB over 2 blocks of tiles (512 -> 512 at 8x8 in
  // F(2x2, 3x3)): split by blocks of output channels too, so that it is
  // read once.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 512, 8, 8}},
              {{"out", i64(512)}, {"tile", i64(2)}, {"pad", i64(1)}, {"act", std::string("relu")}});
  // 2x2 kernels, as the phases of a transposed conv (padding on one side of
  // each axis), and dilated with a residual.
  cases.oneOp(OpKind::WinogradConv2d, {{1, 24, 17, 19}},
              {{"out", i64(20)},
               {"tile", Ints{3, 4}},
               {"kernel", i64(2)},
               {"pad", Ints{1, 0, 0, 1}},
               {"act", std::string("relu")}});
  // A kernel of one tap along an axis (the 2x1 and 1x2 phases of a k3 s2
  // transposed conv; 3x1): that axis is only cut into tiles.
  cases.oneOp(
      OpKind::WinogradConv2d, {{1, 16, 14, 15}},
      {{"out", i64(16)}, {"tile", Ints{4, 3}}, {"kernel", Ints{2, 1}}, {"pad", Ints{0, 0, 1, 0}}});
  cases.oneOp(OpKind::WinogradConv2d, {{1, 16, 14, 15}},
              {{"out", i64(24)},
               {"tile", Ints{2, 3}},
               {"kernel", Ints{1, 3}},
               {"dilation", i64(2)},
               {"pad", Ints{0, 2}}});
  cases.oneOp(OpKind::WinogradConv2d, {{2, 16, 13, 11}, {2, 32, 13, 11}},
              {{"out", i64(32)},
               {"tile", i64(2)},
               {"kernel", i64(2)},
               {"dilation", i64(3)},
               {"pad", Ints{2, 1, 1, 2}}});
  // Drawn cases.
  Draw d(31337);
  addDrawn(cases, OpKind::WinogradConv2d, 6, [&] {
    const Ints dilation = {d.range(1, 5), d.range(1, 5)};
    const Shape in = {1, d.range(16, 32), d.range(17, 40), d.range(17, 40)};
    AttrList attrs = {{"out", i64(d.range(16, 32))},
                      {"tile", Ints{d.range(2, 6), d.range(2, 6)}},
                      {"kernel", Ints{d.range(2, 3), d.range(1, 3)}},
                      {"dilation", dilation},
                      {"pad", Ints{d.range(0, 2 * dilation[0]), d.range(0, 2 * dilation[1])}},
                      {"bias", d.coin()}};
    return std::pair{in, attrs};
  });
  // Drawn bounded tiles: rates of half the map or more, begin padding of at
  // least the rate, end padding that may leave a center residue's patch
  // inside the input (then the residue is full).
  addDrawn(cases, OpKind::WinogradConv2d, 4, [&] {
    const Ints dilation = {d.range(3, 10), d.range(3, 10)};
    const Shape in = {1, d.range(8, 24), d.range(dilation[0], 2 * dilation[0] + 1),
                      d.range(dilation[1], 2 * dilation[1] + 1)};
    AttrList attrs = {
        {"out", i64(d.range(8, 40))},
        {"tile", i64(2)},
        {"dilation", dilation},
        {"pad", Ints{d.range(dilation[0], dilation[0] + 2), d.range(dilation[1], dilation[1] + 2),
                     d.range(0, dilation[0] + 2), d.range(0, dilation[1] + 2)}},
        {"bounded", true},
        {"bias", d.coin()}};
    return std::pair{in, attrs};
  });
  expectMatchesReference(cases, 20240917);
}

// winograd_conv1d, the conv of one row, with planar outputs: causal, same
// and explicit padding, dilations whose residues hold different numbers of
// q's, output channels that do not fill a block, batches, a residual, a
// gated epilogue; then drawn cases.
TEST(CodegenDifferential, Winograd1d) {
  CaseGraph cases("winograd1d_cases");
  cases.oneOp(
      OpKind::WinogradConv1d, {{1, 16, 41}},
      {{"out", i64(16)}, {"tile", i64(4)}, {"kernel", i64(2)}, {"pad", std::string("causal")}});
  cases.oneOp(OpKind::WinogradConv1d, {{2, 24, 37}, {2, 20, 37}},
              {{"out", i64(20)},
               {"tile", i64(3)},
               {"dilation", i64(5)},
               {"pad", std::string("same")},
               {"act", std::string("relu")}});
  cases.oneOp(OpKind::WinogradConv1d, {{1, 32, 50}},
              {{"out", i64(40)},
               {"tile", i64(2)},
               {"kernel", i64(2)},
               {"dilation", i64(16)},
               {"pad", std::string("causal")},
               {"bias", false}});
  cases.oneOp(OpKind::WinogradConv1d, {{1, 17, 29}},
              {{"out", i64(32)},
               {"tile", i64(4)},
               {"dilation", i64(3)},
               {"pad", Ints{6, 0}},
               {"act", std::string("gated")}});
  // A rate above the length: most residues hold no output.
  cases.oneOp(OpKind::WinogradConv1d, {{1, 16, 9}},
              {{"out", i64(16)}, {"tile", i64(3)}, {"dilation", i64(12)}, {"pad", i64(12)}});
  Draw d(4242);
  addDrawn(cases, OpKind::WinogradConv1d, 4, [&] {
    const int64_t dilation = d.range(1, 40), kernel = d.range(2, 3);
    const Shape in = {d.range(1, 2), d.range(8, 40), d.range(20, 90)};
    AttrList attrs = {{"out", i64(d.range(8, 40))},
                      {"tile", i64(d.range(2, 6))},
                      {"kernel", i64(kernel)},
                      {"dilation", i64(dilation)},
                      {"pad", d.coin() ? AttrValue(std::string("causal"))
                                       : AttrValue(Ints{d.range(0, 2 * dilation)})},
                      {"bias", d.coin()}};
    return std::pair{in, attrs};
  });
  expectMatchesReference(cases, 20261130);
}

// The pass on drawn stacks of dilated conv1d (64 channels) compiled at -O2,
// whose channels_last intermediates make their Winograd output tiles per
// run of samples (ScheduleWinograd.cpp), against the reference of the
// stack: runs of 96 tiles or of one tile per residue, lengths that leave the
// last run partial, residuals, gated layers (the gate reads both halves of
// the stored output tiles).
TEST(CodegenDifferential, Winograd1dStackThenCodegen) {
  Draw d(777);
  int gatedTiles = 0;
  for (int stack = 0; stack < 3; ++stack) {
    const int64_t channels = 64, length = d.range(300, 1300);
    std::string text = "model s" + std::to_string(stack) + "\ninput x : f32[1, " +
                       std::to_string(channels) + ", " + std::to_string(length) + "]\n";
    std::string previous = "x";
    const int depth = static_cast<int>(d.range(2, 4));
    for (int layer = 0; layer < depth; ++layer) {
      const std::string name = "c" + std::to_string(layer);
      const bool gated = d.coin();
      text += name + " = conv1d(" + previous +
              ", out=" + std::to_string(gated ? 2 * channels : channels) +
              ", kernel=" + std::to_string(d.range(2, 3)) +
              ", dilation=" + std::to_string(d.pick<int64_t>({1, 2, 7, 32, 200})) + ", pad=causal" +
              (layer > 0 && !gated && d.coin() ? ", residual=" + previous : std::string()) +
              (gated      ? ", act=gated"
               : d.coin() ? ", act=relu"
                          : "") +
              ")\n";
      previous = name;
    }
    // A 1x1 conv last, so that every layer of the stack is channels_last.
    text += "y = conv1d(" + previous + ", out=8, kernel=1)\n";
    Graph optimized = parseModel(text + "output y\n");
    expectOptimizedMatchesReference(optimized, 11 + static_cast<uint64_t>(stack), text);
    int tiledRuns = 0;
    for (const Node &n : optimized.nodes) {
      const bool tiled = n.op == OpKind::WinogradConv1d && layoutOf(n) == Layout::ChannelsLast;
      tiledRuns += tiled;
      gatedTiles += tiled && activationOf(n) == Activation::Gated;
    }
    EXPECT_GE(tiledRuns, 1) << "no channels_last winograd_conv1d to test in\n" << text;
  }
  EXPECT_GE(gatedTiles, 1) << "no gated channels_last winograd_conv1d to test";
}

// The pass's rewrite compiled, against the reference of the conv it replaced.
TEST(CodegenDifferential, WinogradPassThenCodegen) {
  Graph g;
  g.name = "winograd_pass";
  ValueId x = g.addInput("x", {DType::F32, {1, 64, 29, 31}});
  Node conv = makeNode("c", OpKind::Conv2d, {x},
                       {{"out", i64(64)},
                        {"kernel", i64(3)},
                        {"dilation", i64(2)},
                        {"pad", i64(2)},
                        {"act", std::string("relu")}});
  // A phase of a transposed conv: 2x2, padded on one side of each axis.
  Node phase = makeNode("p", OpKind::Conv2d, {x},
                        {{"out", i64(64)}, {"kernel", i64(2)}, {"pad", Ints{1, 0, 0, 1}}});
  g.outputs = {g.addNode(conv), g.addNode(phase)};
  Weights weights = randomWeights(g, 5);
  std::vector<Tensor> inputs = {randomTensor(g.type(x), 6)};
  std::vector<Tensor> want = runReference(g, weights, inputs);

  Graph rewritten = g;
  Weights transformed = weights;
  ASSERT_TRUE(createWinogradPass()->run(rewritten, &transformed));
  for (ValueId out : rewritten.outputs)
    ASSERT_EQ(rewritten.node(out).op, OpKind::WinogradConv2d) << rewritten.node(out).name;
  std::string error;
  std::vector<Tensor> got = compileAndRun(rewritten, transformed, inputs, error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t k = 0; k < want.size(); ++k)
    EXPECT_EQ(mismatch(got.at(k), want[k]), "") << k;
}

// Runs of one model give the same bits. The stored output tiles go in
// blocks of tiles, one block per task; 128x128 in F(4x6) has 32 x 22 tiles,
// not a whole number of blocks, and a last block shifted inwards onto the
// one before it, in another thread, made 6 of 12 runs differ (up to 8e-6).
TEST(CodegenDifferential, WinogradRunsGiveTheSameBits) {
  Graph g;
  g.name = "winograd_runs";
  ValueId x = g.addInput("x", {DType::F32, {1, 64, 128, 128}});
  Node conv = makeNode("c", OpKind::WinogradConv2d, {x},
                       {{"out", i64(64)}, {"tile", Ints{4, 6}}, {"pad", i64(1)}});
  g.outputs = {g.addNode(conv)};
  Weights weights = randomWeights(g, 8);
  std::vector<Tensor> inputs = {randomTensor(g.type(x), 9)};
  auto model = codegen::CompiledModel::compile(g, weights, {"host", ""});
  const Tensor first = model->run(inputs).at(0);
  for (int run = 1; run < 12; ++run) {
    const Tensor again = model->run(inputs).at(0);
    ASSERT_EQ(std::memcmp(again.raw(), first.raw(), first.byteSize()), 0) << "run " << run;
  }
}

// A gated Winograd conv2d stored channels_last (ir/Layout.h,
// fillsChannelVectors): its gate reads both halves of the stored output
// tiles, 64 channels apart; after -O2, against the reference.
TEST(CodegenDifferential, WinogradGatedChannelsLast) {
  const std::string text = "model gated\ninput x : f32[1, 64, 29, 31]\n"
                           "g = conv2d(x, out=128, kernel=3, dilation=2, pad=2, act=gated)\n"
                           "y = conv2d(g, out=16, kernel=1)\noutput y\n";
  Graph graph = parseModel(text);
  expectOptimizedMatchesReference(graph, 21, text);
  bool found = false;
  for (const Node &n : graph.nodes)
    found = found || (n.op == OpKind::WinogradConv2d && activationOf(n) == Activation::Gated &&
                      layoutOf(n) == Layout::ChannelsLast);
  EXPECT_TRUE(found) << "no channels_last gated winograd_conv2d to test";
}

// The f32 generated code on a realistic layer, per kernel and tile, against
// the reference conv (in double): within the errors docs/ops.md states for
// each, which a wrong transform coefficient would exceed by orders of
// magnitude.
TEST(CodegenDifferential, WinogradAccuracyPerTile) {
  struct Case {
    int r, m;
    double documented;
  };
  const Case all[] = {{3, 2, 1e-6}, {3, 3, 4e-6}, {3, 4, 5e-6}, {3, 5, 1.5e-5}, {3, 6, 2e-5},
                      {2, 2, 1e-6}, {2, 3, 1e-6}, {2, 4, 3e-6}, {2, 5, 1e-5},   {2, 6, 2e-5}};
  Graph conv;
  conv.name = "winograd_accuracy";
  ValueId x = conv.addInput("x", {DType::F32, {1, 64, 21, 21}});
  for (const Case &c : all)
    conv.outputs.push_back(conv.addNode(makeNode(
        "c" + std::to_string(c.r) + "_" + std::to_string(c.m), OpKind::Conv2d, {x},
        {{"out", i64(64)}, {"kernel", i64(c.r)}, {"dilation", i64(2)}, {"pad", i64(c.r - 1)}})));
  // Bounded tiles, at rate 11 on the 21 x 21 map.
  conv.outputs.push_back(conv.addNode(
      makeNode("bounded", OpKind::Conv2d, {x},
               {{"out", i64(64)}, {"kernel", i64(3)}, {"dilation", i64(11)}, {"pad", i64(11)}})));
  Weights weights = randomWeights(conv, 8);
  Graph winograd = conv;
  Weights transformed = weights;
  for (size_t k = 0; k < winograd.outputs.size(); ++k) {
    const bool bounded = k == std::size(all);
    const int64_t m = bounded ? 2 : all[k].m;
    Node &n = winograd.nodes[static_cast<size_t>(winograd.outputs[k])];
    Node w = winogradNodeFor(n, m, m, bounded);
    w.type = n.type;
    n = w;
    Tensor &weight = transformed.at(n.name + ".weight");
    weight = winogradWeight(weight, m, m, bounded);
  }
  std::vector<Tensor> inputs = {randomTensor(conv.type(x), 9)};
  std::vector<Tensor> want = runReference(conv, weights, inputs);
  std::string error;
  std::vector<Tensor> got = compileAndRun(winograd, transformed, inputs, error);
  ASSERT_TRUE(error.empty()) << error;
  for (size_t k = 0; k < std::size(all); ++k) {
    const Case &c = all[k];
    double relative = relativeError(got.at(k), want.at(k));
    EXPECT_LE(relative, c.documented) << "F(" << c.m << ", " << c.r << ")";
    std::printf("winograd F(%dx%d, %dx%d), 64 channels: relative error %.2e\n", c.m, c.m, c.r, c.r,
                relative);
  }
  const double bounded = relativeError(got.at(std::size(all)), want.at(std::size(all)));
  EXPECT_LE(bounded, 1e-6) << "bounded tiles";
  std::printf("winograd bounded 2x2 tiles, 64 channels: relative error %.2e\n", bounded);
}

} // namespace
} // namespace atrous::codegen_test
