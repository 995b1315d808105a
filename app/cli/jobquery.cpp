// ferry-cli job list | show, history, conflicts: the commands that only
// read saved jobs and their runs, as text (stdout) or one JSON object
// (--json). A run left "running" by a process that died is settled as
// interrupted first (JobOperations::settleDeadRuns). Single-threaded.
#include "jobsubcommands.h"

#include "jobcli.h"
#include "engine/reasons.h"
#include "jobs/jobrunner.h"
#include "jobs/runlock.h"

#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>
#include <optional>

namespace ferry::cli::jobcli {

namespace {

void printJobHuman(AppDb& db, const Job& job)
{
    std::printf("job:        %s\n", job.name.c_str());
    std::printf("left:       %s\n", job.left.c_str());
    std::printf("right:      %s\n", job.right.c_str());
    std::printf("mode:       %s\n", modeName(job.mode));
    std::printf("conflicts:  %s\n", policyName(job.conflict));
    std::printf("compare:    %s\n", compareName(job.compare));
    std::string ex;
    for (const std::string& e : job.excludes)
        ex += (ex.empty() ? "" : ", ") + e;
    std::printf("exclude:    %s\n", ex.empty() ? "-" : ex.c_str());
    std::string in;
    for (const std::string& e : job.includes)
        in += (in.empty() ? "" : ", ") + e;
    std::printf("include:    %s\n", in.empty() ? "everything" : in.c_str());
    const std::string limits = job.limits.describe();
    std::printf("limits:     %s\n", limits.empty() ? "-" : limits.c_str());
    std::string ver = versioningToString(job.versioning);
    if (job.versioning.mode == VersioningSettings::Mode::Folder && !job.versioning.serverFolder.empty())
        ver = (job.versioning.folder.empty() ? std::string() : job.versioning.folder + " (on this computer), ") +
              job.versioning.serverFolder + " (on the server)";
    if (job.versioning.mode != VersioningSettings::Mode::None) {
        if (job.versioning.keepCount)
            ver += ", keep " + std::to_string(job.versioning.keepCount);
        if (job.versioning.maxAgeDays)
            ver += ", at most " + std::to_string(job.versioning.maxAgeDays) + " days";
    }
    std::printf("versioning: %s\n", ver.c_str());
    std::printf("safety:     stop when a run deletes more than %d%% of a side\n", job.maxDeletePercent);
    if (job.timeToleranceSeconds || job.ignoreDstShift)
        std::printf("times:      tolerance %d s%s\n", job.timeToleranceSeconds,
                    job.ignoreDstShift ? ", one-hour DST shifts ignored" : "");
    std::printf("schedule:   %s\n", job.schedule.toString().c_str());
    std::printf("password:   %s\n", passwordSource(job, hasRemoteSide(job)).c_str());
    if (!job.identityFile.empty())
        std::printf("ssh key:    %s\n", job.identityFile.c_str());
    if (auto holder = RunLock::heldBy(jobLockPath(dataDir(), job.id)))
        std::printf("running:    now (%s)\n", holder->c_str());
    auto last = lastRun(db, job.id);
    if (last)
        std::printf("last run:   %s, %s (run %lld; 'ferry-cli history %s')\n", when(last->startedMs).c_str(),
                    outcomeName(shownOutcome(*last)), static_cast<long long>(last->id), job.name.c_str());
    else
        std::printf("last run:   never ('ferry-cli run %s')\n", job.name.c_str());
}

QJsonObject runJson(const RunRecord& r)
{
    QJsonObject o;
    o["id"] = double(r.id);
    o["job"] = q(r.jobName);
    o["job_exists"] = r.jobId != 0;
    o["trigger"] = triggerName(r.trigger);
    o["started"] = q(isoTime(r.startedMs));
    o["ended"] = r.endedMs ? QJsonValue(q(isoTime(r.endedMs))) : QJsonValue(QJsonValue::Null);
    o["seconds"] = r.endedMs ? QJsonValue(double(r.endedMs - r.startedMs) / 1000.0) : QJsonValue(QJsonValue::Null);
    o["outcome"] = outcomeName(shownOutcome(r));
    o["exit_code"] = r.exitCode;
    o["pid"] = double(r.pid);
    o["host"] = q(r.host);
    QJsonObject counts;
    counts["copy_left_to_right"] = double(r.counts.copiedToRight);
    counts["copy_right_to_left"] = double(r.counts.copiedToLeft);
    counts["delete_right"] = double(r.counts.deletedRight);
    counts["delete_left"] = double(r.counts.deletedLeft);
    counts["renamed"] = double(r.counts.renamed);
    counts["set_time"] = double(r.counts.timesFixed);
    counts["conflicts"] = double(r.counts.conflicts);
    counts["conflicts_pending"] = double(r.counts.conflictsPending);
    counts["errors"] = double(r.counts.errors);
    o["counts"] = counts;
    o["bytes"] = double(r.counts.bytes);
    o["message"] = q(r.message);
    return o;
}

std::string duration(const RunRecord& r)
{
    if (!r.endedMs)
        return "-";
    const double s = double(r.endedMs - r.startedMs) / 1000.0;
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%.1f s", s);
    else
        std::snprintf(buf, sizeof buf, "%d min %02d s", int(s) / 60, int(s) % 60);
    return buf;
}

} // namespace

int jobList(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{}, ja, c))
        return fail(c, "job list", *e);
    if (!ja.positional.empty())
        return fail(c, "job list", "takes no arguments");
    int code = 0;
    auto db = openDb(c, "job list", code);
    if (!db)
        return code;
    settleDeadRuns(*db);
    auto jobs = db->jobs();
    if (!jobs)
        return fail(c, "job list", jobs.error().message());
    if (c.json) {
        QJsonArray a;
        for (const Job& j : *jobs)
            a.append(jobJson(*db, j));
        printJson(QJsonObject{{"exit_code", 0}, {"jobs", a}});
        return 0;
    }
    if (jobs->empty()) {
        std::fprintf(stderr, "no saved jobs yet: add one with 'ferry-cli job add NAME LEFT RIGHT --mode two-way'\n");
        return 0;
    }
    std::printf("%-20s %-8s %-19s %-12s %-16s %s\n", "NAME", "MODE", "LAST RUN", "OUTCOME", "SCHEDULE", "LEFT ⇄ RIGHT");
    for (const Job& j : *jobs) {
        auto last = lastRun(*db, j.id);
        std::string outcome = last ? outcomeName(shownOutcome(*last)) : "never run";
        if (RunLock::heldBy(jobLockPath(dataDir(), j.id)))
            outcome = "running";
        std::printf("%-20s %-8s %-19s %-12s %-16s %s ⇄ %s\n", j.name.c_str(), modeName(j.mode),
                    last ? when(last->startedMs).c_str() : "-", outcome.c_str(), j.schedule.toString().c_str(),
                    j.left.c_str(), j.right.c_str());
    }
    return 0;
}

