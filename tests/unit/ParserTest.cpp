// The .atr parser: what valid models turn into (names, ops, attributes,
// inputs, shapes), block expansion and its naming, integer arithmetic in
// attributes, input-shape overrides, where errors point, print/parse round
// trips, and a bounded fuzz run that must only ever produce atrous::Error.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>

#include "frontend/Parser.h"
#include "ir/Error.h"
#include "ir/Printer.h"

using namespace atrous;

namespace {

const char *const kAsppHead = R"(# ASPP head of DeepLab v3+
model aspp_head
input  feat : f32[1, 64, 33, 33]

block aspp_branch(x, rate) {
  y = conv2d(x, out=32, kernel=3, dilation=rate, pad=rate, bias=false)
  y = batchnorm(y)
  return relu(y)
}

b0   = relu(batchnorm(conv2d(feat, out=32, kernel=1, bias=false)))
b1   = aspp_branch(feat, rate=6)
b2   = aspp_branch(feat, rate=12)
pool = global_avg_pool(feat)
b4   = resize(relu(conv2d(pool, out=32, kernel=1)), like=feat, mode=bilinear)
cat  = concat(b0, b1, b2, b4, axis=1)
output proj = relu(batchnorm(conv2d(cat, out=32, kernel=1, bias=false)))
)";

const char *const kWaveNet = R"(model wavenet
input audio : f32[1, 16, 100]

block layer(x, d) {
  f = tanh(conv1d(x, out=16, kernel=2, dilation=d, pad=causal))
  g = sigmoid(conv1d(x, out=16, kernel=2, dilation=d, pad=causal))
  z = conv1d(mul(f, g), out=16, kernel=1)
  return add(x, z)
}

h = layer(audio, d=1)
h = layer(h, d=2)
h = layer(h, d=4)
output logits = softmax(conv1d(relu(h), out=8, kernel=1), axis=1)
)";

const char *const kMixedOps = R"(input x : f32[2, 8, 16, 16]
up = conv_transpose2d(x, out=4, kernel=4, stride=2, pad=1, output_padding=0, groups=2)
dw = conv2d(x, out=8, kernel=[3, 1], groups=8, pad=[1, 0], stride=[2, 1])
pooled = max_pool2d(x, kernel=3, stride=2, pad=1, ceil_mode=true)
avg = avg_pool2d(x, kernel=2, count_include_pad=false)
sized = resize(pooled, size=[5, 7])
scaled = resize(avg, scale=[2.5, 1.5], mode=bilinear, align_corners=true)
padded = pad(x, pad=[1, 2, 3, 4], mode=reflect)
filled = pad(x, pad=1, value=-0.25)
cut = slice(x, axis=2, start=-8, end=15, step=3)
leaky = leaky_relu(cut, alpha=0.2)
flat = flatten(global_max_pool(x))
fc = linear(flat, out=3, bias=false)
shaped = reshape(x, shape=[0, -1, 4])
best = argmax(x, axis=1, keepdims=false)
output up
output dw
output sized
output scaled
output padded
output filled
output leaky
output fc
output shaped
output best
)";

Graph parse(const std::string &text, const std::string &file = "test.atr",
            const ParseOptions &options = {}) {
  return parseModel(text, file, options);
}

const Node &nodeNamed(const Graph &g, const std::string &name) {
  ValueId id = g.find(name);
  if (id < 0) throw std::runtime_error("no node named " + name);
  return g.node(id);
}

std::vector<std::string> nodeNames(const Graph &g) {
  std::vector<std::string> names;
  for (const Node &n : g.nodes)
    names.push_back(n.name);
  return names;
}

std::string inputName(const Graph &g, const Node &n, size_t i) {
  return g.node(n.inputs.at(i)).name;
}

struct ErrorAt {
  int line = 0, col = 0;
  std::string message; // SourceError::message()
  std::string full;    // what()
};

