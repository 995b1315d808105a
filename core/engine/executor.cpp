#include "executor.h"

#include "backend/localbackend.h"
#include "common/hash.h"
#include "common/phaseclock.h"
#include "common/relpath.h"
#include "common/tempname.h"
#include "engine/sidewatch.h"
#include "store/statestore.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <variant>

namespace ferry {

int ExecutionResult::failures() const
{
    int n = 0;
    for (const ItemResult& r : items)
        n += r.state == ItemResult::State::Failed;
    return n;
}

namespace {

using Clock = std::chrono::steady_clock;

struct BaseUpsert { BaseEntry entry; std::string supersedes; };
struct BaseRemove { std::string path; };
struct BaseRename { std::string from, to; };
using BaseUpdate = std::variant<BaseUpsert, BaseRemove, BaseRename>;

bool sameAsScanned(const EntryInfo* now, const EntryInfo* scanned)
{
    if (!scanned)
        return !now;
    if (!now || now->kind != scanned->kind)
        return false;
    if (now->kind == EntryKind::Directory)
        return true;
    if (now->size != scanned->size || now->mtimeNs != scanned->mtimeNs)
        return false;
    return !(now->fileId && scanned->fileId && now->fileId != scanned->fileId);
}

bool sameAsScanned(const std::optional<Entry>& now, const InfoRef& scanned)
{
    return sameAsScanned(now ? &*now : nullptr, scanned.get());
}

bool sameAsScanned(const std::optional<Entry>& now, const EntryInfo& scanned)
{
    return sameAsScanned(now ? &*now : nullptr, &scanned);
}

void hashZeros(StreamHasher& hasher, int64_t n)
{
    static const std::vector<char> zeros(1 << 16, '\0');
    for (; n > 0; n -= int64_t(zeros.size()))
        hasher.update(zeros.data(), size_t(std::min<int64_t>(n, int64_t(zeros.size()))));
}

Error changedWhileCopied(const std::string& path, const char* sideLabel)
{
    return Error::skipItem("copy", path,
                           std::string("changed on the ") + sideLabel +
                               " while it was copied (it was written to in place), so the copy was not used",
                           "Run the sync again when the program using this file has finished with it");
}

Error changedSinceScan(const std::string& path, const char* sideLabel)
{
    return Error::skipItem("leave alone", path,
                           std::string("changed on the ") + sideLabel + " since the scan, so it was not touched",
                           "Run the sync again to pick up the change");
}

BaseEntry makeBase(const std::string& path, const EntryInfo& left, const EntryInfo& right, std::optional<ContentHash> hash)
{
    BaseEntry b;
    b.path = path;
    b.kind = left.kind;
    b.size = left.size;
    b.leftMtimeNs = left.mtimeNs;
    b.rightMtimeNs = right.mtimeNs;
    b.leftId = left.fileId;
    b.rightId = right.fileId;
    if (hash) {
        b.hash = *hash;
        b.hasHash = true;
    } else if (left.hasHash && right.hasHash && left.hash == right.hash) {
        b.hash = left.hash;
        b.hasHash = true;
    }
    return b;
}

} // namespace

struct Executor::Impl {
    Executor& ex;
    const Plan& plan;
    ExecutionResult result;
    std::atomic<int64_t> itemsDone{0};
    std::atomic<int64_t> bytesDone{0};      // progress: every byte streamed, failed copies included
    std::atomic<int64_t> bytesCommitted{0}; // the result: bytes of copies renamed into place
    std::atomic<bool> aborted{false};
    std::mutex mutex;                 // guards updates, currentPath
    std::vector<BaseUpdate> updates;
    std::string currentPath;
    // The pool's coordinator sleeps on wake until the workers are done or a
    // batch of base updates is waiting, so the state file is written while
    // the workers copy instead of all at once after the last of them.
    static constexpr size_t kWriteBatch = 256;
    std::mutex wakeMutex;
    std::condition_variable wake;

    Impl(Executor& e, const Plan& p) : ex(e), plan(p) { result.items.resize(p.actions.size()); }

    // A worker's sessions, leased from the sides' pools when an item first
    // needs them (a phase with no work, or work on one side only, connects
    // nothing on the other) and kept until the worker's phase ends.
    struct Sides {
        SessionPool* pools[2];
        SessionPool::Lease leases[2];
        static int index(Side s) { return s == Side::Left ? 0 : 1; }
        Backend& on(Side s) { return *leases[index(s)]; }
        // Whether the session held on `s` lost its connection (a timed-out call).
        bool lost(Side s) const { return leases[index(s)] && leases[index(s)]->connectionLost(); }
    };
    Sides newSides() { return Sides{{&ex.m_left, &ex.m_right}, {}}; }

    // A side that stopped answering ends the run (see SideWatch).
    SideWatch watch{ex.m_left.origin().location(), ex.m_right.origin().location()};

