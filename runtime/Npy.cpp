// Reading and writing NumPy .npy files. The header is a Python dict literal;
// it is parsed as one (quotes, spacing, trailing commas) rather than matched
// against the exact text NumPy writes, and everything read from the file is
// bounds-checked so that a damaged file fails with a message, never a crash.
#include "runtime/Npy.h"

#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

namespace atrous::rt {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// NumPy refuses headers above 10000 bytes by default; allow more, but not an
// amount that only a corrupt length field would claim.
constexpr uint32_t kMaxHeaderLen = 1u << 20;
// NumPy aligns the data to 64 bytes and leaves room in the header for the
// first dimension to grow to this many digits.
constexpr size_t kArrayAlign = 64;
constexpr size_t kGrowthAxisMaxDigits = 21;

[[noreturn]] void fail(const std::string &what, const std::string &message) {
  throw std::runtime_error(what + ": " + message);
}

struct Header {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

// A recursive-descent reader of the small subset of Python literals that
// .npy headers use: a dict of string keys to strings, booleans and tuples of
// integers.
class HeaderParser {
public:
  HeaderParser(const std::string &text, const std::string &what) : text_(text), what_(what) {}

  Header parse() {
    Header header;
    bool haveDescr = false, haveOrder = false, haveShape = false;
    expect('{');
    while (!tryConsume('}')) {
      std::string key = parseString();
      expect(':');
      if (key == "descr") {
        header.descr = parseString();
        haveDescr = true;
      } else if (key == "fortran_order") {
        header.fortranOrder = parseBool();
        haveOrder = true;
      } else if (key == "shape") {
        header.shape = parseShape();
        haveShape = true;
      } else {
        bad("unexpected key '" + key + "' in header");
      }
      if (!tryConsume(',')) {
        expect('}');
        break;
      }
    }
    skipSpace();
    if (pos_ != text_.size()) bad("unexpected text after the header dict");
    if (!haveDescr || !haveOrder || !haveShape)
      bad("header lacks one of 'descr', 'fortran_order', 'shape'");
    return header;
  }

private:
  [[noreturn]] void bad(const std::string &message) { fail(what_, message); }

  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  bool tryConsume(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!tryConsume(c))
      bad(std::string("malformed header: expected '") + c + "' at offset " + std::to_string(pos_));
  }

  std::string parseString() {
    skipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      bad("malformed header: expected a string at offset " + std::to_string(pos_));
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string::npos) bad("malformed header: unterminated string");
    std::string s = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }

  bool parseBool() {
    skipSpace();
    for (const char *word : {"True", "False"}) {
      size_t n = std::strlen(word);
      if (text_.compare(pos_, n, word) == 0) {
        pos_ += n;
        return word[0] == 'T';
      }
    }
    bad("malformed header: 'fortran_order' is not True or False");
  }

