#include "engine/reasons.h"
#include "jobs/job.h"
#include "jobs/jobrunner.h"
#include "jobs/jobstate.h"
#include "jobs/runlock.h"
#include "store/appdb.h"
#include "store/statestore.h"
#include "tempdir.h"

#include <QDateTime>
#include <QDir>
#include <QJsonDocument>
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <set>
#include <sys/stat.h>
#include <sys/time.h>
#include <csignal>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace ferry;
using namespace ferry::test;

namespace {

Job sampleJob(const TempDir& t, const std::string& name = "Docs")
{
    Job j;
    j.name = name;
    j.left = t / ("L-" + name);
    j.right = t / ("R-" + name);
    j.mode = SyncMode::TwoWay;
    j.conflict = ConflictPolicy::Newer;
    j.excludes = {"*.tmp", "build/"};
    j.versioning.mode = VersioningSettings::Mode::Folder;
    j.versioning.folder = t / "versions";
    j.versioning.keepCount = 5;
    j.maxDeletePercent = 30;
    j.schedule = *Schedule::parse("daily 03:15");
    return j;
}

std::string fileBytes(const std::string& f) { return readFile(f); }

int execSql(const std::string& file, const std::string& sql)
{
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    char* message = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
    if (message) {
        UNSCOPED_INFO("sqlite: " << message);
        sqlite3_free(message);
    }
    sqlite3_close(db);
    return rc;
}

// What PRAGMA integrity_check says, row by row: "ok" for a sound file. (Its
// return code is SQLITE_OK on a damaged file too: only the rows tell.)
std::string integrityOf(const std::string& file)
{
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return "cannot open";
    }
    std::string rows;
    char* err = nullptr;
    int rc = sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int n, char** values, char**) {
            auto& text = *static_cast<std::string*>(out);
            for (int i = 0; i < n; ++i)
                text += (text.empty() ? "" : "; ") + std::string(values[i] ? values[i] : "NULL");
            return 0;
        },
        &rows, &err);
    if (rc != SQLITE_OK)
        rows += std::string(rows.empty() ? "" : "; ") + "error: " + (err ? err : sqlite3_errstr(rc));
    sqlite3_free(err);
    sqlite3_close(db);
    return rows;
}

} // namespace

TEST_CASE("the integrity check of these tests reads the rows, so it fails on a damaged file", "[appdb]")
{
    TempDir t;
    const std::string f = t / "ferry.db";
    {
        auto db = AppDb::open(f);
        REQUIRE(db.ok());
        for (int i = 0; i < 200; ++i)
            REQUIRE((*db)->addJob(sampleJob(t, "job " + std::to_string(i))).ok());
    }
    CHECK(integrityOf(f) == "ok");
    // Scramble the cells of the last page (a leaf of the jobs table or of an
    // index): the file still opens and the check runs to its end, with
    // SQLITE_OK, listing what it found.
    std::string bytes = readFile(f);
    REQUIRE(bytes.size() > 8192);
    const size_t pageSize = 4096, last = bytes.size() - pageSize;
    for (size_t i = last + 200; i < bytes.size(); ++i)
        bytes[i] = char((i * 131) % 251);
    writeFile(f, bytes);
    CHECK(execSql(f, "PRAGMA integrity_check") == SQLITE_OK); // why the return code alone proves nothing
    CHECK(integrityOf(f) != "ok");
}

TEST_CASE("the app database upgrades from every earlier schema version, keeping its rows", "[appdb]")
{
    for (int from = 0; from < AppDb::kSchemaVersion; ++from) {
        DYNAMIC_SECTION("from version " << from)
        {
            TempDir t;
            const std::string f = t / "ferry.db";
            REQUIRE(AppDb::createAtVersion(f, from).ok());
            if (from >= 1) {
                // A job and a finished run as version 1 wrote them.
                REQUIRE(execSql(f, "INSERT INTO jobs(name, left_location, right_location, mode, conflict, compare, "
                                   "excludes, created_at, updated_at) VALUES('old', '/a', '/b', 'mirror', 'skip', "
                                   "'content', '[\"*.bak\"]', 1, 2);"
                                   "INSERT INTO runs(job_id, job_name, trigger, started_at, ended_at, outcome, pid, "
                                   "host, copied_to_right) VALUES(1, 'old', 'cli', 10, 20, 'in-sync', 7, 'h', 3);") ==
                        SQLITE_OK);
            }
            auto db = AppDb::open(f);
            REQUIRE(db.ok());
            CHECK((*db)->schemaVersion() == AppDb::kSchemaVersion);
            auto jobs = (*db)->jobs();
            REQUIRE(jobs.ok());
            if (from >= 1) {
                REQUIRE(jobs->size() == 1);
                const Job& j = jobs->front();
                CHECK(j.name == "old");
                CHECK(j.mode == SyncMode::Mirror);
                CHECK(j.conflict == ConflictPolicy::Skip);
                CHECK(j.compare == CompareMode::Content);
                CHECK(j.excludes == std::vector<std::string>{"*.bak"});
                CHECK(j.schedule.kind == Schedule::Kind::Manual); // the column version 2 added
                CHECK(j.includes.empty());                        // the columns version 3 added
                CHECK_FALSE(j.limits.active());
                if (from < 4) // (a job written by version 4 itself has its key already)
                    CHECK(j.stateKey == "job-" + std::to_string(j.id)); // keeps the state file it had
                auto runs = (*db)->runs(j.id, 10);
                REQUIRE(runs.ok());
                REQUIRE(runs->size() == 1);
                CHECK(runs->front().counts.copiedToRight == 3);
                CHECK(runs->front().outcome == RunOutcome::InSync);
            } else {
                CHECK(jobs->empty());
            }
            // And the upgraded file takes everything the current version writes.
            Job n = sampleJob(t, "new");
            n.includes = {"*.odt", "Photos/"};
            n.limits = ItemLimits{1024, int64_t(100) << 20, 600, 30 * 86400};
            REQUIRE((*db)->addJob(n).ok());
            auto back = (*db)->jobByName("new");
            REQUIRE(back.ok());
            REQUIRE(back->has_value());
            CHECK((*back)->schedule == n.schedule);
            CHECK((*back)->includes == n.includes);
            CHECK((*back)->limits == n.limits);
            if (from >= 1 && from < 6) {
                CHECK(jobs->front().identityFile.empty()); // the columns version 6 added
                CHECK(jobs->front().versioning.serverFolder.empty());
            }
        }
    }
}

