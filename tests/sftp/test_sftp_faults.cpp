// Faults on the way to an SFTP server, through real SyncRuns against a
// private OpenSSH sshd: a connection dropped mid-transfer (a proxy that cuts
// it, a killed session process), a server that stalls, a host key that
// changes between the sessions of one run. Each ends the run cleanly and in
// bounded time, with the item's error reported, no partial file under a
// real name, and a next run that converges.
#include "common/tempname.h"
#include "sftp/faultfixture.h"

#include <csignal>
#include <sys/types.h>

using namespace ferry;
using namespace ferry::test;
using namespace std::chrono_literals;

namespace {

// The first of Ferry's temporaries in `folder` that holds at least `bytes`.
bool tempHolds(const std::string& folder, uintmax_t bytes)
{
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder, ec))
        if (e.path().filename().string().rfind(std::string(relpath::kTempPrefix), 0) == 0 &&
            e.is_regular_file(ec) && e.file_size(ec) >= bytes)
            return true;
    return false;
}

void signalAll(const std::vector<pid_t>& pids, int sig)
{
    for (pid_t p : pids)
        ::kill(p, sig);
}

// A file on the server under its real name is never a part of what was
// sent: it is absent or whole (one of the versions the test wrote).
void checkNoPartialFile(const std::string& path, const std::vector<std::string>& wholeVersions)
{
    if (!exists(path))
        return;
    const std::string held = readFile(path);
    bool whole = false;
    for (const std::string& v : wholeVersions)
        whole = whole || held == v;
    INFO(path << " holds " << held.size() << " bytes");
    CHECK(whole);
}

} // namespace

TEST_CASE("an upload cut off by a dropped connection is reported and the next run converges", "[sftp][faults]")
{
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/drop");
    FaultProxy proxy(sshd.port());
    proxy.setRate(8 << 20); // 8 MiB/s: the big file takes about a second
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };

    const std::string big = patterned(8 << 20, 'b');
    writeFile(pair.local + "/big.bin", big);
    writeFile(pair.local + "/small.txt", "small\n");

    auto run = openRun(pair.local, remote, access, pair.options());
    REQUIRE(run->plan());
    const bool serverDown = GENERATE(true, false);
    INFO((serverDown ? "the server stays unreachable after the cut" : "the connection is cut once"));
    proxy.cutAfter(2 << 20);
    if (serverDown)
        proxy.refuse(true);
    Bounded b = runBounded([&] { run->execute(); }, 120s, [&] { proxy.refuse(false); });
    CHECK(b.endedInTime);
    const SyncReport& r = run->report();
    INFO(allErrors(r));
    CHECK(proxy.cuts() == 1);
    if (serverDown) {
        // The item's error is reported, as a connection problem, not a crash.
        CHECK(r.exit == ExitCode::Errors);
        CHECK((anyErrorOfKind(r, Error::Kind::Retry) || anyErrorOfKind(r, Error::Kind::AbortRun)));
    }
    checkNoPartialFile(pair.remote + "/big.bin", {big});
    CHECK(holdsBytes(pair.local + "/big.bin", big));

    proxy.refuse(false);
    proxy.setRate(0);
    run.reset(); // ends the run: its lock, its sessions
    checkConverged(pair, remote, access, ServerTemps::Separately);
    CHECK(holdsBytes(pair.remote + "/big.bin", big));
}

