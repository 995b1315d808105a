// The desktop workflows with real widgets (offscreen): create a job through
// the wizard, Sync now, pause and stop in the middle, and the history.
#include "historydialog.h"
#include "jobs/jobservice.h"
#include "jobsmodel.h"
#include "jobwizard.h"
#include "mainwindow.h"
#include "previewdialog.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <catch2/catch.hpp>

using namespace ferry;
using namespace ferry::ui;

namespace {

void writeFile(const QString& path, const QByteArray& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    REQUIRE(f.open(QIODevice::WriteOnly));
    REQUIRE(f.write(bytes) == bytes.size());
}

QByteArray readFile(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<missing>");
}

QStringList filesUnder(const QString& root)
{
    QStringList out;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << QDir(root).relativeFilePath(it.next());
    out.sort();
    return out;
}

// Drives the wizard that the next modal loop opens. Never throws inside the
// event loop: on a failed step it closes the wizard, so the test cannot hang.
void fillWizardWhenItOpens(QObject* context, const QString& name, const QString& left, const QString& right,
                           bool& done)
{
    // `context` dies with the test's window, and the timer with it.
    QTimer::singleShot(0, context, [=, &done] {
        auto* wizard = qobject_cast<JobWizard*>(QApplication::activeModalWidget());
        if (!wizard) {
            FAIL_CHECK("the wizard did not open");
            return;
        }
        auto step = [&](bool ok, const char* what) {
            if (!ok) {
                FAIL_CHECK(what);
                wizard->reject();
            }
            return ok;
        };
        QPushButton* next = qobject_cast<QPushButton*>(wizard->button(QWizard::NextButton));
        QTest::mouseClick(wizard->modeButton(SyncMode::TwoWay), Qt::LeftButton, {}, QPoint(4, 4));
        if (!step(wizard->modeButton(SyncMode::TwoWay)->isChecked(), "two-way chosen"))
            return;
        QTest::mouseClick(next, Qt::LeftButton);
        if (!step(wizard->currentId() == JobWizard::SidesPage, "folders page"))
            return;
        CHECK_FALSE(next->isEnabled()); // nothing filled in yet
        QTest::keyClicks(wizard->nameEdit(), name);
        QTest::keyClicks(wizard->leftEdit(), left);
        QTest::keyClicks(wizard->rightEdit(), left + "/inside");
        CHECK_FALSE(next->isEnabled()); // a folder inside the other
        CHECK(wizard->sidesWarning()->text().contains("inside"));
        wizard->rightEdit()->clear();
        QTest::keyClicks(wizard->rightEdit(), right);
        if (!step(next->isEnabled(), "Next enabled with two valid folders"))
            return;
        QTest::mouseClick(next, Qt::LeftButton);
        if (!step(wizard->currentId() == JobWizard::FiltersPage, "filters page"))
            return;
        QTest::keyClicks(wizard->excludesEdit(), "*.tmp");
        QTest::mouseClick(next, Qt::LeftButton);
        if (!step(wizard->currentId() == JobWizard::ConflictsPage, "conflicts page"))
            return;
        CHECK(wizard->conflictButton(ConflictPolicy::KeepBoth)->isChecked());
        QTest::mouseClick(next, Qt::LeftButton);
        if (!step(wizard->currentId() == JobWizard::VersioningPage, "versioning page"))
            return;
        wizard->versioningCombo()->setCurrentIndex(
            wizard->versioningCombo()->findData(int(VersioningSettings::Mode::Folder)));
        CHECK_FALSE(next->isEnabled()); // a versions folder is needed
        QTest::keyClicks(wizard->versionsFolderEdit(), left + "-versions");
        if (!step(next->isEnabled(), "Next enabled with a versions folder"))
            return;
        QTest::mouseClick(next, Qt::LeftButton);
        if (!step(wizard->currentId() == JobWizard::SchedulePage, "schedule page"))
            return;
        QTest::mouseClick(next, Qt::LeftButton);
        if (!step(wizard->currentId() == JobWizard::SummaryPage, "summary page"))
            return;
        CHECK(wizard->summaryLabel()->text().contains(name));
        CHECK(wizard->summaryLabel()->text().contains("*.tmp"));
        QTest::mouseClick(wizard->button(QWizard::FinishButton), Qt::LeftButton);
        done = true;
    });
}

template <typename Pred>
bool waitFor(Pred pred, int ms = 20000)
{
    return QTest::qWaitFor(pred, ms);
}

} // namespace

