#include "ir/Error.h"

namespace atrous {

static std::string formatSourceError(const SourceLoc &loc, const std::string &message,
                                     const std::string &snippet) {
  std::string out;
  if (!loc.file.empty() || loc.known()) out += loc.str() + ": ";
  out += "error: " + message;
  if (!snippet.empty()) {
    out += "\n  " + snippet + "\n  ";
    out += std::string(loc.col > 0 ? loc.col - 1 : 0, ' ') + "^";
  }
  return out;
}

SourceError::SourceError(SourceLoc loc, const std::string &message, const std::string &snippet)
    : Error(formatSourceError(loc, message, snippet)), loc_(std::move(loc)), message_(message) {}

std::string SourceLoc::str() const {
  std::string s = file.empty() ? "<input>" : file;
  if (known()) s += ":" + std::to_string(line) + ":" + std::to_string(col);
  return s;
}

} // namespace atrous
