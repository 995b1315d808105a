// LocalForwardingBackend: a local folder seen through the Backend interface,
// every call passed on to a LocalBackend. Test wrappers derive from it and
// override only the calls they change (faults, a file rewritten mid-read),
// so a call added to Backend reaches the real folder in all of them.
#pragma once

#include "backend/localbackend.h"

namespace ferry::test {

class LocalForwardingBackend : public Backend {
public:
    explicit LocalForwardingBackend(std::string root) : m_local(std::move(root)) {}
    std::string location() const override { return m_local.location(); }
    Capabilities capabilities() const override { return m_local.capabilities(); }
    void forgetTree() override { m_local.forgetTree(); }
    Result<bool> rootExists() override { return m_local.rootExists(); }
    Result<void> createRoot() override { return m_local.createRoot(); }
    Result<RootIdentity> rootIdentity() override { return m_local.rootIdentity(); }
    Result<std::vector<ListedItem>> list(const std::string& dir) override { return m_local.list(dir); }
    Result<std::optional<Entry>> stat(const std::string& path) override { return m_local.stat(path); }
    Result<std::string> readLink(const std::string& path) override { return m_local.readLink(path); }
    Result<std::unique_ptr<ReadStream>> openRead(const std::string& path) override { return m_local.openRead(path); }
    Result<std::unique_ptr<TempFile>> createTemp(const std::string& dir, uint32_t mode = 0600) override
    {
        return m_local.createTemp(dir, mode);
    }
    Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs, uint32_t mode,
                         bool mayReplace) override
    {
        return m_local.commit(std::move(temp), path, mtimeNs, mode, mayReplace);
    }
    Result<Entry> rename(const std::string& from, const std::string& to) override { return m_local.rename(from, to); }
    Result<void> removeFile(const std::string& path) override { return m_local.removeFile(path); }
    Result<void> removeDir(const std::string& path) override { return m_local.removeDir(path); }
    Result<Entry> makeDir(const std::string& path, uint32_t mode) override { return m_local.makeDir(path, mode); }
    Result<Entry> makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs) override
    {
        return m_local.makeSymlink(path, target, mtimeNs);
    }
    Result<Entry> setTimes(const std::string& path, int64_t mtimeNs) override { return m_local.setTimes(path, mtimeNs); }
    Result<bool> removeStaleTemp(const std::string& path) override { return m_local.removeStaleTemp(path); }
    Result<void> flushWrites() override { return m_local.flushWrites(); }
    Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const override
    {
        return m_local.versionsStore(settings);
    }
    std::optional<std::string> placeOf(const Backend& other) const override { return m_local.placeOf(other); }
    Result<void> moveToStore(const std::string& path, Backend& store, const std::string& target) override
    {
        return m_local.moveToStore(path, store, target);
    }
    Result<void> moveToTrash(const std::string& path) override { return m_local.moveToTrash(path); }

protected:
    LocalBackend m_local;
};

} // namespace ferry::test
