#include "credentialresolver.h"

#include "backend/location.h"
#include "secrets/keychain.h"

#include <cstdlib>
#include <memory>
#include <mutex>

namespace ferry {

namespace {

std::optional<std::string> processVariable(const std::string& name)
{
    const char* value = std::getenv(name.c_str());
    if (!value)
        return std::nullopt;
    return std::string(value);
}

// The first remote side of the job: the one a prompt names.
Location remoteSide(const Job& job)
{
    for (const std::string* side : {&job.left, &job.right})
        if (auto loc = Location::parse(*side); loc && !loc->isLocal())
            return *loc;
    return {};
}

std::string keychainWhy(const SecretStore::Outcome& outcome)
{
    switch (outcome.status) {
    case SecretStore::Status::Ok: return "the keychain holds an empty password";
    case SecretStore::Status::NotFound: return "no password is saved in the keychain";
    case SecretStore::Status::NoKeychain: return "no keychain service runs here (" + outcome.detail + ")";
    case SecretStore::Status::Failed: return "the keychain could not be read (" + outcome.detail + ")";
    }
    return "no password is saved";
}

} // namespace

CredentialResolver::CredentialResolver(Keychain& keychain, CredentialPrompt prompt, Environment environment)
    : m_keychain(keychain), m_prompt(std::move(prompt)),
      m_environment(environment ? std::move(environment) : Environment(processVariable))
{
}

std::string CredentialResolver::variableOf(const Job& job)
{
    return job.passwordEnv.empty() ? std::string("FERRY_PASSWORD") : job.passwordEnv;
}

Credentials CredentialResolver::known(const Job& job) const
{
    if (!hasRemoteSide(job))
        return {};
    const std::string variable = variableOf(job);
    if (auto value = m_environment(variable); value && !value->empty())
        return Credentials{Credentials::Source::Environment, *value, "the environment variable " + variable};
    const SecretStore::Outcome saved = m_keychain.read(SecretStore::keyForJob(job.name));
    if (saved.status == SecretStore::Status::Ok && !saved.value.empty())
        return Credentials{Credentials::Source::Keychain, saved.value, "the system keychain"};
    return {};
}

namespace {

// The prompt step (3.) on its own: what access() lends a run and resolve()
// falls back to. `keychainState` says why the keychain gave nothing.
Result<Credentials> askFor(const Job& job, const CredentialPrompt& prompt, const std::string& keychainState,
                           const std::string& serverWhy)
{
    const std::string variable = CredentialResolver::variableOf(job);
    const std::string unset = job.passwordEnv.empty() ? std::string("no environment variable is set for it")
                                                      : "$" + job.passwordEnv + " is not set";
    if (!prompt)
        return Error::abortRun("", "",
                               "job '" + job.name + "' needs a password, and there is none: " + unset +
                                   ", no keychain holds one, and there is no terminal to ask on. Set the variable, "
                                   "save the password with 'job edit NAME --save-password', or run from a terminal");
    const Location remote = remoteSide(job);
    const std::string why = serverWhy.empty() ? keychainState : serverWhy + "; " + keychainState;
    CredentialRequest request{job.name, remote.toString(), remote.user, why};
    std::optional<std::string> given = prompt(request);
    if (!given || given->empty())
        return Error::abortRun("", "", "no password was given for job '" + job.name + "', so it did not run",
                               "Run it again and enter the password, set $" + variable +
                                   ", or save the password in the keychain ('ferry-cli job edit " + job.name +
                                   " --save-password')");
    return Credentials{Credentials::Source::Prompt, std::move(*given), "the password prompt"};
}

} // namespace

Result<Credentials> CredentialResolver::resolve(const Job& job) const
{
    if (!hasRemoteSide(job))
        return Credentials{};
    const std::string variable = variableOf(job);
    if (auto value = m_environment(variable); value && !value->empty())
        return Credentials{Credentials::Source::Environment, *value, "the environment variable " + variable};

    const SecretStore::Outcome saved = m_keychain.read(SecretStore::keyForJob(job.name));
    if (saved.status == SecretStore::Status::Ok && !saved.value.empty())
        return Credentials{Credentials::Source::Keychain, saved.value, "the system keychain"};
    return askFor(job, m_prompt, keychainWhy(saved), {});
}

RemoteAccess CredentialResolver::access(const Job& job) const
{
    RemoteAccess access;
    if (!hasRemoteSide(job))
        return access;
    if (!job.identityFile.empty())
        access.identityFiles.push_back(job.identityFile);
    std::string keychainState = "no password is saved in the keychain";
    const std::string variable = variableOf(job);
    if (auto value = m_environment(variable); value && !value->empty()) {
        access.credentials = {Credentials::Source::Environment, *value, "the environment variable " + variable};
    } else {
        const SecretStore::Outcome saved = m_keychain.read(SecretStore::keyForJob(job.name));
        if (saved.status == SecretStore::Status::Ok && !saved.value.empty())
            access.credentials = {Credentials::Source::Keychain, saved.value, "the system keychain"};
        else
            keychainState = keychainWhy(saved);
    }
    // Sessions connect on several threads: the first that needs a password
    // asks, the others wait for that answer (one prompt, one refusal).
    struct Asked {
        std::mutex mutex;
        std::optional<Result<Credentials>> answer;
    };
    auto asked = std::make_shared<Asked>();
    const std::string knownFrom = access.credentials.from;
    access.password = [asked, job, prompt = m_prompt, keychainState, knownFrom](const std::string& why)
        -> Result<Credentials> {
        std::lock_guard lock(asked->mutex);
        if (asked->answer)
            return *asked->answer;
        if (!prompt && !knownFrom.empty()) {
            // The known password was refused, and nobody can type another.
            Error refused = Error::abortRun("log in to", "", why.empty() ? "the password from " + knownFrom +
                                                                            " was not accepted"
                                                                      : why,
                                            "Check the password in " + knownFrom + ", then run again");
            refused.code = Error::Code::LoginRefused;
            asked->answer = refused;
        } else {
            asked->answer = askFor(job, prompt, keychainState, why);
        }
        return *asked->answer;
    };
    return access;
}

} // namespace ferry
