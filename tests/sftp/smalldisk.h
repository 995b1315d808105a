// SmallDisk: a small file system mounted on a folder of the test's own (the
// server's root for a "disk full" test), unmounted again by the destructor.
// Tries, in order: a tmpfs of that size (needs CAP_SYS_ADMIN, as root in
// this container), then an ext4 image through a loop device (mkfs.ext4 and
// mount -o loop). When neither works, mounted() is false and why() says
// what was tried: the test then skips with a WARN, never passes silently.
//
// Thread-safety: none needed (set up and torn down by one test).
#pragma once

#include <cstdint>
#include <string>

namespace ferry::test {

class SmallDisk {
public:
    // `folder` must exist and be empty; it is refused unless it lies under
    // the system's temporary folder (a test never mounts over anything else).
    SmallDisk(const std::string& folder, uint64_t bytes);
    ~SmallDisk();
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    bool mounted() const { return m_mounted; }
    const std::string& why() const { return m_why; }
    const std::string& kind() const { return m_kind; } // "tmpfs" or "ext4 on a loop device"
    // Bytes still free there (statvfs), for a test to size its file.
    uint64_t freeBytes() const;

private:
    std::string m_folder;
    std::string m_image;
    std::string m_why;
    std::string m_kind;
    bool m_mounted = false;
};

} // namespace ferry::test
