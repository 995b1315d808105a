#include "filterspage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>

#include <cmath>
#include <utility>

namespace ferry::ui {

namespace {

constexpr int kMaxSizeValue = 1000000;
constexpr int64_t kDay = 86400, kMinute = 60;

// A pattern list: a few lines tall, not the 192 px a text edit asks for.
class PatternEdit : public QPlainTextEdit {
public:
    using QPlainTextEdit::QPlainTextEdit;
    QSize sizeHint() const override
    {
        const int frame = 2 * frameWidth() + int(document()->documentMargin() * 2);
        return {220, fontMetrics().lineSpacing() * 5 + frame};
    }
    QSize minimumSizeHint() const override
    {
        const int frame = 2 * frameWidth() + int(document()->documentMargin() * 2);
        return {120, fontMetrics().lineSpacing() * 3 + frame};
    }
};

// How the page shows a size: a whole number of the largest unit that holds
// it exactly (10 MiB, 1536 B), else the nearest whole number that fits.
std::pair<int, int> sizeDisplay(int64_t bytes)
{
    if (bytes <= 0)
        return {0, 20};
    for (int shift : {30, 20, 10, 0})
        if (bytes % (int64_t(1) << shift) == 0 && (bytes >> shift) <= kMaxSizeValue)
            return {int(bytes >> shift), shift};
    for (int shift : {0, 10, 20, 30}) {
        const int64_t v = (bytes + (int64_t(1) << shift) / 2) >> shift;
        if (v <= kMaxSizeValue)
            return {int(std::max<int64_t>(1, v)), shift};
    }
    return {kMaxSizeValue, 30};
}

int ceilDiv(int64_t a, int64_t b) { return int((a + b - 1) / b); }

QString sizeText(int64_t bytes) { return QString::fromStdString(formatByteSize(bytes)); }

QString daysText(int64_t seconds)
{
    if (seconds % kDay == 0)
        return seconds == kDay ? FiltersPage::tr("1 day") : FiltersPage::tr("%1 days").arg(seconds / kDay);
    return QString::fromStdString(formatDuration(seconds));
}

QString minutesText(int64_t seconds)
{
    if (seconds % kMinute == 0)
        return seconds == kMinute ? FiltersPage::tr("1 minute")
                                  : FiltersPage::tr("%1 minutes").arg(seconds / kMinute);
    return QString::fromStdString(formatDuration(seconds));
}

QStringList lines(const QPlainTextEdit* edit)
{
    QStringList out;
    for (const QString& line : edit->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty())
            out << line.trimmed();
    return out;
}

QComboBox* unitCombo(QWidget* parent, const QString& accessible)
{
    auto* c = new QComboBox(parent);
    c->setAccessibleName(accessible);
    c->addItem(FiltersPage::tr("B"), 0);
    c->addItem(FiltersPage::tr("KiB"), 10);
    c->addItem(FiltersPage::tr("MiB"), 20);
    c->addItem(FiltersPage::tr("GiB"), 30);
    return c;
}

QSpinBox* spin(QWidget* parent, int max, const QString& accessible, const QString& special = {})
{
    auto* s = new QSpinBox(parent);
    s->setRange(0, max);
    s->setAccessibleName(accessible);
    if (!special.isEmpty())
        s->setSpecialValueText(special);
    s->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
    return s;
}

} // namespace

FiltersPage::FiltersPage(QWidget* parent) : QWizardPage(parent)
{
    setTitle(tr("What to sync, what to leave out?"));
    setSubTitle(tr("Files left out are neither copied nor deleted, on either side."));
    auto* grid = new QGridLayout(this);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    auto* exLabel = new QLabel(tr("&Leave out these patterns, one per line (“*.tmp”, “build/”, “**/cache”):"), this);
    exLabel->setWordWrap(true);
    m_excludes = new PatternEdit(this);
    m_excludes->setObjectName("excludes");
    m_excludes->setAccessibleName(tr("Exclude patterns"));
    m_excludes->setTabChangesFocus(true);
    exLabel->setBuddy(m_excludes);
    auto* inLabel = new QLabel(tr("&Only these patterns, one per line (“*.pdf”, “Invoices/”); empty: everything:"),
                               this);
    inLabel->setWordWrap(true);
    m_includes = new PatternEdit(this);
    m_includes->setObjectName("includes");
    m_includes->setAccessibleName(tr("Include patterns"));
    m_includes->setToolTip(tr("Only files that match one of these are synced. Folders are always kept, so the "
                              "matching files have a place to go. Leaving out still wins."));
    m_includes->setTabChangesFocus(true);
    inLabel->setBuddy(m_includes);
    grid->addWidget(exLabel, 0, 0, Qt::AlignBottom);
    grid->addWidget(inLabel, 0, 1, Qt::AlignBottom);
    grid->addWidget(m_excludes, 1, 0);
    grid->addWidget(m_includes, 1, 1);
    m_skipHidden = new QCheckBox(tr("Skip &hidden files and folders (names starting with a dot)"), this);
    m_skipHidden->setObjectName("skipHidden");
    grid->addWidget(m_skipHidden, 2, 0, 1, 2);

    // Size and age limits, for files only.
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::FieldsStayAtSizeHint);
    auto sizeRow = [&](const QString& label, QSpinBox*& value, QComboBox*& unit, const QString& name) {
        value = spin(this, kMaxSizeValue, label.chopped(1).remove('&'), tr("no limit"));
        value->setObjectName(name);
        unit = unitCombo(this, tr("Unit of the %1").arg(label.chopped(1).remove('&').toLower()));
        unit->setObjectName(name + "Unit");
        auto* row = new QHBoxLayout;
        row->addWidget(value);
        row->addWidget(unit);
        row->addStretch();
        form->addRow(label, row);
        qobject_cast<QLabel*>(form->labelForField(row))->setBuddy(value);
    };
    sizeRow(tr("S&mallest file:"), m_minSize, m_minUnit, "minSize");
    sizeRow(tr("Lar&gest file:"), m_maxSize, m_maxUnit, "maxSize");
    auto ageRow = [&](QCheckBox*& box, const QString& text, QSpinBox*& value, int max, const QString& unit,
                      const QString& name) {
        box = new QCheckBox(text, this);
        box->setObjectName(name + "On");
        value = spin(this, max, QString(text).remove('&') + " " + unit);
        value->setObjectName(name);
        value->setEnabled(false);
        auto* row = new QHBoxLayout;
        row->addWidget(box);
        row->addWidget(value);
        row->addWidget(new QLabel(unit, this));
        row->addStretch();
        form->addRow(row);
        connect(box, &QCheckBox::toggled, value, &QWidget::setEnabled);
        connect(box, &QCheckBox::toggled, this, &FiltersPage::changed);
    };
    ageRow(m_recentOnly, tr("Only files &changed in the last"), m_recentDays, 36500, tr("days"), "recentDays");
    ageRow(m_settle, tr("S&kip files changed in the last"), m_settleMinutes, 10080,
           tr("minutes (they may still be being written)"), "settleMinutes");
    m_recentDays->setMinimum(1);
    m_settleMinutes->setMinimum(1);
    auto* limitsLabel = new QLabel(tr("<b>Files only</b> (folders are always kept)"), this);
    grid->addWidget(limitsLabel, 3, 0, 1, 2);
    grid->addLayout(form, 4, 0, 1, 2);

