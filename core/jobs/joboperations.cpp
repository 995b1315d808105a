#include "joboperations.h"

#include "backend/location.h"
#include "engine/filter.h"
#include "engine/versionsplace.h"
#include "jobs/jobrunner.h"
#include "jobs/jobstate.h"
#include "jobs/runlock.h"
#include "secrets/keychain.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QString>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace ferry {

namespace {

Error refused(JobRefusal reason, JobRefusal* why, Error error)
{
    if (why)
        *why = reason;
    return error;
}

Error refused(JobRefusal reason, JobRefusal* why, const std::string& message)
{
    return refused(reason, why, Error::abortRun("", "", message));
}

std::string folded(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// The sides or the mode changed: the base describes another pair.
bool baseStillFits(const Job& before, const Job& after)
{
    return before.left == after.left && before.right == after.right && before.mode == after.mode;
}

} // namespace

std::optional<std::string> versionsPlaceProblem(const Job& job)
{
    if (job.versioning.mode != VersioningSettings::Mode::Folder)
        return std::nullopt;
    const std::string* sides[2] = {&job.left, &job.right};
    for (int i = 0; i < 2; ++i) {
        auto loc = Location::parse(*sides[i]);
        if (!loc || !loc->isLocal())
            continue;
        if (auto problem = versionsFolderProblem(job.versioning.folder, loc->path))
            return problem;
        // A remote other side is checked by every run.
        auto rel = versionsFolderRelPath(job.versioning.folder, loc->path);
        auto other = Location::parse(*sides[1 - i]);
        if (!rel || !other || !other->isLocal())
            continue;
        const QFileInfo held(QString::fromStdString(other->path + "/" + *rel));
        if ((held.exists() || held.isSymLink()) &&
            !Filter(job.excludes, job.includes).excludes(*rel, held.isDir() && !held.isSymLink()))
            return versionsFolderShadowProblem(job.versioning.folder, *rel, other->path);
    }
    return std::nullopt;
}

RunOutcome shownOutcome(const std::string& dataDir, const RunRecord& run)
{
    if (run.outcome == RunOutcome::Running && run.jobId && !RunLock::heldBy(jobLockPath(dataDir, run.jobId)))
        return RunOutcome::Interrupted;
    return run.outcome;
}

JobOperations::JobOperations(AppDb& db, std::string dataDir, Keychain& keychain)
    : m_db(db), m_dataDir(std::move(dataDir)), m_keychain(keychain)
{
}

JobOperations::JobOperations(AppDb& db, std::string dataDir)
    : JobOperations(db, std::move(dataDir), Keychain::system())
{
}

Result<void> JobOperations::check(const Job& job)
{
    if (auto v = validateJob(job); !v)
        return v;
    if (auto problem = versionsPlaceProblem(job))
        return Error::abortRun("", "", *problem);
    return Ok{};
}

Result<Job> JobOperations::find(const std::string& name)
{
    auto j = m_db.jobByName(name);
    if (!j)
        return j.error();
    if (!*j)
        return Error::abortRun("find job", {}, "there is no job named '" + name + "'",
                               "See the saved jobs with 'ferry-cli job list'");
    return **j;
}

Result<Job> JobOperations::byId(int64_t jobId, JobRefusal* why)
{
    auto j = m_db.jobById(jobId);
    if (!j)
        return refused(JobRefusal::Storage, why, j.error());
    if (!*j)
        return refused(JobRefusal::NotFound, why,
                       Error::abortRun("find job", {}, "there is no job " + std::to_string(jobId) + " (removed meanwhile?)",
                                       "Reload the list of jobs"));
    return **j;
}

bool JobOperations::nameTaken(const std::string& name, int64_t exceptId)
{
    auto other = m_db.jobByName(name);
    return other && *other && (*other)->id != exceptId;
}

std::optional<std::string> JobOperations::setBaseAside(const Job& owner)
{
    const std::string state = jobStatePath(m_dataDir, owner);
    if (QFileInfo::exists(QString::fromStdString(state))) {
        auto moved = setStateAside(m_dataDir, state);
        if (!moved)
            return "the job's old state file could not be set aside: " + moved.error().message();
        return std::nullopt;
    }
    // Leftovers of a base that is gone hold nothing worth keeping.
    for (const char* suffix : {"-wal", "-shm", ".lock"})
        QFile::remove(QString::fromStdString(state + suffix));
    return std::nullopt;
}

Result<Job> JobOperations::create(Job job, const PasswordSaver& savePassword, JobRefusal* why)
{
    job.id = 0;
    job.stateKey.clear(); // addJob makes a fresh one: never another job's base
    if (auto v = check(job); !v)
        return refused(JobRefusal::Invalid, why, v.error());
    if (nameTaken(job.name, 0))
        return refused(JobRefusal::NameTaken, why,
                       Error::abortRun("save job", {}, "a job named '" + job.name + "' already exists",
                                       "Pick another name, or change that job with 'job edit'"));
    if (savePassword)
        if (auto e = savePassword(job))
            return refused(JobRefusal::Password, why, *e);
    auto id = m_db.addJob(job);
    if (!id)
        return refused(JobRefusal::Storage, why, id.error());
    auto saved = m_db.jobById(*id);
    if (saved && *saved)
        return **saved;
    job.id = *id;
    return job;
}

Result<JobChange> JobOperations::edit(const Job& changed, const std::string& holder, const PasswordSaver& savePassword,
                                      JobRefusal* why)
{
    auto found = byId(changed.id, why);
    if (!found)
        return found.error();
    const Job before = *found;
    Job job = changed;
    job.stateKey = before.stateKey; // the key is the job's for ever, whatever the caller carried
    job.createdMs = before.createdMs;
    if (auto v = check(job); !v)
        return refused(JobRefusal::Invalid, why, v.error());
    // Before anything is written (the keychain included): a new name must be free.
    if (job.name != before.name && nameTaken(job.name, job.id))
        return refused(JobRefusal::NameTaken, why, "a job named '" + job.name + "' already exists; pick another name");
    // Changing a side while the job runs would pull the base from under it.
    auto lock = RunLock::acquire(jobLockPath(m_dataDir, job.id), before.name, holder);
    if (!lock)
        return refused(JobRefusal::Running, why, lock.error());
    if (savePassword)
        if (auto e = savePassword(job))
            return refused(JobRefusal::Password, why, *e);
    if (auto r = m_db.updateJob(job); !r)
        return refused(JobRefusal::Storage, why, r.error());
    JobChange change;
    if (!baseStillFits(before, job)) {
        // The base describes the old pair: start over with a first run (a
        // union, which never deletes anything). Kept aside, never deleted.
        if (auto problem = setBaseAside(before))
            change.notes.push_back(*problem);
        change.notes.push_back("the sides or the mode changed, so the next run starts afresh: it merges both sides "
                               "and deletes nothing");
    }
    if (job.name != before.name && savePassword) {
        (void)m_keychain.remove(SecretStore::keyForJob(before.name)); // the new one is saved under the new name
    } else if (job.name != before.name) {
        auto moved = m_keychain.move(SecretStore::keyForJob(before.name), SecretStore::keyForJob(job.name));
        if (moved.status == SecretStore::Status::Failed)
            change.notes.push_back("the saved password stayed under the old name; save it again with --save-password");
    }
    auto fresh = m_db.jobById(job.id);
    change.job = fresh && *fresh ? **fresh : job;
    return change;
}

Result<JobChange> JobOperations::rename(int64_t jobId, const std::string& newName, const std::string& holder,
                                        JobRefusal* why)
{
    auto found = byId(jobId, why);
    if (!found)
        return found.error();
    if (auto v = validateJobName(newName); !v)
        return refused(JobRefusal::Invalid, why, v.error());
    Job job = *found;
    job.name = newName;
    return edit(job, holder, {}, why);
}

std::string JobOperations::freeCopyName(const std::string& name, const std::vector<std::string>& taken)
{
    static const std::regex copySuffix(R"( \(copy(?: \d+)?\)$)");
    const std::string base = std::regex_replace(name, copySuffix, "");
    std::set<std::string> names;
    for (const std::string& t : taken)
        names.insert(folded(t));
    std::string candidate = base + " (copy)";
    for (int n = 2; names.count(folded(candidate)); ++n)
        candidate = base + " (copy " + std::to_string(n) + ")";
    return candidate;
}

Result<Job> JobOperations::duplicate(int64_t jobId, JobRefusal* why)
{
    auto found = byId(jobId, why);
    if (!found)
        return found.error();
    auto all = m_db.jobs();
    if (!all)
        return refused(JobRefusal::Storage, why, all.error());
    std::vector<std::string> taken;
    for (const Job& j : *all)
        taken.push_back(j.name);
    Job copy = *found;
    copy.name = freeCopyName(found->name, taken);
    copy.createdMs = copy.updatedMs = 0;
    // create() gives it its own state key: its base and its versions
    // subfolder (versioningOf) are its own from the first run on.
    return create(copy, {}, why);
}

Result<JobChange> JobOperations::remove(int64_t jobId, const std::string& holder, JobRefusal* why)
{
    auto found = byId(jobId, why);
    if (!found)
        return found.error();
    const Job job = *found;
    const std::string lockFile = jobLockPath(m_dataDir, job.id);
    auto lock = RunLock::acquire(lockFile, job.name, holder);
    if (!lock)
        return refused(JobRefusal::Running, why, lock.error());
    if (auto r = m_db.removeJob(job.id); !r)
        return refused(JobRefusal::Storage, why, r.error());
    JobChange change;
    change.job = job;
    // Its base belongs to no job now: set aside, never adopted by a job
    // that is given its name later.
    if (auto problem = setBaseAside(job))
        change.notes.push_back(*problem);
    // Its saved password goes with it, so a later job of that name cannot find it.
    if (hasRemoteSide(job))
        (void)m_keychain.remove(SecretStore::keyForJob(job.name));
    // Unlinked while still held: nobody can take this lock of a job that is gone.
    QFile::remove(QString::fromStdString(lockFile));
    lock->reset();
    return change;
}

int JobOperations::settleDeadRuns(const std::string& holder)
{
    auto running = m_db.runs(std::nullopt, 1000, RunOutcome::Running);
    if (!running)
        return 0;
    std::set<int64_t> dead;
    for (const RunRecord& r : *running)
        if (r.jobId && !RunLock::heldBy(jobLockPath(m_dataDir, r.jobId)))
            dead.insert(r.jobId);
    int settled = 0;
    for (int64_t id : dead)
        if (auto lock = RunLock::acquire(jobLockPath(m_dataDir, id), "", holder)) {
            auto n = m_db.markInterrupted(id, QDateTime::currentMSecsSinceEpoch());
            settled += n && *n > 0;
        }
    return settled;
}

} // namespace ferry
