// JobOperations: the rules every caller (the window, ferry-cli, the
// scheduler) gets when it changes a saved job: the run lock, the base set
// aside and never shared, unique names, dead runs settled.
#include "jobs/joboperations.h"
#include "jobs/jobrunner.h"
#include "jobs/jobstate.h"
#include "jobs/runlock.h"
#include "secrets/keychain.h"
#include "store/appdb.h"
#include "tempdir.h"

#include <QDir>

#include <catch2/catch.hpp>

#include <map>

using namespace ferry;
using ferry::test::TempDir;

namespace {

// A keychain in memory: what the operations move and remove.
class MemoryKeychain : public Keychain {
public:
    std::map<std::string, std::string> secrets;
    SecretStore::Outcome read(const std::string& key) override
    {
        auto it = secrets.find(key);
        if (it == secrets.end())
            return {SecretStore::Status::NotFound, {}, {}};
        return {SecretStore::Status::Ok, it->second, {}};
    }
    SecretStore::Outcome write(const std::string& key, const std::string& secret) override
    {
        secrets[key] = secret;
        return {};
    }
    SecretStore::Outcome remove(const std::string& key) override
    {
        return {secrets.erase(key) ? SecretStore::Status::Ok : SecretStore::Status::NotFound, {}, {}};
    }
    SecretStore::Outcome move(const std::string& from, const std::string& to) override
    {
        auto it = secrets.find(from);
        if (it == secrets.end())
            return {SecretStore::Status::NotFound, {}, {}};
        secrets[to] = it->second;
        secrets.erase(from);
        return {};
    }
};

struct Fixture {
    TempDir tmp;
    std::string dataDir = tmp / "data";
    std::unique_ptr<AppDb> db;
    MemoryKeychain keychain;
    Fixture()
    {
        QDir().mkpath(QString::fromStdString(tmp / "L"));
        QDir().mkpath(QString::fromStdString(tmp / "R"));
        auto opened = AppDb::open(AppDb::pathIn(dataDir));
        REQUIRE(opened);
        db = std::move(*opened);
    }
    JobOperations ops() { return JobOperations(*db, dataDir, keychain); }
    Job add(const std::string& name, const std::string& left = "L", const std::string& right = "R")
    {
        Job job;
        job.name = name;
        job.left = tmp / left;
        job.right = tmp / right;
        auto saved = ops().create(job);
        INFO((saved ? std::string() : saved.error().message()));
        REQUIRE(saved);
        return *saved;
    }
    // A base file as a run would leave it.
    std::string writeBase(const Job& job)
    {
        const std::string state = jobStatePath(dataDir, job);
        QDir().mkpath(QString::fromStdString(dataDir + "/state"));
        test::writeFile(state, "the base of " + job.name);
        return state;
    }
    std::vector<std::string> orphaned()
    {
        std::vector<std::string> names;
        for (const QString& n : QDir(QString::fromStdString(dataDir + "/state/orphaned")).entryList({"*.db"}, QDir::Files))
            names.push_back(n.toStdString());
        return names;
    }
};

} // namespace

TEST_CASE("removing a job takes its lock, sets its base aside and removes its lock file", "[joboperations]")
{
    Fixture f;
    Job job = f.add("Docs");
    const std::string state = f.writeBase(job);
    const std::string lockFile = jobLockPath(f.dataDir, job.id);
    { auto lock = RunLock::acquire(lockFile, job.name, "an earlier run"); REQUIRE(lock); } // leaves the file
    REQUIRE(test::exists(lockFile));

    auto removed = f.ops().remove(job.id, "test");
    REQUIRE(removed);
    CHECK(removed->job.name == "Docs");
    CHECK_FALSE(test::exists(lockFile));
    CHECK_FALSE(test::exists(state));
    // Set aside, never deleted: the bytes are still there.
    const auto aside = f.orphaned();
    REQUIRE(aside.size() == 1);
    CHECK(test::readFile(f.dataDir + "/state/orphaned/" + aside.front()) == "the base of Docs");
    auto gone = f.db->jobByName("Docs");
    REQUIRE(gone);
    CHECK_FALSE(gone->has_value());
}

