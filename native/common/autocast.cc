#include "common/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace zscl {
namespace {

// libtorch 2.4 replaced the per-device functions (set_enabled / set_cpu_enabled, ...) with ones
// taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool isEnabled(c10::DeviceType d) {
  return at::autocast::is_autocast_enabled(d);
}
void setEnabled(c10::DeviceType d, bool on) {
  at::autocast::set_autocast_enabled(d, on);
}
c10::ScalarType dtypeOf(c10::DeviceType d) {
  return at::autocast::get_autocast_dtype(d);
}
void setDtype(c10::DeviceType d, c10::ScalarType t) {
  at::autocast::set_autocast_dtype(d, t);
}
#else
bool isEnabled(c10::DeviceType d) {
  return d == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
}
void setEnabled(c10::DeviceType d, bool on) {
  if (d == c10::DeviceType::CPU) {
    at::autocast::set_cpu_enabled(on);
  } else {
    at::autocast::set_enabled(on);
  }
}
c10::ScalarType dtypeOf(c10::DeviceType d) {
  return d == c10::DeviceType::CPU ? at::autocast::get_autocast_cpu_dtype()
                                   : at::autocast::get_autocast_gpu_dtype();
}
void setDtype(c10::DeviceType d, c10::ScalarType t) {
  if (d == c10::DeviceType::CPU) {
    at::autocast::set_autocast_cpu_dtype(t);
  } else {
    at::autocast::set_autocast_gpu_dtype(t);
  }
}
#endif

}  // namespace

AutocastGuard::AutocastGuard(bool enabled, c10::DeviceType device)
    : active_(enabled), device_(device) {
  if (!active_) return;
  wasEnabled_ = isEnabled(device_);
  previousDtype_ = dtypeOf(device_);
  // No cast cache: it is process-wide and keyed by the weight, so a cached bfloat16 copy would
  // outlive an in-place optimizer update; each weight is cast once per forward anyway.
  wasCaching_ = at::autocast::is_autocast_cache_enabled();
  at::autocast::set_autocast_cache_enabled(false);
  setDtype(device_, c10::ScalarType::BFloat16);
  setEnabled(device_, true);
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  setEnabled(device_, wasEnabled_);
  setDtype(device_, previousDtype_);
  at::autocast::set_autocast_cache_enabled(wasCaching_);
}

}  // namespace zscl
