// What ferry-cli lends a remote side while it connects (sync and run): the
// password CredentialResolver knows up front (environment, keychain), the
// terminal prompt for one only when a server asks, and the decision on a
// host key seen for the first time:
//   --accept-new-host-key     accepted and remembered in Ferry's known_hosts;
//   a terminal (stdin and stderr are TTYs)  asked, as OpenSSH asks;
//   neither                   refused: the run ends with exit 2, and the
//                             fingerprint is printed with how to accept it.
// A changed host key is never asked about: the connection refuses it, and
// the run is a safety stop (exit 4).
//
// Thread-safety: the prompts may be called from the run's connecting
// threads; one question is asked at a time, and each fingerprint once.
#pragma once

#include "backend/credentials.h"
#include "jobs/job.h"

#include <QJsonObject>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace ferry::cli {

// The host keys the run was asked about, for what is printed after it.
struct HostKeyLog {
    std::mutex mutex;
    std::optional<HostKeyFacts> facts; // the last key asked about
    HostKeyChoice choice = HostKeyChoice::Refuse;
};

struct CliAccessOptions {
    bool acceptNewHostKey = false;
    // How a missing password is put for this command ("job 'Nas'", the pair).
    std::string noPasswordMessage; // empty: the resolver's own words
};

// The RemoteAccess of a run of `job` (a saved job, or the pair of `sync`);
// `log` receives the host keys asked about.
RemoteAccess cliAccess(const Job& job, const CliAccessOptions& options, const std::shared_ptr<HostKeyLog>& log);
// Says before the run where a password would come from, if the server asks
// for one (nothing for local jobs or when none is known up front).
void notePasswordSource(const RemoteAccess& access);
// After a run or a failed start: the host key refused or accepted, in words
// (stderr), and as JSON for --json ("host_key"); empty when none was asked about.
QJsonObject reportHostKey(HostKeyLog& log);
// --save-password: reads the password from $passwordEnv (or FERRY_PASSWORD),
// else asks on the terminal, and stores it in the keychain under the job's
// key (SecretStore::keyForJob(job.name), where CredentialResolver reads it).
// `who` names it in the question ("job 'Nas'"). Returns why it could not.
std::optional<std::string> savePasswordFor(const Job& job, const std::string& who);
// The exit code of a remote side that could not be opened: 4 for a changed
// host key (a safety stop), 1 for a server that did not answer (it may answer
// later: Retry), else 2 (an unknown host key refused, a refused login, a
// bad setting).
int exitCodeForOpenError(const Error& error);

} // namespace ferry::cli
