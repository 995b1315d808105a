#include "serverform.h"

#include "backend/sshconnection.h"
#include "hostkeydialog.h"
#include "remotefolderdialog.h"
#include "secrets/secretstore.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QStyle>
#include <QtConcurrent>

#include <utility>

namespace ferry::ui {

namespace {

// Success and failure colours that read on light and dark palettes.
QColor resultColour(const QPalette& palette, bool ok)
{
    const bool dark = palette.color(QPalette::Window).lightness() < 128;
    if (ok)
        return dark ? QColor(0x7d, 0xd3, 0x8e) : QColor(0x1b, 0x7f, 0x3b);
    return dark ? QColor(0xff, 0x8a, 0x80) : QColor(0xb3, 0x26, 0x1e);
}

} // namespace

QString ServerForm::localUserName()
{
    QString name = qEnvironmentVariable("USER");
    if (name.isEmpty())
        name = qEnvironmentVariable("USERNAME");
    if (name.isEmpty())
        name = QDir::home().dirName();
    return name;
}

ServerForm::ServerForm(QWidget* parent) : QWidget(parent)
{
    setObjectName("serverForm");
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setColumnStretch(1, 1);
    auto label = [this](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };

    m_host = new QLineEdit(this);
    m_host->setObjectName("serverHost");
    m_host->setAccessibleName(tr("Server"));
    m_host->setPlaceholderText(tr("host name or address, or paste sftp://user@host/path"));
    m_port = new QLineEdit(QStringLiteral("22"), this);
    m_port->setObjectName("serverPort");
    m_port->setAccessibleName(tr("Port"));
    m_port->setMaximumWidth(m_port->fontMetrics().horizontalAdvance("655350") + 16);
    grid->addWidget(label(tr("Server:"), m_host), 0, 0);
    auto* hostRow = new QHBoxLayout;
    hostRow->addWidget(m_host, 1);
    hostRow->addSpacing(8);
    hostRow->addWidget(label(tr("Port:"), m_port));
    hostRow->addWidget(m_port);
    grid->addLayout(hostRow, 0, 1, 1, 2);

    m_user = new QLineEdit(localUserName(), this);
    m_user->setObjectName("serverUser");
    m_user->setAccessibleName(tr("User"));
    grid->addWidget(label(tr("User:"), m_user), 1, 0);
    grid->addWidget(m_user, 1, 1, 1, 2);

    m_path = new QLineEdit(this);
    m_path->setObjectName("serverPath");
    m_path->setAccessibleName(tr("Folder on the server"));
    m_path->setPlaceholderText(tr("e.g. /home/me/Documents"));
    m_browse = new QPushButton(tr("Browse…"), this);
    m_browse->setObjectName("serverBrowse");
    m_browse->setAccessibleName(tr("Browse the folders on the server"));
    grid->addWidget(label(tr("Folder:"), m_path), 2, 0);
    grid->addWidget(m_path, 2, 1);
    grid->addWidget(m_browse, 2, 2);

    m_keyAuth = new QRadioButton(tr("Key or agent (recommended)"), this);
    m_keyAuth->setObjectName("authKey");
    m_passwordAuth = new QRadioButton(tr("Password"), this);
    m_passwordAuth->setObjectName("authPassword");
    m_auth = new QButtonGroup(this);
    m_auth->addButton(m_keyAuth);
    m_auth->addButton(m_passwordAuth);
    m_keyAuth->setChecked(true);
    auto* authRow = new QHBoxLayout;
    authRow->addWidget(m_keyAuth);
    authRow->addSpacing(12);
    authRow->addWidget(m_passwordAuth);
    authRow->addStretch();
    grid->addWidget(new QLabel(tr("Sign in with:"), this), 3, 0);
    grid->addLayout(authRow, 3, 1, 1, 2);

    // The key file and the password rows: only the chosen one shows.
    m_keyFile = new QLineEdit(this);
    m_keyFile->setObjectName("serverKeyFile");
    m_keyFile->setAccessibleName(tr("Key file"));
    m_keyFile->setPlaceholderText(tr("optional; the agent and ~/.ssh keys are tried too"));
    auto* chooseKey = new QPushButton(tr("Choose…"), this);
    chooseKey->setAccessibleName(tr("Choose a key file"));
    connect(chooseKey, &QPushButton::clicked, this, [this] {
        const QString start = m_keyFile->text().isEmpty() ? QDir::homePath() + "/.ssh" : m_keyFile->text();
        const QString file = QFileDialog::getOpenFileName(this, tr("Private key file"), start);
        if (!file.isEmpty())
            m_keyFile->setText(file);
    });
    auto* keyLabel = label(tr("Key file:"), m_keyFile);
    grid->addWidget(keyLabel, 4, 0);
    grid->addWidget(m_keyFile, 4, 1);
    grid->addWidget(chooseKey, 4, 2);
    m_keyRow = {keyLabel, m_keyFile, chooseKey};

    m_password = new QLineEdit(this);
    m_password->setObjectName("serverPassword");
    m_password->setAccessibleName(tr("Password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_save = new QCheckBox(tr("Save in the system keychain"), this);
    m_save->setObjectName("savePassword");
    m_save->setToolTip(tr("Unsaved, Ferry asks for the password at each run; a scheduled run cannot ask."));
    m_save->setChecked(true);
    auto* passwordLabel = label(tr("Password:"), m_password);
    auto* passwordRow = new QHBoxLayout;
    passwordRow->addWidget(m_password, 1);
    passwordRow->addSpacing(8);
    passwordRow->addWidget(m_save);
    auto* passwordFields = new QWidget(this);
    passwordFields->setLayout(passwordRow);
    passwordRow->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(passwordLabel, 5, 0);
    grid->addWidget(passwordFields, 5, 1, 1, 2);
    m_passwordRow = {passwordLabel, passwordFields};

    m_test = new QPushButton(tr("Test connection"), this);
    m_test->setObjectName("testConnection");
    m_busy = new QProgressBar(this);
    m_busy->setObjectName("testBusy");
    m_busy->setRange(0, 0);
    m_busy->setTextVisible(false);
    m_busy->setFixedWidth(80);
    m_busy->setAccessibleName(tr("Connecting"));
    m_cancelTest = new QPushButton(tr("Cancel"), this);
    m_cancelTest->setObjectName("cancelTest");
    m_cancelTest->setAccessibleName(tr("Cancel the connection test"));
    m_resultIcon = new QLabel(this);
    m_resultIcon->setObjectName("testResultIcon");
    const int iconSize = fontMetrics().height();
    m_resultIcon->setFixedSize(iconSize, iconSize);
    m_result = new QLabel(this);
    m_result->setObjectName("testResult");
    m_result->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_result->setWordWrap(true);
    m_result->setTextFormat(Qt::PlainText);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* testRow = new QHBoxLayout;
    testRow->addWidget(m_test);
    testRow->addWidget(m_busy);
    testRow->addWidget(m_cancelTest);
    testRow->addStretch();
    grid->addLayout(testRow, 6, 1, 1, 2);
    // The result below, the full width of the fields: an error with its
    // next step can be long.
    auto* resultRow = new QHBoxLayout;
    resultRow->addWidget(m_resultIcon, 0, Qt::AlignTop);
    resultRow->addWidget(m_result, 1);
    grid->addLayout(resultRow, 7, 1, 1, 2);
    setTesting(false);

    connect(m_test, &QPushButton::clicked, this, &ServerForm::testConnection);
    connect(m_cancelTest, &QPushButton::clicked, this, &ServerForm::cancelTest);
    connect(m_browse, &QPushButton::clicked, this, &ServerForm::browse);
    connect(m_auth, &QButtonGroup::buttonToggled, this, [this] {
        updateAuthRows();
        clearResult();
        emit changed();
    });
    connect(m_host, &QLineEdit::textChanged, this, [this](const QString& text) {
        if (m_filling)
            return;
        if (text.trimmed().startsWith("sftp://", Qt::CaseInsensitive) && fillFromUrl(text.trimmed()))
            return;
        // "me@nas" typed or pasted: the user goes to its own field.
        if (const int at = int(text.indexOf('@')); at > 0 && !text.contains("://")) {
            m_filling = true;
            m_user->setText(text.left(at).trimmed());
            m_host->setText(text.mid(at + 1).trimmed());
            m_filling = false;
        }
        clearResult();
        emit changed();
    });
    for (QLineEdit* e : {m_port, m_user, m_path, m_keyFile, m_password})
        connect(e, &QLineEdit::textChanged, this, [this] {
            if (m_filling)
                return;
            clearResult();
            emit changed();
        });
    connect(m_port, &QLineEdit::textEdited, this, [this] { m_explicitDefaultPort = false; });
    connect(m_save, &QCheckBox::toggled, this, &ServerForm::changed);
    updateAuthRows();
}

ServerForm::~ServerForm()
{
    m_testToken.cancel(); // a test still running stops at its next wait
}

void ServerForm::updateAuthRows()
{
    for (QWidget* w : m_keyRow)
        w->setVisible(!m_passwordAuth->isChecked());
    for (QWidget* w : m_passwordRow)
        w->setVisible(m_passwordAuth->isChecked());
}

void ServerForm::setTesting(bool testing)
{
    m_testing = testing;
    m_busy->setVisible(testing);
    m_cancelTest->setVisible(testing);
    m_test->setEnabled(!testing);
}

void ServerForm::clearResult()
{
    if (m_testing)
        cancelTest();
    m_result->clear();
    m_resultIcon->clear();
}

void ServerForm::showResult(bool ok, const QString& text)
{
    const QStyle::StandardPixmap icon = ok ? QStyle::SP_DialogApplyButton : QStyle::SP_MessageBoxCritical;
    const int size = m_result->fontMetrics().height();
    m_resultIcon->setPixmap(style()->standardIcon(icon).pixmap(size, size));
    QPalette p = m_result->palette();
    p.setColor(QPalette::WindowText, resultColour(palette(), ok));
    m_result->setPalette(p);
    m_result->setText(text);
    m_result->setAccessibleDescription(ok ? tr("Connection works") : tr("Connection failed"));
}

bool ServerForm::fillFromUrl(const QString& url)
{
    auto loc = Location::parse(url.trimmed().toStdString());
    if (!loc || loc->scheme != Location::Scheme::Sftp)
        return false;
    setLocation(*loc);
    emit changed();
    return true;
}

void ServerForm::setLocation(const Location& where)
{
    m_filling = true;
    m_host->setText(QString::fromStdString(where.host));
    m_port->setText(QString::number(where.port ? where.port : 22));
    m_explicitDefaultPort = where.port == 22;
    m_user->setText(where.user.empty() ? localUserName() : QString::fromStdString(where.user));
    m_path->setText(QString::fromStdString(where.path));
    m_filling = false;
    clearResult();
}

Location ServerForm::location() const
{
    Location loc;
    loc.scheme = Location::Scheme::Sftp;
    loc.host = m_host->text().trimmed().toStdString();
    loc.user = m_user->text().trimmed().toStdString();
    const int port = m_port->text().trimmed().toInt();
    // 22 is the scheme's default: "sftp://me@nas/srv", unless the job said ":22".
    loc.port = port == 22 && !m_explicitDefaultPort ? 0 : port;
    loc.path = m_path->text().trimmed().toStdString();
    // Through parse and print, so it reads exactly as a saved job's side.
    if (auto parsed = Location::parse(loc.toString()))
        return *parsed;
    return loc;
}

QString ServerForm::serverProblem() const
{
    const QString host = m_host->text().trimmed();
    if (host.isEmpty())
        return tr("Enter the server's name or address.");
    if (host.contains(' ') || host.contains('/'))
        return tr("“%1” is not a server name: enter a name like nas.local or an address like 192.168.1.20.")
            .arg(host);
    bool ok = false;
    const int port = m_port->text().trimmed().toInt(&ok);
    if (!ok || port < 1 || port > 65535)
        return tr("The port must be a number from 1 to 65535 (SSH uses 22).");
    if (m_user->text().trimmed().isEmpty())
        return tr("Enter the user name to sign in with.");
    if (m_user->text().contains(':'))
        return tr("The user name cannot contain “:” (a password goes in the password field).");
    return {};
}

QString ServerForm::problem() const
{
    if (QString why = serverProblem(); !why.isEmpty())
        return why;
    const QString path = m_path->text().trimmed();
    if (path.isEmpty())
        return tr("Enter the folder on the server, or pick it with Browse….");
    if (!path.startsWith('/'))
        return tr("The folder on the server must be a full path starting with “/”, e.g. /home/%1/Documents.")
            .arg(m_user->text().trimmed());
    return {};
}

bool ServerForm::usesPassword() const { return m_passwordAuth->isChecked(); }
QString ServerForm::password() const { return usesPassword() ? m_password->text() : QString(); }
bool ServerForm::savePassword() const { return usesPassword() && m_save->isChecked(); }
QString ServerForm::keyFile() const { return m_keyFile->text().trimmed(); }
void ServerForm::setKeyFile(const QString& path) { m_keyFile->setText(path); }
void ServerForm::setUsesPassword(bool password)
{
    (password ? m_passwordAuth : m_keyAuth)->setChecked(true);
    updateAuthRows();
}

RemoteAccess ServerForm::access() const
{
    RemoteAccess access = m_accessBase;
    if (usesPassword() && !m_password->text().isEmpty())
        access.credentials = {Credentials::Source::Prompt, m_password->text().toStdString(), "the password field"};
    if (!usesPassword() && !keyFile().isEmpty())
        access.identityFiles.insert(access.identityFiles.begin(), QDir::cleanPath(keyFile()).toStdString());
    access.confirmHostKey = guiHostKeyPrompt(const_cast<ServerForm*>(this));
    // A server that asks for a password the form has not got: say which
    // field to fill rather than just "refused".
    const bool keyAuth = !usesPassword();
    access.password = [keyAuth](const std::string& why) -> Result<Credentials> {
        if (keyAuth)
            return Error::abortRun("sign in", "", "no key was accepted, and " + why,
                                   "Choose “Password” and enter it, or choose the key file this server knows");
        return Error::abortRun("sign in", "", why, "Enter the right password in the Password field, then test again");
    };
    return access;
}

void ServerForm::testConnection()
{
    if (m_testing)
        return;
    if (const QString why = problem(); !why.isEmpty()) {
        showResult(false, why);
        emit testFinished(false, why);
        return;
    }
    m_testToken = CancelToken();
    const int generation = ++m_testGeneration;
    const Location where = location();
    const RemoteAccess access = this->access();
    const bool lookUp = usesPassword() && m_password->text().isEmpty();
    const std::string savedKey = lookUp ? m_savedPasswordKey : std::string();
    const std::string variable = lookUp ? m_passwordVariable : std::string();
    const CallContext context{m_testToken, std::chrono::seconds(20)};
    m_result->setText(tr("Connecting to %1…").arg(QString::fromStdString(where.host)));
    m_result->setPalette(palette());
    m_resultIcon->clear();
    setTesting(true);
    using Outcome = std::pair<bool, QString>;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_testGeneration)
            return; // cancelled, or the fields changed meanwhile
        setTesting(false);
        const Outcome outcome = watcher->result();
        showResult(outcome.first, outcome.second);
        emit testFinished(outcome.first, outcome.second);
    });
    watcher->setFuture(QtConcurrent::run([where, given = access, savedKey, variable, context]() -> Outcome {
        RemoteAccess access = given;
        // The job's own password, when the field was left empty (editing):
        // its variable, then the keychain, as a run looks for it.
        if (!variable.empty() && !qEnvironmentVariable(variable.c_str()).isEmpty())
            access.credentials = {Credentials::Source::Environment, qEnvironmentVariable(variable.c_str()).toStdString(),
                                  "the environment variable " + variable};
        if (!savedKey.empty() && access.credentials.password.empty()) {
            const SecretStore::Outcome saved = SecretStore::read(savedKey);
            if (saved.status == SecretStore::Status::Ok)
                access.credentials = {Credentials::Source::Keychain, saved.value, "the system keychain"};
        }
        auto result = testSshConnection(where, access, context);
        if (result) {
            QString sentence = QString::fromStdString(*result);
            if (!sentence.endsWith('.'))
                sentence += '.';
            return {true, sentence};
        }
        return {false, connectionErrorText(result.error())};
    }));
}

void ServerForm::cancelTest()
{
    if (!m_testing)
        return;
    m_testToken.cancel();
    ++m_testGeneration; // its late answer is dropped
    setTesting(false);
    m_resultIcon->clear();
    m_result->setPalette(palette());
    m_result->setText(tr("Test cancelled."));
}

void ServerForm::browse()
{
    // Everything but the folder is needed to reach the server.
    if (const QString why = serverProblem(); !why.isEmpty()) {
        showResult(false, why);
        return;
    }
    Location where = location();
    if (!m_path->text().trimmed().startsWith('/'))
        where.path = "/home/" + where.user; // where most users' files are; the dialog falls back to "/"
    RemoteFolderDialog dialog(where, access(), this);
    if (dialog.exec() == QDialog::Accepted)
        m_path->setText(dialog.selectedPath());
}

} // namespace ferry::ui
