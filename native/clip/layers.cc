#include "clip/layers.h"

#include <torch/version.h>

#include <cmath>

#if TORCH_VERSION_MAJOR < 2
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#endif

#include "clip/quick_gelu.h"

namespace zscl {
namespace {
thread_local bool skipInit = false;
}  // namespace

SkipInitGuard::SkipInitGuard() : previous_(skipInit) {
  skipInit = true;
}
SkipInitGuard::~SkipInitGuard() {
  skipInit = previous_;
}
bool SkipInitGuard::active() {
  return skipInit;
}

void LinearImpl::reset() {
  weight = register_parameter("weight", torch::empty({out_, in_}));
  bias = register_parameter("bias", torch::empty({out_}));
  if (SkipInitGuard::active()) return;
  // torch::nn::Linear::reset_parameters, draw for draw.
  torch::NoGradGuard noGrad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  const double bound = 1 / std::sqrt(static_cast<double>(in_));
  torch::nn::init::uniform_(bias, -bound, bound);
}

void PatchEmbeddingImpl::reset() {
  weight = register_parameter("weight", torch::empty({width_, 3, patch_, patch_}));
  if (SkipInitGuard::active()) return;
  torch::NoGradGuard noGrad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
}

torch::Tensor PatchEmbeddingImpl::forward(const torch::Tensor& images) {
  // A convolution whose stride is its kernel is one matrix product over the flattened patches
  // (row-major over the grid, (channel, y, x) inside a patch, as the weight is laid out): one
  // GEMM forward and one for the weight gradient, the same sums as conv2d up to float rounding.
  const auto n = images.size(0), channels = images.size(1);
  const auto rows = images.size(2) / patch_, cols = images.size(3) / patch_;
  auto patches = images.slice(2, 0, rows * patch_)
                     .slice(3, 0, cols * patch_)
                     .reshape({n, channels, rows, patch_, cols, patch_})
                     .permute({0, 2, 4, 1, 3, 5})
                     .reshape({n, rows * cols, channels * patch_ * patch_});
  return torch::matmul(patches, weight.reshape({width_, -1}).t());
}

void EmbeddingImpl::reset() {
  weight = register_parameter("weight", torch::empty({count_, width_}));
  if (SkipInitGuard::active()) return;
  torch::NoGradGuard noGrad;
  torch::nn::init::normal_(weight);
}

void LayerNormFp32Impl::reset() {
  weight = register_parameter("weight", torch::ones({width_}));
  bias = register_parameter("bias", torch::zeros({width_}));
}

torch::Tensor LayerNormFp32Impl::forward(const torch::Tensor& x) {
  // Only half-precision inputs are widened: float32 runs as is (no copies) and float64 keeps its
  // precision instead of being cut to float32.
  const auto type = x.scalar_type();
  if (type != torch::kHalf && type != torch::kBFloat16) {
    return torch::layer_norm(x, {width_}, weight.to(type), bias.to(type), 1e-5);
  }
  auto out = torch::layer_norm(x.to(torch::kFloat), {width_}, weight.to(torch::kFloat),
                               bias.to(torch::kFloat), 1e-5);
  return out.to(type);
}

namespace {

#if TORCH_VERSION_MAJOR < 2
// libtorch 1.x's bmm multiplies its matrices one after another: for attention, one small
// product per sequence and head, mostly below the size the BLAS threads at. This runs them
// across the intra-op threads. Each matrix is the very call bmm makes for it
// (mm_out → addmm with beta 0 into a row of a contiguous [B, n, p] result), so the results are
// bmm's bit for bit, forward and backward.
torch::Tensor parallelBmmKernel(const torch::Tensor& a, const torch::Tensor& b) {
  auto out = at::empty({a.size(0), a.size(1), b.size(2)}, a.options());
  at::parallel_for(0, a.size(0), 1, [&](int64_t begin, int64_t end) {
    // Worker threads do not inherit the caller's grad mode: stay below autograd, as bmm's own
    // kernel is.
    at::AutoDispatchBelowADInplaceOrView guard;
    for (int64_t i = begin; i < end; ++i) {
      auto row = out.select(0, i);
      at::mm_out(row, a.select(0, i), b.select(0, i));
    }
  });
  return out;
}

// bmm takes its own path for float32 products this small (contraction × rows × columns < 400),
// and for other types; those, a lone matrix, broadcast batches, one thread and autocast stay
// with bmm (matmul) itself. `a` and `b` are [..., n, m] and [..., m, p] with the same batch dims.
bool parallelBmmApplies(const torch::Tensor& a, const torch::Tensor& b) {
  const auto dims = a.dim();
  if (dims < 3 || b.dim() != dims || a.sizes().slice(0, dims - 2) != b.sizes().slice(0, dims - 2)) {
    return false;
  }
  int64_t batch = 1;
  for (int64_t i = 0; i < dims - 2; ++i) batch *= a.size(i);
  return a.device().is_cpu() && a.scalar_type() == torch::kFloat &&
         b.scalar_type() == torch::kFloat && batch > 1 && at::get_num_threads() > 1 &&
         !at::in_parallel_region() && !at::autocast::is_cpu_enabled() &&
         a.size(-2) * a.size(-1) * b.size(-1) >= 400;
}

torch::Tensor batchedMatmul(const torch::Tensor& a, const torch::Tensor& b);

// bmm's autograd formulas (grad · bᵀ and aᵀ · grad), through the same parallel products.
class ParallelBmm : public torch::autograd::Function<ParallelBmm> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a,
                               const torch::Tensor& b) {
    ctx->save_for_backward({a, b});
    return parallelBmmKernel(a, b);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    torch::Tensor gradA, gradB;
    if (ctx->needs_input_grad(0)) gradA = batchedMatmul(grads[0], saved[1].transpose(1, 2));
    if (ctx->needs_input_grad(1)) gradB = batchedMatmul(saved[0].transpose(1, 2), grads[0]);
    return {gradA, gradB};
  }
};

