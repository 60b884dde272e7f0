// A graph pass: one named rewrite with one purpose, in the manner of LLVM's
// passes. A pass sees the graph and, when the caller has them, the weights:
// rewrites that change parameters (folding batchnorm into a conv, splitting a
// projection's weights) keep the two consistent, and a structural rewrite of
// a graph without weights stays valid once weights are loaded for it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/Weights.h"

namespace atrous {

class Pass {
public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  // One line for `atrousc opt --list-passes`.
  virtual std::string summary() const = 0;
  // Rewrites `graph`, and `weights` when not null. Returns whether anything
  // changed. Throws atrous::Error only on a broken invariant.
  virtual bool run(Graph &graph, Weights *weights) = 0;
};

// Every pass, by name; nullptr for an unknown name.
std::unique_ptr<Pass> createPass(const std::string &name);
std::vector<std::string> allPassNames();

// The named pipelines: "O0" runs nothing, "O2" the default optimisations.
std::vector<std::string> pipelinePasses(const std::string &level);

} // namespace atrous
