// `atrousc print`: the verified IR in the text format.
#include <fmt/core.h>

#include "ir/Printer.h"
#include "tools/atrousc/Commands.h"

namespace atrous::cli {

int printCommand(const ModelOptions &options) {
  fmt::print("{}", printGraph(options.load()));
  return 0;
}

} // namespace atrous::cli
