// The op table: every op is parsed on the main thread into a thunk, which runs either at once
// (sync form) or on a libuv worker thread with the caller's grad mode (Promise form).
#pragma once

#include <ATen/core/ivalue.h>
#include <napi.h>

#include <string>
#include <vector>

#include "common/args.h"
#include "common/thunk.h"

namespace zscl {

// Validates the JS arguments and builds the thunk (main thread).
using OpParser = Thunk (*)(OpArgs& args);

// What an op does beyond reading its arguments, for the busy checks.
enum OpFlags : unsigned {
  kOpPlain = 0,
  // Runs backward: while it runs on a worker, the gradients of the graph's leaves are being
  // written there, so in-place updates of tensors that require grad and gradient access wait.
  kOpRunsBackward = 1u << 0,
  // Reads or replaces gradients (grad, setGrad, a sync backward): refused while a backward runs
  // on a worker.
  kOpAccessesGrad = 1u << 1,
};

struct OpDef {
  const char* name;
  OpParser parse;
  unsigned flags;
};

class OpRegistry {
 public:
  void add(const char* name, OpParser parse, unsigned flags = kOpPlain) {
    ops_.push_back({name, parse, flags});
  }
  const std::vector<OpDef>& ops() const { return ops_; }

 private:
  std::vector<OpDef> ops_;
};

// Each native/tensor/ops_*.cc contributes its ops.
void registerCreationOps(OpRegistry& registry);
void registerShapeOps(OpRegistry& registry);
void registerMathOps(OpRegistry& registry);
void registerReduceOps(OpRegistry& registry);
void registerNnOps(OpRegistry& registry);
void registerAutogradOps(OpRegistry& registry);
void registerClipOps(OpRegistry& registry);
void registerJitArchiveOps(OpRegistry& registry);
void registerOptimizerOps(OpRegistry& registry);
void registerParamOps(OpRegistry& registry);
void registerDistOps(OpRegistry& registry);
void registerImageOps(OpRegistry& registry);
void registerPinnedOps(OpRegistry& registry);

// exports.ops.<name>(...) runs the op now; exports.opAsync(name, ...) returns a Promise.
void exportOps(Napi::Env env, Napi::Object exports);

}  // namespace zscl
