// What this process runs on: the zscl and libtorch builds, the BLAS that serves matrix products,
// the CUDA devices; and waiting for those devices.
#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <link.h>
#include <torch/cuda.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/function.h"
#include "runtime/exports.h"

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
  // OpenBLAS's own threads: 0 none, 1 its pthread pool, 2 OpenMP (the pool libtorch uses).
  using ParallelFn = int (*)();
  if (auto parallel = reinterpret_cast<ParallelFn>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"))) {
    const int mode = parallel();
    out.Set("threading", Napi::String::New(env, mode == 2   ? "openmp"
                                                : mode == 1 ? "pthread"
                                                            : "sequential"));
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

void exportRuntimeInfo(Napi::Env env, Napi::Object exports) {
  exports.Set("runtimeInfo", safeFunction<runtimeInfo>(env, "runtimeInfo"));
  exports.Set("cudaSynchronize", safeFunction<cudaSynchronize>(env, "cudaSynchronize"));
}

}  // namespace zscl
