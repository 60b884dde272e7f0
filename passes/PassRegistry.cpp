#include <functional>
#include <map>

#include "ir/Error.h"
#include "passes/Pass.h"
#if __has_include("passes/FoldBatchNorm.h")
#include "passes/FoldBatchNorm.h"
#define HAVE_A 1
#endif
#if __has_include("passes/FuseEpilogue.h")
#include "passes/FuseEpilogue.h"
#define HAVE_B 1
#endif
#if __has_include("passes/FuseAspp.h")
#include "passes/FuseAspp.h"
#define HAVE_B2 1
#endif
#if __has_include("passes/LowerConvTranspose.h")
#include "passes/LowerConvTranspose.h"
#define HAVE_C 1
#endif
#if __has_include("passes/FuseResizeArgMax.h")
#include "passes/FuseResizeArgMax.h"
#define HAVE_C2 1
#endif
#if __has_include("passes/FoldConstants.h")
#include "passes/FoldConstants.h"
#define HAVE_A2 1
#endif
#if __has_include("passes/CommonSubexpressions.h")
#include "passes/CommonSubexpressions.h"
#define HAVE_A3 1
#endif
#if __has_include("passes/DeadCode.h")
#include "passes/DeadCode.h"
#define HAVE_A4 1
#endif

namespace atrous {

using PassFactory = std::function<std::unique_ptr<Pass>()>;

static const std::map<std::string, PassFactory> &registry() {
  static const std::map<std::string, PassFactory> passes = {
#ifdef HAVE_A
      {"fold-batchnorm", createFoldBatchNormPass},
#endif
#ifdef HAVE_A2
      {"fold-constants", createFoldConstantsPass},
#endif
#ifdef HAVE_A3
      {"cse", createCsePass},
#endif
#ifdef HAVE_A4
      {"dce", createDcePass},
#endif
#ifdef HAVE_B
      {"fuse-epilogue", createFuseEpiloguePass},
#endif
#ifdef HAVE_B2
      {"fuse-aspp", createFuseAsppPass},
#endif
#ifdef HAVE_C
      {"lower-conv-transpose", createLowerConvTransposePass},
#endif
#ifdef HAVE_C2
      {"fuse-resize-argmax", createFuseResizeArgMaxPass},
#endif
  };
  return passes;
}

std::unique_ptr<Pass> createPass(const std::string &name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second();
}

std::vector<std::string> allPassNames() {
  std::vector<std::string> names;
  for (const auto &[name, factory] : registry()) names.push_back(name);
  return names;
}

std::vector<std::string> pipelinePasses(const std::string &level) {
  if (level == "O0") return {};
  if (level != "O2") throw Error("unknown optimisation level '" + level + "' (O0 or O2)");
  std::vector<std::string> o2 = {"fold-constants", "fold-batchnorm", "cse",
                                 "lower-conv-transpose", "fuse-aspp", "fuse-epilogue",
                                 "fuse-resize-argmax", "dce"};
  std::vector<std::string> available;
  for (const std::string &p : o2)
    if (registry().count(p)) available.push_back(p);
  return available;
}

} // namespace atrous
