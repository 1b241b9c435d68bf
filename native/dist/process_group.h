// A torch.distributed (c10d) process group behind the op table: a TCPStore rendezvous and a
// ProcessGroupGloo (CPU, and CUDA tensors staged through the host) or ProcessGroupNCCL (CUDA
// builds). Collectives run one at a time per group; every failure (a dead peer, a timeout,
// ranks that disagree) becomes an E_DIST error naming the op, the rank and the cause.
#pragma once

#include <torch/torch.h>
#include <torch/version.h>

#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "common/dispatch.h"
#include "common/object.h"

namespace zscl {

// Code of distributed failures; lib/errors.ts lists it as E_DIST.
inline constexpr const char* kDistCode = "E_DIST";

// The class the concrete process groups derive from: ProcessGroup in torch 1.x, Backend in 2.x.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

class DistGroup : public NativeObject {
 public:
  static constexpr const char* kKind = "process group";
  const char* kind() const override { return kKind; }

  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveBackend> backend;
  std::string backendName;  // "gloo" or "nccl"
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{30000};

  // "rank 1 of 2 (gloo)"
  std::string describe() const;

  // Starts one collective with `start` and waits for it. Collectives of a group never overlap
  // (a lock), and any failure is rethrown as E_DIST: "rank r of n (backend): <op> failed: …".
  void run(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>()>& start);

 private:
  std::mutex mutex_;
};

// Throws E_DIST "rank r of n (backend): <cause>" (the dispatcher prefixes the op and its inputs).
[[noreturn]] void distFail(const DistGroup& group, const std::string& cause);

// Each rank's `local` values, in rank order (an all-gather of a few int64), so ranks can
// check that they agree before a collective whose sizes must match.
std::vector<std::vector<int64_t>> gatherCounts(const char* op, DistGroup& group,
                                               const std::vector<int64_t>& local,
                                               const at::Device& device);

// Ops of native/dist/*.cc, registered by registerDistOps.
void registerDistGroupOps(OpRegistry& registry);
void registerDistCollectiveOps(OpRegistry& registry);

}  // namespace zscl