ErrorAt errorOf(const std::string &text, const ParseOptions &options = {}) {
  try {
    parse(text, "test.atr", options);
  } catch (const SourceError &e) {
    return {e.loc().line, e.loc().col, e.message(), e.what()};
  }
  return {0, 0, "no error", "no error"};
}

} // namespace

TEST(Parser, AsppHeadNodesAttributesAndShapes) {
  Graph g = parse(kAsppHead);
  EXPECT_EQ(g.name, "aspp_head");
  EXPECT_EQ(nodeNames(g),
            (std::vector<std::string>{"feat", "b0.conv2d", "b0.batchnorm", "b0", "b1.y", "b1.y_1",
                                      "b1", "b2.y", "b2.y_1", "b2", "pool", "b4.conv2d", "b4.relu",
                                      "b4", "cat", "proj.conv2d", "proj.batchnorm", "proj"}))
      << "nodes come in evaluation order, inputs before their users";

  const Node &b1conv = nodeNamed(g, "b1.y");
  EXPECT_EQ(b1conv.op, OpKind::Conv2d);
  EXPECT_EQ(inputName(g, b1conv, 0), "feat");
  EXPECT_EQ(b1conv.attrs.getInt("out"), 32);
  EXPECT_EQ(b1conv.attrs.getInts("dilation"), (std::vector<int64_t>{6}));
  EXPECT_EQ(b1conv.attrs.getInts("pad"), (std::vector<int64_t>{6}));
  EXPECT_FALSE(b1conv.attrs.getBool("bias"));
  EXPECT_EQ(b1conv.type.shape, (Shape{1, 32, 33, 33}));
  EXPECT_EQ(b1conv.loc.line, 6);
  EXPECT_EQ(b1conv.loc.col, 7);

  const Node &b4 = nodeNamed(g, "b4");
  EXPECT_EQ(b4.op, OpKind::Resize);
  ASSERT_EQ(b4.inputs.size(), 2u);
  EXPECT_EQ(inputName(g, b4, 0), "b4.relu");
  EXPECT_EQ(inputName(g, b4, 1), "feat");
  EXPECT_EQ(b4.attrs.getString("mode"), "bilinear");
  EXPECT_EQ(b4.type.shape, (Shape{1, 32, 33, 33}));
  EXPECT_EQ(b4.loc.line, 15);
  EXPECT_EQ(b4.loc.col, 8);

  const Node &cat = nodeNamed(g, "cat");
  EXPECT_EQ(cat.inputs.size(), 4u);
  EXPECT_EQ(cat.type.shape, (Shape{1, 128, 33, 33}));
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.node(g.outputs[0]).name, "proj");
  EXPECT_EQ(g.type(g.outputs[0]).shape, (Shape{1, 32, 33, 33}));
}

TEST(Parser, ModelNameDefaultsToFileStem) {
  const std::string body = "input x : f32[1, 2]\noutput y = relu(x)\n";
  EXPECT_EQ(parse(body, "some/dir/my_net.atr").name, "my_net");
  EXPECT_EQ(parseModel(body).name, "model");
  EXPECT_EQ(parse("model named\n" + body, "other.atr").name, "named");
}

TEST(Parser, ParsesFilesAndReportsUnreadableOnes) {
  std::string path = testing::TempDir() + "parser_test_model.atr";
  {
    std::ofstream out(path, std::ios::binary);
    out << "input x : f32[1, 2]\noutput y = relu(x)\n";
  }
  Graph g = parseModelFile(path);
  EXPECT_EQ(g.name, "parser_test_model");
  EXPECT_EQ(g.node(g.find("y")).loc.file, path);
  std::remove(path.c_str());
  EXPECT_THROW(parseModelFile(path), Error);
}

TEST(Parser, RebindingAndNestedNamesGetSuffixes) {
  Graph g = parse(R"(input x : f32[1, 4, 8]
x = relu(x)
x = relu(x)
y = add(relu(x), relu(x))
output y
)");
  EXPECT_EQ(nodeNames(g), (std::vector<std::string>{"x", "x_1", "x_2", "y.relu", "y.relu_1", "y"}));
  const Node &y = nodeNamed(g, "y");
  EXPECT_EQ(inputName(g, y, 0), "y.relu");
  EXPECT_EQ(inputName(g, y, 1), "y.relu_1");
  EXPECT_EQ(inputName(g, nodeNamed(g, "y.relu"), 0), "x_2");
  EXPECT_EQ(inputName(g, nodeNamed(g, "x_2"), 0), "x_1");
}

