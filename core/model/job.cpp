#include "job.h"

#include "model/location.h"

#include <QDateTime>
#include <QUuid>

#include <algorithm>
#include <cctype>
#include <cstdio>

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
    char clock[16];
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

std::string newStateKey()
{
    return "job-" + QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
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
    case VersioningSettings::Mode::Folder: return v.folder.empty() ? std::string("server") : v.folder;
    }
    return "none";
}

void setVersioningFromString(VersioningSettings& v, const std::string& text)
{
    v.folder.clear();
    if (text == "none") {
        v.mode = VersioningSettings::Mode::None;
    } else if (text == "trash") {
        v.mode = VersioningSettings::Mode::Trash;
    } else {
        v.mode = VersioningSettings::Mode::Folder;
        if (text != "server")
            v.folder = text;
    }
}

std::optional<Error> versioningSideProblem(const std::string& left, const std::string& right, SyncMode mode,
                                           const VersioningSettings& v)
{
    if (v.mode != VersioningSettings::Mode::Folder)
        return std::nullopt;
    std::vector<const std::string*> written{&right};
    if (mode == SyncMode::TwoWay)
        written.insert(written.begin(), &left);
    for (const std::string* side : written) {
        auto loc = Location::parse(*side);
        if (!loc)
            continue; // the side's own check says what is wrong with it
        const char* name = side == &left ? "left" : "right";
        if (!loc->isLocal() && v.serverFolder.empty())
            return badSetting("versioning",
                              (v.folder.empty() ? std::string("versions are kept in folders")
                                                : "the versions folder '" + v.folder +
                                                      "' is a folder on this computer: it keeps the versions of "
                                                      "local files only") +
                                  ", and the " + name + " side '" + loc->toString() +
                                  "' is on a server, which keeps the versions of its files in a folder on "
                                  "that server",
                              "Give that folder (ferry-cli: --server-versions PATH, an absolute path on the "
                              "server), or choose 'trash' or 'none'");
        if (loc->isLocal() && v.folder.empty())
            return badSetting("versioning",
                              std::string("only the server side has a versions folder, and the ") + name +
                                  " side '" + loc->path + "' is on this computer",
                              "Give it a versions folder on this computer too (ferry-cli: --versioning DIR)");
    }
    return std::nullopt;
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
    if (job.versioning.mode == VersioningSettings::Mode::Folder && !job.versioning.folder.empty()) {
        auto v = Location::parse(job.versioning.folder);
        if (!v || !v->isLocal() || job.versioning.folder[0] != '/')
            return badSetting("versioning", "'" + job.versioning.folder + "' is not an absolute local folder",
                              "Give an absolute folder path, 'trash' or 'none'");
    }
    if (const std::string& sf = job.versioning.serverFolder;
        !sf.empty() && (sf[0] != '/' || sf.find_first_of(std::string("\n\0", 2)) != std::string::npos))
        return badSetting("versions folder on the server", "'" + sf + "' is not an absolute path",
                          "Give the folder as an absolute path on the server, such as /srv/versions");
    if (auto problem = versioningSideProblem(job.left, job.right, job.mode, job.versioning))
        return *problem;
    if (!job.identityFile.empty()) {
        if (job.identityFile[0] != '/' || job.identityFile.find('\n') != std::string::npos)
            return badSetting("SSH key", "'" + job.identityFile + "' is not an absolute file path",
                              "Give the private key file's full path, such as /home/me/.ssh/id_ed25519");
        if (!hasRemoteSide(job))
            return badSetting("SSH key", "both sides are on this computer, so no key is used",
                              "Give the key only to a job with an sftp:// side");
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

} // namespace ferry
