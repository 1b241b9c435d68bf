#include "common/object.h"

#include "common/addon_data.h"
#include "common/errors.h"

namespace zscl {
namespace {

constexpr napi_type_tag kObjectTag = {0x7a73636c6f626a65ULL, 0x6374686e646c6521ULL};
// Per thread: main and worker threads create objects concurrently, each in its own environment.
thread_local c10::intrusive_ptr<NativeObject>* pendingObject = nullptr;

}  // namespace

Napi::Function ObjectHandle::DefineClass(Napi::Env env) {
  return ObjectWrap<ObjectHandle>::DefineClass(env, "ObjectHandle", {});
}

Napi::Object ObjectHandle::New(Napi::Env env, c10::intrusive_ptr<NativeObject> object) {
  auto* data = env.GetInstanceData<AddonData>();
  pendingObject = &object;
  auto handle = data->objectHandleClass.New({});
  pendingObject = nullptr;
  napi_type_tag_object(env, handle, &kObjectTag);
  return handle;
}

ObjectHandle* ObjectHandle::FromValue(Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  bool tagged = false;
  napi_check_object_type_tag(value.Env(), value, &kObjectTag, &tagged);
  if (!tagged) return nullptr;
  return ObjectWrap<ObjectHandle>::Unwrap(value.As<Napi::Object>());
}

ObjectHandle::ObjectHandle(const Napi::CallbackInfo& info) : ObjectWrap<ObjectHandle>(info) {
  if (pendingObject == nullptr) {
    throw Napi::TypeError::New(info.Env(), "ObjectHandle cannot be constructed from JavaScript");
  }
  object_ = std::move(*pendingObject);
}

void ObjectHandle::dispose(const char* op) {
  if (!object_) return;
  if (busy()) {
    throw CodedError(code::kBusy, std::string(op) +
                                      ": object is in use by an unfinished async operation; await "
                                      "it before dispose()");
  }
  object_.reset();
}

std::string ObjectHandle::describe() const {
  return object_ ? std::string(object_->kind()) + " object" : "disposed object";
}

}  // namespace zscl
