// Shapes of an OpenAI CLIP model (configs/*.json hold them as data).
#pragma once

#include <cstdint>
#include <string>

namespace zscl {

struct ClipConfig {
  int64_t embedDim = 512;
  int64_t imageResolution = 224;
  int64_t visionLayers = 12;
  int64_t visionWidth = 768;
  int64_t visionPatchSize = 16;
  int64_t visionHeads = 12;
  int64_t contextLength = 77;
  int64_t vocabSize = 49408;
  int64_t transformerWidth = 512;
  int64_t transformerLayers = 12;
  int64_t transformerHeads = 8;
  bool quickGelu = true;  // OpenAI weights use QuickGELU; open_clip's own models use GELU
};

}  // namespace zscl
