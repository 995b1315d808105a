// CountingBackend: any Backend seen through a decorator that counts the
// sessions connected from it (and how many are open at once), so the
// contract suite can count a run's logins on every backend, LocalBackend
// included. Every call is passed on, walk() and connectionLost() too, so the
// inner backend's own traversal and session state are what the engine sees.
// It reports no localRoot(): the engine treats the side as remote.
// Thread-safety: as the inner backend; the counters are shared and atomic.
#pragma once

#include "backend/backend.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace ferry::test {

struct SessionCount {
    std::atomic<int> connected{0};
    std::atomic<int> open{0};
    std::atomic<int> peak{0};
};

class CountingBackend final : public Backend {
public:
    CountingBackend(std::unique_ptr<Backend> inner, std::shared_ptr<SessionCount> count, bool isSession = false)
        : m_inner(std::move(inner)), m_count(std::move(count)), m_isSession(isSession)
    {
        if (m_isSession) {
            const int now = ++m_count->open;
            int peak = m_count->peak.load();
            while (now > peak && !m_count->peak.compare_exchange_weak(peak, now)) {
            }
        }
    }
    ~CountingBackend() override
    {
        if (m_isSession)
            --m_count->open;
    }
    Result<std::unique_ptr<Backend>> connect(const CallContext& context) const override
    {
        auto inner = m_inner->connect(context);
        if (!inner)
            return inner.error();
        ++m_count->connected;
        return std::unique_ptr<Backend>(std::make_unique<CountingBackend>(std::move(*inner), m_count, true));
    }
    bool connectionLost() const override { return m_inner->connectionLost(); }
    Result<void> walk(const std::string& dir, WalkVisitor& visitor) override { return m_inner->walk(dir, visitor); }
    std::string location() const override { return m_inner->location(); }
    Capabilities capabilities() const override { return m_inner->capabilities(); }
    Result<bool> rootExists() override { return m_inner->rootExists(); }
    Result<void> createRoot() override { return m_inner->createRoot(); }
    Result<RootIdentity> rootIdentity() override { return m_inner->rootIdentity(); }
    Result<std::vector<ListedItem>> list(const std::string& dir) override { return m_inner->list(dir); }
    Result<std::optional<Entry>> stat(const std::string& path) override { return m_inner->stat(path); }
    Result<std::string> readLink(const std::string& path) override { return m_inner->readLink(path); }
    Result<std::unique_ptr<ReadStream>> openRead(const std::string& path) override { return m_inner->openRead(path); }
    Result<std::unique_ptr<TempFile>> createTemp(const std::string& dir, uint32_t mode = 0600) override
    {
        return m_inner->createTemp(dir, mode);
    }
    Result<Entry> commit(std::unique_ptr<TempFile> temp, const std::string& path, int64_t mtimeNs, uint32_t mode,
                         bool mayReplace) override
    {
        return m_inner->commit(std::move(temp), path, mtimeNs, mode, mayReplace);
    }
    Result<Entry> rename(const std::string& from, const std::string& to) override { return m_inner->rename(from, to); }
    Result<void> removeFile(const std::string& path) override { return m_inner->removeFile(path); }
    Result<void> removeDir(const std::string& path) override { return m_inner->removeDir(path); }
    Result<Entry> makeDir(const std::string& path, uint32_t mode) override { return m_inner->makeDir(path, mode); }
    Result<Entry> makeSymlink(const std::string& path, const std::string& target, int64_t mtimeNs) override
    {
        return m_inner->makeSymlink(path, target, mtimeNs);
    }
    Result<Entry> setTimes(const std::string& path, int64_t mtimeNs) override { return m_inner->setTimes(path, mtimeNs); }
    Result<bool> removeStaleTemp(const std::string& path) override { return m_inner->removeStaleTemp(path); }
    Result<void> flushWrites() override { return m_inner->flushWrites(); }
    Result<std::unique_ptr<Backend>> versionsStore(const VersioningSettings& settings) const override
    {
        return m_inner->versionsStore(settings);
    }
    std::optional<std::string> placeOf(const Backend& other) const override { return m_inner->placeOf(other); }
    Result<void> moveToStore(const std::string& path, Backend& store, const std::string& target) override
    {
        return m_inner->moveToStore(path, store, target);
    }
    Result<void> moveToTrash(const std::string& path) override { return m_inner->moveToTrash(path); }
    Result<std::optional<ContentHash>> serverHash(const std::string& path) override { return m_inner->serverHash(path); }

private:
    std::unique_ptr<Backend> m_inner;
    std::shared_ptr<SessionCount> m_count;
    bool m_isSession;
};

} // namespace ferry::test
