// The SSH / SFTP side of the GUI with real widgets (offscreen): the wizard's
// server form (switching to it, a pasted URL, validation, an edited job),
// the host-key dialog and its cross-thread prompt, the password dialog's
// keychain box, and the remote folder browser.
#include "hostkeydialog.h"
#include "jobs/jobservice.h"
#include "jobsmodel.h"
#include "jobwizard.h"
#include "mainwindow.h"
#include "passwordprompt.h"
#include "remotefolderdialog.h"
#include "serverform.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QMap>
#include <QRadioButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QProgressBar>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <catch2/catch.hpp>

#include <thread>

using namespace ferry;
using namespace ferry::ui;

namespace {

// Runs `answer` on the first modal dialog of type T that opens (polled from
// the event loop that dialog runs in). Gives up after `ms`.
template <typename T>
void answerWhenOpen(std::function<void(T*)> answer, int ms = 10000)
{
    auto* timer = new QTimer;
    auto started = std::make_shared<QElapsedTimer>();
    started->start();
    QObject::connect(timer, &QTimer::timeout, [timer, answer, started, ms] {
        if (auto* dialog = qobject_cast<T*>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            answer(dialog);
        } else if (started->elapsed() > ms) {
            timer->stop();
            timer->deleteLater();
        }
    });
    timer->start(20);
}

HostKeyFacts someFacts()
{
    HostKeyFacts f;
    f.host = "127.0.0.1";
    f.port = 2222;
    f.keyType = "ssh-ed25519";
    f.fingerprint = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    f.recordIn = "/tmp/known_hosts";
    return f;
}

} // namespace

TEST_CASE("the sides page switches a side to the server form", "[ui][sftp]")
{
    JobWizard wizard;
    wizard.show();
    REQUIRE(QTest::qWaitForWindowExposed(&wizard));
    wizard.next();
    REQUIRE(wizard.currentId() == JobWizard::SidesPage);
    wizard.nameEdit()->setText("Docs on the NAS");
    wizard.leftEdit()->setText(QDir::tempPath());
    ServerForm* form = wizard.serverForm(1);
    CHECK_FALSE(form->isVisible());
    CHECK(wizard.rightEdit()->isVisible());
    wizard.serverChoice(1)->click();
    CHECK(form->isVisible());
    CHECK_FALSE(wizard.rightEdit()->isVisible());
    CHECK(form->portEdit()->text() == "22");
    CHECK(form->userEdit()->text() == ServerForm::localUserName());
    CHECK(form->keyAuthButton()->isChecked());
    CHECK_FALSE(wizard.button(QWizard::NextButton)->isEnabled());
    CHECK(wizard.sidesWarning()->text().contains("Enter the server's name"));

    form->hostEdit()->setText("nas.local");
    form->pathEdit()->setText("/srv/docs");
    CHECK(wizard.button(QWizard::NextButton)->isEnabled());
    CHECK(wizard.job().right == "sftp://" + ServerForm::localUserName().toStdString() + "@nas.local/srv/docs");
    // Back to a folder on this computer: the local field counts again.
    wizard.localChoice(1)->click();
    CHECK(wizard.rightEdit()->isVisible());
    CHECK_FALSE(wizard.button(QWizard::NextButton)->isEnabled());
}

