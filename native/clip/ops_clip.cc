// Op-table entries of the CLIP model: create, encode, parameters, train/eval, clone, to.
#include "clip/model.h"
#include "common/autocast.h"
#include "common/dispatch.h"
#include "common/errors.h"
#include "common/object.h"

namespace zscl {
namespace {

class ClipObject : public NativeObject {
 public:
  static constexpr const char* kKind = "clip";
  explicit ClipObject(Clip model) : model(std::move(model)) {}
  const char* kind() const override { return kKind; }
  Clip model;
};

int64_t positiveField(OpArgs& a, const Napi::Object& object, const char* key) {
  auto value = object.Get(key);
  double v = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= 1 && v <= 9007199254740991.0) || v != static_cast<double>(static_cast<int64_t>(v))) {
    throwArgumentError(a.op(), std::string("config.") + key, "a positive integer", value);
  }
  return static_cast<int64_t>(v);
}

// lib/clip/config.ts validates user configs (names, ranges, the checkpoint's shapes); this keeps
// only what the kernels rely on: sizes ≥ 1 (allocations and divisions), widths that split
// evenly into heads (attention reshapes by them) and a whole grid of patches (the positional
// embedding has one row per patch).
ClipConfig parseConfig(OpArgs& a, size_t i) {
  auto value = a.raw(i);
  if (!value.IsObject()) a.fail(i, "a CLIP config object");
  auto o = value.As<Napi::Object>();
  ClipConfig c;
  c.embedDim = positiveField(a, o, "embedDim");
  c.imageResolution = positiveField(a, o, "imageResolution");
  c.visionLayers = positiveField(a, o, "visionLayers");
  c.visionWidth = positiveField(a, o, "visionWidth");
  c.visionPatchSize = positiveField(a, o, "visionPatchSize");
  c.visionHeads = positiveField(a, o, "visionHeads");
  c.contextLength = positiveField(a, o, "contextLength");
  c.vocabSize = positiveField(a, o, "vocabSize");
  c.transformerWidth = positiveField(a, o, "transformerWidth");
  c.transformerLayers = positiveField(a, o, "transformerLayers");
  c.transformerHeads = positiveField(a, o, "transformerHeads");
  auto activation = o.Get("activation");
  c.quickGelu = !activation.IsString() || activation.As<Napi::String>().Utf8Value() != "gelu";
  if (c.visionWidth % c.visionHeads || c.transformerWidth % c.transformerHeads) {
    throw CodedError(code::kArg, std::string(a.op()) + ": widths must be divisible by head counts");
  }
  if (c.imageResolution % c.visionPatchSize) {
    throw CodedError(
        code::kArg, std::string(a.op()) + ": imageResolution must be a multiple of the patch size");
  }
  return c;
}

c10::IValue pairResult(std::pair<torch::Tensor, torch::Tensor> out, bool withHidden) {
  if (!withHidden) return out.first;
  return c10::ivalue::Tuple::create(out.first, out.second);
}

// Runs an encoder, under bfloat16 autocast when asked (on the thread that runs the op). The
// features leave the model as float32, so the logits, losses and everything after them stay
// float32; the casts are in the graph, so the gradients reach the float32 weights.
template <typename Encode>
c10::IValue encode(const Clip& model, bool autocast, bool withHidden, Encode run) {
  if (!autocast) return pairResult(run(), withHidden);
  AutocastGuard guard(true, model->logit_scale.device().type());
  auto out = run();
  return pairResult({out.first.to(torch::kFloat), out.second.to(torch::kFloat)}, withHidden);
}

}  // namespace

void registerClipOps(OpRegistry& r) {
  // clipCreate(config) -> clip object, initialised as OpenAI does (global generator).
  r.add("clipCreate", [](OpArgs& a) -> Thunk {
    auto config = parseConfig(a, 0);
    return [=]() -> c10::IValue {
      return objectResult(c10::make_intrusive<ClipObject>(Clip(config)));
    };
  });
  // clipEncodeImage(m, images, withHidden?, autocastBf16?) -> features | [features, hidden]
  r.add("clipEncodeImage", [](OpArgs& a) -> Thunk {
    auto model = a.object<ClipObject>(0).model;
    auto images = a.tensor(1);
    auto withHidden = a.boolean(2, false);
    auto autocast = a.boolean(3, false);
    return [=]() mutable -> c10::IValue {
      return encode(model, autocast, withHidden, [&] { return model->encodeImage(images); });
    };
  });
  // clipEncodeText(m, tokens, withHidden?, autocastBf16?) -> features | [features, hidden]
  r.add("clipEncodeText", [](OpArgs& a) -> Thunk {
    auto model = a.object<ClipObject>(0).model;
    auto tokens = a.tensor(1);
    auto withHidden = a.boolean(2, false);
    auto autocast = a.boolean(3, false);
    return [=]() mutable -> c10::IValue {
      return encode(model, autocast, withHidden, [&] { return model->encodeText(tokens); });
    };
  });
  // clipParameters(m) -> [names, tensors]; the tensors ARE the parameters (shared storage).
  r.add("clipParameters", [](OpArgs& a) -> Thunk {
    auto model = a.object<ClipObject>(0).model;
    return [=]() -> c10::IValue {
      c10::List<std::string> names;
      std::vector<torch::Tensor> tensors;
      for (const auto& item : model->named_parameters(/*recurse=*/true)) {
        names.push_back(item.key());
        tensors.push_back(item.value());
      }
      return c10::ivalue::Tuple::create(c10::IValue(names), c10::IValue(tensors));
    };
  });
  r.add("clipSetTraining", [](OpArgs& a) -> Thunk {
    auto model = a.object<ClipObject>(0, /*write=*/true).model;
    auto training = a.boolean(1, true);
    return [=]() mutable -> c10::IValue {
      model->train(training);
      return c10::IValue();
    };
  });
  // clipClone(m) -> an independent deep copy (same requires-grad flags and mode).
  r.add("clipClone", [](OpArgs& a) -> Thunk {
    auto model = a.object<ClipObject>(0).model;
    return [=]() -> c10::IValue {
      return objectResult(c10::make_intrusive<ClipObject>(cloneClip(model)));
    };
  });
  // clipTo(m, device?, dtype?): moves/casts every parameter in place.
  r.add("clipTo", [](OpArgs& a) -> Thunk {
    auto model = a.object<ClipObject>(0, /*write=*/true).model;
    auto device = a.has(1) ? a.device(1) : model->logit_scale.device();
    auto dtype = a.optDtype(2).value_or(model->logit_scale.scalar_type());
    return [=]() mutable -> c10::IValue {
      model->to(device, dtype);
      return c10::IValue();
    };
  });
}

}  // namespace zscl
