// The .atr text format (docs/format.md): a model is parsed straight into a
// verified, shape-inferred ir::Graph. Blocks are expanded at their call sites.
// Every error is an atrous::SourceError with file:line:column and the line.
#pragma once

#include <map>
#include <string>

#include "ir/Graph.h"

namespace atrous {

struct ParseOptions {
  // Replaces the declared shape of the named inputs (`--input-shape`), e.g. to
  // run a model at a test size. Naming an input the model lacks is an error.
  std::map<std::string, Shape> inputShapes;
};

// Parses `text`; `fileName` is used in diagnostics and source locations.
Graph parseModel(const std::string &text, const std::string &fileName = "<input>",
                 const ParseOptions &options = {});
// Reads and parses a file. Throws atrous::Error if it cannot be read.
Graph parseModelFile(const std::string &path, const ParseOptions &options = {});

} // namespace atrous
