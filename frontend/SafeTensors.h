// Reading and writing the safetensors format: an 8-byte little-endian header
// length, a JSON header mapping tensor names to dtype, shape and byte offsets,
// then the raw data. F32 and I32 load as themselves; F16, BF16 and F64 are
// converted to f32, the compiler's working type.
#pragma once

#include <string>

#include "ir/Weights.h"

namespace atrous {

// Throws atrous::Error naming the file and, where it applies, the tensor:
// truncated files, bad headers, offsets out of range, unknown dtypes.
Weights readSafeTensors(const std::string &path);
void writeSafeTensors(const std::string &path, const Weights &weights);

} // namespace atrous