    // A session on `s` that has not lost its connection: a lost one (after a
    // timed-out call) is dropped and replaced; a replacement that cannot be
    // made, or too many failed logins in a row, and the side is gone.
    Result<void> ready(Sides& sides, Side s)
    {
        if (watch.gone(s))
            return *watch.goneError();
        SessionPool::Lease& lease = sides.leases[Sides::index(s)];
        const bool wasLost = sides.lost(s);
        if (wasLost)
            lease.reset();
        if (!lease) {
            auto made = sides.pools[Sides::index(s)]->lease();
            if (!made) {
                if (made.error().kind == Error::Kind::Retry && watch.noteConnectionFailure(s, made.error(), wasLost))
                    aborted = true;
                return made.error();
            }
            lease = std::move(*made);
        }
        return Ok{};
    }

    // The sessions `a` works on: copies and conflicts read one side and
    // write the other; the rest touch their target only; bookkeeping none.
    static std::vector<Side> sidesOf(const Action& a)
    {
        switch (a.op) {
        case Op::Copy: return {Side::Left, Side::Right};
        case Op::Conflict:
            if (a.resolution == Resolution::Pending || a.resolution == Resolution::Informational)
                return {};
            return {Side::Left, Side::Right};
        case Op::Delete:
        case Op::Rename:
        case Op::SetTime: return {a.target};
        case Op::RecordBase:
        case Op::ForgetBase: return {};
        }
        return {Side::Left, Side::Right};
    }

    void push(BaseUpdate u)
    {
        if (!ex.m_state)
            return;
        size_t waiting;
        {
            std::lock_guard lock(mutex);
            updates.push_back(std::move(u));
            waiting = updates.size();
        }
        if (waiting == kWriteBatch) {
            std::lock_guard lock(wakeMutex);
            wake.notify_one();
        }
    }

    size_t waitingUpdates()
    {
        std::lock_guard lock(mutex);
        return updates.size();
    }

    void setCurrent(const std::string& p)
    {
        std::lock_guard lock(mutex);
        currentPath = p;
    }

    // ---- primitive steps ------------------------------------------------------

    // Moves an existing file/symlink at `path` out of the way before it is
    // replaced or deleted: into versioning when on, else removes it.
    Result<void> retire(Backend& side, const std::string& path, EntryKind kind)
    {
        if (kind == EntryKind::Directory)
            return side.removeDir(path);
        if (ex.m_versioner.enabled())
            return ex.m_versioner.preserve(side, path);
        return side.removeFile(path);
    }

    // Copies the item at `srcPath` on `from` (scanned as `src`) to `dstPath`
    // on `to`, where `expected` was scanned (nullopt: nothing). Returns the
    // target's entry after the copy and the content hash when it was computed.
    Result<std::pair<Entry, std::optional<ContentHash>>> copyItem(Sides& s, Side from, const std::string& srcPath,
                                                                   const EntryInfo& src, const std::string& dstPath,
                                                                   const InfoRef& expected)
    {
        Backend& in = s.on(from);
        Backend& out = s.on(otherSide(from));
        if (src.kind == EntryKind::File)
            return copyFile(s, in, out, from, srcPath, src, dstPath, expected);
        const char* fromLabel = sideName(from);
        const char* toLabel = sideName(otherSide(from));
        auto srcNow = in.stat(srcPath);
        if (!srcNow)
            return srcNow.error();
        if (!sameAsScanned(*srcNow, src))
            return changedSinceScan(srcPath, fromLabel);
        auto dstNow = out.stat(dstPath);
        if (!dstNow)
            return dstNow.error();
        // A folder already where a folder is to be made is the wanted result,
        // whatever the scan saw: usually this run made it (a rename into a
        // new folder creates its parents first), and making it again would
        // change nothing.
        const bool folderThere = src.kind == EntryKind::Directory && *dstNow && (*dstNow)->isDir();
        if (!folderThere && !sameAsScanned(*dstNow, expected))
            return changedSinceScan(dstPath, toLabel);

        std::optional<ContentHash> hash;
        Result<Entry> made = Entry{};
        if (src.kind == EntryKind::Directory) {
            if (*dstNow && !(*dstNow)->isDir())
                if (auto r = retire(out, dstPath, (*dstNow)->kind); !r)
                    return r.error();
            made = out.makeDir(dstPath, src.mode);
        } else {
            auto target = in.readLink(srcPath);
            if (!target)
                return target.error();
            if (src.hasHash && hashBytes(*target) != src.hash)
                return changedSinceScan(srcPath, fromLabel);
            if (*dstNow && ((*dstNow)->isDir() || ex.m_versioner.enabled()))
                if (auto r = retire(out, dstPath, (*dstNow)->kind); !r)
                    return r.error();
            made = out.makeSymlink(dstPath, *target, src.mtimeNs);
            hash = src.hash;
        }
        // The backend returns the item as it is now: no second look needed.
        if (!made)
            return made.error();
        return std::make_pair(*made, hash);
    }

