#include "job.h"

#include "backend/location.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonValue>

#include <algorithm>
#include <cstdio>
#include <set>

namespace ferry {

namespace {

const char* kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Error badSetting(const std::string& what, const std::string& detail, const std::string& next)
{
    return Error::abortRun("check job", {}, what + ": " + detail, next);
}

bool parseClock(const std::string& s, int& minuteOfDay)
{
    int h = -1, m = -1;
    char tail = 0;
    if (std::sscanf(s.c_str(), "%d:%d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
        return false;
    minuteOfDay = h * 60 + m;
    return true;
}

} // namespace

std::string Schedule::toString() const
{
    char clock[8];
    std::snprintf(clock, sizeof clock, "%02d:%02d", minuteOfDay / 60, minuteOfDay % 60);
    switch (kind) {
    case Kind::Manual: return "manual";
    case Kind::Every15Minutes: return "every-15-min";
    case Kind::Hourly: return "hourly";
    case Kind::Daily: return std::string("daily ") + clock;
    case Kind::Weekly: return std::string("weekly ") + kWeekdays[(weekday + 6) % 7] + " " + clock;
    case Kind::OnChange: return "on-change";
    }
    return "manual";
}

std::optional<int64_t> Schedule::nextRunMs(int64_t lastRunMs, int64_t nowMs) const
{
    auto interval = [&](int64_t ms) -> int64_t {
        if (lastRunMs <= 0)
            return nowMs;
        return std::max(nowMs, lastRunMs + ms);
    };
    switch (kind) {
    case Kind::Manual:
    case Kind::OnChange: return std::nullopt;
    case Kind::Every15Minutes: return interval(15 * 60 * 1000);
    case Kind::Hourly: return interval(60 * 60 * 1000);
    case Kind::Daily:
    case Kind::Weekly: {
        // The latest slot at or before now; due now if it was missed.
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs);
        QDateTime slot(now.date(), QTime(minuteOfDay / 60, minuteOfDay % 60));
        if (kind == Kind::Weekly)
            slot = slot.addDays(-((now.date().dayOfWeek() - weekday + 7) % 7));
        if (slot > now)
            slot = slot.addDays(kind == Kind::Weekly ? -7 : -1);
        if (lastRunMs > 0 && lastRunMs < slot.toMSecsSinceEpoch())
            return nowMs; // missed
        return slot.addDays(kind == Kind::Weekly ? 7 : 1).toMSecsSinceEpoch();
    }
    }
    return std::nullopt;
}

Result<Schedule> Schedule::parse(const std::string& text)
{
    Schedule s;
    std::vector<std::string> words;
    std::string w;
    for (char c : text + " ") {
        if (c == ' ' || c == '\t') {
            if (!w.empty())
                words.push_back(w);
            w.clear();
        } else {
            w += char(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    const std::string help = "Use manual, every-15-min, hourly, daily [HH:MM], weekly [mon|tue|…|sun] [HH:MM] "
                             "or on-change";
    if (words.empty())
        return badSetting("schedule", "empty", help);
    const std::string& k = words[0];
    if (k == "manual" && words.size() == 1)
        s.kind = Kind::Manual;
    else if ((k == "every-15-min" || k == "15min" || k == "every-15-minutes") && words.size() == 1)
        s.kind = Kind::Every15Minutes;
    else if (k == "hourly" && words.size() == 1)
        s.kind = Kind::Hourly;
    else if ((k == "on-change" || k == "onchange") && words.size() == 1)
        s.kind = Kind::OnChange;
    else if (k == "daily" && words.size() <= 2) {
        s.kind = Kind::Daily;
        if (words.size() == 2 && !parseClock(words[1], s.minuteOfDay))
            return badSetting("schedule", "'" + words[1] + "' is not a time of day", "Write it as HH:MM, e.g. 02:30");
    } else if (k == "weekly" && words.size() <= 3) {
        s.kind = Kind::Weekly;
        for (size_t i = 1; i < words.size(); ++i) {
            bool day = false;
            for (int d = 0; d < 7; ++d)
                if (words[i].rfind(kWeekdays[d], 0) == 0) {
                    s.weekday = d + 1;
                    day = true;
                }
            if (!day && !parseClock(words[i], s.minuteOfDay))
                return badSetting("schedule", "'" + words[i] + "' is neither a weekday nor a time of day", help);
        }
    } else {
        return badSetting("schedule", "'" + text + "' is not a schedule Ferry knows", help);
    }
    return s;
}

const char* compareName(CompareMode c) { return c == CompareMode::Content ? "content" : "time-size"; }

Result<SyncMode> parseMode(const std::string& v)
{
    if (v == "two-way" || v == "twoway")
        return SyncMode::TwoWay;
    if (v == "mirror")
        return SyncMode::Mirror;
    if (v == "update" || v == "backup")
        return SyncMode::Update;
    return badSetting("mode", "unknown mode '" + v + "'", "Use two-way, mirror or update");
}

Result<ConflictPolicy> parseConflictPolicy(const std::string& v)
{
    if (v == "ask") return ConflictPolicy::Ask;
    if (v == "skip") return ConflictPolicy::Skip;
    if (v == "keep-both") return ConflictPolicy::KeepBoth;
    if (v == "newer") return ConflictPolicy::Newer;
    if (v == "left") return ConflictPolicy::LeftWins;
    if (v == "right") return ConflictPolicy::RightWins;
    return badSetting("conflict policy", "unknown policy '" + v + "'", "Use ask, skip, keep-both, newer, left or right");
}

Result<CompareMode> parseCompare(const std::string& v)
{
    if (v == "time-size")
        return CompareMode::TimeSize;
    if (v == "content")
        return CompareMode::Content;
    return badSetting("comparison", "unknown comparison '" + v + "'", "Use time-size or content");
}

std::string versioningToString(const VersioningSettings& v)
{
    switch (v.mode) {
    case VersioningSettings::Mode::None: return "none";
    case VersioningSettings::Mode::Trash: return "trash";
    case VersioningSettings::Mode::Folder: return v.folder;
    }
    return "none";
}

Result<void> validateJobName(const std::string& name)
{
    const std::string next = "Pick a name of 1 to 100 characters without control characters, not starting with '-'";
    if (name.empty() || name.size() > 100)
        return badSetting("job name", name.empty() ? "empty" : "longer than 100 characters", next);
    if (name[0] == '-')
        return badSetting("job name", "'" + name + "' starts with '-', which reads like an option", next);
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f)
            return badSetting("job name", "contains a control character", next);
    if (name.find_first_not_of(' ') == std::string::npos)
        return badSetting("job name", "only spaces", next);
    return Ok{};
}

Result<void> validateJob(const Job& job)
{
    if (auto r = validateJobName(job.name); !r)
        return r;
    auto left = Location::parse(job.left);
    if (!left)
        return badSetting("left side", left.error().message(), "Give a folder path or an sftp:// or ftp:// URL");
    auto right = Location::parse(job.right);
    if (!right)
        return badSetting("right side", right.error().message(), "Give a folder path or an sftp:// or ftp:// URL");
    if (*left == *right)
        return badSetting("sides", "left and right are the same place", "Pick two different folders");
    if (left->isLocal() && right->isLocal()) {
        auto inside = [](const std::string& x, const std::string& y) {
            return x.size() > y.size() && x.compare(0, y.size(), y) == 0 && (y == "/" || x[y.size()] == '/');
        };
        if (inside(left->path, right->path) || inside(right->path, left->path))
            return badSetting("sides", "one folder lies inside the other ('" + left->path + "', '" + right->path + "')",
                              "Pick two separate folders; a sync would copy a folder into itself");
    }
    if (job.maxDeletePercent < 0 || job.maxDeletePercent > 100)
        return badSetting("deletion threshold", std::to_string(job.maxDeletePercent) + " is not a percentage",
                          "Use a number from 0 to 100");
    if (job.timeToleranceSeconds < 0 || job.timeToleranceSeconds > 86400)
        return badSetting("time tolerance", std::to_string(job.timeToleranceSeconds) + " s is out of range",
                          "Use 0 to 86400 seconds (2 for FAT drives and FTP)");
    if (job.versioning.keepCount < 0 || job.versioning.maxAgeDays < 0)
        return badSetting("versioning", "negative retention", "Use 0 (no limit) or a positive number");
    if (job.versioning.mode == VersioningSettings::Mode::Folder) {
        auto v = Location::parse(job.versioning.folder);
        if (!v || !v->isLocal() || job.versioning.folder.empty() || job.versioning.folder[0] != '/')
            return badSetting("versioning", "'" + job.versioning.folder + "' is not an absolute local folder",
                              "Give an absolute folder path, 'trash' or 'none'");
    }
    if (const std::string why = job.limits.problem(); !why.empty())
        return badSetting("size and age limits", why, "Use 0 for no limit, and keep each lower bound below its upper one");
    for (const std::vector<std::string>* list : {&job.excludes, &job.includes})
        for (const std::string& p : *list)
            if (p.empty() || p.find('\0') != std::string::npos || p.find('\n') != std::string::npos)
                return badSetting("filters", "an empty or multi-line pattern", "Give one pattern per entry");
    for (char c : job.passwordEnv)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return badSetting("password variable", "'" + job.passwordEnv + "' is not an environment variable name",
                              "Use letters, digits and '_' only, e.g. FERRY_NAS_PASSWORD");
    return Ok{};
}

bool hasRemoteSide(const Job& job)
{
    for (const std::string* side : {&job.left, &job.right})
        if (auto loc = Location::parse(*side); loc && !loc->isLocal())
            return true;
    return false;
}

VersioningSettings versioningOf(const Job& job)
{
    VersioningSettings v = job.versioning;
    v.owner = job.stateKey.empty() ? "job-" + std::to_string(job.id) : job.stateKey;
    return v;
}

SyncOptions syncOptionsOf(const Job& job)
{
    SyncOptions o;
    o.mode = job.mode;
    o.conflict = job.conflict;
    o.compare = job.compare;
    o.excludes = job.excludes;
    o.includes = job.includes;
    o.limits = job.limits;
    o.versioning = versioningOf(job);
    o.maxDeletePercent = job.maxDeletePercent;
    o.toleranceNs = int64_t(job.timeToleranceSeconds) * 1000000000;
    o.ignoreDstShift = job.ignoreDstShift;
    return o;
}

QJsonObject jobToJson(const Job& job)
{
    QJsonObject o;
    o["name"] = QString::fromStdString(job.name);
    o["left"] = QString::fromStdString(job.left);
    o["right"] = QString::fromStdString(job.right);
    o["mode"] = modeName(job.mode);
    o["conflict"] = policyName(job.conflict);
    o["compare"] = compareName(job.compare);
    QJsonArray ex;
    for (const std::string& e : job.excludes)
        ex.append(QString::fromStdString(e));
    o["exclude"] = ex;
    QJsonArray in;
    for (const std::string& e : job.includes)
        in.append(QString::fromStdString(e));
    o["include"] = in;
    o["min_size_bytes"] = double(job.limits.minSize);
    o["max_size_bytes"] = double(job.limits.maxSize);
    o["min_age_s"] = double(job.limits.minAgeSeconds);
    o["max_age_s"] = double(job.limits.maxAgeSeconds);
    o["versioning"] = QString::fromStdString(versioningToString(job.versioning));
    o["versions_keep"] = job.versioning.keepCount;
    o["versions_max_age_days"] = job.versioning.maxAgeDays;
    o["max_delete_percent"] = job.maxDeletePercent;
    o["time_tolerance_s"] = job.timeToleranceSeconds;
    o["ignore_dst_shift"] = job.ignoreDstShift;
    o["password_env"] = QString::fromStdString(job.passwordEnv);
    o["schedule"] = QString::fromStdString(job.schedule.toString());
    return o;
}

Result<Job> jobFromJson(const QJsonObject& o)
{
    static const std::set<QString> known = {"name", "left", "right", "mode", "conflict", "compare", "exclude",
                                            "include", "min_size_bytes", "max_size_bytes", "min_age_s",
                                            "max_age_s", "versioning", "versions_keep", "versions_max_age_days",
                                            "max_delete_percent", "time_tolerance_s", "ignore_dst_shift",
                                            "password_env", "schedule", "ferry_job_format"};
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.count(it.key()))
            return badSetting("job file", "unknown setting '" + it.key().toStdString() + "'",
                              "Remove it or fix its spelling; known settings: name, left, right, mode, conflict, "
                              "compare, exclude, include, min_size_bytes, max_size_bytes, min_age_s, max_age_s, versioning, versions_keep, versions_max_age_days, "
                              "max_delete_percent, time_tolerance_s, ignore_dst_shift, password_env, schedule");
    auto str = [&](const char* key, std::string& out, bool required) -> Result<void> {
        QJsonValue v = o.value(key);
        if (v.isUndefined()) {
            if (required)
                return badSetting("job file", std::string("'") + key + "' is missing", "Add it and import again");
            return Ok{};
        }
        if (!v.isString())
            return badSetting("job file", std::string("'") + key + "' must be a string", "Fix the value and import again");
        out = v.toString().toStdString();
        return Ok{};
    };
    auto num = [&](const char* key, int& out) -> Result<void> {
        QJsonValue v = o.value(key);
        if (v.isUndefined())
            return Ok{};
        if (!v.isDouble() || v.toDouble() != double(int(v.toDouble())))
            return badSetting("job file", std::string("'") + key + "' must be a whole number",
                              "Fix the value and import again");
        out = int(v.toDouble());
        return Ok{};
    };
    auto num64 = [&](const char* key, int64_t& out) -> Result<void> {
        QJsonValue v = o.value(key);
        if (v.isUndefined())
            return Ok{};
        if (!v.isDouble() || v.toDouble() != double(int64_t(v.toDouble())) || v.toDouble() > 9.0e15)
            return badSetting("job file", std::string("'") + key + "' must be a whole number",
                              "Fix the value and import again");
        out = int64_t(v.toDouble());
        return Ok{};
    };
    auto list = [&](const char* key, std::vector<std::string>& out) -> Result<void> {
        QJsonValue v = o.value(key);
        if (v.isUndefined())
            return Ok{};
        if (!v.isArray())
            return badSetting("job file", std::string("'") + key + "' must be a list of patterns",
                              "Fix the value and import again");
        for (const QJsonValue& e : v.toArray()) {
            if (!e.isString())
                return badSetting("job file", std::string("'") + key + "' must hold strings",
                                  "Fix the value and import again");
            out.push_back(e.toString().toStdString());
        }
        return Ok{};
    };
    Job job;
    std::string mode = "two-way", conflict = "keep-both", compare = "time-size", versioning = "none",
                schedule = "manual";
    for (auto r : {str("name", job.name, true), str("left", job.left, true), str("right", job.right, true),
                   str("mode", mode, false), str("conflict", conflict, false), str("compare", compare, false),
                   str("versioning", versioning, false), str("password_env", job.passwordEnv, false),
                   str("schedule", schedule, false), num("versions_keep", job.versioning.keepCount),
                   num("versions_max_age_days", job.versioning.maxAgeDays),
                   num("max_delete_percent", job.maxDeletePercent),
                   num("time_tolerance_s", job.timeToleranceSeconds)})
        if (!r)
            return r.error();
    if (QJsonValue v = o.value("ignore_dst_shift"); !v.isUndefined()) {
        if (!v.isBool())
            return badSetting("job file", "'ignore_dst_shift' must be true or false", "Fix the value and import again");
        job.ignoreDstShift = v.toBool();
    }
    for (auto r : {list("exclude", job.excludes), list("include", job.includes),
                   num64("min_size_bytes", job.limits.minSize), num64("max_size_bytes", job.limits.maxSize),
                   num64("min_age_s", job.limits.minAgeSeconds), num64("max_age_s", job.limits.maxAgeSeconds)})
        if (!r)
            return r.error();
    auto m = parseMode(mode);
    if (!m)
        return m.error();
    job.mode = *m;
    auto c = parseConflictPolicy(conflict);
    if (!c)
        return c.error();
    job.conflict = *c;
    auto cmp = parseCompare(compare);
    if (!cmp)
        return cmp.error();
    job.compare = *cmp;
    if (versioning == "none")
        job.versioning.mode = VersioningSettings::Mode::None;
    else if (versioning == "trash")
        job.versioning.mode = VersioningSettings::Mode::Trash;
    else {
        job.versioning.mode = VersioningSettings::Mode::Folder;
        job.versioning.folder = versioning;
    }
    auto s = Schedule::parse(schedule);
    if (!s)
        return s.error();
    job.schedule = *s;
    // Locations are stored in their printed (normalised) form.
    for (std::string* side : {&job.left, &job.right}) {
        auto loc = Location::parse(*side);
        if (!loc)
            return badSetting(side == &job.left ? "left side" : "right side", loc.error().message(),
                              "Give an absolute folder path or an sftp:// or ftp:// URL");
        *side = loc->toString();
    }
    if (auto r = validateJob(job); !r)
        return r.error();
    return job;
}

} // namespace ferry
