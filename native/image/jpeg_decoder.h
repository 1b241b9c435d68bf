// Decoding JPEGs with libjpeg(-turbo) exactly as Pillow does (Image.open(f).convert("RGB")): the
// same library calls and settings, hence the same pixels. Only 8-bit greyscale and YCbCr/RGB
// streams are handled; for anything else readHeader() says no and the caller takes another path.
// Compiled only when CMake found libjpeg (ZSCL_WITH_JPEG).
#pragma once

#ifdef ZSCL_WITH_JPEG

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "image/resample.h"

namespace zscl {
namespace image {

struct JpegInfo {
  int width = 0, height = 0;
  int channels = 0;     // 1 (grey) or 3 (RGB)
  int orientation = 1;  // EXIF orientation 1…8 (1 when absent)
};

// One decode. Not thread-safe; use one per thread at a time.
class JpegDecoder {
 public:
  // `name` is how errors name the image.
  explicit JpegDecoder(std::string name);
  ~JpegDecoder();
  JpegDecoder(const JpegDecoder&) = delete;
  JpegDecoder& operator=(const JpegDecoder&) = delete;

  // Reads the header of the JPEG in data[0, size) (which must outlive the decoder). Returns false
  // when the stream is not one Pillow would decode the same way (CMYK/YCCK, other colour
  // spaces or precisions). Throws E_FORMAT naming the image for a corrupt header.
  bool readHeader(const uint8_t* data, size_t size, JpegInfo* info);

  // Decodes the rows [firstRow, lastRow) and at least the columns [firstColumn, lastColumn)
  // into `buffer` (resized as needed) and returns the view of them. The other rows are
  // entropy-decoded but not converted, so a truncated or corrupt file fails wherever it is
  // damaged. Throws E_FORMAT naming the image ("Premature end of JPEG file" for truncation, as
  // Pillow's "image file is truncated"); other libjpeg warnings are ignored, as Pillow does.
  PixelView decode(int firstRow, int lastRow, int firstColumn, int lastColumn,
                   std::vector<uint8_t>& buffer);

 private:
  [[noreturn]] void fail() const;

  struct State;
  std::unique_ptr<State> state_;
  std::string name_;
};

}  // namespace image
}  // namespace zscl

#endif  // ZSCL_WITH_JPEG
