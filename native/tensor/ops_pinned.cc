// Page-locked (pinned) host memory for host-to-GPU copies. Pinning needs a CUDA device: without
// one these ops change nothing (pinMemory returns the tensor itself, isPinned is false), so code
// that pins for a GPU runs unchanged on a CPU-only build.
#include <torch/torch.h>

#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

bool canPin() {
  return torch::cuda::is_available();
}

// pinMemory(x) -> x in pinned host memory (a copy, unless it is pinned already); x itself when
// no CUDA device is available.
Thunk pinMemory(OpArgs& a) {
  auto x = a.tensor(0);
  if (!x.device().is_cpu()) {
    throw CodedError(code::kDevice,
                     std::string(a.op()) + ": only host (cpu) tensors can be pinned");
  }
  return [=]() -> c10::IValue { return canPin() && !x.is_pinned() ? x.pin_memory() : x; };
}

Thunk isPinned(OpArgs& a) {
  auto x = a.tensor(0);
  return [=]() -> c10::IValue { return x.device().is_cpu() && canPin() && x.is_pinned(); };
}

// emptyPinned(shape, dtype?) -> uninitialised host memory, pinned when a CUDA device is available.
Thunk emptyPinned(OpArgs& a) {
  auto shape = a.intList(0);
  for (auto d : shape) {
    if (d < 0) {
      throw CodedError(code::kShape, std::string(a.op()) + ": negative dimension " +
                                         std::to_string(d) + " in shape");
    }
  }
  auto dtype = a.optDtype(1).value_or(at::kFloat);
  return [=]() -> c10::IValue {
    return torch::empty(shape, at::TensorOptions().dtype(dtype).pinned_memory(canPin()));
  };
}

}  // namespace

void registerPinnedOps(OpRegistry& r) {
  r.add("pinMemory", pinMemory);
  r.add("isPinned", isPinned);
  r.add("emptyPinned", emptyPinned);
}

}  // namespace zscl
