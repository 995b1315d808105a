// ferry: the desktop application.
#include "common/tempname.h"
#include "jobs/jobservice.h"
#include "mainwindow.h"
#include "screenshotdriver.h"
#include "store/appdb.h"

#include <QApplication>
#include <QPixmap>
#include <QTimer>

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("ferry");
    QApplication::setApplicationDisplayName("Ferry");
    QApplication::setOrganizationName("ferry");
    QApplication::setApplicationVersion(FERRY_VERSION);
    // Tells this installation's temporaries from user files named like them;
    // without it leftovers are kept, never a user's file deleted.
    if (auto key = ferry::tempname::loadTempKey(ferry::AppDb::defaultDataDir()); !key)
        qWarning("ferry: %s", key.error().message().c_str());
    ferry::JobService service(ferry::AppDb::defaultDataDir());
    ferry::ui::MainWindow window(&service);
    window.show();
    // Used by packaging/screenshots.sh: the app walks through its windows
    // on a demo job and each window renders itself to a PNG.
    if (QString dir = qEnvironmentVariable("FERRY_SCREENSHOT_DIR"); !dir.isEmpty()) {
        auto* driver = new ferry::ScreenshotDriver(window, service, dir, qEnvironmentVariable("FERRY_SCREENSHOT_JOB"));
        QObject::connect(driver, &ferry::ScreenshotDriver::done, &app, [&app] { QTimer::singleShot(200, &app, &QApplication::quit); });
        driver->start();
    }
    // Used by the screenshot script and smoke tests.
    if (int ms = qEnvironmentVariableIntValue("FERRY_QUIT_AFTER_MS"); ms > 0)
        QTimer::singleShot(ms, &app, &QApplication::quit);
    return app.exec();
}
