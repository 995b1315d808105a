#include "error.h"

#include <cerrno>
#include <cstring>

namespace ferry {

static Error errnoErrorKind(const std::string& op, const std::string& path, int err);

std::string Error::message() const
{
    std::string m = operation;
    if (!path.empty())
        m += " '" + path + "'";
    if (!detail.empty())
        m += (m.empty() ? "" : ": ") + detail;
    if (!nextStep.empty())
        m += ". " + nextStep;
    return m;
}

Error errnoError(const std::string& op, const std::string& path, int err)
{
    Error e = errnoErrorKind(op, path, err);
    e.osError = err;
    return e;
}

Error errnoErrorKind(const std::string& op, const std::string& path, int err)
{
    std::string detail = std::strerror(err);
    switch (err) {
    case EACCES:
    case EPERM:
        return Error::skipItem(op, path, detail,
                               "Check the permissions of this item and its folder, then run the sync again");
    case ENOSPC:
    case EDQUOT:
        return Error::abortRun(op, path, detail,
                               "Free some space on the target drive (or raise the quota), then run the sync again");
    case EROFS:
        return Error::abortRun(op, path, detail, "The target is mounted read-only; remount it writable and run again");
    case ENAMETOOLONG:
        return Error::skipItem(op, path, detail, "Shorten the name or path so the target file system accepts it");
    case EIO:
        return Error::skipItem(op, path, detail, "The drive reported an I/O error; check the drive and its cable");
    case ENOENT:
        return Error::skipItem(op, path, detail, "The item vanished during the run; run the sync again");
    case EINTR:
    case EAGAIN:
        return Error::retry(op, path, detail);
    default:
        return Error::skipItem(op, path, detail, "Run the sync again; if it keeps failing, check this item by hand");
    }
}

} // namespace ferry
