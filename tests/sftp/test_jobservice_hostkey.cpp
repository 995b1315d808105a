// JobService (the window's and the scheduler's runs) against a real sshd:
// a password is never asked of a job that logs in with its key, a new host
// key is asked about only in runs someone watches, and a changed one is a
// safety stop in the history.
#include "jobs/jobservice.h"
#include "sftp/sshd.h"
#include "unit/tempdir.h"

#include <QEventLoop>
#include <QTimer>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace ferry;
using namespace ferry::test;

namespace {

// HOME for the test's duration: the machine's ~/.ssh is never read.
class ScopedHome {
public:
    explicit ScopedHome(const std::string& home)
    {
        if (const char* old = std::getenv("HOME"))
            m_old = old;
        ::setenv("HOME", home.c_str(), 1);
        ::unsetenv("SSH_AUTH_SOCK");
    }
    ~ScopedHome()
    {
        if (m_old)
            ::setenv("HOME", m_old->c_str(), 1);
    }

private:
    std::optional<std::string> m_old;
};

RunSummary runAndWait(JobService& service, const Job& job, RunTrigger trigger)
{
    std::optional<RunSummary> finished;
    QEventLoop loop;
    auto connection = QObject::connect(&service, &JobService::runFinished, &loop, [&](const RunSummary& s) {
        finished = s;
        loop.quit();
    });
    QTimer::singleShot(90000, &loop, &QEventLoop::quit);
    REQUIRE(service.startRun(job, trigger));
    loop.exec();
    QObject::disconnect(connection);
    REQUIRE(finished);
    return *finished;
}

std::string contents(const std::string& file)
{
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

TEST_CASE("JobService: a new host key is asked about in window runs only; a changed one stops every run",
          "[sftp][jobservice][hostkey]")
{
    TestSshd sshd;
    TempDir t;
    REQUIRE(::mkdir((t / "home").c_str(), 0700) == 0);
    REQUIRE(::mkdir((t / "L").c_str(), 0755) == 0);
    writeFile(t / "L/a.txt", "alpha");
    ScopedHome home(t / "home");
    const std::string dataDir = t / "data";

    Job job;
    job.name = "Nas";
    job.left = t / "L";
    job.right = sshd.url(sshd.serverRoot() + "/docs");
    job.mode = SyncMode::Mirror;
    job.identityFile = sshd.clientKey();
    {
        auto db = AppDb::open(AppDb::pathIn(dataDir));
        REQUIRE(db.ok());
        REQUIRE((*db)->addJob(job).ok());
        auto saved = (*db)->jobByName("Nas");
        REQUIRE(saved.ok());
        REQUIRE(saved->has_value());
        job = **saved;
    }

    JobService service(dataDir);
    std::vector<HostKeyFacts> asked;
    HostKeyChoice answer = HostKeyChoice::Refuse;
    service.setHostKeyPrompt([&](const HostKeyFacts& facts) {
        asked.push_back(facts);
        return answer;
    });
    int passwordsAsked = 0;
    service.setCredentialPrompt([&](const CredentialRequest&) -> std::optional<std::string> {
        ++passwordsAsked;
        return std::nullopt;
    });

    // Scheduled: nobody is asked, the new key is refused, with its fingerprint.
    RunSummary scheduled = runAndWait(service, job, RunTrigger::Schedule);
    CHECK(asked.empty());
    CHECK(scheduled.outcome == RunOutcome::Failed);
    CHECK(scheduled.message.contains(QString::fromStdString(sshd.hostKeyFingerprint())));

    // From the window: asked once, with the key's facts; refused.
    RunSummary refused = runAndWait(service, job, RunTrigger::Manual);
    REQUIRE(asked.size() == 1);
    CHECK(asked[0].fingerprint == sshd.hostKeyFingerprint());
    CHECK(asked[0].host == "127.0.0.1");
    CHECK(asked[0].port == sshd.port());
    CHECK(asked[0].keyType == "ssh-ed25519");
    CHECK(refused.outcome == RunOutcome::Failed);

    // Accepted and remembered in the service's data folder: the run syncs.
    answer = HostKeyChoice::AcceptAndRemember;
    RunSummary accepted = runAndWait(service, job, RunTrigger::Manual);
    INFO(accepted.message.toStdString());
    CHECK(accepted.outcome == RunOutcome::InSync);
    CHECK(asked.size() == 2);
    CHECK(contents(dataDir + "/known_hosts").find("127.0.0.1") != std::string::npos);
    CHECK(contents(sshd.serverRoot() + "/docs/a.txt") == "alpha");

    // Now known: a scheduled run goes through without asking anyone.
    RunSummary later = runAndWait(service, job, RunTrigger::Schedule);
    CHECK(later.outcome == RunOutcome::InSync);
    CHECK(asked.size() == 2);
    CHECK(passwordsAsked == 0); // the key logs in: no password dialog, ever

    // The server's key changes: a safety stop, in the summary and the history.
    sshd.restart(true);
    writeFile(t / "L/b.txt", "beta");
    RunSummary stopped = runAndWait(service, job, RunTrigger::Schedule);
    INFO(stopped.message.toStdString());
    CHECK(stopped.outcome == RunOutcome::Stopped);
    CHECK(stopped.exitCode == 4);
    CHECK(stopped.message.contains("different host key"));
    CHECK(asked.size() == 2);
    CHECK(::access((sshd.serverRoot() + "/docs/b.txt").c_str(), F_OK) != 0);
    auto db = AppDb::open(AppDb::pathIn(dataDir));
    REQUIRE(db.ok());
    auto runs = (*db)->runs(job.id, 1);
    REQUIRE(runs.ok());
    REQUIRE(runs->size() == 1);
    CHECK(runs->front().outcome == RunOutcome::Stopped);
    REQUIRE(runs->front().stop);
    CHECK(runs->front().stop->kind == StopKind::HostKeyChanged);
    CHECK(runs->front().stop->side == Side::Right);
}
