#include "scanner.h"

#include "common/relpath.h"
#include "common/hash.h"
#include "common/tempname.h"

#include <algorithm>
#include <new>

namespace ferry {

ScanResult scanSide(Backend& backend, const Filter& filter, const CancelToken& cancel, size_t expectedEntries,
                    size_t expectedPathBytes)
{
    ScanResult out;
    // The expected sizes come from the last run's base; a hint that cannot be
    // met (a damaged state file's count) only costs the reservation.
    if (expectedEntries && expectedPathBytes / expectedEntries <= 4096) {
        try {
            out.snapshot.entries.reserve(expectedEntries + expectedEntries / 16 + 64,
                                         expectedPathBytes ? expectedPathBytes + expectedPathBytes / 16 + 1024 : 0);
        } catch (const std::bad_alloc&) {
        }
    }
    const Capabilities caps = backend.capabilities();
    out.snapshot.caseInsensitive = caps.caseInsensitive;
    out.snapshot.normalizationInsensitive = caps.normalizationInsensitive;
    out.snapshot.timePrecisionNs = caps.timePrecisionNs;

    // The backend walks (Backend::walk: serially on list(), or with several
    // listings in flight on a remote side) and hands the items over in
    // pathLess order, so the snapshot comes out sorted and needs neither a
    // sort nor a second copy of its paths.
    struct Visitor final : WalkVisitor {
        ScanResult& out;
        std::vector<Entry> asides;
        const Filter& filter;
        const CancelToken& cancel;
        Visitor(ScanResult& o, const Filter& f, const CancelToken& c) : out(o), filter(f), cancel(c) {}
        bool enter(const Entry& folder) override { return !filter.excludesItem(folder.path, true); }
        bool visit(ListedItem& item) override
        {
            if (cancel.isCancelled()) {
                out.cancelled = true;
                return false;
            }
            Entry& e = item.entry;
            std::string_view name = relpath::name(e.path);
            // Only temporaries this installation provably made are Ferry's; a
            // user's file or folder that merely looks like one is synced.
            if ((e.kind == EntryKind::File || e.kind == EntryKind::Symlink) && tempname::isOwn(name)) {
                out.staleTemps.push_back(e.path);
                return true;
            }
            // Never a user file: recovered after the walk (asides.h).
            if (e.kind == EntryKind::File && tempname::isOwnAside(name)) {
                asides.push_back(std::move(e));
                return true;
            }
            // A folder was accepted by enter() already.
            if (!e.isDir() && filter.excludesItem(e.path, false))
                return true;
            if (e.kind == EntryKind::Special) {
                out.problems.push_back(Error::skipItem("skip", e.path,
                                                       "special file (FIFO, socket or device) cannot be synced",
                                                       "Exclude it (--exclude) or move it out of the synced folder"));
                out.blocked.push_back(e.path);
                return true;
            }
            if (e.kind == EntryKind::Symlink) {
                e.hash = hashBytes(item.linkTarget);
                e.hasHash = true;
                out.snapshot.linkTargets.emplace(e.path, std::move(item.linkTarget));
            }
            out.snapshot.entries.add(e);
            return true;
        }
        // Its subtree is unknown: nothing at or below it may be acted on
        // ("" is the root itself: the caller stops the run).
        void unreadable(const std::string& dir, const Error& error) override
        {
            out.problems.push_back(error);
            out.blocked.push_back(dir);
        }
        // A name no side can hold: reported, the rest of its folder is synced.
        void refused(const std::string&, const Error& error) override { out.problems.push_back(error); }
    } visitor(out, filter, cancel);
    if (auto walked = backend.walk(std::string{}, visitor); !walked) {
        if (walked.error().kind == Error::Kind::Cancelled)
            out.cancelled = true;
        else
            out.failed = walked.error();
    }
    out.snapshot.sortByPath(); // a no-op check unless a backend lists names it cannot order
    if (!visitor.asides.empty()) {
        auto excluded = [&](const std::string& path) { return filter.excludesItem(path, false); };
        out.asides = decideAsides(visitor.asides, out.snapshot, excluded, out.problems);
        out.snapshot.sortByPath();
    }
    return out;
}

} // namespace ferry
