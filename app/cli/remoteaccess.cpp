#include "remoteaccess.h"

#include "backend/hostkeytext.h"
#include "clioutput.h"
#include "secrets/credentialresolver.h"
#include "secrets/keychain.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace ferry::cli {

namespace {

// One question on the terminal at a time, whichever thread connects.
std::mutex g_terminal;

std::string readAnswer()
{
    std::string line;
    for (int ch; (ch = std::fgetc(stdin)) != EOF && ch != '\n';)
        line += char(ch);
    return line;
}

HostKeyChoice askOnTerminal(const HostKeyFacts& facts)
{
    std::fprintf(stderr,
                 "The authenticity of host '%s' can't be established.\n%s.\nTrust it and remember it? [y/N] ",
                 hostKeyAddress(facts).c_str(), hostKeyFingerprintLine(facts).c_str());
    std::fflush(stderr);
    const std::string answer = readAnswer();
    return answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes"
               ? HostKeyChoice::AcceptAndRemember
               : HostKeyChoice::Refuse;
}

HostKeyPrompt hostKeyPrompt(bool acceptNew, const std::shared_ptr<HostKeyLog>& log)
{
    const bool terminal = ::isatty(0) && ::isatty(2);
    return [acceptNew, terminal, log](const HostKeyFacts& facts) {
        std::lock_guard terminalLock(g_terminal);
        {
            // A later session of the same run meets the same key: one answer.
            std::lock_guard lock(log->mutex);
            if (log->facts && log->facts->fingerprint == facts.fingerprint && log->facts->host == facts.host &&
                log->facts->port == facts.port)
                return log->choice;
        }
        HostKeyChoice choice = HostKeyChoice::Refuse;
        if (acceptNew)
            choice = HostKeyChoice::AcceptAndRemember;
        else if (terminal)
            choice = askOnTerminal(facts);
        std::lock_guard lock(log->mutex);
        log->facts = facts;
        log->choice = choice;
        return choice;
    };
}

} // namespace

RemoteAccess cliAccess(const Job& job, const CliAccessOptions& options, const std::shared_ptr<HostKeyLog>& log)
{
    CredentialPrompt prompt;
    if (::isatty(0))
        prompt = [](const CredentialRequest& r) -> std::optional<std::string> {
            std::lock_guard terminalLock(g_terminal);
            std::string password = readPasswordFromTerminal("Password for " + r.location + " (" + r.why + "): ");
            if (password.empty())
                return std::nullopt;
            std::fprintf(stderr, "ferry-cli: the password comes from a prompt on this terminal\n");
            return password;
        };
    RemoteAccess access = CredentialResolver(Keychain::system(), prompt).access(job);
    if (access.password && !prompt && !options.noPasswordMessage.empty() &&
        access.credentials.source == Credentials::Source::None) {
        // Nobody to ask: the command's own words for what to set.
        access.password = [message = options.noPasswordMessage](const std::string&) -> Result<Credentials> {
            return Error::abortRun("", "", message);
        };
    }
    if (access.password)
        access.confirmHostKey = hostKeyPrompt(options.acceptNewHostKey, log);
    return access;
}

void notePasswordSource(const RemoteAccess& access)
{
    if (access.credentials.source == Credentials::Source::None)
        return;
    std::fprintf(stderr, "ferry-cli: if the server asks for a password, it comes from %s\n",
                 access.credentials.from.c_str());
}

QJsonObject reportHostKey(HostKeyLog& log)
{
    std::lock_guard lock(log.mutex);
    if (!log.facts)
        return {};
    const HostKeyFacts& f = *log.facts;
    const bool accepted = log.choice != HostKeyChoice::Refuse;
    if (accepted)
        std::fprintf(stderr, "ferry-cli: the new host key of %s (%s) was accepted%s\n", hostKeyAddress(f).c_str(),
                     hostKeyFingerprintLine(f).c_str(),
                     log.choice == HostKeyChoice::AcceptAndRemember
                         ? (" and recorded in " + (f.recordIn.empty() ? std::string("Ferry's known_hosts") : f.recordIn)).c_str()
                         : " for this run");
    else
        std::fprintf(stderr,
                     "ferry-cli: the host key of %s is not known yet, so it was refused: %s. Check the fingerprint "
                     "with the server's administrator (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server), "
                     "then run again with --accept-new-host-key, or from a terminal to be asked\n",
                     hostKeyAddress(f).c_str(), hostKeyFingerprintLine(f).c_str());
    return QJsonObject{{"host", QString::fromStdString(f.host)},
                       {"port", f.port},
                       {"type", QString::fromStdString(f.keyType)},
                       {"fingerprint", QString::fromStdString(f.fingerprint)},
                       {"accepted", accepted},
                       {"remembered", log.choice == HostKeyChoice::AcceptAndRemember}};
}

std::optional<std::string> savePasswordFor(const Job& job, const std::string& who)
{
    std::string secret;
    std::string from;
    for (const std::string& var : {job.passwordEnv, std::string("FERRY_PASSWORD")}) {
        const char* value = var.empty() ? nullptr : std::getenv(var.c_str());
        if (value && *value) {
            secret = value;
            from = "the environment variable " + var;
            break;
        }
    }
    if (secret.empty()) {
        secret = readPasswordFromTerminal("Password for " + who + ": ");
        from = "the terminal";
    }
    if (secret.empty())
        return "--save-password found no password: set it in " + CredentialResolver::variableOf(job) +
               " or run on a terminal to be asked";
    auto out = SecretStore::write(SecretStore::keyForJob(job.name), secret);
    std::fill(secret.begin(), secret.end(), '\0');
    if (out.status == SecretStore::Status::NoKeychain)
        return "no keychain service is running here (" + out.detail +
               "), so the password was not saved. Use --password-env NAME instead: the password is then read "
               "from that environment variable each time";
    if (out.status != SecretStore::Status::Ok)
        return "the keychain refused to store the password (" + out.detail + ")";
    std::fprintf(stderr, "ferry-cli: the password (from %s) is stored in the system keychain\n", from.c_str());
    return std::nullopt;
}

int exitCodeForOpenError(const Error& error)
{
    if (error.code == Error::Code::HostKeyChanged)
        return 4;
    if (error.kind == Error::Kind::Retry)
        return 1;
    return 2;
}

} // namespace ferry::cli
