#include "credentialresolver.h"

#include "backend/location.h"
#include "secrets/keychain.h"

#include <cstdlib>

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

    const std::string unset = job.passwordEnv.empty() ? std::string("no environment variable is set for it")
                                                      : "$" + job.passwordEnv + " is not set";
    if (!m_prompt)
        return Error::abortRun("", "",
                               "job '" + job.name + "' needs a password, and there is none: " + unset +
                                   ", no keychain holds one, and there is no terminal to ask on. Set the variable, "
                                   "save the password with 'job edit NAME --save-password', or run from a terminal");
    const Location remote = remoteSide(job);
    CredentialRequest request{job.name, remote.toString(), remote.user, keychainWhy(saved)};
    std::optional<std::string> given = m_prompt(request);
    if (!given || given->empty())
        return Error::abortRun("", "", "no password was given for job '" + job.name + "', so it did not run",
                               "Run it again and enter the password, set $" + variable +
                                   ", or save the password in the keychain ('ferry-cli job edit " + job.name +
                                   " --save-password')");
    return Credentials{Credentials::Source::Prompt, std::move(*given), "the password prompt"};
}

} // namespace ferry
