#include "hostkeydialog.h"

#include "backend/hostkeytext.h"

#include <QApplication>
#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QStyle>
#include <QThread>
#include <QVBoxLayout>

namespace ferry::ui {

HostKeyDialog::HostKeyDialog(const HostKeyFacts& facts, QWidget* parent) : QDialog(parent)
{
    setObjectName("hostKeyDialog");
    setWindowTitle(tr("New server: check its identity"));
    auto q = [](const std::string& s) { return QString::fromStdString(s); };

    auto* icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxQuestion).pixmap(48, 48));
    auto* heading = new QLabel(tr("<b>Ferry has not connected to this server before.</b>"), this);
    heading->setWordWrap(true);
    auto* explanation = new QLabel(
        tr("Every SSH server proves who it is with a key. Before you trust this one, check its fingerprint with "
           "the server's administrator (on the server, <tt>ssh-keygen -lf</tt> with its public host key file "
           "prints it). If they differ, someone may be in between: press Cancel."),
        this);
    explanation->setWordWrap(true);

    auto* form = new QFormLayout;
    auto* host = new QLabel(q(facts.host), this);
    host->setObjectName("hostKeyHost");
    host->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("Server:"), host);
    auto* port = new QLabel(QString::number(facts.port), this);
    port->setObjectName("hostKeyPort");
    form->addRow(tr("Port:"), port);
    auto* type = new QLabel(q(hostKeyTypeLabel(facts.keyType)), this);
    type->setToolTip(q(facts.keyType));
    type->setObjectName("hostKeyType");
    form->addRow(tr("Key type:"), type);
    m_fingerprint = new QLabel(q(facts.fingerprint), this);
    m_fingerprint->setObjectName("hostKeyFingerprint");
    m_fingerprint->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_fingerprint->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_fingerprint->setAccessibleName(tr("SHA256 fingerprint of the server's key"));
    form->addRow(tr("Fingerprint:"), m_fingerprint);

    auto* remembered = new QLabel(this);
    remembered->setObjectName("hostKeyRecordNote");
    remembered->setWordWrap(true);
    remembered->setText(tr("“Trust and remember” records the key, so Ferry does not ask again and stops if it ever "
                           "changes. “Trust once” asks again next time."));
    if (!facts.recordIn.empty())
        remembered->setToolTip(tr("Recorded in %1").arg(q(facts.recordIn)));

    auto* buttons = new QDialogButtonBox(this);
    m_remember = buttons->addButton(tr("Trust and &remember"), QDialogButtonBox::AcceptRole);
    m_remember->setObjectName("trustRemember");
    m_once = buttons->addButton(tr("Trust &once"), QDialogButtonBox::AcceptRole);
    m_once->setObjectName("trustOnce");
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->setObjectName("cancel");
    // Refusing is the safe default: Enter must not trust a key unread.
    m_remember->setAutoDefault(false);
    m_once->setAutoDefault(false);
    m_cancel->setDefault(true);
    connect(m_remember, &QPushButton::clicked, this, [this] {
        m_choice = HostKeyChoice::AcceptAndRemember;
        accept();
    });
    connect(m_once, &QPushButton::clicked, this, [this] {
        m_choice = HostKeyChoice::AcceptOnce;
        accept();
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_choice = HostKeyChoice::Refuse;
        reject();
    });

    auto* text = new QVBoxLayout;
    text->addWidget(heading);
    text->addWidget(explanation);
    text->addSpacing(6);
    text->addLayout(form);
    text->addSpacing(6);
    text->addWidget(remembered);
    auto* top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addSpacing(8);
    top->addLayout(text, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addSpacing(6);
    layout->addWidget(buttons);
    setMinimumWidth(600);
    m_cancel->setFocus();
}

HostKeyChoice askHostKey(QWidget* parent, const HostKeyFacts& facts)
{
    HostKeyDialog dialog(facts, parent);
    dialog.exec();
    return dialog.choice();
}

HostKeyPrompt guiHostKeyPrompt(QWidget* parent)
{
    QPointer<QWidget> owner(parent);
    return [owner](const HostKeyFacts& facts) {
        QCoreApplication* app = QCoreApplication::instance();
        if (!app)
            return HostKeyChoice::Refuse;
        if (QThread::currentThread() == app->thread())
            return owner ? askHostKey(owner, facts) : HostKeyChoice::Refuse;
        // The worker waits for the answer. Should the application go away
        // first, the queued call is dropped and the key stays refused.
        HostKeyChoice choice = HostKeyChoice::Refuse;
        QMetaObject::invokeMethod(
            app,
            [owner, &facts, &choice] {
                if (owner) // checked on the GUI thread, where the owner dies
                    choice = askHostKey(owner, facts);
            },
            Qt::BlockingQueuedConnection);
        return choice;
    };
}

QString connectionErrorText(const Error& e)
{
    // "connect to me@nas port 22: refused. Check…" reads as a sentence
    // after "Could not"; a message without an operation is one already.
    QString message = QString::fromStdString(e.message());
    if (!e.operation.empty())
        message = QObject::tr("Could not %1").arg(message);
    else if (!message.isEmpty())
        message[0] = message[0].toUpper();
    if (!message.isEmpty() && !message.endsWith('.'))
        message += '.';
    switch (e.code) {
    case Error::Code::HostKeyChanged:
        // The core's message says what may be going on and how to check.
        return QObject::tr("Danger: this server's identity has changed. Ferry does not connect.\n\n%1").arg(message);
    case Error::Code::HostKeyUnknown:
        return QObject::tr("The server's key was not trusted, so Ferry did not connect. %1").arg(message);
    default: return message;
    }
}

} // namespace ferry::ui
