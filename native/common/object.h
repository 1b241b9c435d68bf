// Native objects other than tensors (a CLIP model, an optimizer) that ops create and take.
// Ops return them inside a c10 capsule; JS holds them through an ObjectHandle.
#pragma once

#include <ATen/core/ivalue.h>
#include <napi.h>
#include <torch/custom_class.h>

#include "common/pinnable.h"

namespace zscl {

class NativeObject : public torch::CustomClassHolder {
 public:
  ~NativeObject() override = default;
  // "clip", "adamw", ...: checked when an op expects a given kind.
  virtual const char* kind() const = 0;
};

// Wraps an object as an op result.
inline c10::IValue objectResult(c10::intrusive_ptr<NativeObject> object) {
  return c10::IValue::make_capsule(std::move(object));
}

// The JS owner of one NativeObject.
class ObjectHandle : public Napi::ObjectWrap<ObjectHandle>, public Pinnable {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object New(Napi::Env env, c10::intrusive_ptr<NativeObject> object);
  // The handle behind a JS value, or nullptr when the value is not an ObjectHandle.
  static ObjectHandle* FromValue(Napi::Value value);

  explicit ObjectHandle(const Napi::CallbackInfo& info);

  bool disposed() const { return !object_; }
  const c10::intrusive_ptr<NativeObject>& object() const { return object_; }
  // Releases the object; a no-op when already disposed. Throws E_BUSY while a worker uses it.
  void dispose(const char* op);
  std::string describe() const override;

 private:
  c10::intrusive_ptr<NativeObject> object_;
};

}  // namespace zscl
