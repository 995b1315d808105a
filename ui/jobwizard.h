// JobWizard: creates a job, or edits one on the same pages: what to do (with
// a sentence and a small diagram per mode), the two folders (with warnings
// for a folder inside the other, an empty folder, a removable drive, a
// name another job has), filters and limits, conflicts (two-way only: the
// page is skipped for mirror and update), versioning, schedule and a
// summary. Folders under the home folder read "~/…"; a leading "~" is
// expanded when the job is saved.
// The folder checks run on a worker thread; the wizard never touches the
// disk itself.
#pragma once

#include "backend/credentials.h"
#include "jobs/job.h"

#include <QWizard>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QFormLayout;
class QStackedWidget;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QRadioButton;
class QScrollArea;
class QSpinBox;
class QTimeEdit;

namespace ferry::ui {

class FiltersPage;
class ServerForm;

class JobWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId { ModePage, SidesPage, FiltersPage, ConflictsPage, VersioningPage, SchedulePage, SummaryPage };

    // `existing` with id != 0: edit that job. `takenNames`: the names of the
    // other jobs, which this one may not take.
    explicit JobWizard(const Job& existing = Job{}, QWidget* parent = nullptr,
                       const QStringList& takenNames = {});
    Job job() const;          // the job as the pages describe it
    QString summaryText() const;

    // Controls, for tests and accessibility checks.
    QRadioButton* modeButton(SyncMode m) const;
    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* leftEdit() const { return m_left; }
    QLineEdit* rightEdit() const { return m_right; }
    QLabel* sidesWarning() const { return m_sidesWarning; }
    ui::FiltersPage* filtersPage() const { return m_filters; } // qualified: FiltersPage is also a PageId
    QPlainTextEdit* excludesEdit() const;
    QPlainTextEdit* includesEdit() const;
    QCheckBox* skipHiddenBox() const;
    QRadioButton* conflictButton(ConflictPolicy p) const;
    QComboBox* versioningCombo() const { return m_versioning; }
    QLineEdit* versionsFolderEdit() const { return m_versionsFolder; }
    QLineEdit* serverVersionsFolderEdit() const { return m_serverVersionsFolder; }
    QComboBox* scheduleCombo() const { return m_schedule; }
    QComboBox* weekdayCombo() const { return m_weekday; }
    QTimeEdit* timeEdit() const { return m_time; }
    QLabel* summaryLabel() const { return m_summary; }
    // Each side (0 left, 1 right) is a folder on this computer or a server.
    ServerForm* serverForm(int side) const;
    QRadioButton* serverChoice(int side) const;
    QRadioButton* localChoice(int side) const;
    // What the server forms connect with besides their fields (tests point
    // it at a private ~/.ssh and known_hosts).
    void setRemoteAccessBase(const RemoteAccess& base);
    // The password a server form asks to save in the keychain (under the
    // job's key, once the job is saved); "" for none.
    QString passwordToSave() const;

    int nextId() const override;
    // Finish from an early page (editing) checks every page: an incomplete
    // one is shown instead of saving.
    void done(int result) override;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QWizardPage* makeModePage();
    QWizardPage* makeSidesPage();
    QWizardPage* makeConflictsPage();
    QWizardPage* makeVersioningPage();
    QWizardPage* makeSchedulePage();
    QWizardPage* makeSummaryPage();
    void load(const Job& job);
    void checkSides();
    void setSideIsServer(int side, bool server);
    void growToShowSides();
    void showSavedPasswordChoice(int side, const std::string& jobName);
    bool nameTaken(const QString& name) const;
    void updateVersioningControls();
    void updateScheduleControls();

    Job m_base;
    QStringList m_takenNames;
    QButtonGroup* m_modes = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_left = nullptr;
    QLineEdit* m_right = nullptr;
    QLabel* m_sidesWarning = nullptr;
    struct SideControls {
        QRadioButton* local = nullptr;
        QRadioButton* server = nullptr;
        QStackedWidget* stack = nullptr;
        QLineEdit* edit = nullptr;
        ServerForm* form = nullptr;
        QLabel* label = nullptr;
    };
    SideControls m_sides[2];
    QScrollArea* m_sidesScroll = nullptr;
    ui::FiltersPage* m_filters = nullptr;
    QButtonGroup* m_conflicts = nullptr;
    QComboBox* m_versioning = nullptr;
    QFormLayout* m_versioningForm = nullptr;
    QLabel* m_versioningNote = nullptr;
    QLineEdit* m_versionsFolder = nullptr;
    QLineEdit* m_serverVersionsFolder = nullptr;
    QSpinBox* m_keepCount = nullptr;
    QSpinBox* m_maxAge = nullptr;
    QComboBox* m_schedule = nullptr;
    QFormLayout* m_scheduleForm = nullptr;
    QComboBox* m_weekday = nullptr;
    QTimeEdit* m_time = nullptr;
    QLabel* m_summary = nullptr;
    int m_checkGeneration = 0;
};

} // namespace ferry::ui
