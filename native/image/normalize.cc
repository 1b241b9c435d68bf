#include "image/normalize.h"

namespace zscl {
namespace image {

NormalizeTable normalizeTable(const std::array<double, 3>& mean, const std::array<double, 3>& std) {
  NormalizeTable table;
  for (int c = 0; c < 3; ++c) {
    const float m = static_cast<float>(mean[c]);
    const float s = static_cast<float>(std[c]);
    for (int v = 0; v < 256; ++v) {
      // Separate statements: each step is rounded to float32, as torch's float tensors are.
      float x = static_cast<float>(v) / 255.0f;
      float centred = x - m;
      table.channel[c][v] = centred / s;
    }
  }
  return table;
}

void writeNormalized(const uint8_t* pixels, int channels, int64_t count,
                     const NormalizeTable& table, float* planes, int64_t planeStride) {
  float* __restrict r = planes;
  float* __restrict g = planes + planeStride;
  float* __restrict b = planes + 2 * planeStride;
  const float* tr = table.channel[0].data();
  const float* tg = table.channel[1].data();
  const float* tb = table.channel[2].data();
  if (channels == 1) {
    for (int64_t i = 0; i < count; ++i) {
      uint8_t v = pixels[i];
      r[i] = tr[v];
      g[i] = tg[v];
      b[i] = tb[v];
    }
    return;
  }
  for (int64_t i = 0; i < count; ++i) {
    r[i] = tr[pixels[3 * i]];
    g[i] = tg[pixels[3 * i + 1]];
    b[i] = tb[pixels[3 * i + 2]];
  }
}

}  // namespace image
}  // namespace zscl