TEST_CASE("pasting an sftp:// URL fills the server form", "[ui][sftp]")
{
    JobWizard wizard;
    wizard.show();
    wizard.next();
    ServerForm* form = wizard.serverForm(0);
    wizard.serverChoice(0)->click();
    form->hostEdit()->setText("sftp://alice@nas.local:2222/srv/docs");
    CHECK(form->hostEdit()->text() == "nas.local");
    CHECK(form->portEdit()->text() == "2222");
    CHECK(form->userEdit()->text() == "alice");
    CHECK(form->pathEdit()->text() == "/srv/docs");
    CHECK(form->problem().isEmpty());

    SECTION("user@host typed into the host field splits")
    {
        form->hostEdit()->setText("bob@backup.example.org");
        CHECK(form->hostEdit()->text() == "backup.example.org");
        CHECK(form->userEdit()->text() == "bob");
    }
    SECTION("a URL pasted into the folder field of a local side switches it to the server form")
    {
        REQUIRE_FALSE(wizard.serverChoice(1)->isChecked());
        wizard.rightEdit()->setText("sftp://carol@[::1]:2200/home/carol/Music");
        CHECK(wizard.serverChoice(1)->isChecked());
        CHECK(wizard.serverForm(1)->hostEdit()->text() == "::1");
        CHECK(wizard.serverForm(1)->portEdit()->text() == "2200");
        CHECK(wizard.serverForm(1)->pathEdit()->text() == "/home/carol/Music");
        CHECK(wizard.rightEdit()->text().isEmpty());
    }
}

TEST_CASE("an empty host, a bad port or a relative folder keep Next disabled and say why", "[ui][sftp]")
{
    JobWizard wizard;
    wizard.show();
    wizard.next();
    wizard.nameEdit()->setText("Music");
    wizard.leftEdit()->setText(QDir::tempPath());
    wizard.serverChoice(1)->click();
    ServerForm* form = wizard.serverForm(1);
    form->hostEdit()->setText("nas.local");
    form->pathEdit()->setText("/srv/music");
    REQUIRE(wizard.button(QWizard::NextButton)->isEnabled());
    REQUIRE_FALSE(wizard.sidesWarning()->text().contains("Second folder"));

    SECTION("empty host")
    {
        form->hostEdit()->clear();
        CHECK(wizard.sidesWarning()->text().contains("Second folder: Enter the server's name or address"));
    }
    SECTION("port out of range")
    {
        form->portEdit()->setText("70000");
        CHECK(wizard.sidesWarning()->text().contains("The port must be a number from 1 to 65535"));
    }
    SECTION("port not a number")
    {
        form->portEdit()->setText("ssh");
        CHECK(wizard.sidesWarning()->text().contains("The port must be a number"));
    }
    SECTION("relative folder")
    {
        form->pathEdit()->setText("music");
        CHECK(wizard.sidesWarning()->text().contains("full path starting with “/”"));
    }
    CHECK_FALSE(wizard.button(QWizard::NextButton)->isEnabled());
    // Test connection does not even start: it says the same.
    form->testButton()->click();
    CHECK_FALSE(form->isTesting());
    CHECK_FALSE(form->testResultLabel()->text().isEmpty());
}

TEST_CASE("editing a job with an sftp side shows the server form filled in", "[ui][sftp]")
{
    Job job;
    job.id = 3;
    job.name = "Docs";
    job.left = QDir::tempPath().toStdString();
    job.right = "sftp://me@nas:2222/srv/docs";
    job.identityFile = "/home/me/.ssh/nas_ed25519";
    JobWizard wizard(job);
    wizard.show();
    wizard.next();
    ServerForm* form = wizard.serverForm(1);
    CHECK(wizard.serverChoice(1)->isChecked());
    CHECK(wizard.localChoice(0)->isChecked());
    CHECK(form->isVisible());
    CHECK(form->hostEdit()->text() == "nas");
    CHECK(form->portEdit()->text() == "2222");
    CHECK(form->userEdit()->text() == "me");
    CHECK(form->pathEdit()->text() == "/srv/docs");
    CHECK(form->keyFileEdit()->text() == "/home/me/.ssh/nas_ed25519");
    // Unchanged, it saves the same sides.
    const Job again = wizard.job();
    CHECK(again.right == job.right);
    CHECK(again.identityFile == job.identityFile);
    CHECK(wizard.summaryText().contains("me@nas:/srv/docs (port 2222)"));
}

