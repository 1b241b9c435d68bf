// Busy accounting shared by every JS-visible native handle (tensors, models, optimizers).
#pragma once

#include <string>

namespace zscl {

// Async work in flight on a handle: readers may overlap each other, a writer excludes all.
struct Pinnable {
  int readers = 0;
  int writers = 0;
  bool busy() const { return readers > 0 || writers > 0; }
  // How error messages name this argument: "float32[2,3] cpu", "clip object". Built only when an
  // error is reported, never on the hot path.
  virtual std::string describe() const = 0;
  virtual ~Pinnable() = default;
};

}  // namespace zscl
