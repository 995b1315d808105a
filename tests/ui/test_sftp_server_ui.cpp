// The server form and the folder browser against a real OpenSSH sshd on
// 127.0.0.1 (tests/sftp/sshd.h), with real widgets (offscreen): Test
// connection for a good server, a wrong port and a host key seen for the
// first time; the browser listing a folder on the server.
#include "hostkeydialog.h"
#include "jobs/jobservice.h"
#include "jobsmodel.h"
#include "jobwizard.h"
#include "mainwindow.h"
#include "remotefolderdialog.h"
#include "serverform.h"
#include "sftp/sshd.h"

#include <QAction>
#include <QApplication>
#include <QFileInfo>
#include <QRadioButton>
#include <QTemporaryDir>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <catch2/catch.hpp>

using namespace ferry;
using namespace ferry::ui;
using ferry::test::TestSshd;

namespace {

// Clicks `button` of the first host-key dialog that opens; counts how many did.
struct HostKeyAnswer {
    int asked = 0;
    QString fingerprint;
};

// Answers the first host-key dialog that opens with `button`; the timer
// that watches for it lives as long as the returned pointer.
std::unique_ptr<QTimer> answerHostKey(const char* button, std::shared_ptr<HostKeyAnswer> answer)
{
    auto timer = std::make_unique<QTimer>();
    QTimer* t = timer.get();
    QObject::connect(t, &QTimer::timeout, [t, button, answer] {
        if (auto* d = qobject_cast<HostKeyDialog*>(QApplication::activeModalWidget())) {
            t->stop();
            ++answer->asked;
            answer->fingerprint = d->fingerprintLabel()->text();
            if (auto* b = d->findChild<QPushButton*>(button))
                b->click();
            else
                d->reject();
        }
    });
    t->start(20);
    return timer;
}

// A port nothing listens on: bound for a moment, then closed.
int closedPort()
{
    QTcpServer probe;
    REQUIRE(probe.listen(QHostAddress::LocalHost, 0));
    const int port = probe.serverPort();
    probe.close();
    return port;
}

// Fills the form for the server's folder `path` and runs Test connection.
std::pair<bool, QString> testConnection(ServerForm& form)
{
    QSignalSpy finished(&form, &ServerForm::testFinished);
    form.testButton()->click();
    REQUIRE(form.isTesting());
    CHECK(form.busyIndicator()->isVisible());
    CHECK(form.cancelTestButton()->isVisible());
    REQUIRE(finished.wait(30000));
    CHECK_FALSE(form.isTesting());
    CHECK_FALSE(form.busyIndicator()->isVisible());
    return {finished.at(0).at(0).toBool(), finished.at(0).at(1).toString()};
}

} // namespace

TEST_CASE("Test connection says so for a good server and explains a wrong port", "[ui][sftp][sshd]")
{
    TestSshd sshd;
    const std::string folder = sshd.serverRoot() + "/docs";
    REQUIRE(QDir().mkpath(QString::fromStdString(folder + "/inside")));
    ServerForm form;
    form.setAccessBase(sshd.access());
    form.show();
    REQUIRE(form.fillFromUrl(QString::fromStdString(sshd.url(folder))));
    REQUIRE(form.problem().isEmpty());

    auto [ok, sentence] = testConnection(form);
    CAPTURE(sentence.toStdString(), sshd.log());
    CHECK(ok);
    CHECK(form.testResultLabel()->text() == sentence);
    CHECK_FALSE(form.findChild<QLabel*>("testResultIcon")->pixmap().isNull());
    const QColor success = form.testResultLabel()->palette().color(QPalette::WindowText);

    form.portEdit()->setText(QString::number(closedPort()));
    CHECK(form.testResultLabel()->text().isEmpty()); // an old result does not outlive the fields
    auto [failedOk, error] = testConnection(form);
    CAPTURE(error.toStdString());
    CHECK_FALSE(failedOk);
    CHECK_FALSE(error.isEmpty());
    CHECK(form.testResultLabel()->palette().color(QPalette::WindowText) != success);
}

