// Creating a process group: TCPStore rendezvous (rank 0 hosts the store, as torch's env://
// convention), then ProcessGroupGloo or ProcessGroupNCCL. Creation blocks until every rank has
// joined or the timeout passes, so it runs in the Promise form.
#include "dist/process_group.h"

#include <cstdlib>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "common/args.h"
#include "common/errors.h"

// Gloo ships its headers separately (Debian: libgloo-dev); without them the build has no Gloo.
#if __has_include(<gloo/algorithm.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#define ZSCL_HAS_GLOO 1
#endif

// NCCL only in CUDA builds whose libtorch ships ProcessGroupNCCL and whose nccl.h is found.
#if defined(ZSCL_WITH_CUDA) && __has_include(<nccl.h>) && \
    __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#define ZSCL_HAS_NCCL 1
#endif

namespace zscl {
namespace {

// libtorch and Gloo messages end with a C++ location; users see the cause only.
std::string withoutBacktrace(std::string message) {
  auto at = message.find("Exception raised from");
  if (at != std::string::npos) message.resize(at);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

std::string DistGroup::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(size) + " (" + backendName + ")";
}

void distFail(const DistGroup& group, const std::string& cause) {
  throw CodedError(kDistCode, group.describe() + ": " + cause);
}

void DistGroup::run(const char* op, const std::function<c10::intrusive_ptr<c10d::Work>()>& start) {
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    auto work = start();
    work->wait(timeout);
  } catch (const CodedError&) {
    throw;
  } catch (const std::exception& e) {
    auto cause = withoutBacktrace(e.what());
    while (!cause.empty() && (cause.back() == '.' || cause.back() == '!')) cause.pop_back();
    distFail(*this,
             std::string(op) + " failed: " + cause +
                 ". A peer process exited or stopped answering within the timeout of " +
                 std::to_string(timeout.count()) +
                 " ms (every rank must run the same collectives in the same order); this group "
                 "cannot be used any more");
  }
}

std::vector<std::vector<int64_t>> gatherCounts(const char* op, DistGroup& group,
                                               const std::vector<int64_t>& local,
                                               const at::Device& device) {
  auto options = torch::TensorOptions().dtype(torch::kLong);
  auto n = static_cast<int64_t>(local.size());
  std::vector<at::Tensor> input{torch::tensor(local, options).to(device)};
  std::vector<std::vector<at::Tensor>> output(1);
  for (int r = 0; r < group.size; ++r)
    output[0].push_back(torch::empty({n}, options.device(device)));
  group.run(op, [&] { return group.backend->allgather(output, input); });
  std::vector<std::vector<int64_t>> counts;
  for (const auto& t : output[0]) {
    auto host = t.cpu();
    counts.emplace_back(host.data_ptr<int64_t>(), host.data_ptr<int64_t>() + n);
  }
  return counts;
}

namespace {

struct GroupSpec {
  std::string backend;
  int64_t rank = 0;
  int64_t size = 1;
  std::string host;
  int64_t port = 0;
  int64_t timeoutMs = 30000;
};

std::string field(const char* op, const Napi::Object& o, const char* key) {
  auto v = o.Get(key);
  if (!v.IsString()) throwArgumentError(op, std::string("options.") + key, "a string", v);
  return v.As<Napi::String>().Utf8Value();
}

int64_t intField(const char* op, const Napi::Object& o, const char* key, int64_t min, int64_t max) {
  auto v = o.Get(key);
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1e300;
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) ||
      static_cast<double>(static_cast<int64_t>(d)) != d) {
    throwArgumentError(op, std::string("options.") + key,
                       "an integer in " + std::to_string(min) + "…" + std::to_string(max), v);
  }
  return static_cast<int64_t>(d);
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

#ifdef ZSCL_HAS_GLOO
// Where Gloo listens: GLOO_SOCKET_IFNAME as in PyTorch, loopback for a single machine, else the
// address the host name resolves to.
std::shared_ptr<::gloo::transport::Device> glooDevice(const std::string& masterHost) {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname != nullptr && *ifname != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  }
  if (isLoopback(masterHost)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

c10::intrusive_ptr<DistGroup> createGroup(const GroupSpec& spec) {
  auto group = c10::make_intrusive<DistGroup>();
  group->backendName = spec.backend;
  group->rank = static_cast<int>(spec.rank);
  group->size = static_cast<int>(spec.size);
  group->timeout = std::chrono::milliseconds(spec.timeoutMs);
  auto rendezvousFailed = [&](const std::string& cause) {
    distFail(*group, "rendezvous at " + spec.host + ":" + std::to_string(spec.port) +
                         " failed: " + cause + " (all " + std::to_string(spec.size) +
                         " ranks must start within " + std::to_string(spec.timeoutMs) +
                         " ms and reach MASTER_ADDR:MASTER_PORT)");
  };
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(spec.port);
    options.isServer = spec.rank == 0;
    options.numWorkers = static_cast<std::size_t>(spec.size);
    options.waitWorkers = true;
    options.timeout = group->timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(spec.host, options);
    group->store = c10::make_intrusive<c10d::PrefixStore>("zscl/" + spec.backend, tcp);
  } catch (const std::exception& e) {
    rendezvousFailed(withoutBacktrace(e.what()));
  }
  try {
    if (spec.backend == "gloo") {
#ifdef ZSCL_HAS_GLOO
      auto options = c10d::ProcessGroupGloo::Options::create(group->timeout);
      options->devices.push_back(glooDevice(spec.host));
      group->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, group->rank,
                                                                   group->size, options);
#else
      throw CodedError(code::kArg,
                       "distCreateGroup: this build has no Gloo (its headers were missing at build "
                       "time). Fix: sudo apt-get install -y libgloo-dev, then rebuild zscl");
#endif
    } else {
#ifdef ZSCL_HAS_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = group->timeout;
      group->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, group->rank,
                                                                   group->size, options);
#else
      throw CodedError(code::kDevice,
                       "distCreateGroup: this build has no NCCL (it needs a CUDA libtorch with "
                       "ProcessGroupNCCL and nccl.h at build time); use backend 'gloo'");
#endif
    }
  } catch (const CodedError&) {
    throw;
  } catch (const std::exception& e) {
    rendezvousFailed("connecting the ranks: " + withoutBacktrace(e.what()));
  }
  return group;
}

}  // namespace

