#include "clip/model.h"

#include <algorithm>
#include <cmath>

#include "common/errors.h"

namespace zscl {

void VisionTransformerImpl::reset() {
  const auto width = config_.visionWidth;
  const auto grid = config_.imageResolution / config_.visionPatchSize;
  const double scale = std::pow(static_cast<double>(width), -0.5);
  const bool skip = SkipInitGuard::active();
  auto scaledNormal = [&](torch::IntArrayRef shape) {
    return skip ? torch::empty(shape) : scale * torch::randn(shape);
  };
  conv1 = register_module("conv1", PatchEmbedding(width, config_.visionPatchSize));
  class_embedding = register_parameter("class_embedding", scaledNormal({width}));
  positional_embedding =
      register_parameter("positional_embedding", scaledNormal({grid * grid + 1, width}));
  ln_pre = register_module("ln_pre", LayerNormFp32(width));
  transformer = register_module("transformer", Transformer(width, config_.visionLayers,
                                                           config_.visionHeads, config_.quickGelu));
  ln_post = register_module("ln_post", LayerNormFp32(width));
  proj = register_parameter("proj", scaledNormal({width, config_.embedDim}));
}

std::pair<torch::Tensor, torch::Tensor> VisionTransformerImpl::forward(
    const torch::Tensor& images) {
  const auto r = config_.imageResolution;
  if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != r || images.size(3) != r) {
    std::ostringstream shape;
    shape << images.sizes();
    throw CodedError(code::kShape, "encodeImage: expected images [N, 3, " + std::to_string(r) +
                                       ", " + std::to_string(r) + "] but received " + shape.str());
  }
  auto x = conv1(images.to(conv1->weight.scalar_type()));  // [N, g*g, W], row-major patches
  auto cls = class_embedding.to(x.scalar_type()).expand({x.size(0), 1, x.size(2)});
  x = torch::cat({cls, x}, 1) + positional_embedding.to(x.scalar_type());
  x = ln_pre(x);
  auto classToken =
      torch::zeros({x.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  auto hidden = ln_post(transformer->forwardAt(x, /*causal=*/false, classToken));
  return {torch::matmul(hidden, proj), hidden};
}

void ClipImpl::reset() {
  const auto width = config_.transformerWidth;
  visual = register_module("visual", VisionTransformer(config_));
  transformer = register_module(
      "transformer",
      Transformer(width, config_.transformerLayers, config_.transformerHeads, config_.quickGelu));
  token_embedding = register_module("token_embedding", Embedding(config_.vocabSize, width));
  positional_embedding =
      register_parameter("positional_embedding", torch::empty({config_.contextLength, width}));
  ln_final = register_module("ln_final", LayerNormFp32(width));
  text_projection = register_parameter("text_projection", torch::empty({width, config_.embedDim}));
  logit_scale = register_parameter("logit_scale", torch::full({}, std::log(1 / 0.07)));
  if (!SkipInitGuard::active()) initializeParameters();
}

Clip cloneClip(const Clip& source) {
  Clip copy{nullptr};
  {
    SkipInitGuard skip;
    copy = Clip(source->config());
  }
  torch::NoGradGuard noGrad;
  auto from = source->named_parameters(/*recurse=*/true);
  for (auto& item : copy->named_parameters(/*recurse=*/true)) {
    const auto& original = from[item.key()];
    item.value().set_data(original.detach().clone());
    item.value().requires_grad_(original.requires_grad());
  }
  copy->train(source->is_training());
  return copy;
}

void ClipImpl::initializeParameters() {
  torch::NoGradGuard noGrad;
  const double width = static_cast<double>(config_.transformerWidth);
  const double layers = static_cast<double>(config_.transformerLayers);
  torch::nn::init::normal_(token_embedding->weight, 0, 0.02);
  torch::nn::init::normal_(positional_embedding, 0, 0.01);
  const double projStd = std::pow(width, -0.5) * std::pow(2 * layers, -0.5);
  const double attnStd = std::pow(width, -0.5);
  const double fcStd = std::pow(2 * width, -0.5);
  for (const auto& module : *transformer->resblocks) {
    auto* block = module->as<ResidualAttentionBlockImpl>();
    torch::nn::init::normal_(block->attn->in_proj_weight, 0, attnStd);
    torch::nn::init::normal_(block->attn->out_proj->weight, 0, projStd);
    torch::nn::init::normal_(block->mlp->c_fc->weight, 0, fcStd);
    torch::nn::init::normal_(block->mlp->c_proj->weight, 0, projStd);
  }
  torch::nn::init::normal_(text_projection, 0, attnStd);
}

std::pair<torch::Tensor, torch::Tensor> ClipImpl::encodeImage(const torch::Tensor& images) {
  return visual->forward(images);
}

std::pair<torch::Tensor, torch::Tensor> ClipImpl::encodeText(const torch::Tensor& tokens) {
  if (tokens.dim() != 2 || tokens.size(1) > config_.contextLength || tokens.size(1) < 1) {
    std::ostringstream shape;
    shape << tokens.sizes();
    throw CodedError(code::kShape, "encodeText: expected tokens [M, L] with 1 <= L <= " +
                                       std::to_string(config_.contextLength) + " but received " +
                                       shape.str());
  }
  if (tokens.is_floating_point() || tokens.scalar_type() == torch::kBool) {
    throw CodedError(code::kDtype, "encodeText: expected integer token ids but received " +
                                       std::string(c10::toString(tokens.scalar_type())));
  }
  const auto length = tokens.size(1);
  auto ids = tokens.to(torch::kLong);
  if (ids.numel() > 0) {
    // An id outside the table would be a device-side assert on CUDA: refuse it up front.
    auto [low, high] = at::aminmax(ids);
    const auto lo = low.item<int64_t>(), hi = high.item<int64_t>();
    if (lo < 0 || hi >= config_.vocabSize) {
      throw CodedError(code::kIndex, "encodeText: token id " + std::to_string(lo < 0 ? lo : hi) +
                                         " is outside the vocabulary 0.." +
                                         std::to_string(config_.vocabSize - 1) + " (vocabSize " +
                                         std::to_string(config_.vocabSize) + ")");
    }
  }
  auto eot = ids.argmax(-1);
  // The causal mask keeps every position from seeing later ones, so the columns after the last
  // EOT cannot change any row's EOT state: drop them (77 columns of padding, short captions).
  auto used = length;
  if (ids.size(0) > 0) used = std::min<int64_t>(length, eot.max().item<int64_t>() + 1);
  if (used < length) ids = ids.slice(1, 0, used);
  auto x = token_embedding(ids) + positional_embedding.slice(0, 0, used);
  auto hidden = ln_final(transformer->forwardAt(x, /*causal=*/true, eot));
  return {torch::matmul(hidden, text_projection), hidden};
}

}  // namespace zscl