int jobShow(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{}, ja, c))
        return fail(c, "job show", *e);
    if (ja.positional.size() != 1)
        return fail(c, "job show", "needs the NAME of one job");
    int code = 0;
    auto db = openDb(c, "job show", code);
    if (!db)
        return code;
    settleDeadRuns(*db);
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "job show", job.error().message());
    if (c.json) {
        QJsonObject o = jobJson(*db, *job);
        o["password"] = q(passwordSource(*job, hasRemoteSide(*job)));
        printJson(QJsonObject{{"exit_code", 0}, {"job", o}});
    } else {
        printJobHuman(*db, *job);
    }
    return 0;
}

int history(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{.history = true}, ja, c))
        return fail(c, "history", *e);
    if (ja.positional.size() > 1)
        return fail(c, "history", "takes at most one JOB name");
    int code = 0;
    auto db = openDb(c, "history", code);
    if (!db)
        return code;
    settleDeadRuns(*db);
    if (ja.runId) {
        auto run = db->run(*ja.runId);
        if (!run)
            return fail(c, "history", run.error().message());
        if (!*run)
            return fail(c, "history", "there is no run " + std::to_string(*ja.runId) + " in the history");
        auto items = db->runItems(*ja.runId, int(ja.limit < 1000 ? 100000 : ja.limit));
        if (!items)
            return fail(c, "history", items.error().message());
        if (c.json) {
            QJsonObject o = runJson(**run);
            QJsonArray a;
            for (const RunItemRecord& it : *items)
                a.append(QJsonObject{{"path", q(it.path)}, {"action", q(it.action)}, {"result", q(it.result)},
                                     {"bytes", double(it.bytes)},
                                     {"detail", q(historyDetail(it.action, it.detail, it.reason))}});
            o["items"] = a;
            printJson(QJsonObject{{"exit_code", 0}, {"run", o}});
        } else {
            const RunRecord& r = **run;
            std::printf("run %lld of '%s' (%s), %s, %s, %s\n", static_cast<long long>(r.id), r.jobName.c_str(),
                        triggerName(r.trigger), when(r.startedMs).c_str(), duration(r).c_str(),
                        outcomeName(shownOutcome(r)));
            if (!r.message.empty())
                std::printf("  %s\n", r.message.c_str());
            for (const RunItemRecord& it : *items) {
                const std::string detail = historyDetail(it.action, it.detail, it.reason);
                std::printf("  %-8s %-15s %s%s%s\n", it.result.c_str(), it.action.c_str(), it.path.c_str(),
                            detail.empty() ? "" : "\n           ", detail.c_str());
            }
            if (items->empty())
                std::printf("  (no items recorded)\n");
        }
        return 0;
    }
    std::optional<int64_t> jobId;
    if (!ja.positional.empty()) {
        auto job = findJob(*db, ja.positional[0]);
        if (!job) {
            // A removed job's runs are still in the history, by name.
            auto all = db->runs(std::nullopt, 1000000);
            bool known = false;
            if (all)
                for (const RunRecord& r : *all)
                    known = known || r.jobName == ja.positional[0];
            if (!known)
                return fail(c, "history", job.error().message());
        } else {
            jobId = job->id;
        }
    }
    auto outcome = ja.outcome ? parseOutcome(*ja.outcome) : std::nullopt;
    auto runs = db->runs(jobId, jobId || ja.positional.empty() ? int(ja.limit) : 1000000, outcome);
    if (!runs)
        return fail(c, "history", runs.error().message());
    std::vector<RunRecord> shown;
    for (const RunRecord& r : *runs) {
        if (!jobId && !ja.positional.empty() && r.jobName != ja.positional[0])
            continue;
        if (int64_t(shown.size()) >= ja.limit)
            break;
        shown.push_back(r);
    }
    if (c.json) {
        QJsonArray a;
        for (const RunRecord& r : shown)
            a.append(runJson(r));
        printJson(QJsonObject{{"exit_code", 0}, {"runs", a}});
        return 0;
    }
    if (shown.empty()) {
        std::fprintf(stderr, "no runs recorded yet%s\n", ja.positional.empty() ? "" : " for this job");
        return 0;
    }
    std::printf("%-6s %-19s %-18s %-9s %-12s %-10s %s\n", "RUN", "STARTED", "JOB", "TRIGGER", "OUTCOME", "TOOK",
                "WHAT");
    for (const RunRecord& r : shown) {
        char what[160];
        std::snprintf(what, sizeof what, "→%lld ←%lld ✕%lld ↻%lld, %lld conflict(s), %lld error(s), %lld bytes",
                      static_cast<long long>(r.counts.copiedToRight), static_cast<long long>(r.counts.copiedToLeft),
                      static_cast<long long>(r.counts.deletedLeft + r.counts.deletedRight),
                      static_cast<long long>(r.counts.renamed), static_cast<long long>(r.counts.conflicts),
                      static_cast<long long>(r.counts.errors), static_cast<long long>(r.counts.bytes));
        std::printf("%-6lld %-19s %-18s %-9s %-12s %-10s %s\n", static_cast<long long>(r.id), when(r.startedMs).c_str(),
                    r.jobName.c_str(), triggerName(r.trigger), outcomeName(shownOutcome(r)), duration(r).c_str(), what);
    }
    std::fflush(stdout);
    std::fprintf(stderr, "details of one run: ferry-cli history --run ID\n");
    return 0;
}

