// bfloat16 autocast (torch.autocast(dtype=torch.bfloat16)) for the ops run on this thread while a
// guard is alive. libtorch keeps the autocast state per thread and our ops run on libuv workers,
// so the guard is set inside the work itself, never on the thread that queued it.
#pragma once

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace zscl {

class AutocastGuard {
 public:
  // `enabled` false leaves everything as it is (float32 stays the exact reference path).
  AutocastGuard(bool enabled, c10::DeviceType device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_;
  c10::DeviceType device_;
  bool wasEnabled_ = false;
  c10::ScalarType previousDtype_ = c10::ScalarType::Undefined;
  bool wasCaching_ = true;
};

}  // namespace zscl
