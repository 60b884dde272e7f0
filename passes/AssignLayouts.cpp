// assign-layouts: decides, for every value, whether it is stored planar or
// channels_last (ir/Layout.h). A conv (direct, transposed or Winograd)
// whose output channels fill whole vectors writes channels_last: its
// schedule then vectorizes over output channels, so no lane is wasted on an
// image width that is not a multiple of the vector, every tap's input is one
// broadcast, and stride or dilation never makes a load strided. The layout
// then flows forward: an op that maps channels to channels (elementwise,
// pooling, padding, slicing, resizing, concatenation, interleaving) takes its
// first input's layout, so it reads and writes the same order and no
// transpose is ever inserted between layers. Ops that reduce over channels
// or leave the NCHW world (softmax, argmax, global pools, reshape, flatten,
// linear) stay planar. Graph inputs and outputs take the model's I/O
// layout (ir/Layout.h, setIoLayout), planar unless the caller asked for
// channels_last, whatever their op; conversions happen inside the first and
// last layers, which read and write through their buffers' strides. A gated conv
// is channels_last too when it is a direct conv: its accumulator pairs the
// blocks of its tanh and sigmoid halves, so each tile gates in registers
// (codegen/Lowering.h, pairsGatedChannels); on WaveNet (16000 samples, 2
// threads) the model went from 260 ms, gated convs planar, to 217 ms.
//
// A planar value that two or more convs read, each tiling its output
// channels, is copied channels_last once (a `copy` node, read by those convs
// instead): otherwise each of them would transpose its own copy, which is
// what the regions of split-padding-taps, the phases of lower-conv-transpose
// and the branches of an ASPP head over a graph input would all do. A
// Winograd conv reads such a copy even alone (planarReadCost). The other
// way round, a model output concatenating channels_last parts is assembled
// channels_last and copied planar once (assembleOutputConcatsChannelsLast).
#include "passes/AssignLayouts.h"

#include <set>

#include "ir/InPlace.h"
#include "ir/Layout.h"
#include "passes/Rewriter.h"

namespace atrous {

namespace {

bool keepsChannels(OpKind op) {
  return isElementwise(op) || isPool(op) || op == OpKind::Pad || op == OpKind::Slice ||
         op == OpKind::Resize || op == OpKind::Concat || op == OpKind::Interleave;
}

Layout chooseLayout(const Graph &graph, const Node &node, bool isOutput) {
  if (isOutput) return ioLayout(graph, node.type);
  if (!supportsChannelsLast(node.type)) return Layout::Planar;
  if (node.op == OpKind::Copy) return Layout::ChannelsLast;
  if (isConv(node.op) || isConvTranspose(node.op) || isWinogradConv(node.op))
    return fillsChannelVectors(node) ? Layout::ChannelsLast : Layout::Planar;
  if (keepsChannels(node.op)) {
    const Node &first = graph.node(node.inputs[0]);
    if (first.type.rank() == node.type.rank()) return layoutOf(first);
  }
  return Layout::Planar;
}

class AssignLayoutsPass : public Pass {
public:
  std::string name() const override { return "assign-layouts"; }
  std::string summary() const override {
    return "store conv outputs channels_last when their channels fill vectors; others follow";
  }

  bool run(Graph &graph, Weights *) override {
    const std::set<ValueId> outputs(graph.outputs.begin(), graph.outputs.end());
    bool changed = false;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      Node &node = graph.nodes[i];
      if (node.op == OpKind::Input) continue;
      const Layout layout = chooseLayout(graph, node, outputs.count(static_cast<ValueId>(i)) != 0);
      if (layout == layoutOf(node)) continue;
      node.attrs.set("layout", std::string(layoutName(layout)));
      changed = true;
    }
    changed = assembleOutputConcatsChannelsLast(graph) || changed;
    return copyForTilingReaders(graph) || changed;
  }

private:
  // A conv that reads every input channel of its group for each output
  // channel vector it tiles (so not a depthwise one).
  static bool readsAcrossChannels(const Node &node) {
    if (isWinogradConv(node.op)) return fillsChannelVectors(node);
    return isConv(node.op) && fillsChannelVectors(node) &&
           node.attrs.getInt("groups") < node.type.shape[1];
  }

