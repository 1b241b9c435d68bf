// The work of one op call: a move-only callable returning an IValue, stored inline. Ops capture
// their tensors by value (they may run on another thread); std::function would heap-allocate for
// every call because at::Tensor is not trivially copyable, a cost that dominates a 2x2 add.
#pragma once

#include <ATen/core/ivalue.h>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace zscl {

class Thunk {
 public:
  Thunk() = default;

  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Thunk>>>
  Thunk(F&& fn) {  // NOLINT(google-explicit-constructor): lambdas convert implicitly
    using Fn = std::decay_t<F>;
    if constexpr (sizeof(Fn) <= kInline && alignof(Fn) <= alignof(std::max_align_t)) {
      new (storage_) Fn(std::forward<F>(fn));
      ops_ = &inlineOps<Fn>;
    } else {
      *reinterpret_cast<Fn**>(storage_) = new Fn(std::forward<F>(fn));
      ops_ = &heapOps<Fn>;
    }
  }

  Thunk(Thunk&& other) noexcept { moveFrom(other); }
  Thunk& operator=(Thunk&& other) noexcept {
    if (this != &other) {
      reset();
      moveFrom(other);
    }
    return *this;
  }
  Thunk(const Thunk&) = delete;
  Thunk& operator=(const Thunk&) = delete;
  ~Thunk() { reset(); }

  explicit operator bool() const { return ops_ != nullptr; }
  c10::IValue operator()() { return ops_->call(storage_); }

 private:
  static constexpr size_t kInline = 96;

  struct Ops {
    c10::IValue (*call)(void* self);
    void (*move)(void* from, void* to);  // move-constructs into `to`, destroys `from`
    void (*destroy)(void* self);
  };

  template <typename Fn>
  static constexpr Ops inlineOps = {
      [](void* self) -> c10::IValue { return (*static_cast<Fn*>(self))(); },
      [](void* from, void* to) {
        new (to) Fn(std::move(*static_cast<Fn*>(from)));
        static_cast<Fn*>(from)->~Fn();
      },
      [](void* self) { static_cast<Fn*>(self)->~Fn(); },
  };

  template <typename Fn>
  static constexpr Ops heapOps = {
      [](void* self) -> c10::IValue { return (**static_cast<Fn**>(self))(); },
      [](void* from, void* to) { *static_cast<Fn**>(to) = *static_cast<Fn**>(from); },
      [](void* self) { delete *static_cast<Fn**>(self); },
  };

  void moveFrom(Thunk& other) {
    if (other.ops_ == nullptr) return;
    other.ops_->move(other.storage_, storage_);
    ops_ = other.ops_;
    other.ops_ = nullptr;
  }
  void reset() {
    if (ops_ != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char storage_[kInline];
  const Ops* ops_ = nullptr;
};

}  // namespace zscl
