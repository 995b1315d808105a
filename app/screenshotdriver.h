// ScreenshotDriver: walks the app through its windows on a prepared demo
// job and saves a PNG of each into a folder (packaging/screenshots.sh sets
// FERRY_SCREENSHOT_DIR and FERRY_SCREENSHOT_JOB). Not used otherwise.
#pragma once

#include <QObject>
#include <QString>

namespace ferry {
class JobService;
namespace ui {
class MainWindow;
}

class ScreenshotDriver : public QObject {
    Q_OBJECT
public:
    ScreenshotDriver(ui::MainWindow& window, JobService& service, QString dir, QString jobName);
    void start();

signals:
    void done();

private:
    void shoot(QWidget* w, const QString& name);
    void mainWindow();
    void wizard();
    void serverWizard();
    void wait(int ms);
    void preview();
    void progress();
    void history();
    ui::MainWindow& m_window;
    JobService& m_service;
    QString m_dir;
    QString m_jobName;
};

} // namespace ferry
