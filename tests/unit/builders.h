// Small builders for entries, snapshots and bases in unit tests.
#pragma once

#include "common/hash.h"
#include "engine/plan.h"
#include "model/settings.h"
#include "model/snapshot.h"

#include <string>
#include <vector>

namespace ferry::test {

constexpr int64_t kSec = 1000000000;
constexpr int64_t kT0 = int64_t(1764000000) * kSec; // a fixed "last sync" time

inline Entry file(const std::string& path, int64_t size, int64_t mtimeSec, uint64_t id = 0)
{
    Entry e;
    e.path = path;
    e.size = size;
    e.mtimeNs = kT0 + mtimeSec * kSec;
    e.fileId = id;
    e.mode = 0644;
    return e;
}

inline Entry withHash(Entry e, const std::string& content)
{
    e.hash = hashBytes(content);
    e.hasHash = true;
    return e;
}

inline Entry dir(const std::string& path, uint64_t id = 0)
{
    Entry e;
    e.path = path;
    e.kind = EntryKind::Directory;
    e.fileId = id;
    e.mode = 0755;
    return e;
}

inline BaseEntry base(const std::string& path, int64_t size, int64_t mtimeSec, uint64_t lid = 0, uint64_t rid = 0)
{
    BaseEntry b;
    b.path = path;
    b.size = size;
    b.leftMtimeNs = kT0 + mtimeSec * kSec;
    b.rightMtimeNs = kT0 + mtimeSec * kSec;
    b.leftId = lid;
    b.rightId = rid;
    return b;
}

inline BaseEntry baseWithHash(BaseEntry b, const std::string& content)
{
    b.hash = hashBytes(content);
    b.hasHash = true;
    return b;
}

inline BaseEntry baseDir(const std::string& path, uint64_t lid = 0, uint64_t rid = 0)
{
    BaseEntry b;
    b.path = path;
    b.kind = EntryKind::Directory;
    b.leftId = lid;
    b.rightId = rid;
    return b;
}

// A Snapshot or BaseState holding `items`, in path order.
// Versions in a folder: the settings a job with a versions folder runs with.
inline VersioningSettings folderVersioning(const std::string& folder, int keepCount = 0, int maxAgeDays = 0,
                                           const std::string& owner = {})
{
    VersioningSettings v;
    v.mode = VersioningSettings::Mode::Folder;
    v.folder = folder;
    v.keepCount = keepCount;
    v.maxAgeDays = maxAgeDays;
    v.owner = owner;
    return v;
}

inline VersioningSettings trashVersioning()
{
    VersioningSettings v;
    v.mode = VersioningSettings::Mode::Trash;
    return v;
}

template <typename Table, typename Value>
Table tableOf(const std::vector<Value>& items)
{
    Table t;
    for (const Value& v : items)
        t.entries.add(v);
    t.sortByPath();
    return t;
}

inline Snapshot snap(const std::vector<Entry>& entries) { return tableOf<Snapshot>(entries); }
inline BaseState baseState(const std::vector<BaseEntry>& entries) { return tableOf<BaseState>(entries); }

} // namespace ferry::test
