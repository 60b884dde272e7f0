// Runs a list of passes in order, verifying the graph (and, when present,
// checking the weights against it) after each one, so a broken rewrite is
// caught at the pass that broke it. Can print the IR after every pass or
// after named ones, as `opt -print-after` does in LLVM.
#pragma once

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "passes/Pass.h"

namespace atrous {

struct PassRunOptions {
  bool printAfterAll = false;
  std::set<std::string> printAfter;
  std::ostream *out = nullptr; // where printed IR goes
};

// Throws atrous::Error naming an unknown pass, or the pass after which the
// graph failed to verify.
void runPasses(Graph &graph, Weights *weights, const std::vector<std::string> &passes,
               const PassRunOptions &options = {});

// Splits "a,b,c" into names.
std::vector<std::string> splitPassList(const std::string &list);

} // namespace atrous
