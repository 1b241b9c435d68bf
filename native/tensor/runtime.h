// Process-level native functions (see runtime.cc).
#pragma once

#include <napi.h>

namespace zscl {

void exportRuntime(Napi::Env env, Napi::Object exports);

// Makes the calling (worker) thread use the process's intra-op thread count.
void syncIntraOpThreads();

}  // namespace zscl
