#include "jobcommands.h"

#include "backend/location.h"
#include "engine/filter.h"
#include "engine/reasons.h"
#include "engine/versionsplace.h"
#include "jobs/jobrunner.h"
#include "jobs/runlock.h"
#include "secrets/secretstore.h"
#include "store/appdb.h"
#include "cliargs.h"
#include "clioutput.h"
#include "synccommand.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <cstdlib>
#include <optional>
#include <termios.h>
#include <unistd.h>

namespace ferry::cli {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// Options every job command understands.
struct Common {
    bool json = false;
    bool reset = false;
    bool verbose = false;
    bool quiet = false;
};

struct Failure {
    int code = 2;
    std::string message;
};

int fail(const Common& c, const std::string& cmd, const std::string& message, int code = 2)
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

bool parseInt(const std::string& s, int64_t& out)
{
    if (s.empty())
        return false;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0')
        return false;
    out = v;
    return true;
}

std::string dataDir() { return AppDb::defaultDataDir(); }

// A versions folder that holds files of a synced local side is refused
// (see versionsplace.h); checked again by every run.
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
        const QFileInfo held(q(other->path + "/" + *rel));
        if ((held.exists() || held.isSymLink()) &&
            !Filter(job.excludes, job.includes).excludes(*rel, held.isDir() && !held.isSymLink()))
            return versionsFolderShadowProblem(job.versioning.folder, *rel, other->path);
    }
    return std::nullopt;
}

// After a reset the saved jobs are gone: their bases belong to no job now
// and must never be adopted by a new one.
void noteStatesSetAside(const std::vector<std::string>& moved)
{
    if (!moved.empty())
        std::fprintf(stderr, "ferry-cli: %zu state file(s) of the old jobs were set aside in '%s' (a new job never "
                             "takes them over)\n",
                     moved.size(), QFileInfo(q(moved.front())).absolutePath().toUtf8().constData());
}

// Opens the app database, or explains why not. A damaged file is kept as it
// is unless the user asked for --reset-database.
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

std::string readPasswordFromTerminal(const std::string& prompt)
{
    if (!::isatty(0))
        return {};
    std::fprintf(stderr, "%s", prompt.c_str());
    std::fflush(stderr);
    termios old {};
    const bool tty = ::tcgetattr(0, &old) == 0;
    if (tty) {
        termios noEcho = old;
        noEcho.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(0, TCSANOW, &noEcho);
    }
    std::string line;
    for (int ch; (ch = std::fgetc(stdin)) != EOF && ch != '\n';)
        line += char(ch);
    if (tty)
        ::tcsetattr(0, TCSANOW, &old);
    std::fputc('\n', stderr);
    return line;
}

// ---- job options --------------------------------------------------------------------

struct JobArgs {
    std::vector<std::string> positional;
    bool savePassword = false;
    bool forgetPassword = false;
    bool clearExcludes = false, clearIncludes = false;
    std::vector<std::string> addExcludes, removeExcludes, addIncludes, removeIncludes;
    std::optional<std::string> newName, left, right;
    // run
    bool dryRun = false;
    bool forceDeletions = false;
    bool acceptNewRoot = false;
    // history
    int64_t limit = 20;
    std::optional<std::string> outcome;
    std::optional<int64_t> runId;
};

