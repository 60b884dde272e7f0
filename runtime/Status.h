// The status codes every generated model returns (the ATROUS_* macros of
// docs/generated-api.md) as a C++ enum, and the exception that runtime code
// throws. Kept free of the generated header so an app can include it before,
// after or without one; the values are the C API's and must not change.
#pragma once

#include <stdexcept>
#include <string>

namespace atrous::rt {

enum class Status : int {
  Ok = 0,
  NullPointer = -1,
  BadBuffer = -2,
  OutOfMemory = -3,
  Weights = -4,
  Halide = -5,
};

// The macro name of a status code, e.g. "ATROUS_ERROR_BAD_BUFFER", or
// "unknown status" for a value no model returns.
const char *statusName(int code);
inline const char *statusName(Status status) {
  return statusName(static_cast<int>(status));
}

// What runtime code throws: a message that names the file or value at fault.
class RuntimeError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace atrous::rt
