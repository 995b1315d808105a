// The settings of a sync as plain values: what kind of sync, how conflicts
// and changes are judged, which files are in scope by size and age, and
// where replaced files are kept. The job (model/job.h), the engine and the
// stores share them; they know nothing of either. Value types.
#pragma once

#include <cstdint>
#include <string>

namespace ferry {

enum class SyncMode : uint8_t { TwoWay, Mirror, Update };
enum class ConflictPolicy : uint8_t { Ask, Skip, KeepBoth, Newer, LeftWins, RightWins };
enum class CompareMode : uint8_t { TimeSize, Content };

const char* modeName(SyncMode m);
const char* policyName(ConflictPolicy p);

// Size and age limits for files (folders and links are never limited).
// 0 means no limit. Ages count from the run's clock (`nowNs`).
struct ItemLimits {
    int64_t minSize = 0;       // bytes: smaller files are left alone
    int64_t maxSize = 0;       // bytes: larger files are left alone
    int64_t minAgeSeconds = 0; // files changed more recently are left alone (still being written)
    int64_t maxAgeSeconds = 0; // files not changed for longer are left alone
    bool active() const { return minSize > 0 || maxSize > 0 || minAgeSeconds > 0 || maxAgeSeconds > 0; }
    bool admits(int64_t size, int64_t mtimeNs, int64_t nowNs) const;
    // "size 1 KiB–10 MiB, changed 10 min–30 d ago", or "" without limits.
    std::string describe() const;
    // Why no file could pass (a negative limit, a lower bound above its upper
    // one), or "" when the limits are usable.
    std::string problem() const;
    bool operator==(const ItemLimits&) const = default;
};

struct VersioningSettings {
    enum class Mode { None, Folder, Trash };
    Mode mode = Mode::None;
    // Mode::Folder: each side keeps the versions of its files on its own
    // storage (Backend::versionsStore). A local side uses `folder`, an
    // absolute local path (on any drive); a side on a server (SFTP, FTP)
    // uses `serverFolder`, a path on that server (absolute there; empty: such
    // a side keeps no versions, and a file it would replace or delete is left
    // alone with an error). Not stored with jobs yet.
    std::string folder;
    int keepCount = 0;      // 0: no limit
    int maxAgeDays = 0;     // 0: no limit
    std::string owner;      // the subfolder of `folder` for this job or pair; empty: `folder` itself
    std::string serverFolder; // see `folder`
    bool operator==(const VersioningSettings&) const = default;
};

std::string formatByteSize(int64_t bytes);     // "10 MiB"; exact, so 1536 bytes stay "1536 B"
std::string formatDuration(int64_t seconds);   // "30d", "12h", "15m", "90s"

} // namespace ferry