    // Streams the file into a temporary file beside the target, checks that
    // the source did not change while it was read and that the target is
    // still what the scan saw, then renames the copy into place.
    // `in` and `out` are `s`'s sessions on `from` and the other side.
    Result<std::pair<Entry, std::optional<ContentHash>>> copyFile(Sides& s, Backend& in, Backend& out, Side from,
                                                                   const std::string& srcPath, const EntryInfo& src,
                                                                   const std::string& dstPath,
                                                                   const InfoRef& expected)
    {
        auto reader = in.openRead(srcPath);
        if (!reader) {
            if (reader.error().osError == ENOENT || reader.error().osError == ELOOP)
                return changedSinceScan(srcPath, sideName(from));
            return reader.error();
        }
        // The change time moves with every write, even one whose program
        // puts the mtime back afterwards (disk images, VM tools): compared
        // at open and after the read, it tells a torn copy.
        const std::optional<Entry> srcAtOpen = (*reader)->statOpen();
        const uint32_t mode = src.mode ? src.mode : 0644;
        auto temp = out.createTemp(std::string(relpath::parent(dstPath)), mode);
        if (!temp) {
            Error e = temp.error(); // names the folder; the user needs the file
            e.path = dstPath;
            return e;
        }
        std::optional<ContentHash> hash;
        Result<void> copied = Ok{};
        if (src.size <= ex.m_options.hashLimitBytes) {
            // Read through our buffer, so the base learns the content hash for free.
            // Reading stops at the scanned size: a file that grew is caught below.
            StreamHasher hasher;
            // A sparse file keeps its holes; they are hashed as the zeros they read as.
            auto sparse = copySparse(**reader, **temp, src.size, dstPath, [&](const char* data, int64_t n) {
                if (data)
                    hasher.update(data, size_t(n));
                else
                    hashZeros(hasher, n);
                bytesDone += n;
                return !ex.m_cancel.isCancelled();
            });
            if (!sparse)
                copied = sparse.error();
            thread_local std::vector<char> buf;
            buf.resize(size_t(std::min<int64_t>(std::max<int64_t>(src.size, 4096), 1 << 20)));
            int64_t total = 0;
            while (sparse && !*sparse && total < src.size) {
                if (ex.m_cancel.isCancelled()) {
                    copied = Error::cancelled();
                    break;
                }
                auto n = (*reader)->read(buf.data(), buf.size());
                if (!n) {
                    Error e = n.error();
                    e.path = srcPath;
                    copied = e;
                    break;
                }
                if (*n == 0)
                    break;
                hasher.update(buf.data(), *n);
                if (auto w = (*temp)->write(buf.data(), *n); !w) {
                    Error e = w.error();
                    e.path = dstPath;
                    copied = e;
                    break;
                }
                total += int64_t(*n);
                bytesDone += int64_t(*n);
            }
            if (copied)
                hash = hasher.digest();
        } else {
            copied = copyStream(**reader, **temp, dstPath, [this](int64_t n) {
                bytesDone += n;
                return !ex.m_cancel.isCancelled();
            });
        }
        if (!copied)
            return copied.error();
        // The source must not have changed while we read it.
        std::optional<Entry> srcAfter = (*reader)->statOpen();
        if (!srcAfter) {
            auto st = in.stat(srcPath);
            if (!st)
                return st.error();
            srcAfter = *st;
        }
        if (!sameAsScanned(srcAfter, src))
            return changedSinceScan(srcPath, sideName(from));
        if (srcAtOpen && srcAfter && srcAtOpen->changeNs != srcAfter->changeNs)
            return changedWhileCopied(srcPath, sideName(from));
        // Re-check the target right before replacing it. A new file is
        // committed with a no-replace rename, which is the check itself.
        bool mayReplace = false;
        if (expected) {
            auto dstNow = out.stat(dstPath);
            if (!dstNow)
                return dstNow.error();
            if (!sameAsScanned(*dstNow, expected))
                return changedSinceScan(dstPath, sideName(otherSide(from)));
            if ((*dstNow)->isDir() || ex.m_versioner.enabled()) {
                if (auto r = retire(out, dstPath, (*dstNow)->kind); !r)
                    return r.error();
            } else {
                mayReplace = true;
            }
        }
        auto committed = mayReplace && !out.capabilities().atomicRename
                             ? replaceInSteps(s, otherSide(from), out, std::move(*temp), dstPath, src.mtimeNs, mode)
                             : out.commit(std::move(*temp), dstPath, src.mtimeNs, mode, mayReplace);
        if (!committed)
            return committed.error();
        bytesCommitted += src.size;
        return std::make_pair(*committed, hash);
    }