TEST_CASE("a job with an sftp side keeps its SSH key and its versions folder on the server", "[appdb]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    Job j = sampleJob(t, "Nas");
    j.right = "sftp://me@[::1]:2222/srv/docs";
    j.identityFile = "/home/me/.ssh/nas_ed25519";
    j.versioning.mode = VersioningSettings::Mode::Folder;
    j.versioning.folder = t / "versions";
    j.versioning.serverFolder = "/srv/versions";
    auto id = (*db)->addJob(j);
    REQUIRE(id.ok());
    auto back = (*db)->jobByName("Nas");
    REQUIRE(back.ok());
    REQUIRE(back->has_value());
    CHECK((*back)->identityFile == j.identityFile);
    CHECK((*back)->versioning.serverFolder == "/srv/versions");
    CHECK((*back)->versioning.folder == j.versioning.folder);
    CHECK((*back)->right == j.right);

    // Only the server side keeps versions (a mirror onto it): "server".
    Job edited = **back;
    edited.mode = SyncMode::Mirror;
    edited.versioning.folder.clear();
    edited.identityFile.clear();
    REQUIRE((*db)->updateJob(edited).ok());
    auto again = (*db)->jobByName("Nas");
    REQUIRE(again.ok());
    CHECK((*again)->versioning.mode == VersioningSettings::Mode::Folder);
    CHECK((*again)->versioning.folder.empty());
    CHECK((*again)->versioning.serverFolder == "/srv/versions");
    CHECK((*again)->identityFile.empty());
}

TEST_CASE("versions in folders need a folder on each side a run may write to, on its own machine", "[job]")
{
    TempDir t;
    Job j = sampleJob(t, "Nas");
    j.right = "sftp://me@127.0.0.1:2222/srv/docs";
    j.versioning.mode = VersioningSettings::Mode::Folder;
    j.versioning.folder = t / "versions";
    auto noServerFolder = validateJob(j);
    REQUIRE_FALSE(noServerFolder.ok());
    CHECK(noServerFolder.error().message().find("on a server") != std::string::npos);
    CHECK(noServerFolder.error().nextStep.find("--server-versions") != std::string::npos);
    j.versioning.serverFolder = "/srv/versions";
    CHECK(validateJob(j).ok());
    j.versioning.folder.clear(); // two-way: the local side writes too
    auto noLocalFolder = validateJob(j);
    REQUIRE_FALSE(noLocalFolder.ok());
    CHECK(noLocalFolder.error().nextStep.find("--versioning DIR") != std::string::npos);
    j.mode = SyncMode::Mirror; // only the server side is written
    CHECK(validateJob(j).ok());
    j.versioning.serverFolder = "srv/versions";
    CHECK_FALSE(validateJob(j).ok()); // a path on the server is absolute
    j.versioning.serverFolder = "/srv/versions";
    j.identityFile = "id_ed25519";
    CHECK_FALSE(validateJob(j).ok()); // a key file is an absolute path
    j.identityFile = "/home/me/.ssh/id_ed25519";
    CHECK(validateJob(j).ok());
}

TEST_CASE("several connections opening an old database at once upgrade it once", "[appdb]")
{
    TempDir t;
    const std::string f = t / "ferry.db";
    REQUIRE(AppDb::createAtVersion(f, 1).ok());
    REQUIRE(execSql(f, "INSERT INTO jobs(name, left_location, right_location, mode, conflict, compare, created_at, "
                       "updated_at) VALUES('old', '/a', '/b', 'mirror', 'skip', 'content', 1, 2);") == SQLITE_OK);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] {
            auto db = AppDb::open(f);
            if (db && (*db)->schemaVersion() == AppDb::kSchemaVersion && (*db)->jobs() && (*db)->jobs()->size() == 1)
                ++ok;
        });
    for (std::thread& th : threads)
        th.join();
    CHECK(ok == 4);
    CHECK(integrityOf(f) == "ok");
}

TEST_CASE("job ids are never reused, so a new job never meets a removed one's state", "[appdb]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    auto a = (*db)->addJob(sampleJob(t, "A"));
    auto b = (*db)->addJob(sampleJob(t, "B"));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE((*db)->removeJob(*b).ok());
    auto c = (*db)->addJob(sampleJob(t, "C"));
    REQUIRE(c.ok());
    CHECK(*c > *b);
    db->reset();
    auto again = AppDb::open(t / "ferry.db");
    REQUIRE(again.ok());
    REQUIRE((*again)->removeJob(*c).ok());
    auto d = (*again)->addJob(sampleJob(t, "D"));
    REQUIRE(d.ok());
    CHECK(*d > *c);
}

