// PNG images in and out of apps that run a segmentation model: any PNG
// (gray, gray+alpha, RGB, RGBA, palette; 1 to 16 bits; interlaced or not)
// is read as 8-bit RGB, and 8-bit RGB images (masks, overlays) are written.
// A damaged file throws RuntimeError naming it; it never crashes the app.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atrous::rt {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb; // row-major from the top row, 3 bytes per pixel

  RgbImage() = default;
  RgbImage(int width, int height);
  uint8_t *pixel(int x, int y) { return rgb.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t *pixel(int x, int y) const {
    return rgb.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
};

// The largest width or height read or written, a guard against files whose
// header claims an image that would exhaust memory.
constexpr int kMaxPngSide = 1 << 15;

// Conversions: palette entries are looked up, gray is replicated to three
// channels, 16-bit samples are rounded to 8 bits, alpha (and a tRNS colour
// key) is dropped, and no gamma correction is applied.
RgbImage readPng(const std::string &path);
// `what` names the data in error messages, like a path.
RgbImage decodePng(const std::vector<uint8_t> &bytes, const std::string &what);

void writePng(const std::string &path, const RgbImage &image);
std::vector<uint8_t> encodePng(const RgbImage &image);

} // namespace atrous::rt