    // A side without atomic rename cannot put a file over another in one
    // step. The old file is renamed aside first (a name isOwn() never
    // accepts, so no clean-up removes it; it carries the file's name, so the
    // next scan can recover it), the new one is committed without
    // replacing, and only then is the old one removed. Whenever the run
    // dies, the old bytes exist at the path or under the aside name.
    // `out` is `s`'s session on `target`; it is not used after a failed
    // commit (its session may have been replaced by then).
    Result<Entry> replaceInSteps(Sides& s, Side target, Backend& out, std::unique_ptr<TempFile> temp,
                                 const std::string& dstPath, int64_t mtimeNs, uint32_t mode)
    {
        const std::string aside = relpath::join(
            relpath::parent(dstPath), tempname::makeAside(relpath::name(dstPath), size_t(out.capabilities().maxNameBytes)));
        if (auto r = out.rename(dstPath, aside); !r)
            return r.error(); // the temporary goes with `temp`
        auto committed = out.commit(std::move(temp), dstPath, mtimeNs, mode, false);
        if (!committed) {
            // A commit that timed out lost its session, on which every call
            // now fails at once: the old file goes back through a fresh one.
            Backend* side = &out;
            if (out.connectionLost() && ready(s, target).ok())
                side = &s.on(target);
            if (auto back = side->rename(aside, dstPath); !back) {
                Error e = committed.error();
                e.detail += "; the old file is kept as '" + aside + "' (putting it back failed: " +
                            back.error().message() + ")";
                e.nextStep = "Rename '" + aside + "' back to '" + std::string(relpath::name(dstPath)) +
                             "', then run the sync again";
                return e;
            }
            return committed.error();
        }
        if (auto r = out.removeFile(aside); !r) {
            Error e = r.error();
            e.detail += " (the old file, set aside while '" + dstPath + "' was replaced)";
            e.nextStep = "Delete '" + aside + "' by hand; the new file is in place";
            return e;
        }
        return committed;
    }

    // ---- actions ------------------------------------------------------------------

    Result<void> doCopy(Sides& s, const Action& a)
    {
        Side from = otherSide(a.target);
        const InfoRef& src = from == Side::Left ? a.left : a.right;
        const InfoRef& dst = a.target == Side::Left ? a.left : a.right;
        const std::string& srcPath = a.sourcePath().empty() ? a.path : a.sourcePath();
        auto r = copyItem(s, from, srcPath, *src, a.path, dst);
        if (!r)
            return r.error();
        const EntryInfo& l = a.target == Side::Left ? r->first : *src;
        const EntryInfo& rt = a.target == Side::Left ? *src : r->first;
        push(BaseUpsert{makeBase(a.path, l, rt, r->second), a.basePath()});
        return Ok{};
    }

    Result<void> doDelete(Sides& s, const Action& a)
    {
        Backend& side = s.on(a.target);
        const InfoRef& scanned = a.target == Side::Left ? a.left : a.right;
        auto now = side.stat(a.path);
        if (!now)
            return now.error();
        if (!sameAsScanned(*now, scanned))
            return changedSinceScan(a.path, sideName(a.target));
        if (*now) {
            if (auto r = retire(side, a.path, (*now)->kind); !r) {
                if ((*now)->isDir())
                    return Error::skipItem("delete folder", a.path,
                                           "it is not empty (it holds new or excluded items), so it was kept",
                                           "Look inside it; delete it by hand if it is not needed");
                return r;
            }
        }
        push(BaseRemove{a.basePath().empty() ? a.path : a.basePath()});
        return Ok{};
    }

    Result<void> doRename(Sides& s, const Action& a)
    {
        Backend& side = s.on(a.target);
        const InfoRef& scanned = a.target == Side::Left ? a.left : a.right;
        const InfoRef& moved = a.target == Side::Left ? a.right : a.left;
        auto now = side.stat(a.fromPath());
        if (!now)
            return now.error();
        if (!sameAsScanned(*now, scanned))
            return changedSinceScan(a.fromPath(), sideName(a.target));
        auto there = side.stat(a.path);
        if (!there)
            return there.error();
        // On a side that folds case or Unicode form, a rename of the case
        // or form only finds the item itself at its new name (told by its
        // file id where the side has one, else by the two names being one
        // name there).
        const Capabilities caps = side.capabilities();
        const bool folds = caps.caseInsensitive || caps.normalizationInsensitive;
        const bool itself = *there && scanned && (scanned->fileId ? (*there)->fileId == scanned->fileId
                                                        : folds && relpath::matchKey(a.path, caps.caseInsensitive) ==
                                                                       relpath::matchKey(a.fromPath(), caps.caseInsensitive));
        if (*there && !itself)
            return Error::skipItem("rename", a.fromPath(), "'" + a.path + "' already exists on the " +
                                                            sideName(a.target), "Run the sync again");
        if (auto parent = relpath::parent(a.path); !parent.empty())
            if (auto r = ensureDirs(side, std::string(parent)); !r)
                return r;
        auto after = side.rename(a.fromPath(), a.path);
        if (!after)
            return after.error();
        push(BaseRename{a.basePath().empty() ? a.fromPath() : a.basePath(), a.path});
        const EntryInfo& l = a.target == Side::Left ? *after : *moved;
        const EntryInfo& r = a.target == Side::Left ? *moved : *after;
        std::optional<ContentHash> keep;
        push(BaseUpsert{makeBase(a.path, l, r, keep), {}});
        return Ok{};
    }

