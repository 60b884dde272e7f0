// fold-batchnorm: in inference a batchnorm is a per-channel affine map,
// y = (x - mean) * s + beta with s = gamma / sqrt(var + eps), so when it reads
// a conv1d/conv2d, conv_transpose1d/2d or linear node that has no fused
// activation or residual, that is not a graph output and whose only user is
// the batchnorm, it folds into that producer: every weight of output channel
// o is scaled by s[o] and the bias becomes (b - mean) * s + beta (b = 0 for a
// producer with bias=false, which then gets bias=true). The producer keeps
// its name (its weights are named after it) and takes the batchnorm's place:
// users and graph outputs of the batchnorm read it. Without weights only the
// graph is rewritten, so that it still matches weights folded elsewhere.
#include "passes/FoldBatchNorm.h"

#include <cmath>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "passes/Rewriter.h"

namespace atrous {

namespace {

bool foldableProducer(const Node &producer) {
  bool accumulates =
      isConv(producer.op) || isConvTranspose(producer.op) || producer.op == OpKind::Linear;
  return accumulates && activationOf(producer) == Activation::None && !hasResidual(producer);
}

Tensor &weightOf(Weights &weights, const std::string &name) {
  auto it = weights.find(name);
  if (it == weights.end()) throw Error("fold-batchnorm: weight '" + name + "' is missing");
  return it->second;
}

// The output channel of the weight element at `flatIndex`: conv and linear
// weights are [out, ...]; transposed conv weights are [C, out/groups, k...],
// so for input channel c in group g = c / (C/groups) the output channel is
// g * out/groups + (the index along dim 1).
int64_t outputChannelOf(const Node &producer, const Shape &weightShape, int64_t flatIndex) {
  int64_t inner = 1;
  for (size_t d = 2; d < weightShape.size(); ++d)
    inner *= weightShape[d];
  if (!isConvTranspose(producer.op)) {
    int64_t perOutput = numElements(weightShape) / weightShape[0];
    return flatIndex / perOutput;
  }
  int64_t outPerGroup = weightShape[1];
  int64_t inPerGroup = weightShape[0] / producer.attrs.getInt("groups");
  int64_t inputChannel = flatIndex / (outPerGroup * inner);
  int64_t withinGroup = (flatIndex / inner) % outPerGroup;
  return inputChannel / inPerGroup * outPerGroup + withinGroup;
}

void foldWeights(const Node &producer, const Node &norm, Weights &weights) {
  const Tensor &gamma = weightOf(weights, norm.name + ".weight");
  const Tensor &beta = weightOf(weights, norm.name + ".bias");
  const Tensor &mean = weightOf(weights, norm.name + ".running_mean");
  const Tensor &var = weightOf(weights, norm.name + ".running_var");
  const double eps = norm.attrs.getFloat("eps");
  const int64_t channels = producer.attrs.getInt("out");
  std::vector<double> scale(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c)
    scale[static_cast<size_t>(c)] = gamma.f32()[c] / std::sqrt(var.f32()[c] + eps);

  Tensor &w = weightOf(weights, producer.name + ".weight");
  for (int64_t i = 0; i < w.numel(); ++i) {
    int64_t o = outputChannelOf(producer, w.shape(), i);
    w.f32()[i] = static_cast<float>(w.f32()[i] * scale[static_cast<size_t>(o)]);
  }

  const std::string biasName = producer.name + ".bias";
  Tensor bias(DType::F32, {channels});
  if (producer.attrs.getBool("bias")) bias = weightOf(weights, biasName);
  for (int64_t c = 0; c < channels; ++c)
    bias.f32()[c] = static_cast<float>((static_cast<double>(bias.f32()[c]) - mean.f32()[c]) *
                                           scale[static_cast<size_t>(c)] +
                                       beta.f32()[c]);
  weights[biasName] = std::move(bias);
}

bool foldOnce(Graph &graph, Weights *weights) {
  const std::vector<int> uses = useCounts(graph);
  // normOf[producer]: the batchnorm that folds into it, or -1.
  std::vector<ValueId> normOf(graph.nodes.size(), -1);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node &n = graph.nodes[i];
    if (n.op != OpKind::BatchNorm) continue;
    ValueId producer = n.inputs[0];
    if (foldableProducer(graph.node(producer)) && uses[static_cast<size_t>(producer)] == 1)
      normOf[static_cast<size_t>(producer)] = static_cast<ValueId>(i);
  }

  Rewriter rw(graph);
  bool changed = false;
  std::vector<bool> folded(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const auto id = static_cast<ValueId>(i);
    if (folded[i]) continue;
    ValueId norm = normOf[i];
    if (norm < 0) {
      rw.copy(id);
      continue;
    }
    const Node &producer = graph.node(id);
    if (weights) foldWeights(producer, graph.node(norm), *weights);
    Node conv = producer;
    for (ValueId &in : conv.inputs)
      in = rw.map(in);
    conv.attrs.set("bias", true);
    ValueId newId = rw.add(std::move(conv));
    rw.setMap(id, newId);
    rw.setMap(norm, newId);
    folded[static_cast<size_t>(norm)] = true;
    changed = true;
  }
  if (!changed) return false;
  graph = rw.finish();
  if (weights) pruneWeights(graph, *weights);
  return true;
}

class FoldBatchNormPass : public Pass {
public:
  std::string name() const override { return "fold-batchnorm"; }
  std::string summary() const override {
    return "fold inference batchnorm into the conv or linear layer that feeds it";
  }

  // A batchnorm after a folded one reads the producer only after the first
  // fold, so folding repeats until nothing changes.
  bool run(Graph &graph, Weights *weights) override {
    return sweepUntilUnchanged(graph, weights, foldOnce);
  }
};

} // namespace

std::unique_ptr<Pass> createFoldBatchNormPass() {
  return std::make_unique<FoldBatchNormPass>();
}

} // namespace atrous