void registerDistGroupOps(OpRegistry& r) {
  // distCreateGroup({backend, rank, worldSize, host, port, timeoutMs}) -> process group.
  // Blocks until all ranks joined (use the Promise form).
  r.add("distCreateGroup", [](OpArgs& a) -> Thunk {
    if (!a.raw(0).IsObject()) a.fail(0, "an options object");
    auto o = a.raw(0).As<Napi::Object>();
    GroupSpec spec;
    spec.backend = field(a.op(), o, "backend");
    if (spec.backend != "gloo" && spec.backend != "nccl") {
      throw CodedError(
          code::kArg,
          "distCreateGroup: options.backend must be 'gloo' or 'nccl', got '" + spec.backend + "'");
    }
    spec.size = intField(a.op(), o, "worldSize", 1, 1 << 20);
    spec.rank = intField(a.op(), o, "rank", 0, spec.size - 1);
    spec.host = field(a.op(), o, "host");
    spec.port = intField(a.op(), o, "port", 1, 65535);
    spec.timeoutMs = intField(a.op(), o, "timeoutMs", 1, 24 * 3600 * 1000);
    return [spec]() -> c10::IValue { return objectResult(createGroup(spec)); };
  });

  // distCompiledBackends() -> ["gloo", "nccl"] as far as this build has them.
  r.add("distCompiledBackends", [](OpArgs& a) -> Thunk {
    return []() -> c10::IValue {
      c10::List<std::string> out;
#ifdef ZSCL_HAS_GLOO
      out.push_back("gloo");
#endif
#ifdef ZSCL_HAS_NCCL
      out.push_back("nccl");
#endif
      return out;
    };
  });

  // distBarrier(group): returns when every rank reached it.
  r.add("distBarrier", [](OpArgs& a) -> Thunk {
    auto& group = a.object<DistGroup>(0);
    auto* g = &group;
    return [g]() -> c10::IValue {
      g->run("distBarrier", [g] { return g->backend->barrier(c10d::BarrierOptions()); });
      return c10::IValue();
    };
  });
}

void registerDistOps(OpRegistry& r) {
  registerDistGroupOps(r);
  registerDistCollectiveOps(r);
}

}  // namespace zscl
