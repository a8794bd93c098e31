// A process-wide pool of worker threads for the CPU engine, so a predict
// call does not pay for starting threads (tens of microseconds each, which
// matters at a pipeline's ~1k-row batches). Created on first use and never
// destroyed: its threads sleep on a condition variable and end with the
// process, so no destructor can race with an unloading addon.
#pragma once
#include <functional>

namespace abp {

// Runs task(0) ... task(n - 1), each exactly once, task(0) on the calling
// thread and the others on pool threads when they are free. Returns when
// every task has finished. A task that no pool thread has started by the
// time the caller is done with its own share is run by the caller instead,
// so a busy pool (other concurrent predicts) delays nobody for long.
// `task` must not throw.
void ParallelRun(int n, const std::function<void(int)>& task);

}  // namespace abp
