// fold-constants: the only constants of this IR are weights and shapes, so
// this pass folds what the shapes and attributes already decide:
// - identities disappear and their users read the input: a slice, pad,
//   reshape, flatten or resize whose output type equals its input's (a slice
//   of a whole axis with step 1, all-zero padding, a reshape to the same
//   shape, a resize to the same size, which copies every pixel in every mode:
//   nearest, bilinear with align_corners, bilinear half-pixel), a concat of
//   one input, and an interleave of one phase (stride 1) to the same size;
// - chains compose: reshape or flatten of a reshape or flatten becomes one
//   reshape of the first input (to the outer shape); relu or relu6 of a relu
//   or relu6 becomes one relu, or relu6 when either is relu6 (exact for every
//   value except NaN);
// - bias of a bias whose only user it is: with weights, the outer bias vector
//   is added into the inner node, which then replaces the outer one; without
//   weights both stay.
// An identity that is a graph output is kept when its input is a graph
// input, so an output never aliases an input. The outer node of a composed
// chain keeps its name; nodes that folding leaves unused are removed with
// their weights (dead code that was there before stays, for dce). Folds are
// repeated until none applies, so a fold that exposes another is taken too.
#include "passes/FoldConstants.h"

#include <algorithm>
#include <set>

#include "ir/Error.h"
#include "passes/DeadCode.h"
#include "passes/Rewriter.h"

namespace atrous {

namespace {

bool isReluLike(OpKind k) {
  return k == OpKind::Relu || k == OpKind::Relu6;
}
bool isReshapeLike(OpKind k) {
  return k == OpKind::Reshape || k == OpKind::Flatten;
}

// Whether `node`, reading new-graph values, returns its first input unchanged.
bool isIdentity(const Node &node, const Graph &g) {
  const TensorType &in = g.type(node.inputs[0]);
  switch (node.op) {
  case OpKind::Slice:
  case OpKind::Pad:
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Resize:
    return node.type == in;
  case OpKind::Copy:
    return true;
  case OpKind::Concat:
    return node.inputs.size() == 1;
  case OpKind::Interleave:
    return node.inputs.size() == 1 && node.type == in;
  default:
    return false;
  }
}

// Rewrites `node` (inputs already new ids) to read past a producer it
// composes with. Returns whether it did.
bool composeWithProducer(Node &node, const Graph &g) {
  const Node &producer = g.node(node.inputs[0]);
  if (isReluLike(node.op) && isReluLike(producer.op)) {
    bool clamps = node.op == OpKind::Relu6 || producer.op == OpKind::Relu6;
    node.op = clamps ? OpKind::Relu6 : OpKind::Relu;
    node.inputs = {producer.inputs[0]};
    return true;
  }
  if (isReshapeLike(node.op) && isReshapeLike(producer.op)) {
    // A target with 0 (copy the input's dim) refers to the producer's shape,
    // so such a target is replaced by the shape it resolved to.
    std::vector<int64_t> target = node.type.shape;
    if (node.op == OpKind::Reshape) {
      std::vector<int64_t> written = node.attrs.getInts("shape");
      if (std::find(written.begin(), written.end(), 0) == written.end()) target = written;
    }
    node.op = OpKind::Reshape;
    node.attrs = Attrs();
    node.attrs.set("shape", target);
    node.inputs = {producer.inputs[0]};
    return true;
  }
  return false;
}

Tensor &biasOf(Weights &weights, const std::string &node) {
  auto it = weights.find(node + ".bias");
  if (it == weights.end()) throw Error("fold-constants: weight '" + node + ".bias' is missing");
  return it->second;
}

bool foldOnce(Graph &graph, Weights *weights) {
  const std::vector<int> uses = useCounts(graph);
  const std::set<ValueId> outputs(graph.outputs.begin(), graph.outputs.end());
  Rewriter rw(graph);
  bool changed = false;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto id = static_cast<ValueId>(i);
    const Node &old = graph.nodes[i];
    if (old.op == OpKind::Input) {
      rw.copy(id);
      continue;
    }
    Node node = old;
    for (ValueId &in : node.inputs)
      in = rw.map(in);
    const Graph &g = rw.graph();

    if (weights && node.op == OpKind::Bias && graph.node(old.inputs[0]).op == OpKind::Bias &&
        uses[static_cast<size_t>(old.inputs[0])] == 1 &&
        g.node(node.inputs[0]).op == OpKind::Bias) {
      Tensor &into = biasOf(*weights, g.node(node.inputs[0]).name);
      const Tensor &from = biasOf(*weights, old.name);
      for (int64_t c = 0; c < into.numel(); ++c)
        into.f32()[c] += from.f32()[c];
      rw.setMap(id, node.inputs[0]);
      changed = true;
      continue;
    }

    changed = composeWithProducer(node, g) || changed;
    bool aliasesInput = outputs.count(id) && g.node(node.inputs[0]).op == OpKind::Input;
    if (isIdentity(node, g) && !aliasesInput) {
      rw.setMap(id, node.inputs[0]);
      changed = true;
      continue;
    }
    rw.setMap(id, rw.add(std::move(node)));
  }
  if (!changed) return false;

  // Keep what is live after folding, and what was already dead before it.
  std::vector<ValueId> image(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    image[i] = rw.map(static_cast<ValueId>(i));
  const std::vector<bool> liveBefore = liveNodes(graph);
  Graph folded = rw.finish();
  std::vector<bool> keep = liveNodes(folded);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!liveBefore[i]) keep[static_cast<size_t>(image[i])] = true;
  graph = keepNodes(folded, keep);
  if (weights) pruneWeights(graph, *weights);
  return true;
}

class FoldConstantsPass : public Pass {
public:
  std::string name() const override { return "fold-constants"; }
  std::string summary() const override {
    return "remove identity ops, compose reshape and relu chains, merge consecutive biases";
  }

  bool run(Graph &graph, Weights *weights) override {
    return sweepUntilUnchanged(graph, weights, foldOnce);
  }
};

} // namespace

std::unique_ptr<Pass> createFoldConstantsPass() {
  return std::make_unique<FoldConstantsPass>();
}

} // namespace atrous