// at::bmm(a, b) for [B, n, m] × [B, m, p], the B products in parallel where that is exact.
torch::Tensor batchedMatmul(const torch::Tensor& a, const torch::Tensor& b) {
  if (!parallelBmmApplies(a, b)) return at::bmm(a, b);
  const bool graph = torch::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
  return graph ? ParallelBmm::apply(a, b) : parallelBmmKernel(a, b);
}

// torch::matmul of [N, H, n, m] × [N, H, m, p], folded to [N·H, ., .] as matmul folds it for bmm.
torch::Tensor headMatmul(const torch::Tensor& a, const torch::Tensor& b) {
  if (!parallelBmmApplies(a, b)) return torch::matmul(a, b);
  const auto n = a.size(0), h = a.size(1);
  auto out = batchedMatmul(a.reshape({n * h, a.size(2), a.size(3)}),
                           b.reshape({n * h, b.size(2), b.size(3)}));
  return out.view({n, h, a.size(2), b.size(3)});
}
#endif

// softmax(q kᵀ / √d + mask) v over heads [N, H, L, d]; `causal` masks the keys after each query
// (as many queries as keys), `mask` (if defined) is additive.
torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& mask, bool causal) {
#if TORCH_VERSION_MAJOR >= 2
  return at::scaled_dot_product_attention(q, k, v, mask, 0.0, causal);
#else
  // Plain ops on libtorch 1.x, in the order nn.MultiheadAttention evaluates them.
  auto scores = headMatmul(q / std::sqrt(static_cast<double>(q.size(-1))), k.transpose(-2, -1));
  if (causal) {
    const auto l = k.size(-2);
    scores = scores +
             torch::full({l, l}, -std::numeric_limits<float>::infinity(), scores.options()).triu(1);
  }
  if (mask.defined()) scores = scores + mask;
  // Half-precision scores (bfloat16 autocast) are normalised in float32, as autocast does on
  // CUDA and the fused kernels of libtorch 2 do everywhere.
  const auto type = scores.scalar_type();
  if (type == torch::kHalf || type == torch::kBFloat16) {
    return headMatmul(torch::softmax(scores, -1, torch::kFloat).to(type), v);
  }
  return headMatmul(torch::softmax(scores, -1), v);
#endif
}

}  // namespace

void AttentionImpl::reset() {
  // nn.MultiheadAttention's own initialisation: xavier-uniform in_proj, zero biases.
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width_, width_}));
  in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width_}));
  out_proj = register_module("out_proj", Linear(width_, width_));
  if (SkipInitGuard::active()) return;
  torch::NoGradGuard noGrad;
  torch::nn::init::xavier_uniform_(in_proj_weight);
  out_proj->bias.zero_();
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, bool causal) {
  const auto n = x.size(0), l = x.size(1);
  const auto headDim = width_ / heads_;
  auto qkv = torch::linear(x, in_proj_weight, in_proj_bias)
                 .view({n, l, 3, heads_, headDim})
                 .permute({2, 0, 3, 1, 4});  // [3, N, H, L, d]
  auto out = attend(qkv[0], qkv[1], qkv[2], torch::Tensor(), causal);
  return out_proj(out.transpose(1, 2).reshape({n, l, width_}));
}

