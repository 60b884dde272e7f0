// A halide_buffer_t over an app's memory, as the tests of the generated C
// API (docs/generated-api.md) pass it: 32-bit elements, dims given innermost
// first with whatever strides the test wants to offer.
#pragma once

#include <HalideRuntime.h>

#include <cstdint>
#include <vector>

namespace atrous::test {

inline halide_buffer_t bufferOver(void *host, std::vector<halide_dimension_t> &dims,
                                  halide_type_code_t code = halide_type_float) {
  halide_buffer_t b{};
  b.host = static_cast<uint8_t *>(host);
  b.type.code = code;
  b.type.bits = 32;
  b.type.lanes = 1;
  b.dimensions = static_cast<int32_t>(dims.size());
  b.dim = dims.data();
  return b;
}

} // namespace atrous::test
