#include "versioner.h"

#include "backend/localbackend.h"
#include "common/relpath.h"
#include "common/timens.h"
#include "engine/reasons.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry {

namespace {

bool exists(const std::string& p)
{
    struct stat st;
    return ::lstat(p.c_str(), &st) == 0;
}

Result<void> makeDirs(const std::string& abs)
{
    std::string partial;
    size_t pos = 0;
    while (pos <= abs.size()) {
        size_t slash = abs.find('/', pos);
        if (slash == std::string::npos)
            slash = abs.size();
        partial = abs.substr(0, slash);
        pos = slash + 1;
        if (partial.empty())
            continue;
        if (::mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
            return errnoError("create versions folder", partial, errno);
    }
    return Ok{};
}

// Copies a local file byte for byte to `to` (through a temporary name), keeping its time.
Result<void> copyLocalFile(const std::string& from, const std::string& to)
{
    struct stat st;
    if (::lstat(from.c_str(), &st) != 0)
        return errnoError("read", from, errno);
    if (S_ISLNK(st.st_mode)) {
        std::string target(4096, '\0');
        ssize_t n = ::readlink(from.c_str(), target.data(), target.size());
        if (n < 0)
            return errnoError("read symlink", from, errno);
        target.resize(size_t(n));
        ::unlink(to.c_str());
        if (::symlink(target.c_str(), to.c_str()) != 0)
            return errnoError("create symlink", to, errno);
        return Ok{};
    }
    std::string dir = to.substr(0, to.rfind('/'));
    LocalBackend src(from.substr(0, from.rfind('/')));
    LocalBackend dst(dir);
    auto in = src.openRead(from.substr(from.rfind('/') + 1));
    if (!in)
        return in.error();
    auto tmp = dst.createTemp("");
    if (!tmp)
        return tmp.error();
    if (auto r = copyStream(**in, **tmp, to, [](int64_t) { return true; }); !r)
        return r;
#ifdef __APPLE__
    int64_t mt = timespecToNs(st.st_mtimespec.tv_sec, st.st_mtimespec.tv_nsec);
#else
    int64_t mt = timespecToNs(st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
#endif
    auto c = dst.commit(std::move(*tmp), to.substr(to.rfind('/') + 1), mt, uint32_t(st.st_mode & 07777), true);
    if (!c)
        return c.error();
    return Ok{};
}

int64_t parseStamp(const std::string& s)
{
    // "YYYY-MM-DD HHMMSS"
    struct tm t {};
    if (std::sscanf(s.c_str(), "%4d-%2d-%2d %2d%2d%2d", &t.tm_year, &t.tm_mon, &t.tm_mday, &t.tm_hour, &t.tm_min,
                    &t.tm_sec) != 6)
        return -1;
    t.tm_year -= 1900;
    t.tm_mon -= 1;
    return secondsToNs(int64_t(timegm(&t)));
}

void splitName(const std::string& name, std::string& stem, std::string& ext)
{
    size_t dot = name.rfind('.');
    if (dot == std::string::npos || dot == 0) {
        stem = name;
        ext.clear();
    } else {
        stem = name.substr(0, dot);
        ext = name.substr(dot);
    }
}

} // namespace

Versioner::Versioner(VersioningSettings settings, int64_t runStampNs)
    : m_settings(std::move(settings)), m_stamp(formatStamp(runStampNs))
{
}

std::string Versioner::versionName(const std::string& name, const std::string& stamp)
{
    std::string stem, ext;
    splitName(name, stem, ext);
    return stem + " " + stamp + ext;
}

bool Versioner::parseVersionName(const std::string& file, std::string& original, int64_t& stampNs)
{
    // <stem> YYYY-MM-DD HHMMSS[-N]<ext>
    for (size_t sp = file.find(' '); sp != std::string::npos; sp = file.find(' ', sp + 1)) {
        if (file.size() < sp + 18)
            return false;
        std::string stamp = file.substr(sp + 1, 17);
        int64_t ns = parseStamp(stamp);
        if (ns < 0 || stamp[4] != '-' || stamp[10] != ' ')
            continue;
        size_t rest = sp + 18;
        if (rest < file.size() && file[rest] == '-') {
            size_t k = rest + 1;
            while (k < file.size() && std::isdigit(static_cast<unsigned char>(file[k])))
                ++k;
            if (k == rest + 1)
                continue;
            rest = k;
        }
        std::string ext = file.substr(rest);
        if (!ext.empty() && (ext[0] != '.' || ext.find(' ') != std::string::npos))
            continue;
        original = file.substr(0, sp) + ext;
        stampNs = ns;
        return true;
    }
    return false;
}

Result<void> Versioner::preserve(Backend& side, const std::string& path)
{
    switch (m_settings.mode) {
    case VersioningSettings::Mode::None: return Ok{};
    case VersioningSettings::Mode::Folder: return toFolder(side, path);
    case VersioningSettings::Mode::Trash: return toTrash(side, path);
    }
    return Ok{};
}

// A failure to write into the versions folder, told in the user's terms:
// the file being versioned and the versions folder, not a temporary name
// and "the target drive".
Error Versioner::storeError(const std::string& path, const Error& cause) const
{
    Error e = cause;
    e.operation = "keep a version of";
    e.path = path;
    e.detail = cause.detail + " while writing into the versions folder '" + ownFolder() + "'";
    const bool full = cause.osError == ENOSPC || cause.osError == EDQUOT;
    e.nextStep = full ? "Free some space on the drive of the versions folder '" + m_settings.folder +
                            "' (or raise the quota), or choose another versions folder; the file was left as it was"
                      : "Check that the versions folder '" + m_settings.folder +
                            "' may be written, or choose another one; the file was left as it was";
    return e;
}

Result<void> Versioner::toFolder(Backend& side, const std::string& path)
{
    const std::string dir = relpath::join(ownFolder(), relpath::parent(path));
    if (auto r = makeDirs(dir); !r)
        return r;
    std::string target;
    {
        std::lock_guard lock(m_mutex);
        std::string name(relpath::name(path));
        target = dir + "/" + versionName(name, m_stamp);
        for (int n = 2; exists(target); ++n)
            target = dir + "/" + versionName(name, m_stamp + "-" + std::to_string(n));
        // Reserve the name so a parallel worker picks another.
        int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd >= 0)
            ::close(fd);
    }
    if (!side.localRoot().empty()) {
        auto moved = static_cast<LocalBackend&>(side).moveOut(path, target);
        if (moved)
            return Ok{};
        if (moved.error().osError != EXDEV) {
            ::unlink(target.c_str());
            Error e = moved.error();
            if (e.osError != 0 && e.operation == "keep a version of")
                e.nextStep = "Check that the versions folder '" + ownFolder() + "' is writable, then run again";
            return e;
        }
        // Another file system: copy it through the backend, as for a remote side.
    }
    // Read the old version through the backend, then remove it there.
    auto in = side.openRead(path);
    if (!in) {
        ::unlink(target.c_str());
        return in.error();
    }
    LocalBackend dst(dir);
    auto tmp = dst.createTemp("");
    if (!tmp) {
        ::unlink(target.c_str());
        return storeError(path, tmp.error());
    }
    if (auto r = copyStream(**in, **tmp, path, [](int64_t) { return true; }); !r) {
        ::unlink(target.c_str());
        return storeError(path, r.error());
    }
    auto st = side.stat(path);
    int64_t mt = st && *st ? (*st)->mtimeNs : 0;
    if (auto r = dst.commit(std::move(*tmp), target.substr(target.rfind('/') + 1), mt, 0644, true); !r)
        return storeError(path, r.error());
    // The version is the only copy once the original is deleted: it must be
    // on the disk first (a power cut must not leave an empty version).
    if (auto r = dst.flushWrites(); !r)
        return storeError(path, r.error());
    return side.removeFile(path);
}

Result<void> Versioner::toTrash(Backend& side, const std::string& path)
{
    const std::string local = side.localRoot();
    if (local.empty())
        return Error::abortRun("move to trash", path, "the trash is only available for local folders",
                               "Choose a versions folder for this job instead of the trash");
    std::string dataHome;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
        dataHome = x;
    else if (const char* h = std::getenv("HOME"); h && *h)
        dataHome = std::string(h) + "/.local/share";
    else
        return Error::abortRun("move to trash", path, "no home folder", "Set HOME or choose a versions folder");
    const std::string trash = dataHome + "/Trash";
    if (auto r = makeDirs(trash + "/files"); !r)
        return r;
    if (auto r = makeDirs(trash + "/info"); !r)
        return r;
    const std::string abs = static_cast<LocalBackend&>(side).absolute(path);
    std::string name(relpath::name(path));
    std::string info;
    {
        std::lock_guard lock(m_mutex);
        std::string stem, ext;
        splitName(name, stem, ext);
        bool reserved = false;
        for (int n = 1; n <= 1000 && !reserved; ++n) {
            std::string candidate = n == 1 ? name : stem + "." + std::to_string(n) + ext;
            if (exists(trash + "/files/" + candidate))
                continue; // an orphaned file in the trash: never overwrite it
            info = trash + "/info/" + candidate + ".trashinfo";
            int fd = ::open(info.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd < 0) {
                if (errno == EEXIST)
                    continue;
                // Any other failure (a name too long, no space, no permission) is final.
                Error e = errnoError("move to trash", path, errno);
                e.nextStep = "Check the trash folder '" + trash + "', or choose a versions folder for this job";
                return e;
            }
            std::string text = "[Trash Info]\nPath=";
            for (unsigned char c : abs) {
                if (std::isalnum(c) || std::string_view("/-_.~").find(char(c)) != std::string_view::npos)
                    text += char(c);
                else {
                    char buf[4];
                    std::snprintf(buf, sizeof buf, "%%%02X", c);
                    text += buf;
                }
            }
            time_t now = time(nullptr);
            struct tm t {};
            localtime_r(&now, &t);
            char date[32];
            std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &t);
            text += "\nDeletionDate=" + std::string(date) + "\n";
            bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
            int err = errno;
            ::close(fd);
            if (!ok) {
                ::unlink(info.c_str());
                return errnoError("move to trash", path, err);
            }
            name = candidate;
            reserved = true;
        }
        if (!reserved)
            return Error::skipItem("move to trash", path, "no free name in the trash",
                                   "Empty the trash, or choose a versions folder for this job");
    }
    const std::string target = trash + "/files/" + name;
    auto moved = static_cast<LocalBackend&>(side).moveOut(path, target);
    if (moved)
        return Ok{};
    if (moved.error().osError == EXDEV) {
        // Another file system: copy what the verified folder holds, then delete.
        auto in = side.openRead(path);
        if (in) {
            LocalBackend trashFiles(trash + "/files");
            auto tmp = trashFiles.createTemp("");
            if (tmp && copyStream(**in, **tmp, path, [](int64_t) { return true; }))
                if (auto st = side.stat(path); st && *st)
                    if (trashFiles.commit(std::move(*tmp), name, (*st)->mtimeNs, (*st)->mode, false) &&
                        trashFiles.flushWrites()) // on the disk before the original goes
                        return side.removeFile(path);
        }
    }
    ::unlink(info.c_str());
    Error e = moved.error();
    e.operation = "move to trash";
    return e;
}

