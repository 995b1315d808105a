// ferry-cli: Ferry's engine without a window, for servers, cron, scripts
// and tests. The command-line contract is in DESIGN.md.
#include "jobcommands.h"
#include "synccommand.h"
#include "versioncommands.h"

#include "common/tempname.h"
#include "store/appdb.h"

#include <QCoreApplication>

#include <cstdio>
#include <string>
#include <vector>

namespace {

const char* kHelp = R"(Usage:
  ferry-cli sync LEFT RIGHT --mode two-way|mirror|update [options]
  ferry-cli job add NAME LEFT RIGHT [job settings]     save a sync pair as a job
  ferry-cli job edit NAME [job settings] [--name NEW] [--left L] [--right R]
  ferry-cli job list | job show NAME | job remove NAME
  ferry-cli job export NAME [FILE] | job import FILE   JSON, never with passwords
  ferry-cli run JOB [--dry-run] [-v|-q] [--force-deletions] [--accept-new-root] [--accept-new-host-key]
  ferry-cli history [JOB] [--limit N] [--outcome OUTCOME] | history --run ID
  ferry-cli conflicts JOB                              conflicts left pending by the job's last run
  ferry-cli versions JOB [PATH]                        replaced and deleted files the job kept
  ferry-cli restore JOB PATH|--all [--version TIME] [--to DIR] [--dry-run]
                                                       copy the newest version (at or before TIME) of a
                                                       file or folder back into the left folder or DIR
  ferry-cli --reset-database                           keep a damaged app database aside, start afresh
  ferry-cli --help | --version

LEFT and RIGHT are folders (local paths, mounted drives and shares) or folders on an SSH server:
  sftp://[USER@]HOST[:PORT]/PATH (IPv6: sftp://me@[::1]:2222/srv). Never put a password in the URL.
Every command takes --json: one JSON object on stdout.

Sync options:
  --mode two-way|mirror|update  two-way: changes on either side reach the other (default);
                                mirror: RIGHT becomes an exact copy of LEFT;
                                update: copy new and changed files to RIGHT, never delete
  --state FILE                  the two-way state database (default: one per pair in Ferry's data folder)
  --conflict POLICY             ask | skip | keep-both (default) | newer | left | right
  --versioning DIR|trash|none   keep replaced and deleted files (default: none)
  --versions-keep N             keep at most N versions of each file
  --versions-max-age DAYS       drop versions older than DAYS days
  --exclude GLOB                gitignore-style pattern, repeatable ("*.tmp", "build/", "**/cache")
  --include GLOB                sync only the files these patterns name, repeatable ("*.pdf", "Photos/");
                                folders are kept; --exclude still wins
  --min-size SIZE, --max-size SIZE
                                leave files outside these sizes alone on both sides ("500k", "10M", "2G")
  --min-age AGE, --max-age AGE  leave files changed more recently than --min-age, or longer ago than
                                --max-age, alone on both sides ("15m", "12h", "30d", "2w")
  --compare time-size|content   how files are compared (default: time-size)
  --time-tolerance SECONDS      treat times this close as equal (2 for FAT and FTP)
  --ignore-dst-shift            treat an exact one-hour time difference as equal
  --max-delete PERCENT          stop when a plan deletes more than this share of a side (default 50)
  --force-deletions             run even when a guard sees mass deletions or an emptied side
  --accept-new-root             accept a folder whose identity changed since the last sync
  --dry-run, -n                 show the plan with the reason for each action; change nothing
  --json                        print one JSON summary on stdout
  --threads N                   parallel copy workers (default 4)
  --verbose, -v                 list every action;  --quiet, -q: only errors

Remote sides (sftp://):
  The login follows ~/.ssh/config (Host aliases, HostName, Port, User, IdentityFile) and tries the
  ssh-agent, the --ssh-key file and ~/.ssh's keys first; a password only if the server asks for one.
  --ssh-key FILE                a private key file for the login (job add/edit store its path; '' removes it)
  --password-env NAME           the password, if the server asks for one, is read from $NAME
                                (default $FERRY_PASSWORD), else from the system keychain, else asked
                                on a terminal; with none of them the run ends with exit 2
  --save-password               first store the password in the system keychain, read from $NAME
                                ($FERRY_PASSWORD) or asked on the terminal; later runs of the job (of
                                the pair, for sync) take it from there
  --accept-new-host-key         trust a server's host key seen for the first time and remember it
                                in Ferry's known_hosts (its data folder). Without it, a terminal asks;
                                with no terminal the new key is refused (exit 2, fingerprint printed).
                                A host key that changed is never accepted: exit 4
  --server-versions PATH        keep the server side's replaced and deleted files in PATH, a folder
                                on that server (absolute path; turns versioning on). --versioning DIR
                                is a folder on this computer and keeps the local side's versions only:
                                a two-way job with a server side needs both ('' removes PATH)

Job settings (job add, job edit): --mode, --conflict, --compare, --versioning, --versions-keep,
  --versions-max-age, --exclude GLOB (edit: adds), --remove-exclude GLOB, --clear-excludes,
  --include GLOB (edit: adds), --remove-include GLOB, --clear-includes,
  --min-size, --max-size, --min-age, --max-age (0 removes a limit),
  --max-delete, --time-tolerance, --ignore-dst-shift, --no-ignore-dst-shift,
  --schedule manual|every-15-min|hourly|"daily HH:MM"|"weekly DAY HH:MM"|on-change,
  --password-env NAME, --save-password, --ssh-key FILE, --server-versions PATH (see above),
  --forget-password (edit: remove the saved password from the keychain)
Jobs, their state and the history live in Ferry's data folder ($FERRY_DATA_DIR overrides it).

Exit codes: 0 in sync, 1 finished with errors (also: a server that did not answer, which may
            answer later), 2 usage or configuration error (also: a new host key refused, a refused
            login, no password to be had), 3 unresolved conflicts remain, 4 stopped by a safety guard
            (also: a server whose host key changed).
)";

// The key that tells this installation's temporaries from a user's files
// named like them. Without it, leftovers of interrupted runs stay (they are
// then synced as ordinary files); nothing a user made is ever deleted.
void loadTempKey()
{
    if (auto r = ferry::tempname::loadTempKey(ferry::AppDb::defaultDataDir()); !r)
        std::fprintf(stderr, "ferry-cli: warning: %s (temporary files of interrupted runs are not cleaned up)\n",
                     r.error().message().c_str());
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("ferry");
    QCoreApplication::setOrganizationName("ferry");
    QCoreApplication::setApplicationVersion(FERRY_VERSION);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) {
        std::fputs(kHelp, stderr);
        return 2;
    }
    const std::string cmd = args[0];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::fputs(kHelp, stdout);
        return 0;
    }
    if (cmd == "--version" || cmd == "-V") {
        std::printf("ferry-cli %s\n", FERRY_VERSION);
        return 0;
    }
    if (cmd == "sync") {
        std::vector<std::string> rest(args.begin() + 1, args.end());
        for (const std::string& a : rest)
            if (a == "--help" || a == "-h") {
                std::fputs(kHelp, stdout);
                return 0;
            }
        loadTempKey();
        return ferry::cli::runSync(rest);
    }
    if (cmd == "--reset-database") {
        bool json = false;
        for (const std::string& a : args)
            json = json || a == "--json";
        return ferry::cli::resetDatabase(json);
    }
    if (cmd == "job" || cmd == "run" || cmd == "history" || cmd == "conflicts") {
        std::vector<std::string> rest(args.begin() + 1, args.end());
        for (const std::string& a : rest)
            if (a == "--help" || a == "-h") {
                std::fputs(kHelp, stdout);
                return 0;
            }
        if (cmd == "run")
            loadTempKey();
        return ferry::cli::runJobCommand(cmd, rest);
    }
    if (cmd == "versions" || cmd == "restore") {
        std::vector<std::string> rest(args.begin() + 1, args.end());
        for (const std::string& a : rest)
            if (a == "--help" || a == "-h") {
                std::fputs(kHelp, stdout);
                return 0;
            }
        if (cmd == "restore")
            loadTempKey();
        return cmd == "versions" ? ferry::cli::versionsCommand(rest) : ferry::cli::restoreCommand(rest);
    }
    std::fprintf(stderr, "ferry-cli: unknown command '%s'. Run 'ferry-cli --help' for the commands\n", cmd.c_str());
    return 2;
}
