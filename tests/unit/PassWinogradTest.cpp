// winograd, checked numerically and by its choices.
//
// Numerics: a conv2d and its winograd_conv2d rewrite run through the
// reference interpreter on the same random weights and inputs, over
// randomized shapes, dilations 1..5, padding forms, odd sizes, every tile
// pair and every epilogue. The reference evaluates Winograd in double from
// the f32 input and the f32 transformed kernel U, and the conv in double from
// the f32 kernel g, so the difference comes from rounding U = Gy g Gx^T to f32
// (relative error at most 2^-24 per element), carried through the transforms:
//   |y_winograd - y_conv| <= 2^-24 * C * max|g| * max|x| * Ky * Kx,
//   Km = max_i sum_xi |AT[i][xi]| * (sum_k |G[xi][k]|) * (sum_j |BT[xi][j]|),
// since |U[xi][nu]| <= max|g| * rowsum|Gy| * rowsum|Gx| and the transformed
// input |V[xi][nu]| <= max|x| * rowsum|BTy| * rowsum|BTx|. Km is 8 for
// F(2, 3), 24.3 for F(3, 3), 29.6 for F(4, 3), 65.3 for F(5, 3) and 67.7
// for F(6, 3) against 3 for the direct sum over 3 taps: the larger tiles
// lose more precision. The epilogue maps
// both sides through the same 1-Lipschitz functions (gated: 1.25), and each
// side rounds its result to f32 once more, hence the bound used below:
//   1.25 * that + 1e-6 * max(1, max |y|).
// On realistic layers (64 channels) the measured error is far below the
// bound; CodegenWinogradTest checks the f32 generated code on them against
// the figures docs/ops.md states.
//
// Choices: where the cost model must not fire (stride 2, 5x5, groups,
// depthwise, 1x1, few channels, tiny maps), what it picks on the layers of
// issue 5, and the rewrite without weights.
#include <algorithm>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "ir/Winograd.h"
#include "passes/Winograd.h"
#include "reference/Interpreter.h"

#include "CodegenTestUtil.h"
#include "IrTestUtil.h"
#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;
using atrous::codegen_test::Draw;
using atrous::test::AttrList;
using atrous::test::makeNode;