  // What reading a planar input costs `node`, in units of the transposing
  // copy a direct conv makes of its input: two or more such readers share
  // one copy instead. A Winograd conv's input transform vectorizes over
  // channels, so a planar input would gather each vector from 16 planes; it
  // reads a copy even alone. 256 channels at 65x65, rate 2, in Halide's
  // profiler: the transform's first pass went from 1.9-2.1 to 0.7-0.9 ms,
  // the whole run from 13.7-14.5 to 12.2-12.4 ms with the copy; the copy
  // itself is a block transpose of about 0.2 ms (ScheduleTranspose.cpp).
  static int planarReadCost(const Node &node) { return isWinogradConv(node.op) ? 2 : 1; }

  // A model output that concatenates channels_last parts (the regions of a
  // split-padding-taps conv) is assembled channels_last, where place-concats
  // lets its parts write in place, and a planar `copy` under its name is the
  // output, a plain block transpose. Concatenated planar instead, the block
  // transpose selects each element among the loads of all parts, and the
  // rows of regions are buffers of their own. 33x33 rate 18 (256 channels),
  // 3 interleaved rounds: medians 3.34-3.50 ms against 3.39-3.66 ms.
  static bool assembleOutputConcatsChannelsLast(Graph &graph) {
    const std::vector<int> uses = useCounts(graph);
    std::set<ValueId> assembled;
    for (ValueId out : graph.outputs) {
      const Node &node = graph.node(out);
      if (node.op != OpKind::Concat || uses[static_cast<size_t>(out)] != 1 ||
          layoutOf(node) != Layout::Planar || !supportsChannelsLast(node.type))
        continue;
      if (inPlaceProblem(graph, out, Layout::ChannelsLast).empty()) assembled.insert(out);
    }
    if (assembled.empty()) return false;
    Rewriter rw(graph);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const auto id = static_cast<ValueId>(i);
      const ValueId copied = rw.copy(id);
      if (!assembled.count(id)) continue;
      Node &placed = rw.graph().nodes[static_cast<size_t>(copied)];
      const std::string name = placed.name;
      placed.name = rw.freshName(name + ".channels_last");
      placed.attrs.set("layout", std::string(layoutName(Layout::ChannelsLast)));
      Node copy;
      copy.op = OpKind::Copy;
      copy.name = name;
      copy.inputs = {copied};
      copy.loc = placed.loc;
      rw.setMap(id, rw.add(std::move(copy)));
    }
    graph = rw.finish();
    return true;
  }

  // Inserts the channels_last copies described at the top, once every
  // value has its layout; returns whether it did.
  static bool copyForTilingReaders(Graph &graph) {
    const size_t n = graph.nodes.size();
    std::vector<int> readers(n, 0);
    for (const Node &node : graph.nodes)
      if (readsAcrossChannels(node))
        readers[static_cast<size_t>(node.inputs[0])] += planarReadCost(node);
    std::vector<bool> needs(n, false);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      const Node &node = graph.nodes[i];
      needs[i] =
          readers[i] >= 2 && layoutOf(node) == Layout::Planar && supportsChannelsLast(node.type);
      any = any || needs[i];
    }
    if (!any) return false;
    Rewriter rw(graph);
    std::vector<ValueId> copyOf(n, -1);
    for (size_t i = 0; i < n; ++i) {
      const Node &node = graph.nodes[i];
      const auto id = static_cast<ValueId>(i);
      const ValueId copied = rw.copy(id);
      if (readsAcrossChannels(node) && copyOf[static_cast<size_t>(node.inputs[0])] >= 0)
        rw.graph().nodes[static_cast<size_t>(copied)].inputs[0] =
            copyOf[static_cast<size_t>(node.inputs[0])];
      if (!needs[i]) continue;
      Node copy;
      copy.op = OpKind::Copy;
      copy.name = rw.freshName(node.name + ".channels_last");
      copy.inputs = {rw.map(id)};
      copy.loc = node.loc;
      copy.attrs.set("layout", std::string(layoutName(Layout::ChannelsLast)));
      copyOf[i] = rw.add(std::move(copy));
    }
    graph = rw.finish();
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createAssignLayoutsPass() {
  return std::make_unique<AssignLayoutsPass>();
}

} // namespace atrous