TEST_CASE("the job list shows a server side as user@host:/path", "[ui][sftp]")
{
    CHECK(JobsModel::displayPath("sftp://me@nas/srv/docs") == "me@nas:/srv/docs");
    CHECK(JobsModel::displayPath("sftp://me@nas:22/srv/docs") == "me@nas:/srv/docs");
    CHECK(JobsModel::displayPath("sftp://me@nas:2222/srv/docs") == "me@nas:/srv/docs (port 2222)");
    CHECK(JobsModel::displayPath("sftp://me@[::1]/x") == "me@[::1]:/x");
}

TEST_CASE("the host-key dialog answers each choice from its buttons", "[ui][sftp]")
{
    const HostKeyFacts facts = someFacts();
    {
        HostKeyDialog dialog(facts);
        CHECK(dialog.choice() == HostKeyChoice::Refuse);
        CHECK(dialog.fingerprintLabel()->text() == QString::fromStdString(facts.fingerprint));
        CHECK(dialog.fingerprintLabel()->textInteractionFlags() & Qt::TextSelectableByMouse);
        CHECK(dialog.cancelButton()->isDefault()); // Enter never trusts a key
        auto* port = dialog.findChild<QLabel*>("hostKeyPort");
        REQUIRE(port);
        CHECK(port->text() == "2222");
        CHECK(dialog.findChild<QLabel*>("hostKeyType")->text() == "ED25519"); // as OpenSSH says it
    }
    struct Case {
        const char* button;
        HostKeyChoice expected;
    };
    for (const Case c : {Case{"trustRemember", HostKeyChoice::AcceptAndRemember},
                         Case{"trustOnce", HostKeyChoice::AcceptOnce}, Case{"cancel", HostKeyChoice::Refuse}}) {
        CAPTURE(c.button);
        answerWhenOpen<HostKeyDialog>([&](HostKeyDialog* d) {
            auto* b = d->findChild<QPushButton*>(c.button);
            if (b)
                QTest::mouseClick(b, Qt::LeftButton);
            else
                d->reject();
        });
        CHECK(askHostKey(nullptr, facts) == c.expected);
    }
}

TEST_CASE("a host key asked from a worker thread is answered in the dialog on the GUI thread", "[ui][sftp]")
{
    QWidget owner;
    const HostKeyPrompt prompt = guiHostKeyPrompt(&owner);
    HostKeyChoice answer = HostKeyChoice::Refuse;
    std::atomic<bool> done{false};
    answerWhenOpen<HostKeyDialog>([](HostKeyDialog* d) { QTest::mouseClick(d->onceButton(), Qt::LeftButton); });
    std::thread worker([&] {
        answer = prompt(someFacts());
        done = true;
    });
    const bool answered = QTest::qWaitFor([&] { return done.load(); }, 10000);
    worker.join();
    REQUIRE(answered);
    CHECK(answer == HostKeyChoice::AcceptOnce);
}

TEST_CASE("the password dialog's keychain box saves the password under the job", "[ui][sftp]")
{
    CredentialRequest request{"Docs", "sftp://me@nas/srv/docs", "me", "no password is saved in the keychain"};
    std::string savedJob, savedPassword;
    PasswordSaver saver = [&](QWidget*, const std::string& job, const std::string& pw) {
        savedJob = job;
        savedPassword = pw;
    };
    SECTION("ticked: used and saved")
    {
        answerWhenOpen<PasswordDialog>([](PasswordDialog* d) {
            CHECK_FALSE(d->saveBox()->isChecked());
            d->passwordEdit()->setText("s3cret");
            d->saveBox()->setChecked(true);
            d->accept();
        });
        CHECK(askPassword(nullptr, request, saver) == std::optional<std::string>("s3cret"));
        CHECK(savedJob == "Docs");
        CHECK(savedPassword == "s3cret");
    }
    SECTION("not ticked: used for this run only")
    {
        answerWhenOpen<PasswordDialog>([](PasswordDialog* d) {
            d->passwordEdit()->setText("once");
            d->accept();
        });
        CHECK(askPassword(nullptr, request, saver) == std::optional<std::string>("once"));
        CHECK(savedJob.empty());
    }
    SECTION("cancelled")
    {
        answerWhenOpen<PasswordDialog>([](PasswordDialog* d) { d->reject(); });
        CHECK_FALSE(askPassword(nullptr, request, saver).has_value());
        CHECK(savedJob.empty());
    }
}

