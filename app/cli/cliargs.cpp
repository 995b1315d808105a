#include "cliargs.h"

#include "backend/location.h"
#include "common/timens.h"

#include <QDir>

#include <algorithm>
#include <cstdlib>

namespace ferry::cli {

bool parseInt(const std::string& s, int64_t& out)
{
    if (s.empty())
        return false;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0')
        return false;
    out = v;
    return true;
}

// ---- walking the arguments ------------------------------------------------------------

bool ArgCursor::next()
{
    if (m_started)
        ++m_index;
    m_started = true;
    if (m_index >= m_args.size())
        return false;
    const std::string& a = m_args[m_index];
    m_inline.reset();
    m_option = a;
    if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
        m_inline = a.substr(a.find('=') + 1);
        m_option = a.substr(0, a.find('='));
    }
    return true;
}

bool ArgCursor::takeValue(std::string& value)
{
    if (m_inline) {
        value = *m_inline;
        return true;
    }
    if (m_index + 1 >= m_args.size())
        return false;
    value = m_args[++m_index];
    return true;
}

std::optional<std::string> ArgCursor::needValue(std::string& value)
{
    if (!takeValue(value))
        return "option " + m_option + " needs a value";
    return std::nullopt;
}

std::vector<std::string> ArgCursor::takeRest()
{
    std::vector<std::string> rest(m_args.begin() + std::ptrdiff_t(std::min(m_index + 1, m_args.size())), m_args.end());
    m_index = m_args.size();
    return rest;
}

// ---- the job settings -----------------------------------------------------------------

std::optional<std::string> parseLimitOption(const std::string& option, const std::string& value, ItemLimits& limits)
{
    if (option == "--min-size" || option == "--max-size") {
        auto n = parseByteSize(value);
        if (!n)
            return option + " needs a size such as 500k, 10M or 2G (0 = no limit), got '" + value + "'";
        (option == "--min-size" ? limits.minSize : limits.maxSize) = *n;
        return std::nullopt;
    }
    auto d = parseDuration(value);
    if (!d)
        return option + " needs a duration such as 90s, 15m, 12h, 30d or 2w (0 = no limit), got '" + value + "'";
    (option == "--min-age" ? limits.minAgeSeconds : limits.maxAgeSeconds) = *d;
    return std::nullopt;
}

