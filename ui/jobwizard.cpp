#include "jobwizard.h"

#include "backend/location.h"
#include "jobsmodel.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStorageInfo>
#include <QTimeEdit>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <functional>

namespace ferry::ui {

namespace {

// Two folders and the arrows of a mode.
class ModeDiagram : public QWidget {
public:
    ModeDiagram(SyncMode mode, QWidget* parent) : QWidget(parent), m_mode(mode)
    {
        setFixedSize(150, 46);
        setAccessibleName(tr("Diagram"));
    }

protected:
    void paintEvent(QPaintEvent*) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        const QColor ink = palette().color(QPalette::WindowText);
        const QColor fill = palette().color(QPalette::Base);
        auto folder = [&](QRectF r, const QString& label) {
            QPainterPath path;
            path.moveTo(r.left(), r.top() + 6);
            path.lineTo(r.left() + 14, r.top() + 6);
            path.lineTo(r.left() + 18, r.top() + 2);
            path.lineTo(r.left() + 30, r.top() + 2);
            path.lineTo(r.left() + 30, r.top() + 6);
            path.lineTo(r.right(), r.top() + 6);
            path.lineTo(r.right(), r.bottom());
            path.lineTo(r.left(), r.bottom());
            path.closeSubpath();
            p.setPen(QPen(ink, 1.3));
            p.setBrush(fill);
            p.drawPath(path);
            p.drawText(r.adjusted(0, 6, 0, 0), Qt::AlignCenter, label);
        };
        folder(QRectF(2, 6, 44, 36), "A");
        folder(QRectF(104, 6, 44, 36), "B");
        auto arrow = [&](qreal y, bool toRight, Qt::PenStyle style) {
            const qreal x1 = 52, x2 = 98;
            p.setPen(QPen(ink, 1.6, style));
            p.drawLine(QPointF(x1, y), QPointF(x2, y));
            const qreal tip = toRight ? x2 : x1, dir = toRight ? -1 : 1;
            p.setPen(QPen(ink, 1.6));
            p.drawLine(QPointF(tip, y), QPointF(tip + dir * 6, y - 4));
            p.drawLine(QPointF(tip, y), QPointF(tip + dir * 6, y + 4));
        };
        switch (m_mode) {
        case SyncMode::TwoWay:
            arrow(19, true, Qt::SolidLine);
            arrow(31, false, Qt::SolidLine);
            break;
        case SyncMode::Mirror: arrow(25, true, Qt::SolidLine); break;
        case SyncMode::Update: arrow(25, true, Qt::DashLine); break;
        }
    }

private:
    SyncMode m_mode;
};

class Page : public QWizardPage {
public:
    std::function<bool()> complete;
    bool isComplete() const override { return complete ? complete() : QWizardPage::isComplete(); }
    void changed() { emit completeChanged(); }
};

QString folderWarning(const QString& path, const QString& side)
{
    // Runs on a worker thread.
    QFileInfo fi(path);
    if (!fi.exists())
        return QObject::tr("The %1 folder does not exist yet; Ferry creates it on the first run.").arg(side);
    if (!fi.isDir())
        return QObject::tr("The %1 side is a file, not a folder.").arg(side);
    QStringList notes;
    if (QDir(path).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System))
        notes << QObject::tr("The %1 folder is empty: on the first run it receives everything from the other side.")
                     .arg(side);
    const QStorageInfo storage(path);
    const QString root = storage.rootPath();
    if (root.startsWith("/media") || root.startsWith("/run/media") || root.startsWith("/mnt") ||
        root.startsWith("/Volumes"))
        notes << QObject::tr("The %1 folder is on a removable or mounted drive (%2): if the drive is not plugged in, "
                             "Ferry stops instead of syncing.")
                     .arg(side, storage.displayName());
    return notes.join("\n");
}

} // namespace