// Parses the options of every job command into `job` (settings), `ja` and `c`.
// Returns an error message for bad usage. `allowed` lists what this command accepts.
std::optional<std::string> parseArgs(const std::vector<std::string>& args, const std::string& allowed, Job* job,
                                     JobArgs& ja, Common& c)
{
    auto allows = [&](const std::string& group) { return allowed.find(group) != std::string::npos; };
    for (size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        std::string inlineValue;
        bool hasInline = false;
        if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
            inlineValue = a.substr(a.find('=') + 1);
            a = a.substr(0, a.find('='));
            hasInline = true;
        }
        std::string v;
        auto value = [&]() -> bool {
            if (hasInline) {
                v = inlineValue;
                return true;
            }
            if (i + 1 >= args.size())
                return false;
            v = args[++i];
            return true;
        };
        auto needValue = [&]() -> std::optional<std::string> {
            if (!value())
                return "option " + a + " needs a value";
            return std::nullopt;
        };
        auto number = [&](int64_t lo, int64_t hi, int64_t& out) -> std::optional<std::string> {
            if (auto e = needValue())
                return e;
            if (!parseInt(v, out) || out < lo || out > hi)
                return "option " + a + " needs a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                       ", got '" + v + "'";
            return std::nullopt;
        };
        const bool settings = job && allows("settings");
        int64_t n = 0;
        if (a == "--") {
            for (++i; i < args.size(); ++i)
                ja.positional.push_back(args[i]);
            break;
        } else if (a == "--json") {
            c.json = true;
        } else if (a == "--reset-database") {
            c.reset = true;
        } else if ((a == "--verbose" || a == "-v") && allows("run")) {
            c.verbose = true;
        } else if ((a == "--quiet" || a == "-q") && allows("run")) {
            c.quiet = true;
        } else if ((a == "--dry-run" || a == "-n") && allows("run")) {
            ja.dryRun = true;
        } else if (a == "--force-deletions" && allows("run")) {
            ja.forceDeletions = true;
        } else if (a == "--accept-new-root" && allows("run")) {
            ja.acceptNewRoot = true;
        } else if (a == "--limit" && allows("history")) {
            if (auto e = number(1, 1000000, ja.limit))
                return e;
        } else if (a == "--outcome" && allows("history")) {
            if (auto e = needValue())
                return e;
            if (!parseOutcome(v))
                return "unknown --outcome '" + v +
                       "' (use in-sync, errors, conflicts, stopped, cancelled, failed, interrupted or running)";
            ja.outcome = v;
        } else if (a == "--run" && allows("history")) {
            if (auto e = number(1, INT64_MAX, n))
                return e;
            ja.runId = n;
        } else if (settings && a == "--mode") {
            if (auto e = needValue())
                return e;
            auto m = parseMode(v);
            if (!m)
                return m.error().detail + " (" + m.error().nextStep + ")";
            job->mode = *m;
        } else if (settings && a == "--conflict") {
            if (auto e = needValue())
                return e;
            auto p = parseConflictPolicy(v);
            if (!p)
                return p.error().detail + " (" + p.error().nextStep + ")";
            job->conflict = *p;
        } else if (settings && a == "--compare") {
            if (auto e = needValue())
                return e;
            auto p = parseCompare(v);
            if (!p)
                return p.error().detail + " (" + p.error().nextStep + ")";
            job->compare = *p;
        } else if (settings && a == "--versioning") {
            if (auto e = needValue())
                return e;
            if (v == "none")
                job->versioning.mode = VersioningSettings::Mode::None;
            else if (v == "trash")
                job->versioning.mode = VersioningSettings::Mode::Trash;
            else {
                auto loc = Location::parse(v, QDir::currentPath().toStdString());
                if (!loc || !loc->isLocal())
                    return "--versioning needs a local folder, 'trash' or 'none'";
                job->versioning.mode = VersioningSettings::Mode::Folder;
                job->versioning.folder = loc->path;
            }
        } else if (settings && a == "--versions-keep") {
            if (auto e = number(0, 1000000, n))
                return e;
            job->versioning.keepCount = int(n);
        } else if (settings && a == "--versions-max-age") {
            if (auto e = number(0, 100000, n))
                return e;
            job->versioning.maxAgeDays = int(n);
        } else if (settings && a == "--max-delete") {
            if (auto e = number(0, 100, n))
                return e;
            job->maxDeletePercent = int(n);
        } else if (settings && a == "--time-tolerance") {
            if (auto e = number(0, 86400, n))
                return e;
            job->timeToleranceSeconds = int(n);
        } else if (settings && a == "--ignore-dst-shift") {
            job->ignoreDstShift = true;
        } else if (settings && a == "--no-ignore-dst-shift") {
            job->ignoreDstShift = false;
        } else if (settings && a == "--exclude") {
            if (auto e = needValue())
                return e;
            ja.addExcludes.push_back(v);
        } else if (settings && a == "--remove-exclude") {
            if (auto e = needValue())
                return e;
            ja.removeExcludes.push_back(v);
        } else if (settings && a == "--clear-excludes") {
            ja.clearExcludes = true;
        } else if (settings && a == "--include") {
            if (auto e = needValue())
                return e;
            ja.addIncludes.push_back(v);
        } else if (settings && a == "--remove-include") {
            if (auto e = needValue())
                return e;
            ja.removeIncludes.push_back(v);
        } else if (settings && a == "--clear-includes") {
            ja.clearIncludes = true;
        } else if (settings && (a == "--min-size" || a == "--max-size" || a == "--min-age" || a == "--max-age")) {
            if (auto e = needValue())
                return e;
            if (auto e = parseLimitOption(a, v, job->limits))
                return e;
        } else if (settings && a == "--password-env") {
            if (auto e = needValue())
                return e;
            job->passwordEnv = v;
        } else if (settings && a == "--save-password") {
            ja.savePassword = true;
        } else if (settings && a == "--forget-password") {
            ja.forgetPassword = true;
        } else if (settings && a == "--schedule") {
            if (auto e = needValue())
                return e;
            auto s = Schedule::parse(v);
            if (!s)
                return s.error().detail + " (" + s.error().nextStep + ")";
            job->schedule = *s;
        } else if (settings && allows("edit") && a == "--name") {
            if (auto e = needValue())
                return e;
            ja.newName = v;
        } else if (settings && allows("edit") && a == "--left") {
            if (auto e = needValue())
                return e;
            ja.left = v;
        } else if (settings && allows("edit") && a == "--right") {
            if (auto e = needValue())
                return e;
            ja.right = v;
        } else if (a == "--state" || a == "--password" || a == "--pass") {
            return a == "--state" ? "a job keeps its own state; --state is for 'ferry-cli sync'"
                                  : "passwords never come as arguments (they would land in shell history and process "
                                    "lists): use --password-env NAME, or --save-password to store one in the keychain";
        } else if (a.size() > 1 && a[0] == '-') {
            return "unknown option '" + a + "' here (see ferry-cli --help)";
        } else {
            ja.positional.push_back(args[i]);
        }
    }
    return std::nullopt;
}

// --clear-…, --remove-…, then the added patterns, in that order.
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

std::optional<std::string> applyExcludeEdits(const JobArgs& ja, Job& job)
{
    if (auto e = applyPatternEdits(ja.clearExcludes, ja.removeExcludes, ja.addExcludes, "exclude", job.excludes))
        return e;
    return applyPatternEdits(ja.clearIncludes, ja.removeIncludes, ja.addIncludes, "include", job.includes);
}

