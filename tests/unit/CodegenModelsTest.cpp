// The models in models/ end to end through generated code: each is parsed at
// a test size (the sizes ModelsTest.cpp runs the reference at), compiled for
// the host with CompiledModel and run on random weights and input, and its
// output compared with the reference interpreter's, and its runs with each
// other's, bit for bit. Also the contract of CompiledModel::run at the edges
// of a graph: inputs of the wrong type are rejected by name, and outputs that
// are also consumed, or that are graph inputs, come back right.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "CodegenTestUtil.h"
#include "frontend/Parser.h"
#include "ir/Layout.h"
#include "passes/PassManager.h"

namespace atrous::codegen_test {
namespace {

constexpr uint64_t kSeed = 20240611;

// Tolerance for whole models, relative to max(1, max |want|): the per-op
// tolerance. Each layer adds the f32 rounding of its own accumulation order
// to the error it receives, but the roundings of sums of random-sign terms
// grow like the square root of their number, not linearly, so over up to 50
// layers of at most 4608 terms (DeepLab's 512-channel 3x3 convs) the error
// stays around 1e-6 to 1e-5 of the output scale; 1e-4 leaves a margin of ten.
constexpr double kModelTolerance = kRelativeTolerance;

// Runs after the first that must give its bits again: a whole model has
// dozens of parallel loops whose last tasks could race with their
// neighbours (runsRepeat); at the test sizes a run takes milliseconds.
constexpr int kRepeatRuns = 8;

struct ModelCase {
  std::string file;
  std::string input;
  Shape testInput;
};

void PrintTo(const ModelCase &c, std::ostream *os) {
  *os << c.file;
}

class CodegenModels : public testing::TestWithParam<ModelCase> {};

// For a model whose output is wrong: recompiles it with every node's value as
// an output (the groups are cached, so this is cheap) and names the first
// node, in graph order, whose value differs from the reference's.
std::string firstDivergingNode(const Graph &graph, const Weights &weights,
                               const std::vector<Tensor> &inputs) {
  Graph all = graph;
  // Outputs are planar and a group's inner values are never stored, so the
  // decisions of the late passes are set aside.
  for (Node &n : all.nodes) {
    if (n.op == OpKind::Input) continue;
    n.attrs.set("layout", std::string("planar"));
    n.attrs.erase("group");
    n.attrs.erase("arena_offset");
  }
  all.outputs.clear();
  for (size_t i = 0; i < all.nodes.size(); ++i)
    if (all.nodes[i].op != OpKind::Input) all.outputs.push_back(static_cast<ValueId>(i));
  std::vector<Tensor> want = runReferenceAll(graph, weights, inputs);
  std::string error;
  std::vector<Tensor> got = compileAndRun(all, weights, inputs, error);
  if (!error.empty()) return "(with every value as an output: " + error + ")";
  for (size_t k = 0; k < all.outputs.size(); ++k) {
    const Node &n = all.node(all.outputs[k]);
    std::string diff = mismatch(got[k], want[static_cast<size_t>(all.outputs[k])]);
    if (!diff.empty()) {
      std::string ins;
      for (ValueId in : n.inputs)
        ins += (ins.empty() ? "" : ", ") + all.node(in).name + " " + all.type(in).str();
      return "node '" + n.name + "' = " + opName(n.op) + "(" + ins + ", " +
             describeAttrs({n.attrs.all().begin(), n.attrs.all().end()}) + ") -> " + n.type.str() +
             "\n" + diff;
    }
  }
  return "(every value matches when all are outputs)";
}

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
  EXPECT_EQ(runsRepeat(*model, inputs, got, kRepeatRuns), "");
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    std::string diff = mismatch(got[i], want[i], kModelTolerance);
    if (!diff.empty())
      ADD_FAILURE() << "output " << i << ": " << diff
                    << "first differing value: " << firstDivergingNode(graph, weights, inputs);
    if (want[i].dtype() == DType::F32)
      std::cout << c.file << ": output " << i << " relative error "
                << relativeError(got[i], want[i]) << "\n";
  }
}

// The default pipeline end to end: the graph after -O2 (fused epilogues and
// ASPP, sub-pixel transposed convs, channels_last layouts, groups and the
// arena plan written into the IR) compiled and run, against the reference
// interpreter on the graph as written.
TEST_P(CodegenModels, OptimizedMatchesReference) {
  const ModelCase &c = GetParam();
  SCOPED_TRACE(c.file + " -O2 at input " + shapeStr(c.testInput) + ", seed " +
               std::to_string(kSeed));
  ParseOptions options;
  options.inputShapes[c.input] = c.testInput;
  const Graph graph = parseModelFile(
      (std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / c.file).string(), options);
  const Weights weights = randomWeights(graph, kSeed);
  std::vector<Tensor> inputs = {randomTensor(graph.type(graph.inputs().at(0)), kSeed + 1)};
  std::vector<Tensor> want = runReference(graph, weights, inputs);

  Graph optimized = graph;
  Weights optimizedWeights = weights;
  runPasses(optimized, &optimizedWeights, pipelinePasses("O2"));
  size_t channelsLast = 0;
  for (const Node &n : optimized.nodes)
    channelsLast += layoutOf(n) == Layout::ChannelsLast;
  std::cout << c.file << ": -O2 leaves " << optimized.nodes.size() << " nodes, " << channelsLast
            << " channels_last\n";
  EXPECT_GT(channelsLast, 0u) << "assign-layouts chose no channels_last value";

  auto model = codegen::CompiledModel::compile(optimized, optimizedWeights, {"host", ""});
  std::vector<Tensor> got = model->run(inputs);
  EXPECT_EQ(runsRepeat(*model, inputs, got, kRepeatRuns), "");
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    std::string diff = mismatch(got[i], want[i], kModelTolerance);
    if (!diff.empty())
      ADD_FAILURE() << "output " << i << ": " << diff << "first differing value after -O2: "
                    << firstDivergingNode(optimized, optimizedWeights, inputs);
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
    EXPECT_TRUE(mismatch(got[i], want[i]).empty())
        << "output " << i << " of " << g.name << ": " << mismatch(got[i], want[i]);
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

// The generated driver is C: value names that are its locals or C keywords
// must not clash with it.
TEST(CompiledModelRun, ValueNamesThatAreCIdentifiers) {
  Graph g;
  g.name = "int";
  const TensorType type{DType::F32, {1, 2, 3, 3}};
  ValueId b = g.addInput("b", type);
  ValueId rc = g.addInput("rc", type);
  ValueId ins = g.addInput("ins", type);
  ValueId outs = g.addNode(makeNode("outs", OpKind::Mul, {rc, ins}, {}));
  ValueId arrays = g.addNode(makeNode("arrays", OpKind::Add, {b, rc}, {}));
  ValueId keyword = g.addNode(makeNode("for", OpKind::Relu, {ins}, {}));
  g.outputs = {outs, arrays, keyword};
  expectGraphMatchesReference(g);
}

} // namespace
} // namespace atrous::codegen_test
