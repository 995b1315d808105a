// The fault tests' own tools, tested without any SSH: the proxy forwards,
// cuts and stalls as told; the small disk fills up; the hostile SFTP server
// speaks SFTP v3 (checked with OpenSSH's own sftp client, no sshd).
#include "sftp/faultproxy.h"
#include "sftp/hostileserver.h"
#include "sftp/smalldisk.h"
#include "unit/tempdir.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace ferry::test;

namespace {

// An echo server on 127.0.0.1 for the proxy to forward to.
class EchoServer {
public:
    EchoServer()
    {
        m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(listen(m_fd, 8) == 0);
        socklen_t len = sizeof a;
        getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
        m_thread = std::thread([this] { serve(); });
    }
    ~EchoServer()
    {
        m_quit = true;
        m_thread.join();
        close(m_fd);
    }
    int port() const { return m_port; }

private:
    void serve()
    {
        std::vector<std::thread> peers;
        while (!m_quit) {
            pollfd p{m_fd, POLLIN, 0};
            if (poll(&p, 1, 100) <= 0)
                continue;
            int c = accept(m_fd, nullptr, nullptr);
            if (c < 0)
                continue;
            peers.emplace_back([this, c] {
                char buf[4096];
                while (!m_quit) {
                    pollfd q{c, POLLIN, 0};
                    if (poll(&q, 1, 100) <= 0)
                        continue;
                    ssize_t n = read(c, buf, sizeof buf);
                    if (n <= 0 || send(c, buf, size_t(n), MSG_NOSIGNAL) != n)
                        break;
                }
                close(c);
            });
        }
        for (auto& t : peers)
            t.join();
    }
    int m_fd = -1;
    int m_port = 0;
    std::atomic<bool> m_quit{false};
    std::thread m_thread;
};

int connectTo(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

// What comes back within `ms`: the bytes, or "<closed>" / "<reset>" when the
// connection ended first.
std::string receive(int fd, size_t want, int ms)
{
    std::string got;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (got.size() < want) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, int(left.count())) <= 0)
            break;
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0)
            return got + "<closed>";
        if (n < 0)
            return got + (errno == ECONNRESET ? "<reset>" : "<error>");
        got.append(buf, size_t(n));
    }
    return got;
}

} // namespace

