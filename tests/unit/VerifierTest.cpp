// The verifier catches graphs that break the IR's invariants when they were
// built or edited by hand (as passes will), naming the node and the problem.
#include <gtest/gtest.h>

#include "ir/Error.h"
#include "ir/Layout.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"
#include "ir/Weights.h"
#include "tests/unit/IrTestUtil.h"

using namespace atrous;
using namespace atrous::test;

namespace {

Graph smallGraph() {
  Graph g;
  g.name = "small";
  ValueId x = g.addInput("x", {DType::F32, {1, 3, 9, 9}});
  ValueId c = add(g, "c", OpKind::Conv2d, {x},
                  {{"out", int64_t{4}}, {"kernel", int64_t{3}}, {"pad", int64_t{1}}});
  ValueId b = add(g, "bn", OpKind::BatchNorm, {c});
  ValueId r = add(g, "r", OpKind::Relu, {b});
  g.outputs = {r};
  return g;
}

std::string verifyError(const Graph &g) {
  try {
    verify(g);
  } catch (const Error &e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(Verifier, AcceptsAWellFormedGraph) {
  EXPECT_NO_THROW(verify(smallGraph()));
}

TEST(Verifier, RejectsUseBeforeDefinition) {
  Graph g = smallGraph();
  std::swap(g.nodes[2], g.nodes[3]); // relu now reads bn, defined after it
  g.nodes[2].inputs = {3};
  g.nodes[3].inputs = {1};
  EXPECT_NE(verifyError(g).find("defined after it"), std::string::npos) << verifyError(g);
}

TEST(Verifier, RejectsStaleTypesAndDuplicateNames) {
  Graph g = smallGraph();
  g.nodes[1].type.shape[1] = 5;
  EXPECT_NE(verifyError(g).find("has type f32[1, 5, 9, 9] but its inputs give f32[1, 4, 9, 9]"),
            std::string::npos)
      << verifyError(g);
  g = smallGraph();
  g.nodes[3].name = "c";
  EXPECT_NE(verifyError(g).find("relu 'c': the name is used by an earlier node"),
            std::string::npos);
}

TEST(Verifier, RejectsBadAttributesAndMissingOutputs) {
  Graph g = smallGraph();
  g.nodes[1].attrs.set("dilation", std::vector<int64_t>{0});
  EXPECT_NE(verifyError(g).find("conv2d 'c': dilation must be at least 1"), std::string::npos);
  g = smallGraph();
  g.nodes[1].attrs.erase("stride");
  EXPECT_NE(verifyError(g).find("not normalized"), std::string::npos);
  g = smallGraph();
  g.outputs.clear();
  EXPECT_NE(verifyError(g).find("has no outputs"), std::string::npos);
  g = smallGraph();
  g.outputs = {42};
  EXPECT_NE(verifyError(g).find("does not exist"), std::string::npos);
}

// A model input or output out of the model's I/O layout (ir/Layout.h): the
// generated code's buffers would take the caller's data in another order.
// The text format cannot write one (setIoLayout sets both ends), a pass
// could.
TEST(Verifier, RejectsInputsAndOutputsOutOfTheIoLayout) {
  Graph g = smallGraph();
  setIoLayout(g, Layout::ChannelsLast);
  EXPECT_NO_THROW(verify(g));
  Graph input = g;
  input.nodes[0].attrs.erase("layout");
  EXPECT_NE(verifyError(input).find(
                "'x': a model input must be channels_last, the model's I/O layout (it is "
                "layout=planar)"),
            std::string::npos)
      << verifyError(input);
  Graph output = g;
  output.nodes[static_cast<size_t>(output.outputs[0])].attrs.set("layout", std::string("planar"));
  EXPECT_NE(verifyError(output).find("'r': a model output must be channels_last"),
            std::string::npos)
      << verifyError(output);
  setIoLayout(output, Layout::Planar);
  EXPECT_NO_THROW(verify(output));
}

TEST(Verifier, ErrorsCarryTheSourceLocation) {
  Graph g = smallGraph();
  g.nodes[2].loc = {"m.atr", 7, 3};
  g.nodes[2].inputs = {3};
  EXPECT_EQ(verifyError(g).rfind("m.atr:7:3: error: batchnorm 'bn'", 0), 0u) << verifyError(g);
}

TEST(Weights, ParamSpecsFollowPyTorchNamesAndLayouts) {
  Graph g;
  ValueId x = g.addInput("x", {DType::F32, {1, 8, 9, 9}});
  ValueId c =
      add(g, "enc.conv", OpKind::Conv2d, {x},
          {{"out", int64_t{6}}, {"kernel", std::vector<int64_t>{3, 1}}, {"groups", int64_t{2}}});
  ValueId t = add(g, "up", OpKind::ConvTranspose2d, {c},
                  {{"out", int64_t{4}},
                   {"kernel", int64_t{2}},
                   {"stride", int64_t{2}},
                   {"groups", int64_t{2}},
                   {"bias", false}});
  ValueId bn = add(g, "bn", OpKind::BatchNorm, {t});
  g.outputs = {bn};
  std::vector<ParamSpec> specs = paramSpecs(g);
  ASSERT_EQ(specs.size(), 7u);
  EXPECT_EQ(specs[0].name, "enc.conv.weight");
  EXPECT_EQ(specs[0].type.shape, (Shape{6, 4, 3, 1}));
  EXPECT_EQ(specs[1].name, "enc.conv.bias");
  EXPECT_EQ(specs[2].name, "up.weight");
  EXPECT_EQ(specs[2].type.shape, (Shape{6, 2, 2, 2})); // [C, out/groups, k, k]
  EXPECT_EQ(specs[6].name, "bn.running_var");
}

TEST(Weights, CheckNamesTheOffendingTensor) {
  Graph g = smallGraph();
  Weights w;
  for (const ParamSpec &p : paramSpecs(g))
    w.emplace(p.name, Tensor(p.type));
  EXPECT_NO_THROW(checkWeights(g, w));

  auto message = [&](const Weights &bad) {
    try {
      checkWeights(g, bad);
    } catch (const Error &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Weights missing = w;
  missing.erase("bn.running_mean");
  EXPECT_EQ(message(missing), "weight 'bn.running_mean' is missing");
  Weights extra = w;
  extra.emplace("head.weight", Tensor(DType::F32, {2}));
  EXPECT_EQ(message(extra),
            "weight 'head.weight' [2] does not belong to any node of model 'small'");
  Weights misShaped = w;
  misShaped["c.weight"] = Tensor(DType::F32, {4, 3, 3});
  EXPECT_EQ(message(misShaped), "weight 'c.weight' has shape [4, 3, 3], expected [4, 3, 3, 3]");
  Weights misTyped = w;
  misTyped["c.bias"] = Tensor(DType::I32, {4});
  EXPECT_EQ(message(misTyped), "weight 'c.bias' has dtype i32, expected f32");
}

TEST(Printer, PrintsNonDefaultAttributesAndTypes) {
  Graph g = smallGraph();
  EXPECT_EQ(printGraph(g), "model small\n"
                           "input x : f32[1, 3, 9, 9]\n"
                           "c = conv2d(x, out=4, kernel=3, pad=1)  # f32[1, 4, 9, 9]\n"
                           "bn = batchnorm(c)  # f32[1, 4, 9, 9]\n"
                           "r = relu(bn)  # f32[1, 4, 9, 9]\n"
                           "output r\n");
  Graph h;
  h.name = "kw";
  ValueId x = h.addInput("x", {DType::F32, {1, 2, 4, 4}});
  ValueId y = h.addInput("y", {DType::F32, {1, 2, 8, 6}});
  ValueId r = add(h, "r", OpKind::Resize, {x, y},
                  {{"mode", std::string("bilinear")}, {"align_corners", true}});
  ValueId s = add(h, "s", OpKind::Resize, {r}, {{"scale", std::vector<double>{0.5, 1.5}}});
  h.outputs = {s};
  std::string text = printGraph(h);
  EXPECT_NE(text.find("r = resize(x, like=y, mode=bilinear, align_corners=true)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("s = resize(r, scale=[0.5, 1.5])  # f32[1, 2, 4, 9]"), std::string::npos)
      << text;
}
