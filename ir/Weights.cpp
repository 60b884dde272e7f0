#include "ir/Weights.h"

#include "ir/Error.h"
#include "ir/Winograd.h"

namespace atrous {

std::vector<ParamSpec> paramSpecs(const Graph &graph, const Node &node) {
  std::vector<ParamSpec> specs;
  auto add = [&](const char *suffix, Shape shape) {
    specs.push_back({node.name + "." + suffix, suffix, {DType::F32, std::move(shape)}});
  };
  if (node.inputs.empty()) return specs;
  const Shape &in = graph.type(node.inputs[0]).shape;
  int64_t channels = in.size() > 1 ? in[1] : 0;
  if (isConv(node.op) || isConvTranspose(node.op)) {
    int64_t out = node.attrs.getInt("out"), groups = node.attrs.getInt("groups");
    Shape w = isConv(node.op) ? Shape{out, channels / groups} : Shape{channels, out / groups};
    std::vector<int64_t> k = node.attrs.getInts("kernel");
    int rank = opInfo(node.op).spatialRank;
    for (int d = 0; d < rank; ++d)
      w.push_back(k.size() == 1 ? k[0] : k[d]);
    add("weight", w);
    if (node.attrs.getBool("bias")) add("bias", {out});
  } else if (isWinogradConv(node.op)) {
    // The transformed kernel U, laid out for the batched product over input
    // channels: [alpha_y, alpha_x, out blocks, C, 32], without alpha_y in 1-D
    // (docs/ops.md); a bounded tile has 3 positions per axis (ir/Winograd.h).
    int64_t out = node.attrs.getInt("out");
    std::vector<int64_t> tile = node.attrs.getInts("tile"), kernel = node.attrs.getInts("kernel");
    const bool bounded = takesBoundedTiles(node);
    Shape u;
    if (node.op == OpKind::WinogradConv2d)
      u.push_back(winogradTransform(tile[0], kernel[0], bounded).alpha);
    u.push_back(winogradTransform(tile.back(), kernel.back(), bounded).alpha);
    for (int64_t e :
         {(out + kWinogradOutBlock - 1) / kWinogradOutBlock, channels, int64_t{kWinogradOutBlock}})
      u.push_back(e);
    add("weight", u);
    if (node.attrs.getBool("bias")) add("bias", {out});
  } else if (node.op == OpKind::BatchNorm) {
    add("weight", {channels});
    add("bias", {channels});
    add("running_mean", {channels});
    add("running_var", {channels});
  } else if (node.op == OpKind::Bias) {
    add("bias", {channels});
  } else if (node.op == OpKind::Linear) {
    int64_t out = node.attrs.getInt("out");
    add("weight", {out, channels});
    if (node.attrs.getBool("bias")) add("bias", {out});
  }
  return specs;
}

std::vector<ParamSpec> paramSpecs(const Graph &graph) {
  std::vector<ParamSpec> all;
  for (const Node &n : graph.nodes) {
    std::vector<ParamSpec> specs = paramSpecs(graph, n);
    all.insert(all.end(), specs.begin(), specs.end());
  }
  return all;
}

void checkWeights(const Graph &graph, const Weights &weights) {
  std::map<std::string, const ParamSpec *> expected;
  std::vector<ParamSpec> specs = paramSpecs(graph);
  for (const ParamSpec &s : specs)
    expected[s.name] = &s;
  for (const ParamSpec &s : specs) {
    auto it = weights.find(s.name);
    if (it == weights.end()) throw Error("weight '" + s.name + "' is missing");
    if (it->second.dtype() != s.type.dtype)
      throw Error("weight '" + s.name + "' has dtype " + dtypeName(it->second.dtype()) +
                  ", expected " + dtypeName(s.type.dtype));
    if (it->second.shape() != s.type.shape)
      throw Error("weight '" + s.name + "' has shape " + shapeStr(it->second.shape()) +
                  ", expected " + shapeStr(s.type.shape));
  }
  for (const auto &[name, tensor] : weights)
    if (!expected.count(name))
      throw Error("weight '" + name + "' " + shapeStr(tensor.shape()) +
                  " does not belong to any node of model '" + graph.name + "'");
}

} // namespace atrous