TEST_CASE("Test connection asks about a host key seen for the first time", "[ui][sftp][sshd]")
{
    TestSshd sshd;
    RemoteAccess access = sshd.access();
    access.ferryKnownHosts = sshd.dir() + "/empty_known_hosts"; // nobody knows the key yet
    ServerForm form;
    form.setAccessBase(access);
    form.show();
    REQUIRE(form.fillFromUrl(QString::fromStdString(sshd.url(sshd.serverRoot()))));

    SECTION("Cancel in the dialog: not connected, and the result says why")
    {
        auto answer = std::make_shared<HostKeyAnswer>();
        auto watch_answer = answerHostKey("cancel", answer);
        auto [ok, text] = testConnection(form);
        CAPTURE(text.toStdString());
        CHECK(answer->asked == 1);
        CHECK(answer->fingerprint == QString::fromStdString(sshd.hostKeyFingerprint()));
        CHECK_FALSE(ok);
        CHECK(text.contains("not trusted"));
    }
    SECTION("Trust once: connected, and asked again next time")
    {
        auto answer = std::make_shared<HostKeyAnswer>();
        auto watch_answer = answerHostKey("trustOnce", answer);
        auto [ok, text] = testConnection(form);
        CAPTURE(text.toStdString(), sshd.log());
        CHECK(ok);
        CHECK(answer->asked == 1);
        auto again = std::make_shared<HostKeyAnswer>();
        auto watch_again = answerHostKey("trustOnce", again);
        CHECK(testConnection(form).first);
        CHECK(again->asked == 1);
    }
    SECTION("Trust and remember: connected, and not asked again")
    {
        auto answer = std::make_shared<HostKeyAnswer>();
        auto watch_answer = answerHostKey("trustRemember", answer);
        CHECK(testConnection(form).first);
        CHECK(answer->asked == 1);
        auto again = std::make_shared<HostKeyAnswer>();
        auto watch_again = answerHostKey("cancel", again);
        CHECK(testConnection(form).first);
        CHECK(again->asked == 0);
    }
}

TEST_CASE("a changed host key is an error that explains the danger, never a question", "[ui][sftp][sshd]")
{
    TestSshd sshd;
    ServerForm form;
    form.setAccessBase(sshd.access()); // knows the first key
    form.show();
    REQUIRE(form.fillFromUrl(QString::fromStdString(sshd.url(sshd.serverRoot()))));
    sshd.restart(true);
    auto answer = std::make_shared<HostKeyAnswer>();
    auto watch_answer = answerHostKey("trustRemember", answer);
    auto [ok, text] = testConnection(form);
    CAPTURE(text.toStdString());
    CHECK_FALSE(ok);
    CHECK(answer->asked == 0);
    CHECK(text.startsWith("Danger: this server's identity has changed"));
}

TEST_CASE("the folder browser lists the folders of a folder on the server", "[ui][sftp][sshd]")
{
    TestSshd sshd;
    const QString base = QString::fromStdString(sshd.serverRoot()) + "/share";
    REQUIRE(QDir().mkpath(base + "/Music"));
    REQUIRE(QDir().mkpath(base + "/Photos/2026"));
    QFile(base + "/notes.txt").open(QIODevice::WriteOnly);
    Location where = *Location::parse(sshd.url(base.toStdString()));
    RemoteFolderDialog dialog(where, sshd.access());
    QSignalSpy listed(&dialog, &RemoteFolderDialog::listed);
    QSignalSpy failed(&dialog, &RemoteFolderDialog::failed);
    dialog.show();
    REQUIRE(QTest::qWaitFor(
        [&] {
            for (const auto& args : listed)
                if (args.at(0).toString() == base)
                    return true;
            return !failed.isEmpty();
        },
        30000));
    CAPTURE(dialog.statusLabel()->text().toStdString());
    REQUIRE(failed.isEmpty());
    QTreeWidgetItem* current = dialog.tree()->currentItem();
    REQUIRE(current);
    CHECK(dialog.selectedPath() == base);
    QStringList names;
    for (int i = 0; i < current->childCount(); ++i)
        names << current->child(i)->text(0);
    CHECK(names == QStringList{"Music", "Photos"});

    // Opening a folder lists it.
    current->child(1)->setExpanded(true);
    REQUIRE(QTest::qWaitFor([&] { return current->child(1)->childCount() == 1; }, 30000));
    CHECK(current->child(1)->child(0)->text(0) == "2026");

    QSignalSpy made(&dialog, &RemoteFolderDialog::folderMade);
    dialog.tree()->setCurrentItem(current);
    dialog.makeFolder("Backups");
    REQUIRE(made.wait(30000));
    CHECK(QFileInfo(base + "/Backups").isDir());
    CHECK(dialog.selectedPath() == base + "/Backups");
}