JobWizard::JobWizard(const Job& existing, QWidget* parent) : QWizard(parent), m_base(existing)
{
    setObjectName("jobWizard");
    setWindowTitle(existing.id ? tr("Edit job “%1”").arg(QString::fromStdString(existing.name)) : tr("New sync job"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnStartPage);
    setOption(QWizard::HaveFinishButtonOnEarlyPages, existing.id != 0);
    setPage(ModePage, makeModePage());
    setPage(SidesPage, makeSidesPage());
    setPage(FiltersPage, makeFiltersPage());
    setPage(ConflictsPage, makeConflictsPage());
    setPage(VersioningPage, makeVersioningPage());
    setPage(SchedulePage, makeSchedulePage());
    setPage(SummaryPage, makeSummaryPage());
    setButtonText(QWizard::FinishButton, existing.id ? tr("Save") : tr("Create job"));
    resize(800, 520);
    load(existing);
    connect(this, &QWizard::currentIdChanged, this, [this](int id) {
        if (id == SummaryPage)
            m_summary->setText(summaryText());
    });
}

QWizardPage* JobWizard::makeModePage()
{
    auto* page = new Page;
    page->setTitle(tr("What should this job do?"));
    page->setSubTitle(tr("You can change this later."));
    auto* layout = new QVBoxLayout(page);
    m_modes = new QButtonGroup(page);
    struct Choice {
        SyncMode mode;
        QString title, text;
    };
    const Choice choices[] = {
        {SyncMode::TwoWay, tr("&Two-way sync"),
         tr("Changes on either side reach the other: new files, edits, deletions and renames. When both sides "
            "changed the same file, Ferry keeps both instead of overwriting one.")},
        {SyncMode::Mirror, tr("&Mirror"),
         tr("The second folder becomes an exact copy of the first. Files that exist only in the second folder are "
            "deleted (or kept as versions).")},
        {SyncMode::Update, tr("&Update (backup)"),
         tr("New and changed files are copied from the first folder to the second. Nothing is ever deleted.")},
    };
    for (const Choice& c : choices) {
        auto* row = new QHBoxLayout;
        auto* button = new QRadioButton(c.title, page);
        button->setObjectName(QString("mode-%1").arg(modeName(c.mode)));
        button->setAccessibleName(c.title.mid(0).remove('&'));
        m_modes->addButton(button, int(c.mode));
        auto* text = new QLabel(c.text, page);
        text->setWordWrap(true);
        text->setContentsMargins(22, 0, 0, 0);
        auto* col = new QVBoxLayout;
        col->addWidget(button);
        col->addWidget(text);
        row->addLayout(col, 1);
        row->addWidget(new ModeDiagram(c.mode, page), 0, Qt::AlignVCenter);
        layout->addLayout(row);
        layout->addSpacing(8);
    }
    layout->addStretch();
    return page;
}

QWizardPage* JobWizard::makeSidesPage()
{
    auto* page = new Page;
    page->setTitle(tr("Which folders?"));
    page->setSubTitle(tr("Pick the two folders to keep alike. Drives and mounted network shares work too."));
    auto* form = new QFormLayout(page);
    m_name = new QLineEdit(page);
    m_name->setObjectName("jobName");
    m_name->setAccessibleName(tr("Job name"));
    m_name->setPlaceholderText(tr("e.g. Documents to USB drive"));
    form->addRow(tr("&Name:"), m_name);
    auto folderRow = [&](QLineEdit*& edit, const QString& label, const QString& objectName) {
        edit = new QLineEdit(page);
        edit->setObjectName(objectName);
        edit->setAccessibleName(label);
        auto* browse = new QPushButton(tr("Browse…"), page);
        browse->setAccessibleName(tr("Browse for the %1").arg(label.toLower()));
        QLineEdit* target = edit;
        connect(browse, &QPushButton::clicked, page, [this, target, label] {
            const QString dir = QFileDialog::getExistingDirectory(this, label, target->text());
            if (!dir.isEmpty())
                target->setText(dir);
        });
        auto* row = new QHBoxLayout;
        row->addWidget(edit, 1);
        row->addWidget(browse);
        form->addRow(label + ":", row);
    };
    folderRow(m_left, tr("First folder (left)"), "leftFolder");
    folderRow(m_right, tr("Second folder (right)"), "rightFolder");
    m_sidesWarning = new QLabel(page);
    m_sidesWarning->setObjectName("sidesWarning");
    m_sidesWarning->setWordWrap(true);
    m_sidesWarning->setTextFormat(Qt::PlainText);
    form->addRow(m_sidesWarning);
    page->complete = [this] {
        if (m_name->text().trimmed().isEmpty() || m_left->text().trimmed().isEmpty() ||
            m_right->text().trimmed().isEmpty())
            return false;
        Job j = job();
        return validateJobName(j.name).ok() && validateJob(j).ok();
    };
    for (QLineEdit* e : {m_name, m_left, m_right})
        connect(e, &QLineEdit::textChanged, page, [this, page] {
            page->changed();
            checkSides();
        });
    return page;
}

void JobWizard::checkSides()
{
    const int generation = ++m_checkGeneration;
    const Job j = job();
    QStringList problems;
    if (!j.name.empty())
        if (auto v = validateJobName(j.name); !v)
            problems << QString::fromStdString(v.error().detail + ". " + v.error().nextStep);
    if (!j.left.empty() && !j.right.empty())
        if (auto v = validateJob(j); !v && v.error().detail.find("name") == std::string::npos)
            problems << QString::fromStdString(v.error().detail + ". " + v.error().nextStep);
    m_sidesWarning->setText(problems.join("\n"));
    if (!problems.isEmpty() || j.left.empty() || j.right.empty())
        return;
    // Existence, emptiness and the drive: on a worker, never on this thread.
    const QString left = QString::fromStdString(j.left), right = QString::fromStdString(j.right);
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation == m_checkGeneration)
            m_sidesWarning->setText(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([left, right] {
        QStringList notes;
        for (const QString& n : {folderWarning(left, tr("first")), folderWarning(right, tr("second"))})
            if (!n.isEmpty())
                notes << n;
        return notes.join("\n");
    }));
}