torch::Tensor AttentionImpl::forwardQueries(const torch::Tensor& x, const torch::Tensor& queries,
                                            const torch::Tensor& causalPositions) {
  const auto n = x.size(0), l = x.size(1);
  const auto headDim = width_ / heads_;
  auto q =
      torch::linear(queries, in_proj_weight.slice(0, 0, width_), in_proj_bias.slice(0, 0, width_))
          .view({n, 1, heads_, headDim})
          .transpose(1, 2);  // [N, H, 1, d]
  auto kv = torch::linear(x, in_proj_weight.slice(0, width_), in_proj_bias.slice(0, width_))
                .view({n, l, 2, heads_, headDim})
                .permute({2, 0, 3, 1, 4});  // [2, N, H, L, d]
  auto k = kv[0], v = kv[1];
  torch::Tensor mask;  // additive, [N, 1, 1, L]: -inf on the keys after the row's position
  if (causalPositions.defined()) {
    auto after =
        torch::arange(l, causalPositions.options()).unsqueeze(0) > causalPositions.unsqueeze(1);
    mask = torch::zeros({n, 1, 1, l}, q.options())
               .masked_fill_(after.view({n, 1, 1, l}), -std::numeric_limits<double>::infinity());
  }
  auto out = attend(q, k, v, mask, /*causal=*/false);
  return out_proj(out.transpose(1, 2).reshape({n, 1, width_}));
}

void MlpImpl::reset() {
  c_fc = register_module("c_fc", Linear(width_, 4 * width_));
  c_proj = register_module("c_proj", Linear(4 * width_, width_));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  auto h = c_fc(x);
  return c_proj(quickGelu_ ? quickGelu(h) : torch::gelu(h));
}

void ResidualAttentionBlockImpl::reset() {
  // Registration order follows OpenAI's block: attn, ln_1, mlp, ln_2.
  attn = register_module("attn", Attention(width_, heads_));
  ln_1 = register_module("ln_1", LayerNormFp32(width_));
  mlp = register_module("mlp", Mlp(width_, quickGelu_));
  ln_2 = register_module("ln_2", LayerNormFp32(width_));
}

torch::Tensor ResidualAttentionBlockImpl::forward(const torch::Tensor& x, bool causal) {
  if (torch::GradMode::is_enabled()) {
    auto h = x + attn->forward(ln_1(x), causal);
    return h + mlp(ln_2(h));
  }
  // No graph to keep: add the residual into the branch outputs (a + b == b + a exactly).
  auto h = attn->forward(ln_1(x), causal).add_(x);
  return mlp(ln_2(h)).add_(h);
}

torch::Tensor ResidualAttentionBlockImpl::forwardAt(const torch::Tensor& x, bool causal,
                                                    const torch::Tensor& positions) {
  auto rows = torch::arange(x.size(0), positions.options());
  auto h = ln_1(x);  // every position: keys and values
  auto y = x.index({rows, positions}).unsqueeze(1) +
           attn->forwardQueries(h, h.index({rows, positions}).unsqueeze(1),
                                causal ? positions : torch::Tensor());
  return (y + mlp(ln_2(y))).squeeze(1);
}

void TransformerImpl::reset() {
  resblocks = register_module("resblocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < layers_; ++i) {
    resblocks->push_back(ResidualAttentionBlock(width_, heads_, quickGelu_));
  }
}

torch::Tensor TransformerImpl::forwardAt(torch::Tensor x, bool causal,
                                         const torch::Tensor& positions) {
  const auto blocks = static_cast<int64_t>(resblocks->size());
  if (blocks == 0) return x.index({torch::arange(x.size(0), positions.options()), positions});
  for (int64_t i = 0; i + 1 < blocks; ++i) {
    x = resblocks[i]->as<ResidualAttentionBlockImpl>()->forward(x, causal);
  }
  return resblocks[blocks - 1]->as<ResidualAttentionBlockImpl>()->forwardAt(x, causal, positions);
}

torch::Tensor TransformerImpl::forward(torch::Tensor x, bool causal) {
  for (const auto& block : *resblocks) {
    x = block->as<ResidualAttentionBlockImpl>()->forward(x, causal);
  }
  return x;
}

}  // namespace zscl
