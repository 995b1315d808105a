// Versioner: where replaced and deleted files go instead of being lost.
//   Folder: "<store>/<owner>/<relative dir>/<stem> YYYY-MM-DD HHMMSS<ext>", stamped
//           with the run's start time (UTC), so one run's versions share a
//           stamp; a clash within a second adds "-2", "-3"…
//   Trash:  the side's own trash (Backend::moveToTrash; a local side: the
//           freedesktop.org trash of the user), where Capabilities::trash.
// The store is the side's own versions folder (Backend::versionsStore): a
// local side keeps versions in VersioningSettings::folder (an absolute local
// path, on any drive), a side on a server in VersioningSettings::serverFolder
// on that server. A version is moved there by rename (moveToStore); where the
// store is on another file system the file is copied, the store flushed,
// and only then is the original removed.
// <owner> is the job's state key ("job-…") or, for `ferry-cli sync` without
// a job, the pair's ("pair-…"): jobs that share a versions folder never see,
// restore or prune each other's versions. Versions made before owners
// existed lie at the top of the folder ("legacy"): listed only on request
// (legacyVersions()), never pruned by retention.
// Retention keeps the newest N versions of each file and/or drops versions
// older than N days, judged by the stamp against an injected "now".
// restore() copies a version back (never moves it, so the version stays).
// Listing, retention and restore work on a store (any Backend rooted at a
// versions folder), so they work the same for a local or a server side.
// Thread-safety: preserve() may be called from several workers at once
// (each with its own side backend); the other calls use the store given,
// one thread at a time per store.
// Failures: a version that cannot be kept is an error for that item, and
// the executor then leaves the original in place.
#pragma once

#include "backend/backend.h"
#include "model/settings.h"
#include "common/error.h"

#include <mutex>
#include <string>
#include <vector>

namespace ferry {

struct Version {
    std::string relPath;      // the original relative path
    std::string file;         // where the version is: the store's location and storePath
    int64_t stampNs = 0;
    std::string storePath;    // the version's path inside its store
    bool operator==(const Version&) const = default;
};

class Versioner {
public:
    Versioner(VersioningSettings settings, int64_t runStampNs);
    bool enabled() const { return m_settings.mode != VersioningSettings::Mode::None; }
    const VersioningSettings& settings() const { return m_settings; }

    // Moves the file or symlink at `path` on `side` into versioning. A folder
    // is not versioned (it is only removed once empty).
    Result<void> preserve(Backend& side, const std::string& path);
    // The same for a file whose own path is not its name: a file set aside
    // (tempname::makeAside) is kept as a version of `versionOf`.
    Result<void> preserveAs(Backend& side, const std::string& path, const std::string& versionOf);

    // Versions of one relative path in `store`, newest first (Folder mode).
    std::vector<Version> versionsOf(Backend& store, const std::string& relPath) const;
    // Every version of this owner in `store`, newest first.
    std::vector<Version> allVersions(Backend& store) const;
    // Versions at the top of the folder, made before versions were kept per
    // owner (any job sharing the folder may have made them), newest first.
    std::vector<Version> legacyVersions(Backend& store) const;
    // "<folder>/<owner>": where this owner's versions are on a local side.
    std::string ownFolder() const;
    // Is this top-level folder name one of an owner ("job-…", "pair-…")?
    static bool isOwnerFolderName(const std::string& name);
    // Copies a version from `store` to `targetPath` on `target` (creating its
    // folders) through a temporary file, keeping its time and mode; replaces
    // a file there.
    static Result<void> restore(Backend& store, const Version& v, Backend& target, const std::string& targetPath);
    // Applies keepCount / maxAgeDays in `store`; returns how many versions
    // were removed.
    Result<int> applyRetention(Backend& store, int64_t nowNs);

    // "report 2026-11-25 101500.txt" for "report.txt".
    static std::string versionName(const std::string& name, const std::string& stamp);
    // Parses a version file name; false when it is not one.
    static bool parseVersionName(const std::string& file, std::string& original, int64_t& stampNs);

private:
    Result<void> toFolder(Backend& side, Backend& store, const std::string& path, const std::string& versionOf);
    Result<void> copyToFolder(Backend& side, Backend& store, const std::string& path, const std::string& dir,
                              const std::string& name);
    std::vector<Version> scan(Backend& store, const std::string& top, bool skipOwnerFolders) const;
    Error storeError(const Backend& store, const std::string& path, const Error& cause) const;
    std::string candidate(const std::string& dir, const std::string& name, int n) const;
    VersioningSettings m_settings;
    std::string m_stamp;
    std::mutex m_mutex; // serialises picking a name for a copied version
};

} // namespace ferry
