// Counts live tensor handles and the bytes of the storages they keep alive (views share one).
#pragma once

#include <c10/util/flat_hash_map.h>
#include <napi.h>
#include <torch/torch.h>

#include <cstdint>

namespace zscl {

class MemoryLedger {
 public:
  // Records a tensor now owned by a JS handle; host bytes are reported to V8 as external memory.
  void track(napi_env env, const at::Tensor& tensor);
  void untrack(napi_env env, const at::Tensor& tensor);
  // The environment is being torn down: stop reporting to V8 (handles may outlive it briefly).
  void detach() { detached_ = true; }

  int64_t tensors() const { return tensors_; }
  int64_t bytes() const { return bytes_; }
  int64_t storages() const { return static_cast<int64_t>(storages_.size()); }

 private:
  struct StorageUse {
    int64_t handles;
    int64_t bytes;
    bool host;
  };
  // Tells V8 about host bytes in steps of kReportStep, not per tensor: a 2x2 op would otherwise
  // pay two V8 calls for 16 bytes.
  void adjustHost(napi_env env, int64_t delta);
  static constexpr int64_t kReportStep = 1 << 20;

  bool detached_ = false;
  // Open addressing: no allocation per tracked tensor, unlike std::unordered_map.
  ska::flat_hash_map<const void*, StorageUse> storages_;
  int64_t tensors_ = 0;
  int64_t bytes_ = 0;
  int64_t hostBytes_ = 0;
  int64_t reportedHostBytes_ = 0;
};

}  // namespace zscl
