#include "ir/Tensor.h"

#include "ir/Error.h"

namespace atrous {

Tensor::Tensor(TensorType type) : type_(std::move(type)) {
  numel_ = numElements(type_.shape);
  if (numel_ > kMaxTensorBytes / dtypeSize(type_.dtype))
    throw Error("tensor of type " + type_.str() + " is larger than the 4 GiB limit");
  words_.assign(static_cast<size_t>(numel_), 0u);
}

static void expectDType(const TensorType &t, DType want) {
  if (t.dtype != want)
    throw Error(std::string("tensor of type ") + t.str() + " accessed as " + dtypeName(want));
}

float *Tensor::f32() {
  expectDType(type_, DType::F32);
  return reinterpret_cast<float *>(words_.data());
}
const float *Tensor::f32() const {
  expectDType(type_, DType::F32);
  return reinterpret_cast<const float *>(words_.data());
}
int32_t *Tensor::i32() {
  expectDType(type_, DType::I32);
  return reinterpret_cast<int32_t *>(words_.data());
}
const int32_t *Tensor::i32() const {
  expectDType(type_, DType::I32);
  return reinterpret_cast<const int32_t *>(words_.data());
}

} // namespace atrous
