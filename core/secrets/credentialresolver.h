// CredentialResolver: finds the password a job's remote side is opened
// with, in a fixed order (DESIGN.md, ferry-cli contract):
//   1. the job's environment variable (Job::passwordEnv; FERRY_PASSWORD when
//      the job names none); a variable that is set but empty is ignored;
//   2. the keychain, under the job's key (SecretStore::keyForJob);
//   3. an interactive prompt the caller supplies: ferry-cli asks on a
//      terminal, the window with a dialog. The resolver never calls GUI code:
//      the prompt is a plain callback, and the caller decides on which
//      thread it asks.
// A job with two local sides needs nothing: resolve() returns an empty
// Credentials without looking anywhere.
//
// access() is what a run uses: it looks in 1. and 2. only, and leaves the
// prompt (3.) to RemoteAccess::password, which the remote side calls only
// when its server wants a password: a server that takes the user's SSH key
// never makes anyone type one.
//
// Failure kinds: AbortRun when no source gives a password (no prompt to
// ask on, or the prompt was refused), with a next step that names the
// variable and the keychain command. Never throws.
// Thread-safety: one resolver per thread; resolve() blocks while the
// keychain answers and while the prompt waits for the user (call it from a
// worker, never the GUI thread).
#pragma once

#include "backend/credentials.h"
#include "common/error.h"
#include "model/job.h"

#include <functional>
#include <optional>
#include <string>

namespace ferry {

class Keychain;

// What a prompt asks for: whose password, for where, and why it asks.
struct CredentialRequest {
    std::string jobName;
    std::string location; // the remote side, printed ("sftp://me@host/srv")
    std::string user;     // from the Location; may be empty
    std::string why;      // "no password is saved in the keychain", …
    bool operator==(const CredentialRequest&) const = default;
};

// Returns the password, or nothing when the user refused (cancelled).
using CredentialPrompt = std::function<std::optional<std::string>(const CredentialRequest&)>;

class CredentialResolver {
public:
    using Environment = std::function<std::optional<std::string>(const std::string& name)>;

    // `prompt` may be empty: there is nobody to ask (no terminal). The
    // environment defaults to the process's (std::getenv).
    CredentialResolver(Keychain& keychain, CredentialPrompt prompt, Environment environment = {});

    // 1., 2., then 3.: a password now, asking when needed.
    Result<Credentials> resolve(const Job& job) const;
    // 1. and 2. only, never a prompt: Source::None when neither holds one.
    Credentials known(const Job& job) const;
    // What a run of the job connects with: `credentials` hold known()'s
    // password; `password` asks the prompt (at most once per RemoteAccess,
    // and the answer, or the refusal, is kept for the run's other sessions;
    // safe to call from any thread) and, without a prompt, returns the error
    // that says what to set. The job's key file is in identityFiles. Two
    // local sides: an empty RemoteAccess, nothing read.
    // The returned access outlives the resolver (it copies the prompt, not
    // the keychain).
    RemoteAccess access(const Job& job) const;

    // The variable a job's password is read from: its own, else FERRY_PASSWORD.
    static std::string variableOf(const Job& job);

private:
    Keychain& m_keychain;
    CredentialPrompt m_prompt;
    Environment m_environment;
};

} // namespace ferry
