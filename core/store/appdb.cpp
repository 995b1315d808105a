#include "appdb.h"

#include "model/job.h"
#include "store/sqlite.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>

#include <cerrno>
#include <cstdio>
#include <sqlite3.h>
#include <sys/stat.h>
#include <thread>

namespace ferry {

namespace {

constexpr int kAppId = 0x46455241; // "FERA": Ferry app database (state files use "FERY")

// Each step takes the schema from version i to i + 1. Never edit a step that
// has shipped: add a new one.
const char* kMigrations[] = {
    // 0 → 1: jobs, runs and their items
    R"(
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  left_location TEXT NOT NULL,
  right_location TEXT NOT NULL,
  mode TEXT NOT NULL,
  conflict TEXT NOT NULL,
  compare TEXT NOT NULL,
  excludes TEXT NOT NULL DEFAULT '[]',
  versioning TEXT NOT NULL DEFAULT 'none',
  versions_keep INTEGER NOT NULL DEFAULT 0,
  versions_max_age_days INTEGER NOT NULL DEFAULT 0,
  max_delete_percent INTEGER NOT NULL DEFAULT 50,
  time_tolerance_s INTEGER NOT NULL DEFAULT 0,
  ignore_dst_shift INTEGER NOT NULL DEFAULT 0,
  password_env TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  job_name TEXT NOT NULL,
  trigger TEXT NOT NULL,
  dry_run INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL DEFAULT 0,
  outcome TEXT NOT NULL,
  exit_code INTEGER NOT NULL DEFAULT -1,
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  copied_to_right INTEGER NOT NULL DEFAULT 0,
  copied_to_left INTEGER NOT NULL DEFAULT 0,
  deleted_right INTEGER NOT NULL DEFAULT 0,
  deleted_left INTEGER NOT NULL DEFAULT 0,
  renamed INTEGER NOT NULL DEFAULT 0,
  times_fixed INTEGER NOT NULL DEFAULT 0,
  conflicts INTEGER NOT NULL DEFAULT 0,
  conflicts_pending INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  message TEXT NOT NULL DEFAULT '');
CREATE INDEX runs_by_job ON runs(job_id, id);
CREATE TABLE run_items(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  path TEXT NOT NULL,
  action TEXT NOT NULL,
  result TEXT NOT NULL,
  bytes INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
)",
    // 1 → 2: schedules
    R"(
ALTER TABLE jobs ADD COLUMN schedule TEXT NOT NULL DEFAULT 'manual';
CREATE INDEX runs_by_outcome ON runs(outcome, id);
)",
    // 2 → 3: include patterns and size/age limits
    R"(
ALTER TABLE jobs ADD COLUMN includes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE jobs ADD COLUMN min_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN max_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN min_age_s INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN max_age_s INTEGER NOT NULL DEFAULT 0;
CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters VALUES('last_job_id', (SELECT coalesce(max(id), 0) FROM jobs));
)",
    // 3 → 4: a state key per job that is never reused (ids restart after a
    // database reset). Existing jobs keep the file they used: job-<id>.db.
    R"(
ALTER TABLE jobs ADD COLUMN state_key TEXT NOT NULL DEFAULT '';
UPDATE jobs SET state_key = 'job-' || id;
CREATE UNIQUE INDEX jobs_by_state_key ON jobs(state_key);
)",
    // 4 → 5: what stopped a run and why an item was planned, as data (a
    // kind or rule id with its arguments, JSON) to be worded when shown.
    // Older rows keep their sentence (message, detail) and no data.
    R"(
ALTER TABLE runs ADD COLUMN stop TEXT NOT NULL DEFAULT '';
ALTER TABLE run_items ADD COLUMN rule TEXT NOT NULL DEFAULT '';
ALTER TABLE run_items ADD COLUMN reason TEXT NOT NULL DEFAULT '';
)",
    // 5 → 6: what a job's server side needs: its own SSH key file, and
    // where that side keeps its versions on the server. Older jobs have
    // neither (versioning on a server was not possible before).
    R"(
ALTER TABLE jobs ADD COLUMN identity_file TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN server_versions TEXT NOT NULL DEFAULT '';
)",
};
static_assert(sizeof kMigrations / sizeof *kMigrations == AppDb::kSchemaVersion);

