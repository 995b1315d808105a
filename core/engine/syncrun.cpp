#include "syncrun.h"

#include "backend/hashstream.h"
#include "common/hash.h"

#include <algorithm>
#include "common/phaseclock.h"
#include "engine/emptiedside.h"
#include "engine/scanner.h"
#include "engine/stoptext.h"
#include "engine/versionsplace.h"
#include "store/statestore.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

namespace ferry {

struct SyncRun::State {
    PhaseClock clock;
    int lockFd = -1;
    ~State()
    {
        if (lockFd >= 0)
            ::close(lockFd); // releases the flock
    }
    std::unique_ptr<StateStore> store;
    StateStore::BaseSize baseSize; // two-way: counted before the scans; the base itself loads beside them
    BaseState base;
    SyncPolicy policy;
    std::shared_ptr<Snapshot> left, right; // shared with the plan, whose actions point into them
    std::vector<std::string> leftTemps, rightTemps;
    std::vector<AsideRecovery> leftAsides, rightAsides; // of an interrupted replace in steps
    RootIdentity leftId, rightId;
};

std::string exitCodeName(ExitCode c)
{
    switch (c) {
    case ExitCode::InSync: return "in-sync";
    case ExitCode::Errors: return "errors";
    case ExitCode::Usage: return "usage";
    case ExitCode::Conflicts: return "conflicts";
    case ExitCode::Guard: return "stopped";
    }
    return "?";
}

SyncRun::SyncRun(std::unique_ptr<Backend> left, std::unique_ptr<Backend> right, SyncOptions options)
    : m_left(std::move(left)), m_right(std::move(right)), m_options(std::move(options)),
      m_state(std::make_unique<State>())
{
    // The executor's workers hold one session each; its coordinating thread
    // (state flushes) one more. Every other phase needs fewer.
    const int sessions = std::max(1, m_options.threads) + 1;
    m_leftPool = std::make_unique<SessionPool>(*m_left, sessions, CallContext{m_cancel, m_options.callTimeout});
    m_rightPool = std::make_unique<SessionPool>(*m_right, sessions, CallContext{m_cancel, m_options.callTimeout});
}

SyncRun::~SyncRun() = default;

bool SyncRun::stop(ExitCode code, const std::string& message)
{
    m_report.exit = code;
    m_report.fatalMessage = message;
    return false;
}

SafetyStop SyncRun::guardStop(StopKind kind, Side side) const
{
    SafetyStop s;
    s.kind = kind;
    s.side = side;
    s.mode = m_options.mode;
    s.location = (side == Side::Left ? m_left : m_right)->location();
    return s;
}

bool SyncRun::stop(SafetyStop guard)
{
    m_report.exit = ExitCode::Guard;
    m_report.stop = std::move(guard);
    return false;
}

bool SyncRun::stopUnreachable(const char* side, const Error& error)
{
    if (error.kind == Error::Kind::Cancelled)
        return stop(ExitCode::Errors, "cancelled; nothing was changed");
    // A server that shows another host key than the known one is no outage:
    // a safety stop (exit 4), whatever the kind.
    if (error.code == Error::Code::HostKeyChanged) {
        SafetyStop s = guardStop(StopKind::HostKeyChanged, std::string(side) == "left" ? Side::Left : Side::Right);
        s.detail = error.nextStep.empty() ? error.detail : error.detail + ". " + error.nextStep;
        return stop(std::move(s));
    }
    m_report.errors.push_back(error);
    // A refused login is the job's settings; a host that does not answer may answer later.
    return stop(error.kind == Error::Kind::AbortRun ? ExitCode::Usage : ExitCode::Errors,
                "cannot reach the " + std::string(side) + " side: " + error.message() + ". Nothing was changed");
}

bool SyncRun::checkRoots()
{
    State& st = *m_state;
    const bool hadFiles = st.baseSize.items > 0;
    const char* sideNames[2] = {"left", "right"};
    SessionPool::Lease leases[2];
    SessionPool* pools[2] = {m_leftPool.get(), m_rightPool.get()};
    for (int i = 0; i < 2; ++i) {
        auto lease = pools[i]->lease();
        if (!lease)
            return stopUnreachable(sideNames[i], lease.error());
        leases[i] = std::move(*lease);
    }
    Backend* sides[2] = {&*leases[0], &*leases[1]};
    const char* names[2] = {"left", "right"};
    bool exists[2];
    for (int i = 0; i < 2; ++i) {
        auto r = sides[i]->rootExists();
        if (!r) {
            SafetyStop s = guardStop(StopKind::SideUnreadable, i == 0 ? Side::Left : Side::Right);
            s.detail = r.error().message();
            return stop(std::move(s));
        }
        exists[i] = *r;
    }
    for (int i = 0; i < 2; ++i) {
        if (exists[i])
            continue;
        const std::string loc = sides[i]->location();
        if (hadFiles) {
            SafetyStop s = guardStop(StopKind::SideMissing, i == 0 ? Side::Left : Side::Right);
            return stop(std::move(s));
        }
        // A first run creates a missing destination; a missing source is a mistake.
        bool creatable = m_options.mode == SyncMode::TwoWay ? exists[1 - i] : i == 1;
        if (!creatable)
            return stop(ExitCode::Usage, "the " + std::string(names[i]) + " folder '" + loc +
                                             "' does not exist. Check the path, or create the folder first");
        if (!m_options.dryRun) {
            // The count behind hadFiles came from a file not checked yet: check
            // it before creating anything.
            if (st.store)
                if (auto checked = st.store->ensureChecked(); !checked)
                    return stop(ExitCode::Usage, "cannot use the state file: " + checked.error().message());
            if (auto r = sides[i]->createRoot(); !r)
                return stop(ExitCode::Usage, "cannot create the " + std::string(names[i]) + " folder: " +
                                                 r.error().message());
        }
    }
    // The identity of each root must match what the last sync recorded.
    for (int i = 0; i < 2; ++i) {
        if (!exists[i] && m_options.dryRun)
            continue;
        auto id = sides[i]->rootIdentity();
        if (id && id->known)
            (i == 0 ? st.leftId : st.rightId) = *id;
    }
    if (st.leftId.known && st.leftId == st.rightId)
        return stop(ExitCode::Usage, "the left and right folders are the same folder; pick two different ones");
    for (int i = 0; i < 2; ++i) {
        if (!exists[i] && m_options.dryRun)
            continue;
        const RootIdentity& id = i == 0 ? st.leftId : st.rightId;
        if (!id.known)
            continue;
        if (!st.store || !hadFiles || m_options.acceptNewRoot)
            continue;
        auto recordedText = st.store->meta(std::string(names[i]) + "_root");
        auto recorded = recordedText ? RootIdentity::fromText(*recordedText) : std::nullopt;
        if (recordedText && !(recorded && id.sameFolderAs(*recorded))) {
            SafetyStop s = guardStop(StopKind::RootChanged, i == 0 ? Side::Left : Side::Right);
            return stop(std::move(s));
        }
    }
    return true;
}

bool SyncRun::plan()
{
    State& st = *m_state;
    const bool usesState = !m_options.statePath.empty();
    if (usesState) {
        if (!m_options.dryRun) {
            const QString dir = QFileInfo(QString::fromStdString(m_options.statePath)).absolutePath();
            if (!QDir().mkpath(dir))
                return stop(ExitCode::Usage, "cannot create the folder of the state file '" + dir.toStdString() +
                                                 "': check that it may be written, or choose another --state");
        }
        if (!m_options.dryRun) {
            // One run of a pair at a time: a second process waits for nothing
            // and is refused. The kernel drops the lock if a run crashes.
            const std::string lockFile = m_options.statePath + ".lock";
            st.lockFd = ::open(lockFile.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (st.lockFd < 0)
                return stop(ExitCode::Usage, "cannot create the lock file '" + lockFile + "': " + std::strerror(errno));
            if (::flock(st.lockFd, LOCK_EX | LOCK_NB) != 0)
                return stop(ExitCode::Usage, "another Ferry run of this pair is in progress (it holds '" + lockFile +
                                                 "'); wait for it to finish, then run again");
        }
        // Two-way runs check the file's integrity in loadBase(), beside the scans.
        const bool twoWay = m_options.mode == SyncMode::TwoWay;
        auto store = StateStore::open(m_options.statePath, m_options.dryRun, twoWay);
        if (!store)
            return stop(ExitCode::Usage, "cannot use the state file: " + store.error().message());
        st.store = std::move(*store);
        if (twoWay) {
            auto size = st.store->baseSize();
            if (!size)
                return stop(ExitCode::Usage, "cannot read the state file: " + size.error().message());
            st.baseSize = *size;
        }
    }
    st.clock.lap("open state");
    if (!checkRoots())
        return false;
    return scanAndPlan() && applyGuards();
}

// Keeps the versions folder out of the sync when it lies inside a root. The
// filter applies to both sides, so the other side must hold nothing at that
// relative path (unless the user's exclusions leave it out anyway): it would
// silently drop out of the sync.
bool SyncRun::excludeVersionsFolder(Filter& filter)
{
    if (m_options.versioning.mode != VersioningSettings::Mode::Folder)
        return true;
    Backend* sides[2] = {m_left.get(), m_right.get()}; // the sides as opened: location only
    SessionPool* pools[2] = {m_leftPool.get(), m_rightPool.get()};
    for (int i = 0; i < 2; ++i) {
        // A store shares its side's connection: asked of a session, never of
        // the side as opened (which has none on a server).
        auto own = pools[i]->lease();
        if (!own)
            return stopUnreachable(i == 0 ? "left" : "right", own.error());
        // Each side keeps its versions on its own storage; a side that has
        // no versions folder fails on the first item it would version.
        auto store = (*own)->versionsStore(m_options.versioning);
        if (!store)
            continue;
        if (auto problem = versionsStoreProblem(**own, **store))
            return stop(ExitCode::Usage, *problem);
        const std::optional<std::string> rel = (*own)->placeOf(**store);
        if (!rel)
            continue;
        const std::string folder = (*store)->location();
        Backend& other = *sides[1 - i];
        auto session = pools[1 - i]->lease();
        if (!session)
            return stopUnreachable(i == 0 ? "right" : "left", session.error());
        auto held = (*session)->stat(*rel);
        if (!held)
            return stop(ExitCode::Usage, "cannot check whether '" + other.location() + "' holds '" + *rel +
                                             "', where the versions folder lies on the other side: " +
                                             held.error().message());
        // Left out by the user's own exclusions anyway: nothing drops silently.
        if (*held && !filter.excludes(*rel, (*held)->kind == EntryKind::Directory))
            return stop(ExitCode::Usage, versionsFolderShadowProblem(folder, *rel, other.location()));
        std::string pattern = "/";
        for (char c : *rel) {
            if (c == '*' || c == '?' || c == '[' || c == '\\')
                pattern += '\\';
            pattern += c;
        }
        filter = filter.withExclude(pattern + "/");
    }
    return true;
}

// A file's content hash: the server's own where it computes ours (no bytes
// cross the network), else read through the backend.
Result<ContentHash> SyncRun::contentHash(Backend& side, const std::string& path)
{
    if (side.capabilities().serverHashAlgorithm == Capabilities::kOurHash) {
        auto h = side.serverHash(path);
        if (!h)
            return h.error();
        if (*h)
            return **h;
    }
    auto in = side.openRead(path);
    if (!in)
        return in.error();
    return hashStream(**in, path, m_cancel);
}

// Everything between the checked roots and a Plan: scan, load the base,
// refuse what cannot be planned from, then reconcile. Each step stops the
// run (and returns false) on its own; the phase clock laps "base", "scan"
// and "reconcile" as they end.
bool SyncRun::scanAndPlan()
{
    State& st = *m_state;
    Filter filter(m_options.excludes, m_options.includes);
    if (!excludeVersionsFolder(filter))
        return false;
    ScanResult left, right;
    if (!scanBesideBase(filter, left, right) || !checkScans(left, right))
        return false;
    keepScans(left, right);
    setPolicy(filter, std::move(left.blocked), std::move(right.blocked));
    if (!checkEmptiedSide(filter))
        return false;
    st.clock.lap("scan");
    reconcileWithHashes();
    st.clock.lap("reconcile");
    for (const PlanProblem& p : m_report.plan.problems)
        m_report.errors.push_back(Error::skipItem(p.operation, p.path, p.message));
    return true;
}

// Both sides are scanned on threads of their own while this thread loads
// the base: the scans only need its size, counted before. A base that
// cannot be read, or a side that could not be connected or lost its
// connection mid-scan, stops the run: an incomplete scan would look like
// deletions.
bool SyncRun::scanBesideBase(const Filter& filter, ScanResult& left, ScanResult& right)
{
    State& st = *m_state;
    const size_t expected = size_t(st.baseSize.items), expectedBytes = size_t(st.baseSize.pathBytes);
    std::optional<Error> unreachable[2];
    auto scanOn = [&](SessionPool& pool, ScanResult& out, std::optional<Error>& connectError) {
        auto session = pool.lease(); // the one checkRoots() used, back in the pool
        if (!session) {
            connectError = session.error();
            return;
        }
        auto exists = (*session)->rootExists();
        if (exists && *exists)
            out = scanSide(**session, filter, m_cancel, expected, expectedBytes);
    };
    // jthreads: joined on every way out of this scope, an exception included.
    std::jthread leftThread([&] { scanOn(*m_leftPool, left, unreachable[0]); });
    std::jthread rightThread([&] { scanOn(*m_rightPool, right, unreachable[1]); });
    std::optional<Error> baseError;
    if (st.store && m_options.mode == SyncMode::TwoWay) {
        auto base = st.store->loadBase(st.baseSize);
        if (base)
            st.base = std::move(*base);
        else
            baseError = base.error();
    }
    st.clock.lap("base");
    leftThread.join();
    rightThread.join();
    if (baseError)
        return stop(ExitCode::Usage, "cannot read the state file: " + baseError->message());
    for (int i = 0; i < 2; ++i) {
        const char* name = i == 0 ? "left" : "right";
        if (unreachable[i])
            return stopUnreachable(name, *unreachable[i]);
        if (const auto& failed = (i == 0 ? left : right).failed)
            return stopUnreachable(name, *failed); // the scan is incomplete: plan nothing from it
    }
    return true;
}

// A finished scan may still be unusable: cancelled, or refused at its root
// (the first blocked path is the root itself), which would make every file
// of that side look deleted.
bool SyncRun::checkScans(const ScanResult& left, const ScanResult& right)
{
    if (left.cancelled || right.cancelled)
        return stop(ExitCode::Errors, "cancelled while scanning; nothing was changed");
    for (Side side : {Side::Left, Side::Right}) {
        const ScanResult& scan = side == Side::Left ? left : right;
        if (!scan.blocked.empty() && scan.blocked.front().empty()) {
            SafetyStop s = guardStop(StopKind::ScanRefused, side);
            s.detail = scan.problems.front().message();
            return stop(std::move(s));
        }
    }
    return true;
}

// Takes over what the run keeps of the scans: their per-item problems (in
// the report, named by side), Ferry's stale temporaries (removed before
// executing) and the snapshots (shared with the plan, which points into them).
void SyncRun::keepScans(ScanResult& left, ScanResult& right)
{
    State& st = *m_state;
    for (auto [scan, name] : {std::pair{&left, "left: "}, std::pair{&right, "right: "}}) {
        for (const Error& e : scan->problems) {
            Error copy = e;
            copy.operation = name + copy.operation;
            m_report.errors.push_back(copy);
        }
    }
    st.leftTemps = std::move(left.staleTemps);
    st.rightTemps = std::move(right.staleTemps);
    st.leftAsides = std::move(left.asides);
    st.rightAsides = std::move(right.asides);
    st.left = std::make_shared<Snapshot>(std::move(left.snapshot));
    st.right = std::make_shared<Snapshot>(std::move(right.snapshot));
}

// The reconciler's rules for this run: the options, each side's
// capabilities, and the paths whose state the scans could not learn.
void SyncRun::setPolicy(const Filter& filter, std::vector<std::string> leftBlocked,
                        std::vector<std::string> rightBlocked)
{
    SyncPolicy& pol = m_state->policy;
    pol.mode = m_options.mode;
    pol.conflict = m_options.conflict;
    pol.compare = m_options.compare;
    pol.toleranceNs = m_options.toleranceNs;
    pol.ignoreDstShift = m_options.ignoreDstShift;
    pol.leftCaps = m_left->capabilities();
    pol.rightCaps = m_right->capabilities();
    pol.leftBlocked = std::move(leftBlocked);
    pol.rightBlocked = std::move(rightBlocked);
    pol.filter = filter;
    pol.limits = m_options.limits;
    pol.hostName = m_options.hostName;
    pol.nowNs = m_options.nowNs;
}

// A side that lost nearly everything it held: an unplugged drive, an
// unmounted share. Checked in every mode, whatever the deletion limit; a
// dry run shows its plan with the warning.
bool SyncRun::checkEmptiedSide(const Filter& filter)
{
    if (m_options.forceDeletions)
        return true;
    const State& st = *m_state;
    auto emptied = m_options.mode == SyncMode::TwoWay
                       ? findEmptiedSide(*st.left, *st.right, st.base, filter, m_left->capabilities().fileIds,
                                         m_right->capabilities().fileIds)
                       : findEmptiedSource(m_options.mode, *st.left, *st.right);
    if (!emptied)
        return true;
    const Backend& side = emptied->side == Side::Left ? *m_left : *m_right;
    SafetyStop guard = emptiedStop(*emptied, m_options.mode, side.location());
    if (!m_options.dryRun)
        return stop(std::move(guard));
    m_report.warnings.push_back(dryRunWarning(guard));
    return true;
}

// The reconciler asks for the content hashes its decisions need (a touch
// against an edit, two same-size files in conflict); it runs again once they
// are known, for at most four rounds. A hash that cannot be read is an error
// in the report and leaves that decision as it was.
void SyncRun::reconcileWithHashes()
{
    State& st = *m_state;
    // Taken when a side first needs a hash, kept for all rounds.
    SessionPool::Lease hashSessions[2];
    for (int round = 0; round < 4; ++round) {
        m_report.plan = reconcile(st.left, st.right, st.base, st.policy);
        if (m_report.plan.needHashes.empty() || !readRequestedHashes(hashSessions))
            break;
    }
    m_report.plan.needHashes.clear();
}

// Reads the hashes the current plan asks for into the snapshots. Returns
// whether it learnt any: if not, another round would plan the same.
bool SyncRun::readRequestedHashes(SessionPool::Lease (&sessions)[2])
{
    State& st = *m_state;
    bool hashedAny = false;
    for (auto& [side, path] : m_report.plan.needHashes) {
        // Only the plan being replaced points into the snapshot.
        Snapshot& snap = side == Side::Left ? *st.left : *st.right;
        Snapshot::Item* e = snap.find(path);
        if (!e || e->hasHash)
            continue;
        SessionPool::Lease& session = sessions[side == Side::Left ? 0 : 1];
        if (!session) {
            auto lease = (side == Side::Left ? *m_leftPool : *m_rightPool).lease();
            if (!lease) {
                m_report.errors.push_back(lease.error());
                continue;
            }
            session = std::move(*lease);
        }
        auto h = contentHash(*session, path);
        if (!h) {
            m_report.errors.push_back(h.error());
            continue;
        }
        e->hash = *h;
        e->hasHash = true;
        hashedAny = true;
    }
    return hashedAny;
}

bool SyncRun::applyGuards()
{
    const Plan& plan = m_report.plan;
    if (m_options.forceDeletions)
        return true;
    for (Side s : {Side::Left, Side::Right}) {
        const int64_t total = s == Side::Left ? plan.leftCount : plan.rightCount;
        const int deletions = plan.deletions(s);
        if (total > 0 && deletions > 0 && int64_t(deletions) * 100 > int64_t(m_options.maxDeletePercent) * total) {
            SafetyStop guard = guardStop(StopKind::MassDeletion, s);
            guard.deletes = deletions;
            guard.total = total;
            guard.percentLimit = m_options.maxDeletePercent;
            if (m_options.dryRun) {
                // A dry run still shows its plan; the real run would stop here.
                m_report.warnings.push_back(dryRunWarning(guard));
                continue;
            }
            return stop(std::move(guard));
        }
    }
    return true;
}

void SyncRun::execute(const std::function<void(const Progress&)>& onProgress)
{
    State& st = *m_state;
    if (m_options.dryRun || m_report.exit == ExitCode::Guard || m_report.exit == ExitCode::Usage) {
        finish();
        return;
    }
    // The plan may have been edited since plan() (a preview turning rows
    // around): the deletion guard looks at what will really run.
    if (!applyGuards()) {
        finish();
        return;
    }
    // Leftovers of an interrupted run.
    for (auto [temps, pool] : {std::pair{&st.leftTemps, m_leftPool.get()}, std::pair{&st.rightTemps, m_rightPool.get()}}) {
        if (temps->empty())
            continue;
        auto session = pool->lease();
        if (!session) {
            m_report.errors.push_back(session.error());
            continue;
        }
        for (const std::string& p : *temps)
            (void)(*session)->removeStaleTemp(p);
    }

    // The plan carries what execution needs (and keeps the scans it points
    // into); the base can go.
    st.left.reset();
    st.right.reset();
    st.base = BaseState{};
    Versioner versioner(m_options.versioning, m_options.nowNs);
    // Files an interrupted replace set aside: put back, or retired as it would have (engine/asides.h).
    for (auto [asides, pool] : {std::pair{&st.leftAsides, m_leftPool.get()}, std::pair{&st.rightAsides, m_rightPool.get()}}) {
        if (asides->empty())
            continue;
        auto session = pool->lease();
        if (!session) {
            m_report.errors.push_back(session.error());
            continue;
        }
        for (Error& e : recoverAsides(**session, *asides, versioner))
            m_report.errors.push_back(std::move(e));
    }
    ExecutorOptions eo;
    eo.threads = m_options.threads;
    if (m_options.compare == CompareMode::Content)
        eo.hashLimitBytes = INT64_MAX; // the base must learn every hash
    if (m_itemsListener)
        eo.onItemsFinished = [this](const std::vector<FinishedItem>& items) { m_itemsListener(m_report.plan, items); };

    Executor ex(*m_leftPool, *m_rightPool, m_options.mode == SyncMode::TwoWay ? st.store.get() : nullptr, versioner, eo, m_cancel);
    m_report.execution = ex.run(m_report.plan, onProgress);
    m_report.executed = true;
    st.clock.lap("execute");
    if (st.store) {
        if (st.leftId.known)
            (void)st.store->setMeta("left_root", st.leftId.text());
        if (st.rightId.known)
            (void)st.store->setMeta("right_root", st.rightId.text());
        (void)st.store->setMeta("left_location", m_left->location());
        (void)st.store->setMeta("right_location", m_right->location());
    }
    if (versioner.enabled())
        applyRetention(versioner);
    st.clock.lap("finish");
    for (size_t i = 0; i < m_report.execution.items.size(); ++i)
        if (m_report.execution.items[i].state == ItemResult::State::Failed)
            m_report.errors.push_back(*m_report.execution.errorOf(i));
    for (const Error& e : m_report.execution.otherErrors)
        m_report.errors.push_back(e);
    finish();
}

// Retention in each side's versions store, once per store (two local
// sides share one versions folder).
void SyncRun::applyRetention(Versioner& versioner)
{
    if (m_options.versioning.mode != VersioningSettings::Mode::Folder)
        return;
    // A run that stopped (a side that stopped answering, a full disk) leaves
    // housekeeping to the next run: a login to a gone side would wait again.
    if (m_report.execution.aborted)
        return;
    std::vector<std::string> done;
    for (SessionPool* pool : {m_leftPool.get(), m_rightPool.get()}) {
        auto side = pool->lease(); // the store shares the session's connection
        if (!side) {
            m_report.errors.push_back(side.error());
            continue;
        }
        auto store = (*side)->versionsStore(m_options.versioning);
        if (!store || std::find(done.begin(), done.end(), (*store)->location()) != done.end())
            continue;
        done.push_back((*store)->location());
        auto r = versioner.applyRetention(**store, m_options.nowNs);
        if (!r)
            m_report.errors.push_back(r.error());
    }
}

void SyncRun::finish()
{
    if (m_report.exit == ExitCode::Guard || m_report.exit == ExitCode::Usage)
        return;
    m_report.pendingConflicts = m_report.plan.pendingConflicts();
    if (m_options.dryRun) {
        m_report.exit = ExitCode::InSync;
        return;
    }
    // A server whose host key changed while the run went on (a session
    // after the first saw another key) stopped it: a safety stop, though
    // what was done before it is kept (the errors say where it stopped).
    const bool keyChanged = std::any_of(m_report.errors.begin(), m_report.errors.end(),
                                        [](const Error& e) { return e.code == Error::Code::HostKeyChanged; });
    if (keyChanged)
        m_report.exit = ExitCode::Guard;
    else if (!m_report.errors.empty() || m_report.execution.cancelled)
        m_report.exit = ExitCode::Errors;
    else if (m_report.pendingConflicts > 0)
        m_report.exit = ExitCode::Conflicts;
    else
        m_report.exit = ExitCode::InSync;
}

const SyncReport& SyncRun::run(const std::function<void(const Progress&)>& onProgress)
{
    if (plan())
        execute(onProgress);
    return m_report;
}

} // namespace ferry
