// Error codes of the image pipeline that native/common/errors.h does not list yet.
#pragma once

#include "common/errors.h"

namespace zscl {
namespace image {

// Malformed file contents (lib/errors.ts: E_FORMAT).
inline constexpr const char* kFormatCode = "E_FORMAT";

}  // namespace image
}  // namespace zscl
