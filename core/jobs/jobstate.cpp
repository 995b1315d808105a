#include "jobstate.h"

#include "backend/location.h"
#include "store/statestore.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QUuid>

#include <cerrno>
#include <cstdio>
#include <set>

namespace ferry {

namespace {

const char* kSidecars[] = {"-wal", "-shm", ".lock"};

bool isLegacyKey(const std::string& key)
{
    return key.size() > 4 && key.rfind("job-", 0) == 0 &&
           key.find_first_not_of("0123456789", 4) == std::string::npos;
}

// Equal as Locations (as the job stores them), not as text: a recorded
// "file:///a" or "/a/" is the job's "/a".
bool sameLocation(const std::string& recorded, const std::string& jobSide)
{
    auto a = Location::parse(recorded);
    auto b = Location::parse(jobSide);
    return a && b && *a == *b;
}

} // namespace

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

std::optional<std::string> legacyStateNotOwned(const std::string& dataDir, const Job& job)
{
    if (!isLegacyKey(job.stateKey.empty() ? "job-" + std::to_string(job.id) : job.stateKey))
        return std::nullopt;
    const std::string file = jobStatePath(dataDir, job);
    if (!QFileInfo::exists(QString::fromStdString(file)))
        return std::nullopt;
    // Read-only: deciding must not write (a dry run asks too).
    auto store = StateStore::open(file, true, true);
    if (!store)
        return std::nullopt;
    const std::optional<std::string> left = (*store)->meta("left_location");
    const std::optional<std::string> right = (*store)->meta("right_location");
    if (!left || !right)
        return "the state file '" + file + "' records no pair of folders (it was left by a removed job, or by a "
               "first run that never finished), so it cannot be shown to be this job's";
    if (!sameLocation(*left, job.left) || !sameLocation(*right, job.right))
        return "the state file '" + file + "' belongs to another pair of folders ('" + *left + "' and '" + *right +
               "'), left by a removed job";
    return std::nullopt;
}

} // namespace ferry