TEST_CASE("create a job with the wizard, sync it, see it in the history", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/Documents", right = tmp.path() + "/Backup";
    writeFile(left + "/report.txt", "quarterly numbers");
    writeFile(left + "/photos/cat.jpg", QByteArray(100000, 'c'));
    writeFile(left + "/scratch.tmp", "leave me out");
    writeFile(right + "/notes.md", "from the other side");

    JobService service((tmp.path() + "/data").toStdString());
    MainWindow w(&service);
    QSignalSpy loaded(&service, &JobService::jobsLoaded);
    w.show();
    REQUIRE(QTest::qWaitForWindowExposed(&w));
    REQUIRE(waitFor([&] { return loaded.count() >= 1; }));
    REQUIRE(w.createJobButton()->isVisible());
    CHECK_FALSE(w.action("syncNow")->isEnabled());

    bool filled = false;
    fillWizardWhenItOpens(&w, "Documents backup", left, right, filled);
    QTest::mouseClick(w.createJobButton(), Qt::LeftButton);
    REQUIRE(filled);
    REQUIRE(waitFor([&] { return w.jobsModel()->rowCount() == 1; }));
    CHECK(w.jobList()->isVisible());
    const JobRow* row = w.jobsModel()->rowAt(0);
    REQUIRE(row);
    CHECK(row->job.name == "Documents backup");
    CHECK(row->job.excludes == std::vector<std::string>{"*.tmp"});
    CHECK(row->job.versioning.mode == VersioningSettings::Mode::Folder);
    CHECK(w.selectedJobId() == row->job.id);
    CHECK(w.detailsLabel()->text().contains("Documents backup"));

    // Sync now.
    QSignalSpy shown(&w, &MainWindow::runShown);
    REQUIRE(w.action("syncNow")->isEnabled());
    w.action("syncNow")->trigger();
    REQUIRE(waitFor([&] { return shown.count() == 1; }));
    const auto summary = shown.at(0).at(0).value<RunSummary>();
    CHECK(summary.outcome == RunOutcome::InSync);
    CHECK(readFile(right + "/report.txt") == "quarterly numbers");
    CHECK(readFile(right + "/photos/cat.jpg") == QByteArray(100000, 'c'));
    CHECK(readFile(left + "/notes.md") == "from the other side");
    CHECK_FALSE(QFile::exists(right + "/scratch.tmp"));
    CHECK(w.progressLabel()->text().contains("in sync"));
    REQUIRE(waitFor([&] {
        const JobRow* r = w.jobsModel()->rowAt(0);
        return r && r->lastRun && r->lastRun->outcome == RunOutcome::InSync;
    }));
    CHECK(w.jobsModel()->data(w.jobsModel()->index(0, JobsModel::Status)).toString() == "In sync");

    // History: the run and its files.
    w.action("history")->trigger();
    auto* history = w.findChild<HistoryDialog*>();
    REQUIRE(history);
    QSignalSpy historyLoaded(history, &HistoryDialog::loaded);
    REQUIRE(waitFor([&] { return history->runsView()->model()->rowCount() == 1; }));
    const QAbstractItemModel* runs = history->runsView()->model();
    CHECK(runs->index(0, 1).data().toString() == "Documents backup");
    CHECK(runs->index(0, 3).data().toString() == "In sync");
    QSignalSpy itemsShown(history, &HistoryDialog::itemsShown);
    history->runsView()->selectRow(0);
    REQUIRE(waitFor([&] { return itemsShown.count() == 1; }));
    QStringList recorded;
    for (int i = 0; i < history->itemsView()->model()->rowCount(); ++i)
        recorded << history->itemsView()->model()->index(i, 2).data().toString();
    recorded.sort();
    CHECK(recorded == QStringList{"notes.md", "photos", "photos/cat.jpg", "report.txt"});
    // Filtering by outcome hides it.
    history->outcomeFilter()->setCurrentIndex(history->outcomeFilter()->findData(int(RunOutcome::Errors)));
    CHECK(history->runsView()->model()->rowCount() == 0);
    history->close();

    // Editing reopens the same pages with the job's values.
    bool checked = false;
    QTimer::singleShot(0, &w, [&] {
        auto* wizard = qobject_cast<JobWizard*>(QApplication::activeModalWidget());
        if (!wizard) {
            FAIL_CHECK("the edit wizard did not open");
            return;
        }
        CHECK(wizard->nameEdit()->text() == "Documents backup");
        CHECK(wizard->modeButton(SyncMode::TwoWay)->isChecked());
        CHECK(wizard->excludesEdit()->toPlainText() == "*.tmp");
        checked = true;
        wizard->reject();
    });
    w.action("editJob")->trigger();
    CHECK(checked);
}

