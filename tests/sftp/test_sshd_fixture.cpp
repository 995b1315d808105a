// The test sshd itself: it must be what the other SFTP tests believe it is.
#include "sftp/sshd.h"

#include <catch2/catch.hpp>

#include <QCoreApplication>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace ferry;
using namespace ferry::test;

namespace {

// OpenSSH's own client, with nothing from the machine's ~/.ssh.
int sshTrue(const TestSshd& sshd, const std::string& knownHosts)
{
    return runShell("ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" +
                    knownHosts + " -o ConnectTimeout=10 -i " + sshd.clientKey() + " -p " +
                    std::to_string(sshd.port()) + " " + sshd.user() + "@127.0.0.1 true >/dev/null 2>&1");
}

} // namespace

TEST_CASE("the test sshd lets OpenSSH's client in with its key and host key", "[sshd]")
{
    TestSshd sshd;
    REQUIRE(sshd.port() > 0);
    CHECK(sshd.hostKeyFingerprint().rfind("SHA256:", 0) == 0);
    CHECK(sshd.knownHostsLine().rfind("[127.0.0.1]:" + std::to_string(sshd.port()) + " ssh-ed25519 ", 0) == 0);
    CHECK(sshd.url("/srv") == "sftp://" + sshd.user() + "@127.0.0.1:" + std::to_string(sshd.port()) + "/srv");
    CHECK(sshTrue(sshd, sshd.ferryKnownHosts()) == 0);

    RemoteAccess access = sshd.access();
    CHECK(access.identityFiles == std::vector<std::string>{sshd.clientKey()});
    CHECK(access.sshDir == sshd.dir() + "/dot-ssh");
    std::ifstream known(access.ferryKnownHosts);
    std::string line;
    std::getline(known, line);
    CHECK(line == sshd.knownHostsLine());
}

TEST_CASE("the test sshd restarts on its port, with a new host key when asked", "[sshd]")
{
    TestSshd sshd;
    const int port = sshd.port();
    const std::string before = sshd.hostKeyFingerprint();
    sshd.restart();
    CHECK(sshd.port() == port);
    CHECK(sshd.hostKeyFingerprint() == before);
    CHECK(sshTrue(sshd, sshd.ferryKnownHosts()) == 0);

    sshd.restart(true);
    CHECK(sshd.hostKeyFingerprint() != before);
    // OpenSSH's client refuses the changed key, as Ferry must.
    CHECK(sshTrue(sshd, sshd.ferryKnownHosts()) != 0);
    sshd.stop();
    CHECK(sshTrue(sshd, sshd.ferryKnownHosts()) != 0);
}

TEST_CASE("the test sshd shows each connection's processes", "[sshd]")
{
    TestSshd sshd;
    CHECK(sshd.sessionChildPids().empty());
    // A session that stays open a while: ssh runs `sleep` on the server.
    std::string cmd = "ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" +
                      sshd.ferryKnownHosts() + " -i " + sshd.clientKey() + " -p " + std::to_string(sshd.port()) +
                      " " + sshd.user() + "@127.0.0.1 sleep 30 >/dev/null 2>&1 & echo $!";
    std::string pid;
    REQUIRE(runShell(cmd, &pid) == 0);
    pid.erase(pid.find_last_not_of(" \n") + 1);
    std::vector<pid_t> children;
    for (int i = 0; i < 200 && children.size() < 2; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        children = sshd.sessionChildPids();
    }
    CHECK(children.size() >= 2); // the monitor and the session process
    for (pid_t child : children)
        ::kill(child, SIGKILL);
    // The client sees its connection dropped.
    int status = runShell("for i in $(seq 100); do kill -0 " + pid + " 2>/dev/null || exit 0; sleep 0.05; done; exit 1");
    CHECK(status == 0);
}

// Run by the next test in a process of its own: a server, and then wait to be killed.
TEST_CASE("a test sshd in a process that gets killed", "[.sshd-orphan]")
{
    const char* report = std::getenv("FERRY_SSHD_PID_FILE");
    REQUIRE(report != nullptr);
    TestSshd sshd;
    {
        std::ofstream out(std::string(report) + ".tmp");
        out << sshd.listenerPid() << " " << sshd.dir() << "\n";
    }
    std::filesystem::rename(std::string(report) + ".tmp", report);
    std::this_thread::sleep_for(std::chrono::seconds(60));
}

TEST_CASE("the test sshd ends when its test process is killed", "[sshd]")
{
    TestSshd scratch; // a folder for the pid file
    const std::string pidFile = scratch.dir() + "/orphan.pid";
    const std::string self = QCoreApplication::applicationFilePath().toStdString();
    std::string testPid;
    REQUIRE(runShell("FERRY_SSHD_PID_FILE=" + pidFile + " " + self +
                         " '[.sshd-orphan]' >/dev/null 2>&1 & echo $!",
                     &testPid) == 0);
    pid_t child = std::atoi(testPid.c_str());
    REQUIRE(child > 0);
    for (int i = 0; i < 500 && !std::filesystem::exists(pidFile); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(std::filesystem::exists(pidFile));
    std::ifstream in(pidFile);
    pid_t listener = 0;
    std::string orphanDir;
    in >> listener >> orphanDir;
    REQUIRE(listener > 0);
    REQUIRE(orphanDir.rfind("/tmp/ferry-sshd.", 0) == 0);
    REQUIRE(::kill(listener, 0) == 0);

    ::kill(child, SIGKILL); // no destructor runs
    bool gone = false;
    for (int i = 0; i < 250 && !gone; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        // Gone, or a zombie until init reaps it.
        std::ifstream stat("/proc/" + std::to_string(listener) + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        size_t close = text.rfind(')');
        gone = text.empty() || (close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z');
    }
    CHECK(gone);
    if (!gone)
        ::kill(listener, SIGKILL);
    // Its folder stays (no destructor ran): remove it here.
    std::filesystem::remove_all(orphanDir);
}
