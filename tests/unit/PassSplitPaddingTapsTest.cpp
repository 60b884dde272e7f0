// split-padding-taps, checked numerically, by what it leaves and by where it
// fires.
//
// Numerics: randomized 1-D and 2-D convs (sizes 5..33, dilations 1..14,
// strides 1..3, kernels 1..5, explicit, asymmetric, same and causal
// padding, dense, grouped and depthwise, with epilogues) run through the
// reference interpreter before and after the pass on the same weights and
// inputs. Every output sums the same taps, so they agree to rounding.
// Structure: after the pass no conv reads a single tap of padding, and the
// pass fires exactly when the fraction of padding taps, counted here by
// brute force over every output and tap, reaches kSplitPaddingFraction.
// The generated code of the rewritten graphs (negative pads, regions,
// concats, channels_last) is checked against the reference too.
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Geometry.h"
#include "passes/PassManager.h"
#include "passes/SplitPaddingTaps.h"
#include "reference/Interpreter.h"

#include "CodegenTestUtil.h"
#include "PassTestUtil.h"

using namespace atrous;
using namespace atrous::pass_test;
using atrous::codegen_test::Draw;

namespace {

constexpr float kTolerance = 1e-5f;

// Taps that read padding, and all taps, over every output of `conv`.
std::pair<int64_t, int64_t> paddingTaps(const Graph &graph, const Node &conv) {
  const WindowGeometry g = windowGeometry(conv, graph.type(conv.inputs[0]).shape);
  int64_t outside = 0, all = 1;
  std::vector<int64_t> inside(static_cast<size_t>(g.rank), 0);
  for (int d = 0; d < g.rank; ++d) {
    for (int64_t o = 0; o < g.out[d]; ++o)
      for (int64_t k = 0; k < g.kernel[d]; ++k) {
        const int64_t i = o * g.stride[d] - g.padBegin[d] + k * g.dilation[d];
        inside[static_cast<size_t>(d)] += i >= 0 && i < g.in[d];
      }
    all *= g.out[d] * g.kernel[d];
  }
  int64_t in = 1;
  for (int64_t n : inside)
    in *= n;
  outside = all - in;
  return {outside, all};
}

std::string randomConv(Draw &draw, bool &oneD) {
  oneD = draw.range(0, 3) == 0;
  const int64_t channels = draw.pick<int64_t>({4, 8, 16});
  const int64_t h = draw.range(5, 33), w = draw.range(5, 33);
  const int64_t kernel = draw.range(1, 5), stride = draw.range(1, 3), dilation = draw.range(1, 14);
  const int64_t groups = draw.pick<int64_t>({1, 1, 2, channels});
  const int64_t out = groups == channels ? channels : draw.pick<int64_t>({4, 8, 16});
  std::string pad;
  switch (draw.range(0, 2)) {
  case 0:
    pad = oneD ? (draw.coin() ? "causal" : "same") : "same";
    break;
  case 1:
    pad = std::to_string(draw.range(0, (kernel - 1) * dilation + 1));
    break;
  default:
    pad = oneD ? "[" + std::to_string(draw.range(0, 20)) + ", " +
                     std::to_string(draw.range(0, 20)) + "]"
               : "[" + std::to_string(draw.range(0, 20)) + ", " +
                     std::to_string(draw.range(0, 20)) + ", " + std::to_string(draw.range(0, 20)) +
                     ", " + std::to_string(draw.range(0, 20)) + "]";
  }
  const std::string act = draw.pick<std::string>({"none", "relu", "leaky_relu"});
  const std::string shape = oneD
                                ? "[1, " + std::to_string(channels) + ", " + std::to_string(w) + "]"
                                : "[1, " + std::to_string(channels) + ", " + std::to_string(h) +
                                      ", " + std::to_string(w) + "]";
  return "model split\ninput x : f32" + shape + "\nc = conv" + (oneD ? "1d" : "2d") +
         "(x, out=" + std::to_string(out) + ", kernel=" + std::to_string(kernel) +
         ", stride=" + std::to_string(stride) + ", dilation=" + std::to_string(dilation) +
         ", pad=" + pad + ", groups=" + std::to_string(groups) + ", act=" + act +
         ", bias=" + (draw.coin() ? "true" : "false") + ")\noutput c\n";
}

} // namespace

