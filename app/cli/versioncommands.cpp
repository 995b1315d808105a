#include "versioncommands.h"

#include "clioutput.h"

#include "backend/localbackend.h"
#include "backend/location.h"
#include "common/relpath.h"
#include "jobs/jobrunner.h"
#include "jobs/runlock.h"
#include "store/appdb.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimeZone>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sys/stat.h>

namespace ferry::cli {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

struct Args {
    bool json = false;
    bool dryRun = false;
    bool all = false; // restore: every versioned path, asked for explicitly
    std::vector<std::string> positional;
    std::optional<std::string> version, to;
};

int fail(const Args& a, const std::string& cmd, const std::string& message, int code = 2)
{
    return reportFailure(a.json, cmd, message, code);
}

std::optional<std::string> parse(const std::vector<std::string>& args, bool isRestore, Args& out)
{
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::optional<std::string>& into) -> std::optional<std::string> {
            if (i + 1 >= args.size())
                return "option " + a + " needs a value";
            into = args[++i];
            return std::nullopt;
        };
        if (a == "--json")
            out.json = true;
        else if (isRestore && (a == "--dry-run" || a == "-n"))
            out.dryRun = true;
        else if (isRestore && a == "--all")
            out.all = true;
        else if (isRestore && a == "--version") {
            if (auto e = value(out.version))
                return e;
        } else if (isRestore && a == "--to") {
            if (auto e = value(out.to))
                return e;
        } else if (a == "--") {
            out.positional.insert(out.positional.end(), args.begin() + long(i) + 1, args.end());
            break;
        } else if (a.size() > 1 && a[0] == '-')
            return "unknown option '" + a + "' here (see ferry-cli --help)";
        else
            out.positional.push_back(a);
    }
    return std::nullopt;
}

// The stamp in version names ("2026-11-25 101500", UTC), as versions prints it.
std::string stampText(int64_t ns)
{
    return QDateTime::fromMSecsSinceEpoch(ns / 1000000, QTimeZone::utc()).toString("yyyy-MM-dd HHmmss").toStdString();
}

std::string isoUtc(int64_t ns)
{
    return QDateTime::fromMSecsSinceEpoch(ns / 1000000, QTimeZone::utc()).toString(Qt::ISODate).toStdString();
}

// "2026-11-25 101500" (a stamp, UTC), "2026-11-25T10:15:00Z" or with an
// offset, "2026-11-25T10:15:00" (local time), "2026-11-25" (the end of that
// local day) → ns since the epoch.
std::optional<int64_t> parseWhen(const std::string& text)
{
    const QString t = q(text).trimmed();
    QDateTime d = QDateTime::fromString(t, "yyyy-MM-dd HHmmss");
    if (d.isValid()) {
        d.setTimeZone(QTimeZone::utc());
    } else {
        d = QDateTime::fromString(t, Qt::ISODate);
        if (!d.isValid()) {
            QDate day = QDate::fromString(t, "yyyy-MM-dd");
            if (!day.isValid())
                return std::nullopt;
            d = QDateTime(day, QTime(23, 59, 59, 999));
        }
    }
    return d.toMSecsSinceEpoch() * 1000000 + 999999;
}

struct Opened {
    Job job;
    std::string leftRoot;        // empty when the left side is not a local folder
    bool sharesFolder = false;   // another saved job keeps versions in the same folder
};

std::string canonical(const std::string& p)
{
    const QString c = QFileInfo(q(p)).canonicalFilePath();
    return c.isEmpty() ? p : c.toStdString();
}

// The job's own versions, and those at the top of the folder from before
// versions were kept per job when no other saved job shares the folder
// (then only this job can have made them). Legacy ones are named in `legacy`.
std::vector<Version> jobVersions(const Opened& o, const Versioner& versioner, Backend& store,
                                 std::set<std::string>& legacy)
{
    std::vector<Version> out = versioner.allVersions(store);
    if (o.sharesFolder)
        return out;
    for (Version& v : versioner.legacyVersions(store)) {
        legacy.insert(v.file);
        out.push_back(std::move(v));
    }
    return out;
}

