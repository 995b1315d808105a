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

    // Depth first, each folder's items in byte order of their names: that is
    // exactly pathLess order ('/' sorts first, so a folder's subtree comes
    // right after it), so the snapshot comes out sorted and needs neither a
    // sort nor a second copy of its paths.
    // Siblings share their folder's path, so they are ordered by name alone,
    // bytewise (a name holds no '/'), through an index: the items themselves
    // are not moved.
    struct Frame {
        std::vector<ListedItem> items;
        std::vector<uint32_t> order;
        size_t next = 0;
    };
    std::vector<Frame> stack;
    std::vector<std::string_view> names;
    auto open = [&](const std::string& dir) {
        auto listed = backend.list(dir);
        if (!listed) {
            out.problems.push_back(listed.error());
            out.blocked.push_back(dir);
            return false;
        }
        names.clear();
        std::vector<uint32_t> order(listed->size());
        for (uint32_t i = 0; i < order.size(); ++i) {
            order[i] = i;
            names.push_back(relpath::name((*listed)[i].entry.path));
        }
        std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
        stack.push_back(Frame{std::move(*listed), std::move(order), 0});
        return true;
    };
    if (!open(std::string{}))
        return out; // the root itself is blocked
    while (!stack.empty()) {
        if (cancel.isCancelled()) {
            out.cancelled = true;
            break;
        }
        Frame& frame = stack.back();
        if (frame.next == frame.items.size()) {
            stack.pop_back();
            continue;
        }
        ListedItem& item = frame.items[frame.order[frame.next++]];
        Entry& e = item.entry;
        std::string_view name = relpath::name(e.path);
        // Only temporaries this installation provably made are Ferry's; a
        // user's file or folder that merely looks like one is synced.
        if ((e.kind == EntryKind::File || e.kind == EntryKind::Symlink) && tempname::isOwn(name)) {
            out.staleTemps.push_back(e.path);
            continue;
        }
        if (filter.excludesItem(e.path, e.isDir()))
            continue;
        if (e.kind == EntryKind::Special) {
            out.problems.push_back(Error::skipItem("skip", e.path, "special file (FIFO, socket or device) cannot be synced",
                                                   "Exclude it (--exclude) or move it out of the synced folder"));
            out.blocked.push_back(e.path);
            continue;
        }
        if (e.kind == EntryKind::Symlink) {
            e.hash = hashBytes(item.linkTarget);
            e.hasHash = true;
            out.snapshot.linkTargets.emplace(e.path, std::move(item.linkTarget));
        }
        out.snapshot.entries.add(e);
        if (e.isDir())
            open(e.path); // `frame` and `item` are not used after this
    }
    out.snapshot.sortByPath(); // a no-op check unless a backend lists names it cannot order
    return out;
}

} // namespace ferry
