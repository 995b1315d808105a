// RunLock: one run of a job at a time, across every process (the GUI, the
// tray's scheduler, ferry-cli). An exclusive flock() on a small file in
// Ferry's data folder: the kernel releases it when its process ends in any
// way, so a crashed run never blocks the next one. The file records its
// holder (pid, host, time, what) for the refusal message; a file that still
// names a holder while nobody holds the lock was left by a process that
// died, and is taken over (tookOver() says by whom it was left).
// Thread-safety: a RunLock is owned by one thread; two RunLocks on the same
// file conflict even inside one process.
#pragma once

#include "common/error.h"

#include <memory>
#include <optional>
#include <string>

namespace ferry {

class RunLock {
public:
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    // `what` describes the holder, e.g. "ferry-cli run" or "scheduled run".
    // Fails with a message that names the running holder when the lock is taken.
    static Result<std::unique_ptr<RunLock>> acquire(const std::string& file, const std::string& jobName,
                                                    const std::string& what);
    // The holder's description when someone holds the lock now, else nullopt.
    static std::optional<std::string> heldBy(const std::string& file);

    // The holder the file named when the lock was free: a process that died.
    const std::string& tookOver() const { return m_tookOver; }

private:
    RunLock() = default;
    int m_fd = -1;
    bool m_held = false;
    std::string m_file;
    std::string m_tookOver;
};

} // namespace ferry