// The job, with a message when it keeps no versions Ferry can list.
std::optional<std::string> openJob(const std::string& name, Opened& out)
{
    auto db = AppDb::open(AppDb::pathIn(AppDb::defaultDataDir()));
    if (!db)
        return db.error().message();
    auto job = (*db)->jobByName(name);
    if (!job)
        return job.error().message();
    if (!job->has_value())
        return "there is no job named '" + name + "' (see ferry-cli job list)";
    out.job = **job;
    out.job.versioning = versioningOf(out.job);
    if (auto all = (*db)->jobs(); all) {
        for (const Job& other : *all)
            out.sharesFolder = out.sharesFolder ||
                               (other.id != out.job.id && other.versioning.mode == VersioningSettings::Mode::Folder &&
                                canonical(other.versioning.folder) == canonical(out.job.versioning.folder));
    } else {
        out.sharesFolder = true; // unknown: show only what is surely this job's
    }
    switch (out.job.versioning.mode) {
    case VersioningSettings::Mode::None:
        return "versioning is off for job '" + name + "', so no replaced or deleted files were kept. Turn it on with "
               "'ferry-cli job edit " + name + " --versioning DIR' to keep them from now on";
    case VersioningSettings::Mode::Trash:
        return "job '" + name + "' puts replaced and deleted files in the system trash; restore them from your file "
               "manager's trash";
    case VersioningSettings::Mode::Folder: break;
    }
    if (auto loc = Location::parse(out.job.left); loc && loc->isLocal())
        out.leftRoot = loc->path;
    return std::nullopt;
}

// A path the user typed: relative to the job's folders, or absolute inside
// one of them. "" means every path.
std::optional<std::string> relativePath(const Job& job, std::string path, std::string& out)
{
    if (!path.empty() && path[0] == '/') {
        for (const std::string* side : {&job.left, &job.right}) {
            auto loc = Location::parse(*side);
            if (!loc || !loc->isLocal())
                continue;
            const std::string& root = loc->path;
            if (path == root) {
                path.clear();
                break;
            }
            if (relpath::isInside(path, root)) {
                path = path.substr(root.size() + 1);
                break;
            }
        }
        if (!path.empty() && path[0] == '/')
            return "'" + path + "' is not inside either folder of the job; give a path relative to them";
    }
    while (path.rfind("./", 0) == 0)
        path.erase(0, 2);
    while (!path.empty() && path.back() == '/')
        path.pop_back();
    if (path == ".")
        path.clear();
    if (!path.empty() && !relpath::isValidRelPath(path))
        return "'" + path + "' is not a path inside the job ('..', '.' and empty parts are not allowed)";
    out = path;
    return std::nullopt;
}

// The PATH of a restore: like relativePath(), but one that names the whole
// job ("", ".", "/", a root) is refused: an unset shell variable must not
// put every old version over the current files. That takes --all.
std::optional<std::string> restorePath(const Job& job, const std::string& typed, std::string& out)
{
    const bool onlyDotsAndSlashes = typed.find_first_not_of("./") == std::string::npos;
    if (!onlyDotsAndSlashes || typed.find("..") != std::string::npos) {
        if (auto e = relativePath(job, typed, out))
            return e;
        if (!out.empty())
            return std::nullopt;
    }
    return "the PATH '" + typed + "' names no single file or folder but the whole job (an empty shell variable?); "
           "nothing was restored. Give the path of a file or folder, or use 'ferry-cli restore " + job.name +
           " --all' to put back the newest version of every versioned file";
}

int64_t fileSize(const std::string& file)
{
    struct stat st;
    return ::lstat(file.c_str(), &st) == 0 ? int64_t(st.st_size) : -1;
}

// Byte for byte: a restore that would change nothing is skipped.
bool sameBytes(const std::string& a, const std::string& b)
{
    QFile fa(q(a)), fb(q(b));
    if (!fa.open(QIODevice::ReadOnly) || !fb.open(QIODevice::ReadOnly) || fa.size() != fb.size())
        return false;
    while (!fa.atEnd()) {
        const QByteArray x = fa.read(1 << 20), y = fb.read(1 << 20);
        if (x != y || x.isEmpty())
            return false;
    }
    return true;
}

// Newer first; versions stamped in the same second carry a "-2", "-3"…
// suffix in the order they were written, so the longer, then greater, name
// is the later one.
bool newer(const Version& x, const Version& y)
{
    if (x.stampNs != y.stampNs)
        return x.stampNs > y.stampNs;
    if (x.file.size() != y.file.size())
        return x.file.size() > y.file.size();
    return x.file > y.file;
}

int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

