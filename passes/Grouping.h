// Grouping: which nodes are computed together as one fused pipeline, in the
// manner of TVM's operator fusion. A group is an anchor (any op) followed by
// a chain of elementwise consumers that are the sole readers of the member
// before them, so the chain's intermediate values are never stored.
#pragma once

#include <string>
#include <vector>

#include "ir/Graph.h"

namespace atrous {

// Partitions the non-input nodes into groups, ordered by their first node.
// Each group is in graph order and its last node is its output. A node joins
// the group whose last member M it reads when it is elementwise (isElementwise), it is M's only
// reader, M is not a graph output, and (for add and mul) its other operand is
// defined before the group's first node. Running the groups in this order is
// a valid schedule: every value a group reads from outside is defined by an
// earlier group or is a graph input.
std::vector<std::vector<ValueId>> groupNodes(const Graph &graph);

// The groups the `group` pass wrote into the graph (every computing node's
// `group=` attribute), when it ran; groupNodes otherwise. Annotated groups
// may be edited by hand (say, to give a node a pipeline of its own), so each
// is checked against the rules above: members after the first are
// elementwise and read the member before them, which nothing else reads, and
// their other operands predate the group. Throws atrous::Error naming the
// node that breaks a rule, or when only some nodes are annotated.
std::vector<std::vector<ValueId>> graphGroups(const Graph &graph);

// One line per group: `group 3: conv1.conv2d, conv1.batchnorm, conv1`.
std::string describeGroups(const Graph &graph, const std::vector<std::vector<ValueId>> &groups);

} // namespace atrous