const char* kResetHint = "Run 'ferry-cli --reset-database' to keep the damaged file aside under a time-stamped "
                         "name and start a fresh app database (your synced folders are not touched; saved jobs "
                         "and history are in the old file)";

bool isDamageCode(int code)
{
    code &= 0xff;
    return code == SQLITE_CORRUPT || code == SQLITE_NOTADB;
}

int64_t nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

std::string excludesJson(const std::vector<std::string>& v)
{
    QJsonArray a;
    for (const std::string& s : v)
        a.append(QString::fromStdString(s));
    return QJsonDocument(a).toJson(QJsonDocument::Compact).toStdString();
}

std::vector<std::string> excludesFrom(const std::string& json)
{
    std::vector<std::string> out;
    for (const QJsonValue& v : QJsonDocument::fromJson(QByteArray::fromStdString(json)).array())
        out.push_back(v.toString().toStdString());
    return out;
}

const char* kJobColumns = "id, name, left_location, right_location, mode, conflict, compare, excludes, versioning, "
                          "versions_keep, versions_max_age_days, max_delete_percent, time_tolerance_s, "
                          "ignore_dst_shift, password_env, created_at, updated_at, schedule, includes, min_size, max_size, "
                          "min_age_s, max_age_s, state_key, identity_file, server_versions";

Job jobFromRow(const sql::Stmt& st)
{
    Job j;
    j.id = st.i64(0);
    j.name = st.text(1);
    j.left = st.text(2);
    j.right = st.text(3);
    if (auto m = parseMode(st.text(4)))
        j.mode = *m;
    if (auto c = parseConflictPolicy(st.text(5)))
        j.conflict = *c;
    if (auto c = parseCompare(st.text(6)))
        j.compare = *c;
    j.excludes = excludesFrom(st.text(7));
    setVersioningFromString(j.versioning, st.text(8));
    j.versioning.keepCount = int(st.i64(9));
    j.versioning.maxAgeDays = int(st.i64(10));
    j.maxDeletePercent = int(st.i64(11));
    j.timeToleranceSeconds = int(st.i64(12));
    j.ignoreDstShift = st.i64(13) != 0;
    j.passwordEnv = st.text(14);
    j.createdMs = st.i64(15);
    j.updatedMs = st.i64(16);
    if (auto s = Schedule::parse(st.text(17)))
        j.schedule = *s;
    j.includes = excludesFrom(st.text(18));
    j.limits.minSize = st.i64(19);
    j.limits.maxSize = st.i64(20);
    j.limits.minAgeSeconds = st.i64(21);
    j.limits.maxAgeSeconds = st.i64(22);
    j.stateKey = st.text(23);
    j.identityFile = st.text(24);
    j.versioning.serverFolder = st.text(25);
    return j;
}

const char* kRunColumns = "id, coalesce(job_id, 0), job_name, trigger, dry_run, started_at, ended_at, outcome, "
                          "exit_code, pid, host, copied_to_right, copied_to_left, deleted_right, deleted_left, "
                          "renamed, times_fixed, conflicts, conflicts_pending, errors, bytes, message, stop";

RunTrigger triggerFrom(const std::string& s)
{
    if (s == "schedule") return RunTrigger::Schedule;
    if (s == "change") return RunTrigger::Change;
    if (s == "cli") return RunTrigger::Cli;
    return RunTrigger::Manual;
}

RunRecord runFromRow(const sql::Stmt& st)
{
    RunRecord r;
    r.id = st.i64(0);
    r.jobId = st.i64(1);
    r.jobName = st.text(2);
    r.trigger = triggerFrom(st.text(3));
    r.dryRun = st.i64(4) != 0;
    r.startedMs = st.i64(5);
    r.endedMs = st.i64(6);
    r.outcome = parseOutcome(st.text(7)).value_or(RunOutcome::Failed);
    r.exitCode = int(st.i64(8));
    r.pid = st.i64(9);
    r.host = st.text(10);
    r.counts.copiedToRight = st.i64(11);
    r.counts.copiedToLeft = st.i64(12);
    r.counts.deletedRight = st.i64(13);
    r.counts.deletedLeft = st.i64(14);
    r.counts.renamed = st.i64(15);
    r.counts.timesFixed = st.i64(16);
    r.counts.conflicts = st.i64(17);
    r.counts.conflictsPending = st.i64(18);
    r.counts.errors = st.i64(19);
    r.counts.bytes = st.i64(20);
    r.message = st.text(21);
    r.stop = stopFromJson(st.text(22));
    return r;
}

