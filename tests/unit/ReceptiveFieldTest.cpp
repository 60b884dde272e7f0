// Receptive fields of passes/ReceptiveField: hand-computed stacks (3x3 pairs,
// dilation, strides, ASPP branches, transposed convs, resizes, global pools)
// and random 1-D conv/pool chains checked against the set of input positions
// an interior element really depends on, found by walking the windows back.
#include <random>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "ir/Error.h"
#include "ir/Geometry.h"
#include "passes/ReceptiveField.h"
#include "tests/unit/IrTestUtil.h"

using namespace atrous;
using namespace atrous::test;

namespace {

AttrList conv(int64_t kernel, int64_t stride = 1, int64_t dilation = 1, int64_t pad = 0) {
  return {{"out", int64_t{2}},
          {"kernel", kernel},
          {"stride", stride},
          {"dilation", dilation},
          {"pad", pad}};
}

ReceptiveField fieldOf(const Graph &g, ValueId id) {
  return receptiveFields(g).at(size_t(id));
}

void expectField(const ReceptiveField &f, std::vector<double> size, std::vector<double> stride,
                 bool global = false) {
  EXPECT_EQ(f.size, size);
  EXPECT_EQ(f.stride, stride);
  EXPECT_EQ(f.global, global);
}

} // namespace

TEST(ReceptiveField, InputIsOnePixel) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 9, 9}});
  expectField(fieldOf(g, x), {1, 1}, {1, 1});
}

TEST(ReceptiveField, TwoThreeByThreeConvsSeeFive) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 9, 9}});
  ValueId c1 = add(g, "c1", OpKind::Conv2d, {x}, conv(3, 1, 1, 1));
  ValueId c2 = add(g, "c2", OpKind::Conv2d, {c1}, conv(3, 1, 1, 1));
  expectField(fieldOf(g, c1), {3, 3}, {1, 1});
  expectField(fieldOf(g, c2), {5, 5}, {1, 1});
}

TEST(ReceptiveField, DilationWidensTheSpan) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 9, 9}});
  ValueId c = add(g, "c", OpKind::Conv2d, {x}, conv(3, 1, 2, 2));
  expectField(fieldOf(g, c), {5, 5}, {1, 1});
}

TEST(ReceptiveField, StrideMultipliesLaterSpans) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 16, 16}});
  ValueId c1 = add(g, "c1", OpKind::Conv2d, {x}, conv(3, 2, 1, 1));
  ValueId c2 = add(g, "c2", OpKind::Conv2d, {c1}, conv(3, 1, 1, 1));
  expectField(fieldOf(g, c1), {3, 3}, {2, 2});
  expectField(fieldOf(g, c2), {7, 7}, {2, 2});
}

TEST(ReceptiveField, AsppBranchesAtOutputStrideSixteen) {
  // A 16x16 stride-16 patchify conv, then the ASPP rates: 16 + 2 * rate * 16.
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 128, 128}});
  ValueId feat = add(g, "feat", OpKind::Conv2d, {x}, conv(16, 16));
  for (int64_t rate : {6, 12, 18}) {
    ValueId b = add(g, "b" + std::to_string(rate), OpKind::Conv2d, {feat}, conv(3, 1, rate, rate));
    double size = 16.0 + 2.0 * double(rate) * 16.0;
    expectField(fieldOf(g, b), {size, size}, {16, 16});
  }
}

TEST(ReceptiveField, AsppImagePoolingMakesTheConcatGlobal) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 64, 64}});
  ValueId feat = add(g, "feat", OpKind::Conv2d, {x}, conv(4, 4));
  ValueId b1 = add(g, "b1", OpKind::Conv2d, {feat}, conv(3, 1, 6, 6));
  ValueId pool = add(g, "pool", OpKind::GlobalAvgPool, {feat});
  ValueId back = add(g, "back", OpKind::Resize, {pool, feat}, {{"mode", std::string("bilinear")}});
  ValueId cat = add(g, "cat", OpKind::Concat, {b1, back});
  // The pool is one window over the 16x16 features: 4 + 15 * 4 = 64 pixels.
  expectField(fieldOf(g, pool), {64, 64}, {64, 64}, true);
  expectField(fieldOf(g, back), {64, 64}, {4, 4}, true);
  expectField(fieldOf(g, b1), {52, 52}, {4, 4});
  expectField(fieldOf(g, cat), {64, 64}, {4, 4}, true);
}

TEST(ReceptiveField, MergesTakeTheLargestSizeAndFinestStride) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2, 16, 16}});
  ValueId wide = add(g, "wide", OpKind::Conv2d, {x}, conv(5, 1, 1, 2));
  ValueId coarse = add(g, "coarse", OpKind::Conv2d, {x}, conv(2, 2));
  ValueId up = add(g, "up", OpKind::Resize, {coarse, x});
  ValueId sum = add(g, "sum", OpKind::Add, {wide, up});
  expectField(fieldOf(g, up), {2, 2}, {1, 1});
  expectField(fieldOf(g, sum), {5, 5}, {1, 1});
}

