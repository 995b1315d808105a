// The Backend contract (backend_contract.h) for LocalBackend on a real
// folder and FakeBackend in each of its profiles, and what only the fake
// can be made to do (faults, stalls, refused logins). SftpBackend runs the
// same contract in ferry_sftp_tests (tests/sftp/test_sftp_contract.cpp).
#include "backend_contract.h"

#include "backend/fakebackend.h"
#include "backend/localbackend.h"
#include "tempdir.h"

#include <catch2/catch.hpp>

namespace ferry::test::contract {

// Index 0 is LocalBackend; the others are the fake's profiles.
std::vector<std::string> sideNames()
{
    std::vector<std::string> names{"local"};
    for (const FakeProfile& p : fakeprofiles::all())
        names.push_back("fake " + p.name);
    return names;
}

SideUnderTest makeSide(size_t index)
{
    SideUnderTest s;
    s.name = sideNames()[index];
    s.versionsBeside.mode = s.versionsInside.mode = VersioningSettings::Mode::Folder;
    if (index == 0) {
        s.dir = std::make_unique<TempDir>();
        s.backend = std::make_unique<LocalBackend>(*s.dir / "root");
        const std::string dir = s.dir->path();
        s.sibling = [dir](const std::string& name) { return std::make_unique<LocalBackend>(dir + "/" + name); };
        s.versionsBeside.folder = *s.dir / "versions";
        s.versionsInside.folder = *s.dir / "root/.versions";
    } else {
        s.fs = std::make_shared<FakeFileSystem>(fakeprofiles::all()[index - 1]);
        s.backend = std::make_unique<FakeBackend>(s.fs, "top/root");
        auto fs = s.fs;
        s.sibling = [fs](const std::string& name) { return std::make_unique<FakeBackend>(fs, name); };
        s.versionsBeside.serverFolder = "/top/versions";
        s.versionsInside.serverFolder = "top/root/.versions";
    }
    s.caps = s.backend->capabilities();
    REQUIRE(s.backend->createRoot().ok());
    return s;
}

} // namespace ferry::test::contract

TEST_CASE("fake: a scripted fault fails exactly the call it names", "[contract][fake]")
{
    auto fs = std::make_shared<FakeFileSystem>();
    FakeBackend b(fs, "root");
    REQUIRE(b.createRoot().ok());
    fs->setFault([](std::string_view op, std::string_view path) -> std::optional<Error> {
        if (op == "write" && path.find(".ferry-tmp-") != std::string_view::npos)
            return errnoError("write", std::string(path), ENOSPC);
        return std::nullopt;
    });
    auto refused = putFile(b, "a", "bytes");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().osError == ENOSPC);
    CHECK(fs->tree("root").empty()); // the temporary went away
    fs->setFault({});
    REQUIRE(putFile(b, "a", "bytes").ok());
    CHECK(fs->tree("root") == std::map<std::string, std::string>{{"a", "f:bytes"}});
    CHECK(fs->calls("commit") == 1);
    CHECK(fs->calls("write") == 2);
}

// ---- fake only: what LocalBackend cannot be made to do ------------------------
// A local system call cannot be made to stall, hang up or refuse a login, and
// as root a folder cannot be made unreadable: these run over the fake's
// profiles (and over the SFTP and FTP fixtures when those backends land).

namespace {

struct FakeRun {
    TempDir stateDir;
    std::shared_ptr<FakeFileSystem> left, right;
    SyncOptions options;
    explicit FakeRun(const FakeProfile& p) : left(std::make_shared<FakeFileSystem>(p)), right(std::make_shared<FakeFileSystem>(p))
    {
        left->putFile("L/one", "first file", kTime);
        left->putFile("L/two", "second file", kTime);
        right->putDir("R");
        options.mode = SyncMode::TwoWay;
        options.statePath = stateDir / "state.db";
        options.threads = 2;
        options.nowNs = kTime + 3600 * int64_t(1000000000);
        options.callTimeout = 200ms;
    }
    std::unique_ptr<SyncRun> make() const
    {
        return std::make_unique<SyncRun>(std::make_unique<FakeBackend>(left, "L"), std::make_unique<FakeBackend>(right, "R"),
                                         options);
    }
};

bool holdsTemp(const std::map<std::string, std::string>& tree)
{
    return std::any_of(tree.begin(), tree.end(), [](const auto& kv) { return kv.first.find(".ferry-tmp") != std::string::npos; });
}

bool anyError(const SyncReport& r, Error::Kind kind)
{
    return std::any_of(r.errors.begin(), r.errors.end(), [&](const Error& e) { return e.kind == kind; });
}

} // namespace