// Locations from the command line are resolved against the working folder
// and stored in their printed form.
std::optional<std::string> resolveLocation(const std::string& text, std::string& out)
{
    auto loc = Location::parse(text, QDir::currentPath().toStdString());
    if (!loc)
        return loc.error().message();
    out = loc->toString();
    return std::nullopt;
}

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

// Saves the job's password in the keychain: from the job's environment
// variable (or FERRY_PASSWORD), else asked on the terminal.
std::optional<std::string> savePassword(const Job& job)
{
    std::string secret;
    std::string from;
    for (const std::string& var : {job.passwordEnv, std::string("FERRY_PASSWORD")}) {
        if (!var.empty() && std::getenv(var.c_str())) {
            secret = std::getenv(var.c_str());
            from = "the environment variable " + var;
            break;
        }
    }
    if (secret.empty()) {
        secret = readPasswordFromTerminal("Password for job '" + job.name + "': ");
        from = "the terminal";
    }
    if (secret.empty())
        return "--save-password found no password: set it in " +
               (job.passwordEnv.empty() ? std::string("FERRY_PASSWORD") : job.passwordEnv) +
               " or run on a terminal to be asked";
    auto out = SecretStore::write(SecretStore::keyForJob(job.name), secret);
    std::fill(secret.begin(), secret.end(), '\0');
    if (out.status == SecretStore::Status::NoKeychain)
        return "no keychain service is running here (" + out.detail +
               "), so the password was not saved. Use --password-env NAME instead: the job then reads the password "
               "from that environment variable each time it runs";
    if (out.status != SecretStore::Status::Ok)
        return "the keychain refused to store the password (" + out.detail + ")";
    std::fprintf(stderr, "ferry-cli: the password (from %s) is stored in the system keychain\n", from.c_str());
    return std::nullopt;
}

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

std::optional<RunRecord> lastRun(AppDb& db, int64_t jobId)
{
    auto runs = db.runs(jobId, 1);
    if (!runs || runs->empty())
        return std::nullopt;
    return runs->front();
}

// A run still marked running whose job lock nobody holds ended without finishing.
RunOutcome shownOutcome(const RunRecord& r)
{
    if (r.outcome == RunOutcome::Running && r.jobId &&
        !RunLock::heldBy(jobLockPath(dataDir(), r.jobId)))
        return RunOutcome::Interrupted;
    return r.outcome;
}

// Runs left "running" by a process that died are recorded as interrupted,
// with the counts of what they got done, before the history is shown. The
// job's lock is taken for that, so a run starting meanwhile is never touched.
void settleDeadRuns(AppDb& db)
{
    auto running = db.runs(std::nullopt, 1000, RunOutcome::Running);
    if (!running)
        return;
    std::set<int64_t> dead;
    for (const RunRecord& r : *running)
        if (r.jobId && !RunLock::heldBy(jobLockPath(dataDir(), r.jobId)))
            dead.insert(r.jobId);
    for (int64_t id : dead)
        if (auto lock = RunLock::acquire(jobLockPath(dataDir(), id), "", "ferry-cli history"))
            (void)db.markInterrupted(id, QDateTime::currentMSecsSinceEpoch());
}

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

void printJobHuman(AppDb& db, const Job& job)
{
    std::printf("job:        %s\n", job.name.c_str());
    std::printf("left:       %s\n", job.left.c_str());
    std::printf("right:      %s\n", job.right.c_str());
    std::printf("mode:       %s\n", modeName(job.mode));
    std::printf("conflicts:  %s\n", policyName(job.conflict));
    std::printf("compare:    %s\n", compareName(job.compare));
    std::string ex;
    for (const std::string& e : job.excludes)
        ex += (ex.empty() ? "" : ", ") + e;
    std::printf("exclude:    %s\n", ex.empty() ? "-" : ex.c_str());
    std::string in;
    for (const std::string& e : job.includes)
        in += (in.empty() ? "" : ", ") + e;
    std::printf("include:    %s\n", in.empty() ? "everything" : in.c_str());
    const std::string limits = job.limits.describe();
    std::printf("limits:     %s\n", limits.empty() ? "-" : limits.c_str());
    std::string ver = versioningToString(job.versioning);
    if (job.versioning.mode != VersioningSettings::Mode::None) {
        if (job.versioning.keepCount)
            ver += ", keep " + std::to_string(job.versioning.keepCount);
        if (job.versioning.maxAgeDays)
            ver += ", at most " + std::to_string(job.versioning.maxAgeDays) + " days";
    }
    std::printf("versioning: %s\n", ver.c_str());
    std::printf("safety:     stop when a run deletes more than %d%% of a side\n", job.maxDeletePercent);
    if (job.timeToleranceSeconds || job.ignoreDstShift)
        std::printf("times:      tolerance %d s%s\n", job.timeToleranceSeconds,
                    job.ignoreDstShift ? ", one-hour DST shifts ignored" : "");
    std::printf("schedule:   %s\n", job.schedule.toString().c_str());
    std::printf("password:   %s\n", passwordSource(job, hasRemoteSide(job)).c_str());
    if (auto holder = RunLock::heldBy(jobLockPath(dataDir(), job.id)))
        std::printf("running:    now (%s)\n", holder->c_str());
    auto last = lastRun(db, job.id);
    if (last)
        std::printf("last run:   %s, %s (run %lld; 'ferry-cli history %s')\n", when(last->startedMs).c_str(),
                    outcomeName(shownOutcome(*last)), static_cast<long long>(last->id), job.name.c_str());
    else
        std::printf("last run:   never ('ferry-cli run %s')\n", job.name.c_str());
}

