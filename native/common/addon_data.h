// Per-environment state (main thread and each worker_thread have their own).
#pragma once

#include <napi.h>

#include <memory>
#include <unordered_set>
#include <vector>

#include "common/memory.h"

namespace zscl {

class TensorHandle;

struct AddonData {
  // Handles collected during teardown may outlive this; they keep the ledger alive themselves.
  ~AddonData() { memory->detach(); }

  Napi::FunctionReference objectHandleClass;
  Napi::FunctionReference errorClass;  // lib/errors.ts ZsclError, registered at load
  std::shared_ptr<MemoryLedger> memory = std::make_shared<MemoryLedger>();
  // Disposed tensor handles ready for reuse, each held by a strong reference (see
  // TensorHandle::Recycle). At teardown napi finalizes them itself; this list is not touched.
  std::vector<TensorHandle*> handlePool;
  static constexpr size_t kHandlePoolLimit = 4096;
  // Backward passes running on workers (ops flagged kOpRunsBackward).
  int backwardsInFlight = 0;
  // Async ops queued or running, so that an exiting process can drop those not yet started.
  std::unordered_set<napi_async_work> asyncWork;
};

}  // namespace zscl
