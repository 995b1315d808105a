#include "localbackend.h"

#include "common/relpath.h"
#include "common/tempname.h"
#include "common/timens.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <vector>

#ifdef __linux__
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#endif

namespace ferry {

namespace {

int64_t mtimeOf(const struct stat& st)
{
#ifdef __APPLE__
    return timespecToNs(st.st_mtimespec.tv_sec, st.st_mtimespec.tv_nsec);
#else
    return timespecToNs(st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
#endif
}

int64_t ctimeOf(const struct stat& st)
{
#ifdef __APPLE__
    return timespecToNs(st.st_ctimespec.tv_sec, st.st_ctimespec.tv_nsec);
#else
    return timespecToNs(st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
#endif
}

Entry entryFromStat(std::string path, const struct stat& st)
{
    Entry e;
    e.path = std::move(path);
    e.mtimeNs = mtimeOf(st);
    e.changeNs = ctimeOf(st);
    e.fileId = uint64_t(st.st_ino);
    e.mode = uint32_t(st.st_mode & 07777);
    if (S_ISREG(st.st_mode)) {
        e.kind = EntryKind::File;
        e.size = st.st_size;
    } else if (S_ISDIR(st.st_mode)) {
        e.kind = EntryKind::Directory;
    } else if (S_ISLNK(st.st_mode)) {
        e.kind = EntryKind::Symlink;
        e.size = st.st_size;
    } else {
        e.kind = EntryKind::Special;
    }
    return e;
}

struct timespec toTimespec(int64_t ns)
{
    struct timespec ts;
    ts.tv_sec = time_t(ns / 1000000000);
    ts.tv_nsec = long(ns % 1000000000);
    if (ts.tv_nsec < 0) {
        ts.tv_nsec += 1000000000;
        ts.tv_sec -= 1;
    }
    return ts;
}

class LocalReadStream final : public ReadStream {
public:
    explicit LocalReadStream(int fd) : m_fd(fd) {}
    ~LocalReadStream() override { ::close(m_fd); }
    Result<size_t> read(char* buf, size_t len) override
    {
        for (;;) {
            ssize_t n = ::read(m_fd, buf, len);
            if (n >= 0)
                return size_t(n);
            if (errno != EINTR)
                return errnoError("read", {}, errno);
        }
    }
    int nativeFd() const override { return m_fd; }
    std::optional<Entry> statOpen() const override
    {
        struct stat st;
        if (::fstat(m_fd, &st) != 0)
            return std::nullopt;
        return entryFromStat({}, st);
    }

private:
    int m_fd;
};

// The temporary keeps the folder it was created in: it is renamed into
// place, or removed, relative to that same descriptor.
class LocalTempFile final : public TempFile {
public:
    LocalTempFile(int fd, DirRef dir, std::string dirRel, std::string name)
        : m_fd(fd), m_dir(std::move(dir)), m_dirRel(std::move(dirRel)), m_name(std::move(name)),
          m_rel(relpath::join(m_dirRel, m_name))
    {
    }
    ~LocalTempFile() override
    {
        if (m_fd >= 0)
            ::close(m_fd);
        if (!m_committed)
            ::unlinkat(m_dir->fd, m_name.c_str(), 0);
    }
    Result<void> write(const char* buf, size_t len) override
    {
        while (len > 0) {
            ssize_t n = ::write(m_fd, buf, len);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return errnoError("write", m_rel, errno);
            }
            buf += n;
            len -= size_t(n);
        }
        return Ok{};
    }
    int nativeFd() const override { return m_fd; }
    const std::string& tempPath() const override { return m_rel; }

    int m_fd;
    DirRef m_dir;
    std::string m_dirRel;
    std::string m_name;
    std::string m_rel;
    bool m_committed = false;
};

} // namespace

namespace localdetail {
// renameat2(RENAME_NOREPLACE) where the kernel and file system have it, else
// link + unlink, which refuses an existing name too. Returns 0 or -1/errno.
int renameNoReplace(int fromDir, const char* from, int toDir, const char* to)
{
#ifdef __linux__
    int rc = ::renameat2(fromDir, from, toDir, to, RENAME_NOREPLACE);
    if (rc == 0 || (errno != EINVAL && errno != ENOSYS))
        return rc;
#endif
    int rc2 = ::linkat(fromDir, from, toDir, to, 0);
    if (rc2 == 0)
        ::unlinkat(fromDir, from, 0);
    return rc2;
}
} // namespace localdetail

namespace {

using localdetail::renameNoReplace;

// The details of `name` in folder `dfd` right after a change, as stat() would
// give them; `op` and `path` name the change in an error.
Result<Entry> entryAt(int dfd, const std::string& name, const std::string& path, const char* op)
{
    struct stat st;
    if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errnoError(op, path, errno);
    return entryFromStat(path, st);
}

} // namespace

LocalBackend::LocalBackend(std::string root) : m_root(std::move(root)), m_dirs(std::string())
{
    while (m_root.size() > 1 && m_root.back() == '/')
        m_root.pop_back();
    m_dirs = DirCache(m_root);
}

Result<std::unique_ptr<Backend>> LocalBackend::connect(const CallContext&) const
{
    return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(m_root));
}

std::string LocalBackend::absolute(const std::string& rel) const
{
    if (rel.empty())
        return m_root;
    return m_root == "/" ? "/" + rel : m_root + "/" + rel;
}

Result<DirRef> LocalBackend::parentOf(const std::string& rel, const char* op)
{
    auto dir = m_dirs.open(relpath::parent(rel));
    if (!dir && dir.error().osError != 0 && dir.error().operation == "open folder") {
        Error e = dir.error();
        e.operation = op; // "delete 'a/b': No such file or directory", as the call itself would say
        e.path = rel;
        return e;
    }
    return dir;
}

Result<void> LocalBackend::checkStillAt(const DirHandle& ref, const std::string& dir, const std::string& path)
{
    if (dir.empty())
        return Ok{}; // the root's identity is the run's business
    auto parent = m_dirs.open(relpath::parent(dir));
    struct stat st;
    const std::string name(relpath::name(dir));
    const bool same = parent && ::fstatat((*parent)->fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                      S_ISDIR(st.st_mode) && uint64_t(st.st_dev) == ref.device && uint64_t(st.st_ino) == ref.fileId;
    if (same)
        return Ok{};
    m_dirs.forget(dir);
    return Error::skipItem("create", path,
                           "its folder '" + dir + "' was moved or replaced (perhaps by a symlink) while the copy was "
                           "written, so the copy was not put in place",
                           "Look at what replaced the folder, then run the sync again");
}

Capabilities LocalBackend::capabilities() const
{
    if (m_caps)
        return *m_caps;
    Capabilities caps;
    caps.trash = true; // the freedesktop.org trash of the user (localtrash.cpp)
    struct statvfs vfs;
    if (::statvfs(m_root.c_str(), &vfs) == 0 && vfs.f_namemax > 0)
        caps.maxNameBytes = int(vfs.f_namemax);
#ifdef __linux__
    struct statfs fs;
    if (::statfs(m_root.c_str(), &fs) == 0) {
        switch (static_cast<unsigned long>(fs.f_type)) {
        case MSDOS_SUPER_MAGIC:
        case 0x2011BAB0UL: // exFAT
            caps.caseInsensitive = true;
            caps.windowsNames = true;
            caps.symlinks = false;
            caps.fileIds = false;
            caps.timePrecisionNs = 2000000000;
            break;
        case 0x5346544EUL: // NTFS (ntfs3 / ntfs-3g)
            caps.windowsNames = true;
            break;
        default:
            break;
        }
    }
#elif defined(__APPLE__)
    caps.caseInsensitive = ::pathconf(m_root.c_str(), _PC_CASE_SENSITIVE) == 0;
    caps.normalizationInsensitive = true; // APFS and HFS+ both fold NFC/NFD
#endif
    m_caps = caps;
    return caps;
}

Result<bool> LocalBackend::rootExists()
{
    struct stat st;
    if (::stat(m_root.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return false;
        return errnoError("open folder", m_root, errno);
    }
    if (!S_ISDIR(st.st_mode))
        return Error::abortRun("open folder", m_root, "this is not a folder", "Point the job at a folder");
    return true;
}

Result<void> LocalBackend::createRoot()
{
    std::string partial;
    size_t pos = 0;
    while (pos <= m_root.size()) {
        size_t slash = m_root.find('/', pos);
        if (slash == std::string::npos)
            slash = m_root.size();
        partial = m_root.substr(0, slash);
        pos = slash + 1;
        if (partial.empty())
            continue;
        if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
            return errnoError("create folder", partial, errno);
    }
    return Ok{};
}

Result<RootIdentity> LocalBackend::rootIdentity()
{
    RootIdentity id;
#ifdef __linux__
    // statx for the birth time; the descriptor for the inode generation,
    // which ext4 draws anew whenever it hands out an inode again.
    int fd = ::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errnoError("open folder", m_root, errno);
    struct statx stx;
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME, &stx) != 0) {
        int err = errno;
        ::close(fd);
        return errnoError("open folder", m_root, err);
    }
    id.device = uint64_t(makedev(stx.stx_dev_major, stx.stx_dev_minor)); // as st_dev, which older states recorded
    id.fileId = stx.stx_ino;
    if (stx.stx_mask & STATX_BTIME)
        id.birthNs = int64_t(stx.stx_btime.tv_sec) * 1000000000 + stx.stx_btime.tv_nsec;
    int generation = 0;
    if (::ioctl(fd, FS_IOC_GETVERSION, &generation) == 0)
        id.generation = uint32_t(generation);
    ::close(fd);
#else
    struct stat st;
    if (::stat(m_root.c_str(), &st) != 0)
        return errnoError("open folder", m_root, errno);
    id.device = uint64_t(st.st_dev);
    id.fileId = uint64_t(st.st_ino);
#ifdef __APPLE__
    id.birthNs = int64_t(st.st_birthtimespec.tv_sec) * 1000000000 + st.st_birthtimespec.tv_nsec;
#endif
#endif
    id.known = true;
    return id;
}

Result<std::vector<ListedItem>> LocalBackend::list(const std::string& dir)
{
    // The root itself may be reached through a symlink; nothing below it is.
    auto ref = m_dirs.open(dir);
    if (!ref) {
        Error e = ref.error();
        if (e.operation == "open folder") {
            e.operation = "list folder";
            e.path = dir.empty() ? m_root : dir;
        }
        return e;
    }
    int dfd = ::openat((*ref)->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return errnoError("list folder", dir.empty() ? m_root : dir, errno);
    DIR* d = ::fdopendir(dfd);
    if (!d) {
        int err = errno;
        ::close(dfd);
        return errnoError("list folder", dir, err);
    }
    std::vector<ListedItem> items;
    for (;;) {
        errno = 0;
        struct dirent* de = ::readdir(d);
        if (!de) {
            if (errno != 0) {
                int err = errno;
                ::closedir(d);
                return errnoError("list folder", dir, err);
            }
            break;
        }
        std::string_view name = de->d_name;
        if (name == "." || name == "..")
            continue;
        struct stat st;
        if (::fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue; // vanished while listing
            int err = errno;
            ::closedir(d);
            return errnoError("read details of", relpath::join(dir, name), err);
        }
        ListedItem item{entryFromStat(relpath::join(dir, name), st), {}};
        if (item.entry.kind == EntryKind::Symlink) {
            std::string target(size_t(st.st_size > 0 ? st.st_size : 256), '\0');
            ssize_t n = ::readlinkat(dfd, de->d_name, target.data(), target.size());
            if (n >= 0) {
                target.resize(size_t(n));
                item.entry.size = n;
                item.linkTarget = std::move(target);
            }
        }
        items.push_back(std::move(item));
    }
    ::closedir(d);
    return items;
}

Result<std::optional<Entry>> LocalBackend::stat(const std::string& path)
{
    struct stat st;
    if (path.empty()) {
        if (::lstat(m_root.c_str(), &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                return std::optional<Entry>{};
            return errnoError("read details of", m_root, errno);
        }
        return std::optional<Entry>{entryFromStat(path, st)};
    }
    auto dir = parentOf(path, "read details of");
    if (!dir) {
        if (dir.error().osError == ENOENT || dir.error().osError == ENOTDIR)
            return std::optional<Entry>{}; // no folder, so nothing in it
        return dir.error();
    }
    const std::string name(relpath::name(path));
    if (::fstatat((*dir)->fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return std::optional<Entry>{};
        return errnoError("read details of", path, errno);
    }
    return std::optional<Entry>{entryFromStat(path, st)};
}

Result<std::string> LocalBackend::readLink(const std::string& path)
{
    auto dir = parentOf(path, "read symlink");
    if (!dir)
        return dir.error();
    std::string target(4096, '\0');
    const std::string name(relpath::name(path));
    ssize_t n = ::readlinkat((*dir)->fd, name.c_str(), target.data(), target.size());
    if (n < 0)
        return errnoError("read symlink", path, errno);
    target.resize(size_t(n));
    return target;
}

Result<std::unique_ptr<ReadStream>> LocalBackend::openRead(const std::string& path)
{
    auto dir = parentOf(path, "open");
    if (!dir)
        return dir.error();
    const std::string name(relpath::name(path));
    int fd = ::openat((*dir)->fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errnoError("open", path, errno);
    return std::unique_ptr<ReadStream>(std::make_unique<LocalReadStream>(fd));
}

Result<std::unique_ptr<TempFile>> LocalBackend::createTemp(const std::string& dir, uint32_t mode)
{
    // Owner read and write always: the copy must be writable through this
    // descriptor on every file system. Never writable by group or others
    // while it is being filled, nor setuid/setgid. commit() sets the exact
    // mode when the umask or these limits made the file's differ.
    const mode_t createMode = mode_t((mode & 0755) | 0600);
    auto ref = m_dirs.open(dir);
    if (!ref) {
        Error e = ref.error();
        if (e.operation == "open folder") {
            e.operation = "create temporary file in";
            e.path = dir.empty() ? "." : dir;
        }
        return e;
    }
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string name = tempname::make();
        int fd = ::openat((*ref)->fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, createMode);
        if (fd >= 0) {
            // Held until the file is closed (committed or dropped): another
            // run's clean-up of leftovers leaves a locked temporary alone.
            (void)::flock(fd, LOCK_EX | LOCK_NB);
            return std::unique_ptr<TempFile>(std::make_unique<LocalTempFile>(fd, *ref, dir, std::move(name)));
        }
        if (errno != EEXIST)
            return errnoError("create temporary file in", dir.empty() ? "." : dir, errno);
    }
    return Error::skipItem("create temporary file in", dir, "no free temporary name");
}

Result<Entry> LocalBackend::commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs,
                                   uint32_t mode, bool mayReplace)
{
    auto* t = static_cast<LocalTempFile*>(temp.get());
    struct timespec times[2] = {toTimespec(mtimeNs), toTimespec(mtimeNs)};
    times[0].tv_nsec = UTIME_OMIT;
    if (::futimens(t->m_fd, times) != 0)
        return errnoError("set time of", path, errno);
    struct stat st;
    if (::fstat(t->m_fd, &st) != 0)
        return errnoError("write", path, errno);
    if ((st.st_mode & 07777) != (mode & 07777)) { // not what createTemp could give it
        if (::fchmod(t->m_fd, mode_t(mode & 07777)) != 0)
            return errnoError("set permissions of", path, errno);
        if (::fstat(t->m_fd, &st) != 0)
            return errnoError("write", path, errno);
    }
    // No flush here: the executor makes the side's writes durable with one
    // flushWrites() before the state records a batch of copies as synced
    // (see Executor), which costs a fraction of one fdatasync per file.
    int fd = t->m_fd;
    t->m_fd = -1;
    if (::close(fd) != 0)
        return errnoError("write", path, errno); // delayed write errors (NFS, full disk) surface here
    // The copy goes into the folder it was written in, under the name the
    // path gives it there; that folder must still be the one at the path.
    const std::string dir(relpath::parent(path));
    DirRef target = t->m_dir;
    if (dir != t->m_dirRel) {
        auto other = parentOf(path, "create");
        if (!other)
            return other.error();
        target = *other;
    }
    if (auto here = checkStillAt(*target, dir, path); !here)
        return here.error();
    const std::string name(relpath::name(path));
    if (mayReplace) {
        if (::renameat(t->m_dir->fd, t->m_name.c_str(), target->fd, name.c_str()) != 0)
            return errnoError("replace", path, errno);
    } else if (renameNoReplace(t->m_dir->fd, t->m_name.c_str(), target->fd, name.c_str()) != 0) {
        if (errno == EEXIST)
            return Error::skipItem("create", path, "something appeared at this name since the scan, so it was left alone",
                                   "Run the sync again to pick up the change");
        return errnoError("create", path, errno);
    }
    t->m_committed = true;
    return entryFromStat(path, st);
}

Result<Entry> LocalBackend::rename(const std::string& from, const std::string& to)
{
    auto fromDir = parentOf(from, "rename");
    if (!fromDir)
        return fromDir.error();
    DirRef fromRef = *fromDir; // kept open while the other folder is looked up
    auto toDir = parentOf(to, "rename");
    if (!toDir)
        return toDir.error();
    const std::string fromName(relpath::name(from));
    const std::string toName(relpath::name(to));
    struct stat st;
    if (::fstatat((*toDir)->fd, toName.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        struct stat src;
        bool sameItem = ::fstatat(fromRef->fd, fromName.c_str(), &src, AT_SYMLINK_NOFOLLOW) == 0 &&
                        src.st_ino == st.st_ino && src.st_dev == st.st_dev;
        if (!sameItem) // a case-only rename on a case-insensitive FS finds itself
            return Error::skipItem("rename", from, "'" + to + "' already exists",
                                   "Move the other item away, then run the sync again");
    }
    if (::renameat(fromRef->fd, fromName.c_str(), (*toDir)->fd, toName.c_str()) != 0)
        return errnoError("rename", from, errno);
    m_dirs.forget(from);
    m_dirs.forget(to);
    return entryAt((*toDir)->fd, toName, to, "rename");
}

Result<void> LocalBackend::flushWrites()
{
    int fd = ::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errnoError("flush the writes to", m_root, errno);
#ifdef __linux__
    int rc = ::syncfs(fd); // reports writeback errors of the file system since Linux 5.8
#else
    int rc = ::fsync(fd);
#endif
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL && err != EROFS) {
        Error e = errnoError("flush the writes to", m_root, err);
        e.kind = Error::Kind::AbortRun;
        return e;
    }
    return Ok{};
}

Result<std::unique_ptr<Backend>> LocalBackend::versionsStore(const VersioningSettings& settings) const
{
    if (settings.folder.empty() || settings.folder[0] != '/')
        return Error::abortRun("keep a version of", m_root, "no versions folder is set for this local folder",
                               "Choose a versions folder (an absolute path) for this job");
    return std::unique_ptr<Backend>(std::make_unique<LocalBackend>(settings.folder));
}

std::optional<std::string> LocalBackend::placeOf(const Backend& other) const
{
    const auto* local = dynamic_cast<const LocalBackend*>(&other);
    if (!local)
        return std::nullopt;
    // Real paths, so a symlinked root (or versions folder) cannot hide it.
    auto real = [](const std::string& p) {
        char* r = ::realpath(p.c_str(), nullptr);
        std::string out = r ? std::string(r) : p;
        std::free(r);
        return out;
    };
    const std::string mine = real(m_root), theirs = real(local->m_root);
    if (mine == theirs)
        return std::string();
    const std::string prefix = mine == "/" ? mine : mine + "/";
    if (theirs.size() > prefix.size() && theirs.compare(0, prefix.size(), prefix) == 0)
        return theirs.substr(prefix.size());
    return std::nullopt;
}

Result<void> LocalBackend::moveToStore(const std::string& path, Backend& store, const std::string& target)
{
    auto* local = dynamic_cast<LocalBackend*>(&store);
    if (!local)
        return errnoError("keep a version of", path, EXDEV);
    auto dir = parentOf(path, "keep a version of");
    if (!dir)
        return dir.error();
    DirRef from = *dir; // kept open while the store's folder is looked up
    auto to = local->parentOf(target, "keep a version of");
    if (!to)
        return to.error();
    // The item is named relative to its verified folder, so a folder that
    // became a symlink is never followed out of the root.
    const std::string name(relpath::name(path)), targetName(relpath::name(target));
    if (renameNoReplace(from->fd, name.c_str(), (*to)->fd, targetName.c_str()) != 0)
        return errnoError("keep a version of", path, errno);
    return Ok{};
}

Result<void> LocalBackend::removeFile(const std::string& path)
{
    auto dir = parentOf(path, "delete");
    if (!dir) {
        if (dir.error().osError == ENOENT)
            return Ok{}; // already gone, with its folder
        return dir.error();
    }
    const std::string name(relpath::name(path));
    if (::unlinkat((*dir)->fd, name.c_str(), 0) != 0 && errno != ENOENT)
        return errnoError("delete", path, errno);
    return Ok{};
}

Result<void> LocalBackend::removeDir(const std::string& path)
{
    auto dir = parentOf(path, "delete folder");
    if (!dir) {
        if (dir.error().osError == ENOENT)
            return Ok{};
        return dir.error();
    }
    m_dirs.forget(path);
    const std::string name(relpath::name(path));
    if (::unlinkat((*dir)->fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return errnoError("delete folder", path, errno);
    return Ok{};
}

Result<Entry> LocalBackend::makeDir(const std::string& path, uint32_t mode)
{
    auto dir = parentOf(path, "create folder");
    if (!dir)
        return dir.error();
    const std::string name(relpath::name(path));
    struct stat st;
    if (::mkdirat((*dir)->fd, name.c_str(), mode_t(mode ? mode & 07777 : 0777)) != 0) {
        int err = errno;
        if (err == EEXIST && ::fstatat((*dir)->fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
            return entryFromStat(path, st);
        return errnoError("create folder", path, err);
    }
    return entryAt((*dir)->fd, name, path, "create folder");
}

Result<Entry> LocalBackend::makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs)
{
    auto dir = parentOf(path, "create symlink");
    if (!dir)
        return dir.error();
    const int dfd = (*dir)->fd;
    const std::string name(relpath::name(path));
    const std::string tmpName = tempname::make();
    if (::symlinkat(target.c_str(), dfd, tmpName.c_str()) != 0)
        return errnoError("create symlink", path, errno);
    struct timespec times[2] = {toTimespec(mtimeNs), toTimespec(mtimeNs)};
    times[0].tv_nsec = UTIME_OMIT;
    ::utimensat(dfd, tmpName.c_str(), times, AT_SYMLINK_NOFOLLOW);
    if (::renameat(dfd, tmpName.c_str(), dfd, name.c_str()) != 0) {
        int err = errno;
        ::unlinkat(dfd, tmpName.c_str(), 0);
        return errnoError("create symlink", path, err);
    }
    return entryAt(dfd, name, path, "create symlink");
}

Result<Entry> LocalBackend::setTimes(const std::string& path, int64_t mtimeNs)
{
    struct timespec times[2] = {toTimespec(mtimeNs), toTimespec(mtimeNs)};
    times[0].tv_nsec = UTIME_OMIT;
    if (path.empty()) {
        struct stat st;
        if (::utimensat(AT_FDCWD, m_root.c_str(), times, 0) != 0 || ::lstat(m_root.c_str(), &st) != 0)
            return errnoError("set time of", path, errno);
        return entryFromStat(path, st);
    }
    auto dir = parentOf(path, "set time of");
    if (!dir)
        return dir.error();
    const std::string name(relpath::name(path));
    if (::utimensat((*dir)->fd, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        return errnoError("set time of", path, errno);
    return entryAt((*dir)->fd, name, path, "set time of");
}

Result<bool> LocalBackend::removeStaleTemp(const std::string& path)
{
    auto dir = parentOf(path, "delete");
    if (!dir)
        return dir.error().osError == ENOENT ? Result<bool>(false) : Result<bool>(dir.error());
    const int dfd = (*dir)->fd;
    const std::string name(relpath::name(path));
    struct stat st;
    if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? Result<bool>(false) : Result<bool>(errnoError("read details of", path, errno));
    const bool oldEnough = int64_t(::time(nullptr)) - ctimeOf(st) / kNsPerSecond > 24 * 3600;
    bool removable = false;
    int fd = -1;
    if (S_ISREG(st.st_mode)) {
        fd = ::openat(dfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            struct stat locked;
            // The name must still be the file we locked (a run may have just committed it).
            removable = ::fstat(fd, &locked) == 0 && locked.st_ino == st.st_ino && locked.st_dev == st.st_dev;
        } else {
            removable = errno != EWOULDBLOCK && errno != EAGAIN && errno != EINTR && oldEnough;
        }
    } else if (S_ISLNK(st.st_mode)) {
        removable = oldEnough;
    }
    int rc = removable ? ::unlinkat(dfd, name.c_str(), 0) : 0;
    const int err = errno;
    if (fd >= 0)
        ::close(fd);
    if (rc != 0 && err != ENOENT)
        return errnoError("delete", path, err);
    return removable && rc == 0;
}

Result<bool> copySparseImpl(ReadStream& in, TempFile& out, int64_t size, const std::string& path,
                            bool (*onChunk)(void*, const char*, int64_t), void* ctx)
{
#if defined(SEEK_DATA) && defined(SEEK_HOLE)
    const int inFd = in.nativeFd(), outFd = out.nativeFd();
    struct stat st;
    if (inFd < 0 || outFd < 0 || size <= 0 || ::fstat(inFd, &st) != 0 || int64_t(st.st_blocks) * 512 >= st.st_size)
        return false;
    // A file system that cannot tell holes says so on the first question,
    // before anything was written.
    off_t data = ::lseek(inFd, 0, SEEK_DATA);
    if (data < 0 && errno != ENXIO)
        return false;
    thread_local std::vector<char> buf;
    buf.resize(1 << 20);
    int64_t pos = 0; // everything before pos was passed on
    auto hole = [&](int64_t upTo) {
        if (upTo > pos && !onChunk(ctx, nullptr, upTo - pos))
            return false;
        pos = std::max(pos, upTo);
        return true;
    };
    while (pos < size) {
        if (data < 0) { // ENXIO: only a hole to the end
            data = off_t(size);
        }
        const int64_t dataStart = std::min<int64_t>(data, size);
        if (!hole(dataStart))
            return Error::cancelled();
        if (pos >= size)
            break;
        off_t holeAt = ::lseek(inFd, off_t(pos), SEEK_HOLE);
        if (holeAt < 0)
            return errnoError("copy", path, errno);
        const int64_t dataEnd = std::min<int64_t>(holeAt, size);
        while (pos < dataEnd) {
            ssize_t n = ::pread(inFd, buf.data(), size_t(std::min<int64_t>(int64_t(buf.size()), dataEnd - pos)), off_t(pos));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return errnoError("copy", path, errno);
            if (n == 0) { // the file shrank: the caller's checks see it
                size = pos;
                break;
            }
            for (ssize_t done = 0; done < n;) {
                ssize_t w = ::pwrite(outFd, buf.data() + done, size_t(n - done), off_t(pos + done));
                if (w < 0 && errno == EINTR)
                    continue;
                if (w < 0)
                    return errnoError("write", path, errno);
                done += w;
            }
            if (!onChunk(ctx, buf.data(), n))
                return Error::cancelled();
            pos += n;
        }
        if (pos >= size)
            break;
        data = ::lseek(inFd, off_t(pos), SEEK_DATA);
        if (data < 0 && errno != ENXIO)
            return errnoError("copy", path, errno);
    }
    if (::ftruncate(outFd, off_t(size)) != 0)
        return errnoError("write", path, errno);
    return true;
#else
    (void)in, (void)out, (void)size, (void)path, (void)onChunk, (void)ctx;
    return false;
#endif
}

Result<void> copyStreamImpl(ReadStream& in, TempFile& out, const std::string& path,
                            bool (*onBytes)(void*, int64_t), void* ctx)
{
    if (struct stat st; in.nativeFd() >= 0 && ::fstat(in.nativeFd(), &st) == 0) {
        auto sparse = copySparse(in, out, int64_t(st.st_size), path, [&](const char*, int64_t n) { return onBytes(ctx, n); });
        if (!sparse)
            return sparse.error();
        if (*sparse)
            return Ok{};
    }
#ifdef __linux__
    if (in.nativeFd() >= 0 && out.nativeFd() >= 0) {
        for (;;) {
            ssize_t n = ::copy_file_range(in.nativeFd(), nullptr, out.nativeFd(), nullptr, 8 << 20, 0);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EBADF) {
                    break; // fall back to the buffer loop from the current offsets
                }
                return errnoError("copy", path, errno);
            }
            if (n == 0)
                return Ok{};
            if (!onBytes(ctx, n))
                return Error::cancelled();
        }
    }
#endif
    std::vector<char> buf(1 << 20);
    for (;;) {
        auto n = in.read(buf.data(), buf.size());
        if (!n) {
            Error e = n.error();
            e.path = path;
            return e;
        }
        if (*n == 0)
            return Ok{};
        if (auto w = out.write(buf.data(), *n); !w)
            return w.error();
        if (!onBytes(ctx, int64_t(*n)))
            return Error::cancelled();
    }
}

} // namespace ferry
