// What native memory the process holds: the ledger of live tensors and the CPU block cache.
#include "common/addon_data.h"
#include "common/cpu_allocator.h"
#include "common/function.h"
#include "common/memory.h"
#include "runtime/exports.h"

namespace zscl {
namespace {

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

}  // namespace

void exportMemoryStats(Napi::Env env, Napi::Object exports) {
  exports.Set("memory", safeFunction<memory>(env, "memory"));
  exports.Set("cpuCache", safeFunction<cpuCache>(env, "cpuCache"));
  exports.Set("releaseCpuCache", safeFunction<releaseCpuCache>(env, "releaseCpuCache"));
}

}  // namespace zscl
