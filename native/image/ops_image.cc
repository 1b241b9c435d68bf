// Image ops of the data pipeline, run on libuv's worker threads through opAsync:
//   imagesPreprocessInto(norm, maxPixels, autoOrient, ...[slot, source, plan, name])
//     Per image, one after another on one worker: JPEG file (path, read here) or bytes ->
//     Pillow-exact decode -> Pillow-exact bicubic resize and crop -> torchvision's normalisation,
//     written into `slot`. One outcome per image: true (written), false (not a JPEG this path
//     decodes like Pillow: the caller takes the general path; nothing was written) or
//     [code, message].
//   pixelsNormalizeInto(slot, pixels, width, height, channels, norm)
//     Already transformed 8-bit pixels -> normalised planes in `slot`.
//   pixelsResample(pixels, width, height, channels, plan) -> uint8 tensor [height, width, channels]
//     The Pillow-exact bicubic resize and crop of pixels decoded elsewhere (sharp: PNG, WebP, …).
//   jpegAvailable() -> boolean: whether this build has the JPEG path (libjpeg found by CMake).
//
// Writing into a batch: the caller makes the batch tensor [B, 3, S, S] once, takes a view of
// sample i (select(0, i)) as its own handle, and passes that view as `slot`. Each async op pins
// and marks busy only its own view handle (as a writer), so the ops of one batch never collide
// in the busy checks, and each writes only the disjoint memory of its view. The batch handle
// itself is not pinned: its owner (the loader) must not read it before every op of the batch has
// settled. Disposing it early is safe all the same: each view holds a reference to the storage.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/dispatch.h"
#include "common/errors.h"
#include "image/codes.h"
#include "image/jpeg_decoder.h"
#include "image/normalize.h"
#include "image/resample.h"

