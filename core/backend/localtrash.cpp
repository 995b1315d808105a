// LocalBackend::moveToTrash: the freedesktop.org trash of the user
// (https://specifications.freedesktop.org/trash-spec/): the item goes to
// "$XDG_DATA_HOME/Trash/files/<name>" and an info file
// "Trash/info/<name>.trashinfo" records where it was and when. The info file
// is made first with O_EXCL: it reserves the name, so parallel workers (and
// other programs) never pick the same one; an item already in the trash is
// never replaced.
#include "localbackend.h"

#include "common/relpath.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry {

namespace localdetail {
int renameNoReplace(int fromDir, const char* from, int toDir, const char* to);
}

namespace {

Result<void> makeDirs(const std::string& abs)
{
    for (size_t slash = abs.find('/', 1);; slash = abs.find('/', slash + 1)) {
        const std::string partial = abs.substr(0, slash);
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return errnoError("create trash folder", partial, errno);
        if (slash == std::string::npos)
            return Ok{};
    }
}

std::string trashInfo(const std::string& absPath)
{
    std::string text = "[Trash Info]\nPath=";
    for (unsigned char c : absPath) {
        if (std::isalnum(c) || std::string_view("/-_.~").find(char(c)) != std::string_view::npos) {
            text += char(c);
        } else {
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
    return text + "\nDeletionDate=" + std::string(date) + "\n";
}

// The info file is named "<name>.trashinfo", so a name in the trash has ten
// bytes less room than the file system allows: a longer one is shortened (at
// a character boundary, its extension kept). Its info file keeps the
// original path, which is what a restore from the trash uses.
std::string fittedName(const std::string& stem, const std::string& suffix, const std::string& ext)
{
    constexpr size_t kRoom = NAME_MAX - (sizeof ".trashinfo" - 1);
    std::string s = stem;
    if (s.size() + suffix.size() + ext.size() > kRoom) {
        size_t keep = kRoom - suffix.size() - ext.size();
        while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80)
            --keep; // not inside a UTF-8 sequence
        s.resize(keep);
    }
    return s + suffix + ext;
}

// Reserves a free name in the trash by creating its info file; returns the
// name (the item's own, or "stem.N.ext").
Result<std::string> reserveName(const std::string& trash, const std::string& path, const std::string& absPath)
{
    const std::string name(relpath::name(path));
    const size_t dot = name.rfind('.');
    // An extension too long to keep beside a shortened stem is part of the stem.
    const bool hasExt = dot != std::string::npos && dot != 0 && name.size() - dot <= 32;
    const std::string stem = hasExt ? name.substr(0, dot) : name, ext = hasExt ? name.substr(dot) : std::string();
    for (int n = 1; n <= 1000; ++n) {
        std::string candidate = fittedName(stem, n == 1 ? std::string() : "." + std::to_string(n), ext);
        struct stat st;
        if (::lstat((trash + "/files/" + candidate).c_str(), &st) == 0)
            continue; // an orphaned file in the trash: never overwrite it
        const std::string info = trash + "/info/" + candidate + ".trashinfo";
        int fd = ::open(info.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST)
                continue;
            // Any other failure (a name too long, no space, no permission) is final.
            Error e = errnoError("move to trash", path, errno);
            e.nextStep = "Check the trash folder '" + trash + "', or choose a versions folder for this job";
            return e;
        }
        const std::string text = trashInfo(absPath);
        const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
        const int err = errno;
        ::close(fd);
        if (!ok) {
            ::unlink(info.c_str());
            return errnoError("move to trash", path, err);
        }
        return candidate;
    }
    return Error::skipItem("move to trash", path, "no free name in the trash",
                           "Empty the trash, or choose a versions folder for this job");
}

} // namespace

Result<void> LocalBackend::moveToTrash(const std::string& path)
{
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
    auto name = reserveName(trash, path, absolute(path));
    if (!name)
        return name.error();
    const std::string info = trash + "/info/" + *name + ".trashinfo";
    auto dir = parentOf(path, "move to trash");
    if (!dir) {
        ::unlink(info.c_str());
        return dir.error();
    }
    // Named relative to its verified folder: a folder that became a symlink
    // is never followed out of the root.
    const std::string itemName(relpath::name(path));
    const std::string target = trash + "/files/" + *name;
    if (localdetail::renameNoReplace((*dir)->fd, itemName.c_str(), AT_FDCWD, target.c_str()) == 0)
        return Ok{};
    Error moved = errnoError("move to trash", path, errno);
    if (moved.osError == EXDEV) {
        // Another file system: copy what the verified folder holds, put it on
        // the disk, and only then delete the original.
        LocalBackend trashFiles(trash + "/files");
        auto st = stat(path);
        auto in = openRead(path);
        if (st && *st && in) {
            auto tmp = trashFiles.createTemp("", (*st)->mode);
            if (tmp && copyStream(**in, **tmp, path, [](int64_t) { return true; }))
                if (trashFiles.commit(std::move(*tmp), *name, (*st)->mtimeNs, (*st)->mode, false) &&
                    trashFiles.flushWrites()) {
                    // A copy takes time: the original goes only if it is still
                    // the file that was copied. One a program saved meanwhile
                    // stays, with its new bytes (the trash keeps the old ones).
                    auto now = stat(path);
                    const bool same = now && *now && (*now)->size == (*st)->size &&
                                      (*now)->mtimeNs == (*st)->mtimeNs && (*now)->fileId == (*st)->fileId &&
                                      (*now)->changeNs == (*st)->changeNs;
                    if (same)
                        return removeFile(path);
                    return Error::skipItem("move to trash", path,
                                           "it changed while it was copied into the trash, so it was left in place",
                                           "Run the sync again when the program using this file has finished with it");
                }
        }
    }
    ::unlink(info.c_str());
    return moved;
}

} // namespace ferry
