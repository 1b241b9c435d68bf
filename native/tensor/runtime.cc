// Process-level functions: handle lifetime and data access, threads, seeds, grad mode, and what
// libtorch/BLAS/CUDA this process runs on.
#include "tensor/runtime.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <link.h>
#include <torch/cuda.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/addon_data.h"
#include "common/convert.h"
#include "common/cpu_allocator.h"
#include "common/errors.h"
#include "common/function.h"
#include "common/object.h"
#include "tensor/handle.h"

#ifdef ZSCL_WITH_CUDA
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#endif

#ifndef ZSCL_VERSION
#define ZSCL_VERSION "0.0.0"
#endif
#ifndef ZSCL_TORCH_LIBDIR
#define ZSCL_TORCH_LIBDIR ""
#endif
#ifndef ZSCL_TORCH_VERSION
#define ZSCL_TORCH_VERSION ""
#endif

namespace zscl {
namespace {

// Threads chosen for this process (by the user or the loader's default); -1 until then.
std::atomic<int> chosenThreads{-1};
// Bumped whenever the count changes, so that worker threads re-apply it once (see below).
std::atomic<int> threadsGeneration{0};

TensorHandle& handleArg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto* handle = TensorHandle::FromValue(info[i]);
  if (handle == nullptr) {
    throw makeJsError(
        info.Env(),
        {code::kArg, std::string(op) + ": expected a Tensor for argument " + std::to_string(i + 1) +
                         " but received " + describeJsType(info[i])});
  }
  return *handle;
}

const at::Tensor& liveTensor(const Napi::CallbackInfo& info, size_t i, const char* op) {
  auto& handle = handleArg(info, i, op);
  if (handle.disposed()) {
    throw makeJsError(info.Env(), {code::kDisposed, std::string(op) + ": tensor was disposed"});
  }
  if (handle.writers > 0) {
    throw makeJsError(
        info.Env(),
        {code::kBusy, std::string(op) + ": tensor is being written by an unfinished async "
                                        "operation; await it first"});
  }
  return handle.tensor();
}

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
  throw makeJsError(env, {code::kArg, "dispose: expected a Tensor handle for argument 1"});
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

Napi::Value memory(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const auto& ledger = *env.GetInstanceData<AddonData>()->memory;
  auto out = Napi::Object::New(env);
  out.Set("tensors", Napi::Number::New(env, ledger.tensors()));
  out.Set("bytes", Napi::Number::New(env, ledger.bytes()));
  out.Set("storages", Napi::Number::New(env, ledger.storages()));
  return out;
}

Napi::Value cpuCache(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto stats = cpuCacheStats();
  auto out = Napi::Object::New(env);
  out.Set("mappedBytes", Napi::Number::New(env, static_cast<double>(stats.mappedBytes)));
  out.Set("cachedBytes", Napi::Number::New(env, static_cast<double>(stats.cachedBytes)));
  out.Set("peakLiveBytes", Napi::Number::New(env, static_cast<double>(stats.peakLiveBytes)));
  return out;
}

Napi::Value releaseCpuCache(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(zscl::releaseCpuCache()));
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1) {
    throw makeJsError(info.Env(), {code::kArg, "setNumThreads: expected a positive integer"});
  }
  int n = info[0].As<Napi::Number>().Int32Value();
  chosenThreads = n;
  at::set_num_threads(n);
  ++threadsGeneration;
  return info.Env().Undefined();
}

// initThreads(fallback): this thread uses the process's chosen count, else `fallback`.
Napi::Value initThreads(const Napi::CallbackInfo& info) {
  int fallback = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  int expected = -1;
  chosenThreads.compare_exchange_strong(expected, fallback > 0 ? fallback : 1);
  at::set_num_threads(chosenThreads.load());
  ++threadsGeneration;
  return info.Env().Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

// setAllowTF32(cudnn, matmul): PyTorch's torch.backends.cudnn.allow_tf32 and
// torch.backends.cuda.matmul.allow_tf32 (defaults true and false); only CUDA kernels read them.
Napi::Value setAllowTF32(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean() || !info[1].IsBoolean()) {
    throw makeJsError(info.Env(),
                      {code::kArg, "setAllowTF32: expected two booleans (cudnn, matmul)"});
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

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  double seed = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!info[0].IsNumber() || !(seed >= 0 && seed <= 9007199254740991.0) ||
      seed != static_cast<double>(static_cast<uint64_t>(seed))) {
    std::string received = info[0].IsNumber() ? formatNumber(seed) : describeJsType(info[0]);
    throw makeJsError(
        info.Env(),
        {code::kArg, "manualSeed: expected a non-negative integer but received " + received});
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

Napi::Value setErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction())
    throw Napi::TypeError::New(info.Env(), "setErrorClass: expected a class");
  info.Env().GetInstanceData<AddonData>()->errorClass =
      Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

struct LoadedLibraries {
  std::vector<std::string> paths;
};

int collectLibrary(struct dl_phdr_info* entry, size_t, void* data) {
  if (entry->dlpi_name != nullptr && entry->dlpi_name[0] != '\0') {
    static_cast<LoadedLibraries*>(data)->paths.emplace_back(entry->dlpi_name);
  }
  return 0;
}

std::string realPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) ? std::string(resolved) : path;
}