TEST_CASE("a temporary stranded by a connection that stayed down is removed by the next run", "[sftp][faults]")
{
    // The run's own sessions remove the temporary of a broken upload when
    // they can reconnect; here the server stays unreachable until the run
    // has ended, so only the next run can. Ferry made it (the name proves
    // it) and its writer is gone (the run that wrote it ended, and this
    // pair's runs exclude each other), yet it must not stay for a day.
    // With a data folder, as ferry-cli and the window have: the stranded
    // temporary is booked in its "sftp-orphans" file for a later process too.
    TempDir data;
    REQUIRE(tempname::loadTempKey(data.path()).ok());
    const std::string journal = data.path() + "/sftp-orphans";
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/stranded");
    FaultProxy proxy(sshd.port());
    proxy.setRate(8 << 20);
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };
    const std::string big = patterned(8 << 20, 't');
    writeFile(pair.local + "/big.bin", big);

    auto run = openRun(pair.local, remote, access, pair.options());
    REQUIRE(run->plan());
    proxy.cutAfter(2 << 20);
    proxy.refuse(true);
    Bounded b = runBounded([&] { run->execute(); }, 120s, [&] { proxy.refuse(false); });
    CHECK(b.endedInTime);
    run.reset();
    // What the broken upload left: a temporary, never the real name.
    CHECK(!exists(pair.remote + "/big.bin"));
    REQUIRE(tempsIn(tree(pair.remote)).size() == 1);
    const std::string stranded = tempsIn(tree(pair.remote)).front();
    CHECK(readFile(journal).find(stranded) != std::string::npos);

    proxy.refuse(false);
    proxy.setRate(0);
    auto next = openRun(pair.local, remote, access, pair.options());
    const SyncReport& r = next->run();
    INFO(allErrors(r));
    CHECK(r.exit == ExitCode::InSync);
    CHECK(holdsBytes(pair.remote + "/big.bin", big));
    CHECK(tempsIn(tree(pair.remote)).empty());
    CHECK(readFile(journal).find(stranded) == std::string::npos);
}

TEST_CASE("a download cut off by a dropped connection leaves no partial local file", "[sftp][faults]")
{
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/dropdown");
    FaultProxy proxy(sshd.port());
    proxy.setRate(8 << 20);
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };

    // Both sides hold an old version; then the server's is replaced by a
    // big new one, which the next run downloads over the local copy.
    const std::string old = "the old version\n";
    writeFile(pair.remote + "/big.bin", old, 1600000000);
    {
        auto first = openRun(pair.local, remote, access, pair.options());
        INFO(allErrors(first->run()));
        REQUIRE(first->report().exit == ExitCode::InSync);
        REQUIRE(holdsBytes(pair.local + "/big.bin", old));
    }
    const std::string big = patterned(8 << 20, 'd');
    writeFile(pair.remote + "/big.bin", big, 1700000000);
    auto back = openRun(pair.local, remote, access, pair.options());
    REQUIRE(back->plan());
    proxy.cutAfter(2 << 20);
    proxy.refuse(true);
    Bounded b = runBounded([&] { back->execute(); }, 120s, [&] { proxy.refuse(false); });
    CHECK(b.endedInTime);
    const SyncReport& r = back->report();
    INFO(allErrors(r));
    CHECK(r.exit != ExitCode::InSync);
    checkNoPartialFile(pair.local + "/big.bin", {big, old});
    CHECK(holdsBytes(pair.remote + "/big.bin", big));

    proxy.refuse(false);
    proxy.setRate(0);
    back.reset();
    checkConverged(pair, remote, access);
}

TEST_CASE("killing the session's sshd process mid-upload is reported and the next run converges", "[sftp][faults]")
{
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/killed");
    // Slowed, so the upload is still going when its session is killed.
    FaultProxy proxy(sshd.port());
    proxy.setRate(4 << 20);
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };

    const std::string big = patterned(8 << 20, 'k');
    writeFile(pair.local + "/big.bin", big);
    auto run = openRun(pair.local, remote, access, pair.options());
    REQUIRE(run->plan());

    std::atomic<bool> killed{false};
    std::atomic<bool> stop{false};
    std::thread killer([&] {
        while (!stop && !tempHolds(pair.remote, 1 << 20))
            std::this_thread::sleep_for(5ms);
        if (stop)
            return;
        signalAll(sshd.sessionChildPids(), SIGKILL);
        killed = true;
    });
    Bounded b = runBounded([&] { run->execute(); }, 120s, [] {});
    stop = true;
    killer.join();
    REQUIRE(killed);
    CHECK(b.endedInTime);
    const SyncReport& r = run->report();
    INFO(allErrors(r));
    // Either the item failed with its error, or the executor's retry on a
    // fresh session sent the whole file again: never a partial file.
    if (r.exit != ExitCode::InSync)
        CHECK(!r.execution.itemErrors.empty() + !r.errors.empty() > 0);
    checkNoPartialFile(pair.remote + "/big.bin", {big});

    proxy.setRate(0);
    run.reset();
    checkConverged(pair, remote, access);
    CHECK(holdsBytes(pair.remote + "/big.bin", big));
}

