// Tests of weight sources: seeded random weights (deterministic, independent
// per tensor name, in the documented ranges and scales) and loading from
// `random:SEED` specs or safetensors files, checked against the graph.
#include "frontend/WeightSource.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <unistd.h>

#include "frontend/SafeTensors.h"
#include "ir/Error.h"

namespace atrous {
namespace {

namespace fs = std::filesystem;

ValueId addOp(Graph &g, const std::string &name, OpKind op, std::vector<ValueId> inputs,
              std::vector<std::pair<std::string, AttrValue>> attrs = {}) {
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = std::move(inputs);
  for (auto &[key, value] : attrs)
    n.attrs.set(key, value);
  return g.addNode(std::move(n));
}

using Ints = std::vector<int64_t>;

// A small network with every kind of parameter. With `extraStem`, an
// additional conv is inserted before the others (under a new name).
Graph makeGraph(bool extraStem = false) {
  Graph g;
  g.name = "net";
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 16, 16}});
  if (extraStem)
    x = addOp(g, "stem", OpKind::Conv2d, {x}, {{"out", int64_t(3)}, {"kernel", Ints{1}}});
  ValueId c1 = addOp(g, "c1", OpKind::Conv2d, {x},
                     {{"out", int64_t(64)}, {"kernel", Ints{3}}, {"pad", Ints{1}}});
  ValueId bn = addOp(g, "bn1", OpKind::BatchNorm, {c1});
  ValueId r = addOp(g, "r1", OpKind::Relu, {bn});
  ValueId c2 = addOp(g, "c2", OpKind::Conv2d, {r},
                     {{"out", int64_t(32)},
                      {"kernel", Ints{3}},
                      {"dilation", Ints{2}},
                      {"pad", Ints{2}},
                      {"bias", false}});
  ValueId up =
      addOp(g, "up", OpKind::ConvTranspose2d, {c2},
            {{"out", int64_t(8)}, {"kernel", Ints{4}}, {"stride", Ints{2}}, {"pad", Ints{1}}});
  ValueId b = addOp(g, "b", OpKind::Bias, {up});
  ValueId p = addOp(g, "gap", OpKind::GlobalAvgPool, {b});
  ValueId f = addOp(g, "flat", OpKind::Flatten, {p});
  g.outputs = {addOp(g, "fc", OpKind::Linear, {f}, {{"out", int64_t(5)}})};
  return g;
}

std::pair<float, float> minMax(const Tensor &t) {
  auto [lo, hi] = std::minmax_element(t.f32(), t.f32() + t.numel());
  return {*lo, *hi};
}

double stddev(const Tensor &t) {
  double sum = 0, sumSq = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    sum += t.f32()[i];
    sumSq += double(t.f32()[i]) * t.f32()[i];
  }
  double mean = sum / t.numel();
  return std::sqrt(sumSq / t.numel() - mean * mean);
}

// Expects `f` to throw an atrous::Error whose message contains every part.
template <typename F> void expectError(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    for (const std::string &part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << part << "' not in: " << e.what();
  }
}

TEST(WeightSourceTest, RandomWeightsAreCompleteAndDeterministic) {
  Graph g = makeGraph();
  Weights w = randomWeights(g, 42);
  EXPECT_NO_THROW(checkWeights(g, w));
  EXPECT_EQ(w.size(), paramSpecs(g).size());
  EXPECT_EQ(w, randomWeights(g, 42));

  Weights other = randomWeights(g, 43);
  for (const auto &[name, tensor] : w)
    EXPECT_FALSE(tensor == other.at(name)) << name << " does not depend on the seed";
}

TEST(WeightSourceTest, TensorsAreIndependentOfOtherNodes) {
  Weights plain = randomWeights(makeGraph(), 7);
  Weights withStem = randomWeights(makeGraph(true), 7);
  EXPECT_EQ(withStem.size(), plain.size() + 2);
  for (const auto &[name, tensor] : plain)
    EXPECT_EQ(tensor, withStem.at(name)) << name << " changed when a node was added";
  // Different names give different streams even for tensors of one shape.
  EXPECT_FALSE(plain.at("bn1.bias") == plain.at("bn1.running_mean"));
}

