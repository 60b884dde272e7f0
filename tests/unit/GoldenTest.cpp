// Checks the reference interpreter against the PyTorch goldens in
// tests/golden (written by scripts/make_goldens.py): every case folder holds a
// model, its weights, its inputs and PyTorch's output. Also checks that the
// goldens cover every operator, so a new op cannot land without one.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "codegen/CompiledModel.h"
#include "frontend/Parser.h"
#include "frontend/SafeTensors.h"
#include "frontend/TensorIO.h"
#include "ir/Error.h"
#include "ir/Op.h"
#include "ir/Weights.h"
#include "reference/Interpreter.h"
#include "runtime/Npy.h"

namespace atrous {
namespace {

namespace fs = std::filesystem;

// At least this many cases must exist: fewer means the folder was lost or
// only partly generated.
constexpr size_t kMinCases = 60;

fs::path goldenDir() {
  return fs::path(ATROUS_SOURCE_DIR) / "tests" / "golden";
}

std::vector<std::string> caseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry &e : fs::directory_iterator(goldenDir(), ec))
    if (e.is_directory() && fs::exists(e.path() / "model.atr"))
      names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string readText(const fs::path &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Tensor> readInputs(const fs::path &dir, size_t count) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < count; ++i) {
    fs::path file =
        dir / (count == 1 ? std::string("input.npy") : "input" + std::to_string(i) + ".npy");
    inputs.push_back(tensorFromNpy(rt::readNpy(file.string()), file.string()));
  }
  return inputs;
}

// One golden case: its model, weights, inputs and PyTorch's output.
struct GoldenCase {
  Graph graph;
  Weights weights;
  std::vector<Tensor> inputs;
  Tensor expected;
};

GoldenCase loadCase(const fs::path &dir) {
  GoldenCase c;
  c.graph = parseModelFile((dir / "model.atr").string());
  if (fs::exists(dir / "weights.safetensors"))
    c.weights = readSafeTensors((dir / "weights.safetensors").string());
  checkWeights(c.graph, c.weights);
  c.inputs = readInputs(dir, c.graph.inputs().size());
  const std::string expectedPath = (dir / "output.npy").string();
  c.expected = tensorFromNpy(rt::readNpy(expectedPath), expectedPath);
  return c;
}

// Integer outputs must match exactly; float outputs within `relative` of the
// output's magnitude.
void expectMatches(const Tensor &got, const Tensor &expected, float relative) {
  ASSERT_EQ(got.type().str(), expected.type().str());
  if (expected.dtype() == DType::I32) {
    for (int64_t i = 0; i < expected.numel(); ++i)
      ASSERT_EQ(got.i32()[i], expected.i32()[i]) << "at flat index " << i;
    return;
  }
  float maxAbs = 0;
  for (int64_t i = 0; i < expected.numel(); ++i)
    maxAbs = std::max(maxAbs, std::fabs(expected.f32()[i]));
  const float tolerance = relative * std::max(1.0f, maxAbs);
  float worst = 0;
  int64_t worstAt = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    float diff = std::fabs(got.f32()[i] - expected.f32()[i]);
    if (std::isnan(diff)) diff = INFINITY;
    if (diff > worst) {
      worst = diff;
      worstAt = i;
    }
  }
  EXPECT_LE(worst, tolerance) << "worst at flat index " << worstAt << ": got " << got.f32()[worstAt]
                              << ", PyTorch " << expected.f32()[worstAt];
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

// The goldens are computed in float64 from the same f32 values and rounded
// once, so the difference is the interpreter's own f32 rounding. The largest
// reduction here is a few hundred products of O(1) values (weights are
// scaled by 1/sqrt(fan_in)), whose f32 error stays far below 1e-5 relative
// to the output's magnitude; a real semantic error (a tap, an index, a
// divisor off by one) is orders of magnitude larger.
TEST_P(GoldenTest, ReferenceMatchesPyTorch) {
  GoldenCase c = loadCase(goldenDir() / GetParam());
  std::vector<Tensor> outputs = runReference(c.graph, c.weights, c.inputs);
  ASSERT_EQ(outputs.size(), 1u);
  expectMatches(outputs[0], c.expected, 1e-5f);
}

// Generated code accumulates in f32 in its own order (vectorized partial
// sums, tanh and exp from Halide's approximations), so it gets 1e-4: still
// two orders of magnitude below any real indexing error.
TEST_P(GoldenTest, GeneratedCodeMatchesPyTorch) {
  GoldenCase c = loadCase(goldenDir() / GetParam());
  auto model = codegen::CompiledModel::compile(c.graph, c.weights);
  std::vector<Tensor> outputs = model->run(c.inputs);
  ASSERT_EQ(outputs.size(), 1u);
  expectMatches(outputs[0], c.expected, 1e-4f);
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenTest, ::testing::ValuesIn(caseNames()),
                         [](const ::testing::TestParamInfo<std::string> &info) {
                           std::string name = info.param;
                           for (char &c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(GoldenSuite, HasEnoughCases) {
  EXPECT_GE(caseNames().size(), kMinCases)
      << "in " << goldenDir() << "; regenerate with scripts/make_goldens.py";
}

TEST(GoldenSuite, EveryOpHasAGolden) {
  std::string all;
  for (const std::string &name : caseNames())
    all += readText(goldenDir() / name / "model.atr");
  for (const OpInfo &op : allOps()) {
    if (op.kind == OpKind::Input) continue;
    // A whole-word match, so `leaky_relu(` does not count for `relu`.
    std::regex call("(^|[^A-Za-z0-9_])" + op.name + "\\(");
    EXPECT_TRUE(std::regex_search(all, call)) << "no golden model calls " << op.name;
  }
}

} // namespace
} // namespace atrous