TEST_CASE("the wizard hands a password to keep to the window, only when asked to", "[ui][sftp]")
{
    JobWizard wizard;
    wizard.show();
    wizard.next();
    wizard.serverChoice(0)->click();
    ServerForm* form = wizard.serverForm(0);
    form->passwordAuthButton()->click();
    CHECK(form->passwordEdit()->isVisible());
    CHECK_FALSE(form->keyFileEdit()->isVisible());
    form->passwordEdit()->setText("pw");
    CHECK(form->savePasswordBox()->isChecked());
    CHECK(wizard.passwordToSave() == "pw");
    form->savePasswordBox()->setChecked(false);
    CHECK(wizard.passwordToSave().isEmpty());
}

TEST_CASE("the folder browser lists folders lazily, goes to a typed path and makes a folder", "[ui][sftp]")
{
    QTemporaryDir tmp;
    REQUIRE(QDir(tmp.path()).mkpath("alpha/inner"));
    REQUIRE(QDir(tmp.path()).mkpath("beta"));
    QFile(tmp.path() + "/file.txt").open(QIODevice::WriteOnly);
    // A local place stands in for the server here: the dialog only sees a Backend.
    Location where;
    where.path = QDir(tmp.path()).canonicalPath().toStdString();
    RemoteFolderDialog dialog(where, RemoteAccess{});
    QSignalSpy listed(&dialog, &RemoteFolderDialog::listed);
    dialog.show();
    const QString base = QString::fromStdString(where.path);
    REQUIRE(QTest::qWaitFor([&] {
        for (const auto& args : listed)
            if (args.at(0).toString() == base)
                return true;
        return false;
    }, 10000));
    QTreeWidgetItem* current = dialog.tree()->currentItem();
    REQUIRE(current);
    CHECK(dialog.selectedPath() == base);
    QStringList names;
    for (int i = 0; i < current->childCount(); ++i)
        names << current->child(i)->text(0);
    CHECK(names == QStringList{"alpha", "beta"}); // folders only, sorted

    dialog.makeFolder("gamma");
    QSignalSpy made(&dialog, &RemoteFolderDialog::folderMade);
    REQUIRE(made.wait(10000));
    CHECK(QFileInfo(base + "/gamma").isDir());
    CHECK(dialog.selectedPath() == base + "/gamma");

    dialog.makeFolder("../escape");
    CHECK_FALSE(dialog.statusLabel()->text().isEmpty());
    CHECK_FALSE(QFileInfo(base + "/../escape").exists());
}

TEST_CASE("versions of a server side are kept in a folder on that server", "[ui][sftp]")
{
    Job job;
    job.id = 4;
    job.name = "Docs";
    job.left = QDir::tempPath().toStdString() + "/docs";
    job.right = "sftp://me@nas/srv/docs";
    JobWizard wizard(job);
    wizard.show();
    while (wizard.currentId() != JobWizard::VersioningPage)
        wizard.next();
    wizard.versioningCombo()->setCurrentIndex(wizard.versioningCombo()->findData(int(VersioningSettings::Mode::Folder)));
    CHECK(wizard.versionsFolderEdit()->isVisible());       // for the left side, on this computer
    CHECK(wizard.serverVersionsFolderEdit()->isVisible()); // for the right side, on the server
    wizard.versionsFolderEdit()->setText(QDir::tempPath() + "/versions");
    CHECK_FALSE(wizard.button(QWizard::NextButton)->isEnabled());
    wizard.serverVersionsFolderEdit()->setText("/srv/versions");
    CHECK(wizard.button(QWizard::NextButton)->isEnabled());
    const Job j = wizard.job();
    CHECK(j.versioning.serverFolder == "/srv/versions");
    CHECK(j.versioning.folder == (QDir::tempPath() + "/versions").toStdString());
    CHECK(validateJob(j).ok());
    CHECK(wizard.summaryText().contains("/srv/versions on the server"));

    SECTION("with both sides on servers, only the server's folder is asked for")
    {
        while (wizard.currentId() != JobWizard::SidesPage)
            wizard.back();
        wizard.serverChoice(0)->click();
        wizard.serverForm(0)->fillFromUrl("sftp://me@laptop/home/me/docs");
        while (wizard.currentId() != JobWizard::VersioningPage)
            wizard.next();
        CHECK_FALSE(wizard.versionsFolderEdit()->isVisible());
        CHECK(wizard.serverVersionsFolderEdit()->isVisible());
        CHECK(wizard.button(QWizard::NextButton)->isEnabled());
        CHECK(wizard.job().versioning.folder.empty());
    }
}