TEST_CASE("a stalled server ends the run in bounded time", "[sftp][faults]")
{
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/stall");
    FaultProxy proxy(sshd.port());
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };
    SyncOptions options = pair.options();
    options.callTimeout = 2s;
    const std::string big = patterned(8 << 20, 's');
    writeFile(pair.local + "/big.bin", big);
    writeFile(pair.local + "/a.txt", "a\n");

    SECTION("the network stalls mid-upload (proxy)")
    {
        proxy.setRate(4 << 20);
        auto run = openRun(pair.local, remote, access, options);
        REQUIRE(run->plan());
        std::thread staller([&] {
            for (int i = 0; i < 2000 && !tempHolds(pair.remote, 1 << 20); ++i)
                std::this_thread::sleep_for(5ms);
            proxy.stall(true);
        });
        Bounded b = runBounded([&] { run->execute(); }, 30s, [&] { proxy.stall(false); });
        staller.join();
        INFO("the run took " << b.elapsed.count() << " ms");
        CHECK(b.endedInTime);
        const SyncReport& r = run->report();
        INFO(allErrors(r));
        CHECK(r.exit == ExitCode::Errors);
        CHECK((anyErrorOfKind(r, Error::Kind::Retry) || anyErrorOfKind(r, Error::Kind::AbortRun)));
        checkNoPartialFile(pair.remote + "/big.bin", {big});
    }
    SECTION("the network stalls before the first login (proxy)")
    {
        proxy.stall(true);
        std::unique_ptr<SyncRun> run;
        Bounded b = runBounded([&] {
            auto l = Location::parse(pair.local);
            auto opened = openSyncRun(*l, remote, access, options);
            if (opened.ok()) {
                run = std::move(*opened);
                run->run();
            }
        }, 30s, [&] { proxy.stall(false); });
        INFO("the run took " << b.elapsed.count() << " ms");
        CHECK(b.endedInTime);
        if (run) {
            INFO(allErrors(run->report()));
            CHECK(run->report().exit != ExitCode::InSync);
        }
    }
    SECTION("the server's processes are stopped (SIGSTOP) after the scan")
    {
        auto run = openRun(pair.local, remote, access, options);
        REQUIRE(run->plan());
        std::vector<pid_t> stopped = sshd.sessionChildPids();
        stopped.push_back(sshd.listenerPid());
        signalAll(stopped, SIGSTOP);
        Bounded b = runBounded([&] { run->execute(); }, 30s, [&] { signalAll(stopped, SIGCONT); });
        signalAll(stopped, SIGCONT);
        INFO("the run took " << b.elapsed.count() << " ms");
        CHECK(b.endedInTime);
        const SyncReport& r = run->report();
        INFO(allErrors(r));
        CHECK(r.exit == ExitCode::Errors);
        checkNoPartialFile(pair.remote + "/big.bin", {big});
    }
    proxy.stall(false);
    proxy.setRate(0);
    options.callTimeout = 10s;
    checkConverged(pair, remote, access, ServerTemps::Separately);
}