TEST_CASE("pause and stop in the middle of a sync leave both sides whole", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/L", right = tmp.path() + "/R";
    for (int i = 0; i < 200; ++i)
        writeFile(left + QString("/d%1/file%2.bin").arg(i % 5).arg(i), QByteArray(20000 + i, char('a' + i % 26)));
    JobService service((tmp.path() + "/data").toStdString());
    Job job;
    job.name = "Big";
    job.left = left.toStdString();
    job.right = right.toStdString();
    QSignalSpy saved(&service, &JobService::jobSaved);
    service.saveJob(job);
    REQUIRE(waitFor([&] { return saved.count() == 1; }));
    job = saved.at(0).at(0).value<Job>();

    MainWindow w(&service);
    w.show();
    REQUIRE(waitFor([&] { return w.jobsModel()->rowCount() == 1 && w.selectedJobId() == job.id; }));
    QSignalSpy shown(&w, &MainWindow::runShown);
    w.action("syncNow")->trigger();
    REQUIRE(w.action("pause")->isEnabled());
    w.action("pause")->trigger(); // paused before the first file
    CHECK(w.action("pause")->text() == "&Resume");
    QTest::qWait(500);
    CHECK(filesUnder(right).isEmpty()); // nothing is copied while paused
    CHECK(shown.isEmpty());
    REQUIRE(w.action("stop")->isEnabled());
    w.action("stop")->trigger();
    REQUIRE(waitFor([&] { return shown.count() == 1; }));
    CHECK(shown.at(0).at(0).value<RunSummary>().outcome == RunOutcome::Cancelled);
    // Whatever arrived is whole; no temporary files; the left is untouched.
    for (const QString& f : filesUnder(right)) {
        CHECK_FALSE(f.contains(".ferry-tmp-"));
        CHECK(readFile(right + "/" + f) == readFile(left + "/" + f));
    }
    CHECK(filesUnder(left).size() == 200);

    // Run again to the end.
    REQUIRE(waitFor([&] { return w.action("syncNow")->isEnabled(); }));
    w.action("syncNow")->trigger();
    REQUIRE(waitFor([&] { return shown.count() == 2; }));
    CHECK(shown.at(1).at(0).value<RunSummary>().outcome == RunOutcome::InSync);
    CHECK(filesUnder(right) == filesUnder(left));
}

