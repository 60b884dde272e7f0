// place-interleaves, sink-activations and the code that writes the phases of
// in-place interleaves into their pixels: drawn transposed convs (kernel,
// stride, padding, output padding, channels, activation), read by a conv
// (the interleave lives in the arena) or returned (the caller's buffer),
// compiled after all of -O2 and checked against the reference interpreter;
// and the placement of a part nested in two in-place nodes, by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/InPlace.h"

#include "CodegenTestUtil.h"
#include "PassTestUtil.h"

using namespace atrous;

namespace {

int countInPlaceInterleaves(const Graph &graph) {
  int n = 0;
  for (const Node &node : graph.nodes)
    n += isInPlaceInterleave(node);
  return n;
}

// One drawn case: a transposed conv of input x<k>, its activation, and
// perhaps a 1x1 conv reading it.
std::string drawCase(codegen_test::Draw &draw, int k, std::string &outputs) {
  const std::string id = std::to_string(k);
  const int64_t channels = draw.pick<int64_t>({8, 16, 32});
  const int64_t out = draw.pick<int64_t>({3, 16, 32});
  const int64_t kernel = draw.range(2, 4), stride = draw.range(2, 3);
  const int64_t pad = draw.range(0, kernel - 1), outputPadding = draw.range(0, stride - 1);
  const std::string act = draw.pick<std::string>({"relu", "sigmoid", "none"});
  std::string text = "input x" + id + " : f32[1, " + std::to_string(channels) + ", " +
                     std::to_string(draw.range(3, 9)) + ", " + std::to_string(draw.range(3, 9)) +
                     "]\n";
  std::string up = "conv_transpose2d(x" + id + ", out=" + std::to_string(out) +
                   ", kernel=" + std::to_string(kernel) + ", stride=" + std::to_string(stride) +
                   ", pad=" + std::to_string(pad) +
                   ", output_padding=" + std::to_string(outputPadding) + ")";
  if (act != "none") up = act + "(" + up + ")";
  text += "u" + id + " = " + up + "\n";
  std::string last = "u" + id;
  if (draw.coin()) {
    text += "y" + id + " = conv2d(u" + id + ", out=16, kernel=1)\n";
    last = "y" + id;
  }
  outputs += "output " + last + "\n";
  return text;
}

} // namespace

TEST(PassPlaceInterleaves, DrawnTransposedConvsMatchTheReference) {
  codegen_test::Draw draw(2027);
  std::string text = "model placed\n", outputs;
  for (int k = 0; k < 10; ++k)
    text += drawCase(draw, k, outputs);
  Graph graph = parseModel(text + outputs);
  codegen_test::expectOptimizedMatchesReference(graph, 5, text);
  // Most interleaves are placed: not those whose phases lower-conv-transpose
  // built larger than the pixels they give (padding past the output), nor
  // planar ones of channels_last phases.
  EXPECT_GE(countInPlaceInterleaves(graph), 5) << text;
}

TEST(PassPlaceInterleaves, APartNestedInAConcatAndAnInterleaveStepsOverTheOtherPhase) {
  // b is channels 4..7 of c, and c is the odd columns of u: b's element
  // (n, ch, y, x) lives at u's (n, ch + 4, y, 2x + 1).
  Graph graph = parseModel("model m\ninput x : f32[1, 4, 5, 6]\n"
                           "a = relu(x)\nb = sigmoid(x)\nd = tanh(x)\ne = relu(x)\n"
                           "c = concat(a, b, axis=1, in_place=true)\n"
                           "f = concat(d, e, axis=1, in_place=true)\n"
                           "u = interleave(f, c, stride=[1, 2], size=[5, 12], in_place=true)\n"
                           "output u\n");
  const Placement b = placementOf(graph, graph.find("b"));
  EXPECT_EQ(b.root, graph.find("u"));
  EXPECT_EQ(b.offset, (std::vector<int64_t>{0, 4, 0, 1}));
  EXPECT_EQ(b.step, (std::vector<int64_t>{1, 1, 1, 2}));
  // u is planar [1, 8, 5, 12].
  EXPECT_EQ(storageStrides(graph, graph.find("b")), (std::vector<int64_t>{480, 60, 12, 2}));
  EXPECT_EQ(storageStrides(graph, graph.find("u")), (std::vector<int64_t>{480, 60, 12, 1}));
  // Unfused, a pipeline per node, the parts written in place give the
  // reference's output.
  Weights weights;
  std::vector<Tensor> inputs = pass_test::randomInputs(graph, 3);
  std::vector<Tensor> want = runReference(graph, weights, inputs);
  std::string error;
  std::vector<Tensor> got = codegen_test::compileAndRun(graph, weights, inputs, error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_LE(codegen_test::relativeError(got[0], want[0]), 1e-5);
}
