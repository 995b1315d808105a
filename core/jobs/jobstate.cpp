#include "jobstate.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QUuid>

#include <cerrno>
#include <cstdio>
#include <set>
#include <sys/stat.h>

namespace ferry {

namespace {

const char* kSidecars[] = {"-wal", "-shm", ".lock"};

bool isLegacyKey(const std::string& key)
{
    return key.size() > 4 && key.rfind("job-", 0) == 0 &&
           key.find_first_not_of("0123456789", 4) == std::string::npos;
}

} // namespace

std::string newStateKey()
{
    return "job-" + QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
}

std::string jobStatePath(const std::string& dataDir, const Job& job)
{
    // A job that was never saved has no key; its id names it as before.
    const std::string key = job.stateKey.empty() ? "job-" + std::to_string(job.id) : job.stateKey;
    return dataDir + "/state/" + key + ".db";
}

Result<std::string> setStateAside(const std::string& dataDir, const std::string& stateFile)
{
    const std::string dir = dataDir + "/state/orphaned";
    if (!QDir().mkpath(QString::fromStdString(dir)))
        return Error::abortRun("set aside state file", stateFile, "cannot create '" + dir + "'",
                               "Check that Ferry's data folder may be written");
    const std::string base = QFileInfo(QString::fromStdString(stateFile)).completeBaseName().toStdString();
    const std::string stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss").toStdString();
    std::string target = dir + "/" + base + "-" + stamp + ".db";
    for (int n = 2; QFileInfo::exists(QString::fromStdString(target)); ++n)
        target = dir + "/" + base + "-" + stamp + "-" + std::to_string(n) + ".db";
    if (std::rename(stateFile.c_str(), target.c_str()) != 0)
        return errnoError("set aside state file", stateFile, errno);
    for (const char* suffix : kSidecars)
        (void)std::rename((stateFile + suffix).c_str(), (target + suffix).c_str());
    return target;
}

std::vector<std::string> setAsideOrphanedStates(const std::string& dataDir, const std::vector<Job>& jobs)
{
    std::set<std::string> owned;
    for (const Job& j : jobs)
        owned.insert(QFileInfo(QString::fromStdString(jobStatePath(dataDir, j))).fileName().toStdString());
    std::vector<std::string> moved;
    const QDir dir(QString::fromStdString(dataDir + "/state"));
    for (const QString& name : dir.entryList({"job-*.db"}, QDir::Files)) {
        if (owned.count(name.toStdString()))
            continue;
        if (auto r = setStateAside(dataDir, dir.filePath(name).toStdString()))
            moved.push_back(*r);
    }
    return moved;
}

Result<std::optional<std::string>> setAsideStateOlderThanJob(const std::string& dataDir, const Job& job)
{
    if (!isLegacyKey(job.stateKey.empty() ? "job-" + std::to_string(job.id) : job.stateKey) || job.createdMs <= 0)
        return std::optional<std::string>();
    const std::string file = jobStatePath(dataDir, job);
    struct stat st;
    if (::stat(file.c_str(), &st) != 0)
        return std::optional<std::string>();
    // The -wal file is written more recently than the database itself.
    int64_t lastWriteMs = int64_t(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    struct stat wal;
    if (::stat((file + "-wal").c_str(), &wal) == 0)
        lastWriteMs = std::max(lastWriteMs, int64_t(wal.st_mtim.tv_sec) * 1000 + wal.st_mtim.tv_nsec / 1000000);
    if (lastWriteMs >= job.createdMs)
        return std::optional<std::string>();
    auto moved = setStateAside(dataDir, file);
    if (!moved)
        return moved.error(); // never use a base another job left
    return std::optional<std::string>("the state file '" + file + "' was last written before this job was created (it belonged to a removed "
           "job) and was set aside as '" + *moved + "'; this run starts afresh and deletes nothing");
}

} // namespace ferry