TEST_CASE("a new job's state file is never one a removed job or a reset database used", "[appdb]")
{
    TempDir t;
    std::set<std::string> paths;
    for (int round = 0; round < 2; ++round) {
        // The second round starts a fresh database, as --reset-database does: ids restart at 1.
        const std::string file = t / ("ferry-" + std::to_string(round) + ".db");
        auto db = AppDb::open(file);
        REQUIRE(db.ok());
        for (const char* name : {"A", "B"}) {
            auto id = (*db)->addJob(sampleJob(t, name));
            REQUIRE(id.ok());
            auto job = (*db)->jobById(*id);
            REQUIRE(job.ok());
            REQUIRE(job->has_value());
            CHECK((*job)->stateKey.rfind("job-", 0) == 0);
            CHECK(paths.insert(jobStatePath(t.path(), **job)).second);
            REQUIRE((*db)->removeJob(*id).ok());
        }
    }
    CHECK(paths.size() == 4);
}

TEST_CASE("state files that no job owns are set aside, never deleted or adopted", "[appdb]")
{
    TempDir t;
    ::mkdir((t / "state").c_str(), 0755);
    writeFile(t / "state/job-1.db", "old job's base");
    writeFile(t / "state/job-1.db-wal", "its log");
    writeFile(t / "state/0123456789abcdef0123.db", "a pair's base (ferry-cli sync without --state)");
    Job owner;
    owner.id = 2;
    owner.stateKey = "job-2";
    writeFile(t / "state/job-2.db", "a live job's base");
    auto moved = setAsideOrphanedStates(t.path(), {owner});
    REQUIRE(moved.size() == 1);
    CHECK(readFile(moved.front()) == "old job's base");
    CHECK(readFile(moved.front() + "-wal") == "its log");
    CHECK_FALSE(exists(t / "state/job-1.db"));
    CHECK(exists(t / "state/job-2.db"));
    CHECK(exists(t / "state/0123456789abcdef0123.db"));
}

namespace {

// A state file as a run of the pair `left`, `right` leaves it (no pair
// recorded when both are empty), last written at `mtimeSec`.
void writeStateOf(const std::string& file, const std::string& left, const std::string& right, int64_t mtimeSec)
{
    {
        auto store = StateStore::open(file, false);
        REQUIRE(store.ok());
        BaseEntry e;
        e.path = "a.txt";
        e.size = 5;
        REQUIRE((*store)->upsert(e).ok());
        if (!left.empty()) {
            REQUIRE((*store)->setMeta("left_location", left).ok());
            REQUIRE((*store)->setMeta("right_location", right).ok());
        }
    }
    struct timeval tv[2] = {{mtimeSec, 0}, {mtimeSec, 0}};
    for (const std::string& f : {file, file + "-wal"})
        ::utimes(f.c_str(), tv);
}

// A job saved before state keys existed, created at `createdSec`.
Job legacyJob(const TempDir& t, int64_t createdSec)
{
    Job job = sampleJob(t);
    job.id = 1;
    job.stateKey = "job-1"; // as the upgrade names a job saved before state keys
    job.createdMs = createdSec * 1000;
    return job;
}

} // namespace

TEST_CASE("an upgraded job's own state file is kept though the clock was ahead when the job was created", "[appdb]")
{
    TempDir t;
    ::mkdir((t / "state").c_str(), 0755);
    const Job job = legacyJob(t, 1800000000);
    // Written by the job's own runs, with the clock right again: "before" the job.
    writeStateOf(t / "state/job-1.db", job.left, job.right + "/", 1700000000);
    CHECK_FALSE(legacyStateNotOwned(t.path(), job));
    CHECK(exists(t / "state/job-1.db"));
}

TEST_CASE("an upgraded job's state file that recorded another pair of folders is not its own", "[appdb]")
{
    TempDir t;
    ::mkdir((t / "state").c_str(), 0755);
    const Job job = legacyJob(t, 1700000000);
    // Written after the job was created (a clock that was behind), by a removed job.
    writeStateOf(t / "state/job-1.db", t / "elsewhere", job.right, 1700000900);
    const auto reason = legacyStateNotOwned(t.path(), job);
    REQUIRE(reason);
    CHECK(reason->find("another pair") != std::string::npos);
    CHECK(exists(t / "state/job-1.db")); // deciding moves nothing
}

TEST_CASE("an upgraded job's state file that recorded no pair of folders is not its own", "[appdb]")
{
    TempDir t;
    ::mkdir((t / "state").c_str(), 0755);
    const Job job = legacyJob(t, 1700000000);
    writeStateOf(t / "state/job-1.db", "", "", 1700000900);
    CHECK(legacyStateNotOwned(t.path(), job));
    // A job with a never reused key owns its file by name.
    Job keyed = job;
    keyed.stateKey = "job-0b0e5a4c-8f3e-4d1a-9c59-3f1e2d7a6b10";
    writeStateOf(jobStatePath(t.path(), keyed), "", "", 1700000900);
    CHECK_FALSE(legacyStateNotOwned(t.path(), keyed));
}

TEST_CASE("removing a job records its dead running run as interrupted", "[appdb]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    Job j = sampleJob(t);
    j.id = *(*db)->addJob(j);
    auto run = (*db)->beginRun(j, RunTrigger::Cli, false, 4242, "laptop", 5000);
    REQUIRE(run.ok());
    REQUIRE((*db)->addRunItems(*run, 0, {{"a.txt", "copy-to-left", "done", 7, "", std::nullopt}}).ok());
    REQUIRE((*db)->removeJob(j.id).ok());
    auto after = (*db)->run(*run);
    REQUIRE(after.ok());
    REQUIRE(after->has_value());
    CHECK((*after)->outcome == RunOutcome::Interrupted);
    CHECK((*after)->jobId == 0);
    CHECK((*after)->counts.copiedToLeft == 1);
    CHECK((*after)->counts.bytes == 7);
}

