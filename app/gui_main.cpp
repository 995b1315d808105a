// ferry: the desktop application.
#include "mainwindow.h"

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
    ferry::ui::MainWindow window;
    window.show();
    // Used by packaging/screenshots.sh: each window renders itself to a PNG.
    if (QString dir = qEnvironmentVariable("FERRY_SCREENSHOT_DIR"); !dir.isEmpty()) {
        QTimer::singleShot(700, &window, [&window, dir] {
            window.grab().save(dir + "/main-window-empty.png");
        });
    }
    // Used by the screenshot script and smoke tests.
    if (int ms = qEnvironmentVariableIntValue("FERRY_QUIT_AFTER_MS"); ms > 0)
        QTimer::singleShot(ms, &app, &QApplication::quit);
    return app.exec();
}
