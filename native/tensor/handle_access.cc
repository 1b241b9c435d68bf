// The JS-facing functions of a tensor handle: its lifetime (dispose) and reading it (metadata,
// data, a single value). They run at once on the main thread, outside the op table.
#include <cstring>
#include <string>

#include "common/args.h"
#include "common/convert.h"
#include "common/errors.h"
#include "common/function.h"
#include "common/object.h"
#include "runtime/exports.h"
#include "tensor/handle.h"

namespace zscl {
namespace {

TensorHandle& handleArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto* handle = TensorHandle::FromValue(info[i]);
  if (handle == nullptr) throwArgumentError(op, argumentName(i), "a Tensor", info[i]);
  return *handle;
}

const at::Tensor& liveTensor(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto& handle = handleArg(info, i, op);
  if (handle.disposed()) throwDisposedArgument(op, argumentName(i), "tensor");
  if (handle.writers > 0) {
    throw CodedError(code::kBusy, std::string(op) +
                                      ": tensor is being written by an unfinished async "
                                      "operation; await it first");
  }
  return handle.tensor();
}

// Runs `body`, naming the op in a libtorch failure.
template <typename F>
auto guarded(const Napi::CallbackInfo& info, const char* op, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    auto error = describeCurrentException();
    error.message = std::string(op) + ": " + error.message;
    throw makeJsError(info.Env(), error);
  }
}

// dispose(handle, recycle?): `recycle` promises that the caller dropped its last reference to a
// tensor handle (Tensor.dispose does), so the handle may be reused for a later result.
Napi::Value dispose(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (auto* handle = TensorHandle::FromValue(env, info[0])) {
    guarded(info, "dispose", [&] { handle->dispose("dispose"); });
    bool recycle = false;
    if (info.Length() > 1 && napi_get_value_bool(env, info[1], &recycle) == napi_ok && recycle) {
      TensorHandle::Recycle(env, info[0], handle);
    }
    return env.Undefined();
  }
  if (auto* object = ObjectHandle::FromValue(info[0])) {
    guarded(info, "dispose", [&] { object->dispose("dispose"); });
    return env.Undefined();
  }
  throwArgumentError("dispose", argumentName(0), "a Tensor or native object", info[0]);
}

Napi::Value isDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), handleArg(info, 0, "isDisposed").disposed());
}

// meta(h) -> [dtypeCode, device, shape]
Napi::Value meta(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& t = liveTensor(info, 0, "meta");
  return guarded(info, "meta", [&]() -> Napi::Value {
    auto shape = Napi::Array::New(env, t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) {
      shape[static_cast<uint32_t>(d)] = Napi::Number::New(env, static_cast<double>(t.size(d)));
    }
    auto out = Napi::Array::New(env, 3);
    out[0u] = Napi::Number::New(env, dtypeToCode(t.scalar_type()));
    out[1u] = Napi::String::New(env, t.device().str());
    out[2u] = shape;
    return out;
  });
}

// readData(h, raw?) -> ArrayBuffer with the elements in row-major order; float16/bfloat16 widen
// to float32 unless `raw` asks for the stored bytes.
Napi::Value readData(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& t = liveTensor(info, 0, "readData");
  bool raw = info.Length() > 1 && info[1].ToBoolean().Value();
  return guarded(info, "readData", [&]() -> Napi::Value {
    at::NoGradGuard noGrad;
    auto host = t.detach().to(at::kCPU);
    if (!raw && (host.scalar_type() == at::kHalf || host.scalar_type() == at::kBFloat16)) {
      host = host.to(at::kFloat);
    }
    host = host.contiguous();
    size_t bytes = host.numel() * host.element_size();
    auto buffer = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), host.data_ptr(), bytes);
    return buffer;
  });
}

Napi::Value item(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& t = liveTensor(info, 0, "item");
  return guarded(info, "item", [&]() -> Napi::Value {
    if (t.numel() != 1) {
      throw CodedError(code::kShape, "a tensor with " + std::to_string(t.numel()) +
                                         " elements cannot be converted to a number (" +
                                         describeTensor(t) + ")");
    }
    auto value = t.item();
    if (value.isBoolean()) return Napi::Boolean::New(env, value.toBool());
    if (value.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(value.toLong()));
    return Napi::Number::New(env, value.toDouble());
  });
}

}  // namespace

void exportHandleAccess(Napi::Env env, Napi::Object exports) {
  exports.Set("dispose", safeFunction<dispose>(env, "dispose"));
  exports.Set("disposedHandle", TensorHandle::NewDisposedSentinel(env));
  exports.Set("isDisposed", safeFunction<isDisposed>(env, "isDisposed"));
  exports.Set("meta", safeFunction<meta>(env, "meta"));
  exports.Set("readData", safeFunction<readData>(env, "readData"));
  exports.Set("item", safeFunction<item>(env, "item"));
}

}  // namespace zscl