TEST_CASE("the preview shows the plan; what runs is exactly what it showed, with the user's edits", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/L", right = tmp.path() + "/R";
    writeFile(left + "/keep.txt", "one");
    writeFile(left + "/skip-me.txt", "two");
    writeFile(left + "/sub/three.txt", "three");
    JobService service((tmp.path() + "/data").toStdString());
    Job job;
    job.name = "Preview";
    job.left = left.toStdString();
    job.right = right.toStdString();
    QSignalSpy saved(&service, &JobService::jobSaved);
    service.saveJob(job);
    REQUIRE(waitFor([&] { return saved.count() == 1; }));
    job = saved.at(0).at(0).value<Job>();
    MainWindow w(&service);
    w.show();
    REQUIRE(waitFor([&] { return w.jobsModel()->rowCount() == 1 && w.selectedJobId() == job.id; }));

    QSignalSpy previews(&w, &MainWindow::previewShown);
    QSignalSpy shown(&w, &MainWindow::runShown);
    REQUIRE(w.action("preview")->isEnabled());
    w.action("preview")->trigger();
    REQUIRE(waitFor([&] { return previews.count() == 1; }));
    auto* dialog = qobject_cast<PreviewDialog*>(previews.at(0).at(0).value<QDialog*>());
    REQUIRE(dialog);
    CHECK_FALSE(w.action("syncNow")->isEnabled()); // the preview holds the job
    PlanModel* model = dialog->model();
    QStringList rows;
    for (int r = 0; r < model->rowCount(); ++r)
        rows << model->index(r, PlanModel::What).data().toString() + " " +
                    model->index(r, PlanModel::Path).data().toString();
    rows.sort();
    CHECK(rows == QStringList{"Copy → keep.txt", "Copy → skip-me.txt", "Copy → sub", "Copy → sub/three.txt"});
    for (int r = 0; r < model->rowCount(); ++r)
        CHECK_FALSE(model->index(r, PlanModel::Why).data().toString().isEmpty());
    CHECK(dialog->totalsLabel()->text().startsWith("4 to copy →"));
    // Filter: deletions only → none.
    dialog->filterCombo()->setCurrentIndex(dialog->filterCombo()->findData(PlanModel::Deletions));
    CHECK(model->rowCount() == 0);
    dialog->filterCombo()->setCurrentIndex(0);
    // Leave one row out.
    int skipRow = -1;
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, PlanModel::Path).data().toString() == "skip-me.txt")
            skipRow = r;
    REQUIRE(skipRow >= 0);
    REQUIRE(model->setData(model->index(skipRow, PlanModel::Include), Qt::Unchecked, Qt::CheckStateRole));
    CHECK(dialog->totalsLabel()->text().contains("1 left out by you"));
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    REQUIRE(waitFor([&] { return shown.count() == 1; }));
    CHECK(shown.at(0).at(0).value<RunSummary>().outcome == RunOutcome::InSync);
    CHECK(readFile(right + "/keep.txt") == "one");
    CHECK(readFile(right + "/sub/three.txt") == "three");
    CHECK_FALSE(QFile::exists(right + "/skip-me.txt"));

    // Turn a row around: the left's edit is undone from the right instead.
    QTest::qWait(1100);
    writeFile(left + "/keep.txt", "one, edited on the left");
    REQUIRE(waitFor([&] { return w.action("preview")->isEnabled(); }));
    w.action("preview")->trigger();
    REQUIRE(waitFor([&] { return previews.count() == 2; }));
    dialog = qobject_cast<PreviewDialog*>(previews.at(1).at(0).value<QDialog*>());
    REQUIRE(dialog);
    model = dialog->model();
    int keepRow = -1;
    for (int r = 0; r < model->rowCount(); ++r) {
        if (model->index(r, PlanModel::Path).data().toString() == "keep.txt")
            keepRow = r;
        if (model->index(r, PlanModel::Path).data().toString() == "skip-me.txt") // still new on the left
            REQUIRE(model->setData(model->index(r, PlanModel::Include), Qt::Unchecked, Qt::CheckStateRole));
    }
    REQUIRE(keepRow >= 0);
    CHECK(model->index(keepRow, PlanModel::What).data().toString() == "Copy →");
    dialog->view()->selectRow(keepRow);
    QTest::mouseClick(dialog->flipButton(), Qt::LeftButton);
    CHECK(model->index(keepRow, PlanModel::What).data().toString() == "Copy ←");
    CHECK(model->index(keepRow, PlanModel::Why).data().toString().contains("turned around"));
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    REQUIRE(waitFor([&] { return shown.count() == 2; }));
    CHECK(readFile(left + "/keep.txt") == "one");
    CHECK(readFile(right + "/keep.txt") == "one");

    // Cancel releases the job.
    REQUIRE(waitFor([&] { return w.action("preview")->isEnabled(); }));
    w.action("preview")->trigger();
    REQUIRE(waitFor([&] { return previews.count() == 3; }));
    qobject_cast<QDialog*>(previews.at(2).at(0).value<QDialog*>())->reject();
    REQUIRE(waitFor([&] { return w.action("syncNow")->isEnabled(); }));
    CHECK_FALSE(QFile::exists(right + "/skip-me.txt"));
}