Result<Job> findJob(AppDb& db, const std::string& name)
{
    auto j = db.jobByName(name);
    if (!j)
        return j.error();
    if (!*j)
        return Error::abortRun("find job", {}, "there is no job named '" + name + "'",
                               "See the saved jobs with 'ferry-cli job list'");
    return **j;
}

// ---- commands -----------------------------------------------------------------------

int jobAdd(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    Job job;
    if (auto e = parseArgs(args, "settings", &job, ja, c))
        return fail(c, "job add", *e);
    if (auto e = applyExcludeEdits(ja, job))
        return fail(c, "job add", *e);
    if (ja.positional.size() != 3)
        return fail(c, "job add", "needs NAME LEFT RIGHT (got " + std::to_string(ja.positional.size()) + " arguments)");
    job.name = ja.positional[0];
    if (auto e = resolveLocation(ja.positional[1], job.left))
        return fail(c, "job add", "LEFT: " + *e);
    if (auto e = resolveLocation(ja.positional[2], job.right))
        return fail(c, "job add", "RIGHT: " + *e);
    if (auto v = validateJob(job); !v)
        return fail(c, "job add", v.error().message());
    if (auto e = versionsPlaceProblem(job))
        return fail(c, "job add", *e);
    int code = 0;
    auto db = openDb(c, "job add", code);
    if (!db)
        return code;
    if (auto existing = db->jobByName(job.name); existing && *existing)
        return fail(c, "job add", "a job named '" + job.name + "' already exists; pick another name or use 'job edit'");
    if (ja.savePassword)
        if (auto e = savePassword(job))
            return fail(c, "job add", *e);
    auto id = db->addJob(job);
    if (!id)
        return fail(c, "job add", id.error().message());
    auto saved = db->jobById(*id);
    if (c.json) {
        QJsonObject o{{"exit_code", 0}, {"status", "added"}, {"job", jobJson(*db, saved && *saved ? **saved : job)}};
        printJson(o);
    } else {
        std::fprintf(stderr, "job '%s' added: %s ⇄ %s (%s). Run it with 'ferry-cli run %s'\n", job.name.c_str(),
                     job.left.c_str(), job.right.c_str(), modeName(job.mode), job.name.c_str());
    }
    // A typo in a path would otherwise only show as a new, empty folder.
    for (const std::string* side : {&job.left, &job.right})
        if (auto loc = Location::parse(*side); loc && loc->isLocal() && !QFileInfo::exists(q(loc->path)))
            std::fprintf(stderr, "note: '%s' does not exist yet; the first run creates it (check the path if that "
                                 "is not what you meant)\n", loc->path.c_str());
    return 0;
}

int jobEdit(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    // First pass: the name, to load the job the options then change.
    {
        JobArgs probe;
        Common pc;
        Job scratch;
        if (auto e = parseArgs(args, "settings edit", &scratch, probe, pc))
            return fail(pc, "job edit", *e);
        if (probe.positional.size() != 1)
            return fail(pc, "job edit", "needs the NAME of one job, then the settings to change");
        ja.positional = probe.positional;
        c = pc;
    }
    int code = 0;
    auto db = openDb(c, "job edit", code);
    if (!db)
        return code;
    auto found = findJob(*db, ja.positional[0]);
    if (!found)
        return fail(c, "job edit", found.error().message());
    Job job = *found;
    const Job before = job;
    JobArgs edits;
    if (auto e = parseArgs(args, "settings edit", &job, edits, c))
        return fail(c, "job edit", *e);
    if (auto e = applyExcludeEdits(edits, job))
        return fail(c, "job edit", *e);
    if (edits.newName)
        job.name = *edits.newName;
    if (edits.left)
        if (auto e = resolveLocation(*edits.left, job.left))
            return fail(c, "job edit", "--left: " + *e);
    if (edits.right)
        if (auto e = resolveLocation(*edits.right, job.right))
            return fail(c, "job edit", "--right: " + *e);
    if (auto v = validateJob(job); !v)
        return fail(c, "job edit", v.error().message());
    if (auto e = versionsPlaceProblem(job))
        return fail(c, "job edit", *e);
    // Before anything is written (the keychain included): a new name must be free.
    if (job.name != before.name)
        if (auto other = db->jobByName(job.name); other && other->has_value())
            return fail(c, "job edit", "a job named '" + job.name + "' already exists; pick another name");
    // Changing a side while the job runs would pull the base from under it.
    auto lock = RunLock::acquire(jobLockPath(dataDir(), job.id), before.name, "ferry-cli job edit");
    if (!lock)
        return fail(c, "job edit", lock.error().message() + " before changing it");
    if (edits.savePassword)
        if (auto e = savePassword(job))
            return fail(c, "job edit", *e);
    if (auto r = db->updateJob(job); !r)
        return fail(c, "job edit", r.error().message());
    std::vector<std::string> notes;
    if (job.left != before.left || job.right != before.right || job.mode != before.mode) {
        // The base describes the old pair: start over with a first run (a
        // union, which never deletes anything).
        QFile::remove(q(jobStatePath(dataDir(), job)));
        QFile::remove(q(jobStatePath(dataDir(), job) + "-wal"));
        QFile::remove(q(jobStatePath(dataDir(), job) + "-shm"));
        notes.push_back("the sides or the mode changed, so the next run starts afresh: it merges both sides and "
                        "deletes nothing");
    }
    if (job.name != before.name && edits.savePassword) {
        (void)SecretStore::remove(SecretStore::keyForJob(before.name)); // the new one is saved under the new name
    } else if (job.name != before.name) {
        auto moved = SecretStore::move(SecretStore::keyForJob(before.name), SecretStore::keyForJob(job.name));
        if (moved.status == SecretStore::Status::Failed)
            notes.push_back("the saved password stayed under the old name; save it again with --save-password");
    }
    if (edits.forgetPassword) {
        auto r = SecretStore::remove(SecretStore::keyForJob(job.name));
        if (r.status == SecretStore::Status::Ok || r.status == SecretStore::Status::NotFound)
            notes.push_back("the saved password was removed from the keychain");
    }
    if (c.json) {
        QJsonArray n;
        for (const std::string& s : notes)
            n.append(q(s));
        printJson(QJsonObject{{"exit_code", 0}, {"status", "changed"}, {"job", jobJson(*db, job)}, {"notes", n}});
    } else {
        for (const std::string& s : notes)
            std::fprintf(stderr, "note: %s\n", s.c_str());
        std::fprintf(stderr, "job '%s' changed\n", job.name.c_str());
    }
    return 0;
}