TEST(WeightSourceTest, BatchNormStatisticsAreInRange) {
  for (uint64_t seed : {0ull, 1ull, 12345678901234ull}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Weights w = randomWeights(makeGraph(), seed);
    struct Range {
      const char *name;
      float lo, hi;
    };
    for (Range r : {Range{"bn1.weight", 0.8f, 1.2f}, Range{"bn1.bias", -0.1f, 0.1f},
                    Range{"bn1.running_mean", -0.1f, 0.1f}, Range{"bn1.running_var", 0.5f, 1.5f}}) {
      auto [lo, hi] = minMax(w.at(r.name));
      EXPECT_GE(lo, r.lo) << r.name;
      EXPECT_LT(hi, r.hi) << r.name;
      EXPECT_GT(hi - lo, (r.hi - r.lo) / 2) << r.name << " does not spread over its range";
    }
  }
}

// He initialisation: std = sqrt(2 / fan_in), uniform within sqrt(3) std.
double heStd(double fanIn) {
  return std::sqrt(2.0 / fanIn);
}
double heBound(double fanIn) {
  return std::sqrt(3.0) * heStd(fanIn);
}

TEST(WeightSourceTest, WeightsAreScaledByFanIn) {
  Weights w = randomWeights(makeGraph(), 3);
  struct Case {
    const char *name;
    double fanIn;
  };
  for (Case c : {Case{"c1.weight", 3 * 9}, Case{"c2.weight", 64 * 9},
                 // A stride-2 4x4 transposed kernel reaches each output with
                 // 2x2 taps per input channel.
                 Case{"up.weight", 32 * 4}, Case{"fc.weight", 8}}) {
    SCOPED_TRACE(c.name);
    const Tensor &t = w.at(c.name);
    auto [lo, hi] = minMax(t);
    EXPECT_GE(lo, -heBound(c.fanIn) - 1e-6);
    EXPECT_LE(hi, heBound(c.fanIn) + 1e-6);
    EXPECT_NEAR(stddev(t), heStd(c.fanIn), 0.25 * heStd(c.fanIn));
  }
  for (const char *bias : {"c1.bias", "up.bias", "b.bias", "fc.bias"}) {
    auto [lo, hi] = minMax(w.at(bias));
    EXPECT_GE(lo, -0.1f) << bias;
    EXPECT_LT(hi, 0.1f) << bias;
  }
}

// A transformed Winograd kernel is drawn for the taps of its own kernel
// over its input channels: 2x2, 3x2 and 2 taps here, not a 3x3's 9.
TEST(WeightSourceTest, WinogradKernelsAreScaledByTheirOwnTaps) {
  Graph g;
  g.name = "winograd";
  ValueId x = g.addInput("x", {DType::F32, {1, 16, 12, 12}});
  ValueId seq = g.addInput("s", {DType::F32, {1, 16, 40}});
  g.outputs = {
      addOp(g, "w22", OpKind::WinogradConv2d, {x},
            {{"out", int64_t(32)}, {"tile", Ints{2}}, {"kernel", Ints{2}}}),
      addOp(g, "w32", OpKind::WinogradConv2d, {x},
            {{"out", int64_t(32)}, {"tile", Ints{2}}, {"kernel", Ints{3, 2}}, {"pad", Ints{1, 0}}}),
      addOp(g, "w33", OpKind::WinogradConv2d, {x},
            {{"out", int64_t(32)}, {"tile", Ints{2}}, {"pad", Ints{1}}}),
      addOp(g, "w2", OpKind::WinogradConv1d, {seq},
            {{"out", int64_t(32)}, {"tile", Ints{4}}, {"kernel", Ints{2}}})};
  Weights w = randomWeights(g, 11);
  struct Case {
    const char *name;
    double fanIn;
  };
  for (Case c : {Case{"w22.weight", 4 * 16}, Case{"w32.weight", 6 * 16}, Case{"w33.weight", 9 * 16},
                 Case{"w2.weight", 2 * 16}}) {
    SCOPED_TRACE(c.name);
    const double bound = heBound(c.fanIn);
    auto [lo, hi] = minMax(w.at(c.name));
    EXPECT_GE(lo, -bound - 1e-6);
    EXPECT_LE(hi, bound + 1e-6);
    // Thousands of draws reach near both ends of the range.
    EXPECT_GT(hi, 0.95 * bound);
    EXPECT_LT(lo, -0.95 * bound);
  }
}