TEST_CASE("fake: walk reports an unreadable folder and goes on, lists folders in parallel, never a pruned one",
          "[contract][walk][fake]")
{
    const size_t i = GENERATE(range(size_t(0), fakeprofiles::all().size()));
    FakeProfile profile = fakeprofiles::all()[i];
    INFO(profile.name);
    auto fs = std::make_shared<FakeFileSystem>(profile);
    FakeBackend b(fs, "root");
    REQUIRE(b.createRoot().ok());
    makeTree(b, profile.caps);
    fs->putFile(std::string("root/a/bad\0name", 15), "not a valid name"); // never listed
    std::mutex m;
    std::vector<std::string> listedDirs;
    std::atomic<int> inFlight{0}, peak{0};
    fs->setFault([&](std::string_view op, std::string_view path) -> std::optional<Error> {
        if (op != "list")
            return std::nullopt;
        {
            std::lock_guard lock(m);
            listedDirs.emplace_back(path);
        }
        const int now = ++inFlight;
        for (int p = peak.load(); now > p && !peak.compare_exchange_weak(p, now);) {
        }
        std::this_thread::sleep_for(20ms); // a slow server: listings overlap when the walk pipelines
        --inFlight;
        if (path == "z/deep")
            return errnoError("list folder", std::string(path), EACCES);
        return std::nullopt;
    });
    Recorder r;
    r.prune = "skip";
    REQUIRE(b.walk("", r).ok());
    CHECK(r.unreadableDirs == std::vector<std::string>{"z/deep"});
    CHECK(std::find(r.visited.begin(), r.visited.end(), "z/deep/") != r.visited.end());
    CHECK(std::find(r.visited.begin(), r.visited.end(), "z/deep/x/") == r.visited.end());
    CHECK(std::find(r.visited.begin(), r.visited.end(), "a/b.txt") != r.visited.end());
    CHECK(std::none_of(r.visited.begin(), r.visited.end(), [](const std::string& p) { return p.find('\0') != std::string::npos; }));
    CHECK(std::is_sorted(r.visited.begin(), r.visited.end(), visitOrder));
    CHECK(std::find(listedDirs.begin(), listedDirs.end(), "skip") == listedDirs.end());
    CHECK(peak.load() > 1);
}

TEST_CASE("fake: a stalled call ends the run with an error within the timeout, nothing half-written",
          "[contract][stall][fake]")
{
    // Two profiles: a stall does not depend on what the side can store.
    const FakeProfile profile = GENERATE(fakeprofiles::posix(), fakeprofiles::plainServer());
    const std::string op = GENERATE(as<std::string>{}, "list", "read", "write", "commit");
    FakeRun f(profile);
    f.options.callTimeout = 100ms;
    INFO(f.left->profile().name << ", stalled: " << op);
    // Reads stall on the side that is read; the rest on the side written (or scanned).
    FakeFileSystem& stalling = op == "read" ? *f.left : *f.right;
    stalling.setStall([op](std::string_view call, std::string_view) { return call == op; });
    const auto leftBefore = f.left->tree("L");
    const auto start = std::chrono::steady_clock::now();
    auto run = f.make();
    const SyncReport& report = run->run();
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(describe(report));
    CHECK(took < 5s); // the point: it does not hang (3 tries of 100 ms per item, and their pauses)
    CHECK(report.exit != ExitCode::InSync);
    // A timed-out call (Retry), or, once the side failed that way again and
    // again, the one error saying it stopped answering (AbortRun).
    CHECK((anyError(report, Error::Kind::Retry) || anyError(report, Error::Kind::AbortRun)));
    CHECK(describe(report).find("no answer within") != std::string::npos);
    CHECK(f.left->tree("L") == leftBefore);
    CHECK(f.right->tree("R").empty()); // no copy, and no temporary left
}