TEST_CASE("the wizard grows to show two server forms without scrolling", "[ui][sftp]")
{
    Job job;
    job.id = 5;
    job.name = "Docs";
    job.left = "sftp://me@laptop/home/me/docs";
    job.right = "sftp://me@nas/srv/docs";
    JobWizard wizard(job);
    wizard.show();
    REQUIRE(QTest::qWaitForWindowExposed(&wizard));
    const int before = wizard.height();
    wizard.next();
    auto* scroll = wizard.findChild<QScrollArea*>("sidesScroll");
    REQUIRE(scroll);
    REQUIRE(QTest::qWaitFor([&] { return wizard.height() > before; }, 2000));
    QTest::qWait(50);
    CHECK_FALSE(scroll->verticalScrollBar()->isVisible());
    // A form that gets taller (a password row and its result) takes the wizard along.
    const int grown = wizard.height();
    wizard.serverForm(1)->passwordAuthButton()->click();
    wizard.serverForm(1)->portEdit()->setText("0");
    wizard.serverForm(1)->testButton()->click(); // refused at once: the port
    QTest::qWait(100);
    CHECK(wizard.height() >= grown);
    CHECK_FALSE(scroll->verticalScrollBar()->isVisible());
}

TEST_CASE("Cancel ends a connection test that waits for a silent server", "[ui][sftp]")
{
    // Accepts the connection and never says a word: the test waits for the banner.
    QTcpServer silent;
    REQUIRE(silent.listen(QHostAddress::LocalHost, 0));
    ServerForm form;
    form.show();
    REQUIRE(form.fillFromUrl(QString("sftp://me@127.0.0.1:%1/srv").arg(silent.serverPort())));
    QSignalSpy finished(&form, &ServerForm::testFinished);
    form.testButton()->click();
    CHECK(form.isTesting());
    CHECK(form.busyIndicator()->isVisible());
    CHECK(form.cancelTestButton()->isVisible());
    CHECK_FALSE(form.testButton()->isEnabled());
    QTest::qWait(200);
    form.cancelTestButton()->click();
    CHECK_FALSE(form.isTesting());
    CHECK_FALSE(form.busyIndicator()->isVisible());
    CHECK(form.testButton()->isEnabled());
    CHECK(form.testResultLabel()->text() == "Test cancelled.");
    QTest::qWait(300);
    CHECK(finished.isEmpty()); // a late answer is dropped
}