int conflicts(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{}, ja, c))
        return fail(c, "conflicts", *e);
    if (ja.positional.size() != 1)
        return fail(c, "conflicts", "needs the NAME of one job");
    int code = 0;
    auto db = openDb(c, "conflicts", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "conflicts", job.error().message());
    auto pending = db->pendingConflicts(job->id);
    if (!pending)
        return fail(c, "conflicts", pending.error().message());
    if (c.json) {
        QJsonArray a;
        for (const RunItemRecord& it : *pending)
            a.append(QJsonObject{{"path", q(it.path)}, {"reason", q(historyDetail(it.action, it.detail, it.reason))}});
        printJson(QJsonObject{{"exit_code", 0}, {"job", q(job->name)}, {"conflicts", a}});
        return 0;
    }
    if (pending->empty()) {
        std::fprintf(stderr, "no pending conflicts for '%s' (as of its last run)\n", job->name.c_str());
        return 0;
    }
    for (const RunItemRecord& it : *pending)
        std::printf("%s\n    %s\n", it.path.c_str(), historyDetail(it.action, it.detail, it.reason).c_str());
    std::fprintf(stderr,
                 "%zu conflict(s) pending. Keep the version you want on one side (the next run carries it over), or "
                 "run once with a policy: 'ferry-cli job edit %s --conflict keep-both' then 'ferry-cli run %s'\n",
                 pending->size(), job->name.c_str(), job->name.c_str());
    return 0;
}

} // namespace ferry::cli::jobcli
