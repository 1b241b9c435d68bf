#include "image/resample.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ZSCL_X86 1
#endif

namespace zscl {
namespace image {
namespace {

constexpr int kPrecisionBits = 22;  // Pillow's 32 - 8 - 2
constexpr int32_t kRounding = 1 << (kPrecisionBits - 1);

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for outputs [first, first + n): the taps of
// output i are weight[i * size + k] for k < count[i], reading input start[i] + k; past count[i]
// the weights are 0 (so fixed-size loops may run over them).
struct Weights {
  std::vector<int32_t> start, count, weight;
  int size = 0;
};

double cubic(double x) {
  constexpr double a = -0.5;  // Pillow's bicubic_filter
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

Weights weights(int inSize, int outSize, int first, int n) {
  Weights w;
  double scale = static_cast<double>(inSize) / outSize;
  double filterScale = std::max(scale, 1.0);
  double support = 2 * filterScale;
  w.size = static_cast<int>(std::ceil(support)) * 2 + 1;
  w.start.resize(n);
  w.count.resize(n);
  w.weight.assign(static_cast<size_t>(n) * w.size, 0);
  std::vector<double> raw(w.size);
  double inverse = 1.0 / filterScale;  // Pillow multiplies by the reciprocal
  for (int i = 0; i < n; ++i) {
    double centre = (first + i + 0.5) * scale;
    int xmin = static_cast<int>(centre - support + 0.5);  // truncation toward zero, as (int)
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(centre + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    double total = 0;
    for (int x = 0; x < xmax; ++x) {
      double v = cubic((x + xmin - centre + 0.5) * inverse);
      raw[x] = v;
      total += v;
    }
    for (int x = 0; x < xmax; ++x) {
      double v = total != 0 ? raw[x] / total : raw[x];
      double fixed = v * (1 << kPrecisionBits);
      w.weight[static_cast<size_t>(i) * w.size + x] =
          static_cast<int32_t>(v < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    w.start[i] = xmin;
    w.count[i] = xmax;
  }
  return w;
}

inline uint8_t clip8(int32_t sum) {
  if (sum >= (256 << kPrecisionBits)) return 255;
  if (sum <= 0) return 0;
  return static_cast<uint8_t>(sum >> kPrecisionBits);
}

// One output row of the horizontal pass, scalar (any channel count).
void horizontalRowScalar(const uint8_t* row, int channels, const Weights& w, int outWidth,
                         uint8_t* out) {
  for (int x = 0; x < outWidth; ++x) {
    const int32_t* k = &w.weight[static_cast<size_t>(x) * w.size];
    const uint8_t* p = row + static_cast<int64_t>(w.start[x]) * channels;
    int count = w.count[x];
    for (int c = 0; c < channels; ++c) {
      int32_t sum = kRounding;
      for (int t = 0; t < count; ++t) sum += p[t * channels + c] * k[t];
      *out++ = clip8(sum);
    }
  }
}

#ifdef ZSCL_X86
// RGB: the three channels of a tap in one 4-lane vector (the 4th lane, the next pixel's red, is
// computed and dropped), so each tap is one load, one widening, one multiply, one add.
__attribute__((target("sse4.1"))) void horizontalRowRgbSse41(const uint8_t* row, const Weights& w,
                                                             int outWidth, uint8_t* out) {
  const __m128i max = _mm_set1_epi32(255);
  const __m128i zero = _mm_setzero_si128();
  for (int x = 0; x < outWidth; ++x) {
    const int32_t* k = &w.weight[static_cast<size_t>(x) * w.size];
    const uint8_t* p = row + static_cast<int64_t>(w.start[x]) * 3;
    int count = w.count[x];
    __m128i sum = _mm_set1_epi32(kRounding);
    for (int t = 0; t < count; ++t) {
      int32_t four;
      std::memcpy(&four, p + 3 * t, 4);
      __m128i pixel = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(four));
      sum = _mm_add_epi32(sum, _mm_mullo_epi32(pixel, _mm_set1_epi32(k[t])));
    }
    // clip8: >= 256 << 22 gives 255, <= 0 gives 0, else >> 22.
    __m128i v = _mm_min_epi32(_mm_max_epi32(_mm_srai_epi32(sum, kPrecisionBits), zero), max);
    int32_t lanes[4];
    _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), v);
    out[3 * x] = static_cast<uint8_t>(lanes[0]);
    out[3 * x + 1] = static_cast<uint8_t>(lanes[1]);
    out[3 * x + 2] = static_cast<uint8_t>(lanes[2]);
  }
}

// RGB with AVX2: four taps per step. vpmaddwd multiplies 16-bit lanes and adds pairs, so each
// 22-bit weight is split into 16-bit halves, hi = w >> 11 and lo = w & 2047, and the exact sum
// is (sum(v * hi) << 11) + sum(v * lo) (no partial sum comes near 2^31). The four taps' pixels
// (12 bytes, read as 16) are spread to [R0 R1 G0 G1 B0 B1 0 0 | R2 R3 G2 G3 B2 B3 0 0].
struct PackedWeights {
  std::vector<int16_t> data;  // per output pixel, `groups` x (hi vector, lo vector) of 16 lanes
  int groups = 0;             // groups of 4 taps per output pixel (the widest)
};

PackedWeights packRgb(const Weights& w, int n) {
  PackedWeights packed;
  packed.groups = (w.size + 3) / 4;
  packed.data.assign(static_cast<size_t>(n) * packed.groups * 32, 0);
  for (int x = 0; x < n; ++x) {
    const int32_t* k = &w.weight[static_cast<size_t>(x) * w.size];
    for (int t = 0; t < w.count[x]; ++t) {
      int16_t* group = &packed.data[(static_cast<size_t>(x) * packed.groups + t / 4) * 32];
      int lane = (t % 4) / 2 * 8 + t % 2;  // 128-bit half, then the tap's place in each pair
      for (int c = 0; c < 3; ++c) {
        group[lane + 2 * c] = static_cast<int16_t>(k[t] >> 11);
        group[16 + lane + 2 * c] = static_cast<int16_t>(k[t] & 2047);
      }
    }
  }
  return packed;
}

__attribute__((target("avx2"))) void horizontalRowRgbAvx2(const uint8_t* row, const Weights& w,
                                                          const PackedWeights& packed, int outWidth,
                                                          uint8_t* out) {
  const __m256i spread =
      _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,  //
                       6, -1, 9, -1, 7, -1, 10, -1, 8, -1, 11, -1, -1, -1, -1, -1);
  const __m128i rounding = _mm_set1_epi32(kRounding);
  for (int x = 0; x < outWidth; ++x) {
    const uint8_t* p = row + static_cast<int64_t>(w.start[x]) * 3;
    const int16_t* k = &packed.data[static_cast<size_t>(x) * packed.groups * 32];
    int groups = (w.count[x] + 3) / 4;
    __m256i hi = _mm256_setzero_si256(), lo = _mm256_setzero_si256();
    for (int g = 0; g < groups; ++g, p += 12, k += 32) {
      __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m256i pixels = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(bytes), spread);
      hi = _mm256_add_epi32(
          hi, _mm256_madd_epi16(pixels, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k))));
      lo = _mm256_add_epi32(
          lo,
          _mm256_madd_epi16(pixels, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k + 16))));
    }
    __m256i sum = _mm256_add_epi32(_mm256_slli_epi32(hi, 11), lo);
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    s = _mm_add_epi32(s, rounding);
    // clip8 by saturation (int32 -> uint16 -> uint8); the 4th byte lands on the next pixel's red,
    // rewritten next, or on the byte of slack after the row.
    __m128i v = _mm_srai_epi32(s, kPrecisionBits);
    v = _mm_packus_epi16(_mm_packus_epi32(v, v), v);
    int32_t four = _mm_cvtsi128_si32(v);
    std::memcpy(out + 3 * x, &four, 4);
  }
}