TEST(Parser, AliasesBindWithoutNodes) {
  Graph g = parse("input x : f32[1, 2, 3]\ny = x\noutput z = y\n");
  EXPECT_EQ(g.nodes.size(), 1u);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0], 0);
}

TEST(Parser, BlockExpansionNamesNodesUnderTheCall) {
  Graph g = parse(R"(input x : f32[1, 4, 8, 8]
y = outer(x, k=3)
z = relu(outer(x, k=1))
output z
output y
block outer(t, k) {
  a = inner(t, k=k)
  return relu(batchnorm(a))
}
block inner(t, k) {
  return conv2d(t, out=4, kernel=k, pad=(k - 1) / 2)
}
)");
  EXPECT_EQ(nodeNames(g), (std::vector<std::string>{"x", "y.a", "y.batchnorm", "y", "z.outer.a",
                                                    "z.outer.batchnorm", "z.outer", "z"}));
  EXPECT_EQ(nodeNamed(g, "y.a").op, OpKind::Conv2d);
  EXPECT_EQ(nodeNamed(g, "y.a").attrs.getInts("kernel"), (std::vector<int64_t>{3}));
  EXPECT_EQ(nodeNamed(g, "y.a").attrs.getInts("pad"), (std::vector<int64_t>{1}));
  EXPECT_EQ(nodeNamed(g, "z.outer.a").attrs.getInts("pad"), (std::vector<int64_t>{0}));
  EXPECT_EQ(inputName(g, nodeNamed(g, "z"), 0), "z.outer");
  // Nodes made by a block point into the block body.
  EXPECT_EQ(nodeNamed(g, "y.a").loc.line, 11);
  EXPECT_EQ(g.node(g.outputs[0]).name, "z");
  EXPECT_EQ(g.node(g.outputs[1]).name, "y");
}

TEST(Parser, BlockParametersBindPositionallyOrByKeyword) {
  const std::string blocks = R"(
block scale(x, gain, mode) {
  r = resize(x, scale=gain, mode=mode)
  return r
}
)";
  Graph byKeyword = parse("input i : f32[1, 1, 4, 4]\n"
                          "output o = scale(mode=bilinear, gain=2, x=i)\n" +
                          blocks);
  Graph positional = parse("input i : f32[1, 1, 4, 4]\n"
                           "output o = scale(i, 2, \"nearest\")\n" +
                           blocks);
  // A returned plain name binds the call's value: no node named `o`.
  EXPECT_EQ(nodeNames(byKeyword), (std::vector<std::string>{"i", "o.r"}));
  EXPECT_EQ(nodeNamed(byKeyword, "o.r").attrs.getString("mode"), "bilinear");
  EXPECT_EQ(nodeNamed(positional, "o.r").attrs.getString("mode"), "nearest");
  EXPECT_EQ(nodeNamed(byKeyword, "o.r").type.shape, (Shape{1, 1, 8, 8}));
  EXPECT_EQ(byKeyword.node(byKeyword.outputs[0]).name, "o.r");
}

TEST(Parser, BlockTensorArgumentsMayBeCalls) {
  Graph g = parse(R"(input i : f32[1, 2, 5, 5]
block twice(a, b) { return add(a, b) }
s = twice(relu(i), b=sigmoid(i))
output s
)");
  EXPECT_EQ(nodeNames(g), (std::vector<std::string>{"i", "s.relu", "s.sigmoid", "s"}));
  EXPECT_EQ(nodeNamed(g, "s").op, OpKind::Add);
}

