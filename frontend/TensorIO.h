// Conversion between the runtime's .npy arrays and the compiler's tensors, for
// the driver's inputs and outputs. Tensors are f32 or i32 only, so wider and
// narrower NumPy types are converted on the way in.
#pragma once

#include <string>

#include "ir/Tensor.h"
#include "runtime/Npy.h"

namespace atrous {

// f32 and i32 load as themselves, f64 narrows to f32, i64 to i32 (an error if
// a value does not fit) and u8 widens to i32. Throws atrous::Error naming
// `what` (e.g. the file or input name).
Tensor tensorFromNpy(const rt::NpyArray &array, const std::string &what);
rt::NpyArray npyFromTensor(const Tensor &tensor);

} // namespace atrous
