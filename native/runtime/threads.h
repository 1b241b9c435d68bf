// The process's intra-op thread count, shared by the main thread and libuv's workers.
#pragma once

namespace zscl {

// Makes the calling (worker) thread use the process's intra-op thread count.
void syncIntraOpThreads();

}  // namespace zscl
