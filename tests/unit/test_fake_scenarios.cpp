// The two-way, mirror and update scenarios over FakeBackend, in each of its
// capability profiles (a folding side, FAT times, a server without links,
// file ids or atomic renames): the engine must honour what a side can do.
// Each ends with both sides as expected and a second run that plans nothing.
#include "backend/fakebackend.h"
#include "common/relpath.h"
#include "engine/stoptext.h"
#include "engine/syncrun.h"
#include "store/statestore.h"
#include "reportcheck.h"
#include "tempdir.h"

#include <catch2/catch.hpp>
#include <atomic>

#include <atomic>
#include <cstdio>

using namespace ferry;
using namespace ferry::test;

namespace {

const int64_t kSecond = 1000000000;
const int64_t kT0 = int64_t(1764000000) * kSecond;

struct FakePair {
    TempDir dir;
    std::shared_ptr<FakeFileSystem> left, right;
    FakePair(const FakeProfile& l, const FakeProfile& r)
        : left(std::make_shared<FakeFileSystem>(l)), right(std::make_shared<FakeFileSystem>(r))
    {
        left->putDir("L");
        right->putDir("R");
    }
    SyncOptions options(SyncMode mode) const
    {
        SyncOptions o;
        o.mode = mode;
        o.statePath = mode == SyncMode::TwoWay ? dir / "state.db" : std::string();
        o.hostName = "test";
        o.nowNs = kT0 + 3600 * kSecond;
        o.threads = 3;
        // The coarsest side's precision, as a job on such a side sets it.
        o.toleranceNs = std::max(left->profile().caps.timePrecisionNs, right->profile().caps.timePrecisionNs) > 1
                            ? 2 * kSecond
                            : 0;
        return o;
    }
    SyncReport sync(SyncMode mode) const
    {
        SyncRun run(std::make_unique<FakeBackend>(left, "L"), std::make_unique<FakeBackend>(right, "R"), options(mode));
        return run.run();
    }
    std::map<std::string, std::string> leftTree() const { return left->tree("L"); }
    std::map<std::string, std::string> rightTree() const { return right->tree("R"); }
};

void expectQuietAgain(const FakePair& p, SyncMode mode)
{
    SyncReport again = p.sync(mode);
    INFO("second run: " << describeWithPlan(again));
    CHECK(again.exit == ExitCode::InSync);
    CHECK_FALSE(again.plan.hasWork());
}

// Every profile on both sides, and each profile against a plain POSIX side.
std::vector<std::pair<FakeProfile, FakeProfile>> profilePairs()
{
    std::vector<std::pair<FakeProfile, FakeProfile>> out;
    for (const FakeProfile& p : fakeprofiles::all()) {
        out.emplace_back(p, p);
        if (p.name != "posix")
            out.emplace_back(fakeprofiles::posix(), p);
    }
    return out;
}

} // namespace