    Result<void> ensureDirs(Backend& side, const std::string& dir)
    {
        auto st = side.stat(dir);
        if (!st)
            return st.error();
        if (*st)
            return Ok{};
        if (auto p = relpath::parent(dir); !p.empty())
            if (auto r = ensureDirs(side, std::string(p)); !r)
                return r;
        auto made = side.makeDir(dir, 0);
        return made ? Result<void>(Ok{}) : Result<void>(made.error());
    }

    Result<void> doSetTime(Sides& s, const Action& a)
    {
        Backend& side = s.on(a.target);
        const InfoRef& scanned = a.target == Side::Left ? a.left : a.right;
        const InfoRef& src = a.target == Side::Left ? a.right : a.left;
        auto now = side.stat(a.path);
        if (!now)
            return now.error();
        if (!sameAsScanned(*now, scanned))
            return changedSinceScan(a.path, sideName(a.target));
        auto after = side.setTimes(a.path, src->mtimeNs);
        if (!after)
            return after.error();
        const Entry& target = *after;
        std::optional<ContentHash> hash;
        if (src->hasHash)
            hash = src->hash;
        else if (scanned->hasHash)
            hash = scanned->hash;
        push(BaseUpsert{a.target == Side::Left ? makeBase(a.path, target, *src, hash) : makeBase(a.path, *src, target, hash),
                        a.basePath()});
        return Ok{};
    }

    // A conflict's path on one side: `path` is the right's, `sourcePath` the
    // left's when it is spelled differently there.
    static const std::string& conflictPath(const Action& a, Side side)
    {
        return side == Side::Left && !a.sourcePath().empty() ? a.sourcePath() : a.path;
    }

    Result<void> doConflict(Sides& s, const Action& a)
    {
        if (a.resolution == Resolution::Pending || a.resolution == Resolution::Informational)
            return Ok{};
        if (a.resolution == Resolution::KeepLeft || a.resolution == Resolution::KeepRight) {
            Side winner = a.resolution == Resolution::KeepLeft ? Side::Left : Side::Right;
            Action imposed = a;
            imposed.target = otherSide(winner);
            imposed.path = conflictPath(a, imposed.target);
            imposed.text().sourcePath = conflictPath(a, winner);
            const InfoRef& w = winner == Side::Left ? a.left : a.right;
            if (w)
                return doCopy(s, imposed);
            return doDelete(s, imposed);
        }
        // Keep both: the loser moves to its conflict name on its side, then
        // each side receives the version it lacks.
        Side loser = a.loser;
        Side winner = otherSide(loser);
        Backend& loserSide = s.on(loser);
        const std::string& loserPath = conflictPath(a, loser);
        const std::string& winnerPath = conflictPath(a, winner);
        const EntryInfo& lost = loser == Side::Left ? *a.left : *a.right;
        const EntryInfo& won = winner == Side::Left ? *a.left : *a.right;
        auto now = loserSide.stat(loserPath);
        if (!now)
            return now.error();
        if (!sameAsScanned(*now, lost))
            return changedSinceScan(loserPath, sideName(loser));
        auto clash = loserSide.stat(a.conflictName());
        if (!clash)
            return clash.error();
        if (*clash)
            return Error::skipItem("keep both", loserPath, "'" + a.conflictName() + "' already exists", "Run the sync again");
        auto movedNow = loserSide.rename(loserPath, a.conflictName());
        if (!movedNow)
            return movedNow.error();
        Entry movedEntry = *movedNow;
        auto c1 = copyItem(s, loser, a.conflictName(), movedEntry, a.conflictName(), std::nullopt);
        if (!c1)
            return c1.error();
        {
            const EntryInfo& l = loser == Side::Left ? movedEntry : c1->first;
            const EntryInfo& r = loser == Side::Left ? c1->first : movedEntry;
            push(BaseUpsert{makeBase(a.conflictName(), l, r, c1->second), {}});
        }
        auto c2 = copyItem(s, winner, winnerPath, won, loserPath, std::nullopt);
        if (!c2)
            return c2.error();
        const EntryInfo& l = winner == Side::Left ? won : c2->first;
        const EntryInfo& r = winner == Side::Left ? c2->first : won;
        push(BaseUpsert{makeBase(a.path, l, r, c2->second), a.basePath()});
        return Ok{};
    }

