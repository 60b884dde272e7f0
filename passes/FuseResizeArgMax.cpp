// fuse-resize-argmax: a segmentation network ends in argmax(resize(logits))
// over the channels, and the resized logits are the largest tensor of the
// whole model (classes x full image) although only the class index of each
// pixel survives. When the resize has no other reader, the pair becomes one
// resize_argmax (docs/ops.md) named as the argmax, which evaluates the
// interpolated logits per pixel and keeps only the index. Softmax is strictly
// increasing along its axis, so an argmax over the softmax's own axis reads
// the softmax's input instead (the softmax goes away when nothing else reads
// it); that also exposes argmax(softmax(resize(x))) to the fusion. A softmax
// between the resize and the logits is NOT dropped: bilinear interpolation of
// probabilities does not pick the same class as interpolation of logits.
#include "passes/FuseResizeArgMax.h"

#include "passes/Rewriter.h"

namespace atrous {

namespace {

int64_t normalizedAxis(const Node &node, const Graph &graph) {
  int64_t axis = node.attrs.getInt("axis");
  return axis < 0 ? axis + graph.type(node.inputs[0]).rank() : axis;
}

class FuseResizeArgMaxPass : public Pass {
public:
  std::string name() const override { return "fuse-resize-argmax"; }
  std::string summary() const override {
    return "argmax over channels of a resize as one resize_argmax; argmax skips softmax";
  }

  bool run(Graph &graph, Weights *weights) override {
    const size_t count = graph.nodes.size();
    std::vector<int> uses = useCounts(graph);
    std::vector<bool> removed(count, false), fused(count, false);
    std::vector<ValueId> source(count, -1); // what each argmax reads after the rewrite
    bool changed = false;
    for (size_t i = 0; i < count; ++i) {
      const Node &node = graph.nodes[i];
      if (node.op != OpKind::ArgMax) continue;
      const int64_t axis = normalizedAxis(node, graph);
      ValueId v = node.inputs[0];
      while (graph.node(v).op == OpKind::Softmax && normalizedAxis(graph.node(v), graph) == axis) {
        const ValueId inner = graph.node(v).inputs[0];
        if (--uses[v] == 0)
          removed[v] = true;
        else
          ++uses[inner];
        v = inner;
        changed = true;
      }
      source[i] = v;
      if (axis == 1 && graph.node(v).op == OpKind::Resize && uses[v] == 1) {
        removed[v] = true;
        fused[i] = true;
        changed = true;
      }
    }
    if (!changed) return false;

    Rewriter rw(graph);
    for (size_t i = 0; i < count; ++i) {
      const ValueId id = static_cast<ValueId>(i);
      const Node &node = graph.nodes[i];
      if (removed[i]) continue;
      if (node.op != OpKind::ArgMax) {
        rw.copy(id);
        continue;
      }
      Node out = node;
      if (fused[i]) {
        const Node &resize = graph.node(source[i]);
        out.op = OpKind::ResizeArgMax;
        out.attrs = resize.attrs;
        out.attrs.set("keepdims", node.attrs.getBool("keepdims"));
        out.inputs.clear();
        for (ValueId in : resize.inputs)
          out.inputs.push_back(rw.map(in));
      } else {
        out.inputs = {rw.map(source[i])};
      }
      rw.setMap(id, rw.add(std::move(out)));
    }
    Graph result = rw.finish();
    graph = std::move(result);
    if (weights) pruneWeights(graph, *weights);
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createFuseResizeArgMaxPass() {
  return std::make_unique<FuseResizeArgMaxPass>();
}

} // namespace atrous
