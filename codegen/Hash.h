// FNV-1a, the 64-bit hash behind cache keys and weights fingerprints: stable
// across runs and platforms, which std::hash is not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace atrous::codegen {

inline constexpr uint64_t kFnvOffset = 1469598103934665603ull;

// Continues the hash `h` over `n` bytes.
inline uint64_t fnv1a(const void *data, size_t n, uint64_t h = kFnvOffset) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  return h;
}

inline uint64_t fnv1a(const std::string &s) {
  return fnv1a(s.data(), s.size());
}

// `h` as 16 hex digits, for names of cached files and functions.
inline std::string hexDigest(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

} // namespace atrous::codegen