int jobList(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "", nullptr, ja, c))
        return fail(c, "job list", *e);
    if (!ja.positional.empty())
        return fail(c, "job list", "takes no arguments");
    int code = 0;
    auto db = openDb(c, "job list", code);
    if (!db)
        return code;
    settleDeadRuns(*db);
    auto jobs = db->jobs();
    if (!jobs)
        return fail(c, "job list", jobs.error().message());
    if (c.json) {
        QJsonArray a;
        for (const Job& j : *jobs)
            a.append(jobJson(*db, j));
        printJson(QJsonObject{{"exit_code", 0}, {"jobs", a}});
        return 0;
    }
    if (jobs->empty()) {
        std::fprintf(stderr, "no saved jobs yet: add one with 'ferry-cli job add NAME LEFT RIGHT --mode two-way'\n");
        return 0;
    }
    std::printf("%-20s %-8s %-19s %-12s %-16s %s\n", "NAME", "MODE", "LAST RUN", "OUTCOME", "SCHEDULE", "LEFT ⇄ RIGHT");
    for (const Job& j : *jobs) {
        auto last = lastRun(*db, j.id);
        std::string outcome = last ? outcomeName(shownOutcome(*last)) : "never run";
        if (RunLock::heldBy(jobLockPath(dataDir(), j.id)))
            outcome = "running";
        std::printf("%-20s %-8s %-19s %-12s %-16s %s ⇄ %s\n", j.name.c_str(), modeName(j.mode),
                    last ? when(last->startedMs).c_str() : "-", outcome.c_str(), j.schedule.toString().c_str(),
                    j.left.c_str(), j.right.c_str());
    }
    return 0;
}

int jobShow(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "", nullptr, ja, c))
        return fail(c, "job show", *e);
    if (ja.positional.size() != 1)
        return fail(c, "job show", "needs the NAME of one job");
    int code = 0;
    auto db = openDb(c, "job show", code);
    if (!db)
        return code;
    settleDeadRuns(*db);
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "job show", job.error().message());
    if (c.json) {
        QJsonObject o = jobJson(*db, *job);
        o["password"] = q(passwordSource(*job, hasRemoteSide(*job)));
        printJson(QJsonObject{{"exit_code", 0}, {"job", o}});
    } else {
        printJobHuman(*db, *job);
    }
    return 0;
}

int jobRemove(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "", nullptr, ja, c))
        return fail(c, "job remove", *e);
    if (ja.positional.size() != 1)
        return fail(c, "job remove", "needs the NAME of one job");
    int code = 0;
    auto db = openDb(c, "job remove", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "job remove", job.error().message());
    auto lock = RunLock::acquire(jobLockPath(dataDir(), job->id), job->name, "ferry-cli job remove");
    if (!lock)
        return fail(c, "job remove", lock.error().message() + " before removing it");
    if (auto r = db->removeJob(job->id); !r)
        return fail(c, "job remove", r.error().message());
    const std::string state = jobStatePath(dataDir(), *job);
    for (const char* suffix : {"", "-wal", "-shm", ".lock"})
        QFile::remove(q(state + suffix));
    if (hasRemoteSide(*job))
        (void)SecretStore::remove(SecretStore::keyForJob(job->name));
    lock->reset();
    QFile::remove(q(jobLockPath(dataDir(), job->id)));
    if (c.json)
        printJson(QJsonObject{{"exit_code", 0}, {"status", "removed"}, {"job", q(job->name)}});
    else
        std::fprintf(stderr, "job '%s' removed (its folders are untouched; its runs stay in the history)\n",
                     job->name.c_str());
    return 0;
}