QWizardPage* JobWizard::makeFiltersPage()
{
    auto* page = new Page;
    page->setTitle(tr("What to leave out?"));
    page->setSubTitle(tr("Excluded files and folders are neither copied nor deleted, on either side."));
    auto* layout = new QVBoxLayout(page);
    auto* label = new QLabel(tr("&Exclude these patterns, one per line (“*.tmp”, “build/”, “**/cache”):"), page);
    label->setWordWrap(true);
    m_excludes = new QPlainTextEdit(page);
    m_excludes->setObjectName("excludes");
    m_excludes->setAccessibleName(tr("Exclude patterns"));
    m_excludes->setTabChangesFocus(true);
    label->setBuddy(m_excludes);
    m_skipHidden = new QCheckBox(tr("Skip &hidden files and folders (names starting with a dot)"), page);
    m_skipHidden->setObjectName("skipHidden");
    layout->addWidget(label);
    layout->addWidget(m_excludes, 1);
    layout->addWidget(m_skipHidden);
    return page;
}

QWizardPage* JobWizard::makeConflictsPage()
{
    auto* page = new Page;
    page->setTitle(tr("When both sides changed the same file"));
    page->setSubTitle(tr("This only matters for two-way sync. Nothing is ever overwritten silently."));
    auto* layout = new QVBoxLayout(page);
    m_conflicts = new QButtonGroup(page);
    struct Choice {
        ConflictPolicy policy;
        QString text;
    };
    const Choice choices[] = {
        {ConflictPolicy::KeepBoth, tr("&Keep both: the older version is renamed “name (conflict DATE host)” and both "
                                      "are kept on both sides (recommended)")},
        {ConflictPolicy::Ask, tr("&Ask me: leave the file alone and list it, so I can choose")},
        {ConflictPolicy::Skip, tr("S&kip: leave the file alone until it is settled (no questions)")},
        {ConflictPolicy::Newer, tr("The &newer version wins (the other goes to versioning when it is on)")},
        {ConflictPolicy::LeftWins, tr("The &first folder wins")},
        {ConflictPolicy::RightWins, tr("The &second folder wins")},
    };
    for (const Choice& c : choices) {
        auto* b = new QRadioButton(c.text, page);
        b->setObjectName(QString("conflict-%1").arg(policyName(c.policy)));
        b->setAccessibleName(QString(c.text).remove('&'));
        m_conflicts->addButton(b, int(c.policy));
        layout->addWidget(b);
    }
    layout->addStretch();
    return page;
}

