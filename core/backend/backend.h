// Backend: one interface for every kind of place files live (local folder,
// SFTP, FTP). All paths are relative to the backend's root, validated with
// relpath::isValidRelPath; "" means the root itself. A backend never sees
// the other side's absolute paths.
//
// Thread-safety: one Backend object (a session: for a remote side, one
// login) is used by one thread at a time; the engine takes sessions from a
// SessionPool (backend/sessionpool.h), one per worker, made by connect().
// Failures: every call returns Result; Error::kind tells the engine whether
// to skip the item, retry, or abort the run. A call that waits on a far end
// is bounded by its session's CallContext (cancel token and timeout).
#pragma once

#include "common/canceltoken.h"
#include "common/error.h"
#include "common/hash.h"
#include "model/settings.h"
#include "model/snapshot.h"

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

struct Capabilities {
    bool caseInsensitive = false;
    // Names that differ only in Unicode form (NFC/NFD) are one name here
    // (macOS APFS and HFS+); ext4 and most others keep them apart.
    bool normalizationInsensitive = false;
    int64_t timePrecisionNs = 1;     // granularity of stored mtimes
    bool symlinks = true;
    bool fileIds = true;             // fileId is stable across renames
    bool atomicRename = true;
    int maxNameBytes = 255;
    bool windowsNames = false;       // refuses <>:"\|?* and trailing dots/spaces
    bool trash = false;              // moveToTrash() works (a local desktop trash)
    // The algorithm of serverHash() ("" when the side has none). Only
    // kOurHash can stand in for reading a file (ContentHash is XXH3-128).
    std::string serverHashAlgorithm;
    static constexpr const char* kOurHash = "xxh3-128";
};

// Identity of a root folder: refuses a swapped disk or a re-created folder.
// The file id alone is not enough: ext4 gives a folder removed and made
// again at once the same inode, so the birth time (with nanoseconds) and
// the inode generation tell the two apart where the file system has them.
struct RootIdentity {
    uint64_t device = 0;
    uint64_t fileId = 0;
    int64_t birthNs = 0;      // 0: unknown
    uint64_t generation = 0;  // 0: unknown
    bool known = false;
    bool operator==(const RootIdentity&) const = default;
    // The recorded text form: "device:fileId:birthNs:generation".
    std::string text() const;
    // Parses a recorded text; the older "device:fileId" form too.
    static std::optional<RootIdentity> fromText(const std::string& s);
    // Whether `recorded` (from the last sync) can be this very folder: every
    // detail both know must agree.
    bool sameFolderAs(const RootIdentity& recorded) const;
};

class ReadStream {
public:
    virtual ~ReadStream() = default;
    // Returns 0 at the end of the file.
    virtual Result<size_t> read(char* buf, size_t len) = 0;
    // A POSIX descriptor when the stream has one (enables kernel copies).
    virtual int nativeFd() const { return -1; }
    // The open file's current details (fstat), when the backend can tell
    // without a path lookup; nullopt otherwise.
    virtual std::optional<Entry> statOpen() const { return std::nullopt; }
};

// A new file written under a temporary name in its target folder. It is
// removed by the destructor unless commit() renamed it into place.
class TempFile {
public:
    virtual ~TempFile() = default;
    virtual Result<void> write(const char* buf, size_t len) = 0;
    virtual int nativeFd() const { return -1; }
    virtual const std::string& tempPath() const = 0;
};

struct ListedItem {
    Entry entry;              // path is the item's relative path
    std::string linkTarget;   // for symlinks
};

// ---- sessions: cancellation and timeouts ------------------------------------
// What bounds each call of a session: the run's cancel token and how long one
// call may wait on the far end (a server that stops answering). A remote
// backend checks both in every wait for the network (connect, each request,
// each block of a transfer) and then fails the call: Error::cancelled() when
// cancelled, a Retry error when the time ran out (see callTimedOut()), after
// which the session counts as lost (connectionLost()), because a request left
// without its answer leaves the connection in an unknown state.
// LocalBackend ignores the timeout (a system call cannot be interrupted) and
// polls the token only between blocks of copies, as before: no cost per call.
struct CallContext {
    CancelToken cancel;
    std::chrono::milliseconds timeout{std::chrono::seconds(60)}; // per call; 0: no limit
};

// The error of a call that found no answer within its CallContext's timeout.
Error callTimedOut(const std::string& op, const std::string& path, std::chrono::milliseconds timeout);