TEST_CASE("jobs are saved, changed and removed; names are unique", "[appdb]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    Job j = sampleJob(t);
    auto id = (*db)->addJob(j);
    REQUIRE(id.ok());
    auto dup = (*db)->addJob(j);
    REQUIRE_FALSE(dup.ok());
    CHECK(dup.error().message().find("already exists") != std::string::npos);

    auto loaded = (*db)->jobById(*id);
    REQUIRE(loaded.ok());
    REQUIRE(loaded->has_value());
    Job got = **loaded;
    CHECK(got.id == *id);
    CHECK(got.createdMs > 0);
    Job expect = j;
    expect.id = got.id;
    expect.createdMs = got.createdMs;
    expect.updatedMs = got.updatedMs;
    expect.stateKey = got.stateKey;
    CHECK(got == expect);

    got.excludes.push_back("*.iso");
    got.mode = SyncMode::Update;
    got.name = "Documents";
    REQUIRE((*db)->updateJob(got).ok());
    auto again = (*db)->jobByName("Documents");
    REQUIRE(again.ok());
    REQUIRE(again->has_value());
    CHECK((*again)->excludes.size() == 3);
    CHECK((*again)->mode == SyncMode::Update);
    CHECK_FALSE((*db)->jobByName("Docs")->has_value());

    // A run survives its job's removal, by name.
    auto run = (*db)->beginRun(got, RunTrigger::Cli, false, 1, "h", 1000);
    REQUIRE(run.ok());
    REQUIRE((*db)->finishRun(*run, RunOutcome::InSync, 0, {}, "", 2000).ok());
    REQUIRE((*db)->removeJob(got.id).ok());
    CHECK((*db)->jobs()->empty());
    auto runs = (*db)->runs(std::nullopt, 10);
    REQUIRE(runs.ok());
    REQUIRE(runs->size() == 1);
    CHECK(runs->front().jobName == "Documents");
    CHECK(runs->front().jobId == 0);

    // An invalid job is refused before it reaches the database.
    Job bad = sampleJob(t, "bad");
    bad.right = bad.left + "/inside";
    auto r = (*db)->addJob(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("inside") != std::string::npos);
}

TEST_CASE("a run is written as it goes, and one left running is marked interrupted", "[appdb]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    Job j = sampleJob(t);
    j.id = *(*db)->addJob(j);
    auto run = (*db)->beginRun(j, RunTrigger::Schedule, false, 4242, "laptop", 5000);
    REQUIRE(run.ok());
    REQUIRE((*db)->addRunItems(*run, 0, {{"a.txt", "copy-to-right", "done", 10, "", std::nullopt}}).ok());
    REQUIRE((*db)->addRunItems(*run, 1, {{"b.txt", "conflict", "pending", 0, "both changed", std::nullopt},
                                         {"c.txt", "delete-left", "failed", 0, "Permission denied", std::nullopt}}).ok());
    // Another connection sees the run in progress.
    auto other = AppDb::open(t / "ferry.db");
    REQUIRE(other.ok());
    auto seen = (*other)->run(*run);
    REQUIRE(seen.ok());
    REQUIRE(seen->has_value());
    CHECK((*seen)->outcome == RunOutcome::Running);
    CHECK((*other)->runItems(*run)->size() == 3);
    CHECK((*seen)->trigger == RunTrigger::Schedule);

    // The process "dies"; the next run of the job marks it.
    auto marked = (*other)->markInterrupted(j.id, 9000);
    REQUIRE(marked.ok());
    CHECK(*marked == 1);
    auto after = (*other)->run(*run);
    CHECK((*after)->outcome == RunOutcome::Interrupted);
    CHECK((*after)->endedMs == 9000);
    // What it had recorded is what its summary says it did.
    CHECK((*after)->counts.copiedToRight == 1);
    CHECK((*after)->counts.bytes == 10);
    CHECK((*after)->counts.conflicts == 1);
    CHECK((*after)->counts.conflictsPending == 1);
    CHECK((*after)->counts.errors == 1);
    CHECK((*after)->counts.deletedLeft == 0); // it failed
    // An interrupted run does not speak for pending conflicts…
    CHECK((*other)->pendingConflicts(j.id)->empty());
    // …a finished one does.
    auto run2 = (*other)->beginRun(j, RunTrigger::Cli, false, 1, "h", 10000);
    REQUIRE((*other)->addRunItems(*run2, 0, {{"b.txt", "conflict", "pending", 0, "both changed", std::nullopt},
                                             {"d.txt", "conflict", "done", 0, "kept both", std::nullopt}}).ok());
    RunCounts counts;
    counts.conflicts = 2;
    counts.conflictsPending = 1;
    REQUIRE((*other)->finishRun(*run2, RunOutcome::Conflicts, 3, counts, "1 conflict", 11000).ok());
    auto pending = (*other)->pendingConflicts(j.id);
    REQUIRE(pending.ok());
    REQUIRE(pending->size() == 1);
    CHECK(pending->front().path == "b.txt");
    auto byOutcome = (*other)->runs(j.id, 10, RunOutcome::Conflicts);
    REQUIRE(byOutcome->size() == 1);
    CHECK(byOutcome->front().counts == counts);

    // Pruning keeps the newest runs' items and every run's summary.
    REQUIRE((*other)->pruneItems(j.id, 1).ok());
    CHECK((*other)->runItems(*run)->empty());
    CHECK((*other)->runItems(*run2)->size() == 2);
    CHECK((*other)->runs(j.id, 10)->size() == 2);
}

