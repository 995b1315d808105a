// Snapshot: the entries of one side of a sync, and BaseState: what both
// sides looked like when they were last in sync.
//
// Built for a million entries. The details of an item (EntryInfo, 56 bytes)
// sit in one array and every path in one shared character buffer, so an
// item costs ~64 bytes plus its path's length: no string object and no heap
// block per path. Items are kept in path order (pathLess) for binary
// searches. Symlink targets live in a side table, since few items are links.
// Entry (EntryInfo + a std::string path) is the standalone value used
// outside these containers: in listings, plan actions and tests.
// Value types; safe to copy and move across threads.
#pragma once

#include "common/hash.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferry {

// Path order with '/' sorting before every other byte, so that a folder's
// subtree directly follows the folder.
bool pathLess(std::string_view a, std::string_view b);

enum class EntryKind : uint8_t { File, Directory, Symlink, Special };

const char* kindName(EntryKind k);

struct EntryInfo {
    int64_t size = 0;       // bytes; for symlinks the target's length
    int64_t mtimeNs = 0;    // nanoseconds since the epoch
    uint64_t fileId = 0;    // inode or equivalent; 0 when unknown
    ContentHash hash;       // valid when hasHash
    uint32_t mode = 0;      // permission bits
    EntryKind kind = EntryKind::File;
    bool hasHash = false;

    bool isDir() const { return kind == EntryKind::Directory; }
    bool operator==(const EntryInfo&) const = default;
};

struct Entry : EntryInfo {
    std::string path;       // relative, '/'-separated
    // Change time (ctime) in nanoseconds, 0 when unknown. It moves on every
    // write and every time set, so it tells a file rewritten in place with
    // its mtime put back. Only for the checks around one copy: it is not
    // part of EntryInfo, which is stored for every item of a snapshot.
    int64_t changeNs = 0;
    bool operator==(const Entry&) const = default;
};

// Items with their paths in one buffer. `Info` is EntryInfo or BaseInfo.
template <typename Info, typename Value>
class PathTable {
public:
    struct Item : Info {
        uint32_t pathOffset = 0;  // into the shared buffer; valid up to 4 GiB of path text
        uint32_t pathLength = 0;
    };

    void reserve(size_t items, size_t pathBytes = 0)
    {
        m_items.reserve(items);
        m_paths.reserve(pathBytes ? pathBytes : items * 24);
    }
    void add(std::string_view path, const Info& info)
    {
        Item it;
        static_cast<Info&>(it) = info;
        it.pathOffset = uint32_t(m_paths.size());
        it.pathLength = uint32_t(path.size());
        m_paths.append(path);
        m_items.push_back(it);
    }
    void add(const Value& v) { add(v.path, static_cast<const Info&>(v)); }
    size_t size() const { return m_items.size(); }
    size_t pathBytes() const { return m_paths.size(); }
    bool empty() const { return m_items.empty(); }
    const Item& operator[](size_t i) const { return m_items[i]; }
    Item& operator[](size_t i) { return m_items[i]; }
    const std::vector<Item>& items() const { return m_items; }
    auto begin() const { return m_items.begin(); }
    auto end() const { return m_items.end(); }
    std::string_view pathOf(const Item& it) const { return {m_paths.data() + it.pathOffset, it.pathLength}; }
    std::string_view pathAt(size_t i) const { return pathOf(m_items[i]); }
    // A standalone copy of item i, path included.
    Value value(size_t i) const
    {
        Value v;
        static_cast<Info&>(v) = m_items[i];
        v.path = std::string(pathAt(i));
        return v;
    }
    void sortByPath();
    bool isSortedByPath() const;
    const Item* find(std::string_view path) const;
    Item* find(std::string_view path);
    bool operator==(const PathTable& o) const
    {
        if (size() != o.size())
            return false;
        for (size_t i = 0; i < size(); ++i)
            if (!(static_cast<const Info&>(m_items[i]) == static_cast<const Info&>(o.m_items[i])) ||
                pathAt(i) != o.pathAt(i))
                return false;
        return true;
    }

private:
    std::vector<Item> m_items;
    std::string m_paths;
};

struct Snapshot {
    using Table = PathTable<EntryInfo, Entry>;
    using Item = Table::Item;
    Table entries;                                              // sorted by path
    std::unordered_map<std::string, std::string> linkTargets;   // path -> target
    bool caseInsensitive = false;   // the side's file system folds case
    bool normalizationInsensitive = false; // the side's file system folds Unicode forms (NFC/NFD)
    int64_t timePrecisionNs = 1;    // the side's mtime granularity
    void sortByPath() { entries.sortByPath(); }
    const Item* find(std::string_view path) const { return entries.find(path); }
    Item* find(std::string_view path) { return entries.find(path); }
    bool operator==(const Snapshot&) const = default;
};

struct BaseInfo {
    int64_t size = 0;
    int64_t leftMtimeNs = 0;
    int64_t rightMtimeNs = 0;
    uint64_t leftId = 0;
    uint64_t rightId = 0;
    ContentHash hash;
    EntryKind kind = EntryKind::File;
    bool hasHash = false;
    bool operator==(const BaseInfo&) const = default;
};

struct BaseEntry : BaseInfo {
    std::string path;
    bool operator==(const BaseEntry&) const = default;
};

struct BaseState {
    using Table = PathTable<BaseInfo, BaseEntry>;
    using Item = Table::Item;
    Table entries; // sorted by path
    void sortByPath() { entries.sortByPath(); }
    const Item* find(std::string_view path) const { return entries.find(path); }
    bool empty() const { return entries.empty(); }
};

} // namespace ferry