int versionsCommand(const std::vector<std::string>& args)
{
    Args a;
    if (auto e = parse(args, false, a))
        return fail(a, "versions", *e);
    if (a.positional.empty() || a.positional.size() > 2)
        return fail(a, "versions", "needs the NAME of a job and optionally a PATH");
    Opened o;
    if (auto e = openJob(a.positional[0], o))
        return fail(a, "versions", *e);
    std::string prefix;
    if (a.positional.size() == 2)
        if (auto e = relativePath(o.job, a.positional[1], prefix))
            return fail(a, "versions", *e);
    Versioner versioner(o.job.versioning, 0);
    LocalBackend store(o.job.versioning.folder); // the versions of the job's local sides
    std::vector<Version> shown;
    std::set<std::string> legacy;
    for (Version& v : jobVersions(o, versioner, store, legacy))
        if (relpath::isInside(v.relPath, prefix))
            shown.push_back(std::move(v));
    std::stable_sort(shown.begin(), shown.end(), [](const Version& x, const Version& y) {
        return x.relPath != y.relPath ? x.relPath < y.relPath : newer(x, y);
    });
    if (a.json) {
        QJsonArray list;
        for (const Version& v : shown)
            list.append(QJsonObject{{"path", q(v.relPath)}, {"stamp", q(stampText(v.stampNs))},
                                    {"time", q(isoUtc(v.stampNs))}, {"size", double(fileSize(v.file))},
                                    {"file", q(v.file)}, {"legacy", legacy.count(v.file) > 0}});
        QJsonObject out{{"exit_code", 0}, {"job", q(o.job.name)}, {"folder", q(o.job.versioning.folder)},
                        {"versions", list}};
        printJsonLine(out);
        return 0;
    }
    if (shown.empty()) {
        std::fprintf(stderr, "no versions kept%s in %s\n",
                     prefix.empty() ? "" : (" of '" + prefix + "'").c_str(), o.job.versioning.folder.c_str());
        return 0;
    }
    std::printf("%-17s %12s  %s\n", "VERSION (UTC)", "SIZE", "PATH");
    for (const Version& v : shown)
        std::printf("%-17s %12lld  %s\n", stampText(v.stampNs).c_str(), static_cast<long long>(fileSize(v.file)),
                    v.relPath.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "restore one: ferry-cli restore %s PATH [--version \"STAMP\"] [--to DIR]\n",
                 o.job.name.c_str());
    return 0;
}

namespace {

// A restore as asked for, once its arguments are checked.
struct RestoreRequest {
    Args args;
    Opened opened;
    std::string prefix;              // the PATH in the job; "" with --all
    std::optional<int64_t> notAfter; // --version: the newest version stamped at or before it
    std::string targetRoot;          // the folder the PATH is restored into
};

// The arguments of a restore, checked in the order the user would fix
// them: the options, the job, the PATH, the --version time.
std::optional<std::string> parseRestore(const std::vector<std::string>& args, RestoreRequest& out)
{
    Args& a = out.args;
    if (auto e = parse(args, true, a))
        return e;
    if (a.all ? a.positional.size() != 1 : a.positional.size() != 2)
        return a.all ? "--all restores every versioned file of the job: give only the NAME of the job with it, no "
                       "PATH"
                     : "needs the NAME of a job and the PATH of a file or folder to restore (or --all for every "
                       "versioned file)";
    if (auto e = openJob(a.positional[0], out.opened))
        return e;
    if (!a.all)
        if (auto e = restorePath(out.opened.job, a.positional[1], out.prefix))
            return e;
    if (a.version) {
        out.notAfter = parseWhen(*a.version);
        if (!out.notAfter)
            return "--version needs a time such as \"2026-11-25 101500\" (as 'ferry-cli versions' prints it, UTC), "
                   "2026-11-25T10:15:00 or 2026-11-25";
    }
    return std::nullopt;
}

// Where to: another folder, or the job's left folder (the next sync
// carries the restored files on to the right).
std::optional<std::string> restoreTarget(const Args& a, const Opened& o, std::string& out)
{
    if (a.to) {
        auto loc = Location::parse(*a.to, QDir::currentPath().toStdString());
        if (!loc || !loc->isLocal())
            return "--to needs a local folder";
        out = loc->path;
    } else if (o.leftRoot.empty()) {
        return "the job's left side is not a local folder; give --to DIR";
    } else {
        out = o.leftRoot;
    }
    return std::nullopt;
}

// The newest version of each path under the PATH, at or before --version.
std::map<std::string, Version> chooseVersions(const RestoreRequest& r, const Versioner& versioner, Backend& store)
{
    std::map<std::string, Version> chosen;
    std::set<std::string> legacy;
    for (Version& v : jobVersions(r.opened, versioner, store, legacy)) {
        if (!relpath::isInside(v.relPath, r.prefix) || (r.notAfter && v.stampNs > *r.notAfter))
            continue;
        auto it = chosen.find(v.relPath);
        if (it == chosen.end() || newer(v, it->second))
            chosen[v.relPath] = std::move(v);
    }
    return chosen;
}

// What a restore did, item by item, as the --json summary lists it.
struct RestoreResults {
    QJsonArray restored, errors;
    int done = 0, same = 0, failed = 0, replaced = 0;