TEST_CASE("a job with a side on a real sshd, made in the wizard, runs from Sync now", "[ui][sftp][sshd]")
{
    TestSshd sshd;
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/Documents";
    const QString remote = QString::fromStdString(sshd.serverRoot()) + "/docs";
    auto write = [](const QString& path, const QByteArray& bytes) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile f(path);
        REQUIRE(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    };
    write(left + "/report.txt", "quarterly numbers");
    write(left + "/photos/cat.jpg", QByteArray(300000, 'c'));
    write(remote + "/from-server.md", "made on the server");

    JobService service((tmp.path() + "/data").toStdString());
    MainWindow w(&service);
    QSignalSpy loaded(&service, &JobService::jobsLoaded);
    w.show();
    REQUIRE(QTest::qWaitFor([&] { return loaded.count() >= 1; }, 10000));

    bool filled = false;
    QTimer::singleShot(0, &w, [&] {
        auto* wizard = qobject_cast<JobWizard*>(QApplication::activeModalWidget());
        if (!wizard)
            return;
        wizard->next();
        wizard->nameEdit()->setText("Docs on the server");
        wizard->leftEdit()->setText(left);
        wizard->serverChoice(1)->click();
        ServerForm* form = wizard->serverForm(1);
        form->fillFromUrl(QString::fromStdString(sshd.url(remote.toStdString())));
        form->keyFileEdit()->setText(QString::fromStdString(sshd.clientKey()));
        while (wizard->currentId() != JobWizard::SummaryPage && wizard->button(QWizard::NextButton)->isEnabled())
            wizard->next();
        filled = wizard->currentId() == JobWizard::SummaryPage;
        wizard->accept();
    });
    w.newJob();
    REQUIRE(filled);
    REQUIRE(QTest::qWaitFor([&] { return w.jobsModel()->rowCount() == 1; }, 10000));
    const JobRow* row = w.jobsModel()->rowAt(0);
    REQUIRE(row);
    CHECK(row->job.right == sshd.url(remote.toStdString()));
    CHECK(row->job.identityFile == sshd.clientKey());
    const QString shownSides = w.jobsModel()->data(w.jobsModel()->index(0, JobsModel::Sides)).toString();
    CAPTURE(shownSides.toStdString());
    CHECK(shownSides.contains(QString::fromStdString(sshd.user()) + "@127.0.0.1:" + remote));

    // The server's key is new to this data folder: the window asks.
    auto answer = std::make_shared<HostKeyAnswer>();
    auto watch = answerHostKey("trustRemember", answer);
    QSignalSpy shown(&w, &MainWindow::runShown);
    QSignalSpy progress(&service, &JobService::runProgress);
    w.selectJob(row->job.id);
    w.action("syncNow")->trigger();
    REQUIRE(QTest::qWaitFor([&] { return shown.count() == 1; }, 30000));
    auto summary = shown.at(0).at(0).value<RunSummary>();
    CAPTURE(summary.message.toStdString(), summary.errors.join("\n").toStdString(), sshd.log());
    CHECK(answer->asked == 1);
    CHECK(answer->fingerprint == QString::fromStdString(sshd.hostKeyFingerprint()));
    CHECK(summary.outcome == RunOutcome::InSync);
    CHECK_FALSE(progress.isEmpty());
    CHECK(w.progressLabel()->text().contains("in sync"));
    QFile copied(remote + "/photos/cat.jpg");
    REQUIRE(copied.open(QIODevice::ReadOnly));
    CHECK(copied.readAll() == QByteArray(300000, 'c'));
    QFile back(left + "/from-server.md");
    REQUIRE(back.open(QIODevice::ReadOnly));
    CHECK(back.readAll() == "made on the server");

    // Remembered: the next run does not ask.
    auto again = std::make_shared<HostKeyAnswer>();
    auto watchAgain = answerHostKey("cancel", again);
    write(left + "/report.txt", "quarterly numbers, revised");
    REQUIRE(QTest::qWaitFor([&] { return w.action("syncNow")->isEnabled(); }, 10000));
    w.action("syncNow")->trigger();
    REQUIRE(QTest::qWaitFor([&] { return shown.count() == 2; }, 30000));
    summary = shown.at(1).at(0).value<RunSummary>();
    CHECK(summary.outcome == RunOutcome::InSync);
    CHECK(again->asked == 0);
    QFile revised(remote + "/report.txt");
    REQUIRE(revised.open(QIODevice::ReadOnly));
    CHECK(revised.readAll() == "quarterly numbers, revised");
}

