// The IR: a graph of SSA values in topological order. Each node computes one
// value; graph inputs are nodes of kind Input. A value is named by the index
// of the node that produces it (ValueId), so a node can only read values
// defined before it and the order is always a valid schedule.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/Attr.h"
#include "ir/Op.h"
#include "ir/SourceLoc.h"
#include "ir/Types.h"

namespace atrous {

using ValueId = int32_t;

struct Node {
  std::string name; // stable and user-visible; prefix of its weights' names
  OpKind op = OpKind::Input;
  std::vector<ValueId> inputs;
  Attrs attrs; // every schema attribute with a default is present
  TensorType type;
  SourceLoc loc;

  bool operator==(const Node &o) const {
    return name == o.name && op == o.op && inputs == o.inputs && attrs == o.attrs && type == o.type;
  }
  bool operator!=(const Node &o) const { return !(*this == o); }
};

class Graph {
public:
  std::string name;
  std::vector<Node> nodes;
  std::vector<ValueId> outputs;
  // Whether the model's inputs and outputs of rank 3 and 4 are stored
  // channels innermost (NLC, NHWC) rather than planar, for apps that hold
  // such data: the `model` line's io_layout=channels_last, or atrousc's
  // --io-layout. Their types stay logical (ir/Layout.h, setIoLayout).
  bool channelsLastIo = false;

  // Appends a graph input.
  ValueId addInput(const std::string &inputName, TensorType type, SourceLoc loc = {});
  // Appends a node after filling in attribute defaults, checking its inputs
  // and attributes against the op schema and inferring its type. Throws
  // atrous::SourceError at the node's location when any of that fails.
  ValueId addNode(Node node);

  const Node &node(ValueId id) const { return nodes.at(static_cast<size_t>(id)); }
  const TensorType &type(ValueId id) const { return node(id).type; }
  std::vector<ValueId> inputs() const;
  // The node named `nodeName`, or -1.
  ValueId find(const std::string &nodeName) const;

  // Structural equality: names, ops, inputs, attributes, types, outputs and
  // the I/O layout.
  // Source locations are not compared.
  bool operator==(const Graph &o) const {
    return name == o.name && nodes == o.nodes && outputs == o.outputs &&
           channelsLastIo == o.channelsLastIo;
  }
  bool operator!=(const Graph &o) const { return !(*this == o); }

private:
  ValueId append(Node node);

  // Name -> id, kept by addInput/addNode and rebuilt by find() when `nodes`
  // was edited directly, so that building a large graph stays linear.
  mutable std::unordered_map<std::string, ValueId> index_;
};

} // namespace atrous
