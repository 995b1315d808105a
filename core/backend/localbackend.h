// LocalBackend: a folder on a mounted file system (local disk, USB drive,
// mounted network share). POSIX calls; Linux fast paths (copy_file_range,
// statfs for the file system type) behind #ifdef with portable fallbacks.
// Every call names its item relative to a descriptor of a verified folder
// (DirCache): nothing is read or written through a folder that is, or
// became, a symlink, not even when it was swapped during the run.
// Thread-safety: one thread at a time per object (it caches open folder
// descriptors); a session (connect()) per worker.
// Cancellation and timeouts: system calls cannot be interrupted, so the
// CallContext's timeout is not applied and no call pays for checking it; the
// engine polls the cancel token between items and between blocks of copies.
#pragma once

#include "backend/backend.h"
#include "backend/dircache.h"

#include <string_view>

namespace ferry {

class LocalBackend final : public Backend {
public:
    explicit LocalBackend(std::string root);
    // A new object on the same folder; never fails.
    Result<std::unique_ptr<Backend>> connect(const CallContext& context) const override;
    // Closes the folders below the root it keeps open (the root itself
    // stays: it was checked against the state when the run began).
    void forgetTree() override { m_dirs.forget({}); }
    std::string location() const override { return m_root; }
    Capabilities capabilities() const override;

    Result<bool> rootExists() override;
    Result<void> createRoot() override;
    Result<RootIdentity> rootIdentity() override;

    Result<std::vector<ListedItem>> list(const std::string& dir) override;
    Result<std::optional<Entry>> stat(const std::string& path) override;
    Result<std::string> readLink(const std::string& path) override;
    Result<std::unique_ptr<ReadStream>> openRead(const std::string& path) override;
    Result<std::unique_ptr<TempFile>> createTemp(const std::string& dir, uint32_t mode = 0600) override;
    Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs,
                         uint32_t mode, bool mayReplace) override;
    Result<Entry> rename(const std::string& from, const std::string& to) override;
    Result<void> removeFile(const std::string& path) override;
    Result<void> removeDir(const std::string& path) override;
    Result<Entry> makeDir(const std::string& path, uint32_t mode) override;
    Result<Entry> makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs) override;
    Result<Entry> setTimes(const std::string& path, int64_t mtimeNs) override;
    // A temporary file is removed only when no process holds the lock its
    // writer keeps on it (flock); a symlink one (it lives for microseconds),
    // or a file where locks do not work, only when older than a day.
    Result<bool> removeStaleTemp(const std::string& path) override;
    // syncfs() of the root's file system (fsync of the root elsewhere).
    Result<void> flushWrites() override;

    // Versions: `settings.folder` (absolute, on any drive) as a LocalBackend.
    Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const override;
    // Compares real paths, so a symlinked root cannot hide a folder inside it.
    std::optional<std::string> placeOf(const Backend& other) const override;
    // A rename without replace (renameat2 RENAME_NOREPLACE) from the item's
    // verified folder into the store's; EXDEV when the store is on another
    // file system or is not a LocalBackend.
    Result<void> moveToStore(const std::string& path, Backend& store, const std::string& target) override;
    // The freedesktop.org trash of the user ($XDG_DATA_HOME/Trash, with an
    // info file naming the original path); on another file system the item
    // is copied, flushed, then removed (localtrash.cpp).
    Result<void> moveToTrash(const std::string& path) override;

    std::string absolute(const std::string& rel) const;

private:
    // The verified folder holding `rel` (see DirCache); errors name `op` and
    // `rel`, as the call on `rel` itself would.
    Result<DirRef> parentOf(const std::string& rel, const char* op);
    // Fails unless `dir` still names the folder `ref` was opened on: a temp
    // file's folder may have been moved or replaced by a symlink meanwhile.
    Result<void> checkStillAt(const DirHandle& ref, const std::string& dir, const std::string& path);

    std::string m_root;
    mutable std::optional<Capabilities> m_caps;
    DirCache m_dirs;
};

// Copies all bytes from `in` to `out`, keeping holes of a sparse source,
// with copy_file_range when both have descriptors (Linux), otherwise
// through a buffer. Polls `cancelled`.
// `onBytes` is called with each chunk's size.
template <typename F>
Result<void> copyStream(ReadStream& in, TempFile& out, const std::string& path, const F& onBytes);
Result<void> copyStreamImpl(ReadStream& in, TempFile& out, const std::string& path,
                            bool (*onBytes)(void*, int64_t), void* ctx);

// Sparse files: when both sides have descriptors and the source has holes
// (fewer blocks allocated than its size), copies its first `size` bytes
// writing only the data extents (SEEK_DATA/SEEK_HOLE) and extends `out` to
// `size`, so holes stay holes. `onChunk(data, n)` sees every range in order,
// a hole with data == nullptr (its bytes are zeros: for content hashes);
// returning false cancels. Returns false, having done nothing, when the
// copy is not sparse (the caller then copies as usual).
Result<bool> copySparseImpl(ReadStream& in, TempFile& out, int64_t size, const std::string& path,
                            bool (*onChunk)(void*, const char*, int64_t), void* ctx);
template <typename F>
Result<bool> copySparse(ReadStream& in, TempFile& out, int64_t size, const std::string& path, const F& onChunk)
{
    return copySparseImpl(in, out, size, path,
                          [](void* ctx, const char* data, int64_t n) { return (*static_cast<const F*>(ctx))(data, n); },
                          const_cast<F*>(&onChunk));
}

template <typename F>
Result<void> copyStream(ReadStream& in, TempFile& out, const std::string& path, const F& onBytes)
{
    return copyStreamImpl(in, out, path,
                          [](void* ctx, int64_t n) { return (*static_cast<const F*>(ctx))(n); },
                          const_cast<F*>(&onBytes));
}

} // namespace ferry
