// Names of the generated models' status codes, for messages and logs.
#include "runtime/Status.h"

namespace atrous::rt {

const char *statusName(int code) {
  switch (static_cast<Status>(code)) {
  case Status::Ok:
    return "ATROUS_OK";
  case Status::NullPointer:
    return "ATROUS_ERROR_NULL_POINTER";
  case Status::BadBuffer:
    return "ATROUS_ERROR_BAD_BUFFER";
  case Status::OutOfMemory:
    return "ATROUS_ERROR_OUT_OF_MEMORY";
  case Status::Weights:
    return "ATROUS_ERROR_WEIGHTS";
  case Status::Halide:
    return "ATROUS_ERROR_HALIDE";
  }
  return "unknown status";
}

} // namespace atrous::rt
