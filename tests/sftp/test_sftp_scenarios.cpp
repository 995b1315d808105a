// The two-way, mirror and update scenarios of the local engine
// (tests/unit/test_fake_scenarios.cpp) on real runs between a local folder
// and an SFTP server, in both directions: local -> SFTP and SFTP -> local.
// Both folders live on this machine (the test sshd serves its own file
// system), so each side is set up and checked with plain file calls. Each
// ends with both sides as expected and a second run that plans nothing.
#include "engine/syncsides.h"
#include "model/location.h"
#include "sftp/sshd.h"
#include "unit/reportcheck.h"
#include "unit/syncfixture.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

using namespace ferry;
using namespace ferry::test;

namespace {

const int64_t kT0 = 1764000000; // seconds

struct SftpPair {
    TestSshd server;
    TempDir local;
    bool sftpOnLeft;
    std::string left, right; // the folders as this machine sees them
    std::string state;
    explicit SftpPair(bool remoteLeft, SshdOptions options = {}) : server(std::move(options)), sftpOnLeft(remoteLeft)
    {
        const std::string remote = server.serverRoot() + "/data";
        const std::string here = local / "here";
        std::filesystem::create_directories(remote);
        std::filesystem::create_directories(here);
        left = sftpOnLeft ? remote : here;
        right = sftpOnLeft ? here : remote;
        state = local / "state.db";
    }
    std::string url(const std::string& folder) const
    {
        return folder.rfind(server.serverRoot(), 0) == 0 ? server.url(folder) : folder;
    }
    SyncReport sync(SyncMode mode) const
    {
        SyncOptions o;
        o.mode = mode;
        o.statePath = mode == SyncMode::TwoWay ? state : std::string();
        o.threads = 3;
        auto l = Location::parse(url(left));
        auto r = Location::parse(url(right));
        REQUIRE((l.ok() && r.ok()));
        auto run = openSyncRun(*l, *r, server.access(), o);
        INFO((run.ok() ? std::string() : run.error().message()));
        REQUIRE(run.ok());
        return (*run)->run();
    }
    std::string name() const { return sftpOnLeft ? "SFTP -> local" : "local -> SFTP"; }
};

void expectQuietAgain(const SftpPair& p, SyncMode mode)
{
    SyncReport again = p.sync(mode);
    INFO("second run: " << describeWithPlan(again));
    CHECK(again.exit == ExitCode::InSync);
    CHECK_FALSE(again.plan.hasWork());
}

void put(const std::string& root, const std::string& rel, const std::string& content, int64_t mtime = kT0)
{
    std::filesystem::create_directories(std::filesystem::path(root + "/" + rel).parent_path());
    writeFile(root + "/" + rel, content, mtime);
}

} // namespace

TEST_CASE("sftp sides: two-way carries additions, edits, deletions, renames and conflicts", "[sftp][scenario]")
{
    const bool remoteLeft = GENERATE(false, true);
    // The server without a usable posix-rename: every replace there goes in steps.
    const bool atomicRename = GENERATE(true, false);
    SshdOptions options;
    if (!atomicRename)
        options.subsystem = "/usr/lib/openssh/sftp-server -P posix-rename@openssh.com";
    SftpPair p(remoteLeft, options);
    INFO(p.name() << (atomicRename ? "" : ", no atomic rename on the server"));

    put(p.left, "docs/a.txt", "alpha");
    put(p.left, "docs/b.txt", "beta");
    put(p.left, "keep.txt", "keep");
    put(p.right, "photos/p1.jpg", "jpeg one");
    put(p.right, "notes.md", "notes");
    std::filesystem::create_directories(p.left + "/empty");
    SyncReport first = p.sync(SyncMode::TwoWay);
    INFO("first run: " << describeWithPlan(first));
    REQUIRE(first.exit == ExitCode::InSync);
    CHECK(tree(p.left) == tree(p.right));
    CHECK(tree(p.right).at("docs/a.txt") == "f:alpha");
    CHECK(tree(p.left).at("photos/p1.jpg") == "f:jpeg one");
    CHECK(tree(p.right).at("empty") == "d");

    put(p.left, "docs/a.txt", "alpha, edited on the left", kT0 + 60);
    std::filesystem::remove(p.right + "/docs/b.txt");
    put(p.right, "photos/p2.jpg", "jpeg two", kT0 + 60);
    put(p.left, "notes.md", "notes, left", kT0 + 60);
    put(p.right, "notes.md", "notes, right side", kT0 + 120);
    std::filesystem::rename(p.right + "/photos/p1.jpg", p.right + "/photos/renamed.jpg");
    SyncReport second = p.sync(SyncMode::TwoWay);
    INFO("second run: " << describeWithPlan(second));
    REQUIRE(second.exit == ExitCode::InSync);
    const auto t = tree(p.left);
    CHECK(t == tree(p.right));
    CHECK(t.at("docs/a.txt") == "f:alpha, edited on the left");
    CHECK(t.count("docs/b.txt") == 0);
    CHECK(t.at("photos/p2.jpg") == "f:jpeg two");
    CHECK(t.at("photos/renamed.jpg") == "f:jpeg one");
    CHECK(t.count("photos/p1.jpg") == 0);
    CHECK(countHolding(t, "f:notes, left") == 1);
    CHECK(countHolding(t, "f:notes, right side") == 1);
    expectQuietAgain(p, SyncMode::TwoWay);
}

TEST_CASE("sftp sides: a mirror makes the right an exact copy, an update never deletes", "[sftp][scenario]")
{
    const bool remoteLeft = GENERATE(false, true);
    const SyncMode mode = GENERATE(SyncMode::Mirror, SyncMode::Update);
    const bool atomicRename = GENERATE(true, false);
    SshdOptions options;
    if (!atomicRename)
        options.subsystem = "/usr/lib/openssh/sftp-server -P posix-rename@openssh.com";
    SftpPair p(remoteLeft, options);
    INFO(p.name() << ", mode " << modeName(mode) << (atomicRename ? "" : ", no atomic rename on the server"));

    put(p.left, "a.txt", "a");
    put(p.left, "sub/b.txt", "b");
    put(p.left, "sub/c.txt", "c");
    put(p.right, "a.txt", "old a, longer", kT0 - 60);
    put(p.right, "extra.txt", "only on the right");
    for (int k = 0; k < 6; ++k)
        put(p.left, "more/m" + std::to_string(k), "m" + std::to_string(k));
    ::symlink("sub/b.txt", (p.left + "/link").c_str());
    SyncReport r = p.sync(mode);
    INFO(describeWithPlan(r));
    REQUIRE(r.exit == ExitCode::InSync);
    auto t = tree(p.right);
    CHECK(t.at("a.txt") == "f:a");
    CHECK(t.at("sub/b.txt") == "f:b");
    CHECK(t.at("link") == "l:sub/b.txt");
    CHECK(t.count("extra.txt") == (mode == SyncMode::Update ? 1u : 0u));
    if (mode == SyncMode::Mirror)
        CHECK(t == tree(p.left));
    expectQuietAgain(p, mode);

    put(p.left, "sub/b.txt", "b, edited", kT0 + 60);
    std::filesystem::remove(p.left + "/sub/c.txt");
    SyncReport again = p.sync(mode);
    INFO(describeWithPlan(again));
    REQUIRE(again.exit == ExitCode::InSync);
    t = tree(p.right);
    CHECK(t.at("sub/b.txt") == "f:b, edited");
    CHECK(t.count("sub/c.txt") == (mode == SyncMode::Update ? 1u : 0u));
    expectQuietAgain(p, mode);
}
