// The addon's functions outside the op table (common/dispatch.h): they run at once on the
// calling thread. One file per concern; addon.cc installs them all.
#pragma once

#include <napi.h>

namespace zscl {

// dispose, isDisposed, meta, readData, item (tensor/handle_access.cc).
void exportHandleAccess(Napi::Env env, Napi::Object exports);
// memory, cpuCache, releaseCpuCache (runtime/memory_stats.cc).
void exportMemoryStats(Napi::Env env, Napi::Object exports);
// setNumThreads, initThreads, getNumThreads (runtime/threads.cc).
void exportThreads(Napi::Env env, Napi::Object exports);
// manualSeed, setGradEnabled, isGradEnabled, setAllowTF32, allowTF32 (runtime/torch_settings.cc).
void exportTorchSettings(Napi::Env env, Napi::Object exports);
// runtimeInfo, cudaSynchronize (runtime/runtime_info.cc).
void exportRuntimeInfo(Napi::Env env, Napi::Object exports);
// setErrorClass (common/errors.cc).
void exportErrorClass(Napi::Env env, Napi::Object exports);

}  // namespace zscl