std::string Versioner::ownFolder() const
{
    return m_settings.owner.empty() ? m_settings.folder : m_settings.folder + "/" + m_settings.owner;
}

bool Versioner::isOwnerFolderName(const std::string& name)
{
    return name.rfind("job-", 0) == 0 || name.rfind("pair-", 0) == 0;
}

std::vector<Version> Versioner::allVersions() const
{
    if (m_settings.mode != VersioningSettings::Mode::Folder)
        return {};
    return scan(ownFolder(), m_settings.owner.empty());
}

std::vector<Version> Versioner::legacyVersions() const
{
    if (m_settings.mode != VersioningSettings::Mode::Folder || m_settings.owner.empty())
        return {};
    return scan(m_settings.folder, true);
}

std::vector<Version> Versioner::scan(const std::string& root, bool skipOwnerFolders) const
{
    std::vector<Version> out;
    std::vector<std::string> pending{""};
    while (!pending.empty()) {
        std::string rel = pending.back();
        pending.pop_back();
        std::string abs = rel.empty() ? root : root + "/" + rel;
        DIR* d = ::opendir(abs.c_str());
        if (!d)
            continue;
        while (struct dirent* de = ::readdir(d)) {
            std::string name = de->d_name;
            if (name == "." || name == "..")
                continue;
            std::string childRel = relpath::join(rel, name);
            struct stat st;
            if (::lstat((abs + "/" + name).c_str(), &st) != 0)
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (!(skipOwnerFolders && rel.empty() && isOwnerFolderName(name)))
                    pending.push_back(childRel);
                continue;
            }
            std::string original;
            int64_t stamp = 0;
            if (parseVersionName(name, original, stamp))
                out.push_back({relpath::join(rel, original), abs + "/" + name, stamp});
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end(), [](const Version& a, const Version& b) {
        return a.stampNs != b.stampNs ? a.stampNs > b.stampNs : a.file > b.file;
    });
    return out;
}