TEST_CASE("removing a running job is refused with who runs it, and changes nothing", "[joboperations]")
{
    Fixture f;
    Job job = f.add("Docs");
    const std::string state = f.writeBase(job);
    auto running = RunLock::acquire(jobLockPath(f.dataDir, job.id), job.name, "ferry-cli run");
    REQUIRE(running);

    JobRefusal why = JobRefusal::None;
    auto removed = f.ops().remove(job.id, "test", &why);
    REQUIRE_FALSE(removed);
    CHECK(why == JobRefusal::Running);
    CHECK(removed.error().kind == Error::Kind::AbortRun);
    CHECK(removed.error().message().find("ferry-cli run") != std::string::npos);
    CHECK(test::exists(state));
    auto still = f.db->jobByName("Docs");
    REQUIRE(still);
    CHECK(still->has_value());
}

TEST_CASE("a removed job's saved password goes with it", "[joboperations]")
{
    Fixture f;
    Job job;
    job.name = "Nas";
    job.left = f.tmp / "L";
    job.right = "sftp://me@127.0.0.1:2222/srv";
    auto saved = f.ops().create(job);
    REQUIRE(saved);
    f.keychain.secrets[SecretStore::keyForJob("Nas")] = "pw";
    REQUIRE(f.ops().remove(saved->id, "test"));
    CHECK(f.keychain.secrets.empty());
}

TEST_CASE("a duplicate gets a free name and its own state key, never the original's base", "[joboperations]")
{
    Fixture f;
    Job photos = f.add("Photos");
    photos.versioning.mode = VersioningSettings::Mode::Folder;
    photos.versioning.folder = f.tmp / "versions";
    REQUIRE(f.ops().edit(photos, "test"));
    f.writeBase(photos);

    auto copy = f.ops().duplicate(photos.id);
    REQUIRE(copy);
    CHECK(copy->name == "Photos (copy)");
    CHECK(copy->id != photos.id);
    CHECK_FALSE(copy->stateKey.empty());
    CHECK(copy->stateKey != photos.stateKey);
    CHECK(jobStatePath(f.dataDir, *copy) != jobStatePath(f.dataDir, photos));
    CHECK_FALSE(test::exists(jobStatePath(f.dataDir, *copy))); // its first run starts afresh
    CHECK(versioningOf(*copy).folder == versioningOf(photos).folder);
    CHECK(versioningOf(*copy).owner != versioningOf(photos).owner); // its own subfolder
    CHECK(copy->left == photos.left);

    // Of a copy, and again: the next free number.
    auto second = f.ops().duplicate(copy->id);
    REQUIRE(second);
    CHECK(second->name == "Photos (copy 2)");
    CHECK(JobOperations::freeCopyName("photos", {"Photos (COPY)"}) == "photos (copy 2)");
}

TEST_CASE("rename refuses a name another job has, and a job that runs", "[joboperations]")
{
    Fixture f;
    Job a = f.add("A");
    f.add("B", "L2", "R2");
    JobRefusal why = JobRefusal::None;
    auto taken = f.ops().rename(a.id, "B", "test", &why);
    REQUIRE_FALSE(taken);
    CHECK(why == JobRefusal::NameTaken);
    CHECK((*f.db->jobById(a.id))->name == "A");

    f.keychain.secrets[SecretStore::keyForJob("A")] = "pw";
    auto renamed = f.ops().rename(a.id, "C", "test");
    REQUIRE(renamed);
    CHECK(renamed->job.name == "C");
    CHECK(renamed->job.stateKey == a.stateKey); // the same job, the same base
    CHECK(f.keychain.secrets.count(SecretStore::keyForJob("C")) == 1); // the password follows
    CHECK(f.keychain.secrets.count(SecretStore::keyForJob("A")) == 0);

    auto running = RunLock::acquire(jobLockPath(f.dataDir, a.id), "C", "ferry-cli run");
    REQUIRE(running);
    why = JobRefusal::None;
    REQUIRE_FALSE(f.ops().rename(a.id, "D", "test", &why));
    CHECK(why == JobRefusal::Running);
    CHECK((*f.db->jobById(a.id))->name == "C");
}

