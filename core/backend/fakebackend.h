// FakeBackend: an in-memory file system behind the Backend contract, for
// the engine's tests on file systems this machine cannot mount (a case- or
// normalization-folding side, FAT's two-second times, a server without
// symlinks or atomic renames) and for fault injection. Never used outside
// tests and benchmarks.
//
// A FakeFileSystem holds the tree; any number of FakeBackends (and their
// clones) share it, each rooted at a folder inside it. Names keep the exact
// bytes they were created with; where the profile folds case or Unicode
// form, a second spelling finds the first (as macOS, Windows or FAT do).
// Times are stored at the profile's precision (cut down, like FAT).
//
// Faults: a hook sees every call (the operation and the path) before it is
// carried out and may fail it with any Error; latency is added to each call.
// connect() is a call too ("connect", path ""): a fault there is a refused
// login or an unreachable host.
//
// Sessions, like a remote side's: connect() makes a session and counts it
// (connections(), and how many were open at once, peakSessions()). A scripted
// stall (setStall) blocks a call until the session's CallContext cancels it
// (Error::cancelled()) or its timeout passes (callTimedOut(), a Retry error,
// and the session is lost: every later call fails at once, and a pool drops
// it). With requireSessions, calls on a backend that was not made by
// connect() fail (AbortRun): proves the engine does all its I/O on sessions.
// walk() is pipelined: several listings in flight on helper threads, handed
// to the visitor in the serial order.
//
// A profile without atomic rename refuses to commit over an existing file
// (as a server whose rename never replaces): the engine must replace in
// steps there.
//
// Thread-safety: a FakeFileSystem is guarded by one mutex; backends follow
// the usual rule (one thread at a time per backend object, a session per
// worker).
#pragma once

#include "backend/backend.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ferry {

struct FakeProfile {
    std::string name = "posix";
    Capabilities caps;                       // what the fake reports, and obeys
    std::chrono::microseconds latency{0};    // added to every call
};

namespace fakeprofiles {
FakeProfile posix();             // like ext4
FakeProfile caseInsensitive();   // like NTFS seen from Windows
FakeProfile macLike();           // folds case and Unicode form, like APFS
FakeProfile fatLike();           // folds case, 2 s times, no symlinks, no file ids, Windows names
FakeProfile plainServer();       // no symlinks, no file ids, no atomic rename, 1 s times (an FTP server)
FakeProfile normalizationOnly(); // folds Unicode form (NFC/NFD) but not case
FakeProfile hashingServer();     // computes XXH3-128 content hashes itself (serverHash)
std::vector<FakeProfile> all();
} // namespace fakeprofiles

class FakeFileSystem {
public:
    explicit FakeFileSystem(FakeProfile profile = fakeprofiles::posix());
    ~FakeFileSystem();
    const FakeProfile& profile() const { return m_profile; }

    // Set-up for tests, by path from the file system's top ("" is the top).
    // Parents are made as needed; an existing item is replaced.
    void putFile(const std::string& path, const std::string& content, int64_t mtimeNs = 0, uint32_t mode = 0644);
    void putDir(const std::string& path);
    void putSymlink(const std::string& path, const std::string& target);
    bool removeTree(const std::string& path);
    // "f:<content>", "d", "l:<target>" per path below `root`, as stored.
    std::map<std::string, std::string> tree(const std::string& root = {}) const;
    std::optional<std::string> content(const std::string& path) const;

    using Fault = std::function<std::optional<Error>(std::string_view operation, std::string_view path)>;
    void setFault(Fault fault);
    // How many calls of `operation` the backends made (all operations: "").
    int calls(std::string_view operation = {}) const;

    // ---- sessions ----
    // Whether a call stalls (blocks until cancelled or timed out); empty: none do.
    using Stall = std::function<bool(std::string_view operation, std::string_view path)>;
    void setStall(Stall stall);
    void setRequireSessions(bool require);
    int connections() const;   // successful connect() calls
    int openSessions() const;  // sessions alive now
    int peakSessions() const;  // most sessions alive at once
    int outsideSessions() const; // calls refused by requireSessions

