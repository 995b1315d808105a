// CredentialResolver: the order a remote side's password is looked for in
// (environment, keychain, prompt), with a fake keychain and environment.
#include "secrets/credentialresolver.h"
#include "secrets/keychain.h"

#include <catch2/catch.hpp>

#include <map>

using namespace ferry;

namespace {

class FakeKeychain : public Keychain {
public:
    SecretStore::Outcome answer{SecretStore::Status::NotFound, {}, {}};
    int reads = 0;
    SecretStore::Outcome read(const std::string&) override
    {
        ++reads;
        return answer;
    }
    SecretStore::Outcome write(const std::string&, const std::string&) override { return {}; }
    SecretStore::Outcome remove(const std::string&) override { return {}; }
    SecretStore::Outcome move(const std::string&, const std::string&) override { return {}; }
};

Job remoteJob()
{
    Job job;
    job.name = "Nas";
    job.left = "/home/me/Docs";
    job.right = "sftp://me@nas.local:2222/srv/docs";
    job.passwordEnv = "NAS_PW";
    return job;
}

struct Setup {
    FakeKeychain keychain;
    std::map<std::string, std::string> env;
    std::vector<CredentialRequest> asked;
    std::optional<std::string> promptAnswer = "typed";
    bool withPrompt = true;

    CredentialResolver resolver()
    {
        CredentialPrompt prompt;
        if (withPrompt)
            prompt = [this](const CredentialRequest& r) {
                asked.push_back(r);
                return promptAnswer;
            };
        return CredentialResolver(keychain, prompt, [this](const std::string& name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end())
                return std::nullopt;
            return it->second;
        });
    }

    Result<Credentials> resolve(const Job& job)
    {
        CredentialPrompt prompt;
        if (withPrompt)
            prompt = [this](const CredentialRequest& r) {
                asked.push_back(r);
                return promptAnswer;
            };
        CredentialResolver resolver(keychain, prompt, [this](const std::string& name) -> std::optional<std::string> {
            auto it = env.find(name);
            if (it == env.end())
                return std::nullopt;
            return it->second;
        });
        return resolver.resolve(job);
    }
};

} // namespace

TEST_CASE("the job's environment variable beats the keychain and the prompt", "[credentials]")
{
    Setup s;
    s.env["NAS_PW"] = "from-env";
    s.env["FERRY_PASSWORD"] = "not this one";
    s.keychain.answer = {SecretStore::Status::Ok, "from-keychain", {}};
    auto c = s.resolve(remoteJob());
    REQUIRE(c);
    CHECK(c->source == Credentials::Source::Environment);
    CHECK(c->password == "from-env");
    CHECK(c->from == "the environment variable NAS_PW");
    CHECK(s.asked.empty());
}

TEST_CASE("without a variable of its own a job reads FERRY_PASSWORD", "[credentials]")
{
    Setup s;
    s.env["FERRY_PASSWORD"] = "default";
    Job job = remoteJob();
    job.passwordEnv.clear();
    auto c = s.resolve(job);
    REQUIRE(c);
    CHECK(c->password == "default");
}

TEST_CASE("the keychain beats the prompt; an empty variable is ignored", "[credentials]")
{
    Setup s;
    s.env["NAS_PW"] = "";
    s.keychain.answer = {SecretStore::Status::Ok, "from-keychain", {}};
    auto c = s.resolve(remoteJob());
    REQUIRE(c);
    CHECK(c->source == Credentials::Source::Keychain);
    CHECK(c->password == "from-keychain");
    CHECK(s.asked.empty());
}

TEST_CASE("with no keychain service the prompt is asked, and told who and why", "[credentials]")
{
    Setup s;
    s.keychain.answer = {SecretStore::Status::NoKeychain, {}, "no session bus"};
    auto c = s.resolve(remoteJob());
    REQUIRE(c);
    CHECK(c->source == Credentials::Source::Prompt);
    CHECK(c->password == "typed");
    REQUIRE(s.asked.size() == 1);
    CHECK(s.asked[0].jobName == "Nas");
    CHECK(s.asked[0].user == "me");
    CHECK(s.asked[0].location == "sftp://me@nas.local:2222/srv/docs");
    CHECK(s.asked[0].why.find("keychain") != std::string::npos);
}

TEST_CASE("a refused prompt is an error with a next step, not a password", "[credentials]")
{
    Setup s;
    s.promptAnswer = std::nullopt;
    auto c = s.resolve(remoteJob());
    REQUIRE_FALSE(c);
    CHECK(c.error().kind == Error::Kind::AbortRun);
    CHECK(c.error().nextStep.find("NAS_PW") != std::string::npos);
    CHECK(s.asked.size() == 1);
}

TEST_CASE("with nobody to ask, the error names the unset variable", "[credentials]")
{
    Setup s;
    s.withPrompt = false;
    auto c = s.resolve(remoteJob());
    REQUIRE_FALSE(c);
    CHECK(c.error().message().find("$NAS_PW is not set") != std::string::npos);
}

