#include "settings.h"

#include "common/timens.h"

namespace ferry {

const char* modeName(SyncMode m)
{
    switch (m) {
    case SyncMode::TwoWay: return "two-way";
    case SyncMode::Mirror: return "mirror";
    case SyncMode::Update: return "update";
    }
    return "?";
}

const char* policyName(ConflictPolicy p)
{
    switch (p) {
    case ConflictPolicy::Ask: return "ask";
    case ConflictPolicy::Skip: return "skip";
    case ConflictPolicy::KeepBoth: return "keep-both";
    case ConflictPolicy::Newer: return "newer";
    case ConflictPolicy::LeftWins: return "left";
    case ConflictPolicy::RightWins: return "right";
    }
    return "?";
}

bool ItemLimits::admits(int64_t size, int64_t mtimeNs, int64_t nowNs) const
{
    if (minSize > 0 && size < minSize)
        return false;
    if (maxSize > 0 && size > maxSize)
        return false;
    const int64_t ageNs = saturatingSub(nowNs, mtimeNs); // negative for a time in the future: "just changed"
    if (minAgeSeconds > 0 && ageNs < secondsToNs(minAgeSeconds))
        return false;
    if (maxAgeSeconds > 0 && ageNs > secondsToNs(maxAgeSeconds))
        return false;
    return true;
}

std::string ItemLimits::describe() const
{
    std::string out;
    auto range = [](const std::string& lo, const std::string& hi, const char* below, const char* above) {
        if (!lo.empty() && !hi.empty())
            return lo + "–" + hi;
        return lo.empty() ? std::string(below) + hi : std::string(above) + lo;
    };
    if (minSize > 0 || maxSize > 0)
        out += "size " + range(minSize ? formatByteSize(minSize) : "", maxSize ? formatByteSize(maxSize) : "",
                               "up to ", "at least ");
    if (minAgeSeconds > 0 || maxAgeSeconds > 0) {
        if (!out.empty())
            out += ", ";
        out += "changed " +
               range(minAgeSeconds ? formatDuration(minAgeSeconds) : "", maxAgeSeconds ? formatDuration(maxAgeSeconds) : "",
                     "within the last ", "at least ") +
               (minAgeSeconds ? " ago" : "");
    }
    return out;
}

std::string ItemLimits::problem() const
{
    if (minSize < 0 || maxSize < 0 || minAgeSeconds < 0 || maxAgeSeconds < 0)
        return "a limit is negative";
    if (maxSize > 0 && minSize > maxSize)
        return "the smallest size (" + formatByteSize(minSize) + ") is above the largest (" + formatByteSize(maxSize) +
               "), so no file would be synced";
    if (maxAgeSeconds > 0 && minAgeSeconds > maxAgeSeconds)
        return "the youngest age (" + formatDuration(minAgeSeconds) + ") is above the oldest (" +
               formatDuration(maxAgeSeconds) + "), so no file would be synced";
    return {};
}

std::string formatByteSize(int64_t bytes)
{
    static const std::pair<int64_t, const char*> units[] = {
        {int64_t(1) << 40, "TiB"}, {int64_t(1) << 30, "GiB"}, {int64_t(1) << 20, "MiB"}, {int64_t(1) << 10, "KiB"}};
    for (auto [size, name] : units)
        if (bytes >= size && bytes % size == 0)
            return std::to_string(bytes / size) + " " + name;
    return std::to_string(bytes) + " B";
}

std::string formatDuration(int64_t seconds)
{
    static const std::pair<int64_t, const char*> units[] = {{7 * 86400, "w"}, {86400, "d"}, {3600, "h"}, {60, "m"}};
    for (auto [size, name] : units)
        if (seconds >= size && seconds % size == 0)
            return std::to_string(seconds / size) + name;
    return std::to_string(seconds) + "s";
}

} // namespace ferry
