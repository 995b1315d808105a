// The desktop workflows with real widgets (offscreen): create a job through
// the wizard, Sync now, pause and stop in the middle, preview, duplicate,
// delete, the end-of-run summary and the history.
#include "filterspage.h"
#include "historydialog.h"
#include "jobs/jobservice.h"
#include "jobsmodel.h"
#include "jobwizard.h"
#include "mainwindow.h"
#include "previewdialog.h"
#include "runsummarytext.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMap>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeEdit>
#include <QTimer>
#include <QToolBar>
#include <catch2/catch.hpp>

#include <functional>

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
        for (const char* pattern : {"*.txt", "*.jpg", "*.md"}) {
            QTest::keyClicks(wizard->includesEdit(), pattern);
            QTest::keyClick(wizard->includesEdit(), Qt::Key_Return);
        }
        ui::FiltersPage* filters = wizard->filtersPage();
        filters->maxSizeSpin()->setValue(1);
        filters->maxSizeUnit()->setCurrentIndex(filters->maxSizeUnit()->findData(20)); // MiB
        // Smallest above largest: refused on the page.
        filters->minSizeSpin()->setValue(2);
        CHECK_FALSE(next->isEnabled());
        CHECK_FALSE(filters->problemLabel()->text().isEmpty());
        filters->minSizeSpin()->setValue(0);
        if (!step(next->isEnabled(), "Next enabled with sensible limits"))
            return;
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
        CHECK(wizard->summaryLabel()->text().contains("*.jpg"));
        CHECK(wizard->summaryLabel()->text().contains("up to 1 MiB"));
        QTest::mouseClick(wizard->button(QWizard::FinishButton), Qt::LeftButton);
        done = true;
    });
}

template <typename Pred>
bool waitFor(Pred pred, int ms = 20000)
{
    return QTest::qWaitFor(pred, ms);
}

Job saveJob(JobService& service, const QString& name, const QString& left, const QString& right,
            SyncMode mode = SyncMode::TwoWay)
{
    Job job;
    job.name = name.toStdString();
    job.left = left.toStdString();
    job.right = right.toStdString();
    job.mode = mode;
    QSignalSpy saved(&service, &JobService::jobSaved);
    service.saveJob(job);
    REQUIRE(waitFor([&] { return saved.count() == 1; }));
    return saved.at(0).at(0).value<Job>();
}

// Opens the window on the service and waits until it shows `jobs` jobs.
void showWindow(MainWindow& w, int jobs)
{
    w.show();
    REQUIRE(waitFor([&] { return w.jobsModel()->rowCount() == jobs && w.selectedJobId() != 0; }));
}

// Runs `check` on the modal dialog of type T that the next modal loop opens.
template <typename T>
void whenModalOpens(QObject* context, std::function<void(T*)> check)
{
    QTimer::singleShot(0, context, [=] {
        auto* dialog = qobject_cast<T*>(QApplication::activeModalWidget());
        if (!dialog) {
            FAIL_CHECK("the dialog did not open");
            if (QWidget* other = QApplication::activeModalWidget())
                other->close();
            return;
        }
        check(dialog);
    });
}

