// Collectives of data-parallel training over a DistGroup: gradient averaging and parameter
// broadcast over flat buckets (few large messages instead of one per tensor), all-gather with
// and without autograd, and all-reduce of small tensors (loss values, evaluation counts).
#include <torch/torch.h>

#include <sstream>

#include "common/errors.h"
#include "dist/process_group.h"

namespace zscl {
namespace {

// Consecutive runs of tensors of one dtype and device, each run at most `bucketBytes` (a larger
// tensor is a bucket of its own). Every rank forms the same buckets from the same tensor list.
std::vector<std::vector<size_t>> formBuckets(const std::vector<at::Tensor>& tensors,
                                             const std::vector<size_t>& order,
                                             int64_t bucketBytes) {
  std::vector<std::vector<size_t>> buckets;
  int64_t bytes = 0;
  for (size_t i : order) {
    const auto& t = tensors[i];
    int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
    bool sameKind = !buckets.empty() && tensors[buckets.back().front()].dtype() == t.dtype() &&
                    tensors[buckets.back().front()].device() == t.device();
    if (!sameKind || bytes + size > bucketBytes) {
      buckets.emplace_back();
      bytes = 0;
    }
    buckets.back().push_back(i);
    bytes += size;
  }
  return buckets;
}

at::Tensor flatten(const std::vector<at::Tensor>& tensors, const std::vector<size_t>& bucket) {
  std::vector<at::Tensor> parts;
  parts.reserve(bucket.size());
  for (size_t i : bucket) parts.push_back(tensors[i].reshape(-1));
  return parts.size() == 1 ? parts[0].clone() : torch::cat(parts);
}

void unflatten(const at::Tensor& flat, std::vector<at::Tensor>& tensors,
               const std::vector<size_t>& bucket) {
  int64_t offset = 0;
  for (size_t i : bucket) {
    auto n = tensors[i].numel();
    tensors[i].copy_(flat.narrow(0, offset, n).view_as(tensors[i]));
    offset += n;
  }
}

// Fails unless every rank passes the same number of tensors with the same element count.
void checkSameLayout(const char* op, DistGroup& group, const std::vector<at::Tensor>& tensors,
                     const at::Device& device) {
  int64_t elements = 0;
  for (const auto& t : tensors) elements += t.numel();
  auto all = gatherCounts(op, group, {static_cast<int64_t>(tensors.size()), elements}, device);
  for (int r = 0; r < group.size; ++r) {
    if (all[r] != all[0]) {
      std::ostringstream detail;
      detail << "ranks hold different tensors: rank 0 has " << all[0][0] << " tensors of "
             << all[0][1] << " elements, rank " << r << " has " << all[r][0] << " of " << all[r][1]
             << " (every rank must build the same model)";
      distFail(group, detail.str());
    }
  }
}

// Gradients summed over ranks and divided by the world size, in place. A parameter whose
// gradient is undefined on every rank stays undefined (as the optimizer skips it); one that
// some ranks lack counts as zero there.
void averageGradients(DistGroup& group, const std::vector<at::Tensor>& params,
                      int64_t bucketBytes) {
  const char* op = "distAllReduceGrads";
  torch::NoGradGuard noGrad;
  if (params.empty()) return;
  auto device = params[0].device();
  auto present = torch::zeros({static_cast<int64_t>(params.size())}, torch::kFloat);
  auto mark = present.accessor<float, 1>();
  for (size_t i = 0; i < params.size(); ++i) mark[i] = params[i].grad().defined() ? 1.0f : 0.0f;
  std::vector<at::Tensor> flags{present.to(device)};
  group.run(op, [&] { return group.backend->allreduce(flags); });
  auto summed = flags[0].cpu();
  auto anyRank = summed.accessor<float, 1>();
  std::vector<at::Tensor> grads(params.size());
  std::vector<size_t> order;
  for (size_t i = 0; i < params.size(); ++i) {
    if (anyRank[i] == 0.0f) continue;
    auto p = params[i];
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    grads[i] = p.grad();
    order.push_back(i);
  }
  for (const auto& bucket : formBuckets(grads, order, bucketBytes)) {
    std::vector<at::Tensor> flat{flatten(grads, bucket)};
    group.run(op, [&] { return group.backend->allreduce(flat); });
    flat[0].div_(group.size);
    unflatten(flat[0], grads, bucket);
  }
}

void broadcastInPlace(DistGroup& group, std::vector<at::Tensor> tensors, int64_t root,
                      int64_t bucketBytes) {
  const char* op = "distBroadcast_";
  torch::NoGradGuard noGrad;
  if (tensors.empty()) return;
  checkSameLayout(op, group, tensors, tensors[0].device());
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  c10d::BroadcastOptions options;
  options.rootRank = root;
  for (const auto& bucket : formBuckets(tensors, order, bucketBytes)) {
    std::vector<at::Tensor> flat{flatten(tensors, bucket)};
    group.run(op, [&] { return group.backend->broadcast(flat, options); });
    if (group.rank != root) unflatten(flat[0], tensors, bucket);
  }
}

// Rows of every rank's `input`, concatenated in rank order (dim 0). Ranks must pass the same
// shape; a difference is an E_DIST error naming both shapes.
at::Tensor allGather(const char* op, DistGroup& group, const at::Tensor& input) {
  auto local = input.detach().contiguous();
  // Fixed-length shape signature [dims, d0…d7], so ranks of any shapes can compare them.
  constexpr size_t kMaxDims = 8;
  std::vector<int64_t> shape(kMaxDims + 1, -1);
  shape[0] = local.dim();
  for (int64_t d = 0; d < std::min<int64_t>(local.dim(), kMaxDims); ++d)
    shape[d + 1] = local.size(d);
  auto all = gatherCounts(op, group, shape, local.device());
  auto describe = [](const std::vector<int64_t>& s) {
    std::string out = "[";
    for (int64_t d = 0; d < std::min<int64_t>(s[0], kMaxDims); ++d) {
      out += (d ? ", " : "") + std::to_string(s[d + 1]);
    }
    return out + "]";
  };
  for (int r = 0; r < group.size; ++r) {
    if (all[r] != shape) {
      distFail(group,
               "ranks pass different shapes: this rank " + describe(shape) + ", rank " +
                   std::to_string(r) + " " + describe(all[r]) +
                   " (shard batches evenly: the global batch must divide by the world size)");
    }
  }
  std::vector<at::Tensor> inputs{local};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < group.size; ++r) outputs[0].push_back(torch::empty_like(local));
  group.run(op, [&] { return group.backend->allgather(outputs, inputs); });
  return torch::cat(outputs[0], 0);
}

// All-gather whose backward sums the gradient over ranks and returns this rank's rows: every
// rank computes the loss of the whole gathered batch, so after the trainer averages parameter
// gradients over ranks each sample's contribution counts exactly once.
struct AllGatherWithGrad : public torch::autograd::Function<AllGatherWithGrad> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                            c10::intrusive_ptr<DistGroup> group) {
    ctx->saved_data["rows"] = input.size(0);
    ctx->saved_data["group"] = c10::IValue::make_capsule(group);
    return allGather("distAllGatherWithGrad", *group, input);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto group =
        c10::static_intrusive_pointer_cast<DistGroup>(ctx->saved_data["group"].toCapsule());
    auto rows = ctx->saved_data["rows"].toInt();
    std::vector<at::Tensor> summed{grads[0].contiguous().clone()};
    group->run("distAllGatherWithGrad (backward)",
               [&] { return group->backend->allreduce(summed); });
    return {summed[0].narrow(0, group->rank * rows, rows), at::Tensor()};
  }
};

