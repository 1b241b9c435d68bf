// 8-bit pixels -> normalised float32 CHW planes with torchvision's float32 arithmetic (ToTensor:
// v / 255, then Normalize: (x - mean) / std, each step rounded to float32), through a 256-entry
// table per channel (test/support/normalize-table.ts is the oracle the tests check it against).
#pragma once

#include <array>
#include <cstdint>

namespace zscl {
namespace image {

struct NormalizeTable {
  std::array<std::array<float, 256>, 3> channel;
};

NormalizeTable normalizeTable(const std::array<double, 3>& mean, const std::array<double, 3>& std);

// Writes `count` pixels (1 channel: grey, replicated to the three planes; 3: interleaved RGB) as
// three planes starting at planes[0], planes[0] + planeStride, planes[0] + 2 * planeStride.
void writeNormalized(const uint8_t* pixels, int channels, int64_t count,
                     const NormalizeTable& table, float* planes, int64_t planeStride);

}  // namespace image
}  // namespace zscl
