// PNG reading and writing over libpng, from and to memory. libpng reports
// errors by longjmp to the caller's setjmp; a longjmp that skips a C++
// destructor is undefined behaviour, so every libpng call happens in a
// function (readRows, writeRows) whose own frame, and the frames a longjmp
// may skip, hold no object with a destructor: all storage lives in the
// caller, and the callbacks called from libpng never throw.
#include "runtime/Png.h"

#include <png.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>

#include "runtime/Status.h"

namespace atrous::rt {

namespace {

constexpr size_t kSignatureSize = 8;

// What libpng's callbacks reach through its error and I/O pointers.
struct PngContext {
  const uint8_t *input = nullptr;
  size_t inputSize = 0;
  size_t inputPos = 0;
  std::vector<uint8_t> *output = nullptr;
  char message[256] = "unknown libpng error";
};

void onError(png_structp png, png_const_charp message) {
  auto *context = static_cast<PngContext *>(png_get_error_ptr(png));
  std::snprintf(context->message, sizeof context->message, "%s", message);
  png_longjmp(png, 1);
}

// Warnings (unknown ancillary chunks, a bad ancillary CRC) do not stop a read.
void onWarning(png_structp, png_const_charp) {}

void readFromMemory(png_structp png, png_bytep destination, size_t length) {
  auto *context = static_cast<PngContext *>(png_get_io_ptr(png));
  if (context->inputSize - context->inputPos < length)
    png_error(png, "truncated file: the data ends inside a chunk or before IEND");
  std::memcpy(destination, context->input + context->inputPos, length);
  context->inputPos += length;
}

void writeToMemory(png_structp png, png_bytep source, size_t length) {
  auto *context = static_cast<PngContext *>(png_get_io_ptr(png));
  bool stored = true;
  try {
    context->output->insert(context->output->end(), source, source + length);
  } catch (const std::bad_alloc &) {
    stored = false;
  }
  if (!stored) png_error(png, "out of memory");
}

void flushMemory(png_structp) {}

// Storage for one decode, outside the frame that libpng may longjmp to.
struct DecodeState {
  RgbImage image;
  std::vector<png_bytep> rows;
};

// Returns false when libpng reported an error (its message is in the context).
bool readRows(png_structp png, png_infop info, DecodeState &state) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_user_limits(png, kMaxPngSide, kMaxPngSide);
  png_read_info(png, info);
  png_set_expand(png); // palette to RGB, gray below 8 bits to 8, tRNS to alpha
  png_set_scale_16(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8)
    png_error(png, "libpng did not convert the image to 8-bit RGB");
  state.image = RgbImage(static_cast<int>(png_get_image_width(png, info)),
                         static_cast<int>(png_get_image_height(png, info)));
  state.rows.resize(static_cast<size_t>(state.image.height));
  for (int y = 0; y < state.image.height; ++y)
    state.rows[y] = state.image.pixel(0, y);
  png_read_image(png, state.rows.data());
  png_read_end(png, nullptr);
  return true;
}

bool writeRows(png_structp png, png_infop info, const RgbImage &image,
               std::vector<png_bytep> &rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  return true;
}

class ReadStructs {
public:
  explicit ReadStructs(PngContext &context) {
    png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, onError, onWarning);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~ReadStructs() { png_destroy_read_struct(&png_, &info_, nullptr); }
  ReadStructs(const ReadStructs &) = delete;
  ReadStructs &operator=(const ReadStructs &) = delete;
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

class WriteStructs {
public:
  explicit WriteStructs(PngContext &context) {
    png_ = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, onError, onWarning);
    if (png_) info_ = png_create_info_struct(png_);
  }
  ~WriteStructs() { png_destroy_write_struct(&png_, &info_); }
  WriteStructs(const WriteStructs &) = delete;
  WriteStructs &operator=(const WriteStructs &) = delete;
  png_structp png() const { return png_; }
  png_infop info() const { return info_; }

private:
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
};

std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(path + ": cannot open file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw RuntimeError(path + ": read error");
  return bytes;
}

void checkWritable(const RgbImage &image) {
  if (image.width < 1 || image.height < 1 || image.width > kMaxPngSide ||
      image.height > kMaxPngSide)
    throw RuntimeError("cannot write a " + std::to_string(image.width) + "x" +
                       std::to_string(image.height) + " PNG: each side must be in [1, " +
                       std::to_string(kMaxPngSide) + "]");
  size_t expected = static_cast<size_t>(image.width) * image.height * 3;
  if (image.rgb.size() != expected)
    throw RuntimeError("cannot write a " + std::to_string(image.width) + "x" +
                       std::to_string(image.height) + " PNG from " +
                       std::to_string(image.rgb.size()) + " bytes of RGB; it needs " +
                       std::to_string(expected));
}

} // namespace

RgbImage::RgbImage(int width, int height)
    : width(width), height(height), rgb(static_cast<size_t>(width) * height * 3) {}

RgbImage decodePng(const std::vector<uint8_t> &bytes, const std::string &what) {
  size_t prefix = bytes.size() < kSignatureSize ? bytes.size() : kSignatureSize;
  if (prefix == 0 || png_sig_cmp(bytes.data(), 0, prefix) != 0)
    throw RuntimeError(what + ": not a PNG file");
  if (bytes.size() < kSignatureSize)
    throw RuntimeError(what + ": truncated PNG: " + std::to_string(bytes.size()) +
                       " bytes, shorter than the signature");

  PngContext context;
  context.input = bytes.data();
  context.inputSize = bytes.size();
  ReadStructs structs(context);
  if (!structs.png() || !structs.info())
    throw RuntimeError(what + ": out of memory creating the PNG reader");
  png_set_read_fn(structs.png(), &context, readFromMemory);
  DecodeState state;
  if (!readRows(structs.png(), structs.info(), state))
    throw RuntimeError(what + ": bad PNG: " + context.message);
  return std::move(state.image);
}

RgbImage readPng(const std::string &path) {
  return decodePng(readFile(path), path);
}

std::vector<uint8_t> encodePng(const RgbImage &image) {
  checkWritable(image);
  std::vector<uint8_t> bytes;
  PngContext context;
  context.output = &bytes;
  WriteStructs structs(context);
  if (!structs.png() || !structs.info())
    throw RuntimeError("out of memory creating the PNG writer");
  png_set_write_fn(structs.png(), &context, writeToMemory, flushMemory);
  // libpng's row pointers are not const, but writing only reads them.
  std::vector<png_bytep> rows(static_cast<size_t>(image.height));
  for (int y = 0; y < image.height; ++y)
    rows[y] = const_cast<png_bytep>(image.pixel(0, y));
  if (!writeRows(structs.png(), structs.info(), image, rows))
    throw RuntimeError(std::string("cannot encode PNG: ") + context.message);
  return bytes;
}

void writePng(const std::string &path, const RgbImage &image) {
  std::vector<uint8_t> bytes = encodePng(image);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw RuntimeError(path + ": cannot open file for writing");
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw RuntimeError(path + ": write error");
}

} // namespace atrous::rt
