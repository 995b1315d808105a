// FiltersPage: the wizard page that says what a job leaves out and what it
// is limited to: exclude patterns, include patterns ("only these"), hidden
// files, file size limits and age limits. It reads and writes those fields
// of a Job and describes them for the summary; GUI thread only, no I/O.
//
// A limit the page cannot show exactly (a max age of 12 h set with
// ferry-cli, shown as 1 day) is kept as it was unless the user changes it.
#pragma once

#include "jobs/job.h"

#include <QWizardPage>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QSpinBox;

namespace ferry::ui {

class FiltersPage : public QWizardPage {
    Q_OBJECT
public:
    explicit FiltersPage(QWidget* parent = nullptr);
    void load(const Job& job);
    void apply(Job& job) const; // excludes, includes, limits
    bool isComplete() const override;
    // HTML table rows ("<tr>…</tr>") for the wizard's summary.
    QString summaryRows() const;

    QPlainTextEdit* excludesEdit() const { return m_excludes; }
    QPlainTextEdit* includesEdit() const { return m_includes; }
    QCheckBox* skipHiddenBox() const { return m_skipHidden; }
    QSpinBox* minSizeSpin() const { return m_minSize; }
    QSpinBox* maxSizeSpin() const { return m_maxSize; }
    QComboBox* minSizeUnit() const { return m_minUnit; }
    QComboBox* maxSizeUnit() const { return m_maxUnit; }
    QCheckBox* recentOnlyBox() const { return m_recentOnly; }
    QSpinBox* recentDaysSpin() const { return m_recentDays; }
    QCheckBox* settleBox() const { return m_settle; }
    QSpinBox* settleMinutesSpin() const { return m_settleMinutes; }
    QLabel* problemLabel() const { return m_problem; }

private:
    ItemLimits limits() const;
    void changed();
    QPlainTextEdit* m_excludes = nullptr;
    QPlainTextEdit* m_includes = nullptr;
    QCheckBox* m_skipHidden = nullptr;
    QSpinBox* m_minSize = nullptr;
    QSpinBox* m_maxSize = nullptr;
    QComboBox* m_minUnit = nullptr;
    QComboBox* m_maxUnit = nullptr;
    QCheckBox* m_recentOnly = nullptr;
    QSpinBox* m_recentDays = nullptr;
    QCheckBox* m_settle = nullptr;
    QSpinBox* m_settleMinutes = nullptr;
    QLabel* m_problem = nullptr;
    ItemLimits m_loaded; // what load() got, kept where the controls still show it
};

} // namespace ferry::ui