QWizardPage* JobWizard::makeVersioningPage()
{
    auto* page = new Page;
    page->setTitle(tr("Keep replaced and deleted files?"));
    page->setSubTitle(tr("Versioning keeps what a sync replaces or deletes, so you can get it back."));
    auto* form = new QFormLayout(page);
    m_versioning = new QComboBox(page);
    m_versioning->setObjectName("versioning");
    m_versioning->setAccessibleName(tr("Versioning"));
    m_versioning->addItem(tr("Off"), int(VersioningSettings::Mode::None));
    m_versioning->addItem(tr("In a versions folder"), int(VersioningSettings::Mode::Folder));
    m_versioning->addItem(tr("In the system trash"), int(VersioningSettings::Mode::Trash));
    form->addRow(tr("&Versioning:"), m_versioning);
    m_versionsFolder = new QLineEdit(page);
    m_versionsFolder->setObjectName("versionsFolder");
    m_versionsFolder->setAccessibleName(tr("Versions folder"));
    auto* browse = new QPushButton(tr("Browse…"), page);
    connect(browse, &QPushButton::clicked, page, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Versions folder"), m_versionsFolder->text());
        if (!dir.isEmpty())
            m_versionsFolder->setText(dir);
    });
    auto* row = new QHBoxLayout;
    row->addWidget(m_versionsFolder, 1);
    row->addWidget(browse);
    form->addRow(tr("Folder:"), row);
    m_keepCount = new QSpinBox(page);
    m_keepCount->setRange(0, 10000);
    m_keepCount->setSpecialValueText(tr("No limit"));
    m_keepCount->setAccessibleName(tr("Versions to keep per file"));
    form->addRow(tr("Keep per &file:"), m_keepCount);
    m_maxAge = new QSpinBox(page);
    m_maxAge->setRange(0, 36500);
    m_maxAge->setSuffix(tr(" days"));
    m_maxAge->setSpecialValueText(tr("Forever"));
    m_maxAge->setAccessibleName(tr("Keep versions for"));
    form->addRow(tr("Keep for:"), m_maxAge);
    connect(m_versioning, &QComboBox::currentIndexChanged, this, [this, page] {
        updateVersioningControls();
        static_cast<Page*>(page)->changed();
    });
    connect(m_versionsFolder, &QLineEdit::textChanged, page, [page] { static_cast<Page*>(page)->changed(); });
    static_cast<Page*>(page)->complete = [this] {
        if (m_versioning->currentData().toInt() != int(VersioningSettings::Mode::Folder))
            return true;
        const QString f = m_versionsFolder->text().trimmed();
        return !f.isEmpty() && QDir::isAbsolutePath(f);
    };
    return page;
}

void JobWizard::updateVersioningControls()
{
    const bool folder = m_versioning->currentData().toInt() == int(VersioningSettings::Mode::Folder);
    const bool on = m_versioning->currentData().toInt() != int(VersioningSettings::Mode::None);
    m_versionsFolder->setEnabled(folder);
    m_keepCount->setEnabled(folder);
    m_maxAge->setEnabled(on && folder);
}