namespace {

using Ints = std::vector<int64_t>;

double amplification(const WinogradTransform &t) {
  double worst = 0;
  for (int i = 0; i < t.m; ++i) {
    double sum = 0;
    for (int xi = 0; xi < t.alpha; ++xi) {
      double g = 0, b = 0;
      for (int k = 0; k < t.r; ++k)
        g += std::fabs(t.G(xi, k));
      for (int j = 0; j < t.patch; ++j)
        b += std::fabs(t.BT(xi, j));
      sum += std::fabs(t.AT(i, xi)) * g * b;
    }
    worst = std::max(worst, sum);
  }
  return worst;
}

float maxAbs(const Tensor &t) {
  float m = 0;
  for (int64_t i = 0; i < t.numel(); ++i)
    m = std::max(m, std::fabs(t.f32()[i]));
  return m;
}

// A model of one conv2d or conv1d (with its epilogue) over input x and, when
// asked, a residual input; ok is false when shape inference rejects the draw.
struct ConvModel {
  Graph graph;
  ValueId conv = -1;
  bool ok = false;
};

ConvModel convModel(const Shape &in, int64_t out, const AttrList &attrs, bool residual,
                    OpKind kind = OpKind::Conv2d) {
  ConvModel m;
  m.graph.name = "winograd_case";
  ValueId x = m.graph.addInput("x", {DType::F32, in});
  Node conv = makeNode("c", kind, {x}, attrs);
  conv.attrs.set("out", out);
  if (!conv.attrs.has("kernel")) conv.attrs.set("kernel", int64_t{3});
  try {
    if (residual) {
      // The residual has the accumulator's shape, or broadcasts over space.
      Graph probe = m.graph;
      Node plain = conv;
      plain.attrs.set("act", std::string("none"));
      TensorType acc = probe.type(probe.addNode(plain));
      Shape r = acc.shape;
      if (out % 2 == 1)
        for (size_t axis = 2; axis < r.size(); ++axis)
          r[axis] = 1;
      conv.inputs.push_back(m.graph.addInput("r", {DType::F32, r}));
    }
    m.conv = m.graph.addNode(conv);
  } catch (const Error &) {
    return m;
  }
  m.graph.outputs = {m.conv};
  m.ok = true;
  return m;
}

// The conv rewritten with the given tiles (the pass's own rewrite, tiles
// forced), its weights transformed.
Rewritten forceWinograd(const ConvModel &m, const Weights &weights, int64_t ty, int64_t tx,
                        bool bounded) {
  Rewritten r{m.graph, weights, true};
  Node w = winogradNodeFor(m.graph.node(m.conv), ty, tx, bounded);
  w.type = m.graph.node(m.conv).type;
  r.graph.nodes[static_cast<size_t>(m.conv)] = w;
  verify(r.graph);
  r.weights.at("c.weight") = winogradWeight(weights.at("c.weight"), ty, tx, bounded);
  checkWeights(r.graph, r.weights);
  return r;
}

AttrValue drawPad(Draw &d, const Ints &dilation) {
  switch (d.range(0, 4)) {
  case 0:
    return d.range(0, 2 * std::max(dilation[0], dilation[1]));
  case 1:
    return Ints{d.range(0, 2 * dilation[0]), d.range(0, 2 * dilation[1])};
  case 2:
    return Ints{d.range(0, 2 * dilation[0]), d.range(0, 2 * dilation[1]),
                d.range(0, 2 * dilation[0]), d.range(0, 2 * dilation[1])};
  case 3:
    return std::string("same");
  default:
    return std::string("valid");
  }
}

// The conv of `m` against its rewrite with tiles ty x tx (ty 1 for a conv1d),
// both through the reference interpreter, within the bound above for the
// tiles' `amplified` product of per-axis amplifications.
void expectWithinRoundingBound(const ConvModel &m, uint64_t seed, int64_t ty, int64_t tx,
                               double amplified, bool bounded = false) {
  Weights weights = randomWeights(m.graph, seed);
  Rewritten w = forceWinograd(m, weights, ty, tx, bounded);
  std::vector<Tensor> inputs = randomInputs(m.graph, seed);
  Tensor want = runReference(m.graph, weights, inputs)[0];
  Tensor got = runReference(w.graph, w.weights, inputs)[0];
  ASSERT_EQ(got.type(), want.type());
  const double channels = double(m.graph.type(m.graph.inputs()[0]).shape[1]);
  const double bound = 1.25 * std::ldexp(1.0, -24) * channels * maxAbs(weights.at("c.weight")) *
                           maxAbs(inputs[0]) * amplified +
                       1e-6 * std::max(1.0f, maxAbs(want));
  double worst = 0;
  for (int64_t i = 0; i < want.numel(); ++i)
    worst = std::max(worst, std::fabs(double(got.f32()[i]) - want.f32()[i]));
  EXPECT_LE(worst, bound);
}

TEST(PassWinograd, MatchesTheConvWithinTheRoundingBound) {
  const char *acts[] = {"none", "relu", "relu6", "leaky_relu", "sigmoid", "tanh", "gated"};
  Draw d(20240917);
  int made = 0;
  for (int attempt = 0; made < 60 && attempt < 1000; ++attempt) {
    const Ints dilation = {d.range(1, 5), d.range(1, 5)};
    const Shape in = {d.range(1, 2), d.range(1, 12), d.range(3, 23), d.range(3, 23)};
    const std::string act = acts[d.range(0, 6)];
    const int64_t out = act == "gated" ? 2 * d.range(1, 6) : d.range(1, 12);
    const int64_t ry = d.range(1, 3), rx = ry == 1 ? d.range(2, 3) : d.range(1, 3);
    AttrList attrs = {{"kernel", Ints{ry, rx}},
                      {"dilation", dilation},
                      {"pad", drawPad(d, dilation)},
                      {"bias", d.coin()},
                      {"act", act}};
    if (act == "leaky_relu") attrs.push_back({"alpha", 0.2});
    const bool residual = d.coin();
    const int64_t ty = d.range(2, 6), tx = d.range(2, 6);
    ConvModel m = convModel(in, out, attrs, residual);
    if (!m.ok) continue;
    ++made;
    const uint64_t seed = static_cast<uint64_t>(made);
    SCOPED_TRACE("case " + std::to_string(made) + ": " + printGraph(m.graph) + "tile " +
                 std::to_string(ty) + "x" + std::to_string(tx));
    expectWithinRoundingBound(m, seed, ty, tx,
                              amplification(winogradTransform(ty, ry)) *
                                  amplification(winogradTransform(tx, rx)));
  }
  EXPECT_EQ(made, 60);
}

// The same bound for winograd_conv1d, the conv of one row (its y transform
// is the identity, amplification 1): drawn lengths, dilations up to 40 (so
// residues with no output), causal and explicit padding, epilogues.
TEST(PassWinograd, Conv1dMatchesTheConvWithinTheRoundingBound) {
  const char *acts[] = {"none", "relu", "tanh", "gated"};
  Draw d(20261130);
  int made = 0;
  for (int attempt = 0; made < 30 && attempt < 500; ++attempt) {
    const int64_t dilation = d.range(1, 40), r = d.range(2, 3);
    const Shape in = {d.range(1, 2), d.range(1, 12), d.range(3, 60)};
    const std::string act = acts[d.range(0, 3)];
    const int64_t out = act == "gated" ? 2 * d.range(1, 6) : d.range(1, 12);
    AttrList attrs = {{"kernel", Ints{r}},
                      {"dilation", Ints{dilation}},
                      {"pad", d.coin() ? AttrValue(std::string("causal"))
                                       : AttrValue(Ints{d.range(0, 2 * dilation)})},
                      {"bias", d.coin()},
                      {"act", act}};
    const int64_t tile = d.range(2, 6);
    ConvModel m = convModel(in, out, attrs, d.coin(), OpKind::Conv1d);
    if (!m.ok) continue;
    ++made;
    const uint64_t seed = static_cast<uint64_t>(made);
    SCOPED_TRACE("case " + std::to_string(made) + ": " + printGraph(m.graph) + "tile " +
                 std::to_string(tile));
    expectWithinRoundingBound(m, seed, 1, tile, amplification(winogradTransform(tile, r)));
  }
  EXPECT_EQ(made, 30);
}

// Bounded tiles (ir/Winograd.h) within the same bound: drawn maps of at most
// twice the rate per axis (so residues of one and of two outputs), same or
// explicit padding that bounds every patch, every epilogue, residuals.
TEST(PassWinograd, BoundedTilesMatchTheConvWithinTheRoundingBound) {
  const char *acts[] = {"none", "relu", "sigmoid", "gated"};
  const double amplified = std::pow(amplification(boundedWinogradTransform()), 2);
  Draw d(20261201);
  int made = 0;
  for (int attempt = 0; made < 30 && attempt < 500; ++attempt) {
    const Shape in = {d.range(1, 2), d.range(1, 12), d.range(2, 23), d.range(2, 23)};
    const Ints dilation = {d.range((in[2] + 1) / 2, in[2] + 2),
                           d.range((in[3] + 1) / 2, in[3] + 2)};
    // pad_begin = d and an end pad that keeps the output within 2 d.
    const AttrValue pad = d.coin()
                              ? AttrValue(std::string("same"))
                              : AttrValue(Ints{dilation[0], dilation[1], d.range(0, dilation[0]),
                                               d.range(0, dilation[1])});
    const std::string act = acts[d.range(0, 3)];
    const int64_t out = act == "gated" ? 2 * d.range(1, 6) : d.range(1, 12);
    AttrList attrs = {{"dilation", dilation}, {"pad", pad}, {"bias", d.coin()}, {"act", act}};
    ConvModel m = convModel(in, out, attrs, d.coin());
    if (!m.ok) continue;
    const WindowGeometry g = windowGeometry(m.graph.node(m.conv), in);
    if (!boundsTiles(g, 0) || !boundsTiles(g, 1)) continue;
    ++made;
    SCOPED_TRACE("case " + std::to_string(made) + ": " + printGraph(m.graph));
    expectWithinRoundingBound(m, static_cast<uint64_t>(made), 2, 2, amplified, true);
  }
  EXPECT_EQ(made, 30);
}

WinogradChoice choose(const Shape &in, int64_t out, int64_t dilation, int64_t pad,
                      const WinogradCostModel &model = {}) {
  ConvModel m = convModel(in, out, {{"dilation", Ints{dilation}}, {"pad", Ints{pad}}}, false);
  EXPECT_TRUE(m.ok);
  return chooseWinograd(windowGeometry(m.graph.node(m.conv), in), in[0], in[1], out, model);
}

// The layers of issue 5 (256 -> 256, 65x65): dense and moderately dilated
// convs go to F(4x4); at rate 12 the q's of a residue (5 or 6) fill tiles of
// 3 exactly; at rate 24 on 65 pixels a third of the taps read padding, which
// the direct conv skips and Winograd cannot, yet 17 of the 24 residues hold 3
// q's, one whole tile of 3, and F(3x3) still wins (measured: 11-13 ms against
// 16-20 ms direct).
TEST(PassWinograd, ChoosesByCostOnTheIssueLayers) {
  struct Expect {
    int64_t dilation;
    bool use;
    int64_t tile;
  } cases[] = {{1, true, 4}, {2, true, 4}, {6, true, 4}, {12, true, 3}, {24, true, 3}};
  for (const Expect &e : cases) {
    SCOPED_TRACE("dilation " + std::to_string(e.dilation));
    WinogradChoice c = choose({1, 256, 65, 65}, 256, e.dilation, e.dilation);
    EXPECT_EQ(c.use, e.use) << "direct " << c.directCost << ", winograd " << c.winogradCost;
    if (e.use) {
      EXPECT_EQ(c.tileY, e.tile);
      EXPECT_EQ(c.tileX, e.tile);
    }
  }
  // On 33x33 rate 12 still fills tiles of 3. At rates 18 and 24 every
  // residue holds one or two q's and the padding bounds it: bounded tiles
  // (3 positions per residue and axis, 1 for a residue of a single q) beat
  // the direct conv's 63 real taps per axis at rate 18 (48 positions) and
  // its 51 at rate 24 (42: 9 residues of two q's, 15 of one).
  WinogradChoice r12 = choose({1, 256, 33, 33}, 256, 12, 12);
  EXPECT_TRUE(r12.use);
  EXPECT_EQ(r12.tileY, 3);
  EXPECT_FALSE(r12.bounded);
  WinogradChoice r18 = choose({1, 256, 33, 33}, 256, 18, 18);
  EXPECT_TRUE(r18.use);
  EXPECT_TRUE(r18.bounded);
  EXPECT_EQ(r18.tileY, 2);
  EXPECT_EQ(r18.tileX, 2);
  WinogradChoice r24 = choose({1, 256, 33, 33}, 256, 24, 24);
  EXPECT_TRUE(r24.use);
  EXPECT_TRUE(r24.bounded);
  // Axes choose their tiles apart: 129 pixels at rate 12 fill tiles of 4.
  WinogradChoice mixed = choose({1, 256, 65, 129}, 256, 12, 12);
  EXPECT_TRUE(mixed.use);
  EXPECT_EQ(mixed.tileY, 3);
  EXPECT_EQ(mixed.tileX, 4);
  // The transformed kernels of the wide tiles (5 and 6) outgrow the cache at
  // 256 channels, yet would be read once per block of tiles, so they stay
  // out above; at 128 channels they stay in the cache and pay (measured at
  // 65x65 rate 12: 0.79 of F(3x3)'s time): one tile of 6 per residue's 5 or
  // 6 q's. So at 512 -> 256 (the ASPP block's), whose kernel is read once.
  WinogradChoice wide = choose({1, 128, 65, 65}, 128, 12, 12);
  EXPECT_TRUE(wide.use);
  EXPECT_EQ(wide.tileY, 6);
  EXPECT_EQ(wide.tileX, 6);
  WinogradChoice aspp = choose({1, 512, 65, 65}, 256, 12, 12);
  EXPECT_TRUE(aspp.use);
  EXPECT_EQ(aspp.tileY, 6);
  EXPECT_EQ(aspp.tileX, 6);
  WinogradCostModel noWideKernel;
  noWideKernel.wideTileKernelBytes = 0;
  WinogradChoice narrow = choose({1, 128, 65, 65}, 128, 12, 12, noWideKernel);
  EXPECT_TRUE(narrow.use);
  EXPECT_LE(std::max(narrow.tileY, narrow.tileX), 4);
  // The accuracy cap holds whatever the cost.
  WinogradCostModel small;
  small.maxTile = 2;
  WinogradChoice capped = choose({1, 256, 65, 65}, 256, 1, 1, small);
  EXPECT_TRUE(capped.use);
  EXPECT_EQ(capped.tileY, 2);
  EXPECT_EQ(capped.tileX, 2);
}

// The 1-D stack of issue 5 (64 channels, 16000 samples, kernel 2, causal,
// dilations 1 to 512): Winograd at every rate, with tiles of 1 along y
// (measured: 0.89 of the direct stack's time, paired runs); 4 channels stay
// direct.
TEST(PassWinograd, ChoosesByCostOnTheConv1dStack) {
  for (int64_t dilation = 1; dilation <= 512; dilation *= 2) {
    SCOPED_TRACE("dilation " + std::to_string(dilation));
    const Shape in = {1, 64, 16000};
    ConvModel m = convModel(
        in, 64, {{"kernel", Ints{2}}, {"dilation", Ints{dilation}}, {"pad", std::string("causal")}},
        false, OpKind::Conv1d);
    ASSERT_TRUE(m.ok);
    WinogradChoice c =
        chooseWinograd(windowGeometry(m.graph.node(m.conv), in), 1, 64, 64, WinogradCostModel{});
    EXPECT_TRUE(c.use) << "direct " << c.directCost << ", winograd " << c.winogradCost;
    EXPECT_EQ(c.tileY, 1);
    EXPECT_GE(c.tileX, 2);
  }
  const Shape few = {1, 4, 16000};
  ConvModel m = convModel(few, 4, {{"kernel", Ints{2}}, {"pad", std::string("causal")}}, false,
                          OpKind::Conv1d);
  ASSERT_TRUE(m.ok);
  EXPECT_FALSE(
      chooseWinograd(windowGeometry(m.graph.node(m.conv), few), 1, 4, 4, WinogradCostModel{}).use);
}

TEST(PassWinograd, FewChannelsAndTinyMapsStayDirect) {
  EXPECT_FALSE(choose({1, 4, 65, 65}, 4, 1, 1).use);
  EXPECT_FALSE(choose({1, 3, 65, 65}, 64, 1, 1).use);
  EXPECT_FALSE(choose({1, 256, 3, 3}, 256, 1, 1).use);
  EXPECT_FALSE(choose({1, 256, 9, 9}, 256, 4, 4).use);
  // Except where bounded tiles apply: 9x9 at rate 6 takes 12 positions per
  // axis (3 residues of two outputs, 3 of one) against 15 real taps, and
  // two such convs ran in 0.80 of the direct time.
  EXPECT_TRUE(choose({1, 256, 9, 9}, 256, 6, 6).bounded);
}

TEST(PassWinograd, LeavesOtherConvsAlone) {
  const char *text = R"(
    input x : f32[1, 128, 33, 33]
    a = conv2d(x, out=128, kernel=3, stride=2, pad=1)
    b = conv2d(x, out=128, kernel=5, pad=2)
    c = conv2d(x, out=128, kernel=3, pad=1, groups=2)
    d = conv2d(x, out=128, kernel=3, pad=1, groups=128)
    e = conv2d(x, out=128, kernel=1)
    f = conv2d(x, out=128, kernel=[4, 1], pad=[2, 0])
    g = conv2d(x, out=4, kernel=3, pad=1)
    output y = concat(a, resize(b, like=a), resize(c, like=a), resize(d, like=a), resize(e, like=a), resize(f, like=a), resize(g, like=a))
  )";
  Graph g = parseModel(text);
  Rewritten r = applyPass(*createWinogradPass(), g, randomWeights(g, 1));
  EXPECT_FALSE(r.changed) << printGraph(r.graph);
  EXPECT_EQ(r.graph, g);
  // And the conv1d it cannot compute: strided, grouped, one tap.
  Graph sequences = parseModel(R"(
    input s : f32[1, 64, 4000]
    a = conv1d(s, out=64, kernel=2, stride=2)
    b = conv1d(s, out=64, kernel=2, pad=causal, groups=2)
    c = conv1d(s, out=64, kernel=1)
    output y = concat(a, resize(b, like=a), resize(c, like=a))
  )");
  Rewritten r1 = applyPass(*createWinogradPass(), sequences, randomWeights(sequences, 1));
  EXPECT_FALSE(r1.changed) << printGraph(r1.graph);
}