bool haveSse41() {
  static const bool yes = __builtin_cpu_supports("sse4.1");
  return yes;
}

bool haveAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

// One row of the horizontal pass; `packed` is set when the AVX2 path applies.
void horizontalRow(const uint8_t* row, int channels, const Weights& w, const void* packed,
                   int outWidth, uint8_t* out) {
#ifdef ZSCL_X86
  if (packed != nullptr) {
    return horizontalRowRgbAvx2(row, w, *static_cast<const PackedWeights*>(packed), outWidth, out);
  }
  if (channels == 3 && haveSse41()) return horizontalRowRgbSse41(row, w, outWidth, out);
#endif
  horizontalRowScalar(row, channels, w, outWidth, out);
}

// One output row of the vertical pass: sum over the taps of whole rows times one weight. Plain
// loops over contiguous int32 accumulators, which the compiler vectorises (AVX2 where present).
__attribute__((target_clones("avx2", "default"))) void verticalRow(
    const uint8_t* __restrict temp, int64_t rowStride, const int32_t* __restrict k, int count,
    int32_t* __restrict sums, int n, uint8_t* __restrict out) {
  for (int i = 0; i < n; ++i) sums[i] = kRounding;
  for (int t = 0; t < count; ++t) {
    const uint8_t* __restrict row = temp + t * rowStride;
    int32_t weight = k[t];
    for (int i = 0; i < n; ++i) sums[i] += row[i] * weight;
  }
  for (int i = 0; i < n; ++i) {
    int32_t v = sums[i] >> kPrecisionBits;
    out[i] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

// Thread-local scratch reused across images (a fresh buffer per image costs page faults);
// buffers beyond 64 MB are given back after use.
struct Scratch {
  std::vector<uint8_t> temp;
  std::vector<int32_t> sums;
  void trim() {
    if (temp.capacity() > (64u << 20)) std::vector<uint8_t>().swap(temp);
  }
};

Scratch& scratch() {
  thread_local Scratch instance;
  return instance;
}

}  // namespace

void sourceRowsRead(const ResizePlan& plan, int* first, int* last) {
  if (plan.height == plan.source.height) {
    *first = plan.source.top + plan.output.top;
    *last = *first + plan.output.height;
    return;
  }
  Weights v = weights(plan.source.height, plan.height, plan.output.top, 1);
  Weights e = weights(plan.source.height, plan.height, plan.output.top + plan.output.height - 1, 1);
  *first = plan.source.top + v.start[0];
  *last = plan.source.top + e.start[0] + e.count[0];
}

void resampleBicubic(const PixelView& src, const ResizePlan& plan, uint8_t* out) {
  const int c = src.channels;
  const Box& sb = plan.source;
  const Box& ob = plan.output;
  const bool needHorizontal = plan.width != sb.width;  // Pillow skips a pass that keeps the size
  const bool needVertical = plan.height != sb.height;
  Weights horizontal;
  const void* packed = nullptr;
#ifdef ZSCL_X86
  PackedWeights packedRgb;
#endif
  if (needHorizontal) {
    horizontal = weights(sb.width, plan.width, ob.left, ob.width);
#ifdef ZSCL_X86
    if (c == 3 && haveAvx2()) {
      packedRgb = packRgb(horizontal, ob.width);
      packed = &packedRgb;
    }
#endif
  }
  Weights vertical;
  int firstRow = ob.top, rows = ob.height;  // rows of the source box read by the vertical pass
  if (needVertical) {
    vertical = weights(sb.height, plan.height, ob.top, ob.height);
    firstRow = vertical.start[0];
    rows = vertical.start[ob.height - 1] + vertical.count[ob.height - 1] - firstRow;
  }
  const int64_t rowStride = static_cast<int64_t>(ob.width) * c;
  auto sourceRow = [&](int y) {  // row y of the source box, from its first column
    return src.data + static_cast<int64_t>(sb.top + y - src.firstRow) * src.stride +
           static_cast<int64_t>(sb.left - src.firstColumn) * c;
  };
  // Horizontal pass (or a copy of the columns) into temp: `rows` rows of ob.width pixels.
  Scratch& s = scratch();
  uint8_t* target = needVertical ? nullptr : out;
  if (needVertical) {
    s.temp.resize(static_cast<size_t>(rows) * rowStride + 4);
    target = s.temp.data();
  }
  for (int y = 0; y < rows; ++y) {
    const uint8_t* row = sourceRow(firstRow + y);
    if (needHorizontal) {
      horizontalRow(row, c, horizontal, packed, ob.width, target + y * rowStride);
    } else {
      std::memcpy(target + y * rowStride, row + static_cast<int64_t>(ob.left) * c, rowStride);
    }
  }
  if (needVertical) {
    s.sums.resize(rowStride);
    for (int y = 0; y < ob.height; ++y) {
      const int32_t* k = &vertical.weight[static_cast<size_t>(y) * vertical.size];
      const uint8_t* rows0 = s.temp.data() + (vertical.start[y] - firstRow) * rowStride;
      verticalRow(rows0, rowStride, k, vertical.count[y], s.sums.data(),
                  static_cast<int>(rowStride), out + y * rowStride);
    }
  }
  s.trim();
}

}  // namespace image
}  // namespace zscl