TEST_CASE("fake: cancelling during a stalled call ends the run at once, temporaries removed", "[contract][stall][fake]")
{
    const size_t i = GENERATE(range(size_t(0), fakeprofiles::all().size()));
    FakeRun f(fakeprofiles::all()[i]);
    INFO(f.left->profile().name);
    f.options.callTimeout = 60s; // only the cancel can end the stall in time
    std::atomic<bool> stalled{false};
    f.right->setStall([&](std::string_view call, std::string_view) {
        if (call != "write")
            return false;
        stalled = true;
        return true;
    });
    auto run = f.make();
    CancelToken cancel = run->cancelToken();
    std::jthread canceller([&] {
        while (!stalled.load())
            std::this_thread::sleep_for(5ms);
        cancel.cancel();
    });
    const auto start = std::chrono::steady_clock::now();
    const SyncReport& report = run->run();
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(describe(report));
    CHECK(took < 5s);
    CHECK(report.execution.cancelled);
    CHECK(report.exit == ExitCode::Errors);
    CHECK_FALSE(holdsTemp(f.right->tree("R")));
    CHECK(f.right->tree("R").empty());
}

TEST_CASE("fake: a side that cannot be connected stops the run with that error, nothing changed", "[contract][sessions][fake]")
{
    const size_t i = GENERATE(range(size_t(0), fakeprofiles::all().size()));
    const std::string failure = GENERATE(as<std::string>{}, "refused", "unreachable", "stalled");
    FakeRun f(fakeprofiles::all()[i]);
    INFO(f.left->profile().name << ", connect " << failure);
    f.right->putFile("R/theirs", "right only", kTime);
    if (failure == "stalled") {
        f.right->setStall([](std::string_view call, std::string_view) { return call == "connect"; });
    } else {
        f.right->setFault([failure](std::string_view call, std::string_view) -> std::optional<Error> {
            if (call != "connect")
                return std::nullopt;
            if (failure == "refused")
                return Error::abortRun("log in", "fake", "the server refused the password", "Check the password");
            return Error::retry("connect", "fake", "no route to host", "Check the network");
        });
    }
    const auto leftBefore = f.left->tree("L"), rightBefore = f.right->tree("R");
    const auto start = std::chrono::steady_clock::now();
    auto run = f.make();
    const SyncReport& report = run->run();
    INFO(describe(report));
    CHECK(std::chrono::steady_clock::now() - start < 5s);
    CHECK_FALSE(report.executed);
    CHECK(report.exit == (failure == "refused" ? ExitCode::Usage : ExitCode::Errors));
    CHECK(anyError(report, failure == "refused" ? Error::Kind::AbortRun : Error::Kind::Retry));
    CHECK(f.left->tree("L") == leftBefore);
    CHECK(f.right->tree("R") == rightBefore);
    CHECK(f.right->connections() == 0);
    if (failure == "refused")
        CHECK(f.right->calls("connect") == 1); // a refused login is not tried again
}

TEST_CASE("fake: a session that timed out is dropped, not lent again", "[contract][sessions][fake]")
{
    auto fs = std::make_shared<FakeFileSystem>();
    FakeBackend origin(fs, "root");
    REQUIRE(origin.createRoot().ok());
    SessionPool pool(origin, 2, CallContext{CancelToken{}, 50ms});
    {
        auto s = pool.lease();
        REQUIRE(s.ok());
        fs->setStall([](std::string_view call, std::string_view) { return call == "stat"; });
        auto st = (*s)->stat("x");
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().kind == Error::Kind::Retry);
        CHECK((*s)->connectionLost());
        fs->setStall({});
        CHECK_FALSE((*s)->stat("x").ok()); // a lost session fails at once
    }
    CHECK(pool.open() == 0);
    CHECK(fs->openSessions() == 0);
    auto fresh = pool.lease();
    REQUIRE(fresh.ok());
    CHECK((*fresh)->stat("x").ok());
    CHECK(pool.connected() == 2);
}
