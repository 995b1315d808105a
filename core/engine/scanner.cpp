#include "scanner.h"

#include "common/relpath.h"
#include "common/hash.h"

namespace ferry {

ScanResult scanSide(Backend& backend, const Filter& filter, const CancelToken& cancel, size_t expectedEntries)
{
    ScanResult out;
    if (expectedEntries)
        out.snapshot.entries.reserve(expectedEntries + expectedEntries / 16 + 64);
    const Capabilities caps = backend.capabilities();
    out.snapshot.caseInsensitive = caps.caseInsensitive;
    out.snapshot.timePrecisionNs = caps.timePrecisionNs;

    std::vector<std::string> pending{std::string{}};
    while (!pending.empty()) {
        if (cancel.isCancelled()) {
            out.cancelled = true;
            break;
        }
        std::string dir = std::move(pending.back());
        pending.pop_back();
        auto listed = backend.list(dir);
        if (!listed) {
            if (dir.empty()) {
                out.problems.push_back(listed.error());
                out.blocked.push_back(dir);
                break;
            }
            out.problems.push_back(listed.error());
            out.blocked.push_back(dir);
            continue;
        }
        for (ListedItem& item : *listed) {
            Entry& e = item.entry;
            std::string_view name = relpath::name(e.path);
            if (relpath::isFerryTemp(name)) {
                if (e.kind == EntryKind::File || e.kind == EntryKind::Symlink)
                    out.staleTemps.push_back(e.path);
                continue;
            }
            if (filter.excludesItem(e.path, e.isDir()))
                continue;
            if (e.kind == EntryKind::Special) {
                out.problems.push_back(Error::skipItem(
                    "skip", e.path, "special file (FIFO, socket or device) cannot be synced",
                    "Exclude it (--exclude) or move it out of the synced folder"));
                out.blocked.push_back(e.path);
                continue;
            }
            if (e.kind == EntryKind::Symlink) {
                e.hash = hashBytes(item.linkTarget);
                e.hasHash = true;
                out.snapshot.linkTargets.emplace(e.path, std::move(item.linkTarget));
            }
            if (e.isDir())
                pending.push_back(e.path);
            out.snapshot.entries.add(e);
        }
    }
    out.snapshot.sortByPath();
    return out;
}

} // namespace ferry