QWizardPage* JobWizard::makeSchedulePage()
{
    auto* page = new Page;
    page->setTitle(tr("When should it run?"));
    page->setSubTitle(tr("When the job runs by itself. “Sync now” (or ferry-cli run) runs it at any time."));
    auto* form = new QFormLayout(page);
    m_schedule = new QComboBox(page);
    m_schedule->setObjectName("schedule");
    m_schedule->setAccessibleName(tr("Schedule"));
    m_schedule->addItem(tr("Only when I say so"), int(Schedule::Kind::Manual));
    m_schedule->addItem(tr("Every 15 minutes"), int(Schedule::Kind::Every15Minutes));
    m_schedule->addItem(tr("Every hour"), int(Schedule::Kind::Hourly));
    m_schedule->addItem(tr("Every day"), int(Schedule::Kind::Daily));
    m_schedule->addItem(tr("Every week"), int(Schedule::Kind::Weekly));
    m_schedule->addItem(tr("When files change"), int(Schedule::Kind::OnChange));
    form->addRow(tr("&Run:"), m_schedule);
    m_weekday = new QComboBox(page);
    m_weekday->setAccessibleName(tr("Day of the week"));
    for (int d = 1; d <= 7; ++d)
        m_weekday->addItem(QLocale().dayName(d), d);
    form->addRow(tr("&On:"), m_weekday);
    m_time = new QTimeEdit(page);
    m_time->setDisplayFormat("HH:mm");
    m_time->setAccessibleName(tr("Time of day"));
    form->addRow(tr("&At:"), m_time);
    connect(m_schedule, &QComboBox::currentIndexChanged, this, &JobWizard::updateScheduleControls);
    return page;
}

void JobWizard::updateScheduleControls()
{
    const auto kind = Schedule::Kind(m_schedule->currentData().toInt());
    m_weekday->setEnabled(kind == Schedule::Kind::Weekly);
    m_time->setEnabled(kind == Schedule::Kind::Daily || kind == Schedule::Kind::Weekly);
}

QWizardPage* JobWizard::makeSummaryPage()
{
    auto* page = new Page;
    page->setTitle(tr("Ready"));
    page->setSubTitle(tr("Check the job. “Preview” in the main window shows exactly what a run will do."));
    auto* layout = new QVBoxLayout(page);
    m_summary = new QLabel(page);
    m_summary->setObjectName("summary");
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    layout->addStretch();
    return page;
}

void JobWizard::load(const Job& j)
{
    if (auto* b = m_modes->button(int(j.mode)))
        b->setChecked(true);
    m_name->setText(QString::fromStdString(j.name));
    m_left->setText(QString::fromStdString(j.left));
    m_right->setText(QString::fromStdString(j.right));
    QStringList ex;
    bool hidden = false;
    for (const std::string& e : j.excludes) {
        if (e == ".*")
            hidden = true;
        else
            ex << QString::fromStdString(e);
    }
    m_excludes->setPlainText(ex.join("\n"));
    m_skipHidden->setChecked(hidden);
    if (auto* b = m_conflicts->button(int(j.conflict)))
        b->setChecked(true);
    else
        m_conflicts->button(int(ConflictPolicy::KeepBoth))->setChecked(true);
    m_versioning->setCurrentIndex(m_versioning->findData(int(j.versioning.mode)));
    m_versionsFolder->setText(QString::fromStdString(j.versioning.folder));
    m_keepCount->setValue(j.versioning.keepCount);
    m_maxAge->setValue(j.versioning.maxAgeDays);
    m_schedule->setCurrentIndex(m_schedule->findData(int(j.schedule.kind)));
    m_weekday->setCurrentIndex(m_weekday->findData(j.schedule.weekday));
    m_time->setTime(QTime(j.schedule.minuteOfDay / 60, j.schedule.minuteOfDay % 60));
    updateVersioningControls();
    updateScheduleControls();
}