TEST_CASE("a damaged, foreign or newer app database is reported and left as it is", "[appdb]")
{
    TempDir t;
    const std::string f = t / "ferry.db";
    SECTION("garbage")
    {
        writeFile(f, std::string(8192, 'x'));
        bool damaged = false;
        auto db = AppDb::open(f, &damaged);
        REQUIRE_FALSE(db.ok());
        CHECK(damaged);
        CHECK(db.error().message().find("--reset-database") != std::string::npos);
        CHECK(fileBytes(f) == std::string(8192, 'x'));
        auto moved = AppDb::moveAside(f);
        REQUIRE(moved.ok());
        CHECK(moved->find(".damaged-") != std::string::npos);
        CHECK(fileBytes(*moved) == std::string(8192, 'x'));
        auto fresh = AppDb::open(f, &damaged);
        REQUIRE(fresh.ok());
        CHECK((*fresh)->jobs()->empty());
    }
    SECTION("a damaged page inside a Ferry database")
    {
        {
            auto db = AppDb::open(f);
            REQUIRE(db.ok());
            for (int i = 0; i < 40; ++i)
                REQUIRE((*db)->addJob(sampleJob(t, "job" + std::to_string(i))).ok());
        }
        REQUIRE(execSql(f, "PRAGMA wal_checkpoint(TRUNCATE)") == SQLITE_OK);
        std::string bytes = fileBytes(f);
        REQUIRE(bytes.size() > 8192);
        for (size_t i = 4096; i < 4096 + 1000; ++i) // page 2: the jobs table's root
            bytes[i] = char(0x5a);
        writeFile(f, bytes);
        bool damaged = false;
        auto db = AppDb::open(f, &damaged);
        REQUIRE_FALSE(db.ok());
        CHECK(damaged);
        CHECK(fileBytes(f) == bytes);
    }
    SECTION("another program's SQLite file")
    {
        REQUIRE(execSql(f, "CREATE TABLE photos(id INTEGER PRIMARY KEY); INSERT INTO photos VALUES(1);") == SQLITE_OK);
        const std::string before = fileBytes(f);
        bool damaged = false;
        auto db = AppDb::open(f, &damaged);
        REQUIRE_FALSE(db.ok());
        CHECK(damaged);
        CHECK(db.error().message().find("not a Ferry app database") != std::string::npos);
        CHECK(fileBytes(f) == before);
    }
    SECTION("written by a newer Ferry")
    {
        REQUIRE(AppDb::createAtVersion(f, AppDb::kSchemaVersion).ok());
        REQUIRE(execSql(f, "PRAGMA user_version=99") == SQLITE_OK);
        bool damaged = true;
        auto db = AppDb::open(f, &damaged);
        REQUIRE_FALSE(db.ok());
        CHECK_FALSE(damaged);
        CHECK(db.error().message().find("newer Ferry") != std::string::npos);
    }
}

TEST_CASE("connections on several threads write runs at once without losing any", "[appdb]")
{
    TempDir t;
    const std::string f = t / "ferry.db";
    Job j = sampleJob(t);
    {
        auto db = AppDb::open(f);
        REQUIRE(db.ok());
        j.id = *(*db)->addJob(j);
    }
    constexpr int kThreads = 4, kRuns = 25;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int n = 0; n < kThreads; ++n) {
        threads.emplace_back([&, n] {
            auto db = AppDb::open(f); // one connection per thread
            if (!db) {
                ++failures;
                return;
            }
            for (int r = 0; r < kRuns; ++r) {
                auto id = (*db)->beginRun(j, RunTrigger::Manual, false, n, "h", r);
                if (!id || !(*db)->addRunItems(*id, 0, {{"f" + std::to_string(r), "copy-to-right", "done", 1, "", std::nullopt}}) ||
                    !(*db)->finishRun(*id, RunOutcome::InSync, 0, {}, "", r + 1) || !(*db)->runs(j.id, 5))
                    ++failures;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    CHECK(failures == 0);
    auto db = AppDb::open(f);
    REQUIRE(db.ok());
    auto runs = (*db)->runs(j.id, 1000);
    REQUIRE(runs.ok());
    CHECK(runs->size() == size_t(kThreads * kRuns));
    for (const RunRecord& r : *runs)
        CHECK((*db)->runItems(r.id)->size() == 1);
    CHECK(integrityOf(f) == "ok");
}

TEST_CASE("jobs export to JSON and import back; bad files are refused with the key named", "[job]")
{
    TempDir t;
    Job j = sampleJob(t);
    j.passwordEnv = "NAS_PASSWORD";
    j.includes = {"*.pdf", "/Photos/"};
    j.limits = ItemLimits{0, int64_t(2) << 30, 300, 0};
    auto back = jobFromJson(jobToJson(j));
    REQUIRE(back.ok());
    CHECK(*back == j);

    Job remote = j;
    remote.right = "sftp://me@nas.local:2222/srv/docs";
    remote.identityFile = "/home/me/.ssh/nas_ed25519";
    remote.mode = SyncMode::Mirror;
    remote.versioning = {};
    remote.versioning.mode = VersioningSettings::Mode::Folder;
    remote.versioning.serverFolder = "/srv/versions";
    const QJsonObject remoteJson = jobToJson(remote);
    CHECK(remoteJson.value("ssh_key").toString() == "/home/me/.ssh/nas_ed25519");
    CHECK(remoteJson.value("server_versions").toString() == "/srv/versions");
    CHECK(remoteJson.value("versioning").toString() == "server");
    auto remoteBack = jobFromJson(remoteJson);
    REQUIRE(remoteBack.ok());
    CHECK(*remoteBack == remote);

    QJsonObject badLimit = jobToJson(j);
    badLimit["max_size_bytes"] = "big";
    auto lim = jobFromJson(badLimit);
    REQUIRE_FALSE(lim.ok());
    CHECK(lim.error().message().find("max_size_bytes") != std::string::npos);
    QJsonObject crossed = jobToJson(j);
    crossed["min_size_bytes"] = double(int64_t(3) << 30); // above the largest size: nothing would sync
    CHECK_FALSE(jobFromJson(crossed).ok());

    QJsonObject unknown = jobToJson(j);
    unknown["exlude"] = "*.tmp";
    auto r = jobFromJson(unknown);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("unknown setting 'exlude'") != std::string::npos);

    QJsonObject badUrl = jobToJson(j);
    badUrl["left"] = "gopher://example/x";
    r = jobFromJson(badUrl);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("left side") != std::string::npos);

    QJsonObject relative = jobToJson(j);
    relative["right"] = "relative/folder";
    CHECK_FALSE(jobFromJson(relative).ok());

    QJsonObject badType = jobToJson(j);
    badType["max_delete_percent"] = "lots";
    r = jobFromJson(badType);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("max_delete_percent") != std::string::npos);

    QJsonObject missing = jobToJson(j);
    missing.remove("right");
    CHECK_FALSE(jobFromJson(missing).ok());
}

