#include "common/dispatch.h"

#include <ATen/Parallel.h>

#include <memory>
#include <unordered_map>

#include "common/convert.h"
#include "common/errors.h"
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

// A sync op may not touch a handle that a worker is writing, nor write one a worker reads.
void checkNotBusy(const OpArgs& args) {
  for (const auto& use : args.uses()) {
    if (use.handle->writers > 0 || (use.write && use.handle->readers > 0)) {
      throw CodedError(code::kBusy, std::string(args.op()) + ": " + use.handle->describe() +
                                        " is in use by an unfinished async operation; await it "
                                        "first");
    }
  }
}

Napi::Value callSync(const Napi::CallbackInfo& info) {
  const auto* def = static_cast<const OpDef*>(info.Data());
  OpArgs args(info, def->name);
  try {
    Thunk thunk = def->parse(args);
    checkNotBusy(args);
    return ivalueToJs(info.Env(), thunk());
  } catch (...) {
    throw makeJsError(info.Env(), withContext(describeCurrentException(), args));
  }
}

// Runs one thunk on the libuv pool. The handles it uses stay referenced (so GC cannot finalize
// them) and marked busy until it settles.
class OpWorker : public Napi::AsyncWorker {
 public:
  OpWorker(Napi::Env env, Thunk thunk, const OpArgs& args)
      : Napi::AsyncWorker(env, "zscl.op"),
        deferred_(Napi::Promise::Deferred::New(env)),
        thunk_(std::move(thunk)),
        gradEnabled_(at::GradMode::is_enabled()),
        op_(args.op()) {
    pins_.reserve(args.uses().size());
    for (const auto& use : args.uses()) {
      napi_ref ref = nullptr;
      NAPI_THROW_IF_FAILED_VOID(env, napi_create_reference(env, use.value, 1, &ref));
      pins_.push_back({use.handle, ref, use.write});
      (use.write ? use.handle->writers : use.handle->readers)++;
    }
  }

  ~OpWorker() override { release(); }

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      at::init_num_threads();  // OpenMP thread counts are per calling thread
      at::AutoGradMode grad(gradEnabled_);
      result_ = thunk_();
    } catch (...) {
      failed_ = true;
      error_ = describeCurrentException();
    }
    thunk_ = Thunk();  // drop the captured inputs on the worker, not in the callback
  }

  void OnOK() override {
    auto env = Env();
    if (failed_) {
      error_.message = op_ + "(" + describePins() + "): " + error_.message;
      release();
      deferred_.Reject(makeJsError(env, error_).Value());
      return;
    }
    release();
    try {
      deferred_.Resolve(ivalueToJs(env, result_));
    } catch (...) {
      deferred_.Reject(makeJsError(env, describeCurrentException()).Value());
    }
    result_ = c10::IValue();
  }

  void OnError(const Napi::Error& error) override {
    release();
    deferred_.Reject(error.Value());
  }

 private:
  struct Pin {
    Pinnable* handle;
    napi_ref ref;
    bool write;
  };

  // Error text is built only on failure: the handles are still pinned, hence alive.
  std::string describePins() const {
    std::string out;
    for (size_t k = 0; k < pins_.size(); ++k) out += (k ? ", " : "") + pins_[k].handle->describe();
    return out;
  }

  void release() {
    for (auto& pin : pins_) {
      (pin.write ? pin.handle->writers : pin.handle->readers)--;
      napi_delete_reference(Env(), pin.ref);
    }
    pins_.clear();
  }

  Napi::Promise::Deferred deferred_;
  Thunk thunk_;
  bool gradEnabled_;
  std::string op_;
  std::vector<Pin> pins_;
  c10::IValue result_;
  bool failed_ = false;
  ErrorInfo error_;
};

Napi::Value callAsync(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw makeJsError(env, {code::kArg, "opAsync: expected an op name for argument 1"});
  }
  auto name = info[0].As<Napi::String>().Utf8Value();
  const OpDef* def = findOp(name);
  if (def == nullptr) throw makeJsError(env, {code::kArg, "opAsync: unknown op '" + name + "'"});
  OpArgs args(info, def->name, 1);
  try {
    Thunk thunk = def->parse(args);
    checkNotBusy(args);
    auto* worker = new OpWorker(env, std::move(thunk), args);
    auto promise = worker->promise();
    worker->Queue();
    return promise;
  } catch (...) {
    throw makeJsError(env, withContext(describeCurrentException(), args));
  }
}

}  // namespace

void exportOps(Napi::Env env, Napi::Object exports) {
  auto ops = Napi::Object::New(env);
  for (const auto& def : registry().ops()) {
    ops.Set(def.name, Napi::Function::New(env, callSync, def.name, const_cast<OpDef*>(&def)));
  }
  exports.Set("ops", ops);
  exports.Set("opAsync", Napi::Function::New(env, callAsync, "opAsync"));
}

}  // namespace zscl
