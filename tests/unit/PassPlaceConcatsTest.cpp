// place-concats and the code that writes the parts of in-place concats into
// their slices: drawn concats of convs along every axis, nested or not, in
// either layout, into the arena or into the caller's output buffer, compiled
// after all of -O2 and checked against the reference interpreter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/InPlace.h"
#include "passes/MemoryPlan.h"

#include "CodegenTestUtil.h"
#include "PassTestUtil.h"

using namespace atrous;

namespace {

int countInPlace(const Graph &graph) {
  int n = 0;
  for (const Node &node : graph.nodes)
    n += isInPlaceConcat(node);
  return n;
}

// One drawn case: convs of input x<k> concatenated along `axis`, perhaps
// into a second concat with one more conv, read by a 1x1 conv (the concat
// lives in the arena) or returned (it lives in the caller's buffer).
std::string drawCase(codegen_test::Draw &draw, int k, std::string &outputs) {
  const std::string id = std::to_string(k);
  const int64_t channels = draw.pick<int64_t>({8, 16, 32});
  const int64_t h = draw.range(3, 13), w = draw.range(3, 13);
  const int axis = static_cast<int>(draw.range(1, 3));
  // Parts along the channels differ in width (16-channel ones are stored
  // channels_last); along a spatial axis, in the extent a valid kernel
  // leaves along it.
  auto part = [&](const std::string &name) {
    std::string attrs;
    if (axis == 1) {
      attrs = "out=" + std::to_string(draw.pick<int64_t>({5, 16, 32})) + ", kernel=3, pad=1";
    } else {
      const std::string k = std::to_string(draw.range(1, 3));
      attrs = "out=" + std::to_string(channels) +
              ", kernel=" + (axis == 2 ? "[" + k + ", 1]" : "[1, " + k + "]");
    }
    return name + " = conv2d(x" + id + ", " + attrs +
           ", act=" + draw.pick<std::string>({"none", "relu"}) + ")\n";
  };
  std::string text = "input x" + id + " : f32[1, " + std::to_string(channels) + ", " +
                     std::to_string(h) + ", " + std::to_string(w) + "]\n";
  const int parts = static_cast<int>(draw.range(2, 3));
  std::string list;
  for (int p = 0; p < parts; ++p) {
    const std::string name = "p" + id + "_" + std::to_string(p);
    text += part(name);
    list += name + ", ";
  }
  std::string last = "c" + id;
  text += last + " = concat(" + list + "axis=" + std::to_string(axis) + ")\n";
  if (draw.coin()) {
    text += part("q" + id);
    text += "n" + id + " = concat(c" + id + ", q" + id + ", axis=" + std::to_string(axis) + ")\n";
    last = "n" + id;
  }
  if (draw.coin()) {
    text += "y" + id + " = conv2d(" + last + ", out=16, kernel=1)\n";
    last = "y" + id;
  }
  outputs += "output " + last + "\n";
  return text;
}

} // namespace

TEST(PassPlaceConcats, DrawnConcatsMatchTheReference) {
  codegen_test::Draw draw(2026);
  std::string text = "model placed\n", outputs;
  for (int k = 0; k < 10; ++k)
    text += drawCase(draw, k, outputs);
  Graph graph = parseModel(text + outputs);
  codegen_test::expectOptimizedMatchesReference(graph, 5, text);
  // Some concats are placed, nested ones among them, and some not (planar
  // parts of a channels_last concat, or the reverse).
  EXPECT_GE(countInPlace(graph), 8) << text;
  int nested = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    nested += placementOf(graph, static_cast<ValueId>(i)).root != static_cast<ValueId>(i) &&
              isInPlaceConcat(graph.nodes[i]);
  EXPECT_GT(nested, 0) << text;
}

TEST(PassPlaceConcats, PartsLiveInTheirConcatsBuffer) {
  // a and b are written into c's bytes; c must then be live from a's step, so
  // d, which is live while a and b are computed, gets other bytes.
  Graph graph = parseModel("model m\ninput x : f32[1, 4, 8, 8]\n"
                           "d = sigmoid(x)\na = relu(x)\nb = tanh(x)\n"
                           "c = concat(a, b, axis=1)\ne = mul(c, c)\nf = add(d, x)\n"
                           "output e\noutput f\n");
  runPasses(graph, nullptr, {"group", "place-concats"});
  ASSERT_TRUE(isInPlaceConcat(graph.node(graph.find("c"))));
  const Placement b = placementOf(graph, graph.find("b"));
  EXPECT_EQ(b.root, graph.find("c"));
  EXPECT_EQ(b.offset, (std::vector<int64_t>{0, 4, 0, 0}));
  std::vector<std::vector<ValueId>> steps;
  for (const char *name : {"d", "a", "b", "c", "e", "f"})
    steps.push_back({graph.find(name)});
  const MemoryPlan plan = planMemory(graph, steps, callerBuffers(graph));
  EXPECT_EQ(plan.offset.count(graph.find("a")), 0u);
  EXPECT_EQ(plan.offset.count(graph.find("b")), 0u);
  ASSERT_EQ(plan.offset.count(graph.find("c")), 1u);
  ASSERT_EQ(plan.offset.count(graph.find("d")), 1u);
  const uint64_t c = plan.offset.at(graph.find("c")), d = plan.offset.at(graph.find("d"));
  EXPECT_TRUE(c + 512 <= d || d + 256 <= c) << "c at " << c << ", d at " << d;
}

TEST(PassPlaceConcats, AResizeReadingOnlyAPartsShapeLeavesItInPlace) {
  // DeepLab's decoder: the ASPP output resized like the low-level features,
  // then concatenated with them. The resize reads lo's shape, not its
  // elements; the pipeline it runs in still takes lo's view as an input.
  Graph graph = parseModel("model decoder\ninput x : f32[1, 16, 17, 13]\n"
                           "lo = conv2d(x, out=16, kernel=1, act=relu)\n"
                           "small = conv2d(x, out=32, kernel=3, stride=4, pad=1)\n"
                           "up = resize(small, like=lo, mode=bilinear)\n"
                           "cat = concat(up, lo)\n"
                           "y = conv2d(cat, out=16, kernel=3, pad=1)\noutput y\n");
  Weights weights = randomWeights(graph, 8);
  std::vector<Tensor> inputs = pass_test::randomInputs(graph, 9);
  std::vector<Tensor> want = runReference(graph, weights, inputs);
  runPasses(graph, &weights, pipelinePasses("O2"));
  ASSERT_TRUE(isInPlaceConcat(graph.node(graph.find("cat"))));
  EXPECT_EQ(placementOf(graph, graph.find("lo")).offset, (std::vector<int64_t>{0, 32, 0, 0}));
  std::string error;
  std::vector<Tensor> got = codegen_test::compileAndRun(graph, weights, inputs, error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LE(codegen_test::relativeError(got[0], want[0]), 1e-4);
}