// The pass as the pipeline runs it: it fires on some convs, keeps names,
// inputs and epilogues, transforms exactly the weights it rewrites, and the
// model computes what it did.
TEST(PassWinograd, RewritesAModelAndKeepsItsOutputs) {
  const char *text = R"(
    input x : f32[1, 64, 33, 35]
    input skip : f32[1, 64, 33, 35]
    a = conv2d(x, out=64, kernel=3, dilation=2, pad=2, act=relu)
    b = conv2d(a, residual=skip, out=64, kernel=3, pad=same, bias=false, act=leaky_relu, alpha=0.1)
    c = conv2d(b, out=64, kernel=3, stride=2, pad=1)
    output c
  )";
  Graph g = parseModel(text);
  Weights weights = randomWeights(g, 3);
  Rewritten r = applyPass(*createWinogradPass(), g, weights);
  ASSERT_TRUE(r.changed);
  EXPECT_EQ(named(r.graph, "a").op, OpKind::WinogradConv2d) << printGraph(r.graph);
  EXPECT_EQ(named(r.graph, "b").op, OpKind::WinogradConv2d);
  EXPECT_EQ(named(r.graph, "c").op, OpKind::Conv2d);
  EXPECT_EQ(activationOf(named(r.graph, "b")), Activation::LeakyRelu);
  EXPECT_TRUE(hasResidual(named(r.graph, "b")));
  EXPECT_FALSE(named(r.graph, "b").attrs.getBool("bias"));
  EXPECT_EQ(r.weights.at("c.weight"), weights.at("c.weight"));
  EXPECT_EQ(r.weights.at("a.bias"), weights.at("a.bias"));
  expectSameOutputs(g, weights, r.graph, r.weights, 3, 1e-5f);
  // The same rewrite without weights.
  Graph alone = g;
  EXPECT_TRUE(createWinogradPass()->run(alone, nullptr));
  EXPECT_EQ(alone, r.graph);
}

