// Shapes of an OpenAI CLIP model. lib/clip/config.ts validates user configs and sends every
// field; clipCreate (clip/ops_clip.cc) checks only the invariants the kernels rely on.
#pragma once

#include <cstdint>
#include <string>

namespace zscl {

struct ClipConfig {
  int64_t embedDim = 0;
  int64_t imageResolution = 0;
  int64_t visionLayers = 0;
  int64_t visionWidth = 0;
  int64_t visionPatchSize = 0;
  int64_t visionHeads = 0;
  int64_t contextLength = 0;
  int64_t vocabSize = 0;
  int64_t transformerWidth = 0;
  int64_t transformerLayers = 0;
  int64_t transformerHeads = 0;
  bool quickGelu = true;  // OpenAI weights use QuickGELU; open_clip's own models use GELU
};

}  // namespace zscl
