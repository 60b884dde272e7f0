// place-residuals and the code that writes convs over their residuals: drawn
// chains of 1x1 convs that each add into the running sum, as WaveNet's skip
// and residual streams do, over 1-D and 2-D maps whose extents and channels
// are no multiples of the register tiles, compiled after all of -O2 and
// checked against the reference interpreter; each conv written over its
// residual shares the arena bytes of its chain's first value. A residual
// read later is refused, and pipelines per node, which run the nodes in
// another order than the groups, set the placement aside.
#include <gtest/gtest.h>

#include <string>

#include "ir/ResidualInPlace.h"
#include "passes/Grouping.h"
#include "passes/MemoryPlan.h"

#include "CodegenTestUtil.h"
#include "PassTestUtil.h"

using namespace atrous;

namespace {

// One drawn case: a sum s<k>_0 and `depth` convs adding into it, each over
// a gate computed from the one before, then a planar conv reading the sum.
std::string drawCase(codegen_test::Draw &draw, int k, std::string &outputs) {
  const std::string id = std::to_string(k);
  const bool image = draw.coin();
  const std::string conv = image ? "conv2d" : "conv1d";
  const int64_t channels = draw.pick<int64_t>({16, 32}), sum = draw.pick<int64_t>({32, 48, 80});
  std::string shape = "[1, " + std::to_string(channels) + ", " + std::to_string(draw.range(3, 12));
  if (image) shape += ", " + std::to_string(draw.range(3, 12));
  std::string text = "input x" + id + " : f32" + shape + "]\n";
  std::string s = "s" + id + "_0", gate = "x" + id;
  text += s + " = " + conv + "(x" + id + ", out=" + std::to_string(sum) + ", kernel=1)\n";
  const int depth = static_cast<int>(draw.range(2, 4));
  for (int j = 1; j <= depth; ++j) {
    const std::string g = "g" + id + "_" + std::to_string(j);
    const int64_t dilation = draw.range(1, 3);
    text += g + " = " + conv + "(" + gate + ", out=" + std::to_string(channels) +
            ", kernel=3, dilation=" + std::to_string(dilation) +
            ", pad=" + std::to_string(dilation) + ", act=tanh)\n";
    const std::string next = "s" + id + "_" + std::to_string(j);
    std::string add =
        "add(" + s + ", " + conv + "(" + g + ", out=" + std::to_string(sum) + ", kernel=1))";
    if (draw.coin()) add = "relu(" + add + ")";
    text += next + " = " + add + "\n";
    s = next;
    gate = g;
  }
  text += "y" + id + " = " + conv + "(" + s + ", out=5, kernel=1)\n";
  outputs += "output y" + id + "\n";
  return text;
}

} // namespace

TEST(PassPlaceResiduals, DrawnChainsMatchTheReference) {
  codegen_test::Draw draw(2028);
  std::string text = "model chains\n", outputs;
  for (int k = 0; k < 8; ++k)
    text += drawCase(draw, k, outputs);
  Graph graph = parseModel(text + outputs);
  codegen_test::expectOptimizedMatchesReference(graph, 7, text);

  // Every conv that adds into a sum writes over it, in the bytes of the
  // chain's first value.
  int placed = 0;
  const std::vector<std::vector<ValueId>> steps = graphGroups(graph);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &node = graph.nodes[i];
    if (!isResidualInPlace(node)) continue;
    ++placed;
    EXPECT_EQ(residualStepProblem(graph, steps, static_cast<ValueId>(i)), "") << node.name;
    ValueId root = node.inputs.back();
    while (isResidualInPlace(graph.node(root)))
      root = graph.node(root).inputs.back();
    EXPECT_EQ(node.attrs.getInt("arena_offset"), graph.node(root).attrs.getInt("arena_offset"))
        << node.name;
  }
  EXPECT_GE(placed, 16) << text;
}

TEST(PassPlaceResiduals, AResidualReadLaterIsRefused) {
  // b is also read by d, after c: c writing over b would hand d c's sums.
  Graph graph = parseModel("model m\ninput x : f32[1, 16, 20]\n"
                           "b = conv1d(x, out=32, kernel=1)\n"
                           "c = add(b, conv1d(x, out=32, kernel=1))\n"
                           "d = conv1d(b, out=32, kernel=1)\n"
                           "y = conv1d(c, out=5, kernel=1)\n"
                           "z = conv1d(d, out=5, kernel=1)\n"
                           "output y\noutput z\n");
  runPasses(graph, nullptr, pipelinePasses("O2"));
  const Node &c = graph.node(graph.find("c.conv1d"));
  EXPECT_FALSE(isResidualInPlace(c));
  EXPECT_EQ(residualInPlaceProblem(graph, graph.find("c.conv1d")), "");
  EXPECT_EQ(residualStepProblem(graph, graphGroups(graph), graph.find("c.conv1d")),
            "its residual 'b' is read after it, by 'd'");
  // Marked by hand, the memory plan refuses it.
  graph.nodes[static_cast<size_t>(graph.find("c.conv1d"))].attrs.set("residual_in_place", true);
  EXPECT_THROW(planMemory(graph, graphGroups(graph), callerBuffers(graph)), Error);
}

TEST(PassPlaceResiduals, PipelinesPerNodeSetThePlacementAside) {
  // Fused, w joins a's group, which runs before v: v may write over r. One
  // pipeline per node runs w after v, which would read v's sums.
  Graph graph = parseModel("model m\ninput x : f32[1, 16, 20]\n"
                           "r = conv1d(x, out=32, kernel=1)\n"
                           "a = conv1d(x, out=32, kernel=1)\n"
                           "v = add(r, conv1d(x, out=32, kernel=1))\n"
                           "w = mul(a, r)\n"
                           "y = conv1d(v, out=5, kernel=1)\n"
                           "z = conv1d(w, out=5, kernel=1)\n"
                           "output y\noutput z\n");
  Weights weights = randomWeights(graph, 3);
  std::vector<Tensor> inputs = pass_test::randomInputs(graph, 4);
  const std::vector<Tensor> want = runReference(graph, weights, inputs);
  runPasses(graph, &weights, pipelinePasses("O2"));
  ASSERT_TRUE(isResidualInPlace(graph.node(graph.find("v.conv1d"))));
  for (bool fuse : {true, false}) {
    SCOPED_TRACE(fuse ? "fused" : "per node");
    codegen::CompileOptions options{"host", ""};
    options.fuseGroups = fuse;
    std::vector<Tensor> got = codegen::CompiledModel::compile(graph, weights, options)->run(inputs);
    ASSERT_EQ(got.size(), 2u);
    for (size_t k = 0; k < 2; ++k)
      EXPECT_LE(codegen_test::relativeError(got[k], want[k]), 1e-5);
  }
}