    m_problem = new QLabel(this);
    m_problem->setObjectName("filtersProblem");
    m_problem->setWordWrap(true);
    m_problem->setTextFormat(Qt::PlainText);
    grid->addWidget(m_problem, 5, 0, 1, 2);
    grid->setRowStretch(1, 1);

    for (QSpinBox* s : {m_minSize, m_maxSize, m_recentDays, m_settleMinutes})
        connect(s, &QSpinBox::valueChanged, this, &FiltersPage::changed);
    for (QComboBox* c : {m_minUnit, m_maxUnit})
        connect(c, &QComboBox::currentIndexChanged, this, &FiltersPage::changed);
}

void FiltersPage::changed()
{
    const ItemLimits l = limits();
    QString problem;
    if (l.maxSize > 0 && l.minSize > l.maxSize)
        problem = tr("The smallest file size is above the largest, so no file would be synced: lower the one or "
                     "raise the other.");
    else if (l.maxAgeSeconds > 0 && l.minAgeSeconds > l.maxAgeSeconds)
        problem = tr("Files changed in the last %1 are skipped, but only files changed in the last %2 are synced, "
                     "so no file would be: shorten the one or lengthen the other.")
                      .arg(minutesText(l.minAgeSeconds), daysText(l.maxAgeSeconds));
    m_problem->setText(problem);
    emit completeChanged();
}

bool FiltersPage::isComplete() const { return m_problem->text().isEmpty(); }

