#include "ir/Printer.h"

namespace atrous {

static std::string printNode(const Graph &graph, const Node &node) {
  const OpInfo &info = opInfo(node.op);
  std::string s = node.name + " = " + info.name + "(";
  std::vector<std::string> args;
  size_t positional = node.inputs.size();
  if (info.maxInputs >= 0 && positional > static_cast<size_t>(info.maxInputs))
    positional = static_cast<size_t>(info.maxInputs);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    std::string value = graph.node(node.inputs[i]).name;
    args.push_back(i < positional ? value : info.keywordInputs[i - positional] + "=" + value);
  }
  // Schema order, defaults left out: what the user would have written.
  for (const AttrSpec &spec : info.attrs) {
    if (!node.attrs.has(spec.name)) continue;
    const AttrValue &v = node.attrs.get(spec.name);
    if (spec.defaultValue && *spec.defaultValue == v) continue;
    args.push_back(spec.name + "=" + attrValueStr(v));
  }
  for (size_t i = 0; i < args.size(); ++i)
    s += (i ? ", " : "") + args[i];
  return s + ")  # " + node.type.str();
}

std::string printGraph(const Graph &graph) {
  std::string out =
      "model " + graph.name + (graph.channelsLastIo ? " io_layout=channels_last" : "") + "\n";
  for (const Node &node : graph.nodes) {
    if (node.op == OpKind::Input)
      out += "input " + node.name + " : " + node.type.str() + "\n";
    else
      out += printNode(graph, node) + "\n";
  }
  for (ValueId id : graph.outputs)
    out += "output " + graph.node(id).name + "\n";
  return out;
}

} // namespace atrous
