// The ONNX importer against the cases in tests/onnx (written by
// scripts/make_onnx_tests.py: models exported by torch.onnx at opsets 11, 13
// and 17 and graphs built with onnx.helper, with goldens from PyTorch or from
// a numpy evaluation of the ONNX specification). Every case is imported and
// run through the reference interpreter and, all cases in one compiled
// graph, through generated code; every error case must fail with a clear
// atrous::Error naming what is wrong. The text round trip (`atrousc import`:
// print, parse back, safetensors) must give the same graph and outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "CodegenTestUtil.h"
#include "frontend/Parser.h"
#include "frontend/SafeTensors.h"
#include "frontend/TensorIO.h"
#include "frontend/onnx/OnnxImport.h"
#include "ir/Layout.h"
#include "ir/Printer.h"
#include "onnx/onnx_pb.h"
#include "passes/Pass.h"
#include "passes/PassManager.h"
#include "runtime/Npy.h"

namespace atrous {
namespace {

namespace fs = std::filesystem;
using codegen_test::mismatch;

// Fewer cases than this means the folder was lost or only partly written.
constexpr size_t kMinCases = 200;
// Reference interpreter against the goldens, relative to max(1, max |want|):
// the goldens are float64 evaluations of the same f32 values, so this only
// absorbs the interpreter's f32 rounding (as tests/golden does). Resize
// coordinates, a reciprocal instead of a division, and the relu6 form of
// Clip / HardSigmoid add float rounding of their own, all far below 1e-5.
constexpr double kReferenceTolerance = 1e-5;
// Generated code accumulates in its own order and uses Halide's exp/tanh.
constexpr double kGeneratedTolerance = 1e-4;

fs::path casesDir() {
  return fs::path(ATROUS_SOURCE_DIR) / "tests" / "onnx";
}

nlohmann::json readMeta(const fs::path &dir) {
  std::ifstream in(dir / "meta.json");
  return nlohmann::json::parse(in);
}

std::vector<std::string> caseNames(bool errors) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry &e : fs::directory_iterator(casesDir(), ec)) {
    if (!e.is_directory() || !fs::exists(e.path() / "meta.json")) continue;
    if (readMeta(e.path()).contains("error") == errors)
      names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

ParseOptions optionsOf(const nlohmann::json &meta) {
  ParseOptions options;
  if (meta.contains("input_shapes"))
    for (const auto &[name, dims] : meta["input_shapes"].items())
      options.inputShapes[name] = dims.get<Shape>();
  return options;
}

std::vector<Tensor> readArrays(const fs::path &dir, const char *prefix) {
  std::vector<Tensor> out;
  for (int k = 0;; ++k) {
    fs::path file = dir / (prefix + std::to_string(k) + ".npy");
    if (!fs::exists(file)) break;
    out.push_back(tensorFromNpy(rt::readNpy(file.string()), file.string()));
  }
  return out;
}

struct OnnxCase {
  std::string name;
  ImportedModel model;
  std::vector<Tensor> inputs, expected;
  bool exact = false;
};

OnnxCase loadCase(const std::string &name) {
  fs::path dir = casesDir() / name;
  nlohmann::json meta = readMeta(dir);
  OnnxCase c;
  c.name = name;
  c.model = importOnnxFile((dir / "model.onnx").string(), optionsOf(meta));
  c.inputs = readArrays(dir, "input");
  c.expected = readArrays(dir, "output");
  c.exact = meta.value("exact", false);
  return c;
}

// Empty when every output matches its golden.
std::string compare(const std::vector<Tensor> &got, const OnnxCase &c, double tolerance) {
  if (got.size() != c.expected.size())
    return std::to_string(got.size()) + " outputs, want " + std::to_string(c.expected.size());
  std::string report;
  for (size_t k = 0; k < got.size(); ++k) {
    std::string diff = mismatch(got[k], c.expected[k], c.exact ? 0.0 : tolerance);
    if (!diff.empty()) report += "output " + std::to_string(k) + ": " + diff;
  }
  return report;
}

std::string testName(const testing::TestParamInfo<std::string> &info) {
  std::string name = info.param;
  for (char &ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

class OnnxCaseTest : public testing::TestWithParam<std::string> {};

TEST_P(OnnxCaseTest, ReferenceMatchesGolden) {
  OnnxCase c = loadCase(GetParam());
  std::vector<Tensor> got = runReference(c.model.graph, c.model.weights, c.inputs);
  std::string diff = compare(got, c, kReferenceTolerance);
  EXPECT_TRUE(diff.empty()) << diff << printGraph(c.model.graph);
}

// `atrousc import` writes exactly this: the printed graph and the weights as
// safetensors. Parsed back they must be the same graph and compute the same
// outputs bit for bit.
TEST_P(OnnxCaseTest, TextAndSafetensorsRoundTrip) {
  OnnxCase c = loadCase(GetParam());
  std::string text = printGraph(c.model.graph);
  Graph parsed = parseModel(text, c.name + ".atr");
  ASSERT_TRUE(parsed == c.model.graph) << text << "---\n" << printGraph(parsed);
  fs::path file = fs::temp_directory_path() / ("atrous_onnx_" + c.name + ".safetensors");
  writeSafeTensors(file.string(), c.model.weights);
  Weights weights = readSafeTensors(file.string());
  fs::remove(file);
  checkWeights(parsed, weights);
  std::vector<Tensor> direct = runReference(c.model.graph, c.model.weights, c.inputs);
  std::vector<Tensor> viaText = runReference(parsed, weights, c.inputs);
  ASSERT_EQ(direct.size(), viaText.size());
  for (size_t k = 0; k < direct.size(); ++k)
    EXPECT_TRUE(direct[k] == viaText[k]) << "output " << k;
}

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxCaseTest, testing::ValuesIn(caseNames(false)), testName);

class OnnxErrorTest : public testing::TestWithParam<std::string> {};

// A bad model is an atrous::Error whose message names the problem; anything
// else (another exception type, a crash) fails.
TEST_P(OnnxErrorTest, FailsWithClearMessage) {
  fs::path dir = casesDir() / GetParam();
  nlohmann::json meta = readMeta(dir);
  try {
    importOnnxFile((dir / "model.onnx").string(), optionsOf(meta));
    ADD_FAILURE() << "imported without an error";
  } catch (const Error &e) {
    std::string message = e.what();
    for (const std::string &want : meta["error"].get<std::vector<std::string>>())
      EXPECT_NE(message.find(want), std::string::npos) << "the message lacks '" << want << "':\n"
                                                       << message;
    EXPECT_EQ(message.find((dir / "model.onnx").string()), 0u)
        << "names the file first: " << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Onnx, OnnxErrorTest, testing::ValuesIn(caseNames(true)), testName);

// Every case in one graph (nodes and weights renamed per case), optimized
// with the -O2 pipeline and compiled once: equal groups of different cases
// share one compiled object, which keeps Halide's compile time to a few
// dozen distinct groups. Once with planar inputs and outputs, as imported,
// and once with the I/O layout `atrousc --io-layout channels_last` gives
// (setIoLayout after the import), whose tensors CompiledModel::run moves.
class OnnxGenerated : public testing::TestWithParam<Layout> {};

TEST_P(OnnxGenerated, AllCasesMatchGoldens) {
  std::vector<OnnxCase> cases;
  for (const std::string &name : caseNames(false))
    cases.push_back(loadCase(name));
  ASSERT_GE(cases.size(), kMinCases);
  Graph all;
  all.name = "onnx_cases";
  Weights weights;
  std::vector<Tensor> inputs;
  std::vector<std::pair<size_t, size_t>> outputsOf; // case -> [first, last) output
  for (size_t k = 0; k < cases.size(); ++k) {
    const Graph &g = cases[k].model.graph;
    const std::string prefix = "c" + std::to_string(k) + "_";
    std::vector<ValueId> remap(g.nodes.size());
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      Node n = g.nodes[i];
      for (const ParamSpec &p : paramSpecs(g, n))
        weights[prefix + p.name] = cases[k].model.weights.at(p.name);
      n.name = prefix + n.name;
      for (ValueId &in : n.inputs)
        in = remap[static_cast<size_t>(in)];
      remap[i] = n.op == OpKind::Input ? all.addInput(n.name, n.type) : all.addNode(n);
    }
    size_t first = all.outputs.size();
    for (ValueId out : g.outputs)
      all.outputs.push_back(remap[static_cast<size_t>(out)]);
    outputsOf.push_back({first, all.outputs.size()});
    inputs.insert(inputs.end(), cases[k].inputs.begin(), cases[k].inputs.end());
  }
  setIoLayout(all, GetParam());
  runPasses(all, &weights, pipelinePasses("O2"));
  auto model = codegen::CompiledModel::compile(all, weights, {"host", ""});
  std::vector<Tensor> got = model->run(inputs);
  ASSERT_EQ(got.size(), all.outputs.size());
  for (size_t k = 0; k < cases.size(); ++k) {
    std::vector<Tensor> mine(got.begin() + static_cast<std::ptrdiff_t>(outputsOf[k].first),
                             got.begin() + static_cast<std::ptrdiff_t>(outputsOf[k].second));
    std::string diff = compare(mine, cases[k], kGeneratedTolerance);
    EXPECT_TRUE(diff.empty()) << cases[k].name << ": " << diff;
  }
}

INSTANTIATE_TEST_SUITE_P(IoLayouts, OnnxGenerated,
                         testing::Values(Layout::Planar, Layout::ChannelsLast),
                         [](const testing::TestParamInfo<Layout> &info) {
                           return info.param == Layout::Planar ? "Planar" : "ChannelsLast";
                         });

// The operators converted for run-time tensors each appear in some case, and
// so do those the issue lists; a converter cannot land untested.
TEST(OnnxSuite, CasesCoverEveryOperator) {
  std::set<std::string> seen;
  for (const std::string &name : caseNames(false)) {
    std::ifstream in(casesDir() / name / "model.onnx", std::ios::binary);
    onnx::ModelProto m;
    ASSERT_TRUE(m.ParseFromIstream(&in)) << name;
    for (const onnx::NodeProto &n : m.graph().node())
      seen.insert(n.op_type());
  }
  for (const std::string &op : runtimeOnnxOps())
    EXPECT_TRUE(seen.count(op)) << "no case uses " << op;
  for (const char *op : {"Constant", "Shape", "Gather", "Unsqueeze", "Concat", "Cast", "Slice"})
    EXPECT_TRUE(seen.count(op)) << "no case uses " << op;
  std::vector<std::string> all = supportedOnnxOps();
  for (const std::string &op : runtimeOnnxOps())
    EXPECT_TRUE(std::binary_search(all.begin(), all.end(), op)) << op;
}

// Damaged models: random byte changes to valid models (a static one and one
// whose sizes are computed by Shape chains) must give a clean import or an
// atrous::Error, never a crash or another exception. ONNX_FUZZ_CASE and
// ONNX_FUZZ_TRIALS run it on another case, longer.
TEST(OnnxRobustness, MutatedModelsFailCleanly) {
  std::vector<std::string> cases = {"aspp_head_op13", "resize_like_dynamic_op11"};
  int trials = 300;
  if (const char *only = std::getenv("ONNX_FUZZ_CASE")) cases = {only};
  if (const char *n = std::getenv("ONNX_FUZZ_TRIALS")) trials = std::atoi(n);
  for (const std::string &name : cases) {
    fs::path dir = casesDir() / name;
    ParseOptions options = optionsOf(readMeta(dir));
    std::ifstream in(dir / "model.onnx", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string original = ss.str();
    ASSERT_GT(original.size(), 100u) << name;
    std::mt19937_64 rng(7);
    int errors = 0, imported = 0;
    for (int trial = 0; trial < trials; ++trial) {
      std::string bytes = original;
      int changes = 1 + static_cast<int>(rng() % 4);
      for (int c = 0; c < changes; ++c)
        bytes[rng() % bytes.size()] = static_cast<char>(rng() % 256);
      if (trial % 10 == 0) bytes.resize(rng() % bytes.size());
      try {
        importOnnx(bytes, "mutated.onnx", dir.string(), options);
        ++imported;
      } catch (const Error &) {
        ++errors;
      } catch (const std::exception &e) {
        ADD_FAILURE() << name << ", trial " << trial << ": " << e.what();
      }
    }
    EXPECT_GT(errors, 0);
    std::cout << name << ": " << imported << " mutated models imported, " << errors << " refused\n";
  }
}

} // namespace
} // namespace atrous
