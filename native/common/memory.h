// Counts live tensor handles and the bytes of the storages they keep alive (views share one).
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <cstdint>
#include <unordered_map>

namespace zscl {

class MemoryLedger {
 public:
  // Records a tensor now owned by a JS handle; host bytes are reported to V8 as external memory.
  void track(napi_env env, const at::Tensor& tensor);
  void untrack(napi_env env, const at::Tensor& tensor);

  int64_t tensors() const { return tensors_; }
  int64_t bytes() const { return bytes_; }
  int64_t storages() const { return static_cast<int64_t>(storages_.size()); }

 private:
  struct StorageUse {
    int64_t handles;
    int64_t bytes;
    bool host;
  };
  std::unordered_map<const void*, StorageUse> storages_;
  int64_t tensors_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace zscl
