// Entry point of the zscl native addon: one instance per JS environment (main or worker thread).
#include <malloc.h>
#include <napi.h>

#include <cstdlib>

#include "common/addon_data.h"
#include "common/cpu_allocator.h"
#include "common/dispatch.h"
#include "common/object.h"
#include "runtime/exports.h"

namespace zscl {

// Tensors are allocated on libuv's worker threads; glibc gives each thread its own malloc arena,
// which holds freed memory per thread. Large tensors bypass malloc (common/cpu_allocator.h); for
// the rest, fewer arenas where this still takes effect (threads that have not yet allocated).
// MALLOC_ARENA_MAX, when set, wins.
void limitMallocArenas() {
  static bool done = false;
  if (done) return;
  done = true;
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  limitMallocArenas();
  installCpuAllocator();
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  data->objectHandleClass = Napi::Persistent(ObjectHandle::DefineClass(env));
  exportOps(env, exports);
  exportHandleAccess(env, exports);
  exportMemoryStats(env, exports);
  exportThreads(env, exports);
  exportTorchSettings(env, exports);
  exportRuntimeInfo(env, exports);
  exportErrorClass(env, exports);
  return exports;
}

}  // namespace zscl

// The module macro pastes the function name into an identifier, so it must be unqualified.
static Napi::Object InitZscl(Napi::Env env, Napi::Object exports) {
  return zscl::Init(env, exports);
}
NODE_API_MODULE(zscl, InitZscl)
