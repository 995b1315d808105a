// What the SFTP fault tests share: a local folder synced with a folder on a
// private sshd (tests/sftp/sshd.h), reached directly or through a
// FaultProxy; real SyncRuns opened by openSyncRun; checks on both trees.
#pragma once

#include "backend/location.h"
#include "common/relpath.h"
#include "engine/syncsides.h"
#include "sftp/faultproxy.h"
#include "sftp/sshd.h"
#include "unit/reportcheck.h"
#include "unit/syncfixture.h"
#include "unit/tempdir.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>

namespace ferry::test {

// Content of `n` bytes that differs at every 64 KiB block (a wrong offset shows).
inline std::string patterned(size_t n, char seed)
{
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i)
        s[i] = char('a' + (i / 65536 + size_t(seed)) % 26);
    for (size_t i = 0; i < n; i += 4096)
        s[i] = char('0' + (i / 4096) % 10);
    return s;
}

// Whether the file at `path` holds exactly `want`. For big contents: a
// failed CHECK(a == b) would print megabytes (and Catch2 2.13's console
// reporter can loop wrapping them); this one is a plain bool, and the
// message says the sizes and the first differing offset.
inline bool holdsBytes(const std::string& path, const std::string& want)
{
    const std::string held = readFile(path);
    if (held == want)
        return true;
    size_t at = 0;
    while (at < held.size() && at < want.size() && held[at] == want[at])
        ++at;
    UNSCOPED_INFO(path << " holds " << held.size() << " bytes, " << want.size() << " expected; first difference at "
                       << at);
    return false;
}

// The paths of a tree that are Ferry's temporaries (".ferry-tmp-…"), at any depth.
inline std::vector<std::string> tempsIn(const std::map<std::string, std::string>& t)
{
    std::vector<std::string> out;
    for (const auto& [path, held] : t)
        if (std::filesystem::path(path).filename().string().rfind(std::string(relpath::kTempPrefix), 0) == 0)
            out.push_back(path);
    return out;
}

// A tree without Ferry's temporaries.
inline std::map<std::string, std::string> userTree(const std::string& root)
{
    auto t = tree(root);
    for (const std::string& p : tempsIn(t))
        t.erase(p);
    return t;
}

// A local folder and a folder on the server (an absolute path on this
// machine, as the sshd runs here), with the run's state file.
struct RemotePair {
    TempDir dir;
    std::string local = dir / "local";
    std::string remote;  // absolute path on the server
    std::string state = dir / "state.db";

    explicit RemotePair(const std::string& remoteFolder) : remote(remoteFolder)
    {
        std::filesystem::create_directories(local);
        std::filesystem::create_directories(remote);
    }

    SyncOptions options(SyncMode mode = SyncMode::TwoWay) const
    {
        SyncOptions o;
        o.mode = mode;
        o.statePath = state;
        o.threads = 2;
        o.callTimeout = std::chrono::seconds(10);
        return o;
    }
};

// The sftp:// Location of `path` on `sshd`, reached through `port` when
// given (a FaultProxy in front of it).
inline Location remoteLocation(const TestSshd& sshd, const std::string& path, int port = 0)
{
    auto loc = Location::parse(sshd.url(path));
    REQUIRE(loc.ok());
    if (port)
        loc->port = port;
    return *loc;
}

inline std::unique_ptr<SyncRun> openRun(const std::string& local, const Location& remote, const RemoteAccess& access,
                                        const SyncOptions& options)
{
    auto l = Location::parse(local);
    REQUIRE(l.ok());
    auto run = openSyncRun(*l, remote, access, options);
    INFO((run.ok() ? std::string() : run.error().message()));
    REQUIRE(run.ok());
    return std::move(*run);
}

// Runs `work` on another thread and waits at most `bound` for it. When it
// has not ended by then, `unblock` is called (resume the proxy, SIGCONT the
// server) so the test binary never hangs, and the result says so.
struct Bounded {
    bool endedInTime = false;
    std::chrono::milliseconds elapsed{0};
};
inline Bounded runBounded(const std::function<void()>& work, std::chrono::seconds bound,
                          const std::function<void()>& unblock)
{
    const auto start = std::chrono::steady_clock::now();
    auto done = std::async(std::launch::async, work);
    Bounded b;
    b.endedInTime = done.wait_for(bound) == std::future_status::ready;
    b.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (!b.endedInTime) {
        unblock();
        done.wait();
    }
    return b;
}

// Every error of a report, item errors included, in one text.
inline std::string allErrors(const SyncReport& r)
{
    std::string s = describe(r);
    for (const Error& e : r.execution.itemErrors)
        s += "\n item: " + e.message();
    for (const Error& e : r.execution.otherErrors)
        s += "\n other: " + e.message();
    for (const std::string& w : r.warnings)
        s += "\n warning: " + w;
    return s;
}

inline bool anyErrorOfKind(const SyncReport& r, Error::Kind kind)
{
    for (const auto* list : {&r.errors, &r.execution.itemErrors, &r.execution.otherErrors})
        for (const Error& e : *list)
            if (e.kind == kind)
                return true;
    return false;
}

inline bool anyErrorWithCode(const SyncReport& r, Error::Code code)
{
    for (const auto* list : {&r.errors, &r.execution.itemErrors, &r.execution.otherErrors})
        for (const Error& e : *list)
            if (e.code == code)
                return true;
    return false;
}

// Whether checkConverged() also requires the server's side free of Ferry's
// temporaries. A temporary stranded by a connection that stayed down until
// the run ended is its own test ("a temporary stranded ..."), so the other
// fault tests say what else they find.
enum class ServerTemps { MustBeGone, Separately };

// After a healthy run: both sides hold the same user files, no temporaries
// are left on either side, and a second run plans nothing.
inline void checkConverged(const RemotePair& pair, const Location& remote, const RemoteAccess& access,
                           ServerTemps serverTemps = ServerTemps::MustBeGone)
{
    {
        auto run = openRun(pair.local, remote, access, pair.options());
        const SyncReport& r = run->run();
        INFO(allErrors(r));
        CHECK(r.exit == ExitCode::InSync);
        CHECK(userTree(pair.local) == userTree(pair.remote));
        INFO("local temporaries: " << tempsIn(tree(pair.local)).size()
             << ", on the server: " << tempsIn(tree(pair.remote)).size());
        CHECK(tempsIn(tree(pair.local)).empty());
        if (serverTemps == ServerTemps::MustBeGone)
            CHECK(tempsIn(tree(pair.remote)).empty());
    } // its end releases the pair's run lock
    auto again = openRun(pair.local, remote, access, pair.options());
    const SyncReport& r2 = again->run();
    INFO(describeWithPlan(r2));
    CHECK(r2.exit == ExitCode::InSync);
    CHECK(r2.plan.actions.empty());
}

} // namespace ferry::test
