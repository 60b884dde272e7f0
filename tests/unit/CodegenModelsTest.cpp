// The models in models/ end to end through generated code: each is parsed at
// a test size (the sizes ModelsTest.cpp runs the reference at), compiled for
// the host with CompiledModel and run on random weights and input, and its
// output compared with the reference interpreter's. Also the contract of
// CompiledModel::run at the edges of a graph: inputs of the wrong type are
// rejected by name, and outputs that are also consumed, or that are graph
// inputs, come back right.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "CodegenTestUtil.h"
#include "frontend/Parser.h"

namespace atrous::codegen_test {
namespace {

constexpr uint64_t kSeed = 20240611;

// Tolerance for whole models, relative to max(1, max |want|): every layer
// adds the f32 rounding of its accumulation order (up to 4608 terms per
// output in DeepLab's 512-channel 3x3 convs, about 1e-5 relative each) on
// top of the error it receives, over up to 50 layers, so the per-op 1e-4
// becomes 1e-3 end to end.
constexpr double kModelTolerance = 1e-3;

struct ModelCase {
  std::string file;
  std::string input;
  Shape testInput;
};

void PrintTo(const ModelCase &c, std::ostream *os) {
  *os << c.file;
}

class CodegenModels : public testing::TestWithParam<ModelCase> {};

TEST_P(CodegenModels, MatchesReference) {
  const ModelCase &c = GetParam();
  SCOPED_TRACE(c.file + " at input " + shapeStr(c.testInput) + ", seed " + std::to_string(kSeed));
  ParseOptions options;
  options.inputShapes[c.input] = c.testInput;
  Graph graph = parseModelFile(
      (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / c.file).string(), options);
  Weights weights = randomWeights(graph, kSeed);
  std::vector<Tensor> inputs = {randomTensor(graph.type(graph.inputs().at(0)), kSeed + 1)};
  std::vector<Tensor> want = runReference(graph, weights, inputs);

  auto start = std::chrono::steady_clock::now();
  auto model = codegen::CompiledModel::compile(graph, weights, {"host", ""});
  double compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Compile time (cold or warm cache) goes to the test log and the XML report.
  std::cout << c.file << ": " << graph.nodes.size() << " nodes compiled in " << compileSeconds
            << " s\n";
  RecordProperty("compile_seconds", std::to_string(compileSeconds));

  std::vector<Tensor> got = model->run(inputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    std::string diff = mismatch(got[i], want[i], kModelTolerance);
    EXPECT_TRUE(diff.empty()) << "output " << i << ": " << diff;
    if (want[i].dtype() == DType::F32)
      std::cout << c.file << ": output " << i << " relative error "
                << relativeError(got[i], want[i]) << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, CodegenModels,
                         testing::Values(ModelCase{"deeplabv3plus.atr", "image", {1, 3, 65, 65}},
                                         ModelCase{"fcn_atrous.atr", "image", {1, 3, 64, 64}},
                                         ModelCase{"linknet.atr", "image", {1, 3, 64, 64}},
                                         ModelCase{"wavenet.atr", "audio", {1, 256, 600}}),
                         [](const testing::TestParamInfo<ModelCase> &info) {
                           return info.param.file.substr(0, info.param.file.find('.'));
                         });

Graph reluGraph() {
  Graph g;
  g.name = "relu_model";
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 5, 5}});
  g.outputs = {g.addNode(makeNode("r", OpKind::Relu, {x}, {}))};
  return g;
}

// Expects run(inputs) to throw an atrous::Error whose message names `what`.
void expectRejected(const codegen::CompiledModel &model, const std::vector<Tensor> &inputs,
                    const std::string &what) {
  try {
    model.run(inputs);
    ADD_FAILURE() << "run accepted inputs it should reject (" << what << ")";
  } catch (const Error &e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(CompiledModelRun, RejectsInputsOfTheWrongTypeByName) {
  Graph g = reluGraph();
  auto model = codegen::CompiledModel::compile(g, {}, {"host", ""});
  expectRejected(*model, {Tensor(DType::F32, {1, 3, 5, 4})}, "'x'");
  expectRejected(*model, {Tensor(DType::F32, {1, 3, 5})}, "'x'");
  expectRejected(*model, {Tensor(DType::I32, {1, 3, 5, 5})}, "'x'");
  expectRejected(*model, {}, "inputs");
  Tensor good(DType::F32, {1, 3, 5, 5});
  expectRejected(*model, {good, good}, "inputs");
}

// Runs `g` through generated code and the reference and compares every
// output within the per-op tolerance.
void expectGraphMatchesReference(const Graph &g) {
  Weights weights = randomWeights(g, kSeed);
  std::vector<Tensor> inputs;
  for (ValueId id : g.inputs())
    inputs.push_back(randomTensor(g.type(id), kSeed + 1 + inputs.size()));
  std::vector<Tensor> want = runReference(g, weights, inputs);
  auto model = codegen::CompiledModel::compile(g, weights, {"host", ""});
  std::vector<Tensor> got = model->run(inputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_EQ(mismatch(got[i], want[i]), "") << "output " << i << " of " << g.name;
}

TEST(CompiledModelRun, OutputAlsoConsumedByALaterNode) {
  Graph g;
  g.name = "consumed_output";
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 6, 5}});
  ValueId conv =
      g.addNode(makeNode("conv", OpKind::Conv2d, {x},
                         {{"out", int64_t{5}}, {"kernel", int64_t{3}}, {"pad", int64_t{1}}}));
  ValueId act = g.addNode(makeNode("act", OpKind::Relu, {conv}, {}));
  ValueId sum = g.addNode(makeNode("sum", OpKind::Add, {conv, act}, {}));
  g.outputs = {conv, sum, act};
  expectGraphMatchesReference(g);
}

TEST(CompiledModelRun, OutputThatIsAnInput) {
  Graph g;
  g.name = "input_as_output";
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 5, 5}});
  ValueId y = g.addInput("y", {DType::F32, {1, 3, 5, 5}});
  g.outputs = {x, g.addNode(makeNode("s", OpKind::Mul, {x, y}, {})), y};
  expectGraphMatchesReference(g);

  Graph identity;
  identity.name = "identity";
  identity.outputs = {identity.addInput("x", {DType::F32, {2, 3, 4}})};
  expectGraphMatchesReference(identity);
}

} // namespace
} // namespace atrous::codegen_test
