#include "cliargs.h"

#include "common/timens.h"

#include <cstdlib>

namespace ferry::cli {

namespace {
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
} // namespace

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

std::optional<std::string> parseSyncArgs(const std::vector<std::string>& args, SyncArgs& out)
{
    std::vector<std::string> positional;
    bool modeGiven = false;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string a = args[i];
        std::string value;
        bool hasInline = false;
        if (a.rfind("--", 0) == 0 && a.find('=') != std::string::npos) {
            value = a.substr(a.find('=') + 1);
            a = a.substr(0, a.find('='));
            hasInline = true;
        }
        auto next = [&](std::string& v) -> bool {
            if (hasInline) {
                v = value;
                return true;
            }
            if (i + 1 >= args.size())
                return false;
            v = args[++i];
            return true;
        };
        auto need = [&](std::string& v) -> std::optional<std::string> {
            if (!next(v))
                return "option " + a + " needs a value";
            return std::nullopt;
        };
        std::string v;
        if (a == "--") {
            for (++i; i < args.size(); ++i)
                positional.push_back(args[i]);
            break;
        } else if (a == "--mode") {
            if (auto e = need(v)) return e;
            if (v == "two-way" || v == "twoway") out.options.mode = SyncMode::TwoWay;
            else if (v == "mirror") out.options.mode = SyncMode::Mirror;
            else if (v == "update" || v == "backup") out.options.mode = SyncMode::Update;
            else return "unknown --mode '" + v + "' (use two-way, mirror or update)";
            modeGiven = true;
        } else if (a == "--state") {
            if (auto e = need(v)) return e;
            out.options.statePath = v;
            out.stateGiven = true;
        } else if (a == "--conflict") {
            if (auto e = need(v)) return e;
            if (v == "ask") out.options.conflict = ConflictPolicy::Ask;
            else if (v == "skip") out.options.conflict = ConflictPolicy::Skip;
            else if (v == "keep-both") out.options.conflict = ConflictPolicy::KeepBoth;
            else if (v == "newer") out.options.conflict = ConflictPolicy::Newer;
            else if (v == "left") out.options.conflict = ConflictPolicy::LeftWins;
            else if (v == "right") out.options.conflict = ConflictPolicy::RightWins;
            else return "unknown --conflict '" + v + "' (use ask, skip, keep-both, newer, left or right)";
        } else if (a == "--versioning") {
            if (auto e = need(v)) return e;
            if (v == "none") out.options.versioning.mode = VersioningSettings::Mode::None;
            else if (v == "trash") out.options.versioning.mode = VersioningSettings::Mode::Trash;
            else {
                out.options.versioning.mode = VersioningSettings::Mode::Folder;
                out.options.versioning.folder = v;
            }
        } else if (a == "--versions-keep" || a == "--versions-max-age" || a == "--max-delete" ||
                   a == "--time-tolerance" || a == "--threads") {
            if (auto e = need(v)) return e;
            int64_t n = 0;
            if (!parseInt(v, n) || n < 0)
                return "option " + a + " needs a whole number, got '" + v + "'";
            if (a == "--versions-keep") out.options.versioning.keepCount = int(n);
            else if (a == "--versions-max-age") out.options.versioning.maxAgeDays = int(n);
            else if (a == "--max-delete") {
                if (n > 100) return "--max-delete is a percentage from 0 to 100";
                out.options.maxDeletePercent = int(n);
            } else if (a == "--time-tolerance") out.options.toleranceNs = secondsToNs(n);
            else out.options.threads = std::max<int>(1, int(std::min<int64_t>(n, 64)));
        } else if (a == "--exclude") {
            if (auto e = need(v)) return e;
            out.options.excludes.push_back(v);
        } else if (a == "--include") {
            if (auto e = need(v)) return e;
            out.options.includes.push_back(v);
        } else if (a == "--min-size" || a == "--max-size" || a == "--min-age" || a == "--max-age") {
            if (auto e = need(v)) return e;
            if (auto e = parseLimitOption(a, v, out.options.limits)) return e;
        } else if (a == "--compare") {
            if (auto e = need(v)) return e;
            if (v == "time-size") out.options.compare = CompareMode::TimeSize;
            else if (v == "content") out.options.compare = CompareMode::Content;
            else return "unknown --compare '" + v + "' (use time-size or content)";
        } else if (a == "--password-env") {
            if (auto e = need(v)) return e;
            out.passwordEnv = v;
        } else if (a == "--dry-run" || a == "-n") {
            out.options.dryRun = true;
        } else if (a == "--json") {
            out.json = true;
        } else if (a == "--force-deletions") {
            out.options.forceDeletions = true;
        } else if (a == "--accept-new-host-key") {
            out.acceptNewHostKey = true;
        } else if (a == "--accept-new-root") {
            out.options.acceptNewRoot = true;
        } else if (a == "--ignore-dst-shift") {
            out.options.ignoreDstShift = true;
        } else if (a == "--verbose" || a == "-v") {
            out.verbose = true;
        } else if (a == "--quiet" || a == "-q") {
            out.quiet = true;
        } else if (a.size() > 1 && a[0] == '-' && !(a.size() > 2 && a[1] != '-' && false)) {
            return "unknown option '" + a + "' (see ferry-cli --help; put -- before a path that starts with '-')";
        } else {
            positional.push_back(args[i]);
        }
    }
    (void)modeGiven;
    if (const std::string why = out.options.limits.problem(); !why.empty())
        return "--min-size/--max-size/--min-age/--max-age: " + why;
    if (positional.size() != 2)
        return "sync needs exactly two locations, LEFT and RIGHT (got " + std::to_string(positional.size()) + ")";
    out.left = positional[0];
    out.right = positional[1];
    return std::nullopt;
}

} // namespace ferry::cli
