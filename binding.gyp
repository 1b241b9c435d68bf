# node-gyp's view of the addon, so that node-gyp tooling (node-gyp rebuild, electron-rebuild,
# prebuild tools) finds zscl native. The build itself is CMake's (CMakeLists.txt, through cmake-js,
# as `npm install` runs it): this target's one action runs it and leaves build/Release/zscl.node.
{
  "targets": [
    {
      "target_name": "zscl",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "inputs": ["<!@(node scripts/build-native.js --list-inputs)"],
          "outputs": ["<(PRODUCT_DIR)/zscl.node"],
          "action": ["node", "scripts/build-native.js", "--gyp"],
          "message": "Building the zscl addon with cmake-js"
        }
      ]
    }
  ]
}
