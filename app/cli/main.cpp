// ferry-cli: Ferry's engine without a window, for servers, cron, scripts
// and tests. The command-line contract is in DESIGN.md.
#include "synccommand.h"

#include <QCoreApplication>

#include <cstdio>
#include <string>
#include <vector>

namespace {

const char* kHelp = R"(Usage:
  ferry-cli sync LEFT RIGHT --mode two-way|mirror|update [options]
  ferry-cli --help | --version

LEFT and RIGHT are folders (local paths, mounted drives and shares).

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
  --accept-new-host-key, --password-env NAME   for remote endpoints (SFTP/FTP)

Exit codes: 0 in sync, 1 finished with errors, 2 usage or configuration error,
            3 unresolved conflicts remain, 4 stopped by a safety guard.
)";

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
        return ferry::cli::runSync(rest);
    }
    if (cmd == "job" || cmd == "run" || cmd == "history" || cmd == "conflicts" || cmd == "versions" ||
        cmd == "restore") {
        std::fprintf(stderr, "ferry-cli: '%s' needs saved jobs, which this build does not have yet; use 'ferry-cli "
                             "sync LEFT RIGHT …' for now\n", cmd.c_str());
        return 2;
    }
    std::fprintf(stderr, "ferry-cli: unknown command '%s'. Run 'ferry-cli --help' for the commands\n", cmd.c_str());
    return 2;
}