PreviewDialog* openPreview(MainWindow& w, QSignalSpy& previews)
{
    const int before = int(previews.count());
    REQUIRE(waitFor([&] { return w.action("preview")->isEnabled(); }));
    w.action("preview")->trigger();
    REQUIRE(waitFor([&] { return previews.count() == before + 1; }));
    auto* dialog = qobject_cast<PreviewDialog*>(previews.at(before).at(0).value<QDialog*>());
    REQUIRE(dialog);
    return dialog;
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
    CHECK(row->job.includes == std::vector<std::string>{"*.txt", "*.jpg", "*.md"});
    CHECK(row->job.limits.maxSize == 1024 * 1024);
    CHECK(row->job.limits.minSize == 0);
    CHECK(row->job.limits.maxAgeSeconds == 0);
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
    // Filtering by outcome shows it under its own outcome and hides it under another.
    history->outcomeFilter()->setCurrentIndex(history->outcomeFilter()->findData(int(RunOutcome::InSync)));
    CHECK(history->runsView()->model()->rowCount() == 1);
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
        CHECK(wizard->includesEdit()->toPlainText() == "*.txt\n*.jpg\n*.md");
        CHECK(wizard->filtersPage()->maxSizeSpin()->value() == 1);
        CHECK(wizard->filtersPage()->maxSizeUnit()->currentData().toInt() == 20);
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
    // Big enough files that the run is still copying when the first
    // progress report arrives (a report comes every 250 ms).
    constexpr int kFiles = 64;
    for (int i = 0; i < kFiles; ++i)
        writeFile(left + QString("/d%1/file%2.bin").arg(i % 4).arg(i),
                  QByteArray(4 * 1024 * 1024 + i, char('a' + i % 26)));
    JobService service((tmp.path() + "/data").toStdString());
    const Job job = saveJob(service, "Big", left, right);

    MainWindow w(&service);
    showWindow(w, 1);
    QSignalSpy shown(&w, &MainWindow::runShown);
    w.action("syncNow")->trigger();
    REQUIRE(w.action("pause")->isEnabled());
    w.action("pause")->trigger(); // paused before the first file
    CHECK(w.action("pause")->text() == "&Resume");
    QTest::qWait(500);
    CHECK(filesUnder(right).isEmpty()); // nothing is copied while paused
    CHECK(shown.isEmpty());

    // Resume; pause again as soon as a file has arrived (watched on disk every
    // few milliseconds, not only at the throttled progress reports, so a fast
    // disk cannot finish the whole run first), then stop.
    Progress last;
    auto conn = QObject::connect(&service, &JobService::runProgress, &w, [&](qint64, const Progress& p) { last = p; });
    QTimer watch;
    QObject::connect(&watch, &QTimer::timeout, &w, [&] {
        for (const QString& f : filesUnder(right))
            if (!f.contains(".ferry-tmp-") && w.action("pause")->text() == "&Pause") {
                w.action("pause")->trigger();
                watch.stop();
                return;
            }
    });
    watch.start(2);
    w.action("pause")->trigger(); // resume
    REQUIRE(waitFor([&] { return !watch.isActive() || !shown.isEmpty(); }));
    REQUIRE(shown.isEmpty()); // paused, not finished: the files are big enough
    QObject::disconnect(conn);
    QTest::qWait(300); // the files in flight finish
    REQUIRE(w.action("stop")->isEnabled());
    w.action("stop")->trigger();
    REQUIRE(waitFor([&] { return shown.count() == 1; }));
    const auto stopped = shown.at(0).at(0).value<RunSummary>();
    CHECK(stopped.outcome == RunOutcome::Cancelled);
    CHECK(w.progressLabel()->text().contains("was stopped"));
    // Some files arrived, not all; each is whole; no temporary files; the
    // left is untouched.
    const QStringList arrived = filesUnder(right);
    CHECK(arrived.size() > 0);
    CHECK(arrived.size() < kFiles);
    for (const QString& f : arrived) {
        CHECK_FALSE(f.contains(".ferry-tmp-"));
        CHECK(readFile(right + "/" + f) == readFile(left + "/" + f));
    }
    CHECK(filesUnder(left).size() == kFiles);

    // Run again to the end.
    REQUIRE(waitFor([&] { return w.action("syncNow")->isEnabled(); }));
    w.action("syncNow")->trigger();
    REQUIRE(waitFor([&] { return shown.count() == 2; }));
    CHECK(shown.at(1).at(0).value<RunSummary>().outcome == RunOutcome::InSync);
    CHECK(filesUnder(right) == filesUnder(left));
    (void)job;
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
    // A folder cannot be turned around: the dialog says why.
    for (int r = 0; r < model->rowCount(); ++r) {
        CHECK(model->index(r, PlanModel::Path).data(Qt::ToolTipRole).toString().contains("Why: "));
        if (model->index(r, PlanModel::Path).data().toString() == "sub")
            dialog->view()->selectRow(r);
    }
    CHECK(dialog->flipNote()->isHidden());
    QTest::mouseClick(dialog->flipButton(), Qt::LeftButton);
    CHECK(dialog->flipNote()->isVisibleTo(dialog));
    CHECK(dialog->flipNote()->text().contains("folders are not turned around"));
    dialog->view()->clearSelection();
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

TEST_CASE("Stop while a preview compares ends it; the next preview runs to the end", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/L", right = tmp.path() + "/R";
    for (int i = 0; i < 300; ++i)
        writeFile(left + QString("/d%1/f%2.txt").arg(i % 10).arg(i), QByteArray::number(i));
    JobService service((tmp.path() + "/data").toStdString());
    const Job job = saveJob(service, "Preview stop", left, right);
    MainWindow w(&service);
    showWindow(w, 1);
    QSignalSpy previews(&w, &MainWindow::previewShown);
    QSignalSpy stoppedSpy(&service, &JobService::previewStopped);
    QSignalSpy shown(&w, &MainWindow::runShown);

    w.action("preview")->trigger();
    // The list says what happens: comparing, not syncing.
    CHECK(w.jobsModel()->data(w.jobsModel()->index(0, JobsModel::Status)).toString() == "Comparing…");
    CHECK_FALSE(w.action("pause")->isEnabled());
    REQUIRE(w.action("stop")->isEnabled());
    w.action("stop")->trigger();
    REQUIRE(waitFor([&] { return stoppedSpy.count() == 1; }));
    QTest::qWait(100);
    CHECK(previews.isEmpty()); // no plan to show
    CHECK(w.progressLabel()->text().contains("stopped; nothing was changed"));
    CHECK(filesUnder(right).isEmpty());
    CHECK(w.jobsModel()->data(w.jobsModel()->index(0, JobsModel::Status)).toString() != "Comparing…");

    // A new preview gets a fresh token: its plan runs to the end, even
    // when Stop reached the job while the plan waited in its dialog.
    PreviewDialog* dialog = openPreview(w, previews);
    CHECK_FALSE(w.action("stop")->isEnabled()); // nothing runs while the dialog waits
    service.stop(job.id);
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    REQUIRE(waitFor([&] { return shown.count() == 1; }));
    CHECK(shown.at(0).at(0).value<RunSummary>().outcome == RunOutcome::InSync);
    CHECK(filesUnder(right).size() == 300);
}

TEST_CASE("the end of a run lists its errors and says what to do; each job keeps its own", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/L", right = tmp.path() + "/R";
    for (int i = 0; i < 5; ++i)
        writeFile(left + QString("/gone-%1.txt").arg(i), "soon gone");
    writeFile(left + "/stays.txt", "here");
    JobService service((tmp.path() + "/data").toStdString());
    const Job failing = saveJob(service, "A failing job", left, right);
    const Job other = saveJob(service, "B other job", tmp.path() + "/X", tmp.path() + "/Y");
    MainWindow w(&service);
    showWindow(w, 2);
    w.selectJob(failing.id);
    QSignalSpy previews(&w, &MainWindow::previewShown);
    QSignalSpy shown(&w, &MainWindow::runShown);

    // Files that vanish between the plan and the run fail as items, also as root.
    PreviewDialog* dialog = openPreview(w, previews);
    for (int i = 0; i < 5; ++i)
        REQUIRE(QFile::remove(left + QString("/gone-%1.txt").arg(i)));
    QTest::mouseClick(dialog->runButton(), Qt::LeftButton);
    REQUIRE(waitFor([&] { return shown.count() == 1; }));
    const auto s = shown.at(0).at(0).value<RunSummary>();
    CHECK(s.outcome == RunOutcome::Errors);
    CHECK(s.errors.size() == 5);
    const QString text = w.progressLabel()->text();
    CHECK(text.contains("finished with 5 error(s)"));
    CHECK(text.contains("gone-"));
    CHECK(text.count("• ") == kErrorsListed);
    CHECK(text.contains("2 more in History"));
    CHECK(text.contains("Sync now again"));
    CHECK(readFile(right + "/stays.txt") == "here");

    // Another job selected: not this job's text.
    w.selectJob(other.id);
    CHECK_FALSE(w.progressLabel()->text().contains("error"));
    w.selectJob(failing.id);
    CHECK(w.progressLabel()->text() == text);
}

TEST_CASE("the run summary explains conflicts left for the user and safety stops", "[ui]")
{
    RunSummary s;
    s.outcome = RunOutcome::Conflicts;
    s.counts.conflictsPending = 2;
    s.counts.copiedToRight = 3;
    QString t = runSummaryText(s, "Docs");
    CHECK(t.contains("2 file(s) changed on both sides"));
    CHECK(t.contains("Open Preview"));
    CHECK_FALSE(t.contains("error"));

    s = RunSummary{};
    s.outcome = RunOutcome::Stopped;
    SafetyStop emptied;
    emptied.kind = StopKind::EmptiedSide;
    emptied.side = Side::Right;
    emptied.location = "/media/usb/Docs";
    emptied.held = 120;
    emptied.wouldDelete = 120;
    s.message = windowGuardMessage(emptied);
    t = runSummaryText(s, "Docs");
    CHECK_FALSE(t.contains("--force"));
    CHECK(t.contains("Nothing was changed"));
    CHECK(t.contains("plugged in"));
    CHECK(t.contains("/media/usb/Docs"));
    CHECK(t.contains("holds none of the 120 file(s)"));

    SafetyStop massStop;
    massStop.kind = StopKind::MassDeletion;
    massStop.side = Side::Left;
    massStop.deletes = 80;
    massStop.total = 100;
    massStop.percentLimit = 50;
    const QString mass = windowGuardMessage(massStop);
    CHECK_FALSE(mass.contains("--"));
    CHECK(mass.contains("Preview"));
    CHECK(mass.contains("deletes 80 of 100 items on the left (more than 50%)"));
}

TEST_CASE("the window words each kind of safety stop from its value, with advice for that kind", "[ui]")
{
    struct Row {
        StopKind kind;
        const char* what;   // a part of the description
        const char* advice; // a part of the next step only that kind's advice has
    };
    const Row rows[] = {
        {StopKind::SideUnreadable, "cannot be read: permission denied", "that you may open it"},
        {StopKind::SideMissing, "'/mnt/b' is missing", "emptied the folder on purpose"},
        {StopKind::RootChanged, "'/mnt/b' is not the folder synced last time", "remove the job and create it again"},
        {StopKind::ScanRefused, "Permission denied", "Check that both folders are there"},
        {StopKind::EmptiedSide, "holds only 2 of the 30 file(s)", "emptied the folder on purpose"},
        {StopKind::EmptiedSource, "(the source) holds only 2 of the 30 file(s) in the right folder", "emptied the folder"},
        {StopKind::EmptySource, "(the source) is empty, but the right folder holds 30 file(s)", "emptied the folder"},
        {StopKind::MassDeletion, "deletes 28 of 30 items on the right (more than 50%)", "Preview shows what would be"},
        {StopKind::HostKeyChanged, "'/mnt/b' showed a different host key", "Someone may be intercepting"},
    };
    for (const Row& row : rows) {
        SafetyStop stop;
        stop.kind = row.kind;
        stop.side = Side::Right;
        stop.location = "/mnt/b";
        stop.detail = "permission denied";
        stop.held = 30;
        stop.kept = 2;
        stop.wouldDelete = 28;
        stop.deletes = 28;
        stop.total = 30;
        stop.percentLimit = 50;
        const QString text = windowGuardMessage(stop);
        INFO(stopKindName(row.kind) << ": " << text.toStdString());
        CHECK(text.contains(QString::fromUtf8(row.what)));
        CHECK(text.contains(QString::fromUtf8(row.advice)));
        CHECK(text.contains("Nothing was changed"));
        CHECK_FALSE(text.contains("--"));
        CHECK_FALSE(text.contains("ferry-cli"));
    }
}

TEST_CASE("a stopped run in the history shows its stop in the window's words, an old one its sentence", "[ui]")
{
    RunRecord old;
    old.outcome = RunOutcome::Stopped;
    old.message = "stopped: the right folder '/mnt/b' is missing, but the last sync saw files there. Is a drive "
                  "unplugged or a share not mounted? Reconnect it and run again; nothing was changed";
    CHECK(JobsModel::runMessage(old) == QString::fromStdString(old.message));

    RunRecord typed = old;
    SafetyStop stop;
    stop.kind = StopKind::RootChanged;
    stop.side = Side::Right;
    stop.location = "/mnt/b";
    typed.stop = stop;
    CHECK(JobsModel::runMessage(typed) == windowGuardMessage(stop));
    CHECK(JobsModel::runMessage(typed).contains("remove the job and create it again"));
}

TEST_CASE("the wizard warns about a folder inside the other even without a name", "[ui]")
{
    JobWizard wizard(Job{}, nullptr, {"Photos"});
    wizard.show();
    wizard.next();
    REQUIRE(wizard.currentId() == JobWizard::SidesPage);
    // "name" in the path must not hide the warning (it once did).
    wizard.leftEdit()->setText("/home/username/Documents");
    wizard.rightEdit()->setText("/home/username/Documents/inside");
    CHECK(wizard.sidesWarning()->text().contains("inside"));
    wizard.rightEdit()->setText("/home/username/Backup");
    // A name another job has (in any case) is refused on the page.
    auto* next = wizard.button(QWizard::NextButton);
    wizard.nameEdit()->setText("photos");
    CHECK(wizard.sidesWarning()->text().contains("already"));
    CHECK_FALSE(next->isEnabled());
    wizard.nameEdit()->setText("Photos 2");
    CHECK_FALSE(wizard.sidesWarning()->text().contains("already"));
    CHECK(next->isEnabled());
    // "~" stands for the home folder and is saved expanded.
    wizard.leftEdit()->setText("~/Documents");
    CHECK(wizard.job().left == (QDir::homePath() + "/Documents").toStdString());
}

TEST_CASE("the wizard skips the conflicts page for mirror and shows only the schedule rows that apply", "[ui]")
{
    JobWizard wizard;
    wizard.show();
    wizard.modeButton(SyncMode::Mirror)->setChecked(true);
    wizard.next();
    wizard.nameEdit()->setText("Mirror");
    wizard.leftEdit()->setText("/srv/a");
    wizard.rightEdit()->setText("/srv/b");
    wizard.next();
    REQUIRE(wizard.currentId() == JobWizard::FiltersPage);
    wizard.next();
    CHECK(wizard.currentId() == JobWizard::VersioningPage);
    wizard.next();
    REQUIRE(wizard.currentId() == JobWizard::SchedulePage);
    QComboBox* schedule = wizard.scheduleCombo();
    schedule->setCurrentIndex(schedule->findData(int(Schedule::Kind::Hourly)));
    CHECK_FALSE(wizard.weekdayCombo()->isVisible());
    CHECK_FALSE(wizard.timeEdit()->isVisible());
    schedule->setCurrentIndex(schedule->findData(int(Schedule::Kind::Daily)));
    CHECK_FALSE(wizard.weekdayCombo()->isVisible());
    CHECK(wizard.timeEdit()->isVisible());
    schedule->setCurrentIndex(schedule->findData(int(Schedule::Kind::Weekly)));
    CHECK(wizard.weekdayCombo()->isVisible());
    wizard.next();
    CHECK(wizard.currentId() == JobWizard::SummaryPage);
    CHECK_FALSE(wizard.summaryLabel()->text().contains("Conflicts:"));
}

TEST_CASE("no two controls of a wizard page share a mnemonic", "[ui]")
{
    Job editing; // editing shows Finish on every page as well
    editing.id = 7;
    editing.name = "Docs";
    editing.left = "/srv/a";
    editing.right = "/srv/b";
    editing.schedule.kind = Schedule::Kind::Weekly;
    JobWizard wizard(editing);
    wizard.show();
    while (true) {
        QMap<QChar, QString> seen;
        QList<QWidget*> widgets = wizard.currentPage()->findChildren<QWidget*>();
        for (auto b : {QWizard::BackButton, QWizard::NextButton, QWizard::FinishButton, QWizard::CancelButton})
            widgets << wizard.button(b);
        for (QWidget* wdg : widgets) {
            if (!wdg->isVisible())
                continue;
            QString text;
            if (auto* l = qobject_cast<QLabel*>(wdg))
                text = l->text();
            else if (auto* b = qobject_cast<QAbstractButton*>(wdg))
                text = b->text();
            const int amp = int(text.indexOf(QRegularExpression("&[^&]")));
            if (amp < 0)
                continue;
            const QChar key = text[amp + 1].toLower();
            CAPTURE(wizard.currentId(), text.toStdString(), seen.value(key).toStdString());
            CHECK_FALSE(seen.contains(key));
            seen[key] = text;
        }
        if (wizard.currentId() == JobWizard::SummaryPage)
            break;
        wizard.next();
    }
}

TEST_CASE("Duplicate picks a free name, Delete removes the job, double-click edits", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    JobService service((tmp.path() + "/data").toStdString());
    const Job photos = saveJob(service, "Photos", tmp.path() + "/P", tmp.path() + "/NAS");
    MainWindow w(&service);
    showWindow(w, 1);

    // The job actions are on the toolbar and in the list's context menu.
    auto* bar = w.findChild<QToolBar*>("jobsToolBar");
    REQUIRE(bar);
    for (const char* name : {"duplicateJob", "deleteJob", "editJob", "syncNow", "stop"}) {
        CAPTURE(name);
        CHECK(bar->actions().contains(w.action(name)));
        CHECK(w.jobContextMenu()->actions().contains(w.action(name)));
    }
    CHECK(w.action("stop")->shortcut() != QKeySequence(Qt::Key_Escape));
    CHECK_FALSE(w.action("duplicateJob")->icon().isNull());
    CHECK_FALSE(w.action("deleteJob")->icon().isNull());

    // Duplicate twice: "(copy)", then "(copy 2)".
    for (const char* expected : {"Photos (copy)", "Photos (copy 2)"}) {
        w.selectJob(photos.id);
        bool checked = false;
        whenModalOpens<JobWizard>(&w, [&](JobWizard* wizard) {
            CHECK(wizard->nameEdit()->text() == expected);
            auto* finish = wizard->button(QWizard::FinishButton);
            CHECK(finish->isVisible()); // everything is filled in already
            CHECK(finish->isEnabled());
            checked = true;
            QTest::mouseClick(finish, Qt::LeftButton);
        });
        const int before = w.jobsModel()->rowCount();
        w.action("duplicateJob")->trigger();
        REQUIRE(checked);
        REQUIRE(waitFor([&] { return w.jobsModel()->rowCount() == before + 1; }));
    }
    QStringList names;
    for (int i = 0; i < w.jobsModel()->rowCount(); ++i)
        names << QString::fromStdString(w.jobsModel()->rowAt(i)->job.name);
    names.sort();
    CHECK(names.join(" | ").toStdString() == "Photos | Photos (copy 2) | Photos (copy)");
    CHECK(w.freeCopyName("Photos (copy)") == "Photos (copy 3)");

    // Double-click a row: the editor opens on that job.
    const int row = w.jobsModel()->rowOf(photos.id);
    const QRect rect = w.jobList()->visualRect(w.jobsModel()->index(row, JobsModel::Name));
    bool edited = false;
    whenModalOpens<JobWizard>(&w, [&](JobWizard* wizard) {
        CHECK(wizard->nameEdit()->text() == "Photos");
        edited = true;
        wizard->reject();
    });
    // Item views double-click only on the item that the press before hit.
    QTest::mouseClick(w.jobList()->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(w.jobList()->viewport(), Qt::LeftButton, {}, rect.center());
    CHECK(edited);

    // Delete asks first; Yes removes the job, and its folders stay.
    w.selectJob(photos.id);
    bool asked = false;
    whenModalOpens<QMessageBox>(&w, [&](QMessageBox* box) {
        CHECK(box->text().contains("Photos"));
        asked = true;
        QTest::mouseClick(box->button(QMessageBox::Yes), Qt::LeftButton);
    });
    w.action("deleteJob")->trigger();
    CHECK(asked);
    REQUIRE(waitFor([&] { return w.jobsModel()->rowCount() == 2; }));
    CHECK(w.jobsModel()->rowOf(photos.id) < 0);
}

TEST_CASE("Rename in the context menu renames the job; a name another job has is refused", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    JobService service((tmp.path() + "/data").toStdString());
    const Job photos = saveJob(service, "Photos", tmp.path() + "/P", tmp.path() + "/NAS");
    saveJob(service, "Music", tmp.path() + "/M", tmp.path() + "/NAS2");
    MainWindow w(&service);
    showWindow(w, 2);
    REQUIRE(w.action("renameJob"));
    CHECK(w.jobContextMenu()->actions().contains(w.action("renameJob")));
    CHECK(w.jobContextMenu()->actions().contains(w.action("duplicateJob")));

    auto renameTo = [&](const QString& name) {
        w.selectJob(photos.id);
        REQUIRE(waitFor([&] { return w.action("renameJob")->isEnabled(); }));
        bool asked = false;
        whenModalOpens<QInputDialog>(&w, [&](QInputDialog* dialog) {
            asked = true;
            dialog->setTextValue(name);
            dialog->accept();
        });
        w.action("renameJob")->trigger();
        REQUIRE(asked);
    };
    auto nameOf = [&](int64_t id) {
        const JobRow* r = w.jobsModel()->rowById(id);
        return r ? QString::fromStdString(r->job.name) : QString();
    };

    renameTo("Pictures");
    REQUIRE(waitFor([&] { return nameOf(photos.id) == "Pictures"; }));

    QSignalSpy errors(&w, &MainWindow::errorShown);
    renameTo("Music");
    REQUIRE(waitFor([&] { return errors.count() == 1; }));
    CHECK(errors.at(0).at(0).toString().contains("Music"));
    CHECK(nameOf(photos.id) == "Pictures");
    if (auto* box = w.findChild<QMessageBox*>("errorBox"))
        box->close();
}

TEST_CASE("the history shows the runs of the job chosen in its filter", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    writeFile(tmp.path() + "/A/a.txt", "a");
    writeFile(tmp.path() + "/C/c.txt", "c");
    JobService service((tmp.path() + "/data").toStdString());
    const Job a = saveJob(service, "Alpha", tmp.path() + "/A", tmp.path() + "/B");
    const Job c = saveJob(service, "Gamma", tmp.path() + "/C", tmp.path() + "/D");
    MainWindow w(&service);
    showWindow(w, 2);
    QSignalSpy shown(&w, &MainWindow::runShown);
    for (const Job& j : {a, c, c}) {
        const int before = int(shown.count());
        w.selectJob(j.id);
        REQUIRE(waitFor([&] { return w.action("syncNow")->isEnabled(); }));
        w.action("syncNow")->trigger();
        REQUIRE(waitFor([&] { return shown.count() == before + 1; }));
    }
    // Opened on Gamma: its two runs.
    w.selectJob(c.id);
    w.action("history")->trigger();
    auto* history = w.findChild<HistoryDialog*>();
    REQUIRE(history);
    REQUIRE(waitFor([&] { return history->jobFilter()->count() == 3; }));
    CHECK(history->jobFilter()->currentText() == "Gamma");
    QAbstractItemModel* runs = history->runsView()->model();
    CHECK(runs->rowCount() == 2);
    for (int r = 0; r < runs->rowCount(); ++r)
        CHECK(runs->index(r, 1).data().toString() == "Gamma");
    history->jobFilter()->setCurrentIndex(history->jobFilter()->findText("Alpha"));
    REQUIRE(runs->rowCount() == 1);
    CHECK(runs->index(0, 1).data().toString() == "Alpha");
    history->jobFilter()->setCurrentIndex(0); // all jobs
    CHECK(runs->rowCount() == 3);
    history->close();
}

TEST_CASE("the windows keep their size and columns; recorded messages read as the window's", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    {
        MainWindow w;
        w.show();
        w.jobList()->horizontalHeader()->resizeSection(JobsModel::Mode, 211);
        w.close();
    }
    {
        MainWindow w;
        w.show();
        CHECK(w.jobList()->horizontalHeader()->sectionSize(JobsModel::Mode) == 211);
    }
    JobService service((tmp.path() + "/data").toStdString());
    {
        HistoryDialog h(&service, 0);
        h.show();
        h.resize(713, 457);
        h.itemsView()->horizontalHeader()->resizeSection(0, 123);
        h.reject();
    }
    {
        HistoryDialog h(&service, 0);
        h.show();
        CHECK(h.size() == QSize(713, 457));
        CHECK(h.itemsView()->horizontalHeader()->sectionSize(0) == 123);
    }

    RunRecord stopped;
    stopped.outcome = RunOutcome::Stopped;
    stopped.message = "stopped: the plan deletes 9 of 10 items on the right (more than 50%). Nothing was changed. "
                      "Check with --dry-run; if the deletions are intended, run again with --force-deletions";
    CHECK_FALSE(JobsModel::runMessage(stopped).contains("--"));
    RunRecord conflicts;
    conflicts.outcome = RunOutcome::Conflicts;
    conflicts.counts.conflictsPending = 2;
    conflicts.message = "2 conflict(s) left for you: see 'ferry-cli conflicts Docs'";
    CHECK(JobsModel::runMessage(conflicts).contains("open Preview"));
}

TEST_CASE("a run stopped by a safety check or left with conflicts says what to check", "[ui]")
{
    QTemporaryDir tmp;
    REQUIRE(tmp.isValid());
    const QString left = tmp.path() + "/L", right = tmp.path() + "/R";
    for (int i = 0; i < 4; ++i)
        writeFile(left + QString("/f%1.txt").arg(i), "one");
    JobService service((tmp.path() + "/data").toStdString());
    Job job = saveJob(service, "Guarded", left, right);
    job.conflict = ConflictPolicy::Ask;
    QSignalSpy saved(&service, &JobService::jobSaved);
    service.saveJob(job);
    REQUIRE(waitFor([&] { return saved.count() == 1; }));
    MainWindow w(&service);
    showWindow(w, 1);
    QSignalSpy shown(&w, &MainWindow::runShown);
    auto syncOnce = [&] {
        const int before = int(shown.count());
        REQUIRE(waitFor([&] { return w.action("syncNow")->isEnabled(); }));
        w.action("syncNow")->trigger();
        REQUIRE(waitFor([&] { return shown.count() == before + 1; }));
        return shown.at(before).at(0).value<RunSummary>();
    };
    REQUIRE(syncOnce().outcome == RunOutcome::InSync);

    // Both sides edit the same file; "ask" leaves it for the user.
    QTest::qWait(1100);
    writeFile(left + "/f0.txt", "left edit");
    writeFile(right + "/f0.txt", "right edit, longer");
    const RunSummary conflicts = syncOnce();
    CHECK(conflicts.outcome == RunOutcome::Conflicts);
    CHECK(w.progressLabel()->text().contains("1 file(s) changed on both sides"));
    CHECK(w.progressLabel()->text().contains("Open Preview"));

    // The right side emptied (an unplugged drive looks like this).
    for (const QString& f : filesUnder(right))
        REQUIRE(QFile::remove(right + "/" + f));
    const RunSummary stopped = syncOnce();
    CHECK(stopped.outcome == RunOutcome::Stopped);
    const QString text = w.progressLabel()->text();
    CHECK(text.contains("Nothing was changed"));
    CHECK(text.contains("plugged in"));
    CHECK_FALSE(text.contains("--force"));
    CHECK(filesUnder(left).size() == 4);
}