  int64_t parseDim() {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == '-') bad("negative dimension in shape");
    if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_])))
      bad("malformed header: expected a dimension at offset " + std::to_string(pos_));
    int64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      int digit = text_[pos_++] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
        bad("dimension too large in shape");
      value = value * 10 + digit;
    }
    // Python 2 wrote long integers as `3L`.
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
    return value;
  }

  std::vector<int64_t> parseShape() {
    std::vector<int64_t> shape;
    expect('(');
    while (!tryConsume(')')) {
      shape.push_back(parseDim());
      if (!tryConsume(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }

  const std::string &text_;
  const std::string &what_;
  size_t pos_ = 0;
};

NpyType typeFromDescr(const std::string &descr, const std::string &what) {
  for (NpyType t : {NpyType::F32, NpyType::F64, NpyType::I32, NpyType::I64, NpyType::U8})
    if (descr == npyDescr(t)) return t;
  if (descr == "<u1") return NpyType::U8;
  if (!descr.empty() && descr[0] == '>')
    fail(what, "big-endian dtype '" + descr + "' is not supported");
  fail(what, "unsupported dtype '" + descr + "' (supported: <f4, <f8, <i4, <i8, |u1)");
}

// Element count of `shape`, or a failure when it (or its byte size) overflows.
int64_t checkedByteSize(const std::vector<int64_t> &shape, int itemSize, const std::string &what) {
  int64_t numel = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(what, "negative dimension in shape");
    if (d != 0 && numel > std::numeric_limits<int64_t>::max() / d)
      fail(what, "shape is too large: its size overflows");
    numel *= d;
  }
  if (numel > std::numeric_limits<int64_t>::max() / itemSize)
    fail(what, "shape is too large: its size overflows");
  return numel * itemSize;
}

uint32_t readLE(const uint8_t *p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

std::string shapeTuple(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

} // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int npyTypeSize(NpyType t) {
  switch (t) {
  case NpyType::F32:
  case NpyType::I32:
    return 4;
  case NpyType::F64:
  case NpyType::I64:
    return 8;
  case NpyType::U8:
    return 1;
  }
  return 0;
}

const char *npyDescr(NpyType t) {
  switch (t) {
  case NpyType::F32:
    return "<f4";
  case NpyType::F64:
    return "<f8";
  case NpyType::I32:
    return "<i4";
  case NpyType::I64:
    return "<i8";
  case NpyType::U8:
    return "|u1";
  }
  return "";
}

NpyArray parseNpy(const std::vector<uint8_t> &bytes, const std::string &what) {
  if (bytes.size() < kMagicLen + 2 || std::memcmp(bytes.data(), kMagic, kMagicLen) != 0)
    fail(what, "not a .npy file (bad magic)");
  int major = bytes[6], minor = bytes[7];
  if (minor != 0 || major < 1 || major > 3)
    fail(what, "unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor));
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t headerStart = kMagicLen + 2 + lenBytes;
  if (bytes.size() < headerStart) fail(what, "truncated header");
  uint32_t headerLen = readLE(bytes.data() + kMagicLen + 2, static_cast<int>(lenBytes));
  if (headerLen > kMaxHeaderLen)
    fail(what, "header length " + std::to_string(headerLen) + " is absurdly large");
  if (bytes.size() - headerStart < headerLen)
    fail(what, "truncated header: " + std::to_string(headerLen) + " bytes announced, " +
                   std::to_string(bytes.size() - headerStart) + " present");
  std::string text(bytes.begin() + static_cast<std::ptrdiff_t>(headerStart),
                   bytes.begin() + static_cast<std::ptrdiff_t>(headerStart + headerLen));
  Header header = HeaderParser(text, what).parse();
  if (header.fortranOrder)
    fail(what, "Fortran-order arrays are not supported; save a C-contiguous array");

  NpyArray array;
  array.type = typeFromDescr(header.descr, what);
  array.shape = header.shape;
  int64_t dataBytes = checkedByteSize(array.shape, npyTypeSize(array.type), what);
  size_t dataStart = headerStart + headerLen;
  uint64_t present = bytes.size() - dataStart;
  if (present < static_cast<uint64_t>(dataBytes))
    fail(what, "truncated data: shape " + shapeTuple(array.shape) + " needs " +
                   std::to_string(dataBytes) + " bytes, " + std::to_string(present) + " present");
  if (present > static_cast<uint64_t>(dataBytes))
    fail(what, "has " + std::to_string(present - dataBytes) + " bytes after the data");
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(dataStart), bytes.end());
  return array;
}

NpyArray readNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return parseNpy(bytes, path);
}

std::vector<uint8_t> serializeNpy(const NpyArray &array) {
  int64_t dataBytes = checkedByteSize(array.shape, npyTypeSize(array.type), "array to save");
  if (static_cast<uint64_t>(dataBytes) != array.data.size())
    throw std::runtime_error("array to save: shape " + shapeTuple(array.shape) + " needs " +
                             std::to_string(dataBytes) + " bytes of data, it has " +
                             std::to_string(array.data.size()));
  // The same text, spacing and padding as numpy.save, so files are identical.
  std::string dict = std::string("{'descr': '") + npyDescr(array.type) +
                     "', 'fortran_order': False, 'shape': " + shapeTuple(array.shape) + ", }";
  if (!array.shape.empty())
    dict.append(kGrowthAxisMaxDigits - std::to_string(array.shape[0]).size(), ' ');
  size_t lenBytes = 2;
  auto paddedHeaderLen = [&] {
    size_t unpadded = kMagicLen + 2 + lenBytes + dict.size() + 1;
    return dict.size() + 1 + (kArrayAlign - unpadded % kArrayAlign);
  };
  size_t headerLen = paddedHeaderLen();
  if (headerLen > 65535) {
    lenBytes = 4; // version 2.0, as NumPy falls back to for huge headers
    headerLen = paddedHeaderLen();
  }

  std::vector<uint8_t> out(kMagic, kMagic + kMagicLen);
  out.push_back(lenBytes == 2 ? 1 : 2);
  out.push_back(0);
  for (size_t i = 0; i < lenBytes; ++i)
    out.push_back(static_cast<uint8_t>(headerLen >> (8 * i)));
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), headerLen - dict.size() - 1, ' ');
  out.push_back('\n');
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

void writeNpy(const std::string &path, const NpyArray &array) {
  std::vector<uint8_t> bytes = serializeNpy(array);
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error(path + ": cannot open file for writing");
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(path + ": write error");
}

} // namespace atrous::rt