RunItemRecord itemFromRow(const sql::Stmt& st)
{
    return {st.text(0), st.text(1), st.text(2), st.i64(3), st.text(4), reasonFromJson(st.text(5))};
}

} // namespace

const char* triggerName(RunTrigger t)
{
    switch (t) {
    case RunTrigger::Manual: return "manual";
    case RunTrigger::Schedule: return "schedule";
    case RunTrigger::Change: return "change";
    case RunTrigger::Cli: return "cli";
    }
    return "manual";
}

const char* outcomeName(RunOutcome o)
{
    switch (o) {
    case RunOutcome::Running: return "running";
    case RunOutcome::InSync: return "in-sync";
    case RunOutcome::Errors: return "errors";
    case RunOutcome::Conflicts: return "conflicts";
    case RunOutcome::Stopped: return "stopped";
    case RunOutcome::Cancelled: return "cancelled";
    case RunOutcome::Failed: return "failed";
    case RunOutcome::Interrupted: return "interrupted";
    }
    return "failed";
}

std::optional<RunOutcome> parseOutcome(const std::string& s)
{
    for (RunOutcome o : {RunOutcome::Running, RunOutcome::InSync, RunOutcome::Errors, RunOutcome::Conflicts,
                         RunOutcome::Stopped, RunOutcome::Cancelled, RunOutcome::Failed, RunOutcome::Interrupted})
        if (s == outcomeName(o))
            return o;
    return std::nullopt;
}