TEST_CASE("a host key that changes between the sessions of one run is refused", "[sftp][faults][hostkey]")
{
    // The run plans with its first sessions; then the server comes back
    // with a new host key (its sessions gone with it), so the run's next
    // sessions meet a key other than the one its first session saw.
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/hostkey");
    const Location remote = remoteLocation(sshd, pair.remote);
    RemoteAccess access = sshd.access();
    std::vector<HostKeyFacts> asked;
    access.confirmHostKey = [&](const HostKeyFacts& k) {
        asked.push_back(k);
        return HostKeyChoice::AcceptAndRemember;
    };
    writeFile(pair.local + "/a.txt", "a\n");
    writeFile(pair.local + "/b.txt", "b\n");

    auto run = openRun(pair.local, remote, access, pair.options());
    REQUIRE(run->plan());
    sshd.restart(true);
    const bool newKeyKnown = GENERATE(false, true);
    if (newKeyKnown) {
        // Even a key that a known_hosts file now lists for this address
        // (another program accepted it meanwhile) is refused within a run
        // that began with another one.
        std::ofstream(access.ferryKnownHosts, std::ios::app) << sshd.knownHostsLine() << "\n";
    }
    INFO((newKeyKnown ? "the new key was added to known_hosts" : "known_hosts holds the old key"));
    Bounded b = runBounded([&] { run->execute(); }, 120s, [] {});
    CHECK(b.endedInTime);
    const SyncReport& r = run->report();
    INFO(allErrors(r));
    CHECK(r.exit != ExitCode::InSync);
    CHECK(anyErrorWithCode(r, Error::Code::HostKeyChanged));
    // No session with the new key was accepted: nothing reached the server.
    CHECK(!exists(pair.remote + "/a.txt"));
    CHECK(!exists(pair.remote + "/b.txt"));
    CHECK(tempsIn(tree(pair.remote)).empty());
    // The changed key is never put to the user as a question.
    CHECK(asked.empty());
}

TEST_CASE("downloads never wait out the call timeout for answers already read", "[sftp][faults][reads]")
{
    // libssh 0.10's sftp_async_read reads the next packet before it looks
    // in its queue: an answer that another call (an fstat after the copy, the
    // collection of a later request) already took off the wire is found only
    // when yet another packet comes, which never does when nothing else is
    // in flight. A download then waits out the whole call timeout and loses
    // its session. Small files (fewer bytes than the read-ahead) and a short
    // answer in the middle of a file (a server that sends less than asked,
    // like the hostile server's 64 KiB) each hit it.
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/reads");
    const Location remote = remoteLocation(sshd, pair.remote);
    const RemoteAccess access = sshd.access();
    SyncOptions options = pair.options();
    options.callTimeout = 5s;
    for (int i = 0; i < 3; ++i)
        writeFile(pair.remote + "/small" + std::to_string(i) + ".txt", "small " + std::to_string(i) + "\n");
    const std::string medium = patterned(300 << 10, 'm');
    writeFile(pair.remote + "/medium.bin", medium);

    auto run = openRun(pair.local, remote, access, options);
    Bounded b = runBounded([&] { run->run(); }, 120s, [] {});
    const SyncReport& r = run->report();
    INFO(allErrors(r));
    INFO("the run took " << b.elapsed.count() << " ms");
    CHECK(r.exit == ExitCode::InSync);
    CHECK(b.elapsed < std::chrono::milliseconds(options.callTimeout));
    CHECK(readFile(pair.local + "/small2.txt") == "small 2\n");
    CHECK(holdsBytes(pair.local + "/medium.bin", medium));
}