QRadioButton* JobWizard::modeButton(SyncMode m) const { return qobject_cast<QRadioButton*>(m_modes->button(int(m))); }

QRadioButton* JobWizard::conflictButton(ConflictPolicy p) const
{
    return qobject_cast<QRadioButton*>(m_conflicts->button(int(p)));
}

Job JobWizard::job() const
{
    Job j = m_base;
    j.mode = SyncMode(std::max(0, m_modes->checkedId()));
    j.name = m_name->text().trimmed().toStdString();
    for (auto [edit, out] : {std::pair{m_left, &j.left}, std::pair{m_right, &j.right}}) {
        const std::string text = edit->text().trimmed().toStdString();
        auto loc = Location::parse(text);
        *out = loc ? loc->toString() : text;
    }
    j.excludes.clear();
    for (const QString& line : m_excludes->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty())
            j.excludes.push_back(line.trimmed().toStdString());
    if (m_skipHidden->isChecked())
        j.excludes.push_back(".*");
    j.conflict = ConflictPolicy(std::max(0, m_conflicts->checkedId()));
    j.versioning.mode = VersioningSettings::Mode(m_versioning->currentData().toInt());
    j.versioning.folder = j.versioning.mode == VersioningSettings::Mode::Folder
                              ? QDir::cleanPath(m_versionsFolder->text().trimmed()).toStdString()
                              : std::string();
    j.versioning.keepCount = m_keepCount->value();
    j.versioning.maxAgeDays = m_maxAge->value();
    j.schedule.kind = Schedule::Kind(m_schedule->currentData().toInt());
    j.schedule.weekday = m_weekday->currentData().toInt();
    j.schedule.minuteOfDay = m_time->time().hour() * 60 + m_time->time().minute();
    return j;
}

QString JobWizard::summaryText() const
{
    const Job j = job();
    auto h = [](const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); };
    QString modeSentence;
    switch (j.mode) {
    case SyncMode::TwoWay: modeSentence = tr("keeps both folders alike in both directions"); break;
    case SyncMode::Mirror: modeSentence = tr("makes the second folder an exact copy of the first"); break;
    case SyncMode::Update: modeSentence = tr("copies new and changed files to the second folder, deleting nothing"); break;
    }
    QString versioning;
    switch (j.versioning.mode) {
    case VersioningSettings::Mode::None: versioning = tr("off: replaced and deleted files are not kept"); break;
    case VersioningSettings::Mode::Trash: versioning = tr("replaced and deleted files go to the trash"); break;
    case VersioningSettings::Mode::Folder:
        versioning = tr("replaced and deleted files are kept in %1").arg(h(j.versioning.folder));
        break;
    }
    QString ex;
    for (const std::string& e : j.excludes)
        ex += (ex.isEmpty() ? "" : ", ") + h(e);
    return tr("<p><b>%1</b> %2.</p><table cellspacing=6>"
              "<tr><td>First folder:</td><td>%3</td></tr>"
              "<tr><td>Second folder:</td><td>%4</td></tr>"
              "<tr><td>Left out:</td><td>%5</td></tr>"
              "<tr><td>Conflicts:</td><td>%6</td></tr>"
              "<tr><td>Versioning:</td><td>%7</td></tr>"
              "<tr><td>Runs:</td><td>%8</td></tr></table>")
        .arg(h(j.name), modeSentence, JobsModel::displayPath(j.left).toHtmlEscaped(),
             JobsModel::displayPath(j.right).toHtmlEscaped(), ex.isEmpty() ? tr("nothing") : ex,
             m_conflicts->checkedButton() ? m_conflicts->checkedButton()->accessibleName().toHtmlEscaped() : QString(),
             versioning, JobsModel::scheduleText(j.schedule).toHtmlEscaped());
}

} // namespace ferry::ui
