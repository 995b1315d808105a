#include "job.h"

#include "model/location.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonValue>

#include <algorithm>
#include <cstdio>
#include <set>

namespace ferry {

namespace {

Error badSetting(const std::string& what, const std::string& detail, const std::string& next)
{
    return Error::abortRun("check job", {}, what + ": " + detail, next);
}

} // namespace

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