TEST_CASE("Test connection with a password: missing, wrong, right", "[ui][sftp][sshd]")
{
    if (!TestSshd::canMakePasswordUser()) {
        WARN("skipped: a password account can only be made as root");
        return;
    }
    ferry::test::SshdOptions options;
    options.passwordAuth = true;
    TestSshd sshd(options);
    RemoteAccess base = sshd.access();
    base.identityFiles.clear(); // the password account has no key
    ServerForm form;
    form.setAccessBase(base);
    form.show();
    form.hostEdit()->setText("127.0.0.1");
    form.portEdit()->setText(QString::number(sshd.port()));
    form.userEdit()->setText(QString::fromStdString(sshd.passwordUser()));
    form.pathEdit()->setText("/");

    auto [keyOk, keyText] = testConnection(form);
    CAPTURE(keyText.toStdString());
    CHECK_FALSE(keyOk);
    CHECK(keyText.contains("Choose “Password”"));

    form.passwordAuthButton()->click();
    auto [emptyOk, emptyText] = testConnection(form);
    CAPTURE(emptyText.toStdString());
    CHECK_FALSE(emptyOk);
    CHECK(emptyText.contains("Password field"));

    form.passwordEdit()->setText("not the password");
    auto [wrongOk, wrongText] = testConnection(form);
    CAPTURE(wrongText.toStdString());
    CHECK_FALSE(wrongOk);

    form.passwordEdit()->setText(QString::fromStdString(sshd.password()));
    auto [rightOk, rightText] = testConnection(form);
    CAPTURE(rightText.toStdString(), sshd.log());
    CHECK(rightOk);

    // An edited job's password variable stands in for an empty field, as in a run.
    form.passwordEdit()->clear();
    form.setPasswordVariable("FERRY_UI_TEST_PASSWORD");
    qputenv("FERRY_UI_TEST_PASSWORD", QByteArray::fromStdString(sshd.password()));
    auto [variableOk, variableText] = testConnection(form);
    qunsetenv("FERRY_UI_TEST_PASSWORD");
    CAPTURE(variableText.toStdString());
    CHECK(variableOk);
}

// Not run by default: pictures of the form's failures for a person to look
// at (FERRY_UI_SHOTS=<folder> ferry_ui_tests "[.shots]").
TEST_CASE("pictures of the server form's failures", "[.shots]")
{
    const QString dir = qEnvironmentVariable("FERRY_UI_SHOTS", QDir::tempPath());
    TestSshd sshd;
    ServerForm form;
    form.setAccessBase(sshd.access());
    form.resize(640, 260);
    form.show();
    REQUIRE(form.fillFromUrl(QString::fromStdString(sshd.url(sshd.serverRoot()))));
    form.portEdit()->setText(QString::number(closedPort()));
    testConnection(form);
    form.grab().save(dir + "/form-refused.png");
    form.portEdit()->setText(QString::number(sshd.port()));
    sshd.restart(true);
    testConnection(form);
    form.resize(640, 360);
    QTest::qWait(50);
    form.grab().save(dir + "/form-changed-key.png");
}