TEST_CASE("fake sides: two-way carries additions, edits, deletions, renames and conflicts", "[fake][scenario]")
{
    const auto pairs = profilePairs();
    const size_t i = GENERATE_COPY(range(size_t(0), pairs.size()));
    const auto& [lp, rp] = pairs[i];
    INFO("left " << lp.name << ", right " << rp.name);
    FakePair p(lp, rp);

    p.left->putFile("L/docs/a.txt", "alpha", kT0);
    p.left->putFile("L/docs/b.txt", "beta", kT0);
    p.left->putFile("L/keep.txt", "keep", kT0);
    p.right->putFile("R/photos/p1.jpg", "jpeg one", kT0);
    p.right->putFile("R/notes.md", "notes", kT0);
    p.left->putDir("L/empty");
    SyncReport first = p.sync(SyncMode::TwoWay);
    INFO("first run: " << describeWithPlan(first));
    REQUIRE(first.exit == ExitCode::InSync);
    CHECK(p.leftTree() == p.rightTree());
    CHECK(p.rightTree().at("docs/a.txt") == "f:alpha");
    CHECK(p.leftTree().at("photos/p1.jpg") == "f:jpeg one");
    CHECK(p.rightTree().at("empty") == "d");

    // One change of each kind on each side; a file edited on both.
    p.left->putFile("L/docs/a.txt", "alpha, edited on the left", kT0 + 60 * kSecond);
    p.right->removeTree("R/docs/b.txt");
    p.right->putFile("R/photos/p2.jpg", "jpeg two", kT0 + 60 * kSecond);
    p.left->putFile("L/notes.md", "notes, left", kT0 + 60 * kSecond);
    p.right->putFile("R/notes.md", "notes, right side", kT0 + 120 * kSecond);
    {
        FakeBackend right(p.right, "R");
        REQUIRE(right.rename("photos/p1.jpg", "photos/renamed.jpg").ok());
    }
    SyncReport second = p.sync(SyncMode::TwoWay);
    INFO("second run: " << describeWithPlan(second));
    REQUIRE(second.exit == ExitCode::InSync);
    const auto t = p.leftTree();
    CHECK(t == p.rightTree());
    CHECK(t.at("docs/a.txt") == "f:alpha, edited on the left");
    CHECK(t.count("docs/b.txt") == 0);
    CHECK(t.at("photos/p2.jpg") == "f:jpeg two");
    CHECK(t.at("photos/renamed.jpg") == "f:jpeg one");
    CHECK(t.count("photos/p1.jpg") == 0);
    // Keep both (the default): both versions of notes.md are on both sides.
    CHECK(countHolding(t, "f:notes, left") == 1);
    CHECK(countHolding(t, "f:notes, right side") == 1);
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("fake sides: a mirror makes the right an exact copy, an update never deletes", "[fake][scenario]")
{
    const auto pairs = profilePairs();
    const size_t i = GENERATE_COPY(range(size_t(0), pairs.size()));
    const auto& [lp, rp] = pairs[i];
    INFO("left " << lp.name << ", right " << rp.name);
    const SyncMode mode = GENERATE(SyncMode::Mirror, SyncMode::Update);
    INFO("mode " << modeName(mode));
    FakePair p(lp, rp);

    p.left->putFile("L/a.txt", "a", kT0);
    p.left->putFile("L/sub/b.txt", "b", kT0);
    p.left->putFile("L/sub/c.txt", "c", kT0);
    p.right->putFile("R/a.txt", "old a, longer", kT0 - 60 * kSecond);
    p.right->putFile("R/extra.txt", "only on the right", kT0);
    for (int k = 0; k < 6; ++k)
        p.left->putFile("L/more/m" + std::to_string(k), "m" + std::to_string(k), kT0);
    SyncReport r = p.sync(mode);
    INFO(describeWithPlan(r));
    REQUIRE(r.exit == ExitCode::InSync);
    auto t = p.rightTree();
    CHECK(t.at("a.txt") == "f:a");
    CHECK(t.at("sub/b.txt") == "f:b");
    CHECK(t.count("extra.txt") == (mode == SyncMode::Update ? 1u : 0u));
    if (mode == SyncMode::Mirror)
        CHECK(t == p.leftTree());
    expectQuietAgain(p, mode);

    p.left->putFile("L/sub/b.txt", "b, edited", kT0 + 60 * kSecond);
    p.left->removeTree("L/sub/c.txt");
    SyncReport again = p.sync(mode);
    INFO(describeWithPlan(again));
    REQUIRE(again.exit == ExitCode::InSync);
    t = p.rightTree();
    CHECK(t.at("sub/b.txt") == "f:b, edited");
    CHECK(t.count("sub/c.txt") == (mode == SyncMode::Update ? 1u : 0u));
    expectQuietAgain(p, mode);
}

TEST_CASE("fake sides: a case-only rename on a folding side is carried as a rename", "[fake][scenario]")
{
    for (const FakeProfile& profile : {fakeprofiles::caseInsensitive(), fakeprofiles::macLike(), fakeprofiles::fatLike()}) {
        INFO(profile.name);
        FakePair p(profile, profile);
        p.left->putFile("L/readme.txt", "read me", kT0);
        p.left->putFile("L/other.txt", "other", kT0);
        REQUIRE(p.sync(SyncMode::TwoWay).exit == ExitCode::InSync);
        {
            FakeBackend left(p.left, "L");
            REQUIRE(left.rename("readme.txt", "README.txt").ok());
        }
        SyncReport r = p.sync(SyncMode::TwoWay);
        INFO(describeWithPlan(r));
        CHECK(r.exit == ExitCode::InSync);
        CHECK(p.rightTree() == p.leftTree());
        CHECK(p.rightTree().count("README.txt") == 1);
        expectQuietAgain(p, SyncMode::TwoWay);
    }
}

TEST_CASE("fake sides: a failed write leaves the target as it was and the next run finishes", "[fake][scenario]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/a.txt", "new a", kT0 + 60 * kSecond);
    p.left->putFile("L/b.txt", "b", kT0);
    p.right->putFile("R/a.txt", "old a", kT0);
    p.right->putFile("R/b.txt", "b", kT0);
    REQUIRE(p.sync(SyncMode::Mirror).exit == ExitCode::InSync); // a.txt replaced
    p.left->putFile("L/a.txt", "newer a", kT0 + 120 * kSecond);
    p.right->setFault([](std::string_view op, std::string_view) -> std::optional<Error> {
        if (op == "write")
            return errnoError("write", "a.txt", ENOSPC);
        return std::nullopt;
    });
    SyncReport r = p.sync(SyncMode::Mirror);
    CHECK(r.exit == ExitCode::Errors);
    CHECK(p.rightTree().at("a.txt") == "f:new a");
    CHECK(p.rightTree().size() == 2); // no temporary left behind
    p.right->setFault({});
    REQUIRE(p.sync(SyncMode::Mirror).exit == ExitCode::InSync);
    CHECK(p.rightTree().at("a.txt") == "f:newer a");
}

