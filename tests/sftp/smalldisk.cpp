#include "sftp/smalldisk.h"

#include <sys/mount.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ferry::test {

namespace {

std::string shellQuoted(const std::string& s)
{
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

SmallDisk::SmallDisk(const std::string& folder, uint64_t bytes) : m_folder(folder)
{
    namespace fs = std::filesystem;
    const std::string tmp = fs::temp_directory_path().string();
    const std::string canon = fs::weakly_canonical(folder).string();
    if (canon.rfind(tmp + "/", 0) != 0 || !fs::is_directory(canon) || !fs::is_empty(canon))
        throw std::runtime_error("SmallDisk: refusing to mount on " + folder + " (not an empty folder under " + tmp + ")");

    const std::string size = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", canon.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, size.c_str()) == 0) {
        m_mounted = true;
        m_kind = "tmpfs";
        return;
    }
    m_why = std::string("tmpfs: ") + std::strerror(errno);

    // An ext4 image on a loop device; ext4 keeps a few blocks for itself, so
    // the image is a little larger than asked, and no blocks are reserved for root.
    m_image = canon + ".img";
    const uint64_t kib = bytes / 1024 + 1024;
    const std::string make = "truncate -s " + std::to_string(kib) + "K " + shellQuoted(m_image)
        + " && mkfs.ext4 -q -F -m 0 " + shellQuoted(m_image) + " >/dev/null 2>&1"
        + " && mount -o loop " + shellQuoted(m_image) + " " + shellQuoted(canon) + " 2>/dev/null";
    if (std::system(make.c_str()) == 0) {
        m_mounted = true;
        m_kind = "ext4 on a loop device";
        return;
    }
    std::error_code ec;
    fs::remove(m_image, ec);
    m_image.clear();
    m_why += "; ext4 image on a loop device: mkfs.ext4 or mount -o loop failed";
}

SmallDisk::~SmallDisk()
{
    if (m_mounted && ::umount2(m_folder.c_str(), MNT_DETACH) != 0)
        std::system(("umount -l " + shellQuoted(m_folder) + " 2>/dev/null").c_str());
    if (!m_image.empty()) {
        std::error_code ec;
        std::filesystem::remove(m_image, ec);
    }
}

uint64_t SmallDisk::freeBytes() const
{
    struct statvfs s{};
    if (statvfs(m_folder.c_str(), &s) != 0)
        return 0;
    return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

} // namespace ferry::test