// ---- traversal ------------------------------------------------------------------
// Receives what Backend::walk() finds. Every call comes on the thread that
// called walk(), one at a time, so a visitor needs no locking.
class WalkVisitor {
public:
    virtual ~WalkVisitor() = default;
    // Whether to list folder `folder` (an item of a listing) and visit it
    // and its subtree. False prunes it: neither it nor anything below it is
    // visited, and it is not listed. Asked before the folder is visited,
    // possibly well before (a pipelined walk lists ahead).
    virtual bool enter(const Entry& folder) = 0;
    // One item. Order: depth first, each folder's items by the bytes of
    // their names, a folder's subtree right after the folder (pathLess
    // order). The visitor may move from `item`. Returns false to stop the
    // walk (cancelled).
    virtual bool visit(ListedItem& item) = 0;
    // Folder `dir` (already visited; "" for the walk's start) could not be
    // listed: nothing below it is visited. Comes where its items would have.
    virtual void unreadable(const std::string& dir, const Error& error) = 0;
    // An item listed in folder `dir` that cannot be synced and was left out
    // (a remote side listing a name that is not a valid name): nothing is
    // visited for it and it blocks nothing; only reported. Default: ignored.
    virtual void refused(const std::string& dir, const Error& error)
    {
        (void)dir;
        (void)error;
    }
};

// The order a walk hands one folder's items in: indices into `items`, by
// the bytes of their names (siblings share their folder's path). Every
// walk, serial or pipelined, uses it, so all deliver the same order.
std::vector<uint32_t> walkOrder(const std::vector<ListedItem>& items);

// The delivery of a walk that lists ahead (FakeBackend's, SftpBackend's):
// the same order as Backend::walk, but each folder the visitor enters is
// asked for as soon as its parent is listed, so listings can be in flight
// while items are visited. `take(folder)` waits for one folder's listing: its
// items, or the error of an unreadable folder (the walk goes past it); or
// nothing, with `ended` set, when the walk must end (lost, cancelled).
// `schedule(folders)` gets the folders entered, in visiting order, to list
// ahead. The caller schedules `dir` itself when it needs to.
using TakeListing = std::function<std::optional<Result<std::vector<ListedItem>>>(const std::string& folder,
                                                                                 std::optional<Error>& ended)>;
