#include "codegen/Target.h"

#include "ir/Error.h"

namespace atrous::codegen {

Halide::Target parseTarget(const std::string &spec) {
  std::string s = spec.empty() ? "host" : spec;
  if (!Halide::Target::validate_target_string(s))
    throw Error("unknown target '" + spec +
                "' (use host, host-cuda, or a Halide target such as x86-64-linux-avx2)");
  Halide::Target t(s);
  // CUDA without a capability would target sm_20, which current ptxas
  // versions no longer accept.
  if (t.has_feature(Halide::Target::CUDA) && t.get_cuda_capability_lower_bound() < 30)
    t = t.with_feature(Halide::Target::CUDACapability80);
  return t;
}

bool isGpuTarget(const Halide::Target &target) {
  return target.has_gpu_feature();
}

bool runsOnHost(const Halide::Target &target) {
  Halide::Target host = Halide::get_host_target();
  if (target.arch != host.arch || target.bits != host.bits || target.os != host.os) return false;
  if (isGpuTarget(target)) return false;
  for (Halide::Target::Feature f :
       {Halide::Target::AVX, Halide::Target::AVX2, Halide::Target::FMA, Halide::Target::F16C,
        Halide::Target::SSE41, Halide::Target::AVX512, Halide::Target::AVX512_Skylake,
        Halide::Target::AVX512_Cannonlake, Halide::Target::AVX512_SapphireRapids})
    if (target.has_feature(f) && !host.has_feature(f)) return false;
  return true;
}

} // namespace atrous::codegen
