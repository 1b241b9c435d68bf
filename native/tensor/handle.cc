#include "tensor/handle.h"

#include "common/addon_data.h"
#include "common/convert.h"
#include "common/errors.h"

namespace zscl {

TensorHandle::TensorHandle(napi_env env, at::Tensor tensor, std::shared_ptr<MemoryLedger> ledger)
    : tensor_(std::move(tensor)), env_(env), ledger_(std::move(ledger)) {
  ledger_->track(env_, tensor_);
}

TensorHandle::~TensorHandle() {
  if (tensor_.defined()) ledger_->untrack(env_, tensor_);
  tag_ = 0;
}

Napi::Value TensorHandle::New(Napi::Env env, at::Tensor tensor) {
  auto* data = env.GetInstanceData<AddonData>();
  if (!data->handlePool.empty()) {
    auto* handle = data->handlePool.back();
    data->handlePool.pop_back();
    handle->pooled_ = false;
    napi_value value = nullptr;
    if (napi_get_reference_value(env, handle->poolRef_, &value) == napi_ok && value != nullptr) {
      napi_reference_unref(env, handle->poolRef_, nullptr);
      handle->tensor_ = std::move(tensor);
      handle->ledger_->track(env, handle->tensor_);
      return Napi::Value(env, value);
    }
  }
  auto* handle = new TensorHandle(env, std::move(tensor), data->memory);
  napi_value value;
  napi_status status = napi_create_external(env, handle, Finalize, nullptr, &value);
  if (status != napi_ok) {
    delete handle;
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }
  return Napi::Value(env, value);
}

Napi::Value TensorHandle::NewDisposedSentinel(Napi::Env env) {
  auto value = New(env, at::Tensor());
  FromValue(env, value)->sentinel_ = true;
  return value;
}

void TensorHandle::Recycle(Napi::Env env, napi_value value, TensorHandle* handle) {
  auto& pool = env.GetInstanceData<AddonData>()->handlePool;
  if (handle->sentinel_ || handle->pooled_ || !handle->disposed() || handle->busy()) return;
  if (pool.size() >= AddonData::kHandlePoolLimit) return;
  napi_status status = handle->poolRef_ == nullptr
                           ? napi_create_reference(env, value, 1, &handle->poolRef_)
                           : napi_reference_ref(env, handle->poolRef_, nullptr);
  if (status != napi_ok) return;
  handle->pooled_ = true;
  pool.push_back(handle);
}

TensorHandle* TensorHandle::FromValue(napi_env env, napi_value value) {
  void* data = nullptr;
  // Fails (without throwing) for anything that is not an External.
  if (napi_get_value_external(env, value, &data) != napi_ok || data == nullptr) return nullptr;
  auto* handle = static_cast<TensorHandle*>(data);
  return handle->tag_ == kTag ? handle : nullptr;
}

// An External is collected only when nothing reaches it, and async ops hold a reference to each
// handle they use, so no op can see a handle deleted here.
void TensorHandle::Finalize(napi_env env, void* data, void* hint) {
  auto* handle = static_cast<TensorHandle*>(data);
  if (handle->poolRef_ != nullptr) napi_delete_reference(env, handle->poolRef_);
  delete handle;
}

void TensorHandle::dispose(const char* op) {
  if (!tensor_.defined()) return;
  if (busy()) {
    throw CodedError(code::kBusy, std::string(op) +
                                      ": tensor is in use by an unfinished async operation; await "
                                      "it before dispose()");
  }
  ledger_->untrack(env_, tensor_);
  tensor_ = at::Tensor();
}

std::string TensorHandle::describe() const {
  return tensor_.defined() ? describeTensor(tensor_) : "disposed tensor";
}

}  // namespace zscl
