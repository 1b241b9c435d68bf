// libtorch's AdamW and SGD behind the op table, with their state readable and restorable so a
// run can resume bit for bit.
#include <torch/torch.h>

#include <cmath>
#include <sstream>

#include "common/dispatch.h"
#include "common/errors.h"
#include "common/object.h"

namespace zscl {
namespace {

class OptimizerObject : public NativeObject {
 public:
  static constexpr const char* kKind = "optimizer";
  const char* kind() const override { return kKind; }

  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<torch::Tensor> params;
  bool adamw = true;

  void setLearningRate(double lr) {
    for (auto& group : optimizer->param_groups()) {
      if (adamw) {
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      } else {
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
      }
    }
  }
};

double numberField(OpArgs& a, const Napi::Object& o, const char* key, double fallback) {
  auto value = o.Get(key);
  if (value.IsUndefined()) return fallback;
  double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(v) || v < 0) {
    throwArgumentError(a.op(), std::string("options.") + key, "a finite non-negative number",
                       value);
  }
  return v;
}

// libtorch keys optimizer state by the parameter's TensorImpl: as a string in 1.x, as a pointer
// in later versions.
template <typename Map>
auto stateKey(const Map&, const torch::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    // What 1.x's c10::guts::to_string (gone in 2.x) does: the pointer through an ostream.
    std::ostringstream key;
    key << p.unsafeGetTensorImpl();
    return key.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

}  // namespace

void registerOptimizerOps(OpRegistry& r) {
  // optimizerCreate(kind: 'adamw' | 'sgd', params, options)
  r.add("optimizerCreate", [](OpArgs& a) -> Thunk {
    auto kind = a.string(0);
    auto params = a.tensorList(1);
    if (!a.raw(2).IsObject()) a.fail(2, "an options object");
    auto o = a.raw(2).As<Napi::Object>();
    if (kind != "adamw" && kind != "sgd") {
      throw CodedError(code::kArg,
                       "optimizerCreate: kind must be 'adamw' or 'sgd', got '" + kind + "'");
    }
    for (size_t i = 0; i < params.size(); ++i) {
      if (!params[i].is_leaf() || !params[i].requires_grad()) {
        throw CodedError(code::kAutograd, "optimizerCreate: parameter " + std::to_string(i) +
                                              " is not a leaf tensor that requires grad");
      }
    }
    auto object = c10::make_intrusive<OptimizerObject>();
    object->params = params;
    object->adamw = kind == "adamw";
    double lr = numberField(a, o, "lr", 1e-3);
    double wd = numberField(a, o, "weightDecay", object->adamw ? 1e-2 : 0.0);
    if (object->adamw) {
      double beta1 = numberField(a, o, "beta1", 0.9), beta2 = numberField(a, o, "beta2", 0.999);
      double eps = numberField(a, o, "eps", 1e-8);
      if (beta1 >= 1 || beta2 >= 1)
        throw CodedError(code::kArg, "optimizerCreate: betas must be < 1");
      object->optimizer = std::make_unique<torch::optim::AdamW>(
          params, torch::optim::AdamWOptions(lr).betas({beta1, beta2}).eps(eps).weight_decay(wd));
    } else {
      double momentum = numberField(a, o, "momentum", 0.0);
      double dampening = numberField(a, o, "dampening", 0.0);
      auto nesterov = o.Get("nesterov").ToBoolean().Value();
      object->optimizer = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(lr)
                                                                          .momentum(momentum)
                                                                          .dampening(dampening)
                                                                          .weight_decay(wd)
                                                                          .nesterov(nesterov));
    }
    return [object]() -> c10::IValue { return objectResult(object); };
  });

  // optimizerStep(opt, lr): one update with this learning rate (params with no grad are skipped).
  r.add("optimizerStep", [](OpArgs& a) -> Thunk {
    auto& object = a.object<OptimizerObject>(0, /*write=*/true);
    auto lr = a.number(1);
    auto* target = &object;
    return [target, lr]() -> c10::IValue {
      torch::NoGradGuard noGrad;
      target->setLearningRate(lr);
      target->optimizer->step();
      return c10::IValue();
    };
  });

  // optimizerZeroGrad(opt): zeroes the gradients in place (torch 1.13's zero_grad()).
  r.add("optimizerZeroGrad", [](OpArgs& a) -> Thunk {
    auto& object = a.object<OptimizerObject>(0, /*write=*/true);
    auto* target = &object;
    return [target]() -> c10::IValue {
      target->optimizer->zero_grad();
      return c10::IValue();
    };
  });

  // optimizerState(opt) -> [steps[], buffersA[], buffersB[]] in parameter order; AdamW: exp_avg and
  // exp_avg_sq; SGD: momentum_buffer and (unused) empty. Parameters with no state yet have step 0
  // and undefined (null) buffers.
  r.add("optimizerState", [](OpArgs& a) -> Thunk {
    auto& object = a.object<OptimizerObject>(0);
    auto* target = &object;
    return [target]() -> c10::IValue {
      c10::List<int64_t> steps;
      std::vector<torch::Tensor> first, second;
      auto& state = target->optimizer->state();
      for (const auto& p : target->params) {
        auto it = state.find(stateKey(state, p));
        if (it == state.end()) {
          steps.push_back(0);
          first.emplace_back();
          second.emplace_back();
        } else if (target->adamw) {
          auto& s = static_cast<torch::optim::AdamWParamState&>(*it->second);
          steps.push_back(s.step());
          first.push_back(s.exp_avg().clone());
          second.push_back(s.exp_avg_sq().clone());
        } else {
          auto& s = static_cast<torch::optim::SGDParamState&>(*it->second);
          steps.push_back(1);
          first.push_back(s.momentum_buffer().clone());
          second.emplace_back();
        }
      }
      return c10::ivalue::Tuple::create(c10::IValue(steps), c10::IValue(first),
                                        c10::IValue(second));
    };
  });

  // optimizerLoadState(opt, steps[], buffersA[], buffersB[]): restores what optimizerState gave.
  r.add("optimizerLoadState", [](OpArgs& a) -> Thunk {
    auto& object = a.object<OptimizerObject>(0, /*write=*/true);
    auto steps = a.intList(1);
    auto first = a.tensorList(2);
    auto second = a.tensorList(3);
    const auto n = object.params.size();
    if (steps.size() != n || first.size() != n || (object.adamw && second.size() != n)) {
      throw CodedError(code::kShape, "optimizerLoadState: state is for " +
                                         std::to_string(steps.size()) +
                                         " parameters but the optimizer has " + std::to_string(n));
    }
    auto* target = &object;
    return [target, steps, first, second]() -> c10::IValue {
      auto& state = target->optimizer->state();
      for (size_t i = 0; i < target->params.size(); ++i) {
        const auto& p = target->params[i];
        auto key = stateKey(state, p);
        if (steps[i] == 0) {
          state.erase(key);
          continue;
        }
        if (!first[i].sizes().equals(p.sizes())) {
          throw CodedError(code::kShape, "optimizerLoadState: buffer " + std::to_string(i) +
                                             " does not match its parameter's shape");
        }
        if (target->adamw) {
          auto s = std::make_unique<torch::optim::AdamWParamState>();
          s->step(steps[i]);
          s->exp_avg(first[i].to(p.options()).clone());
          s->exp_avg_sq(second[i].to(p.options()).clone());
          state[key] = std::move(s);
        } else {
          auto s = std::make_unique<torch::optim::SGDParamState>();
          s->momentum_buffer(first[i].to(p.options()).clone());
          state[key] = std::move(s);
        }
      }
      return c10::IValue();
    };
  });
}

}  // namespace zscl
