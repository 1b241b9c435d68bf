// Pillow's bicubic resampling of 8-bit images (Image.resize(size, BICUBIC)), bit for bit: the one
// resampler of the image pipeline (JPEGs decoded here, and pixels decoded by sharp through the
// pixelsResample op), for reductions and enlargements.
#pragma once

#include <cstdint>
#include <vector>

namespace zscl {
namespace image {

// A rectangle in pixels.
struct Box {
  int left = 0, top = 0, width = 0, height = 0;
};

// Take `source` of the image as an image of its own (Pillow's crop), resize it to width × height,
// keep `output` of the result (a resize followed by a crop).
struct ResizePlan {
  Box source;
  int width = 0, height = 0;
  Box output;
};

// Interleaved 8-bit pixels (1 or 3 channels) of a width × height image, of which only the rows
// [firstRow, firstRow + rows) and the columns [firstColumn, …) are in memory: `data` points at
// (firstColumn, firstRow), rows `stride` bytes apart. The buffer must have 32 readable bytes past
// the last pixel of each row (the vector loads read ahead; what they read there is weighted 0).
struct PixelView {
  const uint8_t* data;
  int width, height, channels;
  int64_t stride;
  int firstRow = 0, rows = 0, firstColumn = 0;
};

// The source rows [first, last) of `plan` that resampleBicubic reads: a decoder may skip the rest.
void sourceRowsRead(const ResizePlan& plan, int* first, int* last);

// Writes plan.output.width × plan.output.height × channels bytes (interleaved, row-major) of the
// plan applied to `source` into `out`, which must have 4 bytes of slack after them. Only the output
// box is computed: the values equal resizing everything and cropping. `source` must cover
// plan.source (the caller checks).
void resampleBicubic(const PixelView& source, const ResizePlan& plan, uint8_t* out);

}  // namespace image
}  // namespace zscl
