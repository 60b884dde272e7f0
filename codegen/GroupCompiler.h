// Compiles groups to object files through a content-addressed cache: the
// function in each object is named `atrous_<hash of the group signature>`, so
// a group that two models (or two test cases) share is compiled once, and
// identical code in two linked models resolves to one definition. Groups are
// compiled in parallel, one pipeline each, with Halide's no_runtime.
#pragma once

#include <string>
#include <vector>

#include <Halide.h>

#include "codegen/Group.h"

namespace atrous::codegen {

struct GroupObject {
  std::string functionName;
  std::string objectPath;
  bool cached = false; // found in the cache rather than compiled now
};

// One object per group; an in-place group (which has no code) gets an empty
// one.
std::vector<GroupObject> compileGroups(const Graph &graph, const std::vector<Group> &groups,
                                       const Halide::Target &target, const std::string &cacheDir);

// The cache directory to use: `requested` if set, else $ATROUS_CACHE_DIR,
// else ~/.cache/atrous (or /tmp/atrous-cache without a home). Created if
// missing.
std::string resolveCacheDir(const std::string &requested);

// The target groups are compiled for: `target` with no_runtime and a user
// context (through which the generated driver collects error messages).
Halide::Target groupTarget(const Halide::Target &target);

} // namespace atrous::codegen