TEST_CASE("editing a job's sides sets its base aside; other edits keep it", "[joboperations]")
{
    Fixture f;
    Job job = f.add("Docs");
    const std::string state = f.writeBase(job);
    job.maxDeletePercent = 20;
    auto kept = f.ops().edit(job, "test");
    REQUIRE(kept);
    CHECK(kept->notes.empty());
    CHECK(test::exists(state));

    QDir().mkpath(QString::fromStdString(f.tmp / "R2"));
    job.right = f.tmp / "R2";
    auto moved = f.ops().edit(job, "test");
    REQUIRE(moved);
    CHECK(moved->notes.size() == 1);
    CHECK_FALSE(test::exists(state));
    CHECK(f.orphaned().size() == 1);
}

TEST_CASE("a run left running by a dead process is settled as interrupted, a live one is not", "[joboperations]")
{
    Fixture f;
    Job dead = f.add("Dead");
    Job live = f.add("Live", "L2", "R2");
    REQUIRE(f.db->beginRun(dead, RunTrigger::Cli, false, 1, "host", 1000));
    REQUIRE(f.db->beginRun(live, RunTrigger::Cli, false, 2, "host", 1000));
    auto holding = RunLock::acquire(jobLockPath(f.dataDir, live.id), live.name, "ferry-cli run");
    REQUIRE(holding);

    CHECK(f.ops().settleDeadRuns("test") == 1);
    auto deadRuns = f.db->runs(dead.id, 10);
    auto liveRuns = f.db->runs(live.id, 10);
    REQUIRE(deadRuns);
    REQUIRE(liveRuns);
    CHECK(deadRuns->front().outcome == RunOutcome::Interrupted);
    CHECK(liveRuns->front().outcome == RunOutcome::Running);
    CHECK(shownOutcome(f.dataDir, liveRuns->front()) == RunOutcome::Running);
}

// ferry-cli run reads the job, asks for its password, and only then takes
// the job's lock (the window and the scheduler hold a job read earlier
// too). An edit or a removal that lands in between takes and releases the
// lock itself: the run must not then sync the sides the user just left.
TEST_CASE("a run whose job was edited or removed after it was read does not sync the old sides", "[joboperations][jobrunner]")
{
    Fixture f;
    QDir().mkpath(QString::fromStdString(f.tmp / "R2"));
    test::writeFile(f.tmp / "L/a.txt", "alpha");
    SECTION("edited: another right side")
    {
        Job job = f.add("Docs");
        JobRunner runner(f.dataDir, job, RunTrigger::Cli, false); // the job as read before the edit
        Job changed = job;
        changed.right = f.tmp / "R2";
        REQUIRE(f.ops().edit(changed, "ferry-cli job edit"));
        if (runner.prepare("ferry-cli run").ok())
            runner.run();
        CHECK_FALSE(test::exists(f.tmp / "R/a.txt")); // the right side the job no longer has is left alone
    }
    SECTION("removed, while the window previews it")
    {
        Job job = f.add("Docs");
        JobRunner runner(f.dataDir, job, RunTrigger::Manual, false);
        REQUIRE(f.ops().remove(job.id, "ferry-cli job remove"));
        if (runner.prepare("Ferry window (preview)", false).ok())
            runner.run();
        CHECK_FALSE(test::exists(f.tmp / "R/a.txt"));
    }
}
