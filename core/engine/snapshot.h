// Snapshot: the entries of one side of a sync, and BaseState: what both
// sides looked like when they were last in sync.
//
// Built for a million entries: an Entry is ~80 bytes plus its path. Entries
// are kept sorted by path (byte order) so lookups are binary searches.
// Symlink targets live in a side table, since few entries are links.
// Value types; safe to copy and move across threads.
#pragma once

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

struct ContentHash {
    uint64_t lo = 0;
    uint64_t hi = 0;
    bool operator==(const ContentHash&) const = default;
    std::string hex() const;
    static std::optional<ContentHash> fromHex(const std::string& s);
};

struct Entry {
    std::string path;       // relative, '/'-separated
    int64_t size = 0;       // bytes; for symlinks the target's length
    int64_t mtimeNs = 0;    // nanoseconds since the epoch
    uint64_t fileId = 0;    // inode or equivalent; 0 when unknown
    ContentHash hash;       // valid when hasHash
    uint32_t mode = 0;      // permission bits
    EntryKind kind = EntryKind::File;
    bool hasHash = false;

    bool isDir() const { return kind == EntryKind::Directory; }
    bool operator==(const Entry&) const = default;
};

struct Snapshot {
    std::vector<Entry> entries;                                 // sorted by path
    std::unordered_map<std::string, std::string> linkTargets;   // path -> target
    bool caseInsensitive = false;   // the side's file system folds case
    int64_t timePrecisionNs = 1;    // the side's mtime granularity
    void sortByPath();
    const Entry* find(const std::string& path) const;
    Entry* find(const std::string& path);
    bool operator==(const Snapshot&) const = default;
};

struct BaseEntry {
    std::string path;
    int64_t size = 0;
    int64_t leftMtimeNs = 0;
    int64_t rightMtimeNs = 0;
    uint64_t leftId = 0;
    uint64_t rightId = 0;
    ContentHash hash;
    EntryKind kind = EntryKind::File;
    bool hasHash = false;
    bool operator==(const BaseEntry&) const = default;
};

struct BaseState {
    std::vector<BaseEntry> entries; // sorted by path
    void sortByPath();
    const BaseEntry* find(const std::string& path) const;
    bool empty() const { return entries.empty(); }
};

} // namespace ferry
