// Generated code over channels_last values (ir/Layout.h) against the
// reference interpreter. Layouts never change a result, only strides and
// schedules, so each case sets them at random on every value that may take
// one (the model's outputs stay planar): producers and consumers of every
// op family meet in every pairing of layouts, including pairings the
// assign-layouts pass would not choose (a channels_last softmax or gated
// conv) and conv weights packed output-channels-innermost. Shapes, kernels,
// dilations and strides are drawn from a fixed seed.
#include "CodegenTestUtil.h"
#include "frontend/Parser.h"
#include "ir/Layout.h"
#include "ir/ResidualInPlace.h"

namespace atrous::codegen_test {
namespace {

constexpr uint64_t kSeed = 20261129;

class LayoutCases {
public:
  LayoutCases(CaseGraph &cases, Draw &draw) : cases_(cases), draw_(draw) {}

  // op(inputs) with a random layout.
  ValueId op(OpKind kind, std::vector<ValueId> inputs, AttrList attrs = {}) {
    if (draw_.coin()) attrs.emplace_back("layout", std::string("channels_last"));
    return cases_.op(kind, std::move(inputs), attrs);
  }
  // The case's planar output, reading `v` through one more op.
  void finish(ValueId v) { cases_.output(cases_.op(OpKind::Relu, {v})); }

private:
  CaseGraph &cases_;
  Draw &draw_;
};

Shape image(Draw &d, int64_t channels) {
  return {1, channels, d.range(5, 19), d.range(5, 19)};
}

void addCases(CaseGraph &cases, Draw &d) {
  LayoutCases l(cases, d);
  for (int k = 0; k < 4; ++k) {
    const int64_t kernel = d.pick<int64_t>({1, 3}), dilation = d.range(1, 3);
    const int64_t stride = d.range(1, 2), out = d.pick<int64_t>({16, 32, 24});
    const std::string act = d.pick<std::string>({"none", "relu", "sigmoid"});
    const Shape in = image(d, d.pick<int64_t>({3, 16}));
    cases.begin("conv2d k" + std::to_string(kernel) + " d" + std::to_string(dilation) + " s" +
                std::to_string(stride) + " out " + std::to_string(out) + " act " + act + " on " +
                shapeStr(in));
    ValueId x = cases.input(in);
    ValueId c = l.op(OpKind::Conv2d, {x},
                     {{"out", out},
                      {"kernel", Ints{kernel}},
                      {"dilation", Ints{dilation}},
                      {"stride", Ints{stride}},
                      {"pad", Ints{dilation * (kernel - 1) / 2}},
                      {"act", act}});
    ValueId r = l.op(OpKind::Relu, {c});
    // A second conv reads the first's layout and adds it back as residual.
    ValueId c2 = l.op(OpKind::Conv2d, {r, c},
                      {{"out", out}, {"kernel", Ints{3}}, {"pad", Ints{1}}, {"act", "relu"}});
    l.finish(c2);
  }
  {
    const Shape in = image(d, 32);
    cases.begin("depthwise and grouped conv2d on " + shapeStr(in));
    ValueId x = cases.input(in);
    ValueId dw = l.op(OpKind::Conv2d, {x},
                      {{"out", int64_t{32}},
                       {"kernel", Ints{3}},
                       {"dilation", Ints{2}},
                       {"pad", Ints{2}},
                       {"groups", int64_t{32}}});
    ValueId g = l.op(OpKind::Conv2d, {dw},
                     {{"out", int64_t{16}}, {"kernel", Ints{1}}, {"groups", int64_t{4}}});
    l.finish(g);
  }
  {
    const int64_t length = d.range(20, 60), dilation = d.range(1, 8);
    cases.begin("causal conv1d dilation " + std::to_string(dilation));
    ValueId x = cases.input({1, 16, length});
    ValueId c = l.op(OpKind::Conv1d, {x},
                     {{"out", int64_t{32}},
                      {"kernel", Ints{2}},
                      {"dilation", Ints{dilation}},
                      {"pad", std::string("causal")},
                      {"act", "tanh"}});
    ValueId gated =
        l.op(OpKind::Conv1d, {c},
             {{"out", int64_t{32}}, {"kernel", Ints{3}}, {"pad", Ints{1}}, {"act", "gated"}});
    ValueId half = l.op(OpKind::Slice, {c},
                        {{"axis", int64_t{1}}, {"start", int64_t{0}}, {"end", int64_t{16}}});
    l.finish(l.op(OpKind::Add, {gated, half}));
  }
  {
    const Shape in = image(d, 16);
    cases.begin("conv_transpose2d k4 s2 p1 on " + shapeStr(in));
    ValueId x = cases.input(in);
    ValueId t =
        l.op(OpKind::ConvTranspose2d, {x},
             {{"out", int64_t{16}}, {"kernel", Ints{4}}, {"stride", Ints{2}}, {"pad", Ints{1}}});
    l.finish(l.op(OpKind::Relu, {t}));
  }
  {
    const Shape in = image(d, 16);
    cases.begin("pools, resize, pad, concat, broadcast add on " + shapeStr(in));
    ValueId x = cases.input(in);
    ValueId bias = cases.input({1, 16, 1, 1});
    ValueId c = l.op(OpKind::Conv2d, {x}, {{"out", int64_t{16}}, {"kernel", Ints{1}}});
    ValueId mp =
        l.op(OpKind::MaxPool2d, {c}, {{"kernel", Ints{3}}, {"stride", Ints{2}}, {"pad", Ints{1}}});
    ValueId ap = l.op(OpKind::AvgPool2d, {mp}, {{"kernel", Ints{2}}, {"ceil_mode", true}});
    ValueId up = l.op(OpKind::Resize, {ap, c}, {{"mode", std::string("bilinear")}});
    ValueId padded =
        l.op(OpKind::Pad, {up}, {{"pad", Ints{1, 2}}, {"mode", std::string("reflect")}});
    ValueId cut = l.op(OpKind::Slice, {padded},
                       {{"axis", int64_t{2}}, {"start", int64_t{1}}, {"end", int64_t{-1}}});
    ValueId sum = l.op(OpKind::Add, {cut, bias});
    l.finish(l.op(OpKind::Concat, {sum, c}, {{"axis", int64_t{3}}}));
  }
  {
    const Shape in = image(d, 16);
    cases.begin("interleaved phases, softmax and global pool on " + shapeStr(in));
    ValueId x = cases.input(in);
    std::vector<ValueId> phases;
    for (int p = 0; p < 4; ++p)
      phases.push_back(l.op(OpKind::Conv2d, {x}, {{"out", int64_t{16}}, {"kernel", Ints{1}}}));
    ValueId woven = l.op(OpKind::Interleave, phases,
                         {{"stride", Ints{2}}, {"size", Ints{in[2] * 2, in[3] * 2 - 1}}});
    ValueId soft = l.op(OpKind::Softmax, {woven});
    l.finish(soft);
    cases.output(cases.op(OpKind::GlobalAvgPool, {woven}));
  }
  // A planar softmax over the channels of a channels_last conv output stages
  // runs of pixels planar (codegen/ScheduleSoftmax.h): widths below, at and
  // past a run of 32, no multiple of a block of 8, and channels that fill no
  // block of 16.
  for (int rank : {3, 4}) {
    const int64_t channels = d.pick<int64_t>({8, 21, 64});
    const int64_t width = d.pick<int64_t>({8, 13, 32, 45, 70});
    const Shape in = rank == 4 ? Shape{1, 3, d.range(2, 5), width} : Shape{1, 3, width};
    cases.begin("softmax over the channels of channels_last " + shapeStr(in) + " -> " +
                std::to_string(channels));
    ValueId x = cases.input(in);
    ValueId c = cases.op(
        rank == 4 ? OpKind::Conv2d : OpKind::Conv1d, {x},
        {{"out", channels}, {"kernel", Ints{1}}, {"layout", std::string("channels_last")}});
    cases.output(cases.op(OpKind::Softmax, {c}, {{"axis", int64_t{rank == 4 ? -3 : 1}}}));
  }
  // Register tiles of a channels_last conv (codegen/Schedule.cpp,
  // pixelTile): a map a few columns wide stacks rows in the tile, the last
  // row of tiles overlapping the one before; a map of few pixel tiles and
  // many output channel tiles sweeps the channel tiles outermost.
  for (int64_t out : {32, 128}) {
    const Shape in = {1, 16, d.range(7, 17), d.pick<int64_t>({3, 5, 15})};
    cases.begin("channels_last conv2d tiles, out " + std::to_string(out) + " on " + shapeStr(in));
    ValueId x = cases.input(in);
    ValueId c = cases.op(OpKind::Conv2d, {x},
                         {{"out", out},
                          {"kernel", Ints{3}},
                          {"pad", Ints{1}},
                          {"layout", std::string("channels_last")}});
    l.finish(c);
  }
  // Copies into channels_last and planar outputs of channels_last parts,
  // which are block transposes (codegen/ScheduleTranspose.h) once a value
  // has a vector of channels and a block of pixels: extents that are no
  // multiple of a block leave overlapping last blocks, and those below a
  // block take the plain schedule.
  for (int rank : {3, 4}) {
    const int64_t channels = d.pick<int64_t>({16, 21, 40}), width = d.pick<int64_t>({7, 8, 13, 29});
    const Shape in =
        rank == 4 ? Shape{1, channels, d.range(2, 40), width} : Shape{1, channels, width};
    cases.begin("layout changes of " + shapeStr(in));
    ValueId x = cases.input(in);
    ValueId turned = cases.op(OpKind::Copy, {x}, {{"layout", std::string("channels_last")}});
    ValueId doubled =
        cases.op(OpKind::Add, {turned, turned}, {{"layout", std::string("channels_last")}});
    cases.output(cases.op(OpKind::Concat, {turned, doubled}, {{"axis", int64_t{rank - 1}}}));
    // A global pool of channels_last columns vectorizes over the channels,
    // whose last vector is partial (codegen/Schedule.cpp, scheduleColumnSums).
    if (rank == 4) {
      cases.output(cases.op(OpKind::GlobalAvgPool, {doubled}));
      cases.output(cases.op(OpKind::GlobalMaxPool, {turned}));
    }
  }
}

TEST(CodegenLayouts, MixedLayoutsMatchReference) {
  for (uint64_t round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Draw draw(kSeed + round);
    CaseGraph cases("layout_cases_" + std::to_string(round));
    addCases(cases, draw);
    size_t channelsLast = 0;
    for (const Node &n : cases.graph().nodes)
      channelsLast += layoutOf(n) == Layout::ChannelsLast;
    EXPECT_GT(channelsLast, 4u) << "the draw left almost everything planar";
    expectMatchesReference(cases, kSeed + round);
  }
}

TEST(CodegenLayouts, FewClassesFromChannelsLastMatchReference) {
  // A segmentation head: a planar conv of a few output channels (one
  // register tile of them all up to 24 on AVX-512, two tiles past it, or
  // three on AVX2) reading a channels_last value.
  CaseGraph cases("few_classes");
  Draw d(kSeed + 7);
  for (int64_t classes : {12, 21, 24, 25}) {
    const Shape in = image(d, 16);
    const int64_t kernel = d.pick<int64_t>({1, 3});
    cases.begin("conv2d k" + std::to_string(kernel) + " to " + std::to_string(classes) +
                " planar channels on " + shapeStr(in));
    ValueId x = cases.input(in);
    ValueId features = cases.op(OpKind::Conv2d, {x},
                                {{"out", int64_t{16}},
                                 {"kernel", Ints{1}},
                                 {"act", std::string("relu")},
                                 {"layout", std::string("channels_last")}});
    cases.output(cases.op(OpKind::Conv2d, {features},
                          {{"out", classes},
                           {"kernel", Ints{kernel}},
                           {"pad", Ints{(kernel - 1) / 2}},
                           {"bias", d.coin()}}));
  }
  expectMatchesReference(cases, kSeed + 7);
}

TEST(CodegenLayouts, LongSequencesMatchReference) {
  // channels_last 1-D convs long enough that their tiles run in several
  // tasks, the last one partial (codegen/ScheduleUtil.h, parallelInTasks).
  CaseGraph cases("long_sequences");
  Draw d(kSeed + 11);
  for (int k = 0; k < 3; ++k) {
    const int64_t channels = d.pick<int64_t>({16, 32}), length = d.range(700, 2100);
    const int64_t dilation = d.pick<int64_t>({1, 4, 64});
    const std::string act = d.pick<std::string>({"none", "tanh", "gated"});
    cases.begin("conv1d of " + std::to_string(channels) + " channels, length " +
                std::to_string(length) + ", dilation " + std::to_string(dilation) + ", act " + act);
    ValueId x = cases.input({1, channels, length});
    ValueId conv = cases.op(OpKind::Conv1d, {x},
                            {{"out", act == "gated" ? 2 * channels : channels},
                             {"kernel", Ints{2}},
                             {"dilation", Ints{dilation}},
                             {"pad", std::string("causal")},
                             {"act", act},
                             {"layout", std::string("channels_last")}});
    // The graph's outputs are planar.
    cases.output(cases.op(OpKind::Relu, {conv}));
  }
  expectMatchesReference(cases, kSeed + 11);
}

// A channels_last depthwise conv of `channels` over an NHWC input of
// `height` x `width`, as model text, with the conv attributes `attrs`.
std::string depthwiseModel(int64_t batch, int64_t channels, int64_t height, int64_t width,
                           const std::string &attrs) {
  const std::string c = std::to_string(channels);
  return "model depthwise io_layout=channels_last\n"
         "input x : f32[" +
         std::to_string(batch) + ", " + c + ", " + std::to_string(height) + ", " +
         std::to_string(width) + "]\n" + "output y = conv2d(x, out=" + c + ", groups=" + c + ", " +
         attrs + ")\n";
}

// Depthwise convs between channels_last values (codegen/ScheduleDepthwise.h)
// with drawn kernels, dilations, strides and sizes: channels that leave the
// last vector partial, with no padding, so that a rounded-up vector would
// read past the input's last channel; maps of one or two rows and maps of
// several bands of rows whose last band and strip of pixels overlap the one
// before.
TEST(CodegenLayouts, DepthwiseChannelsLastMatchesReference) {
  Draw d(kSeed + 13);
  for (int round = 0; round < 2; ++round) {
    const int64_t kernel = d.pick<int64_t>({3, 5}), dilation = d.range(1, 4);
    const int64_t span = dilation * (kernel - 1) + 1;
    const std::vector<std::string> texts = {
        depthwiseModel(d.range(1, 2), d.pick<int64_t>({3, 21, 40}), span + d.range(0, 20),
                       span + d.range(0, 20),
                       "kernel=" + std::to_string(kernel) + ", dilation=" +
                           std::to_string(dilation) + ", stride=" + std::to_string(d.range(1, 2))),
        depthwiseModel(1, d.pick<int64_t>({16, 64}), d.range(1, 2), d.range(9, 40),
                       "kernel=3, dilation=" + std::to_string(dilation) + ", pad=same, act=relu"),
        depthwiseModel(1, d.pick<int64_t>({16, 48}), d.range(40, 90), d.pick<int64_t>({37, 53}),
                       "kernel=" + std::to_string(kernel) +
                           ", dilation=" + std::to_string(dilation) +
                           ", pad=" + std::to_string(span / 2) + ", bias=false")};
    for (const std::string &text : texts) {
      Graph graph = parseModel(text);
      expectOptimizedMatchesReference(graph, 60 + static_cast<uint64_t>(round), text);
    }
  }
}

// A depthwise conv written over its residual (ir/ResidualInPlace.h) must
// not compute a pixel twice: its last band of rows and strip of pixels are
// guarded rather than shifted back over the one before, which would add
// the residual again to sums already written.
TEST(CodegenLayouts, DepthwiseOverItsResidualMatchesReference) {
  Draw d(kSeed + 17);
  const int64_t channels = 16 * d.range(1, 3), dilation = d.range(1, 4);
  const std::string c = std::to_string(channels);
  const std::string text = "model depthwise_residual io_layout=channels_last\n"
                           "input x : f32[1, " +
                           c + ", " + std::to_string(d.range(40, 90)) + ", " +
                           std::to_string(d.pick<int64_t>({37, 53})) +
                           "]\n"
                           "a = conv2d(x, out=" +
                           c +
                           ", kernel=1)\n"
                           "r = conv2d(relu(a), residual=a, out=" +
                           c + ", groups=" + c +
                           ", kernel=3, dilation=" + std::to_string(dilation) +
                           ", pad=same)\n"
                           "output y = conv2d(r, out=16, kernel=1)\n";
  Graph graph = parseModel(text);
  expectOptimizedMatchesReference(graph, 70, text);
  size_t inPlace = 0;
  for (const Node &n : graph.nodes)
    inPlace += isResidualInPlace(n) && n.attrs.getInt("groups") == channels;
  EXPECT_EQ(inPlace, 1u) << "the depthwise conv no longer writes over its residual\n" << text;
}

TEST(CodegenLayouts, AGraphBuiltThroughTheApiIsVerified) {
  // A channels_last model output, which the parser refuses, is refused by
  // the compiler too, rather than compiled into code whose caller reads
  // its elements in the wrong order.
  CaseGraph cases("channels_last_output");
  cases.begin("a channels_last conv1d as the model output");
  ValueId x = cases.input({1, 16, 40});
  cases.output(cases.op(
      OpKind::Conv1d, {x},
      {{"out", int64_t{16}}, {"kernel", Ints{2}}, {"layout", std::string("channels_last")}}));
  std::string error;
  compileAndRun(cases.graph(), randomWeights(cases.graph(), 1), cases.inputsFor(cases.graph(), 1),
                error);
  EXPECT_NE(error.find("a model output must be planar"), std::string::npos) << error;
}

} // namespace
} // namespace atrous::codegen_test