namespace zscl {
namespace {

using image::Box;
using image::ResizePlan;

// The [3, H, W] float32 contiguous CPU view a sample is written into.
at::Tensor slotTensor(OpArgs& a, size_t i) {
  at::Tensor slot = a.mutableTensor(i);
  if (slot.scalar_type() != at::kFloat || slot.dim() != 3 || slot.size(0) != 3 ||
      !slot.is_contiguous() || !slot.device().is_cpu()) {
    a.fail(i, "a contiguous float32 CPU tensor [3, height, width]");
  }
  return slot;
}

std::array<double, 3> triple(const Napi::Array& array, uint32_t from) {
  std::array<double, 3> out{};
  for (uint32_t k = 0; k < 3; ++k) {
    Napi::Value v = array[from + k];
    out[k] = v.As<Napi::Number>().DoubleValue();
  }
  return out;
}

// norm: [mean0, mean1, mean2, std0, std1, std2]
image::NormalizeTable normArg(OpArgs& a, size_t i) {
  Napi::Value value = a.raw(i);
  if (!value.IsArray() || value.As<Napi::Array>().Length() != 6) {
    a.fail(i, "[mean0, mean1, mean2, std0, std1, std2]");
  }
  auto array = value.As<Napi::Array>();
  for (uint32_t k = 0; k < 6; ++k) {
    Napi::Value v = array[k];
    if (!v.IsNumber()) a.fail(i, "[mean0, mean1, mean2, std0, std1, std2]");
  }
  return image::normalizeTable(triple(array, 0), triple(array, 3));
}

// The bytes of a Uint8Array argument, copied (the op outlives the call; the copy is cheap next
// to the decode).
bool bytesArg(OpArgs& a, size_t i, std::vector<uint8_t>* out) {
  Napi::Value value = a.raw(i);
  if (!value.IsTypedArray()) return false;
  auto typed = value.As<Napi::TypedArray>();
  if (typed.TypedArrayType() != napi_uint8_array) return false;
  auto bytes = value.As<Napi::Uint8Array>();
  out->assign(bytes.Data(), bytes.Data() + bytes.ElementLength());
  return true;
}

void writePlanes(const uint8_t* pixels, int channels, const image::NormalizeTable& table,
                 at::Tensor& slot) {
  int64_t plane = slot.size(1) * slot.size(2);
  image::writeNormalized(pixels, channels, plane, table, slot.data_ptr<float>(), plane);
}

// pixelsNormalizeInto(slot, pixels: Uint8Array, width, height, channels, norm)
Thunk pixelsNormalizeInto(OpArgs& a) {
  at::Tensor slot = slotTensor(a, 0);
  std::vector<uint8_t> pixels;
  if (!bytesArg(a, 1, &pixels)) a.fail(1, "a Uint8Array");
  int64_t width = a.int64(2), height = a.int64(3), channels = a.int64(4);
  if (channels != 1 && channels != 3) a.fail(4, "1 or 3 channels");
  if (width != slot.size(2) || height != slot.size(1) ||
      static_cast<int64_t>(pixels.size()) != width * height * channels) {
    throw CodedError(code::kShape,
                     std::string(a.op()) + ": " + std::to_string(width) + "×" +
                         std::to_string(height) + "×" + std::to_string(channels) + " pixels (" +
                         std::to_string(pixels.size()) + " bytes) do not fill a slot of " +
                         std::to_string(slot.size(2)) + "×" + std::to_string(slot.size(1)));
  }
  auto table = normArg(a, 5);
  return [slot, pixels = std::move(pixels), channels, table]() mutable -> c10::IValue {
    writePlanes(pixels.data(), static_cast<int>(channels), table, slot);
    return c10::IValue();
  };
}

bool inside(const Box& box, int width, int height) {
  return box.width > 0 && box.height > 0 && box.left >= 0 && box.top >= 0 &&
         box.left + box.width <= width && box.top + box.height <= height;
}

// A resize plan given as [10 integers]: source box, width, height, output box.
ResizePlan planArg(OpArgs& a, size_t i) {
  auto v = a.intList(i);
  if (v.size() != 10) a.fail(i, "[10 integers of a resize plan]");
  for (auto x : v) {
    if (x < 0 || x > (1 << 30)) a.fail(i, "a resize plan of non-negative integers");
  }
  ResizePlan p;
  p.source = {int(v[0]), int(v[1]), int(v[2]), int(v[3])};
  p.width = int(v[4]);
  p.height = int(v[5]);
  p.output = {int(v[6]), int(v[7]), int(v[8]), int(v[9])};
  return p;
}

// pixelsResample(pixels: Uint8Array, width, height, channels, plan: [10 integers])
Thunk pixelsResample(OpArgs& a) {
  std::vector<uint8_t> pixels;
  if (!bytesArg(a, 0, &pixels)) a.fail(0, "a Uint8Array");
  int64_t width = a.int64(1), height = a.int64(2), channels = a.int64(3);
  if (channels != 1 && channels != 3) a.fail(3, "1 or 3 channels");
  if (width < 1 || height < 1 || width > (1 << 30) || height > (1 << 30) ||
      static_cast<int64_t>(pixels.size()) != width * height * channels) {
    throw CodedError(code::kShape, std::string(a.op()) + ": " + std::to_string(width) + "×" +
                                       std::to_string(height) + "×" + std::to_string(channels) +
                                       " pixels do not match " + std::to_string(pixels.size()) +
                                       " bytes");
  }
  ResizePlan plan = planArg(a, 4);
  if (!inside(plan.source, static_cast<int>(width), static_cast<int>(height)) ||
      !inside(plan.output, plan.width, plan.height)) {
    a.fail(4, "a resize plan whose boxes lie inside the image and the resized image");
  }
  pixels.resize(pixels.size() + 32);  // the resampler's vector loads read past the last row
  return [pixels = std::move(pixels), width, height, channels, plan]() -> c10::IValue {
    image::PixelView view{pixels.data(), static_cast<int>(width), static_cast<int>(height),
                          static_cast<int>(channels), width * channels};
    view.rows = static_cast<int>(height);
    const int64_t n = static_cast<int64_t>(plan.output.width) * plan.output.height * channels;
    at::Tensor out = at::empty({n + 4}, at::kByte);  // the resampler's 4 bytes of slack
    image::resampleBicubic(view, plan, out.data_ptr<uint8_t>());
    return out.narrow(0, 0, n).view({plan.output.height, plan.output.width, channels});
  };
}

Thunk jpegAvailable(OpArgs& a) {
#ifdef ZSCL_WITH_JPEG
  return []() -> c10::IValue { return true; };
#else
  return []() -> c10::IValue { return false; };
#endif
}

#ifdef ZSCL_WITH_JPEG

// Thread-local buffers reused across images: a fresh one per image costs page faults.
struct Buffers {
  std::vector<uint8_t> file, decoded, resized;
  void trim() {
    for (auto* b : {&file, &decoded, &resized}) {
      if (b->capacity() > (64u << 20)) std::vector<uint8_t>().swap(*b);
    }
  }
};

Buffers& buffers() {
  thread_local Buffers instance;
  return instance;
}

// Python 3's round(): halves go to the even neighbour (torchvision's CenterCrop offsets).
int roundHalfEven(double x) {
  double floor = std::floor(x);
  double diff = x - floor;
  if (diff > 0.5) return static_cast<int>(floor) + 1;
  if (diff < 0.5) return static_cast<int>(floor);
  return static_cast<int>(std::fmod(floor, 2) == 0 ? floor : floor + 1);
}

// torchvision Resize(size) of the shorter side + CenterCrop(size): lib/data/transform.ts evalPlan.
ResizePlan evalPlan(int width, int height, int size) {
  ResizePlan plan;
  plan.source = {0, 0, width, height};
  // torchvision 0.14: the long side is truncated, not rounded.
  if (width <= height) {
    plan.width = size;
    plan.height = static_cast<int>(std::trunc(static_cast<double>(size) * height / width));
  } else {
    plan.width = static_cast<int>(std::trunc(static_cast<double>(size) * width / height));
    plan.height = size;
  }
  plan.output = {roundHalfEven((plan.width - size) / 2.0),
                 roundHalfEven((plan.height - size) / 2.0), size, size};
  return plan;
}

std::string ioReason(int error) {
  if (error == ENOENT) return "no such file";
  return std::strerror(error);
}

void readFile(const std::string& path, std::vector<uint8_t>& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CodedError(code::kIo, "cannot read " + path + ": " + ioReason(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    int error = errno;
    ::close(fd);
    throw CodedError(code::kIo, "cannot read " + path + ": " + ioReason(error));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    throw CodedError(code::kIo, "cannot read " + path + ": not a regular file");
  }
  out.resize(static_cast<size_t>(info.st_size));
  size_t filled = 0;
  while (filled < out.size()) {
    ssize_t n = ::read(fd, out.data() + filled, out.size() - filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = n < 0 ? errno : 0;
      ::close(fd);
      throw CodedError(code::kIo, "cannot read " + path + ": " +
                                      (n < 0 ? ioReason(error) : "file shrank while being read"));
    }
    filled += static_cast<size_t>(n);
  }
  ::close(fd);
}

// Columns (or rows) of the source box a resampling pass reads, as [first, last).
void sourceSpan(int inSize, int outSize, int first, int n, int* from, int* to) {
  ResizePlan p;
  p.source = {0, 0, 1, inSize};
  p.height = outSize;
  p.output = {0, first, 1, n};
  image::sourceRowsRead(p, from, to);
}

// Margin of columns decoded beyond those the resampler reads: jpeg_crop_scanline starts at an
// iMCU boundary, and fancy upsampling at a crop edge sees no neighbour, so the edge columns may
// differ from a full decode; a margin keeps them out of what is read.
constexpr int kColumnMargin = 16;

// What every image of one call shares.
struct JpegSettings {
  image::NormalizeTable table;
  double maxPixels = 0;
  bool autoOrient = true;
};

// One image: where it comes from, its plan, where it goes.
struct JpegItem {
  std::string path;  // read on the worker when set
  std::vector<uint8_t> bytes;
  bool explicitPlan = false;
  ResizePlan plan;
  int evalSize = 0;
  std::string name;
  at::Tensor slot;

  bool run(const JpegSettings& settings) {
    const auto& table = settings.table;
    const double maxPixels = settings.maxPixels;
    const bool autoOrient = settings.autoOrient;
    Buffers& b = buffers();
    const std::vector<uint8_t>* data = &bytes;
    if (!path.empty()) {
      readFile(path, b.file);
      data = &b.file;
    }
    if (data->empty()) {
      throw CodedError(image::kFormatCode,
                       "cannot decode image " + name + ": the file is empty (0 bytes)");
    }
    const uint8_t* d = data->data();
    if (data->size() < 3 || d[0] != 0xff || d[1] != 0xd8 || d[2] != 0xff) return false;
    image::JpegDecoder decoder(name);
    image::JpegInfo info;
    if (!decoder.readHeader(d, data->size(), &info)) return false;
    if (autoOrient && info.orientation != 1) return false;
    if (static_cast<double>(info.width) * info.height > maxPixels) {
      throw CodedError(image::kFormatCode,
                       "cannot decode image " + name + ": " + std::to_string(info.width) + "×" +
                           std::to_string(info.height) + " pixels exceeds the limit of " +
                           std::to_string(static_cast<int64_t>(maxPixels)) + " (maxPixels)");
    }
    ResizePlan p = explicitPlan ? plan : evalPlan(info.width, info.height, evalSize);
    // A plan made for other dimensions (a header parser that disagrees with libjpeg): let the
    // general path decide.
    if (!inside(p.source, info.width, info.height) || !inside(p.output, p.width, p.height)) {
      return false;
    }
    if (p.output.width != slot.size(2) || p.output.height != slot.size(1)) {
      throw CodedError(code::kShape, "the plan's output " + std::to_string(p.output.width) + "×" +
                                         std::to_string(p.output.height) +
                                         " does not fit the slot " + std::to_string(slot.size(2)) +
                                         "×" + std::to_string(slot.size(1)));
    }
    int firstRow, lastRow, firstColumn, lastColumn;
    image::sourceRowsRead(p, &firstRow, &lastRow);
    if (p.width == p.source.width) {
      firstColumn = p.output.left;
      lastColumn = p.output.left + p.output.width;
    } else {
      sourceSpan(p.source.width, p.width, p.output.left, p.output.width, &firstColumn, &lastColumn);
    }
    firstColumn = std::max(0, p.source.left + firstColumn - kColumnMargin);
    lastColumn = std::min(info.width, p.source.left + lastColumn + kColumnMargin);
    image::PixelView view = decoder.decode(firstRow, lastRow, firstColumn, lastColumn, b.decoded);
    b.resized.resize(static_cast<size_t>(p.output.width) * p.output.height * info.channels + 4);
    image::resampleBicubic(view, p, b.resized.data());
    writePlanes(b.resized.data(), info.channels, table, slot);
    b.trim();
    return true;
  }
};

// The arguments of one image from `first`: slot, source (path | Uint8Array), plan (size |
// [10 integers]), name.
JpegItem parseItem(OpArgs& a, size_t first) {
  JpegItem item;
  item.slot = slotTensor(a, first);
  if (a.raw(first + 1).IsString()) {
    item.path = a.string(first + 1);
    if (item.path.empty()) a.fail(first + 1, "a path or a Uint8Array");
  } else if (!bytesArg(a, first + 1, &item.bytes)) {
    a.fail(first + 1, "a path or a Uint8Array");
  }
  size_t plan = first + 2;
  if (a.isNumber(plan)) {
    item.evalSize = static_cast<int>(a.int64(plan));
    if (item.evalSize < 1 || item.evalSize > 8192) a.fail(plan, "a size in 1…8192");
  } else {
    item.explicitPlan = true;
    item.plan = planArg(a, plan);
  }
  item.name = a.string(first + 3);
  return item;
}

// norm, maxPixels, autoOrient: the first three arguments.
JpegSettings parseSettings(OpArgs& a) {
  JpegSettings settings;
  settings.table = normArg(a, 0);
  settings.maxPixels = a.number(1);
  settings.autoOrient = a.boolean(2, true);
  return settings;
}

// imagesPreprocessInto(norm, maxPixels, autoOrient, ...[slot, source, plan, name] per image):
// the images one after another on one worker thread (a loader worker's run of images: one
// hand-over to the main thread per run, not per image). Resolves to one outcome per image:
// true (written), false (not for this path; nothing written) or [code, message] (it failed; the
// others are still done).
Thunk imagesPreprocessInto(OpArgs& a) {
  struct Job {
    std::vector<JpegItem> items;
    JpegSettings settings;
  };
  auto job = std::make_unique<Job>();
  job->settings = parseSettings(a);
  if ((a.size() - 3) % 4 != 0) {
    throw CodedError(code::kArg, std::string(a.op()) +
                                     ": expected 4 arguments (slot, source, plan, name) per image");
  }
  for (size_t first = 3; first < a.size(); first += 4) job->items.push_back(parseItem(a, first));
  return [job = std::move(job)]() -> c10::IValue {
    std::vector<c10::IValue> outcomes;
    outcomes.reserve(job->items.size());
    for (auto& item : job->items) {
      try {
        outcomes.emplace_back(item.run(job->settings));
      } catch (...) {
        ErrorInfo error = describeCurrentException();
        outcomes.emplace_back(
            c10::ivalue::Tuple::create({c10::IValue(error.code), c10::IValue(error.message)}));
      }
      item.slot = at::Tensor();
      std::vector<uint8_t>().swap(item.bytes);
    }
    return c10::ivalue::Tuple::create(std::move(outcomes));
  };
}

#endif  // ZSCL_WITH_JPEG

}  // namespace

void registerImageOps(OpRegistry& r) {
  r.add("jpegAvailable", jpegAvailable);
  r.add("pixelsNormalizeInto", pixelsNormalizeInto);
  r.add("pixelsResample", pixelsResample);
#ifdef ZSCL_WITH_JPEG
  r.add("imagesPreprocessInto", imagesPreprocessInto);
#endif
}

}  // namespace zscl