void FiltersPage::load(const Job& job)
{
    QStringList ex;
    bool hidden = false;
    for (const std::string& e : job.excludes) {
        if (e == ".*")
            hidden = true;
        else
            ex << QString::fromStdString(e);
    }
    m_excludes->setPlainText(ex.join("\n"));
    m_skipHidden->setChecked(hidden);
    QStringList in;
    for (const std::string& i : job.includes)
        in << QString::fromStdString(i);
    m_includes->setPlainText(in.join("\n"));

    m_loaded = job.limits;
    for (auto [bytes, value, unit] : {std::tuple{job.limits.minSize, m_minSize, m_minUnit},
                                      std::tuple{job.limits.maxSize, m_maxSize, m_maxUnit}}) {
        const auto [v, shift] = sizeDisplay(bytes);
        value->setValue(v);
        unit->setCurrentIndex(unit->findData(shift));
    }
    m_recentOnly->setChecked(job.limits.maxAgeSeconds > 0);
    m_recentDays->setValue(job.limits.maxAgeSeconds > 0 ? ceilDiv(job.limits.maxAgeSeconds, kDay) : 30);
    m_settle->setChecked(job.limits.minAgeSeconds > 0);
    m_settleMinutes->setValue(job.limits.minAgeSeconds > 0 ? ceilDiv(job.limits.minAgeSeconds, kMinute) : 10);
    changed();
}

ItemLimits FiltersPage::limits() const
{
    auto size = [](const QSpinBox* value, const QComboBox* unit, int64_t loaded) -> int64_t {
        if (value->value() == 0)
            return 0;
        const int shift = unit->currentData().toInt();
        if (sizeDisplay(loaded) == std::pair{value->value(), shift})
            return loaded; // untouched: keep what the page could not show exactly
        return int64_t(value->value()) << shift;
    };
    auto age = [](const QCheckBox* on, const QSpinBox* value, int64_t loaded, int64_t unit) -> int64_t {
        if (!on->isChecked())
            return 0;
        if (loaded > 0 && ceilDiv(loaded, unit) == value->value())
            return loaded;
        return int64_t(value->value()) * unit;
    };
    ItemLimits l;
    l.minSize = size(m_minSize, m_minUnit, m_loaded.minSize);
    l.maxSize = size(m_maxSize, m_maxUnit, m_loaded.maxSize);
    l.maxAgeSeconds = age(m_recentOnly, m_recentDays, m_loaded.maxAgeSeconds, kDay);
    l.minAgeSeconds = age(m_settle, m_settleMinutes, m_loaded.minAgeSeconds, kMinute);
    return l;
}

void FiltersPage::apply(Job& job) const
{
    job.excludes.clear();
    for (const QString& p : lines(m_excludes))
        job.excludes.push_back(p.toStdString());
    if (m_skipHidden->isChecked())
        job.excludes.push_back(".*");
    job.includes.clear();
    for (const QString& p : lines(m_includes))
        job.includes.push_back(p.toStdString());
    job.limits = limits();
}

QString FiltersPage::summaryRows() const
{
    Job j;
    apply(j);
    auto list = [](const std::vector<std::string>& patterns) {
        QStringList out;
        for (const std::string& p : patterns)
            out << (p == ".*" ? tr("hidden files") : QString::fromStdString(p).toHtmlEscaped());
        return out.join(", ");
    };
    QString rows = tr("<tr><td>Left out:</td><td>%1</td></tr>")
                       .arg(j.excludes.empty() ? tr("nothing") : list(j.excludes));
    if (!j.includes.empty())
        rows += tr("<tr><td>Only:</td><td>%1</td></tr>").arg(list(j.includes));
    const ItemLimits& l = j.limits;
    if (l.active()) {
        QStringList parts;
        if (l.minSize > 0 && l.maxSize > 0)
            parts << tr("from %1 to %2").arg(sizeText(l.minSize), sizeText(l.maxSize));
        else if (l.minSize > 0)
            parts << tr("of at least %1").arg(sizeText(l.minSize));
        else if (l.maxSize > 0)
            parts << tr("up to %1").arg(sizeText(l.maxSize));
        if (l.maxAgeSeconds > 0)
            parts << tr("changed in the last %1").arg(daysText(l.maxAgeSeconds));
        if (l.minAgeSeconds > 0)
            parts << tr("not changed in the last %1").arg(minutesText(l.minAgeSeconds));
        rows += tr("<tr><td>Files:</td><td>only files %1</td></tr>").arg(parts.join(tr(", ")));
    }
    return rows;
}

} // namespace ferry::ui