    struct Node; // the tree's items (fakebackend.cpp)

private:
    friend class FakeBackend;
    friend class FakeTempFile;
    friend class FakeReadStream;
    FakeProfile m_profile;
    mutable std::mutex m_mutex;
    std::unique_ptr<Node> m_top;
    // Counts the call, runs the fault hook, the latency and a stall; the
    // Error to return, if any. `lost` is the calling session's flag.
    std::optional<Error> enter(std::string_view operation, const std::string& path, const CallContext& context,
                               std::atomic<bool>* lost, bool isSession);
    Fault m_fault;
    Stall m_stall;
    bool m_requireSessions = false;
    int m_connections = 0, m_openSessions = 0, m_peakSessions = 0, m_outsideSessions = 0;
    std::map<std::string, int, std::less<>> m_calls;
    uint64_t m_nextId = 1;
    int64_t m_clockNs = 1700000000LL * 1000000000; // birth times of new items
};

class FakeBackend final : public Backend {
public:
    // `root`: a folder inside `fs` ("" for its top); it need not exist yet.
    FakeBackend(std::shared_ptr<FakeFileSystem> fs, std::string root);
    ~FakeBackend() override;
    Result<std::unique_ptr<Backend>> connect(const CallContext& context) const override;
    bool connectionLost() const override { return m_lost->load(); }
    Result<void> walk(const std::string& dir, WalkVisitor& visitor) override;
    std::string location() const override { return "fake:/" + m_root; }
    Capabilities capabilities() const override { return m_fs->profile().caps; }

    Result<bool> rootExists() override;
    Result<void> createRoot() override;
    Result<RootIdentity> rootIdentity() override;
    Result<std::vector<ListedItem>> list(const std::string& dir) override;
    Result<std::optional<Entry>> stat(const std::string& path) override;
    Result<std::string> readLink(const std::string& path) override;
    Result<std::unique_ptr<ReadStream>> openRead(const std::string& path) override;
    Result<std::unique_ptr<TempFile>> createTemp(const std::string& dir, uint32_t mode = 0600) override;
    Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs, uint32_t mode,
                         bool mayReplace) override;
    Result<Entry> rename(const std::string& from, const std::string& to) override;
    Result<void> removeFile(const std::string& path) override;
    Result<void> removeDir(const std::string& path) override;
    Result<Entry> makeDir(const std::string& path, uint32_t mode) override;
    Result<Entry> makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs) override;
    Result<Entry> setTimes(const std::string& path, int64_t mtimeNs) override;
    // Versions: `settings.serverFolder`, a path from the file system's top
    // (the fake stands for a server). The store of a session shares that
    // session (its context and its lost connection); one of the side as
    // opened is outside any session (requireSessions refuses its calls). Moves within one FakeFileSystem are
    // renames; into another one, EXDEV.
    Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const override;
    std::optional<std::string> placeOf(const Backend& other) const override;
    Result<void> moveToStore(const std::string& path, Backend& store, const std::string& target) override;
    // Where the profile has a trash: ".trash/<name>" (".trash/<name>.N"
    // when taken) at the file system's top.
    Result<void> moveToTrash(const std::string& path) override;
    // XXH3-128 of the stored bytes where the profile offers server hashes.
    Result<std::optional<ContentHash>> serverHash(const std::string& path) override;
    // Counted and open to faults ("flushWrites"); the fake has nothing to flush.
    Result<void> flushWrites() override;

private:
    // Runs the fault hook, the latency and a stall for one call; an Error to return.
    std::optional<Error> enter(std::string_view operation, const std::string& path) const;
    std::string full(const std::string& rel) const;
    std::shared_ptr<FakeFileSystem> m_fs;
    std::string m_root;
    bool m_isSession = false; // made by connect(), or a versions store of such a session
    bool m_countsSession = true; // false for a store: it shares its session's connection
    // Shared with this session's temporary files, whose writes can stall too.
    std::shared_ptr<std::atomic<bool>> m_lost = std::make_shared<std::atomic<bool>>(false);
};

} // namespace ferry
