#include "ir/Graph.h"

#include <limits>

#include "ir/Error.h"
#include "ir/ShapeInference.h"

namespace atrous {

// Dimensions beyond int32 cannot be indexed by generated code (Halide's
// buffers use 32-bit extents), so they are refused where shapes are made.
static void checkExtents(const TensorType &type, const SourceLoc &loc, const std::string &what) {
  for (int64_t d : type.shape)
    if (d > std::numeric_limits<int32_t>::max())
      throw SourceError(loc, what + " has a dimension of " + std::to_string(d) +
                                 ", more than the 2147483647 supported");
}

ValueId Graph::addInput(const std::string &inputName, TensorType type, SourceLoc loc) {
  if (find(inputName) >= 0) throw SourceError(loc, "the name '" + inputName + "' is already used");
  if (type.rank() == 0) throw SourceError(loc, "input '" + inputName + "' needs a shape");
  for (int64_t d : type.shape)
    if (d < 1)
      throw SourceError(loc, "input '" + inputName + "' has a dimension " + std::to_string(d) +
                                 "; dimensions must be positive");
  try {
    numElements(type.shape);
  } catch (const Error &e) {
    throw SourceError(loc, "input '" + inputName + "': " + e.what());
  }
  checkExtents(type, loc, "input '" + inputName + "'");
  Node n;
  n.name = inputName;
  n.op = OpKind::Input;
  n.type = std::move(type);
  n.loc = std::move(loc);
  return append(std::move(n));
}

ValueId Graph::addNode(Node node) {
  const std::string &op = opName(node.op);
  if (node.op == OpKind::Input) throw SourceError(node.loc, "use addInput for graph inputs");
  if (find(node.name) >= 0)
    throw SourceError(node.loc, "the name '" + node.name + "' is already used");
  std::vector<TensorType> inputTypes;
  for (ValueId id : node.inputs) {
    if (id < 0 || static_cast<size_t>(id) >= nodes.size())
      throw SourceError(node.loc, op + " '" + node.name + "' reads an undefined value");
    inputTypes.push_back(type(id));
  }
  try {
    normalizeAttrs(node.op, node.attrs);
    node.type = inferType(node, inputTypes);
    numElements(node.type.shape);
  } catch (const SourceError &) {
    throw;
  } catch (const Error &e) {
    throw SourceError(node.loc, op + " '" + node.name + "': " + e.what());
  }
  checkExtents(node.type, node.loc, op + " '" + node.name + "'");
  return append(std::move(node));
}

ValueId Graph::append(Node node) {
  auto id = static_cast<ValueId>(nodes.size());
  if (index_.size() == nodes.size()) index_.emplace(node.name, id);
  nodes.push_back(std::move(node));
  return id;
}

std::vector<ValueId> Graph::inputs() const {
  std::vector<ValueId> ids;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].op == OpKind::Input) ids.push_back(static_cast<ValueId>(i));
  return ids;
}

ValueId Graph::find(const std::string &nodeName) const {
  auto lookup = [&]() -> ValueId {
    auto it = index_.find(nodeName);
    bool fresh = it != index_.end() && static_cast<size_t>(it->second) < nodes.size() &&
                 nodes[it->second].name == nodeName;
    return fresh ? it->second : -1;
  };
  ValueId id = lookup();
  if (id >= 0 || index_.size() == nodes.size()) return id;
  index_.clear();
  for (size_t i = 0; i < nodes.size(); ++i)
    index_.emplace(nodes[i].name, static_cast<ValueId>(i));
  return lookup();
}

} // namespace atrous
