// Process-level native functions (see runtime.cc).
#pragma once

#include <napi.h>

namespace zscl {

void exportRuntime(Napi::Env env, Napi::Object exports);

}  // namespace zscl