TEST_CASE("a connection dropped while the server is listed deletes nothing", "[sftp][faults]")
{
    // The scan of the server is cut off a little way into its listing. A
    // listing taken for complete would make the missing files look deleted
    // on the server: two-way would delete them locally, a mirror from the
    // server would delete the local files it did not list.
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/scancut");
    FaultProxy proxy(sshd.port());
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };
    for (int d = 0; d < 20; ++d) {
        std::filesystem::create_directories(pair.remote + "/folder" + std::to_string(d));
        for (int f = 0; f < 10; ++f)
            writeFile(pair.remote + "/folder" + std::to_string(d) + "/file" + std::to_string(f) + ".txt",
                      "content " + std::to_string(d * 10 + f) + "\n");
    }
    const SyncMode mode = GENERATE(SyncMode::TwoWay, SyncMode::Mirror);
    const bool serverDown = GENERATE(true, false);
    INFO((mode == SyncMode::Mirror ? "mirror from the server" : "two-way")
         << (serverDown ? ", the server stays unreachable after the cut" : ", cut once"));
    auto l = Location::parse(pair.local);
    REQUIRE(l.ok());
    auto open = [&] {
        auto opened = mode == SyncMode::Mirror ? openSyncRun(remote, *l, access, pair.options(mode))
                                               : openSyncRun(*l, remote, access, pair.options(mode));
        REQUIRE(opened.ok());
        return std::move(*opened);
    };
    {
        auto first = open();
        INFO(allErrors(first->run()));
        REQUIRE(first->report().exit == ExitCode::InSync);
    }
    const auto before = tree(pair.local);
    REQUIRE(before.size() == 220);

    // openSyncRun logs in; the next 3,000 bytes are the scan's listings
    // (nothing else is due: both sides are in sync).
    auto run = open();
    proxy.cutAfter(3000);
    if (serverDown)
        proxy.refuse(true);
    Bounded b = runBounded([&] { run->run(); }, 120s, [&] { proxy.refuse(false); });
    CHECK(b.endedInTime);
    CHECK(proxy.cuts() == 1);
    INFO(describeWithPlan(run->report()));
    CHECK(tree(pair.local) == before);
    if (serverDown)
        CHECK(run->report().exit != ExitCode::InSync);
}

TEST_CASE("cancelling a run that waits on a stalled server ends it at once", "[sftp][faults]")
{
    // The call timeout is a minute here: only the cancel can end the wait.
    TestSshd sshd;
    RemotePair pair(sshd.serverRoot() + "/cancel");
    FaultProxy proxy(sshd.port());
    proxy.setRate(4 << 20);
    const Location remote = remoteLocation(sshd, pair.remote, proxy.port());
    RemoteAccess access = sshd.access();
    access.confirmHostKey = [](const HostKeyFacts&) { return HostKeyChoice::AcceptOnce; };
    SyncOptions options = pair.options();
    options.callTimeout = 60s;
    const std::string big = patterned(8 << 20, 'c');
    writeFile(pair.local + "/big.bin", big);

    auto run = openRun(pair.local, remote, access, options);
    REQUIRE(run->plan());
    std::chrono::steady_clock::time_point cancelledAt;
    std::thread canceller([&] {
        for (int i = 0; i < 2000 && !tempHolds(pair.remote, 1 << 20); ++i)
            std::this_thread::sleep_for(5ms);
        proxy.stall(true);
        std::this_thread::sleep_for(500ms);
        cancelledAt = std::chrono::steady_clock::now();
        run->cancelToken().cancel();
    });
    Bounded b = runBounded([&] { run->execute(); }, 30s, [&] { proxy.stall(false); });
    const auto endedAt = std::chrono::steady_clock::now();
    canceller.join();
    CHECK(b.endedInTime);
    INFO("the run ended " << std::chrono::duration_cast<std::chrono::milliseconds>(endedAt - cancelledAt).count()
                          << " ms after the cancel");
    CHECK(endedAt - cancelledAt < 5s);
    const SyncReport& r = run->report();
    INFO(allErrors(r));
    CHECK(r.exit != ExitCode::InSync);
    checkNoPartialFile(pair.remote + "/big.bin", {big});

    proxy.stall(false);
    proxy.setRate(0);
    run.reset();
    checkConverged(pair, remote, access, ServerTemps::Separately);
}