std::string AppDb::defaultDataDir()
{
    QString dir = qEnvironmentVariable("FERRY_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return dir.toStdString();
}

AppDb::~AppDb()
{
    if (m_db)
        sqlite3_close(m_db);
}

Error AppDb::dbError(const std::string& op) const
{
    const int code = m_db ? sqlite3_extended_errcode(m_db) : SQLITE_CANTOPEN;
    const std::string detail = m_db ? sqlite3_errmsg(m_db) : "cannot open";
    if (isDamageCode(code))
        return Error::abortRun(op, m_file, "the app database is damaged (" + detail + ")", kResetHint);
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
        return Error::retry(op, m_file, "the app database is busy (" + detail + ")",
                            "Another Ferry process holds it for too long; try again in a moment");
    if ((code & 0xff) == SQLITE_FULL)
        return Error::abortRun(op, m_file, "the disk is full (" + detail + ")",
                               "Free some space on the disk that holds Ferry's data folder and try again");
    return Error::abortRun(op, m_file, detail, "Check that Ferry's data folder exists and may be written");
}

Result<void> AppDb::inTransaction(const std::string& op, const std::function<Result<void>()>& body)
{
    if (sql::exec(m_db, "BEGIN IMMEDIATE") != SQLITE_OK)
        return dbError(op);
    Result<void> r = body();
    if (!r) {
        sql::exec(m_db, "ROLLBACK");
        return r;
    }
    if (sql::exec(m_db, "COMMIT") != SQLITE_OK) {
        Error e = dbError(op);
        sql::exec(m_db, "ROLLBACK");
        return e;
    }
    return Ok{};
}

Result<std::unique_ptr<AppDb>> AppDb::open(const std::string& file, bool* damaged)
{
    if (damaged)
        *damaged = false;
    std::unique_ptr<AppDb> db(new AppDb);
    db->m_file = file;
    QDir().mkpath(QFileInfo(QString::fromStdString(file)).absolutePath());
    if (sqlite3_open_v2(file.c_str(), &db->m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
        return Error::abortRun("open app database", file, db->m_db ? sqlite3_errmsg(db->m_db) : "cannot open",
                               "Check that Ferry's data folder exists and may be written (set FERRY_DATA_DIR to use "
                               "another folder)");
    sqlite3_busy_timeout(db->m_db, 15000);

    // Look before writing anything: a damaged or foreign file stays as it is.
    auto damagedFile = [&](const std::string& detail) -> Error {
        if (damaged)
            *damaged = true;
        return Error::abortRun("open app database", file, detail, kResetHint);
    };
    int64_t appId = 0, tables = 0, version = 0;
    {
        sql::Stmt id(db->m_db, "PRAGMA application_id");
        int rc = id.valid() ? id.step() : sqlite3_errcode(db->m_db);
        if (rc != SQLITE_ROW) {
            if (isDamageCode(sqlite3_extended_errcode(db->m_db)))
                return damagedFile(std::string("the file is damaged or not a database (") + sqlite3_errmsg(db->m_db) + ")");
            return db->dbError("open app database");
        }
        appId = id.i64(0);
        sql::Stmt count(db->m_db, "SELECT count(*) FROM sqlite_master");
        if (!count.valid() || count.step() != SQLITE_ROW) {
            if (isDamageCode(sqlite3_extended_errcode(db->m_db)))
                return damagedFile(std::string("the file is damaged (") + sqlite3_errmsg(db->m_db) + ")");
            return db->dbError("open app database");
        }
        tables = count.i64(0);
        sql::Stmt ver(db->m_db, "PRAGMA user_version");
        if (ver.step() == SQLITE_ROW)
            version = ver.i64(0);
    }
    // A file another program marked as its own (application_id) is never
    // taken over, even while it is still empty.
    if (appId != kAppId && (tables > 0 || appId != 0))
        return damagedFile("this SQLite file is not a Ferry app database");
    if (appId == kAppId && version > kSchemaVersion)
        return Error::abortRun("open app database", file,
                               "it was written by a newer Ferry (schema " + std::to_string(version) + ", this one knows " +
                                   std::to_string(kSchemaVersion) + ")",
                               "Update Ferry; this version leaves the file alone");
    // A structural check reads every page: cheap for a normal history; a
    // huge file is checked as it is used (and by verify()).
    if (appId == kAppId && QFileInfo(QString::fromStdString(file)).size() <= (int64_t(256) << 20)) {
        if (auto v = db->verify(); !v) {
            if (damaged)
                *damaged = true;
            return v.error();
        }
    }
    // journal_mode needs a moment of exclusive access; another process may
    // be switching it at the same time.
    int rc = SQLITE_BUSY;
    for (int attempt = 0; attempt < 50 && rc != SQLITE_OK; ++attempt) {
        rc = sql::exec(db->m_db, "PRAGMA journal_mode=WAL");
        if (rc != SQLITE_OK)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (rc != SQLITE_OK || sql::exec(db->m_db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON") != SQLITE_OK)
        return db->dbError("prepare app database");
    if (auto m = db->migrate(); !m)
        return m.error();
    return db;
}

Result<void> AppDb::migrate()
{
    // Up to date (the usual case): no write lock is taken, so opening the
    // database never waits for another process's long write (a run
    // recording its items, or one frozen or stopped in the middle of it).
    {
        sql::Stmt ver(m_db, "PRAGMA user_version");
        if (ver.step() == SQLITE_ROW && ver.i64(0) == kSchemaVersion)
            return Ok{};
    }
    return inTransaction("upgrade app database", [&]() -> Result<void> {
        // Read again inside the transaction: another process may have migrated meanwhile.
        sql::Stmt ver(m_db, "PRAGMA user_version");
        if (ver.step() != SQLITE_ROW)
            return dbError("upgrade app database");
        const int64_t version = ver.i64(0);
        ver = sql::Stmt();
        if (version > kSchemaVersion)
            return Error::abortRun("open app database", m_file, "it was written by a newer Ferry",
                                   "Update Ferry; this version leaves the file alone");
        for (int64_t v = version; v < kSchemaVersion; ++v)
            if (sql::exec(m_db, kMigrations[v]) != SQLITE_OK)
                return dbError("upgrade app database to schema " + std::to_string(v + 1));
        if (version < kSchemaVersion) {
            const std::string pragmas = "PRAGMA application_id=" + std::to_string(kAppId) +
                                        "; PRAGMA user_version=" + std::to_string(kSchemaVersion);
            if (sql::exec(m_db, pragmas.c_str()) != SQLITE_OK)
                return dbError("upgrade app database");
        }
        return Ok{};
    });
}

Result<void> AppDb::createAtVersion(const std::string& file, int version)
{
    sqlite3* db = nullptr;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
        sqlite3_close(db);
        return Error::abortRun("create", file, "cannot open", {});
    }
    std::string sql;
    for (int v = 0; v < version && v < kSchemaVersion; ++v)
        sql += kMigrations[v];
    sql += "PRAGMA application_id=" + std::to_string(kAppId) + "; PRAGMA user_version=" + std::to_string(version) + ";";
    const int rc = sql::exec(db, sql.c_str());
    sqlite3_close(db);
    if (rc != SQLITE_OK)
        return Error::abortRun("create", file, "schema failed", {});
    return Ok{};
}

Result<void> AppDb::verify()
{
    sql::Stmt check(m_db, "PRAGMA quick_check(1)");
    if (!check.valid() || check.step() != SQLITE_ROW || check.text(0) != "ok")
        return Error::abortRun("open app database", m_file,
                               "the file is damaged (" +
                                   (check.valid() ? check.text(0) : std::string(sqlite3_errmsg(m_db))) + ")",
                               kResetHint);
    return Ok{};
}

int AppDb::schemaVersion()
{
    sql::Stmt ver(m_db, "PRAGMA user_version");
    return ver.step() == SQLITE_ROW ? int(ver.i64(0)) : -1;
}

Result<std::string> AppDb::moveAside(const std::string& file)
{
    const std::string stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss").toStdString();
    std::string target = file + ".damaged-" + stamp;
    for (int n = 2; QFileInfo::exists(QString::fromStdString(target)); ++n)
        target = file + ".damaged-" + stamp + "-" + std::to_string(n);
    if (std::rename(file.c_str(), target.c_str()) != 0)
        return errnoError("keep the damaged app database aside", file, errno);
    for (const char* suffix : {"-wal", "-shm"}) {
        const std::string side = file + suffix;
        if (QFileInfo::exists(QString::fromStdString(side)))
            (void)std::rename(side.c_str(), (target + suffix).c_str());
    }
    return target;
}

// ---- jobs ---------------------------------------------------------------------------------

Result<std::vector<Job>> AppDb::jobs()
{
    sql::Stmt st(m_db, (std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY name COLLATE NOCASE").c_str());
    if (!st.valid())
        return dbError("read jobs");
    std::vector<Job> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW)
        out.push_back(jobFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read jobs");
    return out;
}

Result<std::optional<Job>> AppDb::jobByName(const std::string& name)
{
    sql::Stmt st(m_db, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE name = ?").c_str());
    if (!st.valid())
        return dbError("read job");
    st.bind(1, name);
    int rc = st.step();
    if (rc == SQLITE_ROW)
        return std::optional<Job>(jobFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read job");
    return std::optional<Job>();
}

Result<std::optional<Job>> AppDb::jobById(int64_t id)
{
    sql::Stmt st(m_db, (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?").c_str());
    if (!st.valid())
        return dbError("read job");
    st.bind(1, id);
    int rc = st.step();
    if (rc == SQLITE_ROW)
        return std::optional<Job>(jobFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read job");
    return std::optional<Job>();
}

namespace {
void bindJob(sql::Stmt& st, const Job& j)
{
    st.bind(1, j.name).bind(2, j.left).bind(3, j.right).bind(4, std::string(modeName(j.mode)));
    st.bind(5, std::string(policyName(j.conflict))).bind(6, std::string(compareName(j.compare)));
    st.bind(7, excludesJson(j.excludes)).bind(8, versioningToString(j.versioning));
    st.bind(9, int64_t(j.versioning.keepCount)).bind(10, int64_t(j.versioning.maxAgeDays));
    st.bind(11, int64_t(j.maxDeletePercent)).bind(12, int64_t(j.timeToleranceSeconds));
    st.bind(13, int64_t(j.ignoreDstShift)).bind(14, j.passwordEnv).bind(15, j.schedule.toString());
    st.bind(16, excludesJson(j.includes)).bind(17, j.limits.minSize).bind(18, j.limits.maxSize);
    st.bind(19, j.limits.minAgeSeconds).bind(20, j.limits.maxAgeSeconds);
}
} // namespace

Result<int64_t> AppDb::addJob(const Job& job)
{
    if (auto v = validateJob(job); !v)
        return v.error();
    int64_t id = 0;
    auto r = inTransaction("save job", [&]() -> Result<void> {
        sql::Stmt st(m_db, "INSERT INTO jobs(name, left_location, right_location, mode, conflict, compare, excludes, "
                           "versioning, versions_keep, versions_max_age_days, max_delete_percent, time_tolerance_s, "
                           "ignore_dst_shift, password_env, schedule, includes, min_size, max_size, min_age_s, max_age_s, "
                           "created_at, updated_at, state_key, identity_file, server_versions, id) "
                           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
                           // Ids are never reused: a job's state file and lock are named by its
                           // id, and a new job must not meet a removed one's leftovers.
                           "max(coalesce((SELECT max(id) FROM jobs), 0), "
                           "coalesce((SELECT value FROM counters WHERE name='last_job_id'), 0)) + 1)");
        if (!st.valid())
            return dbError("save job");
        bindJob(st, job);
        const int64_t now = nowMs();
        st.bind(21, now).bind(22, now);
        // Always a fresh key: an imported or copied job must not share a base.
        st.bind(23, newStateKey());
        st.bind(24, job.identityFile).bind(25, job.versioning.serverFolder);
        if (st.step() != SQLITE_DONE) {
            if ((sqlite3_extended_errcode(m_db)) == SQLITE_CONSTRAINT_UNIQUE)
                return Error::abortRun("save job", {}, "a job named '" + job.name + "' already exists",
                                       "Pick another name, or change that job with 'job edit'");
            return dbError("save job");
        }
        id = sqlite3_last_insert_rowid(m_db);
        sql::Stmt counter(m_db, "INSERT OR REPLACE INTO counters(name, value) VALUES('last_job_id', ?)");
        counter.bind(1, id);
        if (counter.step() != SQLITE_DONE)
            return dbError("save job");
        return Ok{};
    });
    if (!r)
        return r.error();
    return id;
}

Result<void> AppDb::updateJob(const Job& job)
{
    if (auto v = validateJob(job); !v)
        return v;
    return inTransaction("save job", [&]() -> Result<void> {
        sql::Stmt st(m_db, "UPDATE jobs SET name=?, left_location=?, right_location=?, mode=?, conflict=?, compare=?, "
                           "excludes=?, versioning=?, versions_keep=?, versions_max_age_days=?, max_delete_percent=?, "
                           "time_tolerance_s=?, ignore_dst_shift=?, password_env=?, schedule=?, includes=?, min_size=?, "
                           "max_size=?, min_age_s=?, max_age_s=?, updated_at=?, identity_file=?, server_versions=? "
                           "WHERE id=?");
        if (!st.valid())
            return dbError("save job");
        bindJob(st, job);
        st.bind(21, nowMs()).bind(22, job.identityFile).bind(23, job.versioning.serverFolder).bind(24, job.id);
        if (st.step() != SQLITE_DONE) {
            if ((sqlite3_extended_errcode(m_db)) == SQLITE_CONSTRAINT_UNIQUE)
                return Error::abortRun("save job", {}, "a job named '" + job.name + "' already exists",
                                       "Pick another name");
            return dbError("save job");
        }
        if (sqlite3_changes(m_db) != 1)
            return Error::abortRun("save job", {}, "the job '" + job.name + "' no longer exists",
                                   "Another Ferry window or ferry-cli removed it; add it again");
        return Ok{};
    });
}

namespace {
// Marks the matching runs still recorded as running as interrupted, with
// their counts and bytes totalled from the items they had recorded, so the
// history tells what a crashed run did get done.
const char* kInterruptRuns =
    "UPDATE runs SET outcome='interrupted', ended_at=?1, message='the run stopped without finishing (the program "
    "was closed, crashed or the computer went down); run the job again', "
    "copied_to_right=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action='copy-to-right' AND "
    "i.result='done'), "
    "copied_to_left=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action='copy-to-left' AND "
    "i.result='done'), "
    "deleted_right=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action='delete-right' AND "
    "i.result='done'), "
    "deleted_left=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action='delete-left' AND "
    "i.result='done'), "
    "renamed=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action LIKE 'rename-%' AND "
    "i.result='done'), "
    "times_fixed=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action LIKE 'set-time-%' AND "
    "i.result='done'), "
    "conflicts=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.action='conflict'), "
    "conflicts_pending=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.result='pending'), "
    "errors=(SELECT count(*) FROM run_items i WHERE i.run_id=runs.id AND i.result='failed'), "
    "bytes=(SELECT coalesce(sum(i.bytes), 0) FROM run_items i WHERE i.run_id=runs.id AND i.result='done') "
    "WHERE job_id=?2 AND outcome='running'";
} // namespace

Result<void> AppDb::removeJob(int64_t id)
{
    return inTransaction("remove job", [&]() -> Result<void> {
        // The caller holds the job's run lock, so a run still recorded as
        // running is dead; once the job is gone nothing could tell that.
        sql::Stmt dead(m_db, kInterruptRuns);
        dead.bind(1, nowMs()).bind(2, id);
        if (dead.step() != SQLITE_DONE)
            return dbError("remove job");
        sql::Stmt st(m_db, "DELETE FROM jobs WHERE id=?");
        st.bind(1, id);
        if (st.step() != SQLITE_DONE)
            return dbError("remove job");
        return Ok{};
    });
}

// ---- runs ---------------------------------------------------------------------------------

Result<int64_t> AppDb::beginRun(const Job& job, RunTrigger trigger, bool dryRun, int64_t pid, const std::string& host,
                                int64_t now)
{
    int64_t id = 0;
    auto r = inTransaction("record run", [&]() -> Result<void> {
        sql::Stmt st(m_db, "INSERT INTO runs(job_id, job_name, trigger, dry_run, started_at, outcome, pid, host) "
                           "VALUES(?,?,?,?,?,'running',?,?)");
        if (!st.valid())
            return dbError("record run");
        st.bind(1, job.id).bind(2, job.name).bind(3, std::string(triggerName(trigger))).bind(4, int64_t(dryRun));
        st.bind(5, now).bind(6, pid).bind(7, host);
        if (st.step() != SQLITE_DONE)
            return dbError("record run");
        id = sqlite3_last_insert_rowid(m_db);
        sql::Stmt counter(m_db, "INSERT OR REPLACE INTO counters(name, value) VALUES('last_job_id', ?)");
        counter.bind(1, id);
        if (counter.step() != SQLITE_DONE)
            return dbError("save job");
        return Ok{};
    });
    if (!r)
        return r.error();
    return id;
}

Result<void> AppDb::addRunItems(int64_t runId, int64_t firstSeq, const std::vector<RunItemRecord>& items)
{
    if (items.empty())
        return Ok{};
    return inTransaction("record run items", [&]() -> Result<void> {
        sql::Stmt st(m_db, "INSERT OR REPLACE INTO run_items(run_id, seq, path, action, result, bytes, detail, rule, "
                           "reason) VALUES(?,?,?,?,?,?,?,?,?)");
        if (!st.valid())
            return dbError("record run items");
        int64_t seq = firstSeq;
        for (const RunItemRecord& it : items) {
            st.bind(1, runId).bind(2, seq++).bind(3, it.path).bind(4, it.action).bind(5, it.result);
            st.bind(6, it.bytes).bind(7, it.detail);
            st.bind(8, it.reason ? it.reason->rule : std::string());
            st.bind(9, it.reason ? reasonToJson(*it.reason) : std::string());
            if (st.step() != SQLITE_DONE)
                return dbError("record run items");
            st.reset();
        }
        return Ok{};
    });
}

Result<void> AppDb::finishRun(int64_t runId, RunOutcome outcome, int exitCode, const RunCounts& c,
                              const std::string& message, int64_t now, const std::optional<SafetyStop>& stop)
{
    return inTransaction("record run", [&]() -> Result<void> {
        sql::Stmt st(m_db, "UPDATE runs SET ended_at=?, outcome=?, exit_code=?, copied_to_right=?, copied_to_left=?, "
                           "deleted_right=?, deleted_left=?, renamed=?, times_fixed=?, conflicts=?, "
                           "conflicts_pending=?, errors=?, bytes=?, message=?, stop=? WHERE id=?");
        if (!st.valid())
            return dbError("record run");
        st.bind(1, now).bind(2, std::string(outcomeName(outcome))).bind(3, int64_t(exitCode));
        st.bind(4, c.copiedToRight).bind(5, c.copiedToLeft).bind(6, c.deletedRight).bind(7, c.deletedLeft);
        st.bind(8, c.renamed).bind(9, c.timesFixed).bind(10, c.conflicts).bind(11, c.conflictsPending);
        st.bind(12, c.errors).bind(13, c.bytes).bind(14, message);
        st.bind(15, stop ? stopToJson(*stop) : std::string()).bind(16, runId);
        if (st.step() != SQLITE_DONE)
            return dbError("record run");
        return Ok{};
    });
}


Result<int> AppDb::markInterrupted(int64_t jobId, int64_t now)
{
    int changed = 0;
    auto r = inTransaction("record run", [&]() -> Result<void> {
        sql::Stmt st(m_db, kInterruptRuns);
        if (!st.valid())
            return dbError("record run");
        st.bind(1, now).bind(2, jobId);
        if (st.step() != SQLITE_DONE)
            return dbError("record run");
        changed = sqlite3_changes(m_db);
        return Ok{};
    });
    if (!r)
        return r.error();
    return changed;
}

Result<std::vector<RunRecord>> AppDb::runs(std::optional<int64_t> jobId, int limit, std::optional<RunOutcome> outcome)
{
    std::string q = std::string("SELECT ") + kRunColumns + " FROM runs WHERE (?1 IS NULL OR job_id = ?1) AND "
                                                           "(?2 IS NULL OR outcome = ?2) ORDER BY id DESC LIMIT ?3";
    sql::Stmt st(m_db, q.c_str());
    if (!st.valid())
        return dbError("read history");
    if (jobId)
        st.bind(1, *jobId);
    if (outcome)
        st.bind(2, std::string(outcomeName(*outcome)));
    st.bind(3, int64_t(limit < 0 ? -1 : limit));
    std::vector<RunRecord> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW)
        out.push_back(runFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read history");
    return out;
}

Result<std::optional<RunRecord>> AppDb::run(int64_t runId)
{
    sql::Stmt st(m_db, (std::string("SELECT ") + kRunColumns + " FROM runs WHERE id = ?").c_str());
    if (!st.valid())
        return dbError("read history");
    st.bind(1, runId);
    int rc = st.step();
    if (rc == SQLITE_ROW)
        return std::optional<RunRecord>(runFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read history");
    return std::optional<RunRecord>();
}

Result<std::vector<RunItemRecord>> AppDb::runItems(int64_t runId, int limit)
{
    sql::Stmt st(m_db, "SELECT path, action, result, bytes, detail, reason FROM run_items WHERE run_id = ? ORDER BY seq LIMIT ?");
    if (!st.valid())
        return dbError("read run items");
    st.bind(1, runId).bind(2, int64_t(limit));
    std::vector<RunItemRecord> out;
    int rc;
    while ((rc = st.step()) == SQLITE_ROW)
        out.push_back(itemFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read run items");
    return out;
}

Result<std::vector<RunItemRecord>> AppDb::pendingConflicts(int64_t jobId)
{
    sql::Stmt last(m_db, "SELECT id FROM runs WHERE job_id = ? AND dry_run = 0 AND outcome NOT IN "
                         "('running','interrupted','failed','stopped','cancelled') ORDER BY id DESC LIMIT 1");
    if (!last.valid())
        return dbError("read conflicts");
    last.bind(1, jobId);
    int rc = last.step();
    if (rc == SQLITE_DONE)
        return std::vector<RunItemRecord>{};
    if (rc != SQLITE_ROW)
        return dbError("read conflicts");
    const int64_t runId = last.i64(0);
    sql::Stmt st(m_db, "SELECT path, action, result, bytes, detail, reason FROM run_items WHERE run_id = ? AND "
                       "action = 'conflict' AND result = 'pending' ORDER BY seq");
    st.bind(1, runId);
    std::vector<RunItemRecord> out;
    while ((rc = st.step()) == SQLITE_ROW)
        out.push_back(itemFromRow(st));
    if (rc != SQLITE_DONE)
        return dbError("read conflicts");
    return out;
}

Result<void> AppDb::pruneItems(int64_t jobId, int keepRuns)
{
    return inTransaction("prune history", [&]() -> Result<void> {
        sql::Stmt st(m_db, "DELETE FROM run_items WHERE run_id IN (SELECT id FROM runs WHERE job_id = ?1 AND id NOT IN "
                           "(SELECT id FROM runs WHERE job_id = ?1 ORDER BY id DESC LIMIT ?2))");
        st.bind(1, jobId).bind(2, int64_t(keepRuns));
        if (st.step() != SQLITE_DONE)
            return dbError("prune history");
        return Ok{};
    });
}

} // namespace ferry
