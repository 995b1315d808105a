// FaultyBackend: a local folder seen through the Backend interface with
// faults injected on demand (a full disk part-way through a write, a
// temporary file that cannot be created, a removal that is refused).
// It is not a LocalBackend, so moves into a local versions folder are
// renames only through the forwarded calls, as for any other side.
#pragma once

#include "forwardingbackend.h"

#include <cerrno>
#include <memory>
#include <string>

namespace ferry::test {

struct Faults {
    int64_t failWritesAfterBytes = -1; // ≥ 0: writes beyond this many bytes fail with ENOSPC
    bool failCreateTemp = false;       // createTemp fails with ENOSPC (as LocalBackend reports it)
    bool failRemove = false;           // removeFile fails with EACCES
};

class FaultyTempFile final : public TempFile {
public:
    FaultyTempFile(std::unique_ptr<TempFile> inner, int64_t limit) : m_inner(std::move(inner)), m_limit(limit) {}
    Result<void> write(const char* buf, size_t len) override
    {
        if (m_limit >= 0 && m_written + int64_t(len) > m_limit)
            return errnoError("write", m_inner->tempPath(), ENOSPC);
        m_written += int64_t(len);
        return m_inner->write(buf, len);
    }
    const std::string& tempPath() const override { return m_inner->tempPath(); }
    std::unique_ptr<TempFile> release() { return std::move(m_inner); }

private:
    std::unique_ptr<TempFile> m_inner;
    int64_t m_limit;
    int64_t m_written = 0;
};

class FaultyBackend final : public LocalForwardingBackend {
public:
    FaultyBackend(std::string root, Faults faults) : LocalForwardingBackend(std::move(root)), m_faults(faults) {}
    Result<std::unique_ptr<Backend>> connect(const CallContext&) const override
    {
        return std::unique_ptr<Backend>(std::make_unique<FaultyBackend>(m_local.location(), m_faults));
    }
    Result<std::unique_ptr<TempFile>> createTemp(const std::string& dir, uint32_t mode = 0600) override
    {
        if (m_faults.failCreateTemp)
            return errnoError("create temporary file in", dir.empty() ? "." : dir, ENOSPC);
        auto inner = m_local.createTemp(dir, mode);
        if (!inner)
            return inner.error();
        return std::unique_ptr<TempFile>(
            std::make_unique<FaultyTempFile>(std::move(*inner), m_faults.failWritesAfterBytes));
    }
    Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs, uint32_t mode,
                         bool mayReplace) override
    {
        auto* faulty = static_cast<FaultyTempFile*>(temp.get());
        return m_local.commit(faulty->release(), path, mtimeNs, mode, mayReplace);
    }
    Result<void> removeFile(const std::string& path) override
    {
        if (m_faults.failRemove)
            return errnoError("remove", path, EACCES);
        return m_local.removeFile(path);
    }

private:
    Faults m_faults;
};

} // namespace ferry::test
