// The passes that decide how the optimized graph runs rather than what it
// computes: assign-layouts, group and plan-memory. Each only writes
// attributes, so the reference output is bit-identical before and after; what
// is tested is what they decide, on the models at test size after the rest
// of -O2, and that the code generator's readers of the decisions
// (graphGroups, graphMemoryPlan) return exactly what the analyses compute and
// reject decisions edited into something wrong.
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Layout.h"
#include "passes/AssignLayouts.h"
#include "passes/Grouping.h"
#include "passes/MemoryPlan.h"
#include "passes/PassManager.h"
#include "reference/Interpreter.h"

#include "PassTestUtil.h"

using namespace atrous;

namespace {

struct ModelAtTestSize {
  const char *file;
  const char *input;
  Shape shape;
};

const ModelAtTestSize kModels[] = {{"deeplabv3plus.atr", "image", {1, 3, 65, 65}},
                                   {"fcn_atrous.atr", "image", {1, 3, 64, 64}},
                                   {"linknet.atr", "image", {1, 3, 64, 64}},
                                   {"wavenet.atr", "audio", {1, 256, 600}}};

Graph load(const ModelAtTestSize &m) {
  ParseOptions options;
  options.inputShapes[m.input] = m.shape;
  return parseModelFile((std::filesystem::path(ATROUS_SOURCE_DIR) / "models" / m.file).string(),
                        options);
}

// The -O2 pipeline up to (not including) `pass`.
std::vector<std::string> pipelineBefore(const std::string &pass) {
  std::vector<std::string> before;
  for (const std::string &name : pipelinePasses("O2")) {
    if (name == pass) break;
    before.push_back(name);
  }
  return before;
}

TEST(PassAssignLayouts, ModelsGetChannelsLastWhereChannelsFillVectors) {
  for (const ModelAtTestSize &m : kModels) {
    SCOPED_TRACE(m.file);
    const Graph graph = load(m);
    const Weights weights = randomWeights(graph, 5);
    auto pass = createPass("assign-layouts");
    pass_test::Rewritten r =
        pass_test::applyPass(*pass, graph, weights, pipelineBefore("assign-layouts"));
    EXPECT_TRUE(r.changed);
    const std::set<ValueId> outputs(r.graph.outputs.begin(), r.graph.outputs.end());
    size_t channelsLast = 0;
    for (size_t i = 0; i < r.graph.nodes.size(); ++i) {
      const Node &n = r.graph.nodes[i];
      const Layout layout = layoutOf(n);
      channelsLast += layout == Layout::ChannelsLast;
      if (outputs.count(static_cast<ValueId>(i)) || n.op == OpKind::Input) {
        EXPECT_EQ(layout, Layout::Planar) << n.name;
      } else if ((isConv(n.op) || isConvTranspose(n.op)) && activationOf(n) != Activation::Gated) {
        EXPECT_EQ(layout == Layout::ChannelsLast, n.type.shape[1] % kChannelsLastBlock == 0)
            << n.name;
      } else if (isElementwise(n.op) || isPool(n.op)) {
        EXPECT_EQ(layout, layoutOf(r.graph.node(n.inputs[0]))) << n.name << " converts";
      }
    }
    EXPECT_GT(channelsLast, 0u);
    // Layouts change no arithmetic.
    std::vector<Tensor> inputs = pass_test::randomInputs(r.graph, 9);
    Graph unassigned = r.graph;
    Weights sameWeights = r.weights;
    for (Node &n : unassigned.nodes)
      if (n.op != OpKind::Input) n.attrs.set("layout", std::string("planar"));
    EXPECT_EQ(runReference(r.graph, r.weights, inputs),
              runReference(unassigned, sameWeights, inputs));
    // A second run decides the same.
    Graph again = r.graph;
    EXPECT_FALSE(pass->run(again, nullptr));
  }
}

TEST(PassGroupAndPlanMemory, WrittenDecisionsAreWhatTheAnalysesCompute) {
  for (const ModelAtTestSize &m : kModels) {
    SCOPED_TRACE(m.file);
    Graph graph = load(m);
    Weights weights = randomWeights(graph, 6);
    runPasses(graph, &weights, pipelineBefore("group"));
    const std::vector<std::vector<ValueId>> computed = groupNodes(graph);
    const MemoryPlan plan = planMemory(graph, computed, callerBuffers(graph));

    std::vector<Tensor> inputs = pass_test::randomInputs(graph, 3);
    const std::vector<Tensor> before = runReference(graph, weights, inputs);
    runPasses(graph, &weights, {"group", "plan-memory"});
    EXPECT_EQ(runReference(graph, weights, inputs), before);

    EXPECT_EQ(graphGroups(graph), computed);
    const MemoryPlan written = graphMemoryPlan(graph, computed, callerBuffers(graph));
    EXPECT_EQ(written.offset, plan.offset);
    EXPECT_EQ(written.peakBytes, plan.peakBytes);
    EXPECT_LT(plan.peakBytes, plan.totalBytes) << "the arena reuses nothing";
    for (const auto &[id, offset] : plan.offset)
      EXPECT_EQ(graph.node(id).attrs.getInt("arena_offset"), static_cast<int64_t>(offset));
  }
}

TEST(PassGroupAndPlanMemory, EditedDecisionsAreCheckedNotTrusted) {
  Graph graph = load(kModels[1]);
  runPasses(graph, nullptr, pipelinePasses("O2"));
  const std::vector<std::vector<ValueId>> groups = graphGroups(graph);

  // Two values live at once moved onto the same bytes.
  Graph overlapping = graph;
  std::vector<ValueId> planned;
  for (size_t i = 0; i < overlapping.nodes.size(); ++i)
    if (overlapping.nodes[i].attrs.has("arena_offset")) planned.push_back(static_cast<ValueId>(i));
  ASSERT_GE(planned.size(), 2u);
  for (ValueId id : planned)
    overlapping.nodes[static_cast<size_t>(id)].attrs.set("arena_offset", int64_t{0});
  EXPECT_THROW(graphMemoryPlan(overlapping, groups, callerBuffers(overlapping)), Error);

  // A value planned though it lives in the caller's buffer.
  Graph extra = graph;
  extra.nodes[static_cast<size_t>(extra.outputs[0])].attrs.set("arena_offset", int64_t{0});
  EXPECT_THROW(graphMemoryPlan(extra, groups, callerBuffers(extra)), Error);

  // A pool merged into the group of the conv before it.
  Graph merged = graph;
  for (Node &n : merged.nodes)
    if (n.op == OpKind::MaxPool2d)
      n.attrs.set("group", merged.node(n.inputs[0]).attrs.getInt("group"));
  EXPECT_THROW(graphGroups(merged), Error);

  // The same partition under other numbers is the same partition.
  Graph renumbered = graph;
  for (Node &n : renumbered.nodes)
    if (n.attrs.has("group")) n.attrs.set("group", 1000 - n.attrs.getInt("group"));
  EXPECT_EQ(graphGroups(renumbered), groups);
}

} // namespace
