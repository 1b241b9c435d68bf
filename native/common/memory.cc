#include "common/memory.h"

#include <cstdlib>

namespace zscl {

void MemoryLedger::track(napi_env env, const at::Tensor& tensor) {
  if (!tensor.defined()) return;
  ++tensors_;
  if (!tensor.has_storage()) return;
  const void* key = tensor.storage().unsafeGetStorageImpl();
  auto [it, inserted] = storages_.emplace(key, StorageUse{0, 0, tensor.is_cpu()});
  if (inserted) {
    it->second.bytes = static_cast<int64_t>(tensor.storage().nbytes());
    bytes_ += it->second.bytes;
    if (it->second.host) adjustHost(env, it->second.bytes);
  }
  ++it->second.handles;
}

void MemoryLedger::untrack(napi_env env, const at::Tensor& tensor) {
  if (!tensor.defined()) return;
  --tensors_;
  if (!tensor.has_storage()) return;
  auto it = storages_.find(tensor.storage().unsafeGetStorageImpl());
  if (it == storages_.end()) return;
  if (--it->second.handles > 0) return;
  bytes_ -= it->second.bytes;
  if (it->second.host) adjustHost(env, -it->second.bytes);
  storages_.erase(it);
}

void MemoryLedger::adjustHost(napi_env env, int64_t delta) {
  hostBytes_ += delta;
  int64_t pending = hostBytes_ - reportedHostBytes_;
  if (detached_ || std::llabs(pending) < kReportStep) return;
  int64_t ignored;
  napi_adjust_external_memory(env, pending, &ignored);
  reportedHostBytes_ = hostBytes_;
}

}  // namespace zscl