TEST_CASE("a job with two local sides needs no password and asks nobody", "[credentials]")
{
    Setup s;
    Job job = remoteJob();
    job.right = "/srv/backup";
    auto c = s.resolve(job);
    REQUIRE(c);
    CHECK(c->source == Credentials::Source::None);
    CHECK(c->password.empty());
    CHECK(s.keychain.reads == 0);
    CHECK(s.asked.empty());
}

// access(): what a run connects with. Nothing is asked until a server wants
// a password: an SSH key that works never makes anyone type one.

TEST_CASE("a run's access asks nobody up front, and the prompt only when the server wants a password", "[credentials]")
{
    Setup s;
    RemoteAccess access = s.resolver().access(remoteJob());
    CHECK(s.asked.empty());
    CHECK(access.credentials.source == Credentials::Source::None);
    REQUIRE(access.password);
    auto c = access.password("the server asks for a password");
    REQUIRE(c);
    CHECK(c->source == Credentials::Source::Prompt);
    CHECK(c->password == "typed");
    REQUIRE(s.asked.size() == 1);
    CHECK(s.asked[0].why.find("the server asks for a password") != std::string::npos);
    CHECK(s.asked[0].why.find("keychain") != std::string::npos);
    // Another session of the same run: the same answer, not a second question.
    auto again = access.password("again");
    REQUIRE(again);
    CHECK(again->password == "typed");
    CHECK(s.asked.size() == 1);
}

TEST_CASE("a run's access holds the environment's or the keychain's password, never prompting", "[credentials]")
{
    Setup s;
    s.env["NAS_PW"] = "from-env";
    RemoteAccess fromEnv = s.resolver().access(remoteJob());
    CHECK(fromEnv.credentials.source == Credentials::Source::Environment);
    CHECK(fromEnv.credentials.password == "from-env");
    CHECK(fromEnv.credentials.from == "the environment variable NAS_PW");
    CHECK(s.keychain.reads == 0);

    s.env.clear();
    s.keychain.answer = {SecretStore::Status::Ok, "from-keychain", {}};
    RemoteAccess fromKeychain = s.resolver().access(remoteJob());
    CHECK(fromKeychain.credentials.source == Credentials::Source::Keychain);
    CHECK(fromKeychain.credentials.password == "from-keychain");
    CHECK(s.asked.empty());
    CHECK(s.resolver().known(remoteJob()) == fromKeychain.credentials);
}

TEST_CASE("a refused prompt is kept for the whole run: one question, the same error each time", "[credentials]")
{
    Setup s;
    s.promptAnswer = std::nullopt;
    RemoteAccess access = s.resolver().access(remoteJob());
    auto first = access.password("");
    auto second = access.password("");
    REQUIRE_FALSE(first);
    REQUIRE_FALSE(second);
    CHECK(first.error().kind == Error::Kind::AbortRun);
    CHECK(first.error().nextStep.find("NAS_PW") != std::string::npos);
    CHECK(s.asked.size() == 1);
}

TEST_CASE("with nobody to ask, the run's password source says what to set", "[credentials]")
{
    Setup s;
    s.withPrompt = false;
    RemoteAccess access = s.resolver().access(remoteJob());
    REQUIRE(access.password); // an error to report, not a silent skip
    auto c = access.password("");
    REQUIRE_FALSE(c);
    CHECK(c.error().message().find("$NAS_PW is not set") != std::string::npos);
}

TEST_CASE("a run's access carries the job's SSH key; a local job's access is empty", "[credentials]")
{
    Setup s;
    Job job = remoteJob();
    job.identityFile = "/home/me/.ssh/nas_ed25519";
    RemoteAccess access = s.resolver().access(job);
    CHECK(access.identityFiles == std::vector<std::string>{"/home/me/.ssh/nas_ed25519"});

    job.right = "/srv/backup";
    job.identityFile.clear();
    s.keychain.reads = 0;
    RemoteAccess local = s.resolver().access(job);
    CHECK_FALSE(local.password);
    CHECK_FALSE(local.confirmHostKey);
    CHECK(local.credentials.source == Credentials::Source::None);
    CHECK(s.keychain.reads == 0);
}

TEST_CASE("a known password the server refused is reported as refused, not as missing", "[credentials]")
{
    Setup s;
    s.withPrompt = false;
    s.env["NAS_PW"] = "wrong";
    RemoteAccess access = s.resolver().access(remoteJob());
    auto c = access.password("the password from the environment variable NAS_PW was not accepted for me@nas.local");
    REQUIRE_FALSE(c);
    CHECK(c.error().code == Error::Code::LoginRefused);
    CHECK(c.error().message().find("was not accepted") != std::string::npos);
    CHECK(c.error().message().find("is not set") == std::string::npos);
}
