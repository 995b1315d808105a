#include "secretstore.h"

#include <QEventLoop>
#include <QTimer>
#include <qt6keychain/keychain.h>

#include <algorithm>

#if defined(Q_OS_LINUX)
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#endif

namespace ferry {

namespace {

const char* kService = "Ferry";

// Linux: a keychain is a Secret Service (GNOME Keyring, KeePassXC…) or
// KWallet on the session bus. Without either, qtkeychain's errors are
// vague ("Could not connect…"), so look first and say plainly.
bool keychainReachable(std::string& why)
{
#if defined(Q_OS_LINUX)
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        why = "no D-Bus session bus (" + bus.lastError().message().toStdString() + "); on a server or in a "
              "terminal without a desktop session no keychain runs";
        return false;
    }
    QDBusConnectionInterface* iface = bus.interface();
    if (!iface) {
        why = "the D-Bus session bus does not answer";
        return false;
    }
    const QStringList activatable = iface->activatableServiceNames();
    for (const char* name : {"org.freedesktop.secrets", "org.kde.kwalletd6", "org.kde.kwalletd5"})
        if (iface->isServiceRegistered(QString::fromLatin1(name)).value() || activatable.contains(QString::fromLatin1(name)))
            return true;
    why = "no keychain service (Secret Service such as GNOME Keyring, or KWallet) runs on the session bus";
    return false;
#else
    (void)why;
    return true;
#endif
}

SecretStore::Outcome unreachable(const std::string& why)
{
    SecretStore::Outcome out;
    out.status = SecretStore::Status::NoKeychain;
    out.detail = why;
    return out;
}

SecretStore::Outcome finish(QKeychain::Job& job)
{
    QEventLoop loop;
    bool done = false;
    QObject::connect(&job, &QKeychain::Job::finished, &loop, [&] {
        done = true;
        loop.quit();
    });
    QTimer::singleShot(15000, &loop, &QEventLoop::quit);
    job.start();
    if (!done)
        loop.exec();
    SecretStore::Outcome out;
    if (!done) {
        out.status = SecretStore::Status::Failed;
        out.detail = "the keychain did not answer within 15 seconds";
        return out;
    }
    out.detail = job.errorString().toStdString();
    switch (job.error()) {
    case QKeychain::NoError: out.status = SecretStore::Status::Ok; break;
    case QKeychain::EntryNotFound: out.status = SecretStore::Status::NotFound; break;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented: out.status = SecretStore::Status::NoKeychain; break;
    case QKeychain::OtherError:
        // Without a session bus, qtkeychain reports the D-Bus failure as
        // "other": there is no keychain to talk to.
        out.status = out.detail.find("D-Bus") != std::string::npos || out.detail.find("DBus") != std::string::npos ||
                             out.detail.find("dbus") != std::string::npos
                         ? SecretStore::Status::NoKeychain
                         : SecretStore::Status::Failed;
        break;
    default: out.status = SecretStore::Status::Failed; break;
    }
    return out;
}

} // namespace

SecretStore::Outcome SecretStore::write(const std::string& key, const std::string& secret)
{
    if (std::string why; !keychainReachable(why))
        return unreachable(why);
    QKeychain::WritePasswordJob job(kService);
    job.setAutoDelete(false);
    job.setInsecureFallback(false); // never a plain-text file
    job.setKey(QString::fromStdString(key));
    job.setTextData(QString::fromStdString(secret));
    return finish(job);
}

SecretStore::Outcome SecretStore::read(const std::string& key)
{
    if (std::string why; !keychainReachable(why))
        return unreachable(why);
    QKeychain::ReadPasswordJob job(kService);
    job.setAutoDelete(false);
    job.setInsecureFallback(false);
    job.setKey(QString::fromStdString(key));
    Outcome out = finish(job);
    if (out.status == Status::Ok)
        out.value = job.textData().toStdString();
    return out;
}

SecretStore::Outcome SecretStore::remove(const std::string& key)
{
    if (std::string why; !keychainReachable(why))
        return unreachable(why);
    QKeychain::DeletePasswordJob job(kService);
    job.setAutoDelete(false);
    job.setInsecureFallback(false);
    job.setKey(QString::fromStdString(key));
    return finish(job);
}

SecretStore::Outcome SecretStore::move(const std::string& fromKey, const std::string& toKey)
{
    Outcome old = read(fromKey);
    if (old.status != Status::Ok)
        return old;
    Outcome written = write(toKey, old.value);
    std::fill(old.value.begin(), old.value.end(), '\0');
    if (written.status != Status::Ok)
        return written;
    return remove(fromKey);
}

} // namespace ferry

#include "secrets/keychain.h"

namespace ferry {

namespace {

class SystemKeychain final : public Keychain {
public:
    SecretStore::Outcome read(const std::string& key) override { return SecretStore::read(key); }
    SecretStore::Outcome write(const std::string& key, const std::string& secret) override
    {
        return SecretStore::write(key, secret);
    }
    SecretStore::Outcome remove(const std::string& key) override { return SecretStore::remove(key); }
    SecretStore::Outcome move(const std::string& fromKey, const std::string& toKey) override
    {
        return SecretStore::move(fromKey, toKey);
    }
};

} // namespace

Keychain& Keychain::system()
{
    static SystemKeychain keychain;
    return keychain;
}

} // namespace ferry
