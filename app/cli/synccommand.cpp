#include "synccommand.h"

#include "backend/location.h"
#include "cliargs.h"
#include "clioutput.h"
#include "common/hash.h"
#include "engine/reasons.h"
#include "engine/stoptext.h"
#include "engine/syncrun.h"
#include "engine/syncsides.h"
#include "model/job.h"
#include "remoteaccess.h"
#include "secrets/credentialresolver.h"
#include "secrets/keychain.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace ferry::cli {

namespace {

CancelToken* g_cancel = nullptr;

void onSignal(int)
{
    if (g_cancel)
        g_cancel->cancel();
}

QString q(const std::string& s) { return QString::fromStdString(s); }

std::string human(int64_t bytes)
{
    const char* units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

std::string direction(const Action& a)
{
    switch (a.op) {
    case Op::Copy: return a.target == Side::Right ? "copy left → right" : "copy right → left";
    case Op::Delete: return a.target == Side::Right ? "delete right" : "delete left";
    case Op::Rename: return a.target == Side::Right ? "rename right" : "rename left";
    case Op::SetTime: return a.target == Side::Right ? "set time right" : "set time left";
    case Op::RecordBase: return "in sync";
    case Op::ForgetBase: return "forget";
    case Op::Conflict: return std::string("conflict (") + resolutionName(a.resolution) + ")";
    }
    return "?";
}

std::string counterKey(const Action& a)
{
    const char* side = a.target == Side::Right ? "right" : "left";
    switch (a.op) {
    case Op::Copy: return a.target == Side::Right ? "copy_left_to_right" : "copy_right_to_left";
    case Op::Delete: return std::string("delete_") + side;
    case Op::Rename: return std::string("rename_") + side;
    case Op::SetTime: return std::string("set_time_") + side;
    case Op::RecordBase: return "record";
    case Op::ForgetBase: return "forget";
    case Op::Conflict: return "conflicts";
    }
    return "other";
}

const char* itemState(const SyncReport& r, size_t i)
{
    if (!r.executed)
        return r.plan.actions[i].excluded ? "excluded" : "planned";
    switch (r.execution.items[i].state) {
    case ItemResult::State::Done: return "done";
    case ItemResult::State::Failed: return "failed";
    case ItemResult::State::Skipped: return "excluded";
    case ItemResult::State::NotRun: return "not-run";
    }
    return "?";
}

// Does action i count as done in the summary? Planned ones do in a dry
// run (they are what the plan would do); in a real run only those carried
// out: a failed or not-run action is counted apart, never as done.
bool countsAsDone(const SyncReport& r, size_t i)
{
    return !r.executed || r.execution.items[i].state == ItemResult::State::Done;
}

int countDone(const SyncReport& r, Op op, Side side)
{
    int n = 0;
    for (size_t i = 0; i < r.plan.actions.size(); ++i) {
        const Action& a = r.plan.actions[i];
        n += a.op == op && a.target == side && !a.excluded && countsAsDone(r, i);
    }
    return n;
}

int countState(const SyncReport& r, ItemResult::State state)
{
    int n = 0;
    for (size_t i = 0; r.executed && i < r.execution.items.size(); ++i)
        n += r.execution.items[i].state == state && !r.plan.actions[i].excluded;
    return n;
}

QJsonObject toJson(const SyncArgs& args, const std::string& left, const std::string& right, const SyncReport& r,
                   double secs)
{
    QJsonObject o;
    o["ferry"] = QStringLiteral(FERRY_VERSION);
    o["mode"] = modeName(args.options.mode);
    o["left"] = q(left);
    o["right"] = q(right);
    o["dry_run"] = args.options.dryRun;
    o["exit_code"] = int(r.exit);
    o["status"] = q(exitCodeName(r.exit));
    o["seconds"] = secs;
    QJsonObject counts;
    for (const char* k : {"copy_left_to_right", "copy_right_to_left", "delete_left", "delete_right", "rename_left",
                          "rename_right", "set_time_left", "set_time_right", "record", "forget", "conflicts"})
        counts[k] = 0;
    QJsonArray actions, conflicts, errors;
    int64_t failed = 0;
    for (size_t i = 0; i < r.plan.actions.size(); ++i) {
        const Action& a = r.plan.actions[i];
        std::string key = counterKey(a);
        if (countsAsDone(r, i))
            counts[q(key)] = counts[q(key)].toInt() + 1;
        QJsonObject ja;
        ja["op"] = opName(a.op);
        ja["target"] = sideName(a.target);
        ja["path"] = q(a.path);
        if (!a.fromPath().empty())
            ja["from"] = q(a.fromPath());
        ja["kind"] = kindName(a.kind);
        ja["rule"] = q(std::string(a.rule));
        ja["reason"] = q(reasonFor(a));
        ja["bytes"] = double(a.bytes());
        ja["result"] = itemState(r, i);
        if (r.executed && r.execution.errorOf(i)) {
            ja["error"] = q(r.execution.errorOf(i)->message());
            failed += r.execution.items[i].state == ItemResult::State::Failed;
        }
        if (a.op == Op::Conflict) {
            QJsonObject jc;
            jc["path"] = q(a.path);
            jc["rule"] = q(std::string(a.rule));
            jc["reason"] = q(reasonFor(a));
            jc["resolution"] = resolutionName(a.resolution);
            if (!a.conflictName().empty())
                jc["conflict_copy"] = q(a.conflictName());
            conflicts.append(jc);
            ja["resolution"] = resolutionName(a.resolution);
        }
        actions.append(ja);
    }
    counts["conflicts_pending"] = r.pendingConflicts;
    counts["conflicts_resolved"] = counts["conflicts"].toInt() - r.pendingConflicts;
    counts["errors"] = int(r.errors.size());
    counts["failed"] = countState(r, ItemResult::State::Failed);
    counts["not_run"] = countState(r, ItemResult::State::NotRun);
    o["counts"] = counts;
    o["bytes"] = double(r.executed ? r.execution.bytesCopied : r.plan.bytesToCopy());
    o["actions"] = actions;
    o["conflicts"] = conflicts;
    for (const Error& e : r.errors) {
        QJsonObject je;
        je["path"] = q(e.path);
        je["operation"] = q(e.operation);
        je["message"] = q(e.message());
        je["next_step"] = q(e.nextStep);
        errors.append(je);
    }
    o["errors"] = errors;
    if (r.stop)
        o["stopped_by"] = q(stopSentence(*r.stop));
    if (!r.fatalMessage.empty())
        o["message"] = q(r.fatalMessage);
    QJsonArray warnings;
    for (const std::string& w : r.warnings)
        warnings.append(q(w));
    o["warnings"] = warnings;
    return o;
}

} // namespace

void printProgress(const Progress& p)
{
    char line[512];
    int pct = p.bytesTotal > 0 ? int(100.0 * double(p.bytesDone) / double(p.bytesTotal))
                               : (p.itemsTotal ? int(100 * p.itemsDone / p.itemsTotal) : 100);
    std::string eta = p.etaSeconds >= 0 ? std::to_string(p.etaSeconds / 60) + ":" +
                                              (p.etaSeconds % 60 < 10 ? "0" : "") + std::to_string(p.etaSeconds % 60)
                                        : "--:--";
    std::string path = p.currentPath.size() > 40 ? "…" + p.currentPath.substr(p.currentPath.size() - 39) : p.currentPath;
    std::snprintf(line, sizeof line, "\r\033[K%3d%%  %lld/%lld items  %s/s  ETA %s  %s", std::min(pct, 100),
                  static_cast<long long>(p.itemsDone), static_cast<long long>(p.itemsTotal),
                  human(int64_t(p.bytesPerSecond)).c_str(), eta.c_str(), path.c_str());
    std::fputs(line, stderr);
    std::fflush(stderr);
}

namespace {

// The pair's key: names its default state file and its subfolder of a
// versions folder it may share with jobs and other pairs.
std::string pairKey(const Location& left, const Location& right)
{
    return hashBytes(left.toString() + "\n" + right.toString()).hex().substr(0, 20);
}

// The pair as a job, for its password: named by its remote side's URL, which
// is its key in the keychain (SecretStore::keyForJob: "job:sftp://me@nas/srv").
// Both sides local: an empty job (no password, nothing asked).
Job pairJob(const Location& left, const Location& right, const SyncArgs& args)
{
    Job pair;
    if (left.isLocal() && right.isLocal())
        return pair;
    pair.name = (left.isLocal() ? right : left).toString();
    pair.left = left.toString();
    pair.right = right.toString();
    pair.passwordEnv = args.passwordEnv;
    pair.identityFile = args.identityFile;
    return pair;
}

std::string defaultStatePath(const Location& left, const Location& right)
{
    QString dir = qEnvironmentVariable("FERRY_DATA_DIR");
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return (dir + "/state/" + q(pairKey(left, right)) + ".db").toStdString();
}

} // namespace

void printHuman(const SyncArgs& args, const SyncReport& r, double secs)
{
    if (!r.fatalMessage.empty()) {
        std::fprintf(stderr, "ferry-cli: %s\n", r.fatalMessage.c_str());
        return;
    }
    if (r.stop) {
        std::fprintf(stderr, "ferry-cli: %s\n", stopSentence(*r.stop).c_str());
        return;
    }
    const bool listAll = !args.json && (args.options.dryRun || args.verbose);
    if (listAll) {
        for (size_t i = 0; i < r.plan.actions.size(); ++i) {
            const Action& a = r.plan.actions[i];
            if (a.op == Op::RecordBase && !args.verbose)
                continue;
            std::string what = direction(a);
            std::string path = a.op == Op::Rename ? a.fromPath() + " → " + a.path : a.path;
            std::printf("%-20s %s\n    why: %s\n", what.c_str(), path.c_str(), reasonFor(a).c_str());
            if (r.executed && r.execution.items[i].state == ItemResult::State::Failed)
                std::printf("    failed: %s\n", r.execution.errorOf(i)->message().c_str());
        }
        std::fflush(stdout);
    }
    for (const Error& e : r.errors)
        std::fprintf(stderr, "error: %s\n", e.message().c_str());
    for (const std::string& w : r.warnings)
        std::fprintf(stderr, "warning: %s\n", w.c_str());
    if (args.quiet && r.exit == ExitCode::InSync)
        return;
    int deletes = countDone(r, Op::Delete, Side::Left) + countDone(r, Op::Delete, Side::Right);
    int renames = countDone(r, Op::Rename, Side::Left) + countDone(r, Op::Rename, Side::Right);
    int conflicts = countDone(r, Op::Conflict, Side::Left) + countDone(r, Op::Conflict, Side::Right);
    const int failed = countState(r, ItemResult::State::Failed), notRun = countState(r, ItemResult::State::NotRun);
    std::string apart;
    if (failed)
        apart += ", " + std::to_string(failed) + " failed";
    if (notRun)
        apart += ", " + std::to_string(notRun) + " not run";
    std::fprintf(stderr, "%s: %d to right, %d to left, %d deleted, %d renamed, %d conflict(s) (%d pending), %s%s%s\n",
                 args.options.dryRun ? "plan" : "done", countDone(r, Op::Copy, Side::Right),
                 countDone(r, Op::Copy, Side::Left), deletes, renames, conflicts, r.pendingConflicts,
                 human(r.executed ? r.execution.bytesCopied : r.plan.bytesToCopy()).c_str(),
                 args.options.dryRun ? " to copy (dry run: nothing was changed)" : " copied", apart.c_str());
    switch (r.exit) {
    case ExitCode::InSync:
        std::fprintf(stderr, args.options.dryRun ? "dry run finished in %.1f s\n" : "in sync (%.1f s)\n", secs);
        break;
    case ExitCode::Errors:
        std::fprintf(stderr, "finished with %zu error(s) in %.1f s: fix them as shown above and run again\n",
                     r.errors.size(), secs);
        break;
    case ExitCode::Conflicts:
        std::fprintf(stderr, "%d conflict(s) left unresolved: choose a --conflict policy or resolve them by hand, "
                             "then run again\n", r.pendingConflicts);
        break;
    default: break;
    }
}

void printReport(const SyncArgs& args, const std::string& left, const std::string& right, const SyncReport& report,
                 double secs, const QJsonObject& extra)
{
    if (args.json) {
        SyncArgs quietArgs = args;
        quietArgs.quiet = true;
        printHuman(quietArgs, report, secs);
        QJsonObject o = toJson(args, left, right, report, secs);
        for (auto it = extra.begin(); it != extra.end(); ++it)
            o[it.key()] = it.value();
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    } else {
        printHuman(args, report, secs);
    }
}

void setCancelTarget(CancelToken* token)
{
    g_cancel = token;
    if (token) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
}

int runSync(const std::vector<std::string>& argv)
{
    SyncArgs args;
    if (auto err = parseSyncArgs(argv, args)) {
        std::fprintf(stderr, "ferry-cli sync: %s\n", err->c_str());
        if (args.json)
            std::printf("{\"exit_code\":2,\"status\":\"usage\",\"message\":%s}\n",
                        QJsonDocument(QJsonArray{q(*err)}).toJson(QJsonDocument::Compact).mid(1).chopped(1).constData());
        return 2;
    }
    const std::string cwd = QDir::currentPath().toStdString();
    auto usage = [&](const std::string& msg) {
        std::fprintf(stderr, "ferry-cli sync: %s\n", msg.c_str());
        if (args.json) {
            QJsonObject o{{"exit_code", 2}, {"status", "usage"}, {"message", q(msg)}};
            std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        }
        return 2;
    };
    auto left = Location::parse(args.left, cwd);
    if (!left)
        return usage("LEFT: " + left.error().message());
    auto right = Location::parse(args.right, cwd);
    if (!right)
        return usage("RIGHT: " + right.error().message());
    if (*left == *right)
        return usage("LEFT and RIGHT are the same place");
    if (left->isLocal() && right->isLocal()) {
        // Compare the real folders, so a symlinked path cannot hide a nesting.
        auto canonical = [](const std::string& p) {
            QString c = QFileInfo(QString::fromStdString(p)).canonicalFilePath();
            return c.isEmpty() ? p : c.toStdString();
        };
        const std::string a = canonical(left->path);
        const std::string b = canonical(right->path);
        if (a == b)
            return usage("LEFT and RIGHT are the same folder ('" + a + "')");
        auto inside = [](const std::string& x, const std::string& y) {
            return x.size() > y.size() && x.compare(0, y.size(), y) == 0 && (y == "/" || x[y.size()] == '/');
        };
        if (inside(a, b) || inside(b, a))
            return usage("one folder lies inside the other ('" + a + "', '" + b +
                         "'); a sync would copy it into itself. Pick two separate folders");
    }
    if (args.options.versioning.mode == VersioningSettings::Mode::Folder) {
        if (!args.options.versioning.folder.empty()) {
            auto v = Location::parse(args.options.versioning.folder, cwd);
            if (!v || !v->isLocal())
                return usage("--versioning needs a local folder, 'trash' or 'none'");
            args.options.versioning.folder = v->path;
        }
        args.options.versioning.owner = "pair-" + pairKey(*left, *right);
        if (auto problem = versioningSideProblem(left->toString(), right->toString(), args.options.mode,
                                                 args.options.versioning))
            return usage(problem->detail + ". " + problem->nextStep);
    }
    if (args.options.statePath.empty() && args.options.mode == SyncMode::TwoWay)
        args.options.statePath = defaultStatePath(*left, *right);
    else if (!args.options.statePath.empty() && args.options.statePath[0] != '/')
        args.options.statePath = cwd + "/" + args.options.statePath;

    // A remote side: its password from --password-env (or FERRY_PASSWORD) or
    // the keychain under the pair's name, else a prompt on a terminal only if
    // the server asks; a new host key accepted, asked or refused.
    const Job pair = pairJob(*left, *right, args);
    if (args.savePassword) {
        if (pair.left.empty())
            return usage("--save-password is for a remote side (sftp://, ftp://); both sides are local folders");
        if (auto e = savePasswordFor(pair, "'" + pair.name + "'"))
            return usage(*e);
    }
    auto hostKeys = std::make_shared<HostKeyLog>();
    CliAccessOptions accessOptions;
    accessOptions.acceptNewHostKey = args.acceptNewHostKey;
    accessOptions.noPasswordMessage =
        "'" + pair.name + "' needs a password, and there is none: $" + CredentialResolver::variableOf(pair) +
        " is not set, no keychain holds one, and there is no terminal to ask on. Set the variable (--password-env "
        "NAME names another), save it with --save-password, or run from a terminal";
    const RemoteAccess access = pair.left.empty() ? RemoteAccess{} : cliAccess(pair, accessOptions, hostKeys);
    notePasswordSource(access);
    auto opened = openSyncRun(*left, *right, access, args.options);
    if (!opened) {
        const int code = exitCodeForOpenError(opened.error());
        // A changed host key is a safety stop, worded as every stop is.
        const std::string message =
            opened.error().code == Error::Code::HostKeyChanged
                ? stopSentence(hostKeyChangedStop(opened.error(), *left, *right, args.options.mode))
                : opened.error().message();
        std::fprintf(stderr, "ferry-cli sync: %s\n", message.c_str());
        const QJsonObject hostKey = reportHostKey(*hostKeys); // then what to do about a new key
        if (args.json) {
            QJsonObject o{{"exit_code", code}, {"status", q(exitCodeName(ExitCode(code)))},
                          {"message", q(message)}};
            if (opened.error().code == Error::Code::HostKeyChanged)
                o["stopped_by"] = q(message);
            if (!hostKey.isEmpty())
                o["host_key"] = hostKey;
            std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
        }
        return code;
    }
    const auto start = std::chrono::steady_clock::now();
    SyncRun& run = **opened;
    CancelToken cancel = run.cancelToken();
    setCancelTarget(&cancel);
    const bool live = !args.quiet && ::isatty(2);
    if (live)
        std::fputs("scanning…", stderr);
    const SyncReport& report = run.run([&](const Progress& p) {
        if (live)
            printProgress(p);
    });
    if (live)
        std::fputs("\r\033[K", stderr);
    setCancelTarget(nullptr);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QJsonObject extra;
    if (const QJsonObject hostKey = reportHostKey(*hostKeys); !hostKey.isEmpty())
        extra["host_key"] = hostKey;
    printReport(args, left->toString(), right->toString(), report, secs, extra);
    return int(report.exit);
}

} // namespace ferry::cli
