#include "common/dispatch.h"

#include <ATen/Parallel.h>

#include <memory>
#include <unordered_map>

#include "common/addon_data.h"
#include "common/convert.h"
#include "common/errors.h"
#include "common/function.h"
#include "runtime/threads.h"
#include "tensor/handle.h"

namespace zscl {
namespace {

const OpRegistry& registry() {
  static const OpRegistry instance = [] {
    OpRegistry r;
    registerCreationOps(r);
    registerShapeOps(r);
    registerMathOps(r);
    registerReduceOps(r);
    registerNnOps(r);
    registerAutogradOps(r);
    registerClipOps(r);
    registerJitArchiveOps(r);
    registerOptimizerOps(r);
    registerParamOps(r);
    registerDistOps(r);
    registerImageOps(r);
    registerPinnedOps(r);
    return r;
  }();
  return instance;
}

const OpDef* findOp(const std::string& name) {
  static const std::unordered_map<std::string, const OpDef*> byName = [] {
    std::unordered_map<std::string, const OpDef*> map;
    for (const auto& def : registry().ops()) map.emplace(def.name, &def);
    return map;
  }();
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : it->second;
}

// "matmul(float32[2,3] cpu, float32[4,5] cpu): <cause>"
ErrorInfo withContext(ErrorInfo info, const OpArgs& args) {
  std::string inputs = args.describeInputs();
  std::string prefix = std::string(args.op());
  if (info.message.rfind(prefix + ":", 0) == 0) return info;  // already names the op
  info.message = prefix + "(" + inputs + "): " + info.message;
  return info;
}

// No op may touch a handle that a worker is writing, nor write one a worker reads. While a
// backward runs on a worker, gradients and tensors that require grad are its to write.
void checkNotBusy(Napi::Env env, const OpDef& def, const OpArgs& args) {
  bool writesGradState = (def.flags & kOpAccessesGrad) != 0;
  for (const auto& use : args.uses()) {
    if (use.handle->writers > 0 || (use.write && use.handle->readers > 0)) {
      throw CodedError(code::kBusy, std::string(args.op()) + ": " + use.handle->describe() +
                                        " is in use by an unfinished async operation; await it "
                                        "first");
    }
    writesGradState = writesGradState || use.requiresGrad;
  }
  if (!writesGradState) return;
  auto* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && data->backwardsInFlight > 0) {
    throw CodedError(code::kBusy, std::string(args.op()) +
                                      ": a backward pass running on a worker thread is writing "
                                      "gradients; await it before touching gradients or updating "
                                      "tensors that require grad");
  }
}

Napi::Value callSync(const Napi::CallbackInfo& info) {
  const auto* def = static_cast<const OpDef*>(info.Data());
  OpArgs args(info, def->name);
  try {
    Thunk thunk = def->parse(args);
    checkNotBusy(info.Env(), *def, args);
    c10::IValue result = thunk();
    // The common case, moved rather than copied out of the IValue.
    if (result.isTensor()) {
      at::Tensor tensor = std::move(result).toTensor();
      if (tensor.defined()) return TensorHandle::New(info.Env(), std::move(tensor));
      return info.Env().Null();
    }
    return ivalueToJs(info.Env(), result);
  } catch (...) {
    throw makeJsError(info.Env(), withContext(describeCurrentException(), args));
  }
}

// Runs one thunk on the libuv pool. The handles it uses stay referenced (so GC cannot finalize
// them) and marked busy until it settles. Plain napi async work rather than Napi::AsyncWorker:
// completion must never throw, and during worker.terminate() or process.exit() napi refuses to
// settle promises, which Napi::AsyncWorker turns into std::terminate.
class OpWork {
 public:
  // Pins the handles, marks them busy and queues the work; returns the Promise (main thread).
  static napi_value Queue(napi_env env, Thunk thunk, const OpDef& def, const OpArgs& args) {
    std::unique_ptr<OpWork> self(new OpWork(std::move(thunk), args.op()));
    napi_value promise = nullptr, name = nullptr;
    NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &self->deferred_, &promise), nullptr);
    NAPI_THROW_IF_FAILED(env, napi_create_string_utf8(env, "zscl.op", NAPI_AUTO_LENGTH, &name),
                         nullptr);
    NAPI_THROW_IF_FAILED(
        env,
        napi_create_async_work(env, nullptr, name, Execute, Complete, self.get(), &self->work_),
        nullptr);
    napi_status status = self->pin(env, def, args);
    if (status == napi_ok) status = napi_queue_async_work(env, self->work_);
    if (status != napi_ok) {
      self->release(env);
      napi_delete_async_work(env, self->work_);
      NAPI_THROW_IF_FAILED(env, status, nullptr);
    }
    self->data_ = Napi::Env(env).GetInstanceData<AddonData>();
    if (self->data_ != nullptr) self->data_->asyncWork.insert(self->work_);
    self.release();  // owned by the work until Complete
    return promise;
  }

 private:
  OpWork(Thunk thunk, std::string op)
      : thunk_(std::move(thunk)), gradEnabled_(at::GradMode::is_enabled()), op_(std::move(op)) {}

  struct Pin {
    Pinnable* handle;
    napi_ref ref;
    bool write;
  };

  napi_status pin(napi_env env, const OpDef& def, const OpArgs& args) {
    pins_.reserve(args.uses().size());
    for (const auto& use : args.uses()) {
      napi_ref ref = nullptr;
      napi_status status = napi_create_reference(env, use.value, 1, &ref);
      if (status != napi_ok) return status;
      pins_.push_back({use.handle, ref, use.write});
      (use.write ? use.handle->writers : use.handle->readers)++;
    }
    if (def.flags & kOpRunsBackward) {
      backward_ = Napi::Env(env).GetInstanceData<AddonData>();
      if (backward_ != nullptr) backward_->backwardsInFlight++;
    }
    return napi_ok;
  }

  // Worker thread: only native code, with the caller's grad mode.
  static void Execute(napi_env, void* data) {
    auto* self = static_cast<OpWork*>(data);
    try {
      syncIntraOpThreads();
      at::AutoGradMode grad(self->gradEnabled_);
      self->result_ = self->thunk_();
    } catch (...) {
      self->failed_ = true;
      self->error_ = describeCurrentException();
    }
    self->thunk_ = Thunk();  // drop the captured inputs here, not on the main thread
  }

  // Main thread; never throws. When the environment is going away the promise is left pending.
  static void Complete(napi_env env, napi_status status, void* data) {
    std::unique_ptr<OpWork> self(static_cast<OpWork*>(data));
    std::string inputs = self->failed_ ? self->describePins() : std::string();
    self->release(env);
    if (self->data_ != nullptr) self->data_->asyncWork.erase(self->work_);
    napi_delete_async_work(env, self->work_);
    if (status != napi_ok) return;  // cancelled
    napi_value outcome = nullptr;
    bool resolve = !self->failed_;
    try {
      if (resolve) {
        outcome = ivalueToJs(Napi::Env(env), self->result_);
      } else {
        self->error_.message = self->op_ + "(" + inputs + "): " + self->error_.message;
        outcome = makeJsError(env, self->error_).Value();
      }
    } catch (...) {
      resolve = false;
      try {
        outcome = makeJsError(env, describeCurrentException()).Value();
      } catch (...) {
        return;
      }
    }
    self->result_ = c10::IValue();
    if (resolve) {
      napi_resolve_deferred(env, self->deferred_, outcome);
    } else {
      napi_reject_deferred(env, self->deferred_, outcome);
    }
  }

  // Error text is built only on failure: the handles are still pinned, hence alive.
  std::string describePins() const {
    std::string out;
    for (size_t k = 0; k < pins_.size(); ++k) out += (k ? ", " : "") + pins_[k].handle->describe();
    return out;
  }

  void release(napi_env env) {
    for (auto& pin : pins_) {
      (pin.write ? pin.handle->writers : pin.handle->readers)--;
      napi_delete_reference(env, pin.ref);
    }
    pins_.clear();
    if (backward_ != nullptr) backward_->backwardsInFlight--;
    backward_ = nullptr;
  }

  napi_async_work work_ = nullptr;
  napi_deferred deferred_ = nullptr;
  AddonData* data_ = nullptr;
  Thunk thunk_;
  bool gradEnabled_;
  std::string op_;
  std::vector<Pin> pins_;
  AddonData* backward_ = nullptr;  // set while this op counts as a backward in flight
  c10::IValue result_;
  bool failed_ = false;
  ErrorInfo error_;
};

