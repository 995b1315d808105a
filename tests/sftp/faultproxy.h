// FaultProxy: a loopback TCP proxy the fault tests control. It listens on
// 127.0.0.1 (a free port) and forwards every connection to
// 127.0.0.1:targetPort (the private sshd), byte for byte, until told to
//   - cut: reset every open connection (now, or once a number of further
//     bytes has passed in either direction); connections made after a cut
//     are forwarded normally again, so the next run goes through a healthy
//     proxy;
//   - stall: stop moving bytes while keeping every socket open (a server
//     that stopped answering, a dead route), until told to go on;
//   - refuse: reset every new connection at once (a server that is down);
//   - slow down to a rate (so a transfer lasts long enough to be hit).
//
// Only loopback: it binds and connects to 127.0.0.1 and nothing else.
// Thread-safety: one forwarding thread of its own; every public call may
// come from any thread. Failures to bind or listen throw (a test set-up
// error).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace ferry::test {

class FaultProxy {
public:
    explicit FaultProxy(int targetPort);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    int port() const { return m_port; }

    // Resets every open connection once `bytes` more bytes have been
    // forwarded (both directions together), counted from this call. Once.
    void cutAfter(uint64_t bytes);
    // Resets every open connection now.
    void cutNow();
    // Stalls (true) or resumes (false) all forwarding; sockets stay open.
    void stall(bool stalled);
    // Resets new connections at once (true), or forwards them again (false).
    void refuse(bool refused);
    // At most this many bytes a second (both directions together); 0: no limit.
    void setRate(uint64_t bytesPerSecond);

    // Bytes forwarded so far (both directions), connections accepted, how
    // many cuts happened, and connections open now.
    uint64_t bytesForwarded() const { return m_forwarded.load(); }
    int connectionsAccepted() const { return m_accepted.load(); }
    int cuts() const { return m_cuts.load(); }
    int openConnections() const { return m_open.load(); }

private:
    void loop();
    void wake();

    int m_targetPort;
    int m_port = 0;
    int m_listenFd = -1;
    int m_wakePipe[2] = {-1, -1};
    std::thread m_thread;
    std::atomic<bool> m_quit{false};
    std::atomic<bool> m_stalled{false};
    std::atomic<bool> m_refused{false};
    std::atomic<uint64_t> m_rate{0};
    std::atomic<bool> m_cutRequested{false};
    std::atomic<int64_t> m_cutBudget{-1}; // bytes left before a cut; -1: none armed
    std::atomic<uint64_t> m_forwarded{0};
    std::atomic<int> m_accepted{0};
    std::atomic<int> m_cuts{0};
    std::atomic<int> m_open{0};
};

} // namespace ferry::test
