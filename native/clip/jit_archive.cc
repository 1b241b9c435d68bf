// OpenAI TorchScript archives (the .pt files clip.load(jit=True) uses). Loading one runs
// torch::jit::load, which can execute code from the file: lib/clip/checkpoint.ts only calls this
// after the caller opted in explicitly.
#include <torch/script.h>

#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {

void registerJitArchiveOps(OpRegistry& r) {
  // jitLoadParameters(path) -> [names, tensors] of the archive's parameters and buffers (CPU).
  r.add("jitLoadParameters", [](OpArgs& a) -> Thunk {
    auto path = a.string(0);
    return [=]() -> c10::IValue {
      torch::jit::Module module;
      try {
        module = torch::jit::load(path, torch::kCPU);
      } catch (const c10::Error& e) {
        throw CodedError(code::kIo, "cannot read TorchScript archive " + path + ": " +
                                        e.what_without_backtrace());
      }
      c10::List<std::string> names;
      std::vector<torch::Tensor> tensors;
      for (const auto& item : module.named_parameters(/*recurse=*/true)) {
        names.push_back(item.name);
        tensors.push_back(item.value.detach());
      }
      for (const auto& item : module.named_buffers(/*recurse=*/true)) {
        names.push_back(item.name);
        tensors.push_back(item.value.detach());
      }
      return c10::ivalue::Tuple::create(c10::IValue(names), c10::IValue(tensors));
    };
  });
}

}  // namespace zscl