    Result<void> execute(Sides& s, const Action& a)
    {
        switch (a.op) {
        case Op::Copy: return doCopy(s, a);
        case Op::Delete: return doDelete(s, a);
        case Op::Rename: return doRename(s, a);
        case Op::SetTime: return doSetTime(s, a);
        case Op::Conflict: return doConflict(s, a);
        case Op::RecordBase:
            push(BaseUpsert{makeBase(a.path, *a.left, *a.right, std::nullopt), a.basePath()});
            return Ok{};
        case Op::ForgetBase:
            push(BaseRemove{a.basePath().empty() ? a.path : a.basePath()});
            return Ok{};
        }
        return Ok{};
    }

    void runOne(Sides& s, size_t i)
    {
        const Action& a = plan.actions[i];
        ItemResult& out = result.items[i];
        if (a.excluded) {
            out.state = ItemResult::State::Skipped;
            noteFinished(i);
            return;
        }
        if (ex.m_cancel.isCancelled() || aborted.load())
            return;
        if (!ex.m_cancel.waitWhilePaused())
            return;
        setCurrent(a.path);
        Result<void> r = Ok{};
        const std::vector<Side> sides = sidesOf(a);
        for (int attempt = 0; attempt < 3; ++attempt) {
            try {
                r = Ok{};
                for (Side side : sides)
                    if (r)
                        r = ready(s, side);
                if (r)
                    r = execute(s, a);
            } catch (const std::exception& e) {
                r = Error::skipItem(opName(a.op), a.path, std::string("internal error: ") + e.what(),
                                    "Please report this; run the sync again");
            }
            noteHealth(s, sides, r);
            if (r.ok() || r.error().kind != Error::Kind::Retry || aborted.load())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100 << attempt));
        }
        if (a.op != Op::RecordBase && a.op != Op::ForgetBase)
            wrote = true; // a failed action may have written part of its work too
        if (r.ok()) {
            out.state = ItemResult::State::Done;
        } else if (r.error().kind == Error::Kind::Cancelled) {
            out.state = ItemResult::State::NotRun;
        } else if (cutOffByGoneSide(sides, r.error())) {
            // Cut off by a side that stopped answering: not done, and the
            // run's one error (SideWatch) says why, not one per item.
            out.state = ItemResult::State::NotRun;
        } else {
            out.state = ItemResult::State::Failed;
            Error e = r.error();
            if (e.path.empty())
                e.path = a.path;
            if (e.kind == Error::Kind::AbortRun)
                aborted = true;
            std::lock_guard lock(mutex);
            result.itemErrors.push_back(std::move(e));
            out.error = uint32_t(result.itemErrors.size());
        }
        ++itemsDone;
        if (out.state != ItemResult::State::NotRun)
            noteFinished(i);
    }

    // What an attempt at an item tells about the connection of its sides: a
    // success clears their strikes, a session lost in the call is one.
    void noteHealth(Sides& s, const std::vector<Side>& sides, const Result<void>& r)
    {
        for (Side side : sides) {
            if (r.ok())
                watch.noteSuccess(side);
            else if (r.error().kind == Error::Kind::Retry && s.lost(side) &&
                     watch.noteConnectionFailure(side, r.error(), false))
                aborted = true;
        }
    }

    // A timeout, a lost session or the gone error itself on an item whose
    // side stopped answering.
    bool cutOffByGoneSide(const std::vector<Side>& sides, const Error& e) const
    {
        if (!std::any_of(sides.begin(), sides.end(), [this](Side side) { return watch.gone(side); }))
            return false;
        return e.kind == Error::Kind::Retry || e == *watch.goneError();
    }

    // After an AbortRun error, each item left not run says why of its own.
    void explainNotRun()
    {
        std::string cause;
        if (auto gone = watch.goneError())
            cause = gone->message();
        for (const Error& e : result.itemErrors)
            if (e.kind == Error::Kind::AbortRun && cause.empty())
                cause = e.message();
        for (size_t i = 0; i < result.items.size(); ++i) {
            ItemResult& out = result.items[i];
            if (out.state != ItemResult::State::NotRun || plan.actions[i].excluded || out.error)
                continue;
            result.itemErrors.push_back(Error::abortRun("not run", plan.actions[i].path,
                                                        "the run stopped after an earlier error: " + cause,
                                                        "Fix that error, then run again"));
            out.error = uint32_t(result.itemErrors.size());
        }
    }

    std::vector<size_t> finished; // guarded by mutex; drained by flush()

    void noteFinished(size_t i)
    {
        if (!ex.m_options.onItemsFinished)
            return;
        std::lock_guard lock(mutex);
        finished.push_back(i);
    }

    void reportFinished()
    {
        if (!ex.m_options.onItemsFinished)
            return;
        std::vector<FinishedItem> batch;
        {
            std::lock_guard lock(mutex);
            batch.reserve(finished.size());
            for (size_t i : finished) {
                const ItemResult& r = result.items[i];
                FinishedItem f;
                f.index = i;
                f.state = r.state;
                if (r.error)
                    f.error = result.itemErrors[r.error - 1].message();
                batch.push_back(std::move(f));
            }
            finished.clear();
        }
        if (!batch.empty())
            ex.m_options.onItemsFinished(batch);
    }

    // ---- scheduling -----------------------------------------------------------------

    // Set by every action that changed a side; cleared by flushSides().
    std::atomic<bool> wrote{false};

    // `always`: also when this run wrote nothing (what the state is about
    // to record may be a user's own copy, made a moment ago).
    Result<void> flushSides(bool always = false)
    {
        if (!wrote.exchange(false) && !always)
            return Ok{};
        Result<void> outcome = Ok{};
        for (Side side : {Side::Left, Side::Right}) {
            // A side that stopped answering cannot confirm anything: what was
            // written to it stays unrecorded (the next run compares it afresh),
            // and no login is tried again.
            if (watch.gone(side)) {
                outcome = *watch.goneError();
                continue;
            }
            auto session = (side == Side::Left ? ex.m_left : ex.m_right).lease(); // one the workers left idle, or the pool's spare
            if (!session)
                return session.error();
            if (auto r = (*session)->flushWrites(); !r)
                return r;
        }
        return outcome;
    }

    // An error of flushSides() to report: not the gone side's, reported once.
    void noteFlushError(const Error& e)
    {
        if (!watch.anyGone() || !(e == *watch.goneError()))
            result.otherErrors.push_back(e);
    }

    void flush()
    {
        reportFinished();
        std::vector<BaseUpdate> batch;
        {
            std::lock_guard lock(mutex);
            batch.swap(updates);
        }
        if (batch.empty() || !ex.m_state)
            return;
        // What the state records as synced must be on the disk first: a
        // power cut must never leave a short copy that the base calls in
        // sync (the next run would carry it back over the original). One
        // flush of each side per batch; the workers go on copying meanwhile.
        if (auto r = flushSides(true); !r) {
            noteFlushError(r.error());
            return; // not recorded: the next run compares these items afresh
        }
        StateStore& st = *ex.m_state;
        struct AddTime {
            Clock::duration& sum;
            Clock::time_point t0;
            ~AddTime() { sum += Clock::now() - t0; }
        } addTime{stateWriteTime, Clock::now()};
        auto fail = [this](const Error& e) { result.otherErrors.push_back(e); };
        if (auto r = st.begin(); !r) {
            fail(r.error());
            return;
        }
        for (BaseUpdate& u : batch) {
            Result<void> r = Ok{};
            if (auto* up = std::get_if<BaseUpsert>(&u)) {
                if (!up->supersedes.empty() && up->supersedes != up->entry.path)
                    r = st.remove(up->supersedes);
                if (r)
                    r = st.upsert(up->entry);
            } else if (auto* rm = std::get_if<BaseRemove>(&u)) {
                r = st.remove(rm->path);
            } else if (auto* rn = std::get_if<BaseRename>(&u)) {
                r = st.renamePrefix(rn->from, rn->to);
            }
            if (!r)
                fail(r.error());
        }
        if (auto r = st.commit(); !r)
            fail(r.error());
    }

    void report(const std::function<void(const Progress&)>& onProgress, Clock::time_point start, bool force)
    {
        auto now = Clock::now();
        if (!onProgress || (!force && now - last < std::chrono::milliseconds(250)))
            return;
        last = now;
        Progress p;
        p.itemsDone = itemsDone.load();
        p.itemsTotal = int64_t(plan.actions.size());
        p.bytesDone = bytesDone.load();
        p.bytesTotal = totalBytes;
        double secs = std::chrono::duration<double>(now - start).count();
        p.bytesPerSecond = secs > 0.2 ? double(p.bytesDone) / secs : 0;
        if (p.bytesPerSecond > 0 && p.bytesTotal > p.bytesDone)
            p.etaSeconds = int64_t(double(p.bytesTotal - p.bytesDone) / p.bytesPerSecond);
        else if (p.itemsDone > 0 && secs > 0.5)
            p.etaSeconds = int64_t(secs / double(p.itemsDone) * double(p.itemsTotal - p.itemsDone));
        p.paused = ex.m_cancel.isPaused();
        {
            std::lock_guard lock(mutex);
            p.currentPath = currentPath;
        }
        onProgress(p);
    }

    int64_t totalBytes = 0;
    Clock::time_point last{};
    Clock::duration stateWriteTime{}; // spent in flush() writing the base (FERRY_TIMING)

    // Runs `indices` in order on this thread.
    void sequential(const std::vector<size_t>& indices, const std::function<void(const Progress&)>& onProgress,
                    Clock::time_point start)
    {
        if (indices.empty())
            return;
        Sides s = newSides();
        for (size_t i : indices) {
            runOne(s, i);
            report(onProgress, start, false);
        }
        flush();
    }

    // Runs `indices` on the worker pool; this thread flushes and reports.
    void parallel(const std::vector<size_t>& indices, const std::function<void(const Progress&)>& onProgress,
                  Clock::time_point start)
    {
        if (indices.empty())
            return;
        const int threads = std::max(1, std::min<int>(ex.m_options.threads, int(indices.size())));
        if (threads == 1) {
            sequential(indices, onProgress, start);
            return;
        }
        std::atomic<size_t> next{0};
        std::atomic<int> running{threads};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&] {
                Sides s = newSides();
                for (size_t k; (k = next.fetch_add(1)) < indices.size();)
                    runOne(s, indices[k]);
                if (--running == 0) {
                    std::lock_guard lock(wakeMutex);
                    wake.notify_one();
                }
            });
        }
        for (;;) {
            {
                std::unique_lock lock(wakeMutex);
                wake.wait_for(lock, std::chrono::milliseconds(200),
                              [&] { return running.load() == 0 || waitingUpdates() >= kWriteBatch; });
            }
            flush();
            report(onProgress, start, false);
            if (running.load() == 0)
                break;
        }
        for (auto& t : pool)
            t.join();
        flush();
    }
};

