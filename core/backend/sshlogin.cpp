// The login step of SshConnection::open(): "none", then the keys (the
// agent's, the job's files, the config's IdentityFile, sshDir's id_*, in
// that order, through libssh's publickey_auto), then password and
// keyboard-interactive with one password: access.credentials, else
// access.password() asked once. A refusal is never retried beyond that:
// repeated failures lock accounts (fail2ban, MaxAuthTries).
#include "backend/sshconnector.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <cstdlib>
#include <sys/stat.h>

namespace ferry {

namespace {

bool fileExists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string joined(const std::vector<std::string>& items);

} // namespace

// libssh asks for a key file's passphrase: we have none to give (keys
// with a passphrase belong in the agent). Noting which key it was lets
// the refusal say so.
int SshConnector::refusePassphrase(const char*, char*, size_t, int, int, void* userdata)
{
    auto* watch = static_cast<SshConnection::Watch*>(userdata);
    char* identity = nullptr;
    if (ssh_userauth_publickey_auto_get_current_identity(watch->session, &identity) == SSH_OK && identity) {
        watch->lockedKeys.push_back(identity);
        ssh_string_free_char(identity);
    }
    return -1;
}

namespace {

std::string joined(const std::vector<std::string>& items)
{
    std::string text;
    for (size_t i = 0; i < items.size(); ++i)
        text += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
    return text;
}

} // namespace

Result<void> SshConnector::logIn()
{
    SshConnection& c = *m_connection;
    int rc;
    {
        auto call = c.beginCall();
        rc = ssh_userauth_none(m_session, nullptr);
    }
    if (rc == SSH_AUTH_SUCCESS)
        return Ok{};
    if (rc == SSH_AUTH_ERROR || rc == SSH_AUTH_AGAIN)
        return loginFailed(rc, "none");

    Result<Step> keys = tryKeys();
    if (!keys)
        return keys.error();
    if (*keys == Step::Done)
        return Ok{};
    Result<Step> passwords = tryPasswords();
    if (!passwords)
        return passwords.error();
    if (*passwords == Step::Done)
        return Ok{};
    return loginRefused();
}

Result<SshConnector::Step> SshConnector::tryKeys()
{
    int methods = ssh_userauth_list(m_session, nullptr);
    if (!(methods & SSH_AUTH_METHOD_PUBLICKEY))
        return Step::Refused;
    if (const char* agent = std::getenv("SSH_AUTH_SOCK"); agent && *agent)
        m_tried.push_back("the keys of the SSH agent");
    std::vector<std::string> files;
    for (const std::string& file : m_access.identityFiles)
        files.push_back(file + (fileExists(file) ? "" : " (missing)"));
    for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"})
        if (fileExists(m_sshDir + "/" + name))
            files.push_back(m_sshDir + "/" + name);
    if (!files.empty())
        m_tried.push_back("the key " + std::string(files.size() == 1 ? "file " : "files ") + joined(files));

    SshConnection::Watch& watch = *m_connection->m_watch;
    watch.session = m_session;
    watch.callbacks = {};
    watch.callbacks.userdata = &watch;
    watch.callbacks.auth_function = refusePassphrase;
    ssh_callbacks_init(&watch.callbacks);
    ssh_set_callbacks(m_session, &watch.callbacks);
    int rc;
    {
        auto call = m_connection->beginCall();
        rc = ssh_userauth_publickey_auto(m_session, nullptr, nullptr);
    }
    if (rc == SSH_AUTH_SUCCESS)
        return Step::Done;
    if (rc == SSH_AUTH_ERROR || rc == SSH_AUTH_AGAIN)
        return loginFailed(rc, "publickey");
    return Step::Refused; // denied, or partial: the server wants another method too
}

Result<SshConnector::Step> SshConnector::tryPasswords()
{
    int methods = ssh_userauth_list(m_session, nullptr);
    if (!(methods & (SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE)))
        return Step::Refused;
    std::string why = "the server asks for the password of " + who();
    if (!m_access.credentials.password.empty()) {
        Result<Step> step = tryPassword(m_access.credentials.password);
        if (!step || *step == Step::Done)
            return step;
        m_passwordTried = true;
        m_tried.push_back("the password from " +
                          (m_access.credentials.from.empty() ? std::string("the job") : m_access.credentials.from));
        why = "the password from " +
              (m_access.credentials.from.empty() ? std::string("the job") : m_access.credentials.from) +
              " was not accepted for " + who();
    }
    if (!m_access.password)
        return Step::Refused;
    Result<Credentials> asked = m_access.password(why);
    if (!asked)
        return asked.error();
    Result<Step> step = tryPassword(asked->password);
    if (step && *step == Step::Refused) {
        m_tried.push_back("the password entered");
        m_passwordTried = true;
    }
    return step;
}

// One password, through both methods that take it (a server may offer
// only keyboard-interactive, which is how PAM asks).
Result<SshConnector::Step> SshConnector::tryPassword(const std::string& password)
{
    int methods = ssh_userauth_list(m_session, nullptr);
    if (methods & SSH_AUTH_METHOD_PASSWORD) {
        int rc;
        {
            auto call = m_connection->beginCall();
            rc = ssh_userauth_password(m_session, nullptr, password.c_str());
        }
        if (rc == SSH_AUTH_SUCCESS)
            return Step::Done;
        if (rc == SSH_AUTH_ERROR || rc == SSH_AUTH_AGAIN)
            return loginFailed(rc, "password");
        methods = ssh_userauth_list(m_session, nullptr);
    }
    if (methods & SSH_AUTH_METHOD_INTERACTIVE)
        return tryKeyboardInteractive(password);
    return Step::Refused;
}

Result<SshConnector::Step> SshConnector::tryKeyboardInteractive(const std::string& password)
{
    bool passwordGiven = false;
    int rc;
    {
        auto call = m_connection->beginCall();
        rc = ssh_userauth_kbdint(m_session, nullptr, nullptr);
    }
    // Rounds: the password prompt, then often an empty round that closes
    // the exchange. A second password prompt means the first was wrong:
    // stop there rather than count another failure against the account.
    for (int round = 0; rc == SSH_AUTH_INFO && round < 8; ++round) {
        int prompts = ssh_userauth_kbdint_getnprompts(m_session);
        for (int i = 0; i < prompts; ++i) {
            char echo = 0;
            ssh_userauth_kbdint_getprompt(m_session, static_cast<unsigned>(i), &echo);
            if (echo) {
                ssh_userauth_kbdint_setanswer(m_session, static_cast<unsigned>(i), "");
                continue;
            }
            if (passwordGiven)
                return Step::Refused;
            passwordGiven = true;
            ssh_userauth_kbdint_setanswer(m_session, static_cast<unsigned>(i), password.c_str());
        }
        auto call = m_connection->beginCall();
        rc = ssh_userauth_kbdint(m_session, nullptr, nullptr);
    }
    if (rc == SSH_AUTH_SUCCESS)
        return Step::Done;
    if (rc == SSH_AUTH_ERROR || rc == SSH_AUTH_AGAIN)
        return loginFailed(rc, "keyboard-interactive");
    return Step::Refused;
}

Error SshConnector::loginFailed(int rc, const std::string& method) const
{
    if (auto broken = m_connection->brokenBy(m_op, {}))
        return *broken;
    if (rc == SSH_AUTH_AGAIN) // libssh's own timeout
        return Error::retry(m_op, {},
                            "the server did not answer the login (" + method + ") within " +
                                sshSeconds(m_context.timeout),
                            "Check the network and that the server is up, then try again");
    // The connection is fine: not the network, so trying again would not help.
    const std::string detail = ssh_get_error(m_session);
    if (detail.find("public key") != std::string::npos || detail.find("private key") != std::string::npos)
        return Error::abortRun(m_op, {}, "the login failed: " + detail,
                               "Check that key file (a .pub file beside a key must hold its public key; "
                               "without one Ferry reads the key itself), then try again");
    return Error::abortRun(m_op, {}, "the login failed (" + method + "): " + detail,
                           "Try again; if it keeps failing, ask the server's administrator to look at the "
                           "server's log");
}

Error SshConnector::loginRefused() const
{
    const std::vector<std::string>& locked = m_connection->m_watch->lockedKeys;
    const int methods = ssh_userauth_list(m_session, nullptr);
    const bool takesKeys = methods & SSH_AUTH_METHOD_PUBLICKEY;
    const bool takesPasswords = methods & (SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE);
    const bool passwordTried = m_passwordTried;

    std::string detail = "the server refused the login as " + who();
    detail += m_tried.empty() ? " (it offers no login method Ferry can use)" : " (tried " + joined(m_tried) + ")";
    std::vector<std::string> steps;
    for (const std::string& file : m_access.identityFiles)
        if (!fileExists(file)) {
            steps.push_back("The key file " + file + " does not exist: check the job's key file");
            break;
        }
    if (!locked.empty())
        steps.push_back("The key " + locked.front() + " is protected by a passphrase: add it to the SSH agent (ssh-add " +
                        locked.front() + ") so Ferry can use it");
    if (passwordTried)
        steps.push_back("Check the user name and the password, then try again");
    else if (takesPasswords)
        steps.push_back("The server also takes a password: give the job one (ferry-cli --password-env, or save it "
                        "with the job), or check the user name");
    if (takesKeys)
        steps.push_back(std::string(passwordTried || takesPasswords ? "Or, for" : "Check the user name; for") +
                        " a key, the account's ~/.ssh/authorized_keys on the server must list its public key");
    if (!takesKeys && !takesPasswords)
        steps.push_back("Ask the server's administrator to allow a key or password login for this account");
    std::string next;
    for (const std::string& step : steps)
        next += (next.empty() ? "" : ". ") + step;
    Error e = Error::abortRun(m_op, {}, detail, next);
    e.code = Error::Code::LoginRefused;
    return e;
}

} // namespace ferry
