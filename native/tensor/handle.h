// The native side of a JS Tensor: owns one refcounted at::Tensor until dispose() or GC.
#pragma once

#include <napi.h>
#include <torch/torch.h>

namespace zscl {

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // Wraps a tensor in a new handle object (main thread only).
  static Napi::Object New(Napi::Env env, at::Tensor tensor);
  // The handle behind a JS value, or nullptr when the value is not a TensorHandle.
  static TensorHandle* FromValue(Napi::Value value);

  explicit TensorHandle(const Napi::CallbackInfo& info);
  ~TensorHandle() override;

  bool disposed() const { return !tensor_.defined(); }
  const at::Tensor& tensor() const { return tensor_; }
  // Releases the tensor; a no-op when already disposed. Throws E_BUSY while a worker uses it.
  void dispose(const char* op);

  // Async work in flight on this handle: readers may overlap each other, a writer excludes all.
  int readers = 0;
  int writers = 0;

 private:
  at::Tensor tensor_;
  napi_env env_;
};

}  // namespace zscl
