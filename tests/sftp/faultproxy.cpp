#include "sftp/faultproxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace ferry::test {

namespace {

sockaddr_in loopback(int port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

void setNonBlocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Closes with a reset (RST), not an orderly FIN: what a dropped route or a
// killed peer looks like to the other end.
void closeHard(int fd)
{
    if (fd < 0)
        return;
    linger l{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

// One proxied connection: client <-> server, with what was read but not yet
// written in each direction.
struct Pipe {
    int client = -1;
    int server = -1;
    std::string toServer, toClient;
    bool clientEof = false, serverEof = false;
    bool shutServer = false, shutClient = false;
    bool dead = false;
};

constexpr size_t kBlock = 64 * 1024;

} // namespace

FaultProxy::FaultProxy(int targetPort) : m_targetPort(targetPort)
{
    m_listenFd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(m_listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    if (m_listenFd < 0 || bind(m_listenFd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0
        || listen(m_listenFd, 64) != 0)
        throw std::runtime_error(std::string("FaultProxy: cannot listen on 127.0.0.1: ") + std::strerror(errno));
    socklen_t len = sizeof a;
    getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&a), &len);
    m_port = ntohs(a.sin_port);
    setNonBlocking(m_listenFd);
    if (pipe2(m_wakePipe, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error("FaultProxy: pipe2 failed");
    m_thread = std::thread([this] { loop(); });
}

FaultProxy::~FaultProxy()
{
    m_quit = true;
    wake();
    m_thread.join();
    close(m_listenFd);
    close(m_wakePipe[0]);
    close(m_wakePipe[1]);
}

void FaultProxy::wake()
{
    char c = 1;
    (void)!write(m_wakePipe[1], &c, 1);
}

void FaultProxy::cutAfter(uint64_t bytes)
{
    m_cutBudget = static_cast<int64_t>(bytes);
    wake();
}

void FaultProxy::cutNow()
{
    m_cutRequested = true;
    wake();
}

void FaultProxy::stall(bool stalled)
{
    m_stalled = stalled;
    wake();
}

void FaultProxy::refuse(bool refused)
{
    m_refused = refused;
}

void FaultProxy::setRate(uint64_t bytesPerSecond)
{
    m_rate = bytesPerSecond;
    wake();
}

void FaultProxy::loop()
{
    std::vector<Pipe> pipes;
    std::vector<pollfd> fds;
    std::vector<char> buf(kBlock);

    auto cutAll = [&] {
        m_cuts++; // before the resets: whoever sees one sees the count too
        for (Pipe& p : pipes) {
            closeHard(p.client);
            closeHard(p.server);
            p.client = p.server = -1;
            p.dead = true;
        }
    };
    // Counts forwarded bytes against an armed cut; true when the cut is due.
    auto spend = [&](size_t n) {
        m_forwarded += n;
        int64_t budget = m_cutBudget.load();
        if (budget < 0)
            return false;
        budget -= static_cast<int64_t>(n);
        m_cutBudget = budget < 0 ? 0 : budget;
        return budget <= 0;
    };

    // The rate limit: bytes that may still be sent, refilled with time.
    double allowance = 0;
    auto refilled = std::chrono::steady_clock::now();

    while (!m_quit) {
        const uint64_t rate = m_rate.load();
        {
            auto now = std::chrono::steady_clock::now();
            allowance += std::chrono::duration<double>(now - refilled).count() * double(rate);
            allowance = std::min(allowance, std::max(double(rate) / 20, 16384.0));
            refilled = now;
        }
        const bool throttled = rate > 0 && allowance < 1;
        if (m_cutRequested.exchange(false) || m_cutBudget.load() == 0) {
            if (m_cutBudget.load() == 0)
                m_cutBudget = -1;
            cutAll();
        }
        std::erase_if(pipes, [&](const Pipe& p) {
            if (!p.dead)
                return false;
            m_open--;
            return true;
        });

        const bool stalled = m_stalled.load();
        fds.clear();
        fds.push_back({m_wakePipe[0], POLLIN, 0});
        fds.push_back({m_listenFd, POLLIN, 0});
        for (const Pipe& p : pipes) {
            short c = 0, s = 0;
            if (!stalled) {
                if (!p.clientEof && p.toServer.size() < kBlock)
                    c |= POLLIN;
                if (!p.serverEof && p.toClient.size() < kBlock)
                    s |= POLLIN;
                if (!p.toClient.empty() && !throttled)
                    c |= POLLOUT;
                if (!p.toServer.empty() && !throttled)
                    s |= POLLOUT;
            }
            fds.push_back({p.client, c, 0});
            fds.push_back({p.server, s, 0});
        }
        if (poll(fds.data(), fds.size(), throttled ? 5 : 200) < 0 && errno != EINTR)
            break;
        if (fds[0].revents & POLLIN)
            while (read(m_wakePipe[0], buf.data(), buf.size()) > 0) {
            }
        // Pipes accepted below have no pollfd yet: only the first ones are looked at.
        const size_t polled = pipes.size();
        if (fds[1].revents & POLLIN) {
            for (;;) {
                int c = accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
                if (c < 0)
                    break;
                if (m_refused) {
                    closeHard(c);
                    continue;
                }
                int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_in a = loopback(m_targetPort);
                if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                    closeHard(c);
                    if (s >= 0)
                        close(s);
                    continue;
                }
                setNonBlocking(c);
                setNonBlocking(s);
                Pipe p;
                p.client = c;
                p.server = s;
                pipes.push_back(std::move(p));
                m_accepted++;
                m_open++;
            }
        }
        if (stalled)
            continue;
        bool cutDue = false;
        for (size_t i = 0; i < polled && !cutDue; ++i) {
            Pipe& p = pipes[i];
            if (p.dead)
                continue;
            const short rc = fds[2 + 2 * i].revents;
            const short rs = fds[3 + 2 * i].revents;
            auto pump = [&](int from, bool& eof, std::string& into, short revents) {
                if (!(revents & (POLLIN | POLLHUP | POLLERR)) || eof)
                    return;
                ssize_t n = read(from, buf.data(), buf.size());
                if (n > 0)
                    into.append(buf.data(), static_cast<size_t>(n));
                else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                    eof = true;
            };
            auto drain = [&](int to, std::string& from) {
                while (!from.empty() && !cutDue) {
                    size_t want = from.size();
                    if (rate > 0) {
                        if (allowance < 1)
                            return;
                        want = std::min(want, size_t(allowance));
                    }
                    ssize_t n = send(to, from.data(), want, MSG_NOSIGNAL);
                    if (n <= 0) {
                        if (n < 0 && errno != EAGAIN && errno != EINTR)
                            p.dead = true;
                        return;
                    }
                    from.erase(0, static_cast<size_t>(n));
                    if (rate > 0)
                        allowance -= double(n);
                    cutDue = spend(static_cast<size_t>(n));
                }
            };
            pump(p.client, p.clientEof, p.toServer, rc);
            pump(p.server, p.serverEof, p.toClient, rs);
            drain(p.server, p.toServer);
            drain(p.client, p.toClient);
            if (cutDue)
                break;
            // A side that ended: pass the end on once its bytes are out.
            if (p.clientEof && p.toServer.empty() && !p.shutServer) {
                shutdown(p.server, SHUT_WR);
                p.shutServer = true;
            }
            if (p.serverEof && p.toClient.empty() && !p.shutClient) {
                shutdown(p.client, SHUT_WR);
                p.shutClient = true;
            }
            if ((p.shutServer && p.shutClient) || p.dead) {
                close(p.client);
                close(p.server);
                p.client = p.server = -1;
                p.dead = true;
            }
        }
        if (cutDue) {
            m_cutBudget = -1;
            cutAll();
        }
    }
    for (Pipe& p : pipes) {
        closeHard(p.client);
        closeHard(p.server);
    }
    m_open = 0;
}

} // namespace ferry::test
