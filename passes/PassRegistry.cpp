// The pass registry: every pass by its command-line name, and the named
// pipelines that `atrousc` runs before code generation.
#include <functional>
#include <map>

#include "ir/Error.h"
#include "passes/AnnotateGroups.h"
#include "passes/AnnotateMemoryPlan.h"
#include "passes/AssignLayouts.h"
#include "passes/CommonSubexpressions.h"
#include "passes/DeadCode.h"
#include "passes/FoldBatchNorm.h"
#include "passes/FoldConstants.h"
#include "passes/FuseAspp.h"
#include "passes/FuseEpilogue.h"
#include "passes/FuseResizeArgMax.h"
#include "passes/LowerConvTranspose.h"
#include "passes/Pass.h"
#include "passes/PlaceConcats.h"
#include "passes/PlaceResiduals.h"
#include "passes/SinkActivations.h"
#include "passes/SplitPaddingTaps.h"
#include "passes/Winograd.h"

namespace atrous {

using PassFactory = std::function<std::unique_ptr<Pass>()>;

static const std::map<std::string, PassFactory> &registry() {
  static const std::map<std::string, PassFactory> passes = {
      {"fold-batchnorm", createFoldBatchNormPass},
      {"fold-constants", createFoldConstantsPass},
      {"cse", createCsePass},
      {"dce", createDcePass},
      {"fuse-epilogue", createFuseEpiloguePass},
      {"fuse-aspp", createFuseAsppPass},
      {"lower-conv-transpose", createLowerConvTransposePass},
      {"fuse-resize-argmax", createFuseResizeArgMaxPass},
      {"assign-layouts", createAssignLayoutsPass},
      {"group", createGroupPass},
      {"place-concats", createPlaceConcatsPass},
      {"place-interleaves", createPlaceInterleavesPass},
      {"place-residuals", createPlaceResidualsPass},
      {"sink-activations", createSinkActivationsPass},
      {"plan-memory", createPlanMemoryPass},
      {"winograd", [] { return createWinogradPass(); }},
      {"split-padding-taps", createSplitPaddingTapsPass},
  };
  return passes;
}

std::unique_ptr<Pass> createPass(const std::string &name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second();
}

std::vector<std::string> allPassNames() {
  std::vector<std::string> names;
  for (const auto &[name, factory] : registry())
    names.push_back(name);
  return names;
}

std::vector<std::string> pipelinePasses(const std::string &level) {
  if (level == "O0") return {};
  if (level != "O2") throw Error("unknown optimisation level '" + level + "' (O0 or O2)");
  // Simplify first so the fusions see canonical patterns; BN folding before
  // epilogue fusion so that conv -> bn -> relu becomes one conv; the
  // transposed-conv and ASPP rewrites before epilogue fusion so their new
  // convs take activations too (a transposed conv's activation first sinks
  // through the interleave of its phases); winograd after the fusions, so
  // the convs it rewrites carry their epilogues along; split-padding-taps
  // after winograd, on the direct convs it left; dead code before the
  // decisions about what remains: layouts, then the groups (a chain keeps its
  // anchor's layout), the concats and interleaves whose parts write in place,
  // the convs that write over their residuals (whose residual must not be a
  // part of one), then the arena over the groups.
  return {"fold-constants",
          "fold-batchnorm",
          "cse",
          "lower-conv-transpose",
          "sink-activations",
          "fuse-aspp",
          "fuse-epilogue",
          "winograd",
          "split-padding-taps",
          "fuse-resize-argmax",
          "dce",
          "assign-layouts",
          "group",
          "place-concats",
          "place-interleaves",
          "place-residuals",
          "plan-memory"};
}

} // namespace atrous