    void addFailure(const std::string& path, const QString& message)
    {
        ++failed;
        errors.append(QJsonObject{{"path", q(path)}, {"message", message}});
    }
};

// Puts back one chosen version at `path` in the target, unless the file
// there already has its bytes. A dry run only says what it would do.
void restoreOne(const RestoreRequest& r, const std::string& path, const Version& v, Versioner& versioner,
                Backend& store, Backend& target, RestoreResults& results)
{
    const std::string dest = r.targetRoot + "/" + path;
    QJsonObject item{{"path", q(path)}, {"version", q(stampText(v.stampNs))}, {"to", q(dest)}};
    auto now = target.stat(path);
    if (!now)
        return results.addFailure(path, q(now.error().message()));
    if (*now && (*now)->isDir())
        return results.addFailure(path, "a folder of that name is in the way; move it or use --to DIR");
    if (*now && (*now)->kind == EntryKind::File && (*now)->size == fileSize(v.file) && sameBytes(dest, v.file)) {
        ++results.same;
        item["result"] = "already-so";
        results.restored.append(item);
        return;
    }
    if (r.args.dryRun) {
        item["result"] = *now ? "would-replace" : "would-restore";
        results.restored.append(item);
        ++results.done;
        return;
    }
    // The file now in its place is kept as a version first, so a
    // restore can itself be undone.
    if (*now) {
        if (auto kept = versioner.preserve(target, path); !kept)
            return results.addFailure(path, q(kept.error().message()));
    }
    if (auto put = Versioner::restore(store, v, target, path); !put)
        return results.addFailure(path, q(put.error().message()));
    item["result"] = *now ? "replaced" : "restored";
    results.replaced += *now ? 1 : 0;
    results.restored.append(item);
    ++results.done;
}

// The summary: one JSON object on stdout with --json, else a line per item
// on stdout and the totals and hints on stderr. Returns the exit code.
int reportRestore(const RestoreRequest& r, const RestoreResults& results)
{
    const Args& a = r.args;
    const int code = results.failed ? 1 : 0;
    if (a.json) {
        QJsonObject out{{"exit_code", code}, {"job", q(r.opened.job.name)}, {"dry_run", a.dryRun},
                        {"items", results.restored}, {"errors", results.errors}};
        printJsonLine(out);
        return code;
    }
    for (const QJsonValue& i : results.restored)
        std::printf("%-13s %s  %s\n", i["result"].toString().toUtf8().constData(),
                    i["version"].toString().toUtf8().constData(), i["path"].toString().toUtf8().constData());
    for (const QJsonValue& e : results.errors)
        std::printf("failed        %s: %s\n", e["path"].toString().toUtf8().constData(),
                    e["message"].toString().toUtf8().constData());
    std::fflush(stdout);
    std::fprintf(stderr, "%s %d file(s) into %s%s%s\n", a.dryRun ? "would restore" : "restored", results.done,
                 r.targetRoot.c_str(),
                 results.same ? (", " + std::to_string(results.same) + " already so").c_str() : "",
                 results.failed ? (", " + std::to_string(results.failed) + " failed").c_str() : "");
    if (results.replaced)
        std::fprintf(stderr, "the %d file(s) that were in the way are kept as versions\n", results.replaced);
    if (!a.dryRun && results.done && !a.to)
        std::fprintf(stderr, "the next run of '%s' carries the restored files to the other side\n",
                     r.opened.job.name.c_str());
    return code;
}

} // namespace

int restoreCommand(const std::vector<std::string>& args)
{
    RestoreRequest r;
    if (auto e = parseRestore(args, r))
        return fail(r.args, "restore", *e);
    if (auto e = restoreTarget(r.args, r.opened, r.targetRoot))
        return fail(r.args, "restore", *e);
    const Job& job = r.opened.job;
    Versioner versioner(job.versioning, nowNs());
    LocalBackend store(job.versioning.folder); // the versions of the job's local sides
    const std::map<std::string, Version> chosen = chooseVersions(r, versioner, store);
    if (chosen.empty())
        return fail(r.args, "restore",
                    "no version of '" + (r.prefix.empty() ? std::string("(everything)") : r.prefix) + "' is kept" +
                        (r.notAfter ? " from before that time" : "") + " in " + job.versioning.folder +
                        "; 'ferry-cli versions " + job.name + "' lists what there is");

    // Not while the job runs: the sync would see files change under it.
    std::unique_ptr<RunLock> lock;
    if (!r.args.dryRun) {
        auto l = RunLock::acquire(jobLockPath(AppDb::defaultDataDir(), job.id), job.name, "ferry-cli restore");
        if (!l)
            return fail(r.args, "restore", l.error().message() + " before restoring into it");
        lock = std::move(*l);
    }
    LocalBackend target(r.targetRoot);
    RestoreResults results;
    for (const auto& [path, v] : chosen)
        restoreOne(r, path, v, versioner, store, target, results);
    return reportRestore(r, results);
}

} // namespace ferry::cli