TEST_CASE("schedules read and print the same way", "[job]")
{
    for (const char* text : {"manual", "every-15-min", "hourly", "daily 02:00", "daily 23:59", "weekly mon 02:00",
                             "weekly sun 18:30", "on-change"}) {
        auto s = Schedule::parse(text);
        REQUIRE(s.ok());
        CHECK(s->toString() == text);
    }
    CHECK(Schedule::parse("weekly friday 7:05")->toString() == "weekly fri 07:05");
    CHECK(Schedule::parse("daily")->toString() == "daily 02:00");
    CHECK_FALSE(Schedule::parse("daily 25:00").ok());
    CHECK_FALSE(Schedule::parse("sometimes").ok());
    CHECK_FALSE(Schedule::parse("").ok());
}

TEST_CASE("job names and settings are checked before saving", "[job]")
{
    TempDir t;
    Job j = sampleJob(t);
    CHECK(validateJob(j).ok());
    for (const std::string& bad : {std::string(), std::string("-x"), std::string("a\nb"), std::string(101, 'n'),
                                   std::string("   ")}) {
        Job b = j;
        b.name = bad;
        CHECK_FALSE(validateJob(b).ok());
    }
    Job same = j;
    same.right = same.left;
    CHECK_FALSE(validateJob(same).ok());
    Job pct = j;
    pct.maxDeletePercent = 101;
    CHECK_FALSE(validateJob(pct).ok());
    Job env = j;
    env.passwordEnv = "NOT A NAME";
    CHECK_FALSE(validateJob(env).ok());
}

TEST_CASE("one run of a job at a time; a lock left by a dead process is taken over", "[runlock]")
{
    TempDir t;
    const std::string f = t / "locks/job-1.lock";
    {
        auto a = RunLock::acquire(f, "Docs", "test holder");
        REQUIRE(a.ok());
        CHECK((*a)->tookOver().empty());
        CHECK(RunLock::heldBy(f).has_value());
        CHECK(RunLock::heldBy(f)->find("test holder") != std::string::npos);
        auto b = RunLock::acquire(f, "Docs", "second");
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().message().find("'Docs' is already running") != std::string::npos);
        CHECK(b.error().message().find("test holder") != std::string::npos);
    }
    CHECK_FALSE(RunLock::heldBy(f).has_value());
    {
        auto again = RunLock::acquire(f, "Docs", "third");
        REQUIRE(again.ok());
        CHECK((*again)->tookOver().empty()); // released cleanly
    }

    // A child process takes the lock and dies without releasing it.
    int pipeFd[2];
    REQUIRE(::pipe(pipeFd) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        auto lock = RunLock::acquire(f, "Docs", "crashing child");
        char c = lock ? 'y' : 'n';
        (void)::write(pipeFd[1], &c, 1);
        ::pause();
        ::_exit(0);
    }
    char c = 0;
    REQUIRE(::read(pipeFd[0], &c, 1) == 1);
    REQUIRE(c == 'y');
    CHECK_FALSE(RunLock::acquire(f, "Docs", "while the child runs").ok());
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(pipeFd[0]);
    ::close(pipeFd[1]);
    auto taken = RunLock::acquire(f, "Docs", "after the crash");
    REQUIRE(taken.ok());
    CHECK((*taken)->tookOver().find("crashing child, pid " + std::to_string(child)) != std::string::npos);
}