int jobExport(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "", nullptr, ja, c))
        return fail(c, "job export", *e);
    if (ja.positional.empty() || ja.positional.size() > 2)
        return fail(c, "job export", "needs NAME and optionally a FILE to write");
    int code = 0;
    auto db = openDb(c, "job export", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "job export", job.error().message());
    QJsonObject o = jobToJson(*job);
    o["ferry_job_format"] = 1;
    const QByteArray text = QJsonDocument(o).toJson(QJsonDocument::Indented);
    if (ja.positional.size() == 2 && ja.positional[1] != "-") {
        const QString file = q(ja.positional[1]);
        const QString temp = file + ".ferry-export-tmp";
        QFile out(temp);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text) != text.size() || !out.flush())
            return fail(c, "job export", "cannot write '" + ja.positional[1] + "': " + out.errorString().toStdString());
        out.close();
        // rename(2) replaces an existing file in one step: the old export
        // stays whole until the new one is complete.
        if (::rename(temp.toLocal8Bit().constData(), file.toLocal8Bit().constData()) != 0) {
            const std::string why = std::strerror(errno);
            QFile::remove(temp);
            return fail(c, "job export", "cannot write '" + ja.positional[1] + "': " + why);
        }
        if (c.json)
            printJson(QJsonObject{{"exit_code", 0}, {"status", "exported"}, {"file", file}});
        else
            std::fprintf(stderr, "job '%s' written to %s (no passwords are exported)\n", job->name.c_str(),
                         ja.positional[1].c_str());
    } else {
        std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    }
    return 0;
}

int jobImport(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "", nullptr, ja, c))
        return fail(c, "job import", *e);
    if (ja.positional.size() != 1)
        return fail(c, "job import", "needs the FILE to read ('-' for standard input)");
    QFile in;
    if (ja.positional[0] == "-") {
        if (!in.open(stdin, QIODevice::ReadOnly))
            return fail(c, "job import", "cannot read standard input");
    } else {
        in.setFileName(q(ja.positional[0]));
        if (!in.open(QIODevice::ReadOnly))
            return fail(c, "job import", "cannot read '" + ja.positional[0] + "': " + in.errorString().toStdString());
    }
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(in.readAll(), &perr);
    if (doc.isNull() || !doc.isObject())
        return fail(c, "job import", "'" + ja.positional[0] + "' is not a job file (" +
                                         (doc.isNull() ? perr.errorString().toStdString() : "not a JSON object") +
                                         "); write one with 'ferry-cli job export NAME FILE'");
    const QJsonObject o = doc.object();
    if (o.contains("ferry_job_format") && o.value("ferry_job_format").toInt() != 1)
        return fail(c, "job import", "the file uses job format " +
                                         std::to_string(o.value("ferry_job_format").toInt()) +
                                         ", which this Ferry does not know; update Ferry");
    auto job = jobFromJson(o);
    if (!job)
        return fail(c, "job import", job.error().message());
    int code = 0;
    auto db = openDb(c, "job import", code);
    if (!db)
        return code;
    auto id = db->addJob(*job);
    if (!id)
        return fail(c, "job import", id.error().message());
    auto saved = db->jobById(*id);
    if (c.json)
        printJson(QJsonObject{{"exit_code", 0}, {"status", "imported"}, {"job", jobJson(*db, saved && *saved ? **saved : *job)}});
    else
        std::fprintf(stderr, "job '%s' imported: %s ⇄ %s (%s)\n", job->name.c_str(), job->left.c_str(),
                     job->right.c_str(), modeName(job->mode));
    return 0;
}

int runJob(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "run", nullptr, ja, c))
        return fail(c, "run", *e);
    if (ja.positional.size() != 1)
        return fail(c, "run", "needs the NAME of one job");
    int code = 0;
    std::unique_ptr<AppDb> db = openDb(c, "run", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "run", job.error().message());
    db.reset(); // the runner opens its own connection

    if (hasRemoteSide(*job)) {
        // Where the password comes from, said before anything else happens.
        std::string from;
        if (!job->passwordEnv.empty() && std::getenv(job->passwordEnv.c_str()))
            from = "the environment variable " + job->passwordEnv;
        else if (job->passwordEnv.empty() && std::getenv("FERRY_PASSWORD"))
            from = "the environment variable FERRY_PASSWORD";
        else if (SecretStore::read(SecretStore::keyForJob(job->name)).status == SecretStore::Status::Ok)
            from = "the system keychain";
        else if (::isatty(0))
            from = "a prompt on this terminal";
        if (from.empty())
            return fail(c, "run", "job '" + job->name + "' needs a password, and there is none: " +
                                      (job->passwordEnv.empty() ? std::string("no environment variable is set for it")
                                                                : "$" + job->passwordEnv + " is not set") +
                                      ", no keychain holds one, and there is no terminal to ask on. Set the "
                                      "variable, save the password with 'job edit NAME --save-password', or run "
                                      "from a terminal");
        std::fprintf(stderr, "ferry-cli: the password comes from %s\n", from.c_str());
    }

    JobRunner runner(dataDir(), *job, RunTrigger::Cli, ja.dryRun);
    runner.setSafetyOverrides(ja.forceDeletions, ja.acceptNewRoot);
    auto prepared = runner.prepare(ja.dryRun ? "ferry-cli run --dry-run" : "ferry-cli run");
    for (const std::string& n : runner.notes())
        std::fprintf(stderr, "note: %s\n", n.c_str());
    if (!prepared) {
        const Error& e = prepared.error();
        return fail(c, "run", e.message(), 2);
    }
    CancelToken cancel = runner.cancelToken();
    setCancelTarget(&cancel);
    const bool live = !c.quiet && !c.json && ::isatty(2);
    if (live)
        std::fputs("scanning…", stderr);
    const auto start = std::chrono::steady_clock::now();
    const SyncReport& report = runner.run([&](const Progress& p) {
        if (live)
            printProgress(p);
    });
    if (live)
        std::fputs("\r\033[K", stderr);
    setCancelTarget(nullptr);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SyncArgs sa;
    sa.options = syncOptionsOf(*job);
    sa.options.dryRun = ja.dryRun;
    sa.json = c.json;
    sa.verbose = c.verbose;
    sa.quiet = c.quiet;
    QJsonObject extra{{"job", q(job->name)}};
    extra["run_id"] = runner.runId() ? QJsonValue(double(runner.runId())) : QJsonValue(QJsonValue::Null);
    QJsonArray notes;
    for (const std::string& n : runner.notes())
        notes.append(q(n));
    extra["notes"] = notes;
    printReport(sa, job->left, job->right, report, secs, extra);
    return int(report.exit);
}

