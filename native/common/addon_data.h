// Per-environment state (main thread and each worker_thread have their own).
#pragma once

#include <napi.h>

#include "common/memory.h"

namespace zscl {

struct AddonData {
  Napi::FunctionReference tensorHandleClass;
  Napi::FunctionReference errorClass;  // lib/errors.ts ZsclError, registered at load
  MemoryLedger memory;
};

}  // namespace zscl
