#include "frontend/onnx/Window.h"

#include <algorithm>

namespace atrous::onnx_import {

Window readWindow(const Importer &im, const std::vector<int64_t> &in, std::vector<int64_t> kernel) {
  const size_t rank = in.size();
  Window w;
  std::vector<int64_t> shape = im.attrInts("kernel_shape");
  if (kernel.empty()) {
    if (shape.empty()) im.fail("kernel_shape is required");
    kernel = shape;
  } else if (!shape.empty() && shape != kernel) {
    im.fail("kernel_shape " + shapeStr(shape) + " does not match the weight's kernel " +
            shapeStr(kernel));
  }
  auto perDim = [&](const char *name, int64_t def) {
    std::vector<int64_t> v = im.attrInts(name);
    if (v.empty()) v.assign(rank, def);
    if (v.size() != rank)
      im.fail(std::string(name) + " " + shapeStr(v) + " should have " + std::to_string(rank) +
              " values");
    return v;
  };
  w.kernel = kernel;
  if (w.kernel.size() != rank)
    im.fail("kernel " + shapeStr(w.kernel) + " does not fit " + std::to_string(rank) +
            " spatial dims");
  w.stride = perDim("strides", 1);
  w.dilation = perDim("dilations", 1);
  for (size_t d = 0; d < rank; ++d)
    if (w.kernel[d] < 1 || w.stride[d] < 1 || w.dilation[d] < 1)
      im.fail("kernel, strides and dilations must be positive");
  std::string autoPad = im.attrString("auto_pad", "NOTSET");
  w.padBegin.assign(rank, 0);
  w.padEnd.assign(rank, 0);
  if (autoPad == "NOTSET") {
    std::vector<int64_t> pads = im.attrInts("pads");
    if (pads.empty()) return w;
    if (pads.size() != 2 * rank)
      im.fail("pads " + shapeStr(pads) + " should have " + std::to_string(2 * rank) + " values");
    for (size_t d = 0; d < rank; ++d) {
      w.padBegin[d] = pads[d];
      w.padEnd[d] = pads[d + rank];
      if (w.padBegin[d] < 0 || w.padEnd[d] < 0) im.fail("pads must not be negative");
    }
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (size_t d = 0; d < rank; ++d) {
      int64_t out = (in[d] + w.stride[d] - 1) / w.stride[d];
      int64_t span = w.dilation[d] * (w.kernel[d] - 1) + 1;
      int64_t total = std::max<int64_t>(0, (out - 1) * w.stride[d] + span - in[d]);
      w.padBegin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.padEnd[d] = total - w.padBegin[d];
    }
  } else if (autoPad != "VALID") {
    im.unsupportedAttr("auto_pad", autoPad);
  }
  return w;
}

AttrValue compactInts(const std::vector<int64_t> &values) {
  if (!values.empty() &&
      std::all_of(values.begin(), values.end(), [&](int64_t v) { return v == values[0]; }))
    return values[0];
  return values;
}

AttrValue padValue(const std::vector<int64_t> &begin, const std::vector<int64_t> &end) {
  if (begin != end) {
    std::vector<int64_t> all = begin;
    all.insert(all.end(), end.begin(), end.end());
    return all;
  }
  return compactInts(begin);
}

} // namespace atrous::onnx_import
