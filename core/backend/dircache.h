// DirCache: open descriptors of the folders inside a local root, for
// LocalBackend. Every folder is reached one component at a time from the
// root's descriptor with O_NOFOLLOW|O_DIRECTORY, so a folder that was
// replaced by a symlink (or a file) is never entered: everything Ferry
// creates, renames or deletes is named relative to a descriptor of a real
// folder inside the root, never by an absolute path the kernel resolves
// again later.
//
// The descriptors of recently used folders stay open (least recently used
// ones are closed past `capacity`), so a run does not walk every component
// of every file's path. A cached descriptor keeps naming the folder it was
// opened on even if that folder is moved: callers forget() the folders they
// rename or remove themselves, and LocalBackend::commit re-checks that the
// folder it writes into is still linked at its name.
//
// Thread-safety: none. One DirCache per LocalBackend object, which is used
// by one thread at a time. A DirRef may outlive its cache entry (a temporary
// file keeps the folder it was created in).
// Failures: a missing component is an error with osError ENOENT; a component
// that is a symlink or not a folder is a SkipItem error naming it.
#pragma once

#include "common/error.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ferry {

// One open folder: its descriptor (closed with the last reference) and
// identity at the time it was opened.
struct DirHandle {
    int fd = -1;
    uint64_t device = 0;
    uint64_t fileId = 0;
    DirHandle() = default;
    DirHandle(const DirHandle&) = delete;
    DirHandle& operator=(const DirHandle&) = delete;
    ~DirHandle();
};
using DirRef = std::shared_ptr<const DirHandle>;

class DirCache {
public:
    explicit DirCache(std::string root, size_t capacity = 32);

    // The folder `dir` ("" is the root itself, which may be reached through a
    // symlink: the job points at it).
    Result<DirRef> open(std::string_view dir);
    // Drops `dir` and every cached folder below it.
    void forget(std::string_view dir);

private:
    Result<DirRef> openRoot();
    Result<DirRef> openChild(const DirHandle& parent, std::string_view dir);
    void remember(const std::string& dir, DirRef ref);

    struct Slot {
        std::string dir;
        DirRef ref;
    };
    std::string m_root;
    size_t m_capacity;
    DirRef m_rootRef;
    std::list<Slot> m_lru; // most recently used first
    std::unordered_map<std::string, std::list<Slot>::iterator> m_index;
};

} // namespace ferry
