// SyncRun: one run of a sync pair, end to end: open the state, check both
// roots, scan both sides in parallel, hash what the decisions need,
// reconcile, apply the safety guards, and (unless it is a dry run) execute
// and update the state. Used by ferry-cli, the GUI and the tests alike.
//
// The caller may take the Plan after planning (plan()), let the user edit it
// (exclude rows, flip directions), and then execute exactly that Plan.
// Sessions: the two Backends given are the sides as opened; every call on
// them goes through a SessionPool per side, which opens at most threads + 1
// sessions (logins) per side for the whole run and reuses them in every
// phase. A side that cannot be connected stops the run, nothing changed.
// Thread-safety: a SyncRun is driven by one thread; progress callbacks come
// on that thread. cancelToken() may be used from any thread; it also ends a
// backend call that is waiting on a far end.
#pragma once

#include "backend/backend.h"
#include "backend/sessionpool.h"
#include "common/canceltoken.h"
#include "engine/executor.h"
#include "engine/filter.h"
#include "engine/plan.h"
#include "engine/reconciler.h"
#include "engine/versioner.h"
#include "model/safetystop.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct ScanResult;

struct SyncOptions {
    SyncMode mode = SyncMode::TwoWay;
    ConflictPolicy conflict = ConflictPolicy::KeepBoth;
    CompareMode compare = CompareMode::TimeSize;
    std::string statePath;             // empty: no state (mirror/update) 
    VersioningSettings versioning;
    std::vector<std::string> excludes;
    std::vector<std::string> includes; // empty: everything not excluded
    ItemLimits limits;                 // size and age limits for files
    bool dryRun = false;
    bool forceDeletions = false;
    bool acceptNewRoot = false;        // accept a root whose identity changed
    int maxDeletePercent = 50;
    int64_t toleranceNs = 0;
    bool ignoreDstShift = false;
    int threads = 4;
    // How long one backend call may wait on a far end before the run gives
    // it up (a stalled server): see CallContext. 0: no limit.
    std::chrono::milliseconds callTimeout{std::chrono::seconds(60)};
    std::string hostName = "host";
    int64_t nowNs = 0;
};

enum class ExitCode : int { InSync = 0, Errors = 1, Usage = 2, Conflicts = 3, Guard = 4 };

struct SyncReport {
    ExitCode exit = ExitCode::InSync;
    Plan plan;
    ExecutionResult execution;
    std::vector<Error> errors;        // scan problems, plan problems, item failures
    std::optional<SafetyStop> stop;   // set when a safety guard stopped the run (words: engine/stoptext.h)
    std::vector<std::string> warnings; // e.g. a guard a dry run would have hit (dryRunWarning())
    std::string fatalMessage;         // usage/configuration error
    bool executed = false;
    int pendingConflicts = 0;
};

class SyncRun {
public:
    SyncRun(std::unique_ptr<Backend> left, std::unique_ptr<Backend> right, SyncOptions options);
    ~SyncRun();

    // Phase 1: everything up to a Plan (no changes anywhere). Returns false
    // when the run cannot go on (report() says why).
    bool plan();
    Plan& currentPlan() { return m_report.plan; }
    // Phase 2: execute the (possibly edited) plan. No-op for dry runs.
    void execute(const std::function<void(const Progress&)>& onProgress = {});
    // plan() + execute().
    const SyncReport& run(const std::function<void(const Progress&)>& onProgress = {});

    // Told, on the executing thread, which plan items finished (see
    // ExecutorOptions::onItemsFinished). Set before execute().
    void setItemsListener(std::function<void(const Plan&, const std::vector<FinishedItem>&)> listener)
    {
        m_itemsListener = std::move(listener);
    }

    const SyncReport& report() const { return m_report; }
    CancelToken cancelToken() const { return m_cancel; }

private:
    bool stop(ExitCode code, const std::string& message);
    // Stops the run for a side that could not be connected (or a lost one).
    bool stopUnreachable(const char* side, const Error& error);
    bool stop(SafetyStop guard);
    SafetyStop guardStop(StopKind kind, Side side) const; // with the mode and the side's location
    bool checkRoots();
    bool excludeVersionsFolder(Filter& filter);
    bool scanAndPlan();
    bool scanBesideBase(const Filter& filter, ScanResult& left, ScanResult& right);
    bool checkScans(const ScanResult& left, const ScanResult& right);
    void keepScans(ScanResult& left, ScanResult& right);
    void setPolicy(const Filter& filter, std::vector<std::string> leftBlocked, std::vector<std::string> rightBlocked);
    bool checkEmptiedSide(const Filter& filter);
    void reconcileWithHashes();
    bool readRequestedHashes(SessionPool::Lease (&sessions)[2]);
    bool applyGuards();
    void finish();
    void applyRetention(Versioner& versioner);
    Result<ContentHash> contentHash(Backend& side, const std::string& path);
    struct State;
    std::unique_ptr<Backend> m_left;
    std::unique_ptr<Backend> m_right;
    SyncOptions m_options;
    CancelToken m_cancel;
    SyncReport m_report;
    std::unique_ptr<State> m_state;
    // After m_left/m_right, which they connect from: they end first.
    std::unique_ptr<SessionPool> m_leftPool, m_rightPool;
    std::function<void(const Plan&, const std::vector<FinishedItem>&)> m_itemsListener;
};

std::string exitCodeName(ExitCode c);

} // namespace ferry
