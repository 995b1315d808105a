#include "jobcli.h"

#include "backend/location.h"
#include "clioutput.h"
#include "jobs/joboperations.h"
#include "jobs/jobrunner.h"
#include "jobs/jobstate.h"
#include "jobs/runlock.h"
#include "secrets/secretstore.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cstdio>

namespace ferry::cli::jobcli {

// ---- options --------------------------------------------------------------------------

namespace {

using Took = std::optional<std::optional<std::string>>; // nothing: not this option; else its error, if any

Took parseCommonOption(const std::string& a, Common& c)
{
    if (a == "--json")
        c.json = true;
    else if (a == "--reset-database")
        c.reset = true;
    else
        return std::nullopt;
    return std::optional<std::string>();
}

Took parseRunOption(const std::string& a, JobArgs& ja, Common& c)
{
    if (a == "--verbose" || a == "-v")
        c.verbose = true;
    else if (a == "--quiet" || a == "-q")
        c.quiet = true;
    else if (a == "--dry-run" || a == "-n")
        ja.dryRun = true;
    else if (a == "--force-deletions")
        ja.forceDeletions = true;
    else if (a == "--accept-new-root")
        ja.acceptNewRoot = true;
    else if (a == "--accept-new-host-key")
        ja.acceptNewHostKey = true;
    else
        return std::nullopt;
    return std::optional<std::string>();
}

std::optional<std::string> wholeNumber(ArgCursor& at, int64_t lo, int64_t hi, int64_t& out)
{
    std::string v;
    if (auto e = at.needValue(v))
        return e;
    if (!parseInt(v, out) || out < lo || out > hi)
        return "option " + at.option() + " needs a whole number from " + std::to_string(lo) + " to " +
               std::to_string(hi) + ", got '" + v + "'";
    return std::nullopt;
}

Took parseHistoryOption(ArgCursor& at, JobArgs& ja)
{
    const std::string& a = at.option();
    if (a == "--limit")
        return wholeNumber(at, 1, 1000000, ja.limit);
    if (a == "--run") {
        int64_t n = 0;
        if (auto e = wholeNumber(at, 1, INT64_MAX, n))
            return e;
        ja.runId = n;
        return std::optional<std::string>();
    }
    if (a != "--outcome")
        return std::nullopt;
    std::string v;
    if (auto e = at.needValue(v))
        return e;
    if (!parseOutcome(v))
        return "unknown --outcome '" + v +
               "' (use in-sync, errors, conflicts, stopped, cancelled, failed, interrupted or running)";
    ja.outcome = v;
    return std::optional<std::string>();
}

// `job edit`: a new name, or other sides.
Took parseSidesOption(ArgCursor& at, JobArgs& ja)
{
    const std::string& a = at.option();
    std::optional<std::string>* target = a == "--name" ? &ja.newName : a == "--left" ? &ja.left
                                       : a == "--right"                 ? &ja.right
                                                                        : nullptr;
    if (!target)
        return std::nullopt;
    std::string v;
    if (auto e = at.needValue(v))
        return e;
    *target = v;
    return std::optional<std::string>();
}

// Options that belong elsewhere, refused with where they belong.
std::optional<std::string> misplacedOption(const std::string& a)
{
    if (a == "--state")
        return std::string("a job keeps its own state; --state is for 'ferry-cli sync'");
    if (a == "--password" || a == "--pass")
        return std::string("passwords never come as arguments (they would land in shell history and process lists): "
                           "use --password-env NAME, or --save-password to store one in the keychain");
    return std::nullopt;
}

} // namespace

std::optional<std::string> parseJobArgs(const std::vector<std::string>& args, Accepts accepts, JobArgs& ja, Common& c)
{
    ArgCursor at(args);
    while (at.next()) {
        const std::string& a = at.option();
        std::optional<std::string> error;
        Took took;
        if (a == "--") {
            for (const std::string& p : at.takeRest())
                ja.positional.push_back(p);
            break;
        }
        if ((took = parseCommonOption(a, c)) || (accepts.run && (took = parseRunOption(a, ja, c))) ||
            (accepts.history && (took = parseHistoryOption(at, ja)))) {
            if (*took)
                return *took;
        } else if (accepts.settings && parseSettingOption(at, SettingsDialect::Job, ja.settings, error)) {
            if (error)
                return error;
        } else if (accepts.settings && accepts.sides && (took = parseSidesOption(at, ja))) {
            if (*took)
                return *took;
        } else if (auto misplaced = misplacedOption(a)) {
            return misplaced;
        } else if (a.size() > 1 && a[0] == '-') {
            return "unknown option '" + a + "' here (see ferry-cli --help)";
        } else {
            ja.positional.push_back(at.raw());
        }
    }
    return std::nullopt;
}

namespace {

std::optional<std::string> applyPatternEdits(bool clear, const std::vector<std::string>& remove,
                                             const std::vector<std::string>& add, const char* what,
                                             std::vector<std::string>& patterns)
{
    if (clear)
        patterns.clear();
    for (const std::string& r : remove) {
        auto it = std::find(patterns.begin(), patterns.end(), r);
        if (it == patterns.end())
            return std::string("the job has no ") + what + " pattern '" + r + "'";
        patterns.erase(it);
    }
    for (const std::string& e : add)
        if (std::find(patterns.begin(), patterns.end(), e) == patterns.end())
            patterns.push_back(e);
    return std::nullopt;
}

} // namespace

std::optional<std::string> applyFilterEdits(const SettingsArgs& s, Job& job)
{
    if (auto e = applyPatternEdits(s.clearExcludes, s.removeExcludes, s.addExcludes, "exclude", job.excludes))
        return e;
    return applyPatternEdits(s.clearIncludes, s.removeIncludes, s.addIncludes, "include", job.includes);
}

std::optional<std::string> resolveLocation(const std::string& text, std::string& out)
{
    auto loc = Location::parse(text, QDir::currentPath().toStdString());
    if (!loc)
        return loc.error().message();
    out = loc->toString();
    return std::nullopt;
}

// ---- output and the database ----------------------------------------------------------

int fail(const Common& c, const std::string& cmd, const std::string& message, int code)
{
    return reportFailure(c.json, cmd, message, code);
}

void printJson(const QJsonObject& o) { printJsonLine(o); }

std::string when(int64_t ms)
{
    if (ms <= 0)
        return "-";
    return QDateTime::fromMSecsSinceEpoch(ms).toString("yyyy-MM-dd HH:mm:ss").toStdString();
}

std::string isoTime(int64_t ms)
{
    return ms <= 0 ? std::string() : QDateTime::fromMSecsSinceEpoch(ms).toOffsetFromUtc(QDateTime::currentDateTime().offsetFromUtc()).toString(Qt::ISODate).toStdString();
}

std::string dataDir() { return AppDb::defaultDataDir(); }

void noteStatesSetAside(const std::vector<std::string>& moved)
{
    if (!moved.empty())
        std::fprintf(stderr, "ferry-cli: %zu state file(s) of the old jobs were set aside in '%s' (a new job never "
                             "takes them over)\n",
                     moved.size(), QFileInfo(q(moved.front())).absolutePath().toUtf8().constData());
}

// A damaged file is kept as it is unless the user asked for --reset-database.
std::unique_ptr<AppDb> openDb(const Common& c, const std::string& cmd, int& exitCode)
{
    const std::string file = AppDb::pathIn(dataDir());
    bool damaged = false;
    auto db = AppDb::open(file, &damaged);
    if (!db && damaged && c.reset) {
        auto moved = AppDb::moveAside(file);
        if (!moved) {
            exitCode = fail(c, cmd, moved.error().message());
            return nullptr;
        }
        std::fprintf(stderr, "ferry-cli: the damaged app database was kept as '%s'; starting a fresh one\n",
                     moved->c_str());
        db = AppDb::open(file, &damaged);
        if (db)
            noteStatesSetAside(setAsideOrphanedStates(dataDir(), {}));
    }
    if (!db) {
        exitCode = fail(c, cmd, db.error().message());
        return nullptr;
    }
    return std::move(*db);
}

// ---- jobs and runs --------------------------------------------------------------------

Result<Job> findJob(AppDb& db, const std::string& name) { return JobOperations(db, dataDir()).find(name); }

std::optional<RunRecord> lastRun(AppDb& db, int64_t jobId)
{
    auto runs = db.runs(jobId, 1);
    if (!runs || runs->empty())
        return std::nullopt;
    return runs->front();
}

RunOutcome shownOutcome(const RunRecord& r) { return ferry::shownOutcome(dataDir(), r); }

// Before the history is shown: runs left "running" by a process that died
// are recorded as interrupted, with the counts of what they got done.
void settleDeadRuns(AppDb& db) { (void)JobOperations(db, dataDir()).settleDeadRuns("ferry-cli history"); }

std::string passwordSource(const Job& job, bool probeKeychain)
{
    std::string s;
    if (!job.passwordEnv.empty())
        s = "read from the environment variable " + job.passwordEnv;
    if (probeKeychain) {
        auto k = SecretStore::read(SecretStore::keyForJob(job.name));
        if (k.status == SecretStore::Status::Ok)
            s += std::string(s.empty() ? "" : "; ") + "stored in the system keychain";
    }
    return s.empty() ? "none" : s;
}

namespace {

QJsonObject lastRunJson(const std::optional<RunRecord>& r)
{
    QJsonObject o;
    if (!r)
        return o;
    o["id"] = double(r->id);
    o["started"] = q(isoTime(r->startedMs));
    o["outcome"] = outcomeName(r->outcome);
    return o;
}

} // namespace

QJsonObject jobJson(AppDb& db, const Job& job)
{
    QJsonObject o = jobToJson(job);
    o["id"] = double(job.id);
    o["created"] = q(isoTime(job.createdMs));
    o["updated"] = q(isoTime(job.updatedMs));
    auto last = lastRun(db, job.id);
    if (last) {
        RunRecord shown = *last;
        shown.outcome = shownOutcome(*last);
        o["last_run"] = lastRunJson(shown);
    } else {
        o["last_run"] = QJsonValue::Null;
    }
    o["running"] = RunLock::heldBy(jobLockPath(dataDir(), job.id)).has_value();
    return o;
}

} // namespace ferry::cli::jobcli