TEST_CASE("the fault proxy forwards both ways until it is told to cut", "[sftp][faults][helpers]")
{
    EchoServer echo;
    FaultProxy proxy(echo.port());
    int fd = connectTo(proxy.port());
    REQUIRE(send(fd, "hello", 5, MSG_NOSIGNAL) == 5);
    CHECK(receive(fd, 5, 2000) == "hello");
    // Counted just after the echo went out.
    for (int i = 0; i < 100 && proxy.bytesForwarded() < 10; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(proxy.bytesForwarded() == 10);

    proxy.cutNow();
    std::string after = receive(fd, 1, 2000);
    CHECK((after == "<reset>" || after == "<closed>"));
    close(fd);
    CHECK(proxy.cuts() == 1);

    // A new connection after the cut goes through again.
    fd = connectTo(proxy.port());
    REQUIRE(send(fd, "again", 5, MSG_NOSIGNAL) == 5);
    CHECK(receive(fd, 5, 2000) == "again");
    close(fd);
    CHECK(proxy.connectionsAccepted() == 2);
}

TEST_CASE("the fault proxy cuts every connection after a number of bytes", "[sftp][faults][helpers]")
{
    EchoServer echo;
    FaultProxy proxy(echo.port());
    int a = connectTo(proxy.port());
    int b = connectTo(proxy.port());
    proxy.cutAfter(100 * 1024);
    std::string block(16 * 1024, 'x');
    std::string ended;
    size_t echoed = 0;
    for (int i = 0; i < 40 && ended.empty(); ++i) {
        if (send(a, block.data(), block.size(), MSG_NOSIGNAL) < 0)
            break;
        std::string got = receive(a, block.size(), 1000);
        if (got.find('<') != std::string::npos)
            ended = got.substr(got.find('<'));
        echoed += got.size();
    }
    INFO("echoed " << echoed << " ended " << ended);
    CHECK(echoed < 200 * 1024);
    CHECK(proxy.cuts() == 1);
    // The other connection went down with it.
    std::string other = receive(b, 1, 2000);
    CHECK((other == "<reset>" || other == "<closed>"));
    close(a);
    close(b);
}

TEST_CASE("a stalled fault proxy holds the bytes and the sockets until it resumes", "[sftp][faults][helpers]")
{
    EchoServer echo;
    FaultProxy proxy(echo.port());
    int fd = connectTo(proxy.port());
    proxy.stall(true);
    REQUIRE(send(fd, "wait", 4, MSG_NOSIGNAL) == 4);
    CHECK(receive(fd, 4, 500).empty());
    CHECK(proxy.openConnections() == 1);
    proxy.stall(false);
    CHECK(receive(fd, 4, 2000) == "wait");
    close(fd);
}

TEST_CASE("a small disk fills up and reports no space", "[sftp][faults][helpers]")
{
    TempDir dir;
    std::filesystem::create_directory(dir / "disk");
    SmallDisk disk(dir / "disk", 2 * 1024 * 1024);
    if (!disk.mounted()) {
        WARN("no small file system can be mounted here (" << disk.why() << "): the disk-full test is skipped");
        return;
    }
    INFO("mounted: " << disk.kind());
    CHECK(disk.freeBytes() <= 2 * 1024 * 1024);
    std::FILE* f = std::fopen((dir / "disk/big").c_str(), "wb");
    REQUIRE(f);
    std::string block(64 * 1024, 'x');
    int err = 0;
    for (int i = 0; i < 64 && !err; ++i)
        if (std::fwrite(block.data(), 1, block.size(), f) != block.size() || std::fflush(f) != 0)
            err = errno;
    std::fclose(f);
    CHECK(err == ENOSPC);
}

TEST_CASE("the hostile SFTP server speaks SFTP v3 and lists hostile names", "[sftp][faults][helpers]")
{
    if (std::system("command -v sftp >/dev/null 2>&1") != 0) {
        WARN("OpenSSH's sftp client is not installed: the hostile server is not checked on its own");
        return;
    }
    TempDir dir;
    std::filesystem::create_directory(dir / "root");
    writeFile(dir / "root/readme.txt", "hello\n");
    HostileServer server(dir / "root", dir / "server");
    server.setMode("names");
    // OpenSSH's client talks to the server directly (sftp -D, no sshd) and
    // complains about the names it must not accept.
    const std::string cmd = "printf 'ls -la " + dir.path() + "/root\\nget " + dir.path() + "/root/readme.txt " +
                            dir.path() + "/got\\n' | sftp -b - -D '" + server.command() + "' >" + dir.path() +
                            "/out 2>&1";
    (void)std::system(cmd.c_str());
    const std::string out = readFile(dir / "out");
    INFO(out);
    CHECK(out.find("suspect path \"../../etc/passwd\"") != std::string::npos);
    CHECK(out.find("suspect path \"a/b\"") != std::string::npos);
    CHECK(server.log().find("OPENDIR") != std::string::npos);
    CHECK(server.outsideRequests().empty());

    server.setMode("normal");
    (void)std::system(cmd.c_str());
    CHECK(readFile(dir / "got") == "hello\n");
    CHECK(server.log().find("SESSION mode=normal") != std::string::npos);
}

TEST_CASE("a slowed fault proxy keeps to its rate and a refusing one resets new connections", "[sftp][faults][helpers]")
{
    EchoServer echo;
    FaultProxy proxy(echo.port());
    proxy.setRate(200 * 1024);
    int fd = connectTo(proxy.port());
    const std::string block(100 * 1024, 'r');
    const auto start = std::chrono::steady_clock::now();
    size_t sent = 0;
    std::string got;
    while (got.size() < block.size()) {
        if (sent < block.size()) {
            ssize_t n = send(fd, block.data() + sent, std::min<size_t>(16384, block.size() - sent), MSG_NOSIGNAL);
            REQUIRE(n > 0);
            sent += size_t(n);
        }
        std::string part = receive(fd, 1, 50);
        REQUIRE(part.find('<') == std::string::npos);
        got += part;
        REQUIRE(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    }
    // 200 KiB went through (there and back) at 200 KiB/s: about a second.
    CHECK(std::chrono::steady_clock::now() - start > std::chrono::milliseconds(600));
    close(fd);

    proxy.refuse(true);
    fd = connectTo(proxy.port());
    std::string after = receive(fd, 1, 2000);
    CHECK((after == "<reset>" || after == "<closed>"));
    close(fd);
    proxy.refuse(false);
    proxy.setRate(0);
    fd = connectTo(proxy.port());
    REQUIRE(send(fd, "ok", 2, MSG_NOSIGNAL) == 2);
    CHECK(receive(fd, 2, 2000) == "ok");
    close(fd);
}
