// OpenAI CLIP with a ViT image tower: parameter names equal the OpenAI/open_clip state-dict keys.
#pragma once

#include <torch/torch.h>

#include "clip/config.h"
#include "clip/layers.h"

namespace zscl {

class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(const ClipConfig& config) : config_(config) { reset(); }
  void reset();
  // images [N, 3, R, R] -> (features [N, E], ln_post(class token) [N, Wv])
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& images);

  PatchEmbedding conv1{nullptr};
  torch::Tensor class_embedding, positional_embedding, proj;
  LayerNormFp32 ln_pre{nullptr}, ln_post{nullptr};
  Transformer transformer{nullptr};

 private:
  ClipConfig config_;
};
TORCH_MODULE(VisionTransformer);

class ClipImpl : public torch::nn::Module {
 public:
  explicit ClipImpl(const ClipConfig& config) : config_(config) { reset(); }
  void reset();

  // (features [N, E], pre-projection hidden [N, Wv])
  std::pair<torch::Tensor, torch::Tensor> encodeImage(const torch::Tensor& images);
  // tokens [M, L<=C] int -> (features [M, E], ln_final at the EOT (argmax id) position [M, W])
  std::pair<torch::Tensor, torch::Tensor> encodeText(const torch::Tensor& tokens);

  const ClipConfig& config() const { return config_; }

  VisionTransformer visual{nullptr};
  Transformer transformer{nullptr};
  Embedding token_embedding{nullptr};
  torch::Tensor positional_embedding, text_projection, logit_scale;
  LayerNormFp32 ln_final{nullptr};

 private:
  // OpenAI's initialize_parameters() for the text tower and projections.
  void initializeParameters();
  ClipConfig config_;
};
TORCH_MODULE(Clip);

// An independent deep copy: same weights (dtype, device), requires-grad flags and training mode.
// Allocates once and copies; draws nothing from the random generator.
Clip cloneClip(const Clip& source);

}  // namespace zscl
