#include "tensor/handle.h"

#include "common/addon_data.h"
#include "common/errors.h"

namespace zscl {
namespace {

// Distinguishes our handles from any other object passed where a tensor is expected.
constexpr napi_type_tag kTensorTag = {0x7a73636c74656e73ULL, 0x6f7268616e646c65ULL};

// Tensor waiting to be adopted by the constructor that New() is running (main thread only).
at::Tensor* pendingTensor = nullptr;

}  // namespace

Napi::Function TensorHandle::DefineClass(Napi::Env env) {
  return ObjectWrap<TensorHandle>::DefineClass(env, "TensorHandle", {});
}

Napi::Object TensorHandle::New(Napi::Env env, at::Tensor tensor) {
  auto* data = env.GetInstanceData<AddonData>();
  pendingTensor = &tensor;
  auto object = data->tensorHandleClass.New({});
  pendingTensor = nullptr;
  napi_type_tag_object(env, object, &kTensorTag);
  return object;
}

TensorHandle* TensorHandle::FromValue(Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  bool tagged = false;
  napi_check_object_type_tag(value.Env(), value, &kTensorTag, &tagged);
  if (!tagged) return nullptr;
  return ObjectWrap<TensorHandle>::Unwrap(value.As<Napi::Object>());
}

TensorHandle::TensorHandle(const Napi::CallbackInfo& info)
    : ObjectWrap<TensorHandle>(info), env_(info.Env()) {
  if (pendingTensor == nullptr) {
    throw Napi::TypeError::New(info.Env(), "TensorHandle cannot be constructed from JavaScript");
  }
  tensor_ = std::move(*pendingTensor);
  info.Env().GetInstanceData<AddonData>()->memory.track(env_, tensor_);
}

TensorHandle::~TensorHandle() {
  // GC finalizer: the safety net for tensors nobody disposed.
  if (tensor_.defined()) {
    auto* data = static_cast<AddonData*>(nullptr);
    napi_get_instance_data(env_, reinterpret_cast<void**>(&data));
    if (data != nullptr) data->memory.untrack(env_, tensor_);
    tensor_ = at::Tensor();
  }
}

void TensorHandle::dispose(const char* op) {
  if (!tensor_.defined()) return;
  if (readers > 0 || writers > 0) {
    throw CodedError(code::kBusy, std::string(op) +
                                      ": tensor is in use by an unfinished async operation; await "
                                      "it before dispose()");
  }
  Env().GetInstanceData<AddonData>()->memory.untrack(env_, tensor_);
  tensor_ = at::Tensor();
}

}  // namespace zscl
