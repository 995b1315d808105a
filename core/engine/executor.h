// Executor: carries out a Plan, exactly as given, on a pool of workers.
//
// Order: renames (in plan order) → deletions (files in parallel, then folders
// deepest first) → folder creations and conflicts that involve folders →
// file copies, time fixes and file conflicts in parallel.
//
// Safety, per item: every write goes to a temporary file in the target
// folder that is renamed into place; the target is re-checked right before
// it is replaced or deleted and left alone (reported) if it changed since
// the scan; the source is re-checked after copying; replaced and deleted
// files go to the Versioner first. The base is updated after each item
// completes (batched, see StateStore). Per-item errors do not stop the run;
// an AbortRun error (full disk, read-only target) stops new items.
// Progress is reported from the calling thread, a few times a second.
//
// Sessions: each worker leases a session per side from the sides' pools
// when its first item needs one and keeps it for its phase; the calling
// thread leases one for each flush of the sides. So a run needs at most
// threads + 1 sessions per side, and a phase with nothing to do none. A
// session lost in a call (a timeout) is replaced before the item's next
// attempt; a side that cannot be connected fails the items that need it
// (a refused login, AbortRun, stops the run). A side that stopped answering
// (engine/sidewatch.h: a reconnect after a lost session fails, or several
// connection failures in a row) stops the run at once: items not done stay
// NotRun, and ExecutionResult::otherErrors holds the one error that names
// the side; what was written to it since the last flush is not recorded.
#pragma once

#include "backend/backend.h"
#include "backend/sessionpool.h"
#include "common/canceltoken.h"
#include "engine/plan.h"
#include "engine/versioner.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ferry {

class StateStore;

struct Progress {
    int64_t itemsDone = 0;
    int64_t itemsTotal = 0;
    int64_t bytesDone = 0;
    int64_t bytesTotal = 0;
    double bytesPerSecond = 0;
    int64_t etaSeconds = -1;   // -1: unknown
    std::string currentPath;
    bool paused = false;
};

struct ItemResult {
    enum class State : uint8_t { NotRun, Done, Failed, Skipped };
    State state = State::NotRun;
    uint32_t error = 0; // Failed, or NotRun after an abort (why): 1 + index into ExecutionResult::itemErrors
};

struct ExecutionResult {
    std::vector<ItemResult> items;   // one per plan action (8 bytes each)
    std::vector<Error> itemErrors;   // the errors of failed items
    const Error* errorOf(size_t item) const
    {
        return items[item].error ? &itemErrors[items[item].error - 1] : nullptr;
    }
    int64_t bytesCopied = 0;         // of the copies that were committed (a failed one counts nothing)
    bool cancelled = false;
    bool aborted = false;            // an AbortRun error stopped the run
    std::vector<Error> otherErrors;  // state-file writes, temp clean-up…
    int failures() const;
};

// An item that finished (done, failed or excluded), as reported to
// ExecutorOptions::onItemsFinished.
struct FinishedItem {
    size_t index = 0;              // into Plan::actions
    ItemResult::State state = ItemResult::State::Done;
    std::string error;             // Failed: the error's message
};

struct ExecutorOptions {
    int threads = 4;
    int64_t hashLimitBytes = 16 << 20; // files up to this size are hashed while copied
    // Called on the thread that called run(), in batches, a few times a
    // second and at the end of each phase: lets a caller record a run's
    // items as it goes (the history), so a crash leaves a truthful record.
    std::function<void(const std::vector<FinishedItem>&)> onItemsFinished;
};

class Executor {
public:
    Executor(SessionPool& left, SessionPool& right, StateStore* state, Versioner& versioner, ExecutorOptions options,
             CancelToken cancel);
    ExecutionResult run(const Plan& plan, const std::function<void(const Progress&)>& onProgress = {});

private:
    struct Impl;
    SessionPool& m_left;
    SessionPool& m_right;
    StateStore* m_state;
    Versioner& m_versioner;
    ExecutorOptions m_options;
    CancelToken m_cancel;
};

} // namespace ferry
