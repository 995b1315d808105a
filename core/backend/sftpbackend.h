// SftpBackend: a folder on an SSH server, over SFTP (protocol version 3, as
// OpenSSH speaks it) on libssh 0.10. Paths are the Backend's relative paths
// below the root, the Location's path on the server (absolute; "/~" or
// "/~/…" is below the login's home folder).
//
// Sessions: open() logs in once, on the caller's thread (where a password or
// a new host key can be asked), so a wrong host, login or key fails before a
// run starts; that first connection goes to the first connect(), so a run
// still opens at most threads + 1 logins. Later sessions log in pinned to the
// first one's host key and reuse what the user answered (a password is asked
// at most once per side). The object open() returns ("the place as opened")
// works on its own too: it takes that first connection for its calls when no
// session took it, else logs in again.
//
// What SFTP v3 gives and does not:
// - times: whole seconds (Capabilities::timePrecisionNs 1 s), 32 bits;
// - no file ids and no inode of the root: rootIdentity() is a weaker check,
//   RootIdentity{device: the file system id statvfs@openssh.com reports (0
//   without it), fileId: a hash of the server's host key and the root's
//   canonical path}. It tells another server, another disk or another folder
//   apart; a folder deleted and made again at the same path is not told apart
//   (known is true: the check is real, if weaker than a local side's);
// - atomic replace: posix-rename@openssh.com when the server offers it and
//   allows it (probed at open with names that cannot exist; sftp-server -P
//   offers it and refuses it), see Capabilities::atomicRename; else the
//   engine replaces in steps. Plain SFTP rename never replaces on OpenSSH
//   (it links and unlinks); rename() checks the target first anyway, and a
//   commit without mayReplace does on other servers;
// - symlinks: listed and stat'ed as links (OpenSSH lists with lstat), never
//   followed; setTimes() on a link uses lsetstat@openssh.com when offered and
//   otherwise leaves the link's time alone (SFTP setstat would follow it to
//   its target);
// - durability: flushWrites() has nothing to flush per side; each file is
//   fsync'ed (fsync@openssh.com) before its commit when the server offers it;
// - names the server lists that are not valid names (".", "..", a '/', NUL)
//   are never returned; walk() reports each as a skipped item's error
//   (WalkVisitor::refused), list() counts them (refusedNames()).
//
// walk() keeps up to 8 folders' listings in flight on its session (raw
// OPENDIR/READDIR requests on the channel), delivering in the serial order.
//
// Transfers: reads keep 8 requests of 128 KiB in flight; writes go in
// packets of 255 KiB (OpenSSH closes the channel at 256 KiB), 4 in flight,
// sent directly on the channel (sftplink.h); a commit sends its last write,
// the fsync and the mode and time (fsetstat) in one batch, then renames.
// Answers are collected strictly in the order asked: Debian's libssh 0.10.6
// loses an answer queued while a later one was taken first
// (tests/sftp/test_libssh_order.cpp).
//
// Errors: SFTP status codes become errno-style errors (no such file: ENOENT,
// permission denied: EACCES, a failure while writing: the server's disk may
// be full, ENOSPC when statvfs says it is); a broken connection, a timeout
// (CallContext) is Retry and the session counts as lost; a cancel is
// Error::cancelled().
//
// Thread-safety: one thread at a time per object; connect() may be called
// from any thread.
#pragma once

#include "backend/backend.h"
#include "backend/credentials.h"
#include "model/location.h"

#include <memory>
#include <string>

namespace ferry {

class SftpLink;

class SftpBackend final : public Backend {
public:
    // Logs in (within `context`) and checks nothing else: rootExists() is
    // the run's business. Errors: SshConnection::open's.
    static Result<std::unique_ptr<SftpBackend>> open(const Location& where, const RemoteAccess& access,
                                                     const CallContext& context = {});
    ~SftpBackend() override;

    Result<std::unique_ptr<Backend>> connect(const CallContext& context) const override;
    bool connectionLost() const override;
    std::string location() const override;
    Capabilities capabilities() const override;

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
    // A temporary is removed when older than a day (SFTP has no locks to
    // tell a live writer's).
    Result<bool> removeStaleTemp(const std::string& path) override;
    Result<void> walk(const std::string& dir, WalkVisitor& visitor) override;

    // Versions: `settings.serverFolder` on the same server, over this
    // session's connection.
    Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const override;
    std::optional<std::string> placeOf(const Backend& other) const override;
    // A plain SFTP rename (never replaces) into the store on this server.
    Result<void> moveToStore(const std::string& path, Backend& store, const std::string& target) override;

    // Items of listings so far whose names were not valid and were left out.
    int refusedNames() const { return m_refusedNames; }
    // The root's absolute path on the server.
    const std::string& rootPath() const { return m_root; }

    struct Side; // what the sessions of one side share (sftpbackend.cpp)

private:
    SftpBackend(std::shared_ptr<Side> side, std::string root, std::shared_ptr<SftpLink> link);
    friend class SftpTempFile;
    friend class SftpReadStream;
    class Call;
    class PipelinedLister;

    // The link for this object's calls (the place as opened takes or makes one).
    Result<SftpLink*> linkFor(const char* op, const std::string& path);
    std::string abs(const std::string& rel) const;
    Result<std::optional<Entry>> lstatAbs(const std::string& absPath, const std::string& rel, const char* op);
    Result<void> renameAbs(const std::string& from, const std::string& to, const std::string& rel, bool replace,
                           const char* op);
    // Removes the temporaries whose writing connection broke (best effort).
    void removeOrphans();
    Result<std::vector<ListedItem>> listInto(const std::string& dir, std::vector<Error>* refused);

    std::shared_ptr<Side> m_side;
    std::string m_root;
    std::shared_ptr<SftpLink> m_link;
    int m_refusedNames = 0;
};

} // namespace ferry
