// A position in a model's source text, kept on every node so that errors found
// long after parsing (by the verifier, shape inference or a pass) still point
// at the line the user wrote.
#pragma once

#include <string>

namespace atrous {

struct SourceLoc {
  std::string file;
  int line = 0; // 1-based; 0 means unknown
  int col = 0;  // 1-based

  bool known() const { return line > 0; }
  // "file:line:col", or the file alone when the position is unknown.
  std::string str() const;
};

} // namespace atrous
