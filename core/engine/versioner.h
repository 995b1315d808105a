// Versioner: where replaced and deleted files go instead of being lost.
//   Folder: "<folder>/<owner>/<relative dir>/<stem> YYYY-MM-DD HHMMSS<ext>", stamped
//           with the run's start time (UTC), so one run's versions share a
//           stamp; a clash within a second adds "-2", "-3"…
//   Trash:  the freedesktop.org trash of the user (local sides only).
// <owner> is the job's state key ("job-…") or, for `ferry-cli sync` without
// a job, the pair's ("pair-…"): jobs that share a versions folder never see,
// restore or prune each other's versions. Versions made before owners
// existed lie at the top of the folder ("legacy"): listed only on request
// (legacyVersions()), never pruned by retention.
// Retention keeps the newest N versions of each file and/or drops versions
// older than N days, judged by the stamp against an injected "now".
// restore() copies a version back (never moves it, so the version stays).
// Thread-safety: preserve() may be called from several workers at once.
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
    std::string file;         // absolute path of the stored version
    int64_t stampNs = 0;
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

    // Versions of one relative path, newest first (Folder mode).
    std::vector<Version> versionsOf(const std::string& relPath) const;
    // Every version of this owner, newest first.
    std::vector<Version> allVersions() const;
    // Versions at the top of the folder, made before versions were kept per
    // owner (any job sharing the folder may have made them), newest first.
    std::vector<Version> legacyVersions() const;
    // "<folder>/<owner>": where this owner's versions are.
    std::string ownFolder() const;
    // Is this top-level folder name one of an owner ("job-…", "pair-…")?
    static bool isOwnerFolderName(const std::string& name);
    // Copies a version to `targetFile` (an absolute local path) through a
    // temporary file, keeping its time.
    static Result<void> restore(const Version& v, const std::string& targetFile);
    // Applies keepCount / maxAgeDays; returns how many versions were removed.
    Result<int> applyRetention(int64_t nowNs);

    // "report 2026-11-25 101500.txt" for "report.txt".
    static std::string versionName(const std::string& name, const std::string& stamp);
    // Parses a version file name; false when it is not one.
    static bool parseVersionName(const std::string& file, std::string& original, int64_t& stampNs);

private:
    Result<void> toFolder(Backend& side, const std::string& path);
    Result<void> toTrash(Backend& side, const std::string& path);
    std::vector<Version> scan(const std::string& root, bool skipOwnerFolders) const;
    Error storeError(const std::string& path, const Error& cause) const;
    VersioningSettings m_settings;
    std::string m_stamp;
    std::mutex m_mutex; // serialises name picking
};

} // namespace ferry