// Which BLAS serves matrix products: OpenBLAS, MKL, or the (30x slower) reference BLAS.
Napi::Object blasInfo(Napi::Env env, const LoadedLibraries& libs) {
  auto out = Napi::Object::New(env);
  std::string name = "unknown", library;
  using ConfigFn = char* (*)();
  if (auto config = reinterpret_cast<ConfigFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
    name = "openblas";
    out.Set("detail", Napi::String::New(env, config()));
  }
  for (const auto& path : libs.paths) {
    auto file = path.substr(path.find_last_of('/') + 1);
    bool blasLib =
        file.find("blas") != std::string::npos && file.find("cublas") == std::string::npos;
    bool mkl = file.find("libmkl") != std::string::npos;
    if (!blasLib && !mkl) continue;
    library = realPath(path);
    if (mkl) {
      name = "mkl";
    } else if (library.find("openblas") != std::string::npos) {
      name = "openblas";
    } else if (name == "unknown" && library.find("/blas/") != std::string::npos) {
      name = "reference";
    }
  }
  if (name == "unknown") {
    auto config = at::show_config();
    if (config.find("BLAS_INFO=mkl") != std::string::npos) name = "mkl";
  }
  out.Set("name", Napi::String::New(env, name));
  out.Set("library", Napi::String::New(env, library));
  return out;
}

Napi::Value runtimeInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  LoadedLibraries libs;
  dl_iterate_phdr(collectLibrary, &libs);
  std::string torchLibrary;
  for (const auto& path : libs.paths) {
    if (path.find("libtorch_cpu.so") != std::string::npos) torchLibrary = realPath(path);
  }
  auto out = Napi::Object::New(env);
  out.Set("zsclNative", Napi::String::New(env, ZSCL_VERSION));
  out.Set("torchVersion", Napi::String::New(env, ZSCL_TORCH_VERSION));
  out.Set("torchBuiltAgainst", Napi::String::New(env, ZSCL_TORCH_LIBDIR));
  out.Set("torchLibrary", Napi::String::New(env, torchLibrary));
  out.Set("blas", blasInfo(env, libs));
  out.Set("parallel", Napi::String::New(env, at::get_parallel_info()));
  bool cuda = torch::cuda::is_available();
  out.Set("cudaAvailable", Napi::Boolean::New(env, cuda));
  auto devices = Napi::Array::New(env);
#ifdef ZSCL_WITH_CUDA
  out.Set("cudaCompiled", Napi::Boolean::New(env, true));
  if (cuda) {
    for (int i = 0; i < static_cast<int>(torch::cuda::device_count()); ++i) {
      cudaDeviceProp prop;
      if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) {
        devices[static_cast<uint32_t>(i)] = Napi::String::New(env, prop.name);
      }
    }
  }
#else
  out.Set("cudaCompiled", Napi::Boolean::New(env, false));
#endif
  out.Set("cudaDevices", devices);
  return out;
}

Napi::Value cudaSynchronize(const Napi::CallbackInfo& info) {
#ifdef ZSCL_WITH_CUDA
  if (torch::cuda::is_available()) torch::cuda::synchronize();
#endif
  return info.Env().Undefined();
}

}  // namespace

void syncIntraOpThreads() {
  // OpenMP's thread count is per calling thread, so each worker applies the process's count;
  // only when it changed, because libtorch's init_num_threads also re-creates its pthreadpool
  // (new threads that spin for a while) on every call.
  thread_local int applied = -1;
  const int now = threadsGeneration.load();
  if (applied == now) return;
  applied = now;
  at::init_num_threads();
}

void exportRuntime(Napi::Env env, Napi::Object exports) {
  exports.Set("dispose", safeFunction<dispose>(env, "dispose"));
  exports.Set("disposedHandle", TensorHandle::NewDisposedSentinel(env));
  exports.Set("isDisposed", safeFunction<isDisposed>(env, "isDisposed"));
  exports.Set("meta", safeFunction<meta>(env, "meta"));
  exports.Set("readData", safeFunction<readData>(env, "readData"));
  exports.Set("item", safeFunction<item>(env, "item"));
  exports.Set("memory", safeFunction<memory>(env, "memory"));
  exports.Set("cpuCache", safeFunction<cpuCache>(env, "cpuCache"));
  exports.Set("releaseCpuCache", safeFunction<releaseCpuCache>(env, "releaseCpuCache"));
  exports.Set("setNumThreads", safeFunction<setNumThreads>(env, "setNumThreads"));
  exports.Set("initThreads", safeFunction<initThreads>(env, "initThreads"));
  exports.Set("getNumThreads", safeFunction<getNumThreads>(env, "getNumThreads"));
  exports.Set("manualSeed", safeFunction<manualSeed>(env, "manualSeed"));
  exports.Set("setAllowTF32", safeFunction<setAllowTF32>(env, "setAllowTF32"));
  exports.Set("allowTF32", safeFunction<allowTF32>(env, "allowTF32"));
  exports.Set("setGradEnabled", safeFunction<setGradEnabled>(env, "setGradEnabled"));
  exports.Set("isGradEnabled", safeFunction<isGradEnabled>(env, "isGradEnabled"));
  exports.Set("setErrorClass", safeFunction<setErrorClass>(env, "setErrorClass"));
  exports.Set("runtimeInfo", safeFunction<runtimeInfo>(env, "runtimeInfo"));
  exports.Set("cudaSynchronize", safeFunction<cudaSynchronize>(env, "cudaSynchronize"));
}

}  // namespace zscl
