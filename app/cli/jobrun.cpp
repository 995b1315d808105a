// ferry-cli run JOB: one run of a saved job through JobRunner (the path the
// window and the scheduler take too), with what its remote side may need
// (remoteaccess.h: a password from the environment or keychain, a prompt on
// a terminal only when the server asks, a new host key accepted, asked or
// refused) and the outcome printed as `ferry-cli sync` prints it.
// Single-threaded; Ctrl-C cancels the run (setCancelTarget).
#include "jobsubcommands.h"

#include "clioutput.h"
#include "jobcli.h"
#include "jobs/jobrunner.h"
#include "backend/location.h"
#include "engine/stoptext.h"
#include "engine/syncsides.h"
#include "remoteaccess.h"
#include "synccommand.h"

#include <QJsonArray>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace ferry::cli::jobcli {

int runJob(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{.run = true}, ja, c))
        return fail(c, "run", *e);
    if (ja.positional.size() != 1)
        return fail(c, "run", "needs the NAME of one job");
    int code = 0;
    std::unique_ptr<AppDb> db = openDb(c, "run", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "run", job.error().message());
    db.reset(); // the runner opens its own connection

    // Where a password would come from, said before anything else happens.
    auto hostKeys = std::make_shared<HostKeyLog>();
    CliAccessOptions accessOptions;
    accessOptions.acceptNewHostKey = ja.acceptNewHostKey;
    RemoteAccess access = cliAccess(*job, accessOptions, hostKeys);
    notePasswordSource(access);

    JobRunner runner(dataDir(), *job, RunTrigger::Cli, ja.dryRun);
    runner.setSafetyOverrides(ja.forceDeletions, ja.acceptNewRoot);
    runner.setAccess(std::move(access));
    auto prepared = runner.prepare(ja.dryRun ? "ferry-cli run --dry-run" : "ferry-cli run");
    for (const std::string& n : runner.notes())
        std::fprintf(stderr, "note: %s\n", n.c_str());
    if (!prepared) {
        const Error& e = prepared.error();
        std::string message = e.message();
        if (e.code == Error::Code::HostKeyChanged)
            if (auto left = Location::parse(job->left), right = Location::parse(job->right); left && right)
                message = stopSentence(hostKeyChangedStop(e, *left, *right, job->mode));
        const int code = fail(c, "run", message, exitCodeForOpenError(e));
        (void)reportHostKey(*hostKeys); // then what to do about a new key
        return code;
    }
    CancelToken cancel = runner.cancelToken();
    setCancelTarget(&cancel);
    const bool live = !c.quiet && !c.json && ::isatty(2);
    if (live)
        std::fputs("scanning…", stderr);
    const auto start = std::chrono::steady_clock::now();
    const SyncReport& report = runner.run([&](const Progress& p) {
        if (live)
            printProgress(p);
    });
    if (live)
        std::fputs("\r\033[K", stderr);
    setCancelTarget(nullptr);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    SyncArgs sa;
    sa.options = syncOptionsOf(*job);
    sa.options.dryRun = ja.dryRun;
    sa.json = c.json;
    sa.verbose = c.verbose;
    sa.quiet = c.quiet;
    QJsonObject extra{{"job", q(job->name)}};
    if (const QJsonObject hostKey = reportHostKey(*hostKeys); !hostKey.isEmpty())
        extra["host_key"] = hostKey;
    extra["run_id"] = runner.runId() ? QJsonValue(double(runner.runId())) : QJsonValue(QJsonValue::Null);
    QJsonArray notes;
    for (const std::string& n : runner.notes())
        notes.append(q(n));
    extra["notes"] = notes;
    printReport(sa, job->left, job->right, report, secs, extra);
    return int(report.exit);
}

} // namespace ferry::cli::jobcli