TEST(Parser, IntegerArithmeticInAttributes) {
  Graph g = parse(R"(input x : f32[1, 4, 64, 64]
block c(x, k, r) {
  return conv2d(x, out=2 * 3 + 1, kernel=k, dilation=r, pad=(k - 1) / 2 * r)
}
a = c(x, k=3, r=4)
b = slice(x, axis=-1 + 3, start=-(2 * 3), end=-7 / 2, step=10 - 3 * 3)
output a
output b
)");
  const Node &a = nodeNamed(g, "a");
  EXPECT_EQ(a.attrs.getInt("out"), 7);
  EXPECT_EQ(a.attrs.getInts("pad"), (std::vector<int64_t>{4}));
  EXPECT_EQ(a.type.shape, (Shape{1, 7, 64, 64}));
  const Node &b = nodeNamed(g, "b");
  EXPECT_EQ(b.attrs.getInt("axis"), 2);
  EXPECT_EQ(b.attrs.getInt("start"), -6);
  EXPECT_EQ(b.attrs.getInt("end"), -3) << "division truncates toward zero";
  EXPECT_EQ(b.attrs.getInt("step"), 1);
  EXPECT_EQ(b.type.shape, (Shape{1, 4, 3, 64}));
}

TEST(Parser, AttributeValueForms) {
  Graph g = parse(R"(input x : f32[1, 3, 9, 9]
a = conv2d(x, out=3, kernel=[3, 1], pad=same, bias=false)
b = resize(x, scale=[2, 1.5])
c = leaky_relu(x, alpha=-0.5)
d = pad(x, pad=[1, 1], mode="edge", value=2)
output a
output b
output c
output d
)");
  EXPECT_EQ(nodeNamed(g, "a").attrs.getInts("kernel"), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(nodeNamed(g, "a").attrs.getString("pad"), "same");
  EXPECT_EQ(nodeNamed(g, "a").type.shape, (Shape{1, 3, 9, 9}));
  EXPECT_EQ(nodeNamed(g, "b").attrs.getFloats("scale"), (std::vector<double>{2.0, 1.5}));
  EXPECT_EQ(nodeNamed(g, "b").type.shape, (Shape{1, 3, 18, 13}));
  EXPECT_EQ(nodeNamed(g, "c").attrs.getFloat("alpha"), -0.5);
  EXPECT_EQ(nodeNamed(g, "d").attrs.getString("mode"), "edge");
  EXPECT_EQ(nodeNamed(g, "d").attrs.getFloat("value"), 2.0);
}

TEST(Parser, InputShapeOverride) {
  ParseOptions options;
  options.inputShapes["feat"] = {2, 64, 17, 21};
  Graph g = parse(kAsppHead, "aspp.atr", options);
  EXPECT_EQ(g.type(g.find("feat")).shape, (Shape{2, 64, 17, 21}));
  EXPECT_EQ(g.type(g.outputs[0]).shape, (Shape{2, 32, 17, 21}));

  ParseOptions unknown;
  unknown.inputShapes["nope"] = {1, 2};
  EXPECT_NE(errorOf(kAsppHead, unknown).message.find("'nope'"), std::string::npos);
}

TEST(Parser, KeywordsAreOnlyKeywordsInTheirPlace) {
  Graph g = parse("input input : f32[1, 2]\noutput = relu(input)\nmodel = relu(output)\n"
                  "output model\n");
  EXPECT_EQ(nodeNames(g), (std::vector<std::string>{"input", "output", "model"}));
}

TEST(Parser, ErrorsPointAtTheProblem) {
  struct Case {
    std::string text;
    int line, col;
    std::string message;
  };
  const std::string in = "input x : f32[1, 4, 8, 8]\n";
  const std::vector<Case> cases = {
      {in + "y = relu(x\noutput y\n", 3, 1,
       "expected ')' or ',' in the arguments of 'relu', got 'output'"},
      {in + "y = relu(x) @\n", 2, 13, "unexpected '@'"},
      {in + "y = pad(x, mode=\"edge)\n", 2, 17, "unterminated string"},
      {in + "y = conv3d(x, out=1, kernel=1)\noutput y\n", 2, 5,
       "unknown op 'conv3d'; did you mean 'conv1d' or 'conv2d'?"},
      {in + "y = conv2d(x, out=1, kernel=1, padding=1)\noutput y\n", 2, 32,
       "unknown attribute 'padding' for conv2d; valid: residual, out, kernel, stride, "
       "dilation, pad, groups, bias, act, alpha, residual_in_place, layout, group, arena_offset"},
      {in + "y = conv2d(x, out=1, kernel=1, out=2)\noutput y\n", 2, 32,
       "attribute 'out' is given twice"},
      {in + "y = conv2d(x, x, out=1, kernel=1)\noutput y\n", 2, 15, "conv2d takes 1 input, got 2"},
      {in + "y = add(x)\noutput y\n", 2, 5, "add takes 2 inputs, got 1"},
      {in + "y = relu(z)\noutput y\n", 2, 10, "undefined value 'z'"},
      {in + "y = resize(x, like=z)\noutput y\n", 2, 20, "undefined value 'z'"},
      {in + "y = relu(3)\noutput y\n", 2, 10, "expected a tensor, got an integer"},
      {in + "input x : f32[1, 2]\n", 2, 7, "duplicate input 'x'"},
      {"input x : f32[1, 0, 3]\n", 1, 18, "input dimension must be at least 1, got 0"},
      {"input x : f16[1]\n", 1, 11, "unknown dtype 'f16'; expected f32 or i32"},
      {in + "y = relu(x)\n", 0, 0, "the model has no outputs"},
      {in + "y = slice(x, axis=1, end=99999999999999999999)\n", 2, 26,
       "integer literal '99999999999999999999' is out of range"},
      {in + "y = slice(x, axis=1, end=9223372036854775807 + 1)\n", 2, 46,
       "integer overflow in '+'"},
      {in + "y = slice(x, axis=1, end=4 / (2 - 2))\noutput y\n", 2, 28, "division by zero"},
      {in + "y = slice(x, axis=1, end=2 * 1.5)\noutput y\n", 2, 30,
       "arithmetic needs integers, got 1.5"},
      {in + "return relu(x)\n", 2, 1, "'return' outside a block"},
      {in + "output y\n", 2, 8, "undefined value 'y'"},
      {in + "output x\noutput x\n", 3, 8, "'x' is already an output"},
      {in + "model m\n", 2, 1, "'model' must be the first statement"},
      {in + "block b(t) {\n  u = relu(t)\n}\n", 4, 1, "block 'b' has no 'return'"},
      {in + "block b(t, t) { return t }\n", 2, 12, "duplicate parameter 't' in block 'b'"},
      {in + "block b(t) { return t }\nblock b(u) { return u }\n", 3, 7,
       "block 'b' is already defined at test.atr:2:7"},
      {in + "block relu(t) { return t }\n", 2, 7, "block 'relu' has the name of an op"},
      {in + "block b(t) { return relu(b(t)) }\ny = b(x)\noutput y\n", 2, 26,
       "recursive block call: b -> b"},
      {in + "block p(t) { return q(t) }\nblock q(t) { u = p(t)\n return u }\n", 3, 18,
       "recursive block call: p -> q -> p"},
      {in + "block b(t, k) { return conv2d(t, out=1, kernel=k) }\ny = b(x)\noutput y\n", 3, 5,
       "parameter 'k' of block 'b' is not bound"},
      {in + "block b(t) { return t }\ny = b(x, k=1)\noutput y\n", 3, 10,
       "block 'b' has no parameter 'k'; parameters: t"},
      {in + "block b(t) { return t }\ny = b(x, t=x)\noutput y\n", 3, 10,
       "parameter 't' of block 'b' is bound twice"},
      {in + "block b(t) { return t }\ny = b(x, x)\noutput y\n", 3, 10,
       "block 'b' takes 1 argument, got 2"},
      {in + "block b(t, k) { return conv2d(t, out=1, kernel=t) }\ny = b(x, k=1)\noutput y\n", 2, 48,
       "block parameter 't' is a tensor and cannot be used as an attribute value (in block "
       "'b' called at test.atr:3:5)"},
      {in + "block b(t, k) { return relu(k) }\ny = b(x, 3)\noutput y\n", 2, 29,
       "'k' is the value 3, not a tensor (in block 'b' called at test.atr:3:5)"},
      {in + "y = relu(relu(relu(relu(" + std::string(300, '(') + "x", 2, 0,
       "expression nested too deeply"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.text);
    ErrorAt e = errorOf(c.text);
    EXPECT_EQ(e.message, c.message) << e.full;
    EXPECT_EQ(e.line, c.line) << e.full;
    if (c.col) {
      EXPECT_EQ(e.col, c.col) << e.full;
    }
  }
}

TEST(Parser, NulByteInTheMiddleOfALine) {
  std::string text = "input x : f32[1, 2]\ny = relu(x)";
  text += '\0';
  text += "\noutput y\n";
  ErrorAt e = errorOf(text);
  EXPECT_EQ(e.message, "unexpected byte 0x00");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 12);
  EXPECT_NE(e.full.find("  y = relu(x)?\n"), std::string::npos) << e.full;
}

