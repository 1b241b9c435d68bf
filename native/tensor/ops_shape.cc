// Views, indexing, joining and conversions.
#include <limits>

#include "common/dispatch.h"
#include "common/errors.h"

namespace zscl {
namespace {

Thunk reshape(OpArgs& a) {
  auto x = a.tensor(0);
  auto shape = a.intList(1);
  return [=]() -> c10::IValue { return x.reshape(shape); };
}

Thunk permute(OpArgs& a) {
  auto x = a.tensor(0);
  auto dims = a.intList(1);
  return [=]() -> c10::IValue { return x.permute(dims); };
}

Thunk transpose(OpArgs& a) {
  auto x = a.tensor(0);
  auto d0 = a.int64(1), d1 = a.int64(2);
  return [=]() -> c10::IValue { return x.transpose(d0, d1); };
}

// slice(x, dim, start?, end?, step?)
Thunk slice(OpArgs& a) {
  auto x = a.tensor(0);
  auto dim = a.int64(1);
  auto start = a.optInt64(2).value_or(0);
  auto end = a.optInt64(3).value_or(std::numeric_limits<int64_t>::max());
  auto step = a.optInt64(4).value_or(1);
  if (step <= 0)
    throw CodedError(code::kArg, "slice: step must be positive, got " + std::to_string(step));
  return [=]() -> c10::IValue { return x.slice(dim, start, end, step); };
}

Thunk select(OpArgs& a) {
  auto x = a.tensor(0);
  auto dim = a.int64(1), index = a.int64(2);
  return [=]() -> c10::IValue { return x.select(dim, index); };
}

Thunk indexSelect(OpArgs& a) {
  auto x = a.tensor(0);
  auto dim = a.int64(1);
  auto index = a.tensor(2);
  return [=]() -> c10::IValue { return x.index_select(dim, index); };
}

Thunk gather(OpArgs& a) {
  auto x = a.tensor(0);
  auto dim = a.int64(1);
  auto index = a.tensor(2);
  return [=]() -> c10::IValue { return x.gather(dim, index); };
}

Thunk cat(OpArgs& a) {
  auto list = a.tensorList(0);
  auto dim = a.optInt64(1).value_or(0);
  if (list.empty()) throw CodedError(code::kArg, "cat: expected a non-empty array of tensors");
  return [=]() -> c10::IValue { return torch::cat(list, dim); };
}

Thunk stack(OpArgs& a) {
  auto list = a.tensorList(0);
  auto dim = a.optInt64(1).value_or(0);
  if (list.empty()) throw CodedError(code::kArg, "stack: expected a non-empty array of tensors");
  return [=]() -> c10::IValue { return torch::stack(list, dim); };
}

Thunk chunk(OpArgs& a) {
  auto x = a.tensor(0);
  auto chunks = a.int64(1);
  auto dim = a.optInt64(2).value_or(0);
  if (chunks <= 0)
    throw CodedError(code::kArg, "chunk: chunks must be positive, got " + std::to_string(chunks));
  return [=]() -> c10::IValue { return x.chunk(chunks, dim); };
}

Thunk split(OpArgs& a) {
  auto x = a.tensor(0);
  auto size = a.int64(1);
  auto dim = a.optInt64(2).value_or(0);
  if (size <= 0)
    throw CodedError(code::kArg, "split: size must be positive, got " + std::to_string(size));
  return [=]() -> c10::IValue { return x.split(size, dim); };
}

Thunk expand(OpArgs& a) {
  auto x = a.tensor(0);
  auto shape = a.intList(1);
  return [=]() -> c10::IValue { return x.expand(shape); };
}

Thunk contiguous(OpArgs& a) {
  auto x = a.tensor(0);
  return [=]() -> c10::IValue { return x.contiguous(); };
}

Thunk squeeze(OpArgs& a) {
  auto x = a.tensor(0);
  auto dim = a.optInt64(1);
  return [=]() -> c10::IValue { return dim ? x.squeeze(*dim) : x.squeeze(); };
}

Thunk unsqueeze(OpArgs& a) {
  auto x = a.tensor(0);
  auto dim = a.int64(1);
  return [=]() -> c10::IValue { return x.unsqueeze(dim); };
}

Thunk flatten(OpArgs& a) {
  auto x = a.tensor(0);
  auto start = a.optInt64(1).value_or(0);
  auto end = a.optInt64(2).value_or(-1);
  return [=]() -> c10::IValue { return x.flatten(start, end); };
}

Thunk clone(OpArgs& a) {
  auto x = a.tensor(0);
  return [=]() -> c10::IValue { return x.clone(); };
}

Thunk repeat(OpArgs& a) {
  auto x = a.tensor(0);
  auto sizes = a.intList(1);
  return [=]() -> c10::IValue { return x.repeat(sizes); };
}

Thunk flip(OpArgs& a) {
  auto x = a.tensor(0);
  auto dims = a.intList(1);
  return [=]() -> c10::IValue { return x.flip(dims); };
}

Thunk triu(OpArgs& a) {
  auto x = a.tensor(0);
  auto k = a.optInt64(1).value_or(0);
  return [=]() -> c10::IValue { return x.triu(k); };
}

Thunk tril(OpArgs& a) {
  auto x = a.tensor(0);
  auto k = a.optInt64(1).value_or(0);
  return [=]() -> c10::IValue { return x.tril(k); };
}

Thunk maskedFill(OpArgs& a) {
  auto x = a.tensor(0);
  auto mask = a.tensor(1);
  auto value = a.scalar(2);
  return [=]() -> c10::IValue { return x.masked_fill(mask, value); };
}

Thunk oneHot(OpArgs& a) {
  auto x = a.tensor(0);
  auto classes = a.optInt64(1).value_or(-1);
  return [=]() -> c10::IValue { return torch::one_hot(x, classes); };
}

// to(x, dtype?, device?, copy?, nonBlocking?): nonBlocking returns before a copy between pinned
// host memory and a GPU is done (it is ordered on the GPU's stream like any kernel).
Thunk to(OpArgs& a) {
  auto x = a.tensor(0);
  auto dtype = a.optDtype(1).value_or(x.scalar_type());
  auto device = a.has(2) ? a.device(2) : x.device();
  auto copy = a.boolean(3, false);
  auto nonBlocking = a.boolean(4, false);
  return [=]() -> c10::IValue { return x.to(device, dtype, nonBlocking, copy); };
}

}  // namespace

void registerShapeOps(OpRegistry& r) {
  r.add("reshape", reshape);
  r.add("permute", permute);
  r.add("transpose", transpose);
  r.add("slice", slice);
  r.add("select", select);
  r.add("indexSelect", indexSelect);
  r.add("gather", gather);
  r.add("cat", cat);
  r.add("stack", stack);
  r.add("chunk", chunk);
  r.add("split", split);
  r.add("expand", expand);
  r.add("contiguous", contiguous);
  r.add("squeeze", squeeze);
  r.add("unsqueeze", unsqueeze);
  r.add("flatten", flatten);
  r.add("clone", clone);
  r.add("repeat", repeat);
  r.add("flip", flip);
  r.add("triu", triu);
  r.add("tril", tril);
  r.add("maskedFill", maskedFill);
  r.add("oneHot", oneHot);
  r.add("to", to);
}

}  // namespace zscl