namespace {

// A refusal of an enumerated setting: `sync` names the option, `job` the setting.
template <typename T>
std::optional<std::string> pickValue(const Result<T>& parsed, SettingsDialect dialect, const std::string& syncWords,
                                     T& out)
{
    if (parsed) {
        out = parsed.value();
        return std::nullopt;
    }
    if (dialect == SettingsDialect::Sync)
        return syncWords;
    return parsed.error().detail + " (" + parsed.error().nextStep + ")";
}

// A whole number: `job` checks each setting's range, `sync` only refuses
// negative numbers (and a percentage above 100).
std::optional<std::string> pickNumber(ArgCursor& at, SettingsDialect dialect, int64_t hi, int64_t& out)
{
    std::string v;
    if (auto e = at.needValue(v))
        return e;
    const std::string& a = at.option();
    if (dialect == SettingsDialect::Sync) {
        if (!parseInt(v, out) || out < 0)
            return "option " + a + " needs a whole number, got '" + v + "'";
        if (a == "--max-delete" && out > 100)
            return std::string("--max-delete is a percentage from 0 to 100");
        return std::nullopt;
    }
    if (!parseInt(v, out) || out < 0 || out > hi)
        return "option " + a + " needs a whole number from 0 to " + std::to_string(hi) + ", got '" + v + "'";
    return std::nullopt;
}

std::optional<std::string> parseVersioning(const std::string& v, SettingsDialect dialect, VersioningSettings& out)
{
    if (v == "none") {
        out.mode = VersioningSettings::Mode::None;
    } else if (v == "trash") {
        out.mode = VersioningSettings::Mode::Trash;
    } else if (dialect == SettingsDialect::Sync) {
        // Resolved with the Locations, once they are known (runSync).
        out.mode = VersioningSettings::Mode::Folder;
        out.folder = v;
    } else {
        auto loc = Location::parse(v, QDir::currentPath().toStdString());
        if (!loc || !loc->isLocal())
            return std::string("--versioning needs a local folder, 'trash' or 'none'");
        out.mode = VersioningSettings::Mode::Folder;
        out.folder = loc->path;
    }
    return std::nullopt;
}

// Options that take a value and set one setting.
std::optional<std::optional<std::string>> parseValueSetting(ArgCursor& at, SettingsDialect dialect, SettingsArgs& out)
{
    const std::string& a = at.option();
    Job& job = out.job;
    std::string v;
    auto need = [&] { return at.needValue(v); };
    int64_t n = 0;
    if (a == "--mode") {
        if (auto e = need())
            return e;
        return pickValue(parseMode(v), dialect, "unknown --mode '" + v + "' (use two-way, mirror or update)", job.mode);
    }
    if (a == "--conflict") {
        if (auto e = need())
            return e;
        return pickValue(parseConflictPolicy(v), dialect,
                         "unknown --conflict '" + v + "' (use ask, skip, keep-both, newer, left or right)",
                         job.conflict);
    }
    if (a == "--compare") {
        if (auto e = need())
            return e;
        return pickValue(parseCompare(v), dialect, "unknown --compare '" + v + "' (use time-size or content)",
                         job.compare);
    }
    if (a == "--versioning") {
        if (auto e = need())
            return e;
        return parseVersioning(v, dialect, job.versioning);
    }
    if (a == "--versions-keep" || a == "--versions-max-age" || a == "--max-delete" || a == "--time-tolerance") {
        const int64_t hi = a == "--versions-keep" ? 1000000 : a == "--versions-max-age" ? 100000
                           : a == "--max-delete"  ? 100
                                                  : 86400;
        if (auto e = pickNumber(at, dialect, hi, n))
            return e;
        const int value = int(std::min<int64_t>(n, INT32_MAX));
        if (a == "--versions-keep")
            job.versioning.keepCount = value;
        else if (a == "--versions-max-age")
            job.versioning.maxAgeDays = value;
        else if (a == "--max-delete")
            job.maxDeletePercent = value;
        else
            job.timeToleranceSeconds = value;
        return std::optional<std::string>();
    }
    if (a == "--min-size" || a == "--max-size" || a == "--min-age" || a == "--max-age") {
        if (auto e = need())
            return e;
        return parseLimitOption(a, v, job.limits);
    }
    if (a == "--exclude" || a == "--include") {
        if (auto e = need())
            return e;
        (a == "--exclude" ? out.addExcludes : out.addIncludes).push_back(v);
        return std::optional<std::string>();
    }
    if (a == "--ssh-key") {
        if (auto e = need())
            return e;
        if (v.empty()) { // '' removes the job's key
            job.identityFile.clear();
            return std::optional<std::string>();
        }
        // Stored as an absolute path: a job runs from anywhere (the window, the scheduler).
        job.identityFile = QDir::cleanPath(QDir::current().absoluteFilePath(QString::fromStdString(v))).toStdString();
        return std::optional<std::string>();
    }
    if (a == "--server-versions") {
        if (auto e = need())
            return e;
        if (!v.empty() && v[0] != '/')
            return "--server-versions needs an absolute path on the server (such as /srv/versions), got '" + v + "'";
        job.versioning.serverFolder = v;
        if (!v.empty() && job.versioning.mode != VersioningSettings::Mode::Folder) {
            job.versioning.mode = VersioningSettings::Mode::Folder;
            job.versioning.folder.clear();
        }
        return std::optional<std::string>();
    }
    if (a == "--password-env") {
        if (auto e = need())
            return e;
        job.passwordEnv = v;
        out.passwordEnvGiven = true;
        return std::optional<std::string>();
    }
    return std::nullopt; // not one of these
}

// What only a saved job has: filter edits, a schedule, a password to keep.
std::optional<std::optional<std::string>> parseSavedJobSetting(ArgCursor& at, SettingsArgs& out)
{
    const std::string& a = at.option();
    std::string v;
    if (a == "--no-ignore-dst-shift")
        out.job.ignoreDstShift = false;
    else if (a == "--clear-excludes")
        out.clearExcludes = true;
    else if (a == "--clear-includes")
        out.clearIncludes = true;
    else if (a == "--save-password")
        out.savePassword = true;
    else if (a == "--forget-password")
        out.forgetPassword = true;
    else if (a == "--remove-exclude" || a == "--remove-include") {
        if (auto e = at.needValue(v))
            return e;
        (a == "--remove-exclude" ? out.removeExcludes : out.removeIncludes).push_back(v);
    } else if (a == "--schedule") {
        if (auto e = at.needValue(v))
            return e;
        auto s = Schedule::parse(v);
        if (!s)
            return s.error().detail + " (" + s.error().nextStep + ")";
        out.job.schedule = *s;
    } else {
        return std::nullopt;
    }
    return std::optional<std::string>();
}

} // namespace

