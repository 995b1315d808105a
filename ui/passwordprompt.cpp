#include "passwordprompt.h"

#include <QInputDialog>
#include <QLineEdit>
#include <QObject>

namespace ferry::ui {

std::optional<std::string> askPassword(QWidget* parent, const CredentialRequest& request)
{
    auto h = [](const std::string& s) { return QString::fromStdString(s); };
    const QString who = request.user.empty() ? h(request.location)
                                             : QObject::tr("%1 at %2").arg(h(request.user), h(request.location));
    bool ok = false;
    const QString password = QInputDialog::getText(
        parent, QObject::tr("Password for “%1”").arg(h(request.jobName)),
        QObject::tr("The job “%1” needs the password for %2 (%3).\n\nIt is used for this run only. To keep it, "
                    "save it in the keychain.")
            .arg(h(request.jobName), who, h(request.why)),
        QLineEdit::Password, QString(), &ok);
    if (!ok || password.isEmpty())
        return std::nullopt;
    return password.toStdString();
}

} // namespace ferry::ui