c10d::ReduceOp reduceOp(const std::string& name) {
  if (name == "sum" || name == "mean") return c10d::ReduceOp::SUM;
  if (name == "max") return c10d::ReduceOp::MAX;
  if (name == "min") return c10d::ReduceOp::MIN;
  throw CodedError(code::kArg,
                   "distAllReduce: op must be 'sum', 'mean', 'max' or 'min', got '" + name + "'");
}

int64_t bucketArg(OpArgs& a, size_t i) {
  auto bytes = a.optInt64(i).value_or(25 << 20);
  if (bytes < 1) throw CodedError(code::kArg, std::string(a.op()) + ": bucket bytes must be ≥ 1");
  return bytes;
}

void requireRows(OpArgs& a, const at::Tensor& t) {
  if (t.dim() < 1) {
    throw CodedError(code::kShape, std::string(a.op()) + ": expected a tensor with rows (dim ≥ 1)");
  }
}

}  // namespace

void registerDistCollectiveOps(OpRegistry& r) {
  // distAllReduceGrads(group, params, bucketBytes?): every param's gradient ← mean over ranks.
  r.add(
      "distAllReduceGrads",
      [](OpArgs& a) -> Thunk {
        auto& group = a.object<DistGroup>(0);
        auto params = a.tensorList(1);
        auto bytes = bucketArg(a, 2);
        auto* g = &group;
        return [g, params, bytes]() -> c10::IValue {
          averageGradients(*g, params, bytes);
          return c10::IValue();
        };
      },
      kOpAccessesGrad);

  // distBroadcast_(group, tensors, root, bucketBytes?): tensors ← root's values, in place.
  r.add("distBroadcast_", [](OpArgs& a) -> Thunk {
    auto& group = a.object<DistGroup>(0);
    auto tensors = a.tensorList(1);
    auto root = a.int64(2);
    if (root < 0 || root >= group.size) {
      throw CodedError(code::kArg, "distBroadcast_: root " + std::to_string(root) +
                                       " is not a rank of a group of " +
                                       std::to_string(group.size));
    }
    auto bytes = bucketArg(a, 3);
    auto* g = &group;
    return [g, tensors, root, bytes]() -> c10::IValue {
      broadcastInPlace(*g, tensors, root, bytes);
      return c10::IValue();
    };
  });

  // distAllGather(group, tensor) -> every rank's rows concatenated in rank order (no grad).
  r.add("distAllGather", [](OpArgs& a) -> Thunk {
    auto& group = a.object<DistGroup>(0);
    auto input = a.tensor(1);
    requireRows(a, input);
    auto* g = &group;
    return [g, input]() -> c10::IValue {
      torch::NoGradGuard noGrad;
      return allGather("distAllGather", *g, input);
    };
  });

  // distAllGatherWithGrad(group, tensor) -> as distAllGather; backward returns this rank's rows
  // of the gradient summed over ranks.
  r.add("distAllGatherWithGrad", [](OpArgs& a) -> Thunk {
    auto& group = a.object<DistGroup>(0);
    auto input = a.tensor(1);
    requireRows(a, input);
    auto ref = c10::intrusive_ptr<DistGroup>::reclaim_copy(&group);
    return [ref, input]() -> c10::IValue { return AllGatherWithGrad::apply(input, ref); };
  });

  // distAllReduce(group, tensor, op) -> a new tensor reduced over ranks ('mean' = sum / size).
  r.add("distAllReduce", [](OpArgs& a) -> Thunk {
    auto& group = a.object<DistGroup>(0);
    auto input = a.tensor(1);
    auto name = a.string(2);
    auto op = reduceOp(name);
    auto* g = &group;
    bool mean = name == "mean";
    return [g, input, op, mean]() -> c10::IValue {
      torch::NoGradGuard noGrad;
      std::vector<at::Tensor> out{input.detach().contiguous().clone()};
      c10d::AllreduceOptions options;
      options.reduceOp = op;
      g->run("distAllReduce", [&] { return g->backend->allreduce(out, options); });
      if (mean) out[0].div_(g->size);
      return out[0];
    };
  });
}

}  // namespace zscl
