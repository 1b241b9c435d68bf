// Intra-op threads: one count for the process, chosen by the user or the loader's default, and
// applied by each thread that runs ops.
#include "runtime/threads.h"

#include <ATen/Parallel.h>

#include <atomic>

#include "common/args.h"
#include "common/function.h"
#include "runtime/exports.h"

namespace zscl {
namespace {

// Threads chosen for this process (by the user or the loader's default); -1 until then.
std::atomic<int> chosenThreads{-1};
// Bumped whenever the count changes, so that worker threads re-apply it once (see below).
std::atomic<int> threadsGeneration{0};

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() < 1) {
    throwArgumentError("setNumThreads", argumentName(0), "a positive integer", info[0]);
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

void exportThreads(Napi::Env env, Napi::Object exports) {
  exports.Set("setNumThreads", safeFunction<setNumThreads>(env, "setNumThreads"));
  exports.Set("initThreads", safeFunction<initThreads>(env, "initThreads"));
  exports.Set("getNumThreads", safeFunction<getNumThreads>(env, "getNumThreads"));
}

}  // namespace zscl