TEST_CASE("the state records copies only after the side flushed them to disk", "[fake][scenario]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::posix());
    for (int i = 0; i < 5; ++i)
        p.left->putFile("L/f" + std::to_string(i), "file " + std::to_string(i), kT0);
    // The right's flush fails (a disk that reports a writeback error).
    p.right->setFault([](std::string_view op, std::string_view) -> std::optional<Error> {
        if (op == "flushWrites")
            return errnoError("flush the writes to", "R", EIO);
        return std::nullopt;
    });
    SyncReport r = p.sync(SyncMode::TwoWay);
    CHECK(r.exit == ExitCode::Errors);
    {
        auto store = StateStore::open(p.dir / "state.db", true);
        REQUIRE(store.ok());
        auto base = (*store)->loadBase();
        REQUIRE(base.ok());
        CHECK(base->empty()); // nothing recorded as synced
    }
    p.right->setFault({});
    SyncReport again = p.sync(SyncMode::TwoWay);
    INFO(describeWithPlan(again));
    CHECK(again.exit == ExitCode::InSync);
    CHECK(p.right->calls("flushWrites") >= 2);
    CHECK(p.rightTree() == p.leftTree());
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("a mirror without a state still flushes the side it wrote before it ends", "[fake][scenario]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::posix());
    p.left->putFile("L/a", "a", kT0);
    REQUIRE(p.sync(SyncMode::Mirror).exit == ExitCode::InSync);
    CHECK(p.right->calls("flushWrites") >= 1);
    const int before = p.right->calls("flushWrites");
    REQUIRE(p.sync(SyncMode::Mirror).exit == ExitCode::InSync);
    CHECK(p.right->calls("flushWrites") == before); // a run that wrote nothing flushes nothing
}

// ---- sessions -------------------------------------------------------------------------

TEST_CASE("a two-way run with N threads opens at most N + 1 sessions per side, reused in every phase",
          "[fake][scenario][sessions]")
{
    FakeProfile slow = fakeprofiles::posix();
    slow.latency = std::chrono::microseconds(300); // the workers overlap, as over a network
    FakePair p(slow, slow);
    for (int i = 0; i < 40; ++i) {
        p.left->putFile("L/dir/l" + std::to_string(i), "left", kT0);
        p.right->putFile("R/r" + std::to_string(i), "right", kT0);
    }
    p.left->setRequireSessions(true); // every call of the run comes through a session
    p.right->setRequireSessions(true);
    const int threads = p.options(SyncMode::TwoWay).threads;
    auto sessions = [&](const char* what, SyncMode mode) {
        const int l0 = p.left->connections(), r0 = p.right->connections();
        SyncReport r = p.sync(mode);
        INFO(what << ": " << describe(r));
        CHECK(r.exit == ExitCode::InSync);
        CHECK(p.left->openSessions() == 0); // all closed with the run
        CHECK(p.right->openSessions() == 0);
        return std::pair{p.left->connections() - l0, p.right->connections() - r0};
    };
    auto first = sessions("copies both ways", SyncMode::TwoWay);
    CHECK(first.first <= threads + 1);
    CHECK(first.second <= threads + 1);
    for (int i = 0; i < 10; ++i) {
        p.right->removeTree("R/dir/l" + std::to_string(i));                  // deletions on the left
        p.left->putFile("L/r" + std::to_string(i), "edited", kT0 + 60 * kSecond); // copies to the right
    }
    p.right->putDir("R/newdir"); // a folder made on the left
    auto second = sessions("deletions, a folder, copies", SyncMode::TwoWay);
    CHECK(second.first <= threads + 1);
    CHECK(second.second <= threads + 1);
    auto idle = sessions("nothing to do", SyncMode::TwoWay);
    CHECK(idle == std::pair{1, 1}); // the scan's only: no phase without work takes one
    CHECK(p.left->peakSessions() <= threads + 1);
    CHECK(p.right->peakSessions() <= threads + 1);
    WARN("sessions per side (left/right), " << threads << " threads: copies " << first.first << "/" << first.second
                                            << ", mixed " << second.first << "/" << second.second << ", idle "
                                            << idle.first << "/" << idle.second);
    CHECK(p.rightTree() == p.leftTree());
}

TEST_CASE("an executor with nothing to do connects nothing", "[fake][sessions]")
{
    auto fs = std::make_shared<FakeFileSystem>();
    FakeBackend left(fs, "L"), right(fs, "R");
    SessionPool lp(left, 3, CallContext{}), rp(right, 3, CallContext{});
    Versioner versioner(VersioningSettings{}, kT0);
    Executor ex(lp, rp, nullptr, versioner, ExecutorOptions{}, CancelToken{});
    ExecutionResult r = ex.run(Plan{});
    CHECK(r.failures() == 0);
    CHECK(lp.connected() == 0);
    CHECK(rp.connected() == 0);
    CHECK(fs->calls() == 0);
}

TEST_CASE("a server that stops answering ends the run at once with one error that names it",
          "[fake][scenario][sessions]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::posix());
    const int kItems = 200, kCommits = 20;
    for (int i = 0; i < kItems; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "L/f%03d", i);
        p.left->putFile(name, "content " + std::to_string(i), kT0);
    }
    // After kCommits copies are in place, the right's server answers nothing more.
    std::atomic<int> commits{0}, stalled{0};
    p.right->setStall([&](std::string_view op, std::string_view) {
        if (commits.load() >= kCommits) {
            ++stalled;
            return true;
        }
        if (op == "commit")
            ++commits;
        return false;
    });
    SyncOptions o = p.options(SyncMode::TwoWay);
    o.threads = 4;
    o.callTimeout = std::chrono::milliseconds(100);
    const auto start = std::chrono::steady_clock::now();
    SyncReport r;
    {
        SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
        r = run.run();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(describe(r) << "\nseconds " << seconds << ", stalled calls " << stalled.load() << ", logins tried "
                     << p.right->calls("connect"));
    // Each worker waits out one call and at most one login; the flushes one more each.
    CHECK(stalled.load() <= 2 * o.threads + 2);
    CHECK(p.right->calls("connect") <= 2 * o.threads + 2);
    CHECK(seconds < 10); // retrying every item would take about 200 × 3 × 0.1 s / 4 and more
    CHECK(r.exit == ExitCode::Errors);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors.front().kind == Error::Kind::AbortRun);
    CHECK(r.errors.front().message().find("fake:/R") != std::string::npos);
    CHECK(r.errors.front().message().find("stopped answering") != std::string::npos);
    CHECK(r.execution.aborted);
    int done = 0, notRun = 0;
    for (const ItemResult& item : r.execution.items) {
        done += item.state == ItemResult::State::Done;
        notRun += item.state == ItemResult::State::NotRun;
    }
    CHECK(done == kCommits); // every copy put in place counts as done
    CHECK(notRun == kItems - kCommits);
    int copied = 0;
    for (const auto& [path, held] : p.rightTree())
        copied += held.rfind("f:content ", 0) == 0;
    CHECK(copied == kCommits);
    CHECK(p.right->openSessions() == 0);
    {
        // The state records nothing that was not done.
        auto store = StateStore::open(p.dir / "state.db", true);
        REQUIRE(store.ok());
        auto base = (*store)->loadBase();
        REQUIRE(base.ok());
        CHECK(int(base->entries.size()) <= kCommits);
    }
    // The server is back: the rest is copied, what was done is not copied again.
    p.right->setStall({});
    SyncReport again = p.sync(SyncMode::TwoWay);
    INFO("resumed: " << describeWithPlan(again));
    CHECK(again.exit == ExitCode::InSync);
    CHECK(again.plan.bytesToCopy() > 0);
    int copies = 0;
    for (const Action& a : again.plan.actions)
        copies += a.op == Op::Copy;
    CHECK(copies == kItems - kCommits);
    CHECK(p.rightTree() == p.leftTree()); // no temporary left either
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("versions on a side with sessions go through the leased session's own store",
          "[fake][scenario][sessions][versions]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::posix());
    p.left->putFile("L/keep.txt", "v1", kT0);
    p.left->putFile("L/gone.txt", "doomed", kT0);
    SyncOptions o = p.options(SyncMode::TwoWay);
    o.versioning.mode = VersioningSettings::Mode::Folder;
    o.versioning.serverFolder = "/V";
    o.versioning.owner = "job-test";
    o.versioning.keepCount = 5; // retention lists the stores too
    auto sync = [&] {
        SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
        return run.run();
    };
    REQUIRE(sync().exit == ExitCode::InSync);
    p.left->setRequireSessions(true);
    p.right->setRequireSessions(true);
    p.left->putFile("L/keep.txt", "v2", kT0 + 60 * kSecond); // replaced on the right
    p.left->removeTree("L/gone.txt");                        // deleted on the right
    SyncReport r = sync();
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(p.left->outsideSessions() == 0);
    CHECK(p.right->outsideSessions() == 0);
    CHECK(p.rightTree() == p.leftTree());
    int kept = 0;
    for (const auto& [path, item] : p.right->tree("V")) {
        INFO(path << " " << item);
        kept += (path.rfind("job-test/keep ", 0) == 0 && item == "f:v1") ||
                (path.rfind("job-test/gone ", 0) == 0 && item == "f:doomed");
    }
    CHECK(kept == 2);
    CHECK(p.left->openSessions() == 0);
    CHECK(p.right->openSessions() == 0);
}

// ---- each capability, honoured by the engine ------------------------------------

namespace {

bool anyErrorMentions(const SyncReport& r, const std::string& text)
{
    for (const Error& e : r.errors)
        if (e.message().find(text) != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("capability symlinks: a link for a side without links is skipped once with a reason, never attempted",
          "[fake][capabilities]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/a.txt", "alpha", kT0);
    p.left->putSymlink("L/link", "a.txt");
    SyncReport r = p.sync(SyncMode::Mirror);
    INFO(describeWithPlan(r));
    CHECK(p.right->calls("makeSymlink") == 0);
    CHECK(p.rightTree() == std::map<std::string, std::string>{{"a.txt", "f:alpha"}});
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors.front().path == "link");
    CHECK(anyErrorMentions(r, "symbolic links"));
}

TEST_CASE("capability atomicRename: a side without it gets a replace in steps that leaves nothing behind",
          "[fake][capabilities]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/f.txt", "new content", kT0 + 100 * kSecond);
    p.right->putFile("R/f.txt", "old", kT0);
    SyncReport r = p.sync(SyncMode::Mirror);
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(p.rightTree() == std::map<std::string, std::string>{{"f.txt", "f:new content"}});
    expectQuietAgain(p, SyncMode::Mirror);
}

TEST_CASE("capability atomicRename: a replace in steps that fails part-way never loses the old file",
          "[fake][capabilities]")
{
    const std::string failing = GENERATE(std::string("commit"), std::string("removeFile"));
    INFO("failing step: " << failing);
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/f.txt", "new content", kT0 + 100 * kSecond);
    p.right->putFile("R/f.txt", "old", kT0);
    p.right->setFault([&](std::string_view op, std::string_view path) -> std::optional<Error> {
        // Between the steps: putting the new file in place, or removing the old one set aside.
        const bool aside = relpath::name(path).substr(0, 11) == ".ferry-old-";
        if (op == failing && (failing == "commit" ? path == "f.txt" : aside))
            return errnoError(std::string(op), std::string(path), EIO);
        return std::nullopt;
    });
    SyncReport r = p.sync(SyncMode::Mirror);
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::Errors);
    const auto tree = p.rightTree();
    int oldCopies = 0;
    for (const auto& [path, item] : tree)
        oldCopies += item == "f:old";
    if (failing == "commit") {
        // Put back where it was.
        CHECK(tree == std::map<std::string, std::string>{{"f.txt", "f:old"}});
    } else {
        // The new file is in place and the old one is still there, set aside.
        CHECK(tree.at("f.txt") == "f:new content");
        CHECK(oldCopies == 1);
    }
}