TEST_CASE("no two controls share a mnemonic on the pages of a job with server sides", "[ui][sftp]")
{
    Job job;
    job.id = 8;
    job.name = "Servers";
    job.left = "sftp://me@laptop/home/me/docs";
    job.right = "sftp://me@nas/srv/docs";
    job.versioning.mode = VersioningSettings::Mode::Folder;
    job.versioning.serverFolder = "/srv/versions";
    JobWizard wizard(job);
    wizard.show();
    while (true) {
        QMap<QChar, QString> seen;
        QList<QWidget*> widgets = wizard.currentPage()->findChildren<QWidget*>();
        for (auto b : {QWizard::BackButton, QWizard::NextButton, QWizard::FinishButton, QWizard::CancelButton})
            widgets << wizard.button(b);
        for (QWidget* w : widgets) {
            if (!w->isVisible())
                continue;
            QString text;
            if (auto* l = qobject_cast<QLabel*>(w))
                text = l->text();
            else if (auto* b = qobject_cast<QAbstractButton*>(w))
                text = b->text();
            const int amp = int(text.indexOf(QRegularExpression("&[^&]")));
            if (amp < 0)
                continue;
            const QChar key = text[amp + 1].toLower();
            CAPTURE(wizard.currentId(), text.toStdString(), seen.value(key).toStdString());
            CHECK_FALSE(seen.contains(key));
            seen[key] = text;
        }
        if (wizard.currentId() == JobWizard::SummaryPage)
            break;
        wizard.next();
    }
}

TEST_CASE("a password the wizard was asked to keep is saved under the job's name once the job is", "[ui][sftp]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    JobService service((tmp.path() + "/data").toStdString());
    MainWindow w(&service);
    std::vector<std::pair<std::string, std::string>> saved;
    w.setPasswordSaver([&](QWidget*, const std::string& job, const std::string& pw) { saved.emplace_back(job, pw); });
    QSignalSpy loaded(&service, &JobService::jobsLoaded);
    w.show();
    REQUIRE(QTest::qWaitFor([&] { return loaded.count() >= 1; }, 10000));
    bool filled = false;
    QTimer::singleShot(0, &w, [&] {
        auto* wizard = qobject_cast<JobWizard*>(QApplication::activeModalWidget());
        if (!wizard)
            return;
        wizard->next();
        wizard->nameEdit()->setText("Docs on the NAS");
        wizard->leftEdit()->setText(tmp.path() + "/docs");
        wizard->serverChoice(1)->click();
        ServerForm* form = wizard->serverForm(1);
        form->fillFromUrl("sftp://me@nas.local/srv/docs");
        form->passwordAuthButton()->click();
        form->passwordEdit()->setText("s3cret");
        while (wizard->currentId() != JobWizard::SummaryPage && wizard->button(QWizard::NextButton)->isEnabled())
            wizard->next();
        filled = wizard->currentId() == JobWizard::SummaryPage;
        wizard->accept();
    });
    w.newJob();
    REQUIRE(filled);
    REQUIRE(QTest::qWaitFor([&] { return !saved.empty(); }, 10000));
    CHECK(saved.size() == 1);
    CHECK(saved.front() == std::pair<std::string, std::string>{"Docs on the NAS", "s3cret"});
    REQUIRE(QTest::qWaitFor([&] { return w.jobsModel()->rowCount() == 1; }, 10000));
    CHECK(w.jobsModel()->rowAt(0)->job.right == "sftp://me@nas.local/srv/docs");
}

TEST_CASE("a job with a server side cannot keep its versions in the system trash", "[ui][sftp]")
{
    Job job;
    job.id = 9;
    job.name = "Docs";
    job.left = QDir::tempPath().toStdString() + "/docs";
    job.right = "sftp://me@nas/srv/docs";
    JobWizard wizard(job);
    wizard.show();
    while (wizard.currentId() != JobWizard::VersioningPage)
        wizard.next();
    wizard.versioningCombo()->setCurrentIndex(wizard.versioningCombo()->findData(int(VersioningSettings::Mode::Trash)));
    CHECK_FALSE(wizard.button(QWizard::NextButton)->isEnabled());
    CHECK(wizard.findChild<QLabel*>("versioningNote")->text().contains("A server has no system trash"));
    wizard.versioningCombo()->setCurrentIndex(wizard.versioningCombo()->findData(int(VersioningSettings::Mode::None)));
    CHECK(wizard.button(QWizard::NextButton)->isEnabled());
}
