#include "passwordprompt.h"

#include "jobsmodel.h"
#include "model/location.h"
#include "secrets/secretstore.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QStatusBar>
#include <QStyle>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace ferry::ui {

PasswordDialog::PasswordDialog(const CredentialRequest& request, QWidget* parent) : QDialog(parent)
{
    setObjectName("passwordDialog");
    auto h = [](const std::string& s) { return QString::fromStdString(s); };
    setWindowTitle(tr("Password for “%1”").arg(h(request.jobName)));
    // "me@nas.local:/srv/docs", as the job list shows the side.
    const QString place = JobsModel::displayPath(request.location);
    auto loc = Location::parse(request.location);
    const QString host = loc ? h(loc->host) : place;
    const QString heading = request.user.empty() ? tr("Password for %1").arg(host)
                                                 : tr("Password of %1 at %2").arg(h(request.user), host);
    auto* icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxQuestion).pixmap(32, 32));
    auto* text = new QLabel(tr("<b>%1</b><br>The job “%2” needs it to reach %3: %4.")
                                .arg(heading.toHtmlEscaped(), h(request.jobName).toHtmlEscaped(),
                                     place.toHtmlEscaped(), h(request.why).toHtmlEscaped()),
                            this);
    text->setWordWrap(true);
    text->setTextFormat(Qt::RichText);
    m_password = new QLineEdit(this);
    m_password->setObjectName("password");
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setAccessibleName(tr("Password"));
    m_save = new QCheckBox(tr("&Save it in the system keychain (otherwise it is used for this run only)"), this);
    m_save->setObjectName("savePassword");
    auto* form = new QFormLayout;
    form->addRow(tr("&Password:"), m_password);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    connect(m_password, &QLineEdit::textChanged, this, [buttons](const QString& t) {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!t.isEmpty());
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addSpacing(8);
    top->addWidget(text, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addSpacing(4);
    layout->addLayout(form);
    layout->addWidget(m_save);
    layout->addWidget(buttons);
    setMinimumWidth(520);
}

void savePasswordInKeychain(QWidget* parent, const std::string& jobName, const std::string& password)
{
    QPointer<QWidget> window(parent);
    auto* watcher = new QFutureWatcher<SecretStore::Outcome>();
    QObject::connect(watcher, &QFutureWatcher<SecretStore::Outcome>::finished, watcher, [watcher, window, jobName] {
        watcher->deleteLater();
        const SecretStore::Outcome out = watcher->result();
        const QString name = QString::fromStdString(jobName);
        if (out.status == SecretStore::Status::Ok) {
            if (auto* main = qobject_cast<QMainWindow*>(window ? window->window() : nullptr))
                main->statusBar()->showMessage(
                    QObject::tr("The password of “%1” is saved in the system keychain").arg(name), 8000);
            return;
        }
        const QString why = out.status == SecretStore::Status::NoKeychain
                                ? QObject::tr("No keychain service runs on this computer (%1).")
                                : QObject::tr("The keychain refused it (%1).");
        auto* box = new QMessageBox(QMessageBox::Warning, QObject::tr("Password not saved"),
                                    QObject::tr("Ferry could not save the password of “%1”. %2 Ferry will ask for it "
                                                "at each run; a scheduled run cannot ask, so set the job's password "
                                                "variable instead (ferry-cli job edit --password-env).")
                                        .arg(name, why.arg(QString::fromStdString(out.detail))),
                                    QMessageBox::Ok, window);
        box->setObjectName("passwordNotSaved");
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });
    // The keychain blocks for a moment: never on the GUI thread.
    watcher->setFuture(QtConcurrent::run(
        [key = SecretStore::keyForJob(jobName), password] { return SecretStore::write(key, password); }));
}

std::optional<std::string> askPassword(QWidget* parent, const CredentialRequest& request, const PasswordSaver& save)
{
    PasswordDialog dialog(request, parent);
    if (dialog.exec() != QDialog::Accepted || dialog.passwordEdit()->text().isEmpty())
        return std::nullopt;
    const std::string password = dialog.passwordEdit()->text().toStdString();
    if (dialog.saveBox()->isChecked() && save)
        save(parent, request.jobName, password);
    return password;
}

} // namespace ferry::ui