std::vector<Version> Versioner::versionsOf(const std::string& relPath) const
{
    std::vector<Version> out;
    for (Version& v : allVersions())
        if (v.relPath == relPath)
            out.push_back(std::move(v));
    return out;
}

Result<void> Versioner::restore(const Version& v, const std::string& targetFile)
{
    if (auto r = makeDirs(targetFile.substr(0, targetFile.rfind('/'))); !r)
        return r;
    return copyLocalFile(v.file, targetFile);
}

Result<int> Versioner::applyRetention(int64_t nowNs)
{
    if (m_settings.mode != VersioningSettings::Mode::Folder || (m_settings.keepCount <= 0 && m_settings.maxAgeDays <= 0))
        return 0;
    std::map<std::string, std::vector<Version>> byPath;
    for (Version& v : allVersions())
        byPath[v.relPath].push_back(std::move(v)); // newest first
    const int64_t maxAge = secondsToNs(int64_t(m_settings.maxAgeDays) * 86400);
    int removed = 0;
    for (auto& [path, versions] : byPath) {
        for (size_t i = 0; i < versions.size(); ++i) {
            bool tooMany = m_settings.keepCount > 0 && int(i) >= m_settings.keepCount;
            bool tooOld = m_settings.maxAgeDays > 0 && saturatingSub(nowNs, versions[i].stampNs) > maxAge;
            if (!tooMany && !tooOld)
                continue;
            if (::unlink(versions[i].file.c_str()) != 0 && errno != ENOENT)
                return errnoError("remove old version", versions[i].file, errno);
            ++removed;
        }
    }
    return removed;
}

} // namespace ferry