QJsonObject runJson(const RunRecord& r)
{
    QJsonObject o;
    o["id"] = double(r.id);
    o["job"] = q(r.jobName);
    o["job_exists"] = r.jobId != 0;
    o["trigger"] = triggerName(r.trigger);
    o["started"] = q(isoTime(r.startedMs));
    o["ended"] = r.endedMs ? QJsonValue(q(isoTime(r.endedMs))) : QJsonValue(QJsonValue::Null);
    o["seconds"] = r.endedMs ? QJsonValue(double(r.endedMs - r.startedMs) / 1000.0) : QJsonValue(QJsonValue::Null);
    o["outcome"] = outcomeName(shownOutcome(r));
    o["exit_code"] = r.exitCode;
    o["pid"] = double(r.pid);
    o["host"] = q(r.host);
    QJsonObject counts;
    counts["copy_left_to_right"] = double(r.counts.copiedToRight);
    counts["copy_right_to_left"] = double(r.counts.copiedToLeft);
    counts["delete_right"] = double(r.counts.deletedRight);
    counts["delete_left"] = double(r.counts.deletedLeft);
    counts["renamed"] = double(r.counts.renamed);
    counts["set_time"] = double(r.counts.timesFixed);
    counts["conflicts"] = double(r.counts.conflicts);
    counts["conflicts_pending"] = double(r.counts.conflictsPending);
    counts["errors"] = double(r.counts.errors);
    o["counts"] = counts;
    o["bytes"] = double(r.counts.bytes);
    o["message"] = q(r.message);
    return o;
}

std::string duration(const RunRecord& r)
{
    if (!r.endedMs)
        return "-";
    const double s = double(r.endedMs - r.startedMs) / 1000.0;
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%.1f s", s);
    else
        std::snprintf(buf, sizeof buf, "%d min %02d s", int(s) / 60, int(s) % 60);
    return buf;
}

int history(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "history", nullptr, ja, c))
        return fail(c, "history", *e);
    if (ja.positional.size() > 1)
        return fail(c, "history", "takes at most one JOB name");
    int code = 0;
    auto db = openDb(c, "history", code);
    if (!db)
        return code;
    settleDeadRuns(*db);
    if (ja.runId) {
        auto run = db->run(*ja.runId);
        if (!run)
            return fail(c, "history", run.error().message());
        if (!*run)
            return fail(c, "history", "there is no run " + std::to_string(*ja.runId) + " in the history");
        auto items = db->runItems(*ja.runId, int(ja.limit < 1000 ? 100000 : ja.limit));
        if (!items)
            return fail(c, "history", items.error().message());
        if (c.json) {
            QJsonObject o = runJson(**run);
            QJsonArray a;
            for (const RunItemRecord& it : *items)
                a.append(QJsonObject{{"path", q(it.path)}, {"action", q(it.action)}, {"result", q(it.result)},
                                     {"bytes", double(it.bytes)},
                                     {"detail", q(historyDetail(it.action, it.detail, it.reason))}});
            o["items"] = a;
            printJson(QJsonObject{{"exit_code", 0}, {"run", o}});
        } else {
            const RunRecord& r = **run;
            std::printf("run %lld of '%s' (%s), %s, %s, %s\n", static_cast<long long>(r.id), r.jobName.c_str(),
                        triggerName(r.trigger), when(r.startedMs).c_str(), duration(r).c_str(),
                        outcomeName(shownOutcome(r)));
            if (!r.message.empty())
                std::printf("  %s\n", r.message.c_str());
            for (const RunItemRecord& it : *items) {
                const std::string detail = historyDetail(it.action, it.detail, it.reason);
                std::printf("  %-8s %-15s %s%s%s\n", it.result.c_str(), it.action.c_str(), it.path.c_str(),
                            detail.empty() ? "" : "\n           ", detail.c_str());
            }
            if (items->empty())
                std::printf("  (no items recorded)\n");
        }
        return 0;
    }
    std::optional<int64_t> jobId;
    if (!ja.positional.empty()) {
        auto job = findJob(*db, ja.positional[0]);
        if (!job) {
            // A removed job's runs are still in the history, by name.
            auto all = db->runs(std::nullopt, 1000000);
            bool known = false;
            if (all)
                for (const RunRecord& r : *all)
                    known = known || r.jobName == ja.positional[0];
            if (!known)
                return fail(c, "history", job.error().message());
        } else {
            jobId = job->id;
        }
    }
    auto outcome = ja.outcome ? parseOutcome(*ja.outcome) : std::nullopt;
    auto runs = db->runs(jobId, jobId || ja.positional.empty() ? int(ja.limit) : 1000000, outcome);
    if (!runs)
        return fail(c, "history", runs.error().message());
    std::vector<RunRecord> shown;
    for (const RunRecord& r : *runs) {
        if (!jobId && !ja.positional.empty() && r.jobName != ja.positional[0])
            continue;
        if (int64_t(shown.size()) >= ja.limit)
            break;
        shown.push_back(r);
    }
    if (c.json) {
        QJsonArray a;
        for (const RunRecord& r : shown)
            a.append(runJson(r));
        printJson(QJsonObject{{"exit_code", 0}, {"runs", a}});
        return 0;
    }
    if (shown.empty()) {
        std::fprintf(stderr, "no runs recorded yet%s\n", ja.positional.empty() ? "" : " for this job");
        return 0;
    }
    std::printf("%-6s %-19s %-18s %-9s %-12s %-10s %s\n", "RUN", "STARTED", "JOB", "TRIGGER", "OUTCOME", "TOOK",
                "WHAT");
    for (const RunRecord& r : shown) {
        char what[160];
        std::snprintf(what, sizeof what, "→%lld ←%lld ✕%lld ↻%lld, %lld conflict(s), %lld error(s), %lld bytes",
                      static_cast<long long>(r.counts.copiedToRight), static_cast<long long>(r.counts.copiedToLeft),
                      static_cast<long long>(r.counts.deletedLeft + r.counts.deletedRight),
                      static_cast<long long>(r.counts.renamed), static_cast<long long>(r.counts.conflicts),
                      static_cast<long long>(r.counts.errors), static_cast<long long>(r.counts.bytes));
        std::printf("%-6lld %-19s %-18s %-9s %-12s %-10s %s\n", static_cast<long long>(r.id), when(r.startedMs).c_str(),
                    r.jobName.c_str(), triggerName(r.trigger), outcomeName(shownOutcome(r)), duration(r).c_str(), what);
    }
    std::fflush(stdout);
    std::fprintf(stderr, "details of one run: ferry-cli history --run ID\n");
    return 0;
}

