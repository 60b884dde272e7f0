// The loop extents shared by the direct and the transposed convolution
// kernels: both walk batch, channels in groups and a 2-D window, and both
// must agree with the type shape inference gave the node.
#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

ConvExtents convExtents(const Node &node, const Shape &input) {
  ConvExtents e;
  e.geometry = liftTo2d(windowGeometry(node, input));
  e.batch = input[0];
  e.inChannels = input[1];
  e.outChannels = node.attrs.getInt("out");
  e.groups = node.attrs.getInt("groups");
  e.inPerGroup = e.inChannels / e.groups;
  e.outPerGroup = e.outChannels / e.groups;
  e.inH = e.geometry.in[0];
  e.inW = e.geometry.in[1];
  e.outH = e.geometry.out[0];
  e.outW = e.geometry.out[1];
  e.kH = e.geometry.kernel[0];
  e.kW = e.geometry.kernel[1];
  if (numElements(node.type.shape) != e.batch * e.outChannels * e.outH * e.outW)
    throw Error("node '" + node.name + "': window geometry disagrees with type " + node.type.str());
  return e;
}

} // namespace atrous::reference