TEST_CASE("a job run is recorded with its items and outcome", "[jobrunner]")
{
    TempDir t;
    const std::string data = t / "data";
    Job j = sampleJob(t);
    j.versioning = {};
    ::mkdir(j.left.c_str(), 0755);
    ::mkdir(j.right.c_str(), 0755);
    writeFile(j.left + "/a.txt", "alpha");
    writeFile(j.right + "/b.txt", "beta");
    {
        auto db = AppDb::open(AppDb::pathIn(data));
        REQUIRE(db.ok());
        j.id = *(*db)->addJob(j);
    }
    int64_t runId = 0;
    {
        JobRunner runner(data, j, RunTrigger::Manual, false);
        REQUIRE(runner.prepare("test").ok());
        // While it is prepared, a second run of the job is refused.
        JobRunner second(data, j, RunTrigger::Schedule, false);
        auto refused = second.prepare("second");
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().message().find("already running") != std::string::npos);
        const SyncReport& r = runner.run();
        CHECK(r.exit == ExitCode::InSync);
        runId = runner.runId();
    }
    CHECK(readFile(j.right + "/a.txt") == "alpha");
    CHECK(readFile(j.left + "/b.txt") == "beta");
    auto db = AppDb::open(AppDb::pathIn(data));
    REQUIRE(db.ok());
    auto run = (*db)->run(runId);
    REQUIRE(run.ok());
    REQUIRE(run->has_value());
    CHECK((*run)->outcome == RunOutcome::InSync);
    CHECK((*run)->trigger == RunTrigger::Manual);
    CHECK((*run)->counts.copiedToRight == 1);
    CHECK((*run)->counts.copiedToLeft == 1);
    CHECK((*run)->counts.bytes == 9);
    CHECK((*run)->endedMs >= (*run)->startedMs);
    auto items = (*db)->runItems(runId);
    REQUIRE(items.ok());
    REQUIRE(items->size() == 2);
    std::set<std::string> seen;
    for (const RunItemRecord& it : *items) {
        CHECK(it.result == "done");
        seen.insert(it.action + " " + it.path);
    }
    CHECK(seen == std::set<std::string>{"copy-to-right a.txt", "copy-to-left b.txt"});

    // A dry run changes nothing and adds no history.
    writeFile(j.left + "/c.txt", "gamma");
    {
        JobRunner dry(data, j, RunTrigger::Cli, true);
        REQUIRE(dry.prepare("dry").ok());
        CHECK(dry.run().plan.count(Op::Copy, Side::Right) == 1);
    } // releases the job's run lock
    CHECK_FALSE(exists(j.right + "/c.txt"));
    CHECK((*db)->runs(j.id, 10)->size() == 1);

    // A job whose folder vanished: stopped by the guard, recorded as stopped.
    ::unlink((j.left + "/a.txt").c_str());
    ::unlink((j.left + "/b.txt").c_str());
    ::unlink((j.left + "/c.txt").c_str());
    ::rmdir(j.left.c_str());
    JobRunner gone(data, j, RunTrigger::Cli, false);
    REQUIRE(gone.prepare("gone").ok());
    CHECK(gone.run().exit == ExitCode::Guard);
    auto last = (*db)->runs(j.id, 1);
    REQUIRE(last->size() == 1);
    CHECK(last->front().outcome == RunOutcome::Stopped);
    CHECK_FALSE(last->front().message.empty());
    CHECK(readFile(j.right + "/a.txt") == "alpha");
}

TEST_CASE("a job upgraded from a version 3 database keeps its own base and a dry run moves no state", "[jobrunner]")
{
    TempDir t;
    const std::string data = t / "data", left = t / "L", right = t / "R";
    for (const std::string& d : {data, left, right})
        REQUIRE(::mkdir(d.c_str(), 0755) == 0);
    writeFile(left + "/a.txt", "alpha");
    writeFile(left + "/b.txt", "beta");
    REQUIRE(AppDb::createAtVersion(AppDb::pathIn(data), 3).ok());
    // Saved by version 3 while the clock was a year ahead.
    const int64_t createdMs = QDateTime::currentMSecsSinceEpoch() + int64_t(365) * 86400 * 1000;
    REQUIRE(execSql(AppDb::pathIn(data),
                    "INSERT INTO jobs(name, left_location, right_location, mode, conflict, compare, created_at, "
                    "updated_at) VALUES('old', '" + left + "', '" + right + "', 'two-way', 'skip', 'time-size', " +
                        std::to_string(createdMs) + ", " + std::to_string(createdMs) + ");") == SQLITE_OK);
    Job job;
    {
        auto db = AppDb::open(AppDb::pathIn(data));
        REQUIRE(db.ok());
        auto found = (*db)->jobByName("old");
        REQUIRE(found.ok());
        REQUIRE(found->has_value());
        job = **found;
    }
    REQUIRE(job.stateKey == "job-" + std::to_string(job.id));
    auto runJob = [&](bool dryRun) {
        JobRunner runner(data, job, RunTrigger::Cli, dryRun);
        REQUIRE(runner.prepare("test").ok());
        const SyncReport r = runner.run();
        return std::make_pair(r, runner.notes());
    };
    REQUIRE(runJob(false).first.exit == ExitCode::InSync);
    REQUIRE(readFile(right + "/b.txt") == "beta");
    // Its own base, written "before" the job was created, carries a deletion.
    ::unlink((left + "/b.txt").c_str());
    const auto [second, secondNotes] = runJob(false);
    CHECK(second.exit == ExitCode::InSync);
    CHECK(secondNotes.empty());
    CHECK_FALSE(exists(right + "/b.txt"));
    CHECK_FALSE(exists(left + "/b.txt"));

    // A removed job's base under the same name: a dry run plans the first run
    // the real run will be, and moves nothing.
    const std::string file = jobStatePath(data, job);
    for (const char* suffix : {"", "-wal", "-shm"})
        ::unlink((file + suffix).c_str());
    writeStateOf(file, t / "old-L", t / "old-R", 1700000000);
    const std::string before = readFile(file);
    const auto [dry, dryNotes] = runJob(true);
    CHECK(dry.exit == ExitCode::InSync);
    CHECK(dry.plan.count(Op::Delete, Side::Left) + dry.plan.count(Op::Delete, Side::Right) == 0);
    CHECK(dryNotes.size() == 1);
    CHECK(readFile(file) == before);
    CHECK_FALSE(exists(data + "/state/orphaned"));
    // The real run sets it aside.
    const auto [real, realNotes] = runJob(false);
    CHECK(real.exit == ExitCode::InSync);
    CHECK(realNotes.size() == 1);
    CHECK(QDir(QString::fromStdString(data + "/state/orphaned")).entryList({"job-*.db"}, QDir::Files).size() == 1);
    CHECK(readFile(right + "/a.txt") == "alpha");
}

