// The seed models in models/: each parses and verifies at its declared size
// with the output shape its header promises, and runs through the reference
// interpreter at a small test size with random weights, producing finite
// outputs of the expected shape. Also pins the structural figures the model
// headers state (parameter budget, WaveNet's receptive field).
#include <cctype>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"
#include "passes/FlopCount.h"
#include "passes/ReceptiveField.h"
#include "reference/Interpreter.h"

using namespace atrous;

namespace {

struct ModelCase {
  std::string file;
  std::string input;
  Shape fullOutput;
  Shape testInput;
  Shape testOutput;
};

// Names the case in test listings (and so in ctest) by its file.
void PrintTo(const ModelCase &c, std::ostream *os) {
  *os << c.file;
}

std::string modelPath(const std::string &file) {
  return (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / file).string();
}

const std::vector<ModelCase> &modelCases() {
  static const std::vector<ModelCase> cases = {
      {"deeplabv3plus.atr", "image", {1, 21, 513, 513}, {1, 3, 65, 65}, {1, 21, 65, 65}},
      {"fcn_atrous.atr", "image", {1, 21, 256, 256}, {1, 3, 64, 64}, {1, 21, 64, 64}},
      {"linknet.atr", "image", {1, 12, 256, 256}, {1, 3, 64, 64}, {1, 12, 64, 64}},
      {"wavenet.atr", "audio", {1, 256, 16000}, {1, 256, 600}, {1, 256, 600}},
  };
  return cases;
}

int64_t parameterCount(const Graph &graph) {
  int64_t total = 0;
  for (const ParamSpec &p : paramSpecs(graph))
    total += numElements(p.type.shape);
  return total;
}

class Models : public testing::TestWithParam<ModelCase> {};

} // namespace

TEST_P(Models, ParsesAtFullSize) {
  const ModelCase &c = GetParam();
  Graph graph = parseModelFile(modelPath(c.file));
  verify(graph);
  ASSERT_EQ(graph.outputs.size(), 1u);
  EXPECT_EQ(graph.type(graph.outputs[0]).shape, c.fullOutput);
  int64_t flops = 0;
  for (int64_t f : flopCounts(graph))
    flops += f;
  EXPECT_GT(flops, 0);
}

TEST_P(Models, RunsAtTestSizeWithFiniteOutputs) {
  const ModelCase &c = GetParam();
  ParseOptions options;
  options.inputShapes[c.input] = c.testInput;
  Graph graph = parseModelFile(modelPath(c.file), options);
  verify(graph);
  ASSERT_EQ(graph.outputs.size(), 1u);
  ASSERT_EQ(graph.type(graph.outputs[0]).shape, c.testOutput);

  const uint64_t seed = 20240611;
  Weights weights = randomWeights(graph, seed);
  checkWeights(graph, weights);
  Tensor input = randomTensor({DType::F32, c.testInput}, seed + 1);
  std::vector<Tensor> outputs = runReference(graph, weights, {input});
  ASSERT_EQ(outputs.size(), 1u);
  ASSERT_EQ(outputs[0].shape(), c.testOutput);
  const float *data = outputs[0].f32();
  int64_t nonFinite = 0;
  for (int64_t i = 0; i < outputs[0].numel(); ++i)
    nonFinite += std::isfinite(data[i]) ? 0 : 1;
  EXPECT_EQ(nonFinite, 0) << c.file << " (weights and input seed " << seed << ")";
}

INSTANTIATE_TEST_SUITE_P(Seed, Models, testing::ValuesIn(modelCases()),
                         [](const testing::TestParamInfo<ModelCase> &info) {
                           std::string name = info.param.file.substr(0, info.param.file.find('.'));
                           for (char &ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(ModelFigures, DeepLabStaysWithinItsParameterBudget) {
  Graph graph = parseModelFile(modelPath("deeplabv3plus.atr"));
  int64_t params = parameterCount(graph);
  EXPECT_GT(params, 10'000'000);
  EXPECT_LT(params, 15'000'000);
  // The image-pooling branch makes the output depend on the whole image.
  EXPECT_TRUE(receptiveFields(graph).at(size_t(graph.outputs[0])).global);
}

TEST(ModelFigures, WaveNetSeesTwoThousandFortyEightSamples) {
  Graph graph = parseModelFile(modelPath("wavenet.atr"));
  ReceptiveField f = receptiveFields(graph).at(size_t(graph.outputs[0]));
  EXPECT_FALSE(f.global);
  EXPECT_EQ(f.size, std::vector<double>{2048});
  EXPECT_EQ(f.stride, std::vector<double>{1});
}

TEST(ModelFigures, SoftmaxOutputsSumToOneOverClasses) {
  ParseOptions options;
  options.inputShapes["image"] = {1, 3, 32, 32};
  Graph graph = parseModelFile(modelPath("fcn_atrous.atr"), options);
  const uint64_t seed = 7;
  std::vector<Tensor> out =
      runReference(graph, randomWeights(graph, seed), {randomTensor(graph.type(0), seed + 1)});
  const Shape &s = out.at(0).shape();
  const float *p = out[0].f32();
  int64_t plane = s[2] * s[3];
  for (int64_t pos = 0; pos < plane; pos += 37) {
    double sum = 0;
    for (int64_t c = 0; c < s[1]; ++c)
      sum += p[c * plane + pos];
    EXPECT_NEAR(sum, 1.0, 1e-4) << "position " << pos << ", seed " << seed;
  }
}