bool parseSettingOption(ArgCursor& at, SettingsDialect dialect, SettingsArgs& out, std::optional<std::string>& error)
{
    if (at.option() == "--ignore-dst-shift") {
        out.job.ignoreDstShift = true;
        return true;
    }
    if (auto took = parseValueSetting(at, dialect, out)) {
        error = *took;
        return true;
    }
    if (dialect == SettingsDialect::Job)
        if (auto took = parseSavedJobSetting(at, out)) {
            error = *took;
            return true;
        }
    return false;
}

// ---- sync -----------------------------------------------------------------------------

namespace {

// The settings of an ad-hoc pair, as the engine takes them.
void applySettings(const SettingsArgs& s, SyncOptions& options)
{
    options.mode = s.job.mode;
    options.conflict = s.job.conflict;
    options.compare = s.job.compare;
    options.versioning = s.job.versioning;
    options.excludes = s.addExcludes;
    options.includes = s.addIncludes;
    options.limits = s.job.limits;
    options.maxDeletePercent = s.job.maxDeletePercent;
    options.toleranceNs = secondsToNs(s.job.timeToleranceSeconds);
    options.ignoreDstShift = s.job.ignoreDstShift;
}

} // namespace

std::optional<std::string> parseSyncArgs(const std::vector<std::string>& args, SyncArgs& out)
{
    std::vector<std::string> positional;
    SettingsArgs settings;
    ArgCursor at(args);
    while (at.next()) {
        const std::string& a = at.option();
        std::string v;
        std::optional<std::string> error;
        if (a == "--") {
            for (const std::string& p : at.takeRest())
                positional.push_back(p);
            break;
        } else if (parseSettingOption(at, SettingsDialect::Sync, settings, error)) {
            if (error)
                return error;
        } else if (a == "--state") {
            if (auto e = at.needValue(v)) return e;
            out.options.statePath = v;
            out.stateGiven = true;
        } else if (a == "--threads") {
            if (auto e = at.needValue(v)) return e;
            int64_t n = 0;
            if (!parseInt(v, n) || n < 0)
                return "option " + a + " needs a whole number, got '" + v + "'";
            out.options.threads = std::max<int>(1, int(std::min<int64_t>(n, 64)));
        } else if (a == "--dry-run" || a == "-n") {
            out.options.dryRun = true;
        } else if (a == "--json") {
            out.json = true;
        } else if (a == "--force-deletions") {
            out.options.forceDeletions = true;
        } else if (a == "--accept-new-host-key") {
            out.acceptNewHostKey = true;
        } else if (a == "--save-password") {
            out.savePassword = true;
        } else if (a == "--accept-new-root") {
            out.options.acceptNewRoot = true;
        } else if (a == "--verbose" || a == "-v") {
            out.verbose = true;
        } else if (a == "--quiet" || a == "-q") {
            out.quiet = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return "unknown option '" + a + "' (see ferry-cli --help; put -- before a path that starts with '-')";
        } else {
            positional.push_back(at.raw());
        }
    }
    applySettings(settings, out.options);
    if (settings.passwordEnvGiven)
        out.passwordEnv = settings.job.passwordEnv;
    out.identityFile = settings.job.identityFile;
    if (const std::string why = out.options.limits.problem(); !why.empty())
        return "--min-size/--max-size/--min-age/--max-age: " + why;
    if (positional.size() != 2)
        return "sync needs exactly two locations, LEFT and RIGHT (got " + std::to_string(positional.size()) + ")";
    out.left = positional[0];
    out.right = positional[1];
    return std::nullopt;
}

} // namespace ferry::cli