TEST(WeightSourceTest, RandomTensorRespectsItsRange) {
  TensorType type{DType::F32, {1000}};
  Tensor t = randomTensor(type, 5, 2.0f, 3.0f);
  EXPECT_EQ(t.type(), type);
  EXPECT_EQ(t, randomTensor(type, 5, 2.0f, 3.0f));
  EXPECT_FALSE(t == randomTensor(type, 6, 2.0f, 3.0f));
  auto [lo, hi] = minMax(t);
  EXPECT_GE(lo, 2.0f);
  EXPECT_LT(hi, 3.0f);
  EXPECT_NEAR(stddev(t), 1 / std::sqrt(12.0), 0.03);

  Tensor ints = randomTensor({DType::I32, {2000}}, 5, -3.0f, 4.0f);
  std::set<int32_t> seen(ints.i32(), ints.i32() + ints.numel());
  EXPECT_EQ(seen, (std::set<int32_t>{-3, -2, -1, 0, 1, 2, 3}));

  Tensor constant = randomTensor({DType::F32, {4}}, 1, 0.5f, 0.5f);
  EXPECT_EQ(minMax(constant), std::make_pair(0.5f, 0.5f));

  expectError([&] { randomTensor(type, 1, 1.0f, 0.0f); }, {"range"});
  expectError([&] { randomTensor(type, 1, 0.0f, INFINITY); }, {"range"});
  expectError([&] { randomTensor({DType::I32, {4}}, 1, 0.2f, 0.7f); }, {"no integer"});
  expectError([&] { randomTensor({DType::I32, {4}}, 1, 0.0f, 1e10f); }, {"i32 range"});
}

TEST(WeightSourceTest, LoadsRandomSpecs) {
  Graph g = makeGraph();
  EXPECT_EQ(loadWeights(g, "random:0"), randomWeights(g, 0));
  EXPECT_EQ(loadWeights(g, "random:18446744073709551615"),
            randomWeights(g, 18446744073709551615ull));
  for (const char *bad : {"random:", "random:abc", "random:-1", "random:1.5", "random: 1",
                          "random:18446744073709551616"}) {
    SCOPED_TRACE(bad);
    expectError([&] { loadWeights(g, bad); }, {std::string("'") + bad + "'", "SEED"});
  }
}

class WeightFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("atrous_weightsource_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "w.safetensors").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string path_;
  Graph graph_ = makeGraph();
  Weights weights_ = randomWeights(graph_, 11);
};

TEST_F(WeightFileTest, LoadsSafeTensors) {
  writeSafeTensors(path_, weights_);
  EXPECT_EQ(loadWeights(graph_, path_), weights_);
}

TEST_F(WeightFileTest, RejectsMissingTensor) {
  weights_.erase("bn1.running_var");
  writeSafeTensors(path_, weights_);
  expectError([&] { loadWeights(graph_, path_); }, {path_, "bn1.running_var", "missing"});
}

TEST_F(WeightFileTest, RejectsExtraTensor) {
  weights_["c2.bias"] = Tensor(DType::F32, {32});
  writeSafeTensors(path_, weights_);
  expectError([&] { loadWeights(graph_, path_); }, {path_, "c2.bias"});
}

TEST_F(WeightFileTest, RejectsMisshapedTensor) {
  weights_["fc.weight"] = Tensor(DType::F32, {8, 5});
  writeSafeTensors(path_, weights_);
  expectError([&] { loadWeights(graph_, path_); }, {path_, "fc.weight", "[8, 5]"});
}

TEST_F(WeightFileTest, RejectsMistypedTensor) {
  weights_["b.bias"] = Tensor(DType::I32, {8});
  writeSafeTensors(path_, weights_);
  expectError([&] { loadWeights(graph_, path_); }, {path_, "b.bias", "i32"});
}

TEST_F(WeightFileTest, RejectsMissingFile) {
  expectError([&] { loadWeights(graph_, (dir_ / "none.safetensors").string()); },
              {"none.safetensors"});
}

} // namespace
} // namespace atrous