Result<void> walkListedAhead(const std::string& dir, WalkVisitor& visitor, const TakeListing& take,
                             const std::function<void(std::vector<std::string>)>& schedule);

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string location() const = 0;
    virtual Capabilities capabilities() const = 0;

    // The root: whether it exists as a folder, create it (with parents),
    // and its identity.
    virtual Result<bool> rootExists() = 0;
    virtual Result<void> createRoot() = 0;
    virtual Result<RootIdentity> rootIdentity() = 0;

    // Lists one folder without following symlinks. Items with names that are
    // not valid (relpath::isValidName) are never returned.
    virtual Result<std::vector<ListedItem>> list(const std::string& dir) = 0;
    // lstat: nullopt when nothing is there.
    virtual Result<std::optional<Entry>> stat(const std::string& path) = 0;
    virtual Result<std::string> readLink(const std::string& path) = 0;

    virtual Result<std::unique_ptr<ReadStream>> openRead(const std::string& path) = 0;
    // Creates a temporary file in folder `dir` (which must exist). `mode` is
    // the permission the file will get at commit: a backend may create the
    // temporary with it (the owner can always read and write it) to spare a
    // change of mode later.
    virtual Result<std::unique_ptr<TempFile>> createTemp(const std::string& dir, uint32_t mode = 0600) = 0;
    // Sets times and mode on the temp file and renames it to `path`. With
    // `mayReplace` a file there is replaced atomically; without it, anything
    // at `path` makes the commit fail (SkipItem) and the temp file is
    // removed. Never replaces a folder; does not create parents. Returns the
    // committed file's details.
    virtual Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs,
                                 uint32_t mode, bool mayReplace) = 0;
    // Renames `from` to `to`; fails if `to` exists (except a case-only
    // rename on a case-insensitive file system). Does not create parents.
    // Returns the item's details at `to`.
    virtual Result<Entry> rename(const std::string& from, const std::string& to) = 0;
    virtual Result<void> removeFile(const std::string& path) = 0;   // also symlinks
    virtual Result<void> removeDir(const std::string& path) = 0;    // only when empty
    // Creates one folder; succeeds if a folder is already there. Does not
    // create parents. Returns the folder's details.
    virtual Result<Entry> makeDir(const std::string& path, uint32_t mode) = 0;
    // Creates (or replaces) a symlink atomically; never follows it. Returns
    // the link's details.
    virtual Result<Entry> makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs) = 0;
    // Sets the modification time (of a link itself, never its target).
    // Returns the item's details after the change.
    virtual Result<Entry> setTimes(const std::string& path, int64_t mtimeNs) = 0;
    // Makes what was written on this side so far durable (data and names)
    // where the side can, and returns when it is. The executor calls it
    // before the state records copies as synced, and at the end of a run.
    // A side without such a call (a server that writes through) does
    // nothing. Errors: the written data may not have reached the disk.
    virtual Result<void> flushWrites() { return Ok{}; }

    // Removes a leftover temporary file or symlink of an interrupted run
    // (one tempname::isOwn accepts) unless a live run may still be writing
    // it. Returns whether it was removed; nothing there is not an error.
    virtual Result<bool> removeStaleTemp(const std::string& path)
    {
        if (auto r = removeFile(path); !r)
            return r.error();
        return true;
    }

    // ---- sessions (connection lifecycle) ---------------------------------------
    // Opens a new session to the same place: a new object, usable on another
    // thread, whose calls are bounded by `context`. The object it is called on
    // may be a session itself or just the place as opened (openBackend); this
    // call uses only its settings, so it also works on a lost session. A remote
    // backend logs in here, within context.timeout; an unreachable host or a
    // timeout is a Retry error, a refused login or a changed host key an
    // AbortRun error, each with a next step; never a dead session.
    virtual Result<std::unique_ptr<Backend>> connect(const CallContext& context) const = 0;
    // Whether this session's connection broke (a timed-out request, a closed
    // socket): a pool drops it instead of lending it again. Local: never.
    virtual bool connectionLost() const { return false; }
    // Called by a pool as it lends this session again: what the session
    // remembers of the tree from its earlier work (a local side's open
    // folders) may be stale by now (the user may have moved a folder between
    // the scan and the run), so it is forgotten. Default: nothing to forget.
    virtual void forgetTree() {}
    // The bounds of the following calls (set by the pool with each lease).
    void setCallContext(CallContext context) { m_callContext = std::move(context); }
    const CallContext& callContext() const { return m_callContext; }

    // ---- traversal --------------------------------------------------------------------
    // Lists the subtree below folder `dir` ("" for the root) and hands every
    // item to `visitor` in pathLess order (see WalkVisitor), entering the
    // folders the visitor accepts. Items are what list() returns (valid names
    // only; symlinks are items, never followed). A folder that cannot be
    // listed goes to visitor.unreadable() and the walk goes on; a lost
    // connection (connectionLost()) or a cancelled call ends the walk with
    // that error. Returns Ok when the walk ended or the visitor stopped it.
    // The default walks serially on list(); a remote backend may override it
    // to keep several listings in flight, with the same result.
    virtual Result<void> walk(const std::string& dir, WalkVisitor& visitor);

    // ---- versions (see engine/versioner.h) ------------------------------------
    // The versions folder of this side for `settings` (Mode::Folder), as a
    // backend of this side rooted there; it need not exist yet (createRoot).
    // Each side keeps its versions on its own storage: a local side in
    // `settings.folder` (an absolute local path, which may be on another
    // drive), a side on a server in `settings.serverFolder` (a path on that
    // server). Errors: AbortRun when this side has no versions folder.
    virtual Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const
    {
        (void)settings;
        return Error::abortRun("keep a version of", location(), "this side cannot keep versions in a folder",
                               "Choose the trash or no versioning for this job");
    }
    // Where the root of `other` (such as this side's versions store) lies
    // inside this backend's root: its relative path, "" for the root itself;
    // nullopt when it is outside it or on another side. May read the disk.
    virtual std::optional<std::string> placeOf(const Backend& other) const
    {
        (void)other;
        return std::nullopt;
    }
    // Moves the file or symlink `path` into `store` (which versionsStore()
    // of this side opened) as `target`, by rename; never replaces anything
    // there and does not create parents (ENOENT then). Errors: osError
    // EEXIST when `target` is taken (pick another name), EXDEV when the
    // store is on another file system (the caller copies, flushes the
    // store, then removes `path`; this default says EXDEV always).
    virtual Result<void> moveToStore(const std::string& path, Backend& store, const std::string& target)
    {
        (void)store;
        (void)target;
        return errnoError("keep a version of", path, EXDEV);
    }
    // Moves the file or symlink `path` into this side's trash (where
    // Capabilities::trash says there is one), never replacing an item there.
    // Errors: AbortRun when there is no trash; nothing is removed on failure.
    virtual Result<void> moveToTrash(const std::string& path)
    {
        return Error::abortRun("move to trash", path, "this side has no trash",
                               "Choose a versions folder for this job instead of the trash");
    }
    // The content hash the server computes itself, in
    // Capabilities::serverHashAlgorithm, without sending the bytes;
    // nullopt when it has none for this file. Errors as for openRead.
    virtual Result<std::optional<ContentHash>> serverHash(const std::string& path)
    {
        (void)path;
        return std::optional<ContentHash>{};
    }

private:
    CallContext m_callContext;
};

} // namespace ferry
