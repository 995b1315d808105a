#include "runlock.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSysInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace ferry {

namespace {

std::string readAll(int fd)
{
    std::string s;
    char buf[512];
    ::lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0 && s.size() < 4096;)
        s.append(buf, size_t(n));
    while (!s.empty() && (s.back() == '\n' || s.back() == '\0'))
        s.pop_back();
    return s;
}

int openLockFile(const std::string& file)
{
    QDir().mkpath(QFileInfo(QString::fromStdString(file)).absolutePath());
    return ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

} // namespace

RunLock::~RunLock()
{
    if (m_fd >= 0) {
        // Empty the file first: a file that names a holder while unlocked
        // means that holder died. (Only the holder may: a refused attempt
        // leaves the running holder's name alone.)
        if (m_held)
            (void)::ftruncate(m_fd, 0);
        ::close(m_fd); // releases the flock
    }
}

Result<std::unique_ptr<RunLock>> RunLock::acquire(const std::string& file, const std::string& jobName,
                                                  const std::string& what)
{
    std::unique_ptr<RunLock> lock(new RunLock);
    lock->m_file = file;
    lock->m_fd = openLockFile(file);
    if (lock->m_fd < 0)
        return errnoError("create the run lock", file, errno);
    // A holder that is just releasing, or a heldBy() probe, hold the lock
    // only for a moment: retry for half a second before refusing.
    int rc = -1, err = 0;
    for (int attempt = 0; attempt < 10; ++attempt) {
        rc = ::flock(lock->m_fd, LOCK_EX | LOCK_NB);
        err = rc == 0 ? 0 : errno;
        if (rc == 0 || err != EWOULDBLOCK)
            break;
        ::usleep(50 * 1000);
    }
    if (rc != 0) {
        if (err != EWOULDBLOCK)
            return errnoError("take the run lock", file, err);
        std::string holder = readAll(lock->m_fd);
        return Error::abortRun("run job", {},
                               "the job '" + jobName + "' is already running" +
                                   (holder.empty() ? std::string() : " (" + holder + ")"),
                               "Wait for that run to finish (or stop it), then run the job again");
    }
    lock->m_held = true;
    lock->m_tookOver = readAll(lock->m_fd);
    const std::string me = what + ", pid " + std::to_string(::getpid()) + " on " +
                           QSysInfo::machineHostName().toStdString() + ", since " +
                           QDateTime::currentDateTime().toString("yyyy-MM-dd HH:mm:ss").toStdString();
    if (::ftruncate(lock->m_fd, 0) != 0 || ::pwrite(lock->m_fd, me.data(), me.size(), 0) != ssize_t(me.size()))
        return errnoError("write the run lock", file, errno);
    return lock;
}

std::optional<std::string> RunLock::heldBy(const std::string& file)
{
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    std::optional<std::string> out;
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
        out = readAll(fd);
    ::close(fd); // also drops the shared lock if it was granted
    return out;
}

} // namespace ferry
