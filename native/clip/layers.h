// The transformer pieces of OpenAI CLIP, named as its state dict names them (PyTorch C++
// frontend style: *Impl + TORCH_MODULE). Each reset() registers and initialises the parameters
// once, from the constructor. Copies of a model come from cloneClip (model.h), not from
// Module::clone, so the modules are plain torch::nn::Module.
#pragma once

#include <torch/torch.h>

namespace zscl {

// While one is alive on this thread, CLIP modules allocate their parameters without drawing
// initial values: a clone overwrites every tensor anyway, and must neither spend the time of a
// random initialisation nor move the global generator.
class SkipInitGuard {
 public:
  SkipInitGuard();
  ~SkipInitGuard();
  SkipInitGuard(const SkipInitGuard&) = delete;
  SkipInitGuard& operator=(const SkipInitGuard&) = delete;

  static bool active();

 private:
  bool previous_;
};

// torch::nn::Linear's parameters and default initialisation (kaiming-uniform weight, uniform
// bias), honouring SkipInitGuard.
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out) : in_(in), out_(out) { reset(); }
  void reset();
  torch::Tensor forward(const torch::Tensor& x) { return torch::linear(x, weight, bias); }

  torch::Tensor weight, bias;

 private:
  int64_t in_, out_;
};
TORCH_MODULE(Linear);

// The patch embedding: a bias-free convolution with stride = kernel = patch size (torch's
// Conv2d initialisation).
class PatchEmbeddingImpl : public torch::nn::Module {
 public:
  PatchEmbeddingImpl(int64_t width, int64_t patch) : width_(width), patch_(patch) { reset(); }
  void reset();
  // [N, 3, H, W] -> [N, (H/p)*(W/p), width]: the patch tokens, row-major over the grid.
  torch::Tensor forward(const torch::Tensor& images);

  torch::Tensor weight;

 private:
  int64_t width_, patch_;
};
TORCH_MODULE(PatchEmbedding);

// torch::nn::Embedding's parameter and initialisation (standard normal).
class EmbeddingImpl : public torch::nn::Module {
 public:
  EmbeddingImpl(int64_t count, int64_t width) : count_(count), width_(width) { reset(); }
  void reset();
  torch::Tensor forward(const torch::Tensor& ids) { return torch::embedding(weight, ids); }

  torch::Tensor weight;

 private:
  int64_t count_, width_;
};
TORCH_MODULE(Embedding);

// LayerNorm evaluated in at least float32 (CLIP casts fp16 activations up for it; float32 and
// float64 run in their own precision).
class LayerNormFp32Impl : public torch::nn::Module {
 public:
  explicit LayerNormFp32Impl(int64_t width) : width_(width) { reset(); }
  void reset();
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;

 private:
  int64_t width_;
};
TORCH_MODULE(LayerNormFp32);

// nn.MultiheadAttention's parameters (in_proj_weight/in_proj_bias, out_proj), batch-first input.
class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int64_t width, int64_t heads) : width_(width), heads_(heads) { reset(); }
  void reset();
  // x [N, L, W]; `causal` masks keys after each query (text tower).
  torch::Tensor forward(const torch::Tensor& x, bool causal);
  // One query per row: `queries` [N, 1, W] attends to the keys and values of `x` [N, L, W]; with
  // `causalPositions` [N] defined, to the keys up to that row's position only. -> [N, 1, W].
  torch::Tensor forwardQueries(const torch::Tensor& x, const torch::Tensor& queries,
                               const torch::Tensor& causalPositions);

  torch::Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};

 private:
  int64_t width_, heads_;
};
TORCH_MODULE(Attention);

// c_fc -> activation -> c_proj
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t width, bool quickGelu) : width_(width), quickGelu_(quickGelu) { reset(); }
  void reset();
  torch::Tensor forward(const torch::Tensor& x);

  Linear c_fc{nullptr}, c_proj{nullptr};

 private:
  int64_t width_;
  bool quickGelu_;
};
TORCH_MODULE(Mlp);

// Pre-LN block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class ResidualAttentionBlockImpl : public torch::nn::Module {
 public:
  ResidualAttentionBlockImpl(int64_t width, int64_t heads, bool quickGelu)
      : width_(width), heads_(heads), quickGelu_(quickGelu) {
    reset();
  }
  void reset();
  torch::Tensor forward(const torch::Tensor& x, bool causal);
  // The block's output at one position per row, `positions` [N] -> [N, W]: what forward() gives
  // there, without computing the other positions' outputs.
  torch::Tensor forwardAt(const torch::Tensor& x, bool causal, const torch::Tensor& positions);

  LayerNormFp32 ln_1{nullptr}, ln_2{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};

 private:
  int64_t width_, heads_;
  bool quickGelu_;
};
TORCH_MODULE(ResidualAttentionBlock);

class TransformerImpl : public torch::nn::Module {
 public:
  TransformerImpl(int64_t width, int64_t layers, int64_t heads, bool quickGelu)
      : width_(width), layers_(layers), heads_(heads), quickGelu_(quickGelu) {
    reset();
  }
  void reset();
  torch::Tensor forward(torch::Tensor x, bool causal);
  // The output at one position per row, `positions` [N] -> [N, W]. CLIP reads only the class
  // token (image) or the EOT token (text), so the last block computes queries, attention
  // output and MLP for that position alone: the same values, a fraction of the last block.
  torch::Tensor forwardAt(torch::Tensor x, bool causal, const torch::Tensor& positions);

  torch::nn::ModuleList resblocks{nullptr};

 private:
  int64_t width_, layers_, heads_;
  bool quickGelu_;
};
TORCH_MODULE(Transformer);

}  // namespace zscl
