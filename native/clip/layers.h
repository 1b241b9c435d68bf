// The transformer pieces of OpenAI CLIP, named as its state dict names them (PyTorch C++
// frontend style: *Impl + TORCH_MODULE, Cloneable for deep copies).
#pragma once

#include <torch/torch.h>

namespace zscl {

// LayerNorm evaluated in float32 whatever the input dtype (as CLIP's LayerNorm subclass).
class LayerNormFp32Impl : public torch::nn::Cloneable<LayerNormFp32Impl> {
 public:
  explicit LayerNormFp32Impl(int64_t width) : width_(width) { reset(); }
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  int64_t width_;
};
TORCH_MODULE(LayerNormFp32);

// nn.MultiheadAttention's parameters (in_proj_weight/in_proj_bias, out_proj), batch-first input.
class AttentionImpl : public torch::nn::Cloneable<AttentionImpl> {
 public:
  AttentionImpl(int64_t width, int64_t heads) : width_(width), heads_(heads) { reset(); }
  void reset() override;
  // x [N, L, W]; `causal` masks keys after each query (text tower).
  torch::Tensor forward(const torch::Tensor& x, bool causal);

  torch::Tensor in_proj_weight, in_proj_bias;
  torch::nn::Linear out_proj{nullptr};

 private:
  int64_t width_, heads_;
};
TORCH_MODULE(Attention);

// c_fc -> activation -> c_proj
class MlpImpl : public torch::nn::Cloneable<MlpImpl> {
 public:
  MlpImpl(int64_t width, bool quickGelu) : width_(width), quickGelu_(quickGelu) { reset(); }
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear c_fc{nullptr}, c_proj{nullptr};

 private:
  int64_t width_;
  bool quickGelu_;
};
TORCH_MODULE(Mlp);

// Pre-LN block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class ResidualAttentionBlockImpl : public torch::nn::Cloneable<ResidualAttentionBlockImpl> {
 public:
  ResidualAttentionBlockImpl(int64_t width, int64_t heads, bool quickGelu)
      : width_(width), heads_(heads), quickGelu_(quickGelu) {
    reset();
  }
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x, bool causal);

  LayerNormFp32 ln_1{nullptr}, ln_2{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};

 private:
  int64_t width_, heads_;
  bool quickGelu_;
};
TORCH_MODULE(ResidualAttentionBlock);

class TransformerImpl : public torch::nn::Cloneable<TransformerImpl> {
 public:
  TransformerImpl(int64_t width, int64_t layers, int64_t heads, bool quickGelu)
      : width_(width), layers_(layers), heads_(heads), quickGelu_(quickGelu) {
    reset();
  }
  void reset() override;
  torch::Tensor forward(torch::Tensor x, bool causal);

  torch::nn::ModuleList resblocks{nullptr};

 private:
  int64_t width_, layers_, heads_;
  bool quickGelu_;
};
TORCH_MODULE(Transformer);

}  // namespace zscl