TEST_CASE("the next run of a schedule", "[job]")
{
    const QDateTime now(QDate(2026, 11, 25), QTime(10, 0)); // a Wednesday
    const int64_t nowMs = now.toMSecsSinceEpoch();
    const int64_t hour = 3600 * 1000;
    auto at = [&](const char* text, int64_t last) { return Schedule::parse(text)->nextRunMs(last, nowMs); };
    CHECK_FALSE(at("manual", 0));
    CHECK_FALSE(at("on-change", 0));
    CHECK(at("hourly", 0) == nowMs);                      // never run: due now
    CHECK(at("hourly", nowMs - hour / 2) == nowMs + hour / 2);
    CHECK(at("every-15-min", nowMs - 2 * hour) == nowMs); // overdue
    CHECK(at("daily 14:30", nowMs - hour) ==
          QDateTime(QDate(2026, 11, 25), QTime(14, 30)).toMSecsSinceEpoch());
    // Today's 02:00 slot passed without a run since yesterday: due now.
    CHECK(at("daily 02:00", nowMs - 20 * hour) == nowMs);
    CHECK(at("daily 02:00", nowMs - 7 * hour) ==
          QDateTime(QDate(2026, 11, 26), QTime(2, 0)).toMSecsSinceEpoch());
    CHECK(at("weekly fri 18:00", nowMs - hour) ==
          QDateTime(QDate(2026, 11, 27), QTime(18, 0)).toMSecsSinceEpoch());
    CHECK(at("weekly mon 08:00", nowMs - 3 * 24 * hour) == nowMs); // missed Monday's
}

TEST_CASE("runs recorded before reasons and stops were data still show their sentences", "[appdb]")
{
    TempDir t;
    const std::string f = t / "ferry.db";
    // A history as schema 4 wrote it: the stop and the conflict's reason as sentences.
    REQUIRE(AppDb::createAtVersion(f, 4).ok());
    const std::string stopped = "stopped: the right folder '/mnt/b' is missing, but the last sync saw files there. Is "
                                "a drive unplugged or a share not mounted? Reconnect it and run again; nothing was "
                                "changed";
    const std::string conflict = "changed on both sides since the last sync: left size 1 → 2, modified "
                                 "2025-11-24 16:00:00Z → 2025-11-24 16:00:05Z; right size 1 → 3, modified "
                                 "2025-11-24 16:00:00Z → 2025-11-24 16:00:06Z: left for you to decide (policy ask)";
    auto quoted = [](std::string s) { // an SQL string literal
        for (size_t i = s.find('\''); i != std::string::npos; i = s.find('\'', i + 2))
            s.insert(i, 1, '\'');
        return "'" + s + "'";
    };
    REQUIRE(execSql(f, "INSERT INTO jobs(name, left_location, right_location, mode, conflict, compare, created_at, "
                       "updated_at, state_key) VALUES('old', '/a', '/b', 'two-way', 'ask', 'time-size', 1, 2, 'job-1');"
                       "INSERT INTO runs(job_id, job_name, trigger, started_at, ended_at, outcome, exit_code, pid, "
                       "host, message) VALUES(1, 'old', 'cli', 10, 20, 'stopped', 4, 7, 'h', " + quoted(stopped) + ");"
                       "INSERT INTO runs(job_id, job_name, trigger, started_at, ended_at, outcome, exit_code, pid, "
                       "host, conflicts, conflicts_pending) VALUES(1, 'old', 'cli', 30, 40, 'conflicts', 3, 7, 'h', "
                       "1, 1);"
                       "INSERT INTO run_items(run_id, seq, path, action, result, bytes, detail) VALUES(2, 0, 'notes.txt',"
                       " 'conflict', 'pending', 0, " + quoted(conflict) + "), (2, 1, 'a.txt', 'copy-to-right', 'done', 5, '');") ==
            SQLITE_OK);
    auto db = AppDb::open(f);
    REQUIRE(db.ok());
    CHECK((*db)->schemaVersion() == AppDb::kSchemaVersion);
    auto runs = (*db)->runs(std::nullopt, 10);
    REQUIRE(runs.ok());
    REQUIRE(runs->size() == 2);
    const RunRecord& stop = runs->back();
    CHECK(stop.outcome == RunOutcome::Stopped);
    CHECK_FALSE(stop.stop);
    CHECK(stop.message == stopped);
    auto items = (*db)->runItems(2);
    REQUIRE(items.ok());
    REQUIRE(items->size() == 2);
    CHECK_FALSE((*items)[0].reason);
    CHECK(historyDetail((*items)[0].action, (*items)[0].detail, (*items)[0].reason) == conflict);
    CHECK(historyDetail((*items)[1].action, (*items)[1].detail, (*items)[1].reason).empty());
    auto pending = (*db)->pendingConflicts(1);
    REQUIRE(pending.ok());
    REQUIRE(pending->size() == 1);
    CHECK(historyDetail("conflict", pending->front().detail, pending->front().reason) == conflict);
}