Napi::Value callAsync(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throwArgumentError("opAsync", argumentName(0), "an op name", info[0]);
  }
  auto name = info[0].As<Napi::String>().Utf8Value();
  const OpDef* def = findOp(name);
  if (def == nullptr) throw makeJsError(env, {code::kArg, "opAsync: unknown op '" + name + "'"});
  OpArgs args(info, def->name, 1);
  try {
    Thunk thunk = def->parse(args);
    checkNotBusy(env, *def, args);
    return Napi::Value(env, OpWork::Queue(env, std::move(thunk), *def, args));
  } catch (...) {
    throw makeJsError(env, withContext(describeCurrentException(), args));
  }
}

// cancelPending(): drops the async ops not yet started (a process that is exiting would otherwise
// wait for every queued op: libuv joins its pool after running what is queued). Their promises
// stay pending; ops already running finish. Returns how many were dropped.
Napi::Value cancelPending(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  auto* data = info.Env().GetInstanceData<AddonData>();
  int dropped = 0;
  if (data != nullptr) {
    for (napi_async_work work : data->asyncWork) {
      if (napi_cancel_async_work(env, work) == napi_ok) dropped++;
    }
  }
  return Napi::Number::New(env, dropped);
}

}  // namespace

void exportOps(Napi::Env env, Napi::Object exports) {
  auto ops = Napi::Object::New(env);
  for (const auto& def : registry().ops()) {
    ops.Set(def.name, safeFunction<callSync>(env, def.name, const_cast<OpDef*>(&def)));
  }
  exports.Set("ops", ops);
  exports.Set("opAsync", safeFunction<callAsync>(env, "opAsync"));
  exports.Set("cancelPending", safeFunction<cancelPending>(env, "cancelPending"));
}

}  // namespace zscl