TEST(Parser, SchemaErrorsQuoteTheLine) {
  ErrorAt e = errorOf("input x : f32[1, 4, 8, 8]\ny = conv2d(x, out=4, kernel=3, groups=3)\n"
                      "output y\n");
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.col, 5);
  EXPECT_NE(e.message.find("groups 3 does not divide"), std::string::npos) << e.full;
  EXPECT_NE(e.full.find("\n  y = conv2d(x, out=4, kernel=3, groups=3)\n      ^"), std::string::npos)
      << e.full;
}

TEST(Parser, HugeShapesFailCleanly) {
  ErrorAt e = errorOf("input x : f32[1000000000, 1000000000, 1000, 1000]\noutput x\n");
  EXPECT_EQ(e.line, 1);
  EXPECT_NE(e.message.find("too many elements"), std::string::npos) << e.full;
}

TEST(Parser, ExpansionIsBounded) {
  // 65 blocks, each calling the next: deeper than the nesting limit.
  std::string chain = "input x : f32[1, 2]\noutput y = b0(x)\n";
  for (int i = 0; i < 65; ++i)
    chain += "block b" + std::to_string(i) + "(t) { return b" + std::to_string(i + 1) + "(t) }\n";
  chain += "block b65(t) { return relu(t) }\n";
  EXPECT_NE(errorOf(chain).message.find("nested more than 64 deep"), std::string::npos);

  // Each level calls the one below twice: 2^40 expansions if unbounded.
  std::string doubling = "input x : f32[1, 2]\noutput y = d0(x)\n";
  for (int i = 0; i < 40; ++i) {
    std::string next = "d" + std::to_string(i + 1);
    doubling += "block d" + std::to_string(i) + "(t) { u = " + next + "(t)\n v = " + next +
                "(u)\n return v }\n";
  }
  doubling += "block d40(t) { return t }\n";
  auto start = std::chrono::steady_clock::now();
  ErrorAt e = errorOf(doubling);
  EXPECT_TRUE(e.message.find("steps to expand") != std::string::npos ||
              e.message.find("node names take more than") != std::string::npos)
      << e.full;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Parser, PrintThenParseRoundTrips) {
  const std::vector<std::pair<std::string, std::string>> models = {
      {"aspp.atr", kAsppHead}, {"wavenet.atr", kWaveNet}, {"mixed.atr", kMixedOps}};
  for (const auto &[file, text] : models) {
    SCOPED_TRACE(file);
    Graph g = parse(text, file);
    std::string printed = printGraph(g);
    Graph back = parse(printed, "printed.atr");
    EXPECT_TRUE(back == g) << printed << "\n---\n" << printGraph(back);
    EXPECT_EQ(printGraph(back), printed);
  }
}

