// ferry-cli run JOB: one run of a saved job through JobRunner (the path the
// window and the scheduler take too), with its password resolved first
// (CredentialResolver: environment, keychain, then a prompt when stdin is
// a terminal) and the outcome printed as `ferry-cli sync` prints it.
// Single-threaded; Ctrl-C cancels the run (setCancelTarget).
#include "jobsubcommands.h"

#include "clioutput.h"
#include "jobcli.h"
#include "jobs/jobrunner.h"
#include "secrets/credentialresolver.h"
#include "secrets/keychain.h"
#include "synccommand.h"

#include <QJsonArray>
#include <QJsonObject>

#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace ferry::cli::jobcli {

namespace {

// A prompt only where someone can answer it: stdin is a terminal.
Result<Credentials> resolveCredentials(const Job& job)
{
    CredentialPrompt prompt;
    if (::isatty(0))
        prompt = [](const CredentialRequest& r) -> std::optional<std::string> {
            std::string password = readPasswordFromTerminal("Password for job '" + r.jobName + "' (" + r.location +
                                                            "; " + r.why + "): ");
            if (password.empty())
                return std::nullopt;
            return password;
        };
    return CredentialResolver(Keychain::system(), prompt).resolve(job);
}

} // namespace

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

    // Where the password comes from, said before anything else happens.
    auto credentials = resolveCredentials(*job);
    if (!credentials)
        return fail(c, "run", credentials.error().message());
    if (credentials->source != Credentials::Source::None)
        std::fprintf(stderr, "ferry-cli: the password comes from %s\n",
                     credentials->source == Credentials::Source::Prompt ? "a prompt on this terminal"
                                                                        : credentials->from.c_str());

    JobRunner runner(dataDir(), *job, RunTrigger::Cli, ja.dryRun);
    runner.setSafetyOverrides(ja.forceDeletions, ja.acceptNewRoot);
    runner.setCredentials(std::move(*credentials));
    auto prepared = runner.prepare(ja.dryRun ? "ferry-cli run --dry-run" : "ferry-cli run");
    for (const std::string& n : runner.notes())
        std::fprintf(stderr, "note: %s\n", n.c_str());
    if (!prepared) {
        const Error& e = prepared.error();
        return fail(c, "run", e.message(), 2);
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
    extra["run_id"] = runner.runId() ? QJsonValue(double(runner.runId())) : QJsonValue(QJsonValue::Null);
    QJsonArray notes;
    for (const std::string& n : runner.notes())
        notes.append(q(n));
    extra["notes"] = notes;
    printReport(sa, job->left, job->right, report, secs, extra);
    return int(report.exit);
}

} // namespace ferry::cli::jobcli