Executor::Executor(SessionPool& left, SessionPool& right, StateStore* state, Versioner& versioner, ExecutorOptions options,
                   CancelToken cancel)
    : m_left(left), m_right(right), m_state(state), m_versioner(versioner), m_options(options), m_cancel(std::move(cancel))
{
}

ExecutionResult Executor::run(const Plan& plan, const std::function<void(const Progress&)>& onProgress)
{
    Impl impl(*this, plan);
    impl.totalBytes = plan.bytesToCopy();
    const auto start = Clock::now();

    std::vector<size_t> renames, fileDeletes, dirDeletes, structure, files, bookkeeping;
    for (size_t i = 0; i < plan.actions.size(); ++i) {
        const Action& a = plan.actions[i];
        switch (a.op) {
        case Op::Rename: renames.push_back(i); break;
        case Op::Delete: (a.kind == EntryKind::Directory ? dirDeletes : fileDeletes).push_back(i); break;
        case Op::Copy: (a.kind == EntryKind::Directory ? structure : files).push_back(i); break;
        case Op::Conflict: {
            bool folderInvolved = (a.left && a.left->isDir()) || (a.right && a.right->isDir());
            (folderInvolved ? structure : files).push_back(i);
            break;
        }
        case Op::SetTime: files.push_back(i); break;
        case Op::RecordBase:
        case Op::ForgetBase: bookkeeping.push_back(i); break;
        }
    }
    auto byDepth = [&](bool deepestFirst) {
        return [&, deepestFirst](size_t x, size_t y) {
            int dx = relpath::depth(plan.actions[x].path), dy = relpath::depth(plan.actions[y].path);
            if (dx != dy)
                return deepestFirst ? dx > dy : dx < dy;
            return x < y;
        };
    };
    std::sort(dirDeletes.begin(), dirDeletes.end(), byDepth(true));
    std::stable_sort(structure.begin(), structure.end(), byDepth(false));

    PhaseClock clock;
    impl.sequential(renames, onProgress, start);
    clock.lap(" renames");
    impl.parallel(fileDeletes, onProgress, start);
    clock.lap(" deletions");
    impl.sequential(dirDeletes, onProgress, start);
    clock.lap(" folders-del");
    impl.sequential(structure, onProgress, start);
    clock.lap(" folders");
    impl.parallel(files, onProgress, start);
    clock.lap(" files");
    impl.sequential(bookkeeping, onProgress, start);
    clock.lap(" bookkeeping");
    if (clock.on())
        std::fprintf(stderr, "timing:  (state writes %.3f s of the above)\n",
                     std::chrono::duration<double>(impl.stateWriteTime).count());
    // A run that says it is done has its copies on the disk, with or
    // without a state (a USB drive unplugged right after a mirror).
    if (auto r = impl.flushSides(); !r)
        impl.noteFlushError(r.error());
    clock.lap(" flush");
    impl.report(onProgress, start, true);

    impl.result.cancelled = m_cancel.isCancelled();
    impl.result.aborted = impl.aborted.load();
    if (auto gone = impl.watch.goneError())
        impl.result.otherErrors.push_back(*gone); // the run's one error for it
    if (impl.result.aborted)
        impl.explainNotRun();
    impl.result.bytesCopied = impl.bytesCommitted.load();
    return std::move(impl.result);
}

} // namespace ferry
