#include "common/memory.h"

namespace zscl {

void MemoryLedger::track(napi_env env, const at::Tensor& tensor) {
  if (!tensor.defined()) return;
  ++tensors_;
  if (!tensor.has_storage()) return;
  const void* key = tensor.storage().unsafeGetStorageImpl();
  auto [it, inserted] = storages_.try_emplace(key, StorageUse{0, 0, tensor.is_cpu()});
  if (inserted) {
    it->second.bytes = static_cast<int64_t>(tensor.storage().nbytes());
    bytes_ += it->second.bytes;
    int64_t ignored;
    if (it->second.host) napi_adjust_external_memory(env, it->second.bytes, &ignored);
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
  int64_t ignored;
  if (it->second.host) napi_adjust_external_memory(env, -it->second.bytes, &ignored);
  storages_.erase(it);
}

}  // namespace zscl
