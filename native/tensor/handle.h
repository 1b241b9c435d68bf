// The native side of a JS Tensor: one refcounted at::Tensor behind a napi External, owned until
// dispose() or GC. An External rather than an ObjectWrap because every op result gets a handle:
// an External needs no constructor call, no wrap property and no type-tag property, which together
// made a 2x2 add several times slower than in PyTorch.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <memory>

#include "common/pinnable.h"

namespace zscl {

class MemoryLedger;

class TensorHandle : public Pinnable {
 public:
  // Wraps a tensor in a new handle value (main thread of `env` only).
  static Napi::Value New(Napi::Env env, at::Tensor tensor);
  // The handle every disposed JS Tensor points at (it never holds a tensor and is never reused).
  static Napi::Value NewDisposedSentinel(Napi::Env env);
  // Tensor.dispose() hands back its disposed handle once it no longer refers to it; New() reuses
  // it, sparing V8 an allocation and napi a queued finalizer per op result.
  static void Recycle(Napi::Env env, napi_value value, TensorHandle* handle);
  // The handle behind a JS value, or nullptr when the value is not a TensorHandle.
  static TensorHandle* FromValue(napi_env env, napi_value value);
  static TensorHandle* FromValue(const Napi::Value& value) { return FromValue(value.Env(), value); }

  TensorHandle(const TensorHandle&) = delete;
  TensorHandle& operator=(const TensorHandle&) = delete;

  bool disposed() const { return !tensor_.defined(); }
  const at::Tensor& tensor() const { return tensor_; }
  // Releases the tensor; a no-op when already disposed. Throws E_BUSY while a worker uses it.
  void dispose(const char* op);
  std::string describe() const override;

 private:
  TensorHandle(napi_env env, at::Tensor tensor, std::shared_ptr<MemoryLedger> ledger);
  ~TensorHandle() override;
  // GC finalizer: the safety net for tensors nobody disposed.
  static void Finalize(napi_env env, void* data, void* hint);

  // Identifies our Externals among other addons' (checked before anything else is read).
  static constexpr uint64_t kTag = 0x7a73636c74656e73ULL;  // "zscltens"
  uint64_t tag_ = kTag;
  at::Tensor tensor_;
  napi_env env_;
  bool sentinel_ = false;
  // While pooled, a strong reference keeps the External alive; in use, the same reference is
  // weak (created once, then only switched: cheaper than creating one per reuse).
  napi_ref poolRef_ = nullptr;
  bool pooled_ = false;  // in AddonData::handlePool now (never twice)
  // Shared with the environment's AddonData: finalizers may run during environment teardown.
  std::shared_ptr<MemoryLedger> ledger_;
};

}  // namespace zscl
