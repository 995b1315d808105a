#include "dircache.h"

#include "common/relpath.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ferry {

namespace {

// A descriptor that only names the folder (Linux O_PATH) is enough for the
// *at() calls and needs no read permission on the folder itself.
#ifdef O_PATH
constexpr int kDirFlags = O_PATH | O_DIRECTORY | O_CLOEXEC;
#else
constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
#endif

Result<DirRef> adopt(int fd, const std::string& where)
{
    auto h = std::make_shared<DirHandle>();
    h->fd = fd;
    struct stat st;
    if (::fstat(fd, &st) != 0)
        return errnoError("open folder", where, errno);
    h->device = uint64_t(st.st_dev);
    h->fileId = uint64_t(st.st_ino);
    return DirRef(std::move(h));
}

} // namespace

DirHandle::~DirHandle()
{
    if (fd >= 0)
        ::close(fd);
}

DirCache::DirCache(std::string root, size_t capacity) : m_root(std::move(root)), m_capacity(capacity < 2 ? 2 : capacity) {}

Result<DirRef> DirCache::openRoot()
{
    if (m_rootRef)
        return m_rootRef;
    int fd = ::open(m_root.c_str(), kDirFlags);
    if (fd < 0)
        return errnoError("open folder", m_root, errno);
    auto ref = adopt(fd, m_root);
    if (ref)
        m_rootRef = *ref;
    return ref;
}

Result<DirRef> DirCache::openChild(const DirHandle& parent, std::string_view dir)
{
    const std::string name(relpath::name(dir));
    int fd = ::openat(parent.fd, name.c_str(), kDirFlags | O_NOFOLLOW);
    if (fd >= 0)
        return adopt(fd, std::string(dir));
    const int err = errno;
    if (err != ENOTDIR && err != ELOOP)
        return errnoError("open folder", std::string(dir), err);
    // Something else than a folder is there: say what.
    struct stat st;
    if (::fstatat(parent.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errnoError("open folder", std::string(dir), errno);
    return Error::skipItem("check folder", std::string(dir),
                           S_ISLNK(st.st_mode) ? "this folder was replaced by a symlink; Ferry never reads or "
                                                 "writes through one"
                                               : "this is no longer a folder",
                           "Look at what replaced the folder, then run the sync again");
}

Result<DirRef> DirCache::open(std::string_view dir)
{
    if (dir.empty())
        return openRoot();
    // The nearest cached folder on the way, then one component at a time.
    std::vector<std::string_view> missing;
    DirRef start;
    for (std::string_view d = dir; !d.empty(); d = relpath::parent(d)) {
        auto it = m_index.find(std::string(d));
        if (it != m_index.end()) {
            m_lru.splice(m_lru.begin(), m_lru, it->second);
            start = it->second->ref;
            break;
        }
        missing.push_back(d);
    }
    if (!start) {
        auto root = openRoot();
        if (!root)
            return root;
        start = *root;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        auto child = openChild(*start, *it);
        if (!child)
            return child;
        start = *child;
        remember(std::string(*it), start);
    }
    return start;
}

void DirCache::remember(const std::string& dir, DirRef ref)
{
    m_lru.push_front(Slot{dir, std::move(ref)});
    m_index[dir] = m_lru.begin();
    while (m_lru.size() > m_capacity) {
        m_index.erase(m_lru.back().dir);
        m_lru.pop_back();
    }
}

void DirCache::forget(std::string_view dir)
{
    if (dir.empty()) {
        m_lru.clear();
        m_index.clear();
        return;
    }
    for (auto it = m_lru.begin(); it != m_lru.end();) {
        if (relpath::isInside(it->dir, dir)) {
            m_index.erase(it->dir);
            it = m_lru.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace ferry
