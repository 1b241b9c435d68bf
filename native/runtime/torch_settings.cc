// libtorch's process-wide switches: the global RNG seed, grad mode and TF32.
#include <torch/torch.h>

#include <cstdint>

#include "common/args.h"
#include "common/function.h"
#include "runtime/exports.h"

namespace zscl {
namespace {

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  double seed = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(seed >= 0 && seed <= 9007199254740991.0) ||
      seed != static_cast<double>(static_cast<uint64_t>(seed))) {
    throwArgumentError("manualSeed", argumentName(0), "a non-negative integer", info[0]);
  }
  torch::manual_seed(static_cast<uint64_t>(seed));
  return info.Env().Undefined();
}

Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

// setAllowTF32(cudnn, matmul): PyTorch's torch.backends.cudnn.allow_tf32 and
// torch.backends.cuda.matmul.allow_tf32 (defaults true and false); only CUDA kernels read them.
Napi::Value setAllowTF32(const Napi::CallbackInfo& info) {
  for (size_t i = 0; i < 2; ++i) {
    if (!info[i].IsBoolean())
      throwArgumentError("setAllowTF32", argumentName(i), "a boolean", info[i]);
  }
  at::globalContext().setAllowTF32CuDNN(info[0].As<Napi::Boolean>().Value());
  at::globalContext().setAllowTF32CuBLAS(info[1].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value allowTF32(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("cudnn", Napi::Boolean::New(info.Env(), at::globalContext().allowTF32CuDNN()));
  out.Set("matmul", Napi::Boolean::New(info.Env(), at::globalContext().allowTF32CuBLAS()));
  return out;
}

}  // namespace

void exportTorchSettings(Napi::Env env, Napi::Object exports) {
  exports.Set("manualSeed", safeFunction<manualSeed>(env, "manualSeed"));
  exports.Set("setGradEnabled", safeFunction<setGradEnabled>(env, "setGradEnabled"));
  exports.Set("isGradEnabled", safeFunction<isGradEnabled>(env, "isGradEnabled"));
  exports.Set("setAllowTF32", safeFunction<setAllowTF32>(env, "setAllowTF32"));
  exports.Set("allowTF32", safeFunction<allowTF32>(env, "allowTF32"));
}

}  // namespace zscl
