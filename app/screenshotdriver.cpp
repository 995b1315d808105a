#include "screenshotdriver.h"

#include "historydialog.h"
#include "jobs/jobservice.h"
#include "jobsmodel.h"
#include "jobwizard.h"
#include "mainwindow.h"
#include "filterspage.h"
#include "hostkeydialog.h"
#include "passwordprompt.h"
#include "remotefolderdialog.h"
#include "serverform.h"
#include "previewdialog.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QTableView>
#include <QTimer>

#include <cstdio>

namespace ferry {

ScreenshotDriver::ScreenshotDriver(ui::MainWindow& window, JobService& service, QString dir, QString jobName)
    : QObject(&window), m_window(window), m_service(service), m_dir(std::move(dir)), m_jobName(std::move(jobName))
{
}

void ScreenshotDriver::shoot(QWidget* w, const QString& name)
{
    QApplication::processEvents();
    const QString file = m_dir + "/" + name + ".png";
    if (!w->grab().save(file))
        std::fprintf(stderr, "screenshot: could not save %s\n", qPrintable(file));
    else
        std::fprintf(stderr, "screenshot: %s\n", qPrintable(file));
}

void ScreenshotDriver::start()
{
    if (m_jobName.isEmpty()) { // the empty state
        QTimer::singleShot(800, this, [this] {
            shoot(&m_window, "main-window-empty");
            emit done();
        });
        return;
    }
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(&m_service, &JobService::jobsLoaded, this, [this, conn](const QList<JobRow>& rows) {
        QObject::disconnect(*conn);
        for (const JobRow& r : rows)
            if (QString::fromStdString(r.job.name) == m_jobName)
                m_window.selectJob(r.job.id);
        QTimer::singleShot(400, this, &ScreenshotDriver::mainWindow);
    });
}

void ScreenshotDriver::mainWindow()
{
    shoot(&m_window, "main-window");
    wizard();
}

void ScreenshotDriver::wizard()
{
    const ui::JobsModel* model = m_window.jobsModel();
    const JobRow* row = model->rowById(m_window.selectedJobId());
    QStringList jobNames;
    for (int i = 0; i < model->rowCount(); ++i)
        jobNames << QString::fromStdString(model->rowAt(i)->job.name);
    auto* w = new ui::JobWizard(Job{}, &m_window, jobNames);
    if (row) {
        // As a user would type them: under the home folder, "~/…" (the
        // demo's HOME is its own folder; the wizard expands "~").
        w->nameEdit()->setText(QStringLiteral("Documents backup"));
        w->leftEdit()->setText(ui::JobsModel::displayPath(row->job.left));
        w->rightEdit()->setText(ui::JobsModel::displayPath(row->job.right) + " backup");
        w->excludesEdit()->setPlainText(QStringLiteral("*.tmp\n.cache/"));
        w->filtersPage()->settleBox()->setChecked(true);
        w->scheduleCombo()->setCurrentIndex(w->scheduleCombo()->findData(int(Schedule::Kind::Weekly)));
    }
    w->show();
    const char* names[] = {"wizard-1-mode", "wizard-2-folders", "wizard-3-filters", "wizard-4-conflicts",
                           "wizard-5-versioning", "wizard-6-schedule", "wizard-7-summary"};
    for (int page = 0; page < 7; ++page) {
        QApplication::processEvents();
        QEventLoop loop;
        QTimer::singleShot(250, &loop, &QEventLoop::quit); // let the folder checks answer
        loop.exec();
        shoot(w, names[page]);
        w->next();
    }
    w->close();
    w->deleteLater();
    serverWizard();
}

// The wizard's server form, the host-key dialog and the folder browser.
// With FERRY_SCREENSHOT_SFTP (packaging/screenshots.sh starts a private
// sshd on 127.0.0.1) they show a real connection: the first Test connection
// meets the server's key, so the host-key dialog comes up by itself.
// Without it, the form is filled with a made-up server and the dialog is
// shown with a made-up key; the browser needs a server and is left out.
void ScreenshotDriver::serverWizard()
{
    const QString url = qEnvironmentVariable("FERRY_SCREENSHOT_SFTP");
    auto* w = new ui::JobWizard(Job{}, &m_window);
    w->nameEdit()->setText(QStringLiteral("Documents ⇄ NAS"));
    w->leftEdit()->setText(QStringLiteral("~/Documents"));
    w->serverChoice(1)->click();
    ui::ServerForm* form = w->serverForm(1);
    form->fillFromUrl(url.isEmpty() ? QStringLiteral("sftp://me@nas.local/srv/docs") : url);
    w->show();
    w->next();
    auto finish = [this, w] {
        // The password a run asks for when none is saved.
        CredentialRequest request{"Documents ⇄ NAS", "sftp://me@nas.local/srv/docs", "me",
                                  "no password is saved in the keychain"};
        auto* ask = new ui::PasswordDialog(request, w);
        ask->show();
        wait(200);
        shoot(ask, "password-prompt");
        ask->deleteLater();
        w->close();
        w->deleteLater();
        preview();
    };
    if (url.isEmpty()) {
        wait(300);
        shoot(w, "wizard-server");
        HostKeyFacts facts{"nas.local", 22, "ssh-ed25519", "SHA256:pPkJ3fDn1Jk4M0tQ0yQ7Z1f4bG0vS6l2m8aXk9W3rEo", ""};
        auto* dialog = new ui::HostKeyDialog(facts, w);
        dialog->show();
        wait(200);
        shoot(dialog, "host-key");
        dialog->deleteLater();
        finish();
        return;
    }
    // The key of the private server is new: picture the dialog, then trust it.
    QPointer<QTimer> poll = new QTimer(this);
    connect(poll, &QTimer::timeout, this, [this, poll] {
        if (auto* dialog = qobject_cast<ui::HostKeyDialog*>(QApplication::activeModalWidget())) {
            poll->stop();
            poll->deleteLater();
            wait(200);
            shoot(dialog, "host-key");
            dialog->rememberButton()->click();
        }
    });
    poll->start(50);
    connect(form, &ui::ServerForm::testFinished, this, [this, w, form, poll, finish](bool ok, const QString& text) {
        if (poll) // the key was known after all
            poll->deleteLater();
        if (!ok)
            std::fprintf(stderr, "screenshot: the test connection failed: %s\n", qPrintable(text));
        wait(200);
        shoot(w, "wizard-server");
        // The browser, opened at the form's folder.
        auto* browser = new ui::RemoteFolderDialog(form->location(), form->access(), w);
        auto listed = std::make_shared<QMetaObject::Connection>();
        const QString target = QString::fromStdString(form->location().path);
        auto shot = [this, browser, finish] {
            shoot(browser, "remote-browser");
            browser->reject();
            browser->deleteLater();
            finish();
        };
        *listed = connect(browser, &ui::RemoteFolderDialog::listed, this, [listed, target, shot](const QString& path) {
            if (path != target)
                return;
            QObject::disconnect(*listed);
            QTimer::singleShot(300, shot);
        });
        connect(browser, &ui::RemoteFolderDialog::failed, this, [shot](const QString& message) {
            std::fprintf(stderr, "screenshot: the folder browser failed: %s\n", qPrintable(message));
            QTimer::singleShot(300, shot);
        });
        browser->show();
    }, Qt::SingleShotConnection);
    wait(300);
    form->testConnection();
}

void ScreenshotDriver::wait(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

void ScreenshotDriver::preview()
{
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(&m_window, &ui::MainWindow::previewShown, this, [this, conn](QDialog* dialog) {
        QObject::disconnect(*conn);
        QTimer::singleShot(300, this, [this, dialog] {
            shoot(dialog, "preview");
            dialog->reject();
            QTimer::singleShot(500, this, &ScreenshotDriver::progress);
        });
    });
    m_window.action("preview")->trigger();
}

void ScreenshotDriver::progress()
{
    // Start paused, let it copy for a moment, pause again for the picture,
    // then let it finish.
    auto fin = std::make_shared<QMetaObject::Connection>();
    *fin = connect(&m_window, &ui::MainWindow::runShown, this, [this, fin] {
        QObject::disconnect(*fin);
        QTimer::singleShot(600, this, [this] {
            shoot(&m_window, "run-finished");
            history();
        });
    });
    m_window.action("syncNow")->trigger();
    m_window.action("pause")->trigger();
    QTimer::singleShot(1500, this, [this] {
        m_window.action("pause")->trigger(); // resume
        QTimer::singleShot(150, this, [this] {
            m_window.action("pause")->trigger(); // pause
            QTimer::singleShot(800, this, [this] {
                shoot(&m_window, "progress");
                m_window.action("pause")->trigger(); // resume to the end
            });
        });
    });
}

void ScreenshotDriver::history()
{
    m_window.action("history")->trigger();
    auto* dialog = m_window.findChild<ui::HistoryDialog*>();
    if (!dialog) {
        emit done();
        return;
    }
    auto conn = std::make_shared<QMetaObject::Connection>();
    *conn = connect(dialog, &ui::HistoryDialog::loaded, this, [this, dialog, conn] {
        QObject::disconnect(*conn);
        connect(dialog, &ui::HistoryDialog::itemsShown, this, [this, dialog] {
            QTimer::singleShot(300, this, [this, dialog] {
                shoot(dialog, "history");
                emit done();
            });
        });
        dialog->runsView()->selectRow(0);
    });
}

} // namespace ferry