TEST(Parser, WaveNetBlocksExpandPerLayer) {
  Graph g = parse(kWaveNet);
  // Three layers, each 3 convs + tanh, sigmoid, mul, add; then conv, relu, softmax.
  EXPECT_EQ(g.nodes.size(), 1u + 3 * 7 + 3);
  EXPECT_EQ(nodeNamed(g, "h_1.f.conv1d").attrs.getInts("dilation"), (std::vector<int64_t>{2}));
  EXPECT_EQ(nodeNamed(g, "h_2.g.conv1d").attrs.getInts("dilation"), (std::vector<int64_t>{4}));
  EXPECT_EQ(nodeNamed(g, "h_2.z.mul").op, OpKind::Mul);
  EXPECT_EQ(inputName(g, nodeNamed(g, "h_2"), 0), "h_1");
  EXPECT_EQ(g.type(g.outputs[0]).shape, (Shape{1, 8, 100}));
}

// Random bytes and random edits of valid models: the parser may reject them
// but only ever with atrous::Error. Time-bounded; the seed is printed so that
// a crash can be replayed with ATROUS_FUZZ_SEED.
TEST(Parser, FuzzedInputOnlyThrowsAtrousErrors) {
  uint64_t seed = std::random_device{}();
  if (const char *env = std::getenv("ATROUS_FUZZ_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::cout << "fuzz seed " << seed << " (replay with ATROUS_FUZZ_SEED)" << std::endl;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };

  const std::vector<std::string> seeds = {kAsppHead, kWaveNet, kMixedOps};
  const std::vector<std::string> fragments = {"(",       ")",
                                              "[",       "]",
                                              "{",       "}",
                                              ",",       "=",
                                              ":",       "-",
                                              "*",       "/",
                                              "+",       "\"",
                                              "#",       "\n",
                                              " ",       std::string(1, '\0'),
                                              "\xff",    "block",
                                              "return",  "output",
                                              "input",   "model",
                                              "x",       "feat",
                                              "relu(",   "aspp_branch(",
                                              "conv2d(", "9223372036854775808",
                                              "0",       "1e308",
                                              "1e999",   "-1",
                                              "f32[",    "i32",
                                              "like=",   "rate",
                                              "pad=",    "same",
                                              "true",    "2.5"};
  auto mutate = [&](std::string s) {
    int edits = 1 + static_cast<int>(pick(4));
    for (int k = 0; k < edits; ++k) {
      size_t at = s.empty() ? 0 : pick(s.size() + 1);
      switch (pick(4)) {
      case 0:
        s.insert(at, fragments[pick(fragments.size())]);
        break;
      case 1:
        if (!s.empty()) s.erase(std::min(at, s.size() - 1), 1 + pick(8));
        break;
      case 2:
        if (at < s.size()) s[at] = static_cast<char>(rng());
        break;
      default:
        if (at < s.size()) s.insert(at, s.substr(at, pick(40)));
        break;
      }
    }
    return s;
  };

  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  int runs = 0, accepted = 0;
  while (std::chrono::steady_clock::now() < deadline && runs < 20000) {
    std::string text;
    if (runs % 4 == 0) {
      size_t n = pick(200);
      for (size_t i = 0; i < n; ++i)
        text += static_cast<char>(rng());
    } else if (runs % 4 == 1) {
      for (size_t i = 0, n = pick(30); i < n; ++i)
        text += fragments[pick(fragments.size())];
    } else {
      text = mutate(seeds[pick(seeds.size())]);
    }
    ++runs;
    try {
      Graph g = parseModel(text, "fuzz.atr");
      ++accepted;
      Graph back = parseModel(printGraph(g), "printed.atr");
      EXPECT_TRUE(back == g) << "round trip failed for:\n" << text;
    } catch (const Error &) {
    } catch (const std::exception &e) {
      ADD_FAILURE() << "non-atrous exception " << e.what() << " for input:\n" << text;
    }
  }
  EXPECT_GT(runs, 100);
  std::cout << "fuzz: " << runs << " inputs, " << accepted << " accepted" << std::endl;
}