int conflicts(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseArgs(args, "", nullptr, ja, c))
        return fail(c, "conflicts", *e);
    if (ja.positional.size() != 1)
        return fail(c, "conflicts", "needs the NAME of one job");
    int code = 0;
    auto db = openDb(c, "conflicts", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "conflicts", job.error().message());
    auto pending = db->pendingConflicts(job->id);
    if (!pending)
        return fail(c, "conflicts", pending.error().message());
    if (c.json) {
        QJsonArray a;
        for (const RunItemRecord& it : *pending)
            a.append(QJsonObject{{"path", q(it.path)}, {"reason", q(historyDetail(it.action, it.detail, it.reason))}});
        printJson(QJsonObject{{"exit_code", 0}, {"job", q(job->name)}, {"conflicts", a}});
        return 0;
    }
    if (pending->empty()) {
        std::fprintf(stderr, "no pending conflicts for '%s' (as of its last run)\n", job->name.c_str());
        return 0;
    }
    for (const RunItemRecord& it : *pending)
        std::printf("%s\n    %s\n", it.path.c_str(), historyDetail(it.action, it.detail, it.reason).c_str());
    std::fprintf(stderr,
                 "%zu conflict(s) pending. Keep the version you want on one side (the next run carries it over), or "
                 "run once with a policy: 'ferry-cli job edit %s --conflict keep-both' then 'ferry-cli run %s'\n",
                 pending->size(), job->name.c_str(), job->name.c_str());
    return 0;
}

} // namespace

int resetDatabase(bool json)
{
    Common c;
    c.json = json;
    const std::string file = AppDb::pathIn(dataDir());
    bool damaged = false;
    {
        auto db = AppDb::open(file, &damaged);
        if (db && !(*db)->verify()) {
            damaged = true;
        } else if (db) {
            return fail(c, "--reset-database",
                        "the app database '" + file + "' is healthy; nothing was changed (--reset-database only "
                        "replaces a damaged database)");
        }
        if (!db && !damaged)
            return fail(c, "--reset-database", db.error().message());
    }
    auto moved = AppDb::moveAside(file);
    if (!moved)
        return fail(c, "--reset-database", moved.error().message());
    auto fresh = AppDb::open(file);
    if (!fresh)
        return fail(c, "--reset-database", fresh.error().message());
    noteStatesSetAside(setAsideOrphanedStates(dataDir(), {}));
    if (json)
        printJson(QJsonObject{{"exit_code", 0}, {"status", "reset"}, {"kept_as", q(*moved)}, {"database", q(file)}});
    else
        std::fprintf(stderr, "the damaged app database was kept as '%s'; a fresh one is at '%s'. Saved jobs are in "
                             "the old file: add them again (or import their exports)\n",
                     moved->c_str(), file.c_str());
    return 0;
}

int runJobCommand(const std::string& cmd, const std::vector<std::string>& args)
{
    if (cmd == "run")
        return runJob(args);
    if (cmd == "history")
        return history(args);
    if (cmd == "conflicts")
        return conflicts(args);
    // job SUBCOMMAND
    Common c;
    for (const std::string& a : args)
        c.json = c.json || a == "--json";
    if (args.empty())
        return fail(c, "job", "needs a subcommand: add, edit, list, show, remove, export or import");
    const std::string sub = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "add") return jobAdd(rest);
    if (sub == "edit") return jobEdit(rest);
    if (sub == "list") return jobList(rest);
    if (sub == "show") return jobShow(rest);
    if (sub == "remove" || sub == "rm") return jobRemove(rest);
    if (sub == "export") return jobExport(rest);
    if (sub == "import") return jobImport(rest);
    return fail(c, "job", "unknown subcommand '" + sub + "' (use add, edit, list, show, remove, export or import)");
}

} // namespace ferry::cli
