#ifdef ZSCL_WITH_JPEG

#include "image/jpeg_decoder.h"

#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <algorithm>
#include <cstring>

#include "image/codes.h"

namespace zscl {
namespace image {

// libjpeg reports fatal errors through error_exit, which must not return: it longjmps back to the
// setjmp of the step that called into libjpeg. Those steps (below) are plain functions whose
// frames hold no object with a destructor, so the jump skips nothing that needs running.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

struct JpegDecoder::State {
  jpeg_decompress_struct cinfo;
  ErrorManager error;
  bool created = false;
  bool started = false;
  int channels = 0;
};

namespace {

void onError(j_common_ptr cinfo) {
  auto* error = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, error->message);
  std::longjmp(error->jump, 1);
}

// Warnings: a premature end of the file is an error (Pillow: "image file is truncated"); the
// others (corrupt data segments, extraneous bytes) are ignored, as Pillow ignores them.
void onMessage(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) onError(cinfo);
}

bool createStep(jpeg_decompress_struct* cinfo, ErrorManager* error) {
  if (setjmp(error->jump)) return false;
  jpeg_create_decompress(cinfo);
  return true;
}

bool headerStep(jpeg_decompress_struct* cinfo, ErrorManager* error, const uint8_t* data,
                size_t size) {
  if (setjmp(error->jump)) return false;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(cinfo, TRUE);
  return true;
}

// Pillow's settings (JpegDecode.c): accurate integer IDCT, fancy upsampling, RGB or grey out.
bool startStep(jpeg_decompress_struct* cinfo, ErrorManager* error, int channels,
               JDIMENSION* xoffset, JDIMENSION* width) {
  if (setjmp(error->jump)) return false;
  cinfo->out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->do_fancy_upsampling = TRUE;
  cinfo->do_block_smoothing = TRUE;
  cinfo->scale_num = cinfo->scale_denom = 1;
  jpeg_start_decompress(cinfo);
  if (*xoffset > 0 || *width < cinfo->output_width) jpeg_crop_scanline(cinfo, xoffset, width);
  return true;
}

// Rows before `first` and after `last` are skipped (entropy-decoded only). libjpeg-turbo's skip
// to the very end decodes nothing, so the last row is read to reach every byte of the scan.
bool readStep(jpeg_decompress_struct* cinfo, ErrorManager* error, int first, int last, uint8_t* out,
              size_t stride, uint8_t* spareRow) {
  if (setjmp(error->jump)) return false;
  JDIMENSION height = cinfo->output_height;
  if (first > 0) jpeg_skip_scanlines(cinfo, static_cast<JDIMENSION>(first));
  while (cinfo->output_scanline < static_cast<JDIMENSION>(last)) {
    JSAMPROW row = out + (cinfo->output_scanline - first) * stride;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  if (cinfo->output_scanline + 1 < height) {
    jpeg_skip_scanlines(cinfo, height - 1 - cinfo->output_scanline);
  }
  while (cinfo->output_scanline < height) {
    JSAMPROW row = spareRow;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  return true;
}

// EXIF orientation from the APP1 markers libjpeg saved (the last valid one wins, as in
// lib/data/image-header.ts).
int exifOrientation(jpeg_decompress_struct* cinfo) {
  int orientation = 1;
  for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != nullptr; m = m->next) {
    const uint8_t* b = m->data;
    size_t n = m->data_length;
    if (m->marker != JPEG_APP0 + 1 || n < 14 || std::memcmp(b, "Exif\0\0", 6) != 0) continue;
    const uint8_t* tiff = b + 6;
    size_t end = n - 6;
    bool little = tiff[0] == 0x49 && tiff[1] == 0x49;
    if (!little && !(tiff[0] == 0x4d && tiff[1] == 0x4d)) continue;
    auto u16 = [&](size_t p) {
      return little ? tiff[p] | (tiff[p + 1] << 8) : (tiff[p] << 8) | tiff[p + 1];
    };
    auto u32 = [&](size_t p) -> uint64_t {
      return little ? uint64_t(tiff[p]) | uint64_t(tiff[p + 1]) << 8 | uint64_t(tiff[p + 2]) << 16 |
                          uint64_t(tiff[p + 3]) << 24
                    : uint64_t(tiff[p]) << 24 | uint64_t(tiff[p + 1]) << 16 |
                          uint64_t(tiff[p + 2]) << 8 | uint64_t(tiff[p + 3]);
    };
    uint64_t ifd = u32(4);
    if (ifd + 2 > end) continue;
    int count = u16(ifd);
    for (int i = 0; i < count; ++i) {
      uint64_t entry = ifd + 2 + 12 * uint64_t(i);
      if (entry + 12 > end) break;
      if (u16(entry) == 0x0112 && u16(entry + 2) == 3) {
        int value = u16(entry + 8);
        if (value >= 1 && value <= 8) orientation = value;
        break;
      }
    }
  }
  return orientation;
}

}  // namespace

JpegDecoder::JpegDecoder(std::string name) : state_(new State()), name_(std::move(name)) {
  auto& s = *state_;
  s.cinfo.err = jpeg_std_error(&s.error.pub);
  s.error.pub.error_exit = onError;
  s.error.pub.emit_message = onMessage;
  if (!createStep(&s.cinfo, &s.error)) fail();
  s.created = true;
}

JpegDecoder::~JpegDecoder() {
  if (state_->created) jpeg_destroy_decompress(&state_->cinfo);
}

void JpegDecoder::fail() const {
  throw CodedError(kFormatCode, "cannot decode image " + name_ + ": " + state_->error.message);
}

bool JpegDecoder::readHeader(const uint8_t* data, size_t size, JpegInfo* info) {
  auto& s = *state_;
  if (!headerStep(&s.cinfo, &s.error, data, size)) {
    // An 8-bit libjpeg refuses 12-bit data: not damage, another decoder's job.
    if (s.error.pub.msg_code == JERR_BAD_PRECISION) return false;
    fail();
  }
  const auto& c = s.cinfo;
  if (c.data_precision != 8) return false;
  if (c.num_components == 1 && c.jpeg_color_space == JCS_GRAYSCALE) {
    s.channels = 1;
  } else if (c.num_components == 3 &&
             (c.jpeg_color_space == JCS_YCbCr || c.jpeg_color_space == JCS_RGB)) {
    s.channels = 3;
  } else {
    return false;
  }
  info->width = static_cast<int>(c.image_width);
  info->height = static_cast<int>(c.image_height);
  info->channels = s.channels;
  info->orientation = exifOrientation(&s.cinfo);
  return true;
}

PixelView JpegDecoder::decode(int firstRow, int lastRow, int firstColumn, int lastColumn,
                              std::vector<uint8_t>& buffer) {
  auto& s = *state_;
  JDIMENSION xoffset = static_cast<JDIMENSION>(firstColumn);
  JDIMENSION width = static_cast<JDIMENSION>(lastColumn - firstColumn);
  if (!startStep(&s.cinfo, &s.error, s.channels, &xoffset, &width)) fail();
  s.started = true;
  const int c = s.channels;
  const size_t stride = static_cast<size_t>(width) * c;
  const size_t rows = static_cast<size_t>(lastRow - firstRow);
  // The rows, one spare row for the rows after them, and slack for the resampler's vector loads.
  buffer.resize((rows + 1) * stride + 32);
  if (!readStep(&s.cinfo, &s.error, firstRow, lastRow, buffer.data(), stride,
                buffer.data() + rows * stride)) {
    fail();
  }
  PixelView view;
  view.data = buffer.data();
  view.width = static_cast<int>(s.cinfo.image_width);
  view.height = static_cast<int>(s.cinfo.image_height);
  view.channels = c;
  view.stride = static_cast<int64_t>(stride);
  view.firstRow = firstRow;
  view.rows = static_cast<int>(rows);
  view.firstColumn = static_cast<int>(xoffset);
  return view;
}

}  // namespace image
}  // namespace zscl

#endif  // ZSCL_WITH_JPEG
