// JobWizard: creates a job, or edits one on the same pages: what to do (with
// a sentence and a small diagram per mode), the two folders (with warnings
// for a folder inside the other, an empty folder, a removable drive),
// filters, conflicts, versioning, schedule and a summary.
// The folder checks run on a worker thread; the wizard never touches the
// disk itself.
#pragma once

#include "jobs/job.h"

#include <QWizard>

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QRadioButton;
class QSpinBox;
class QTimeEdit;

namespace ferry::ui {

class JobWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId { ModePage, SidesPage, FiltersPage, ConflictsPage, VersioningPage, SchedulePage, SummaryPage };

    // `existing` with id != 0: edit that job.
    explicit JobWizard(const Job& existing = Job{}, QWidget* parent = nullptr);
    Job job() const;          // the job as the pages describe it
    QString summaryText() const;

    // Controls, for tests and accessibility checks.
    QRadioButton* modeButton(SyncMode m) const;
    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* leftEdit() const { return m_left; }
    QLineEdit* rightEdit() const { return m_right; }
    QLabel* sidesWarning() const { return m_sidesWarning; }
    QPlainTextEdit* excludesEdit() const { return m_excludes; }
    QCheckBox* skipHiddenBox() const { return m_skipHidden; }
    QRadioButton* conflictButton(ConflictPolicy p) const;
    QComboBox* versioningCombo() const { return m_versioning; }
    QLineEdit* versionsFolderEdit() const { return m_versionsFolder; }
    QComboBox* scheduleCombo() const { return m_schedule; }
    QLabel* summaryLabel() const { return m_summary; }

private:
    QWizardPage* makeModePage();
    QWizardPage* makeSidesPage();
    QWizardPage* makeFiltersPage();
    QWizardPage* makeConflictsPage();
    QWizardPage* makeVersioningPage();
    QWizardPage* makeSchedulePage();
    QWizardPage* makeSummaryPage();
    void load(const Job& job);
    void checkSides();
    void updateVersioningControls();
    void updateScheduleControls();

    Job m_base;
    QButtonGroup* m_modes = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_left = nullptr;
    QLineEdit* m_right = nullptr;
    QLabel* m_sidesWarning = nullptr;
    QPlainTextEdit* m_excludes = nullptr;
    QCheckBox* m_skipHidden = nullptr;
    QButtonGroup* m_conflicts = nullptr;
    QComboBox* m_versioning = nullptr;
    QLineEdit* m_versionsFolder = nullptr;
    QSpinBox* m_keepCount = nullptr;
    QSpinBox* m_maxAge = nullptr;
    QComboBox* m_schedule = nullptr;
    QComboBox* m_weekday = nullptr;
    QTimeEdit* m_time = nullptr;
    QLabel* m_summary = nullptr;
    int m_checkGeneration = 0;
};

} // namespace ferry::ui