namespace {

bool holdsAside(const std::map<std::string, std::string>& tree)
{
    for (const auto& [path, item] : tree)
        if (path.find(".ferry-old-") != std::string::npos)
            return true;
    return false;
}

} // namespace

TEST_CASE("capability atomicRename: a file set aside by an interrupted replace is recovered by the next run",
          "[fake][capabilities][asides]")
{
    // Where the run died: before the new file was in place (the aside is the
    // only copy of the file), or after it (the aside is the replaced old one).
    const bool beforeCommit = GENERATE(true, false);
    const bool versioning = GENERATE(false, true);
    INFO((beforeCommit ? "died before the commit" : "died after the commit") << (versioning ? ", versioning" : ""));
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/f.txt", "old", kT0);
    p.left->putFile("L/other.txt", "other", kT0);
    SyncOptions o = p.options(SyncMode::TwoWay);
    if (versioning) {
        o.versioning.mode = VersioningSettings::Mode::Folder;
        o.versioning.serverFolder = "/V";
        o.versioning.folder = p.dir / "versions";
        o.versioning.owner = "job-test";
    }
    auto sync = [&] {
        SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
        return run.run();
    };
    REQUIRE(sync().exit == ExitCode::InSync);
    p.left->putFile("L/f.txt", "new content", kT0 + 100 * kSecond);
    // A crash between the steps, as faults: the step after the aside, and
    // each way the run would have tidied up, fail.
    p.right->setFault([&](std::string_view op, std::string_view path) -> std::optional<Error> {
        const bool aside = relpath::name(path).substr(0, 11) == ".ferry-old-";
        const bool dies = beforeCommit ? (op == "commit" && path == "f.txt") || (op == "rename" && aside)
                                       : (op == "removeFile" || op == "moveToStore") && aside;
        if (dies)
            return errnoError(std::string(op), std::string(path), EIO);
        return std::nullopt;
    });
    if (versioning) {
        // With versioning the replace goes through the versions folder; set
        // the old file aside the way a run without it did.
        o.versioning.mode = VersioningSettings::Mode::None;
    }
    SyncReport crashed = sync();
    INFO("crashed run: " << describeWithPlan(crashed));
    REQUIRE(holdsAside(p.rightTree()));
    CHECK(p.rightTree().count("f.txt") == !beforeCommit);
    if (versioning)
        o.versioning.mode = VersioningSettings::Mode::Folder;
    p.right->setFault({});

    SyncReport next = sync();
    INFO("next run: " << describeWithPlan(next));
    CHECK(next.exit == ExitCode::InSync);
    CHECK_FALSE(holdsAside(p.rightTree()));
    CHECK_FALSE(holdsAside(p.leftTree()));
    CHECK(p.leftTree() == std::map<std::string, std::string>{{"f.txt", "f:new content"}, {"other.txt", "f:other"}});
    CHECK(p.rightTree() == p.leftTree());
    const auto versions = p.right->tree("V");
    if (versioning) {
        // The old file, whether put back and then replaced or set aside and then retired, is kept.
        int old = 0;
        for (const auto& [path, item] : versions)
            old += path.rfind("job-test/f ", 0) == 0 && item == "f:old";
        CHECK(old == 1);
    }
    for (const auto& [path, item] : versions)
        CHECK(path.find(".ferry-old-") == std::string::npos);
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("a file set aside before its replacement was in place is the user's file: put back, never lost",
          "[fake][capabilities][asides]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/f.txt", "old", kT0);
    REQUIRE(p.sync(SyncMode::TwoWay).exit == ExitCode::InSync);
    p.left->putFile("L/f.txt", "new content", kT0 + 100 * kSecond);
    p.right->setFault([](std::string_view op, std::string_view path) -> std::optional<Error> {
        const bool aside = relpath::name(path).substr(0, 11) == ".ferry-old-";
        if ((op == "commit" && path == "f.txt") || (op == "rename" && aside))
            return errnoError(std::string(op), std::string(path), EIO);
        return std::nullopt;
    });
    (void)p.sync(SyncMode::TwoWay); // dies with the old file set aside on the right
    REQUIRE(holdsAside(p.rightTree()));
    p.right->setFault({});
    // The user takes the edit back: the left is as the base recorded it.
    p.left->putFile("L/f.txt", "old", kT0);
    SyncReport next = p.sync(SyncMode::TwoWay);
    INFO(describeWithPlan(next));
    CHECK(next.exit == ExitCode::InSync);
    // Had the aside been dropped, the right would have "deleted" f.txt and the run carried that to the left.
    CHECK(p.leftTree() == std::map<std::string, std::string>{{"f.txt", "f:old"}});
    CHECK(p.rightTree() == p.leftTree());
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("a user's file that merely looks like a set-aside file is synced like any other", "[fake][asides]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.right->putFile("R/.ferry-old-abcdefgh12345678-f.txt", "mine", kT0);
    p.right->putFile("R/.ferry-old-abcdefgh12345678", "mine too", kT0);
    SyncReport r = p.sync(SyncMode::TwoWay);
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(p.leftTree() == p.rightTree());
    CHECK(p.leftTree().size() == 2);
}

TEST_CASE("capability normalizationInsensitive: one name in two Unicode forms is one item there",
          "[fake][capabilities]")
{
    const std::string nfc = "Caf\xc3\xa9.txt", nfd = "Cafe\xcc\x81.txt";
    FakePair p(fakeprofiles::posix(), fakeprofiles::normalizationOnly());
    p.left->putFile("L/" + nfc, "same", kT0);
    p.right->putFile("R/" + nfd, "same", kT0);
    SyncReport r = p.sync(SyncMode::TwoWay);
    INFO(describeWithPlan(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(p.rightTree() == std::map<std::string, std::string>{{nfd, "f:same"}}); // its own spelling kept
    CHECK(p.leftTree() == std::map<std::string, std::string>{{nfc, "f:same"}});
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("capability normalizationInsensitive: two files whose names differ only in form are not both put there",
          "[fake][capabilities]")
{
    const std::string nfc = "Caf\xc3\xa9.txt", nfd = "Cafe\xcc\x81.txt";
    FakePair p(fakeprofiles::posix(), fakeprofiles::normalizationOnly());
    p.left->putFile("L/" + nfc, "composed", kT0);
    p.left->putFile("L/" + nfd, "decomposed", kT0);
    SyncReport r = p.sync(SyncMode::Mirror);
    INFO(describeWithPlan(r));
    // One name there: neither copy may land on the other, and the user is told.
    CHECK(p.right->calls("commit") == 0);
    CHECK(p.rightTree().empty());
    CHECK_FALSE((r.errors.empty() && r.pendingConflicts == 0));
}

TEST_CASE("capability serverHashAlgorithm: content is compared by the server's hash, without reading the file",
          "[fake][capabilities]")
{
    FakePair p(fakeprofiles::hashingServer(), fakeprofiles::hashingServer());
    p.left->putFile("L/same.bin", "identical bytes", kT0);
    p.right->putFile("R/same.bin", "identical bytes", kT0 + 500 * kSecond);
    p.left->putFile("L/diff.bin", "left version!!", kT0);
    p.right->putFile("R/diff.bin", "right version!", kT0 + 500 * kSecond);
    SyncOptions o = p.options(SyncMode::TwoWay);
    o.compare = CompareMode::Content;
    o.conflict = ConflictPolicy::Skip;
    SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
    SyncReport r = run.run();
    INFO(describeWithPlan(r));
    CHECK(p.left->calls("serverHash") + p.right->calls("serverHash") > 0);
    CHECK(p.left->calls("openRead") + p.right->calls("openRead") == 0);
    CHECK(r.pendingConflicts == 1); // diff.bin only: same.bin has equal content
}

TEST_CASE("capability windowsNames and maxNameBytes: a name the side refuses is reported, never attempted",
          "[fake][capabilities]")
{
    FakeProfile shortNames = fakeprofiles::fatLike();
    shortNames.caps.maxNameBytes = 20;
    FakePair p(fakeprofiles::posix(), shortNames);
    p.left->putFile("L/a:b.txt", "colon", kT0);
    p.left->putFile("L/" + std::string(30, 'n') + ".txt", "long", kT0);
    p.left->putFile("L/ok.txt", "fine", kT0);
    SyncReport r = p.sync(SyncMode::Mirror);
    INFO(describeWithPlan(r));
    CHECK(p.rightTree() == std::map<std::string, std::string>{{"ok.txt", "f:fine"}});
    CHECK(r.errors.size() == 2);
    CHECK(p.right->calls("commit") == 1);
}

TEST_CASE("capability timePrecisionNs: a side with coarse times needs no tolerance setting to stay quiet",
          "[fake][capabilities]")
{
    // The job sets no tolerance: the engine must take it from the side. A
    // FAT-like side keeps times in 2-second steps, so a copy's time there is
    // up to 2 s off its source's; read as a change, every run would copy
    // again (mirror) or meet a conflict (two-way).
    const int64_t odd = kT0 + 1300000000; // 1.3 s past a 2-second step
    SECTION("mirror without a state")
    {
        FakePair p(fakeprofiles::posix(), fakeprofiles::fatLike());
        p.left->putFile("L/a.txt", "alpha", odd);
        p.left->putFile("L/d/b.txt", "beta", odd + 5 * kSecond);
        SyncOptions o = p.options(SyncMode::Mirror);
        o.toleranceNs = 0;
        auto once = [&] {
            SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
            return run.run();
        };
        SyncReport first = once();
        INFO(describeWithPlan(first));
        REQUIRE(first.exit == ExitCode::InSync);
        REQUIRE(p.rightTree() == p.leftTree());
        const int commits = p.right->calls("commit");
        SyncReport again = once();
        INFO("second run: " << describeWithPlan(again));
        CHECK(again.exit == ExitCode::InSync);
        CHECK_FALSE(again.plan.hasWork());
        CHECK(p.right->calls("commit") == commits);
    }
    SECTION("two-way first meeting of equal files")
    {
        FakePair p(fakeprofiles::posix(), fakeprofiles::fatLike());
        p.left->putFile("L/a.txt", "alpha", odd);
        p.right->putFile("R/a.txt", "alpha", kT0); // the same file, copied there earlier: its time rounded down
        SyncOptions o = p.options(SyncMode::TwoWay);
        o.toleranceNs = 0;
        SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
        SyncReport r = run.run();
        INFO(describeWithPlan(r));
        CHECK(r.exit == ExitCode::InSync);
        CHECK(r.plan.count(Op::Conflict, Side::Left) + r.plan.count(Op::Conflict, Side::Right) == 0);
        CHECK(p.right->calls("commit") == 0);
        CHECK(p.left->calls("commit") == 0);
    }
}

// A commit that times out loses its session, and the old file set aside
// must be put back: on that lost session every call fails at once, so the
// put-back never happened and the file was missing at its path (its bytes
// only under a ".ferry-old-" name) until someone renamed it by hand.
TEST_CASE("capability atomicRename: a replace in steps whose commit times out puts the old file back",
          "[fake][capabilities][sessions]")
{
    FakePair p(fakeprofiles::posix(), fakeprofiles::plainServer());
    p.left->putFile("L/f.txt", "new content", kT0 + 100 * kSecond);
    p.right->putFile("R/f.txt", "old", kT0);
    std::atomic<int> stalls{0};
    p.right->setStall([&](std::string_view op, std::string_view path) {
        return op == "commit" && path == "f.txt" && stalls.fetch_add(1) == 0; // the first try only
    });
    SyncOptions o = p.options(SyncMode::Mirror);
    o.callTimeout = std::chrono::milliseconds(100);
    SyncRun run(std::make_unique<FakeBackend>(p.left, "L"), std::make_unique<FakeBackend>(p.right, "R"), o);
    const SyncReport& r = run.run();
    INFO(describeWithPlan(r));
    const auto tree = p.rightTree();
    // Either put back, or replaced by a later try: never missing at its path.
    REQUIRE(tree.count("f.txt") == 1);
    CHECK((tree.at("f.txt") == "f:old" || tree.at("f.txt") == "f:new content"));
    CHECK(tree.size() == 1);
}

TEST_CASE("fake: a changed host key is a safety stop, an unknown one refused a configuration error",
          "[fake][hostkey]")
{
    const bool changed = GENERATE(true, false);
    FakePair p(fakeprofiles::all()[0], fakeprofiles::all()[0]);
    INFO((changed ? "changed" : "unknown") << " host key");
    p.right->putFile("R/theirs", "right only", kT0);
    p.right->setFault([changed](std::string_view call, std::string_view) -> std::optional<Error> {
        if (call != "connect")
            return std::nullopt;
        Error e = Error::abortRun("connect to me@127.0.0.1:2222", {},
                                  changed ? "the server's host key has changed: it is SHA256:new now"
                                          : "the server's host key is not known yet: SHA256:new",
                                  "Ask the server's administrator for its key fingerprint");
        e.code = changed ? Error::Code::HostKeyChanged : Error::Code::HostKeyUnknown;
        return e;
    });
    const auto leftBefore = p.leftTree(), rightBefore = p.rightTree();
    const SyncReport report = p.sync(SyncMode::TwoWay);
    INFO(describe(report));
    CHECK_FALSE(report.executed);
    CHECK(p.leftTree() == leftBefore);
    CHECK(p.rightTree() == rightBefore);
    if (changed) {
        CHECK(report.exit == ExitCode::Guard);
        REQUIRE(report.stop);
        CHECK(report.stop->kind == StopKind::HostKeyChanged);
        CHECK(report.stop->side == Side::Right);
        CHECK(report.stop->detail.find("SHA256:new") != std::string::npos);
        CHECK(report.stop->detail.find("administrator") != std::string::npos);
        CHECK(stopSentence(*report.stop).find("Nothing was changed") != std::string::npos);
    } else {
        CHECK(report.exit == ExitCode::Usage);
        CHECK_FALSE(report.stop);
        CHECK(report.fatalMessage.find("SHA256:new") != std::string::npos);
    }
}