TEST(ReceptiveField, TransposedConvDividesTheStride) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2, 16, 16}});
  ValueId down = add(g, "down", OpKind::Conv2d, {x}, conv(3, 4, 1, 1));
  ValueId up = add(g, "up", OpKind::ConvTranspose2d, {down},
                   {{"out", int64_t{2}},
                    {"kernel", int64_t{3}},
                    {"stride", int64_t{2}},
                    {"pad", int64_t{1}},
                    {"output_padding", int64_t{1}}});
  // 3 + (3 - 1) * (4 / 2) = 7, stride 2.
  expectField(fieldOf(g, up), {7, 7}, {2, 2});
}

TEST(ReceptiveField, BilinearResizeAddsANeighbour) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2, 16, 16}});
  ValueId down = add(g, "down", OpKind::Conv2d, {x}, conv(2, 2));
  ValueId up = add(g, "up", OpKind::Resize, {down},
                   {{"size", std::vector<int64_t>{32, 24}}, {"mode", std::string("bilinear")}});
  expectField(fieldOf(g, up), {4, 4}, {0.5, 2.0 * 8.0 / 24.0});
}

TEST(ReceptiveField, CausalWaveNetStackSeesItsHistory) {
  // kernel 2, dilations 1..512 twice, after a kernel-2 input conv: 2048.
  Graph g;
  ValueId v = g.addInput("x", {DType::F32, {1, 4, 64}});
  v = add(g, "in", OpKind::Conv1d, {v},
          {{"out", int64_t{4}}, {"kernel", int64_t{2}}, {"pad", std::string("causal")}});
  for (int layer = 0; layer < 20; ++layer)
    v = add(g, "l" + std::to_string(layer), OpKind::Conv1d, {v},
            {{"out", int64_t{4}},
             {"kernel", int64_t{2}},
             {"dilation", int64_t{1} << (layer % 10)},
             {"pad", std::string("causal")}});
  expectField(fieldOf(g, v), {2048}, {1});
}

TEST(ReceptiveField, SpatialSoftmaxAndSliceStep) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2, 10}});
  ValueId every2 = add(g, "every2", OpKind::Slice, {x},
                       {{"axis", int64_t{2}}, {"end", int64_t{10}}, {"step", int64_t{2}}});
  ValueId channels = add(g, "channels", OpKind::Softmax, {every2});
  ValueId overTime = add(g, "overTime", OpKind::Softmax, {every2}, {{"axis", int64_t{-1}}});
  expectField(fieldOf(g, every2), {1}, {2});
  expectField(fieldOf(g, channels), {1}, {2});
  expectField(fieldOf(g, overTime), {9}, {10}, true);
}

TEST(ReceptiveField, FlattenAndLinearAreGlobal) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 2, 4, 4}});
  ValueId flat = add(g, "flat", OpKind::Flatten, {x});
  ValueId fc = add(g, "fc", OpKind::Linear, {flat}, {{"out", int64_t{3}}});
  expectField(fieldOf(g, flat), {}, {}, true);
  expectField(fieldOf(g, fc), {}, {}, true);
}

TEST(ReceptiveField, RandomChainsMatchTheirDependencies) {
  const uint32_t seed = std::random_device{}();
  std::mt19937 rng(seed);
  auto pick = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int64_t length = 3000;
  int checked = 0;
  for (int trial = 0; trial < 200; ++trial) {
    Graph g;
    ValueId v = g.addInput("x", {DType::F32, {1, 1, length}});
    int layers = static_cast<int>(pick(1, 5));
    for (int i = 0; i < layers; ++i) {
      int64_t k = pick(1, 4);
      AttrList attrs = {{"kernel", k}, {"stride", pick(1, 3)}, {"pad", pick(0, k / 2)}};
      bool pool = pick(0, 2) == 0;
      if (!pool) {
        attrs.push_back({"out", int64_t{1}});
        attrs.push_back({"dilation", pick(1, 3)});
      }
      v = add(g, "n" + std::to_string(i), pool ? OpKind::MaxPool1d : OpKind::Conv1d, {v}, attrs);
    }
    int64_t outLength = g.type(v).shape[2];
    if (outLength < 2) continue;
    // The input positions output p depends on, walking each window back.
    auto dependencies = [&](int64_t p) {
      std::set<int64_t> positions = {p};
      for (ValueId id = v; id > 0; --id) {
        WindowGeometry w = windowGeometry(g.node(id), g.type(id - 1).shape);
        std::set<int64_t> below;
        for (int64_t q : positions)
          for (int64_t t = 0; t < w.kernel[0]; ++t)
            below.insert(q * w.stride[0] - w.padBegin[0] + t * w.dilation[0]);
        positions = below;
      }
      return positions;
    };
    int64_t mid = outLength / 2;
    std::set<int64_t> here = dependencies(mid), next = dependencies(mid + 1);
    if (*here.begin() < 0 || *next.rbegin() >= length) continue; // clipped by padding
    ++checked;
    ReceptiveField f = fieldOf(g, v);
    ASSERT_EQ(f.size.size(), 1u);
    EXPECT_EQ(f.size[0], double(*here.rbegin() - *here.begin() + 1))
        << "seed " << seed << " trial " << trial;
    EXPECT_EQ(f.stride[0], double(*next.begin() - *here.begin()))
        << "seed " << seed << " trial " << trial;
  }
  EXPECT_GT(checked, 50) << "seed " << seed;
}