TEST(PassWinograd, BadNodesAndTilesAreErrors) {
  Graph g = parseModel(R"(
    input x : f32[1, 8, 9, 9]
    output y = conv2d(x, out=8, kernel=3, stride=2)
  )");
  EXPECT_THROW(winogradNodeFor(g.node(g.outputs[0]), 2, 2), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 5, 5}), 2, 2), Error);
  EXPECT_THROW(winogradTransform(7), Error);
  EXPECT_THROW(winogradTransform(2, 4), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 1, 1}), 2, 2), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 4, 2}), 2, 2), Error);
  // Bounded tiles: a 3x3 kernel in tiles of 2x2 only, and a map the padding
  // bounds (at most two outputs per residue, patches starting in the pad).
  EXPECT_EQ(winogradWeight(Tensor(DType::F32, {40, 8, 3, 3}), 2, 2, true).shape(),
            (Shape{3, 3, 2, 8, 32}));
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 3, 3}), 3, 2, true), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 2, 2}), 2, 2, true), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 3}), 1, 2, true), Error);
  EXPECT_THROW(winogradTransform(3, 3, true), Error);
  EXPECT_THROW(winogradTransform(2, 2, true), Error);
  for (const char *attrs :
       {"tile=2, dilation=5, pad=5, bounded=true", "tile=3, dilation=8, pad=8, bounded=true",
        "tile=2, kernel=2, dilation=8, pad=8, bounded=true",
        "tile=2, dilation=8, pad=[7, 8], bounded=true"}) {
    SCOPED_TRACE(attrs);
    EXPECT_THROW(parseModel(std::string("input x : f32[1, 8, 15, 15]\noutput y = "
                                        "winograd_conv2d(x, out=8, ") +
                            attrs + ")\n"),
                 Error);
  }
  EXPECT_NO_THROW(parseModel("input x : f32[1, 8, 15, 15]\noutput y = winograd_conv2d(x, out=8, "
                             "tile=2, dilation=8, pad=8, bounded=true)\n"));
  // Tiles and kernels out of range, and a map of the wrong rank.
  for (const char *attrs : {"tile=1", "tile=7", "tile=[2, 3, 4]", "tile=2, kernel=1",
                            "tile=2, kernel=4", "tile=2, kernel=[2, 5]"}) {
    SCOPED_TRACE(attrs);
    EXPECT_THROW(parseModel(std::string("input x : f32[1, 8, 9, 9]\noutput y = "
                                        "winograd_conv2d(x, out=8, ") +
                            attrs + ")\n"),
                 Error);
  }
  EXPECT_THROW(parseModel("input x : f32[1, 8, 9]\noutput y = winograd_conv2d(x, out=8, tile=2)\n"),
               Error);
  EXPECT_THROW(parseModel("input x : f32[1, 8, 9, 9]\noutput y = winograd_conv2d(x, out=8, tile=2, "
                          "pad=causal)\n"),
               Error);
  // A conv1d's rewrite takes tiles of 1 along y; its weight one row of 2 or
  // 3 taps; winograd_conv1d one tile and one kernel extent, over a sequence.
  Graph seq = parseModel(R"(
    input s : f32[1, 8, 20]
    output y = conv1d(s, out=8, kernel=2, pad=causal)
  )");
  EXPECT_EQ(winogradNodeFor(seq.node(seq.outputs[0]), 1, 3).op, OpKind::WinogradConv1d);
  EXPECT_THROW(winogradNodeFor(seq.node(seq.outputs[0]), 2, 3), Error);
  EXPECT_THROW(winogradNodeFor(seq.node(seq.outputs[0]), 1, 3, true), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 2}), 2, 3), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 1}), 1, 3), Error);
  EXPECT_THROW(winogradWeight(Tensor(DType::F32, {8, 8, 4}), 1, 3), Error);
  EXPECT_EQ(winogradWeight(Tensor(DType::F32, {40, 8, 2}), 1, 3).shape(), (Shape{4, 2, 8, 32}));
  for (const char *attrs :
       {"tile=1", "tile=7", "tile=[2, 3]", "tile=2, kernel=1", "tile=2, kernel=4"}) {
    SCOPED_TRACE(attrs);
    EXPECT_THROW(parseModel(std::string("input x : f32[1, 8, 20]\noutput y = "
                                        "winograd_conv1d(x, out=8, ") +
                            attrs + ")\n"),
                 Error);
  }
  EXPECT_THROW(
      parseModel("input x : f32[1, 8, 9, 9]\noutput y = winograd_conv1d(x, out=8, tile=2)\n"),
      Error);
}

} // namespace
