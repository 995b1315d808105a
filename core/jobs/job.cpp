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

// Every setting a job file may hold: a misspelt one must not be dropped
// silently (the job would quietly run without it).
Result<void> checkKnownSettings(const QJsonObject& o)
{
    static const std::set<QString> known = {"name", "left", "right", "mode", "conflict", "compare", "exclude",
                                            "include", "min_size_bytes", "max_size_bytes", "min_age_s",
                                            "max_age_s", "versioning", "versions_keep", "versions_max_age_days",
                                            "max_delete_percent", "time_tolerance_s", "ignore_dst_shift",
                                            "password_env", "ssh_key", "server_versions", "schedule",
                                            "ferry_job_format"};
    for (auto it = o.begin(); it != o.end(); ++it)
        if (!known.count(it.key()))
            return badSetting("job file", "unknown setting '" + it.key().toStdString() + "'",
                              "Remove it or fix its spelling; known settings: name, left, right, mode, conflict, "
                              "compare, exclude, include, min_size_bytes, max_size_bytes, min_age_s, max_age_s, versioning, versions_keep, versions_max_age_days, "
                              "max_delete_percent, time_tolerance_s, ignore_dst_shift, password_env, ssh_key, server_versions, "
                              "schedule");
    return Ok{};
}

// Typed reads of one setting of a job file. An absent setting leaves `out`
// as it was (its default), unless it is required; a value of the wrong type
// is an error that names the setting.
Result<void> readString(const QJsonObject& o, const char* key, std::string& out, bool required)
{
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
}

Result<void> readInt(const QJsonObject& o, const char* key, int& out)
{
    QJsonValue v = o.value(key);
    if (v.isUndefined())
        return Ok{};
    if (!v.isDouble() || v.toDouble() != double(int(v.toDouble())))
        return badSetting("job file", std::string("'") + key + "' must be a whole number",
                          "Fix the value and import again");
    out = int(v.toDouble());
    return Ok{};
}

// Up to 9e15: beyond that a JSON number (a double) no longer holds every
// whole number.
Result<void> readInt64(const QJsonObject& o, const char* key, int64_t& out)
{
    QJsonValue v = o.value(key);
    if (v.isUndefined())
        return Ok{};
    if (!v.isDouble() || v.toDouble() != double(int64_t(v.toDouble())) || v.toDouble() > 9.0e15)
        return badSetting("job file", std::string("'") + key + "' must be a whole number",
                          "Fix the value and import again");
    out = int64_t(v.toDouble());
    return Ok{};
}

Result<void> readPatterns(const QJsonObject& o, const char* key, std::vector<std::string>& out)
{
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
}

// The settings a job file gives by name; they become values only once
// every setting has been read.
struct NamedSettings {
    std::string mode = "two-way", conflict = "keep-both", compare = "time-size", versioning = "none",
                schedule = "manual";
};

// Reads every setting of the file into `job` and `names`. The reads of a
// group all run; the first failure in the order listed is the one reported.
Result<void> readSettings(const QJsonObject& o, Job& job, NamedSettings& names)
{
    for (auto r : {readString(o, "name", job.name, true), readString(o, "left", job.left, true),
                   readString(o, "right", job.right, true), readString(o, "mode", names.mode, false),
                   readString(o, "conflict", names.conflict, false), readString(o, "compare", names.compare, false),
                   readString(o, "versioning", names.versioning, false),
                   readString(o, "password_env", job.passwordEnv, false),
                   readString(o, "ssh_key", job.identityFile, false),
                   readString(o, "server_versions", job.versioning.serverFolder, false),
                   readString(o, "schedule", names.schedule, false),
                   readInt(o, "versions_keep", job.versioning.keepCount),
                   readInt(o, "versions_max_age_days", job.versioning.maxAgeDays),
                   readInt(o, "max_delete_percent", job.maxDeletePercent),
                   readInt(o, "time_tolerance_s", job.timeToleranceSeconds)})
        if (!r)
            return r.error();
    if (QJsonValue v = o.value("ignore_dst_shift"); !v.isUndefined()) {
        if (!v.isBool())
            return badSetting("job file", "'ignore_dst_shift' must be true or false", "Fix the value and import again");
        job.ignoreDstShift = v.toBool();
    }
    for (auto r : {readPatterns(o, "exclude", job.excludes), readPatterns(o, "include", job.includes),
                   readInt64(o, "min_size_bytes", job.limits.minSize),
                   readInt64(o, "max_size_bytes", job.limits.maxSize),
                   readInt64(o, "min_age_s", job.limits.minAgeSeconds),
                   readInt64(o, "max_age_s", job.limits.maxAgeSeconds)})
        if (!r)
            return r.error();
    return Ok{};
}

// Mode, conflict policy, comparison, versioning and schedule from their names.
Result<void> applyNames(const NamedSettings& names, Job& job)
{
    auto m = parseMode(names.mode);
    if (!m)
        return m.error();
    job.mode = *m;
    auto c = parseConflictPolicy(names.conflict);
    if (!c)
        return c.error();
    job.conflict = *c;
    auto cmp = parseCompare(names.compare);
    if (!cmp)
        return cmp.error();
    job.compare = *cmp;
    setVersioningFromString(job.versioning, names.versioning);
    auto s = Schedule::parse(names.schedule);
    if (!s)
        return s.error();
    job.schedule = *s;
    return Ok{};
}

// Locations are stored in their printed (normalised) form.
Result<void> normaliseLocations(Job& job)
{
    for (std::string* side : {&job.left, &job.right}) {
        auto loc = Location::parse(*side);
        if (!loc)
            return badSetting(side == &job.left ? "left side" : "right side", loc.error().message(),
                              "Give an absolute folder path or an sftp:// or ftp:// URL");
        *side = loc->toString();
    }
    return Ok{};
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
    o["ssh_key"] = QString::fromStdString(job.identityFile);
    o["server_versions"] = QString::fromStdString(job.versioning.serverFolder);
    o["schedule"] = QString::fromStdString(job.schedule.toString());
    return o;
}

Result<Job> jobFromJson(const QJsonObject& o)
{
    if (auto r = checkKnownSettings(o); !r)
        return r.error();
    Job job;
    NamedSettings names;
    if (auto r = readSettings(o, job, names); !r)
        return r.error();
    if (auto r = applyNames(names, job); !r)
        return r.error();
    if (auto r = normaliseLocations(job); !r)
        return r.error();
    if (auto r = validateJob(job); !r)
        return r.error();
    return job;
}

} // namespace ferry
