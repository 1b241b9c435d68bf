// Entry point of the zscl native addon: one instance per JS environment (main or worker thread).
#include <napi.h>

#include "common/addon_data.h"
#include "common/dispatch.h"
#include "tensor/handle.h"
#include "tensor/runtime.h"

namespace zscl {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);
  data->tensorHandleClass = Napi::Persistent(TensorHandle::DefineClass(env));
  exportOps(env, exports);
  exportRuntime(env, exports);
  return exports;
}

}  // namespace zscl

// The module macro pastes the function name into an identifier, so it must be unqualified.
static Napi::Object InitZscl(Napi::Env env, Napi::Object exports) {
  return zscl::Init(env, exports);
}
NODE_API_MODULE(zscl, InitZscl)