TEST(PassSplitPaddingTaps, RandomConvsKeepTheirOutputsAndReadNoPadding) {
  Draw draw(2026);
  int split = 0, kept = 0, tried = 0;
  while (tried < 60) {
    bool oneD = false;
    const std::string text = randomConv(draw, oneD);
    Graph graph;
    try {
      graph = parseModel(text);
    } catch (const Error &) {
      continue; // a kernel larger than the padded input: drawn again
    }
    ++tried;
    SCOPED_TRACE(text);
    const auto [outside, all] = paddingTaps(graph, graph.node(graph.find("c")));
    Rewritten r = applyAndCompare(*createSplitPaddingTapsPass(), text, 7 + tried, kTolerance);
    const bool fired = r.graph.nodes.size() != graph.nodes.size() ||
                       r.graph.node(r.graph.find("c")).attrs != graph.node(graph.find("c")).attrs;
    bool emptyBand = false;
    {
      const Node &c = graph.node(graph.find("c"));
      const WindowGeometry g = windowGeometry(c, graph.type(c.inputs[0]).shape);
      for (int d = 0; d < g.rank; ++d)
        for (int64_t o = 0; o < g.out[d]; ++o) {
          bool any = false;
          for (int64_t k = 0; k < g.kernel[d]; ++k) {
            const int64_t i = o * g.stride[d] - g.padBegin[d] + k * g.dilation[d];
            any = any || (i >= 0 && i < g.in[d]);
          }
          emptyBand = emptyBand || !any;
        }
    }
    // A conv1d splits for a single padding tap.
    const bool shouldFire =
        !emptyBand &&
        (oneD ? outside > 0
              : static_cast<double>(outside) >= kSplitPaddingFraction * static_cast<double>(all));
    EXPECT_EQ(fired, shouldFire) << outside << " of " << all << " taps read padding";
    if (!fired) {
      ++kept;
      continue;
    }
    ++split;
    for (const Node &n : r.graph.nodes) {
      if (isConv(n.op)) {
        EXPECT_EQ(paddingTaps(r.graph, n).first, 0) << n.name;
      }
    }
  }
  EXPECT_GE(split, 10);
  EXPECT_GE(kept, 10);
}

TEST(PassSplitPaddingTaps, RegionsAndTheirNames) {
  // At rate 12 on 33 (same padding) rows and columns fall into bands
  // [0, 12) with taps 1..2, [12, 21) with all three and [21, 33) with 0..1.
  const std::string text = "model aspp\ninput x : f32[1, 8, 33, 33]\n"
                           "c = conv2d(x, out=16, kernel=3, dilation=12, pad=12, act=relu)\n"
                           "output c\n";
  Rewritten r = applyAndCompare(*createSplitPaddingTapsPass(), text, 3, kTolerance);
  EXPECT_EQ(countOp(r.graph, OpKind::Conv2d), 9);
  EXPECT_EQ(countOp(r.graph, OpKind::Concat), 4);
  const Node &corner = named(r.graph, "c.r0_0");
  EXPECT_EQ(corner.attrs.getInts("kernel"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(corner.attrs.getInts("pad"), (std::vector<int64_t>{0, 0, -9, -9}));
  EXPECT_EQ(corner.type.shape, (Shape{1, 16, 12, 12}));
  EXPECT_EQ(named(r.graph, "c.r1_1").attrs.getInts("kernel"), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(named(r.graph, "c").op, OpKind::Concat);
  EXPECT_EQ(r.weights.at("c.r0_0.weight").shape(), (Shape{16, 8, 2, 2}));
  EXPECT_EQ(r.weights.count("c.weight"), 0u);
}

TEST(PassSplitPaddingTaps, ARateBeyondTheMapLeavesAPointwiseConv) {
  // At rate 36 on 33 only the centre tap lands inside: one 1x1 conv.
  const std::string text = "model far\ninput x : f32[1, 8, 33, 33]\n"
                           "c = conv2d(x, out=16, kernel=3, dilation=36, pad=36)\noutput c\n";
  Rewritten r = applyAndCompare(*createSplitPaddingTapsPass(), text, 5, kTolerance);
  ASSERT_EQ(countOp(r.graph, OpKind::Conv2d), 1);
  EXPECT_EQ(countOp(r.graph, OpKind::Concat), 0);
  EXPECT_EQ(named(r.graph, "c").attrs.getInts("kernel"), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(named(r.graph, "c").attrs.getInts("pad"), (std::vector<int64_t>{0, 0, 0, 0}));
}

TEST(PassSplitPaddingTaps, DoesNotFireOnResidualsOrDenseInteriors) {
  const std::string text = "model keep\ninput x : f32[1, 8, 33, 33]\ninput s : f32[1, 8, 33, 33]\n"
                           "a = conv2d(x, residual=s, out=8, kernel=3, dilation=12, pad=12)\n"
                           "b = conv2d(a, out=8, kernel=3, dilation=2, pad=2)\n"
                           "output b\n";
  Graph graph = parseModel(text);
  Weights weights = randomWeights(graph, 1);
  Rewritten r = applyPass(*createSplitPaddingTapsPass(), graph, weights);
  EXPECT_EQ(r.graph.nodes, graph.nodes);
}

TEST(PassSplitPaddingTaps, WithoutWeightsTheGraphExpectsTheRegionWeights) {
  Graph graph = parseModel("model w\ninput x : f32[1, 4, 9, 9]\n"
                           "c = conv2d(x, out=4, kernel=3, dilation=6, pad=6)\noutput c\n");
  runPasses(graph, nullptr, {"split-padding-taps"});
  Weights weights = randomWeights(graph, 2);
  EXPECT_EQ(weights.count("c.weight"), 0u);
  EXPECT_EQ(weights.count("c.r0_0.weight"), 1u);
}

TEST(PassSplitPaddingTaps, GeneratedCodeMatchesTheReference) {
  // Regions over a planar graph input and over a channels_last value, a
  // depthwise conv, a 1-D conv, a gated one whose last region ends on the
  // input's last sample, and a rate beyond the map, after all of -O2; h and
  // the regions of m have so few pixel tiles and so many channels (128) that
  // their schedule sweeps channel tiles outermost.
  Graph graph = parseModel("model regions\ninput x : f32[1, 16, 21, 19]\ninput t : f32[1, 16, 50]\n"
                           "a = conv2d(x, out=32, kernel=3, dilation=9, pad=9, act=relu)\n"
                           "b = conv2d(a, out=16, kernel=3, dilation=[7, 12], pad=[7, 12])\n"
                           "d = conv2d(b, out=16, kernel=3, dilation=8, pad=8, groups=16)\n"
                           "e = conv2d(d, out=16, kernel=3, dilation=30, pad=30)\n"
                           "f = conv1d(t, out=16, kernel=3, dilation=16, pad=16)\n"
                           "g = conv1d(t, out=32, kernel=2, dilation=30, pad=causal, act=gated)\n"
                           "h = conv2d(x, out=128, kernel=3, stride=3, pad=1)\n"
                           "m = conv2d(x, out=128, kernel=3, dilation=9, pad=9, act=relu)\n"
                           "output e\noutput f\noutput g\noutput h\noutput m\n");
  Weights weights = randomWeights(graph, 11);
  std::vector<Tensor> inputs = randomInputs(graph, 12);
  std::vector<Tensor> want = runReference(graph, weights, inputs);
  Graph optimized = graph;
  Weights optimizedWeights = weights;
  runPasses(optimized, &optimizedWeights, pipelinePasses("O2"));
  ASSERT_GT(countOp(optimized, OpKind::Concat), 0);
  std::string error;
  std::vector<Tensor> got = codegen_test::compileAndRun(optimized, optimizedWeights, inputs, error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k)
    EXPECT_LE(codegen_test::relativeError(got[k], want[k]), 1e-4) << "output " << k;
}
