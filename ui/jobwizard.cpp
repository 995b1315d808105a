#include "jobwizard.h"

#include "backend/location.h"
#include "filterspage.h"
#include "jobsmodel.h"
#include "modediagram.h"
#include "secrets/secretstore.h"
#include "serverform.h"

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
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QScreen>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QSpinBox>
#include <QStorageInfo>
#include <QTimeEdit>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <functional>

namespace ferry::ui {

namespace {

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

// "~/Music" → "/home/me/Music"; anything else as it is.
QString expandHome(const QString& text)
{
    if (text == "~")
        return QDir::homePath();
    if (text.startsWith("~/"))
        return QDir::homePath() + text.mid(1);
    return text;
}

// Spin boxes, combos and time edits keep their own width in a form (a spin
// box wide enough for its "No limit" text).
void keepNarrow(QWidget* w)
{
    w->setSizePolicy(QSizePolicy::Fixed, w->sizePolicy().verticalPolicy());
    if (auto* spin = qobject_cast<QSpinBox*>(w); spin && !spin->specialValueText().isEmpty())
        spin->setMinimumWidth(
            std::max(spin->sizeHint().width(), spin->fontMetrics().horizontalAdvance(spin->specialValueText()) + 48));
}

} // namespace

JobWizard::JobWizard(const Job& existing, QWidget* parent, const QStringList& takenNames)
    : QWizard(parent), m_base(existing), m_takenNames(takenNames)
{
    setObjectName("jobWizard");
    setWindowTitle(existing.id ? tr("Edit job “%1”").arg(QString::fromStdString(existing.name)) : tr("New sync job"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnStartPage);

    setPage(ModePage, makeModePage());
    setPage(SidesPage, makeSidesPage());
    m_filters = new ui::FiltersPage(this);
    setPage(FiltersPage, m_filters);
    setPage(ConflictsPage, makeConflictsPage());
    setPage(VersioningPage, makeVersioningPage());
    setPage(SchedulePage, makeSchedulePage());
    setPage(SummaryPage, makeSummaryPage());
    setButtonText(QWizard::FinishButton, existing.id ? tr("Save") : tr("Create job"));
    // Editing or duplicating: everything is filled in, so Finish works on
    // every page (done() still refuses an incomplete one).
    if (existing.id != 0 || !existing.left.empty())
        for (int id : pageIds())
            page(id)->setFinalPage(true);
    load(existing);
    // Sized for the tallest page (filters and limits), so the wizard does
    // not jump between pages; no page is left half empty at this size.
    setMinimumWidth(640);
    resize(720, 420);
    connect(this, &QWizard::currentIdChanged, this, [this](int id) {
        if (id == SummaryPage)
            m_summary->setText(summaryText());
        if (id == VersioningPage) // the sides may have changed
            updateVersioningControls();
        if (id == SidesPage) // once the page is laid out
            QTimer::singleShot(0, this, &JobWizard::growToShowSides);
    });
}

void JobWizard::done(int result)
{
    if (result == QDialog::Accepted) {
        for (int id : {int(SidesPage), int(FiltersPage), int(VersioningPage)}) {
            if (page(id)->isComplete())
                continue;
            while (currentId() > id && currentId() != ModePage)
                back();
            while (currentId() < id && currentId() != -1) {
                const int before = currentId();
                next();
                if (currentId() == before)
                    break;
            }
            return;
        }
    }
    QWizard::done(result);
}

int JobWizard::nextId() const
{
    // Conflicts only happen in two-way sync.
    if (currentId() == FiltersPage && m_modes->checkedId() != int(SyncMode::TwoWay))
        return VersioningPage;
    return QWizard::nextId();
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
    page->setSubTitle(tr("Pick the two folders to keep alike, on this computer or on an SSH / SFTP server."));
    // Two server forms are taller than the wizard: the page scrolls rather
    // than clip, and the wizard grows when a server form appears.
    auto* scroll = new QScrollArea(page);
    scroll->setObjectName("sidesScroll");
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* content = new QWidget(scroll);
    content->setBackgroundRole(QPalette::Window);
    scroll->setWidget(content);
    auto* outer = new QVBoxLayout(page);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);
    m_sidesScroll = scroll;
    // The page grows with what its forms show (a test's result, a password
    // row): the wizard follows where it can.
    content->installEventFilter(this);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->setContentsMargins(0, 0, 4, 0);
    auto* form = new QFormLayout;
    contentLayout->addLayout(form);
    contentLayout->addStretch(1); // the rows keep their height; the space goes below them
    m_name = new QLineEdit(content);
    m_name->setObjectName("jobName");
    m_name->setAccessibleName(tr("Job name"));
    m_name->setPlaceholderText(tr("e.g. Documents to USB drive"));
    form->addRow(tr("Job na&me:"), m_name);
    auto sideRow = [&](int side, QLineEdit*& edit, const QString& label, const QString& objectName) {
        const QString plain = QString(label).remove('&');
        SideControls& c = m_sides[side];
        c.local = new QRadioButton(tr("Folder on this computer"), content);
        c.local->setObjectName(objectName + "-local");
        c.local->setAccessibleName(tr("%1: folder on this computer").arg(plain));
        c.server = new QRadioButton(tr("SSH / SFTP server"), content);
        c.server->setObjectName(objectName + "-server");
        c.server->setAccessibleName(tr("%1: SSH / SFTP server").arg(plain));
        auto* kinds = new QButtonGroup(content);
        kinds->addButton(c.local);
        kinds->addButton(c.server);
        c.local->setChecked(true);
        auto* kindRow = new QHBoxLayout;
        kindRow->addWidget(c.local);
        kindRow->addSpacing(12);
        kindRow->addWidget(c.server);
        kindRow->addStretch();

        edit = new QLineEdit(content);
        edit->setObjectName(objectName);
        edit->setAccessibleName(plain);
        edit->setPlaceholderText(tr("a folder, e.g. ~/Documents"));
        auto* browse = new QPushButton(tr("Browse…"), content);
        browse->setAccessibleName(tr("Browse for the %1").arg(plain.toLower()));
        QLineEdit* target = edit;
        connect(browse, &QPushButton::clicked, page, [this, target, plain] {
            const QString dir = QFileDialog::getExistingDirectory(this, plain, expandHome(target->text().trimmed()));
            if (!dir.isEmpty())
                target->setText(JobsModel::displayPath(dir.toStdString()));
        });
        connect(edit, &QLineEdit::textChanged, edit, [this, side, edit](const QString& text) {
            // An sftp:// URL typed or pasted here belongs in the server form.
            if (text.trimmed().startsWith("sftp://", Qt::CaseInsensitive) &&
                m_sides[side].form->fillFromUrl(text.trimmed())) {
                setSideIsServer(side, true);
                QSignalBlocker quiet(edit);
                edit->clear();
                return;
            }
            const QString full = expandHome(text.trimmed());
            edit->setToolTip(full != text.trimmed() ? full : QString());
        });
        auto* localPage = new QWidget(content);
        auto* localRow = new QHBoxLayout(localPage);
        localRow->setContentsMargins(0, 0, 0, 0);
        localRow->addWidget(edit, 1);
        localRow->addWidget(browse);
        c.form = new ServerForm(content);
        c.form->setObjectName(objectName + "-serverForm");
        c.stack = new QStackedWidget(content);
        c.stack->addWidget(localPage);
        c.stack->addWidget(c.form);
        // Only the shown form counts for the height.
        auto fit = [stack = c.stack] {
            for (int i = 0; i < stack->count(); ++i)
                stack->widget(i)->setSizePolicy(QSizePolicy::Preferred, i == stack->currentIndex()
                                                                            ? QSizePolicy::Preferred
                                                                            : QSizePolicy::Ignored);
            stack->adjustSize();
        };
        connect(c.stack, &QStackedWidget::currentChanged, c.stack, fit);
        fit();

        auto* column = new QVBoxLayout;
        column->setSpacing(4);
        column->addLayout(kindRow);
        column->addWidget(c.stack);
        form->addRow(label + ":", column);
        c.label = qobject_cast<QLabel*>(form->labelForField(column));
        c.label->setBuddy(edit);
        connect(c.server, &QRadioButton::toggled, this, [this, side](bool on) { setSideIsServer(side, on); });
        connect(c.form, &ServerForm::changed, page, [this, page] {
            page->changed();
            checkSides();
        });
    };
    sideRow(0, m_left, tr("&First folder (left)"), "leftFolder");
    sideRow(1, m_right, tr("S&econd folder (right)"), "rightFolder");
    m_sidesWarning = new QLabel(content);
    m_sidesWarning->setObjectName("sidesWarning");
    m_sidesWarning->setWordWrap(true);
    m_sidesWarning->setTextFormat(Qt::PlainText);
    form->addRow(m_sidesWarning);
    page->complete = [this] {
        if (m_name->text().trimmed().isEmpty())
            return false;
        for (const SideControls& c : m_sides)
            if (c.server->isChecked() ? !c.form->problem().isEmpty() : c.edit->text().trimmed().isEmpty())
                return false;
        Job j = job();
        return !nameTaken(m_name->text()) && validateJobName(j.name).ok() && validateJob(j).ok();
    };
    m_sides[0].edit = m_left;
    m_sides[1].edit = m_right;
    for (QLineEdit* e : {m_name, m_left, m_right})
        connect(e, &QLineEdit::textChanged, page, [this, page] {
            page->changed();
            checkSides();
        });
    return page;
}

void JobWizard::setSideIsServer(int side, bool server)
{
    SideControls& c = m_sides[side];
    if (c.server->isChecked() != server)
        (server ? c.server : c.local)->setChecked(true); // comes back here through toggled
    c.stack->setCurrentIndex(server ? 1 : 0);
    c.label->setBuddy(server ? static_cast<QWidget*>(c.form->hostEdit()) : c.edit);
    if (server)
        growToShowSides();
    if (auto* p = static_cast<Page*>(page(SidesPage)))
        p->changed();
    checkSides();
}

bool JobWizard::eventFilter(QObject* watched, QEvent* event)
{
    if (m_sidesScroll && watched == m_sidesScroll->widget() && event->type() == QEvent::LayoutRequest)
        QTimer::singleShot(0, this, &JobWizard::growToShowSides);
    return QWizard::eventFilter(watched, event);
}

// A server form is taller than a folder row: the wizard grows (where the
// screen allows) so that the sides page shows without scrolling.
void JobWizard::growToShowSides()
{
    if (!isVisible() || currentId() != SidesPage)
        return;
    QWidget* content = m_sidesScroll->widget();
    content->layout()->activate();
    const int wanted = height() + content->sizeHint().height() - m_sidesScroll->viewport()->height();
    const QRect screen = this->screen() ? this->screen()->availableGeometry() : QRect(0, 0, 1280, 800);
    if (wanted > height())
        resize(width(), std::min(wanted, screen.height() - 60));
}

// A job whose password is saved in the keychain signs in with it: the
// form says so once the keychain answered (on a worker; it may take a
// moment), unless the user chose meanwhile.
void JobWizard::showSavedPasswordChoice(int side, const std::string& jobName)
{
    ServerForm* form = m_sides[side].form;
    auto* watcher = new QFutureWatcher<bool>(form);
    const bool wasPassword = form->usesPassword();
    connect(watcher, &QFutureWatcher<bool>::finished, form, [form, watcher, wasPassword] {
        watcher->deleteLater();
        if (watcher->result() && form->usesPassword() == wasPassword)
            form->setUsesPassword(true);
    });
    watcher->setFuture(QtConcurrent::run([key = SecretStore::keyForJob(jobName)] {
        const SecretStore::Outcome saved = SecretStore::read(key);
        return saved.status == SecretStore::Status::Ok && !saved.value.empty();
    }));
}

ServerForm* JobWizard::serverForm(int side) const { return m_sides[side].form; }
QRadioButton* JobWizard::serverChoice(int side) const { return m_sides[side].server; }
QRadioButton* JobWizard::localChoice(int side) const { return m_sides[side].local; }

void JobWizard::setRemoteAccessBase(const RemoteAccess& base)
{
    for (SideControls& c : m_sides)
        c.form->setAccessBase(base);
}

QString JobWizard::passwordToSave() const
{
    for (const SideControls& c : m_sides)
        if (c.server->isChecked() && c.form->savePassword() && !c.form->password().isEmpty())
            return c.form->password();
    return {};
}

bool JobWizard::nameTaken(const QString& name) const
{
    // Case does not make two jobs different to a person typing "ferry-cli run".
    return m_takenNames.contains(name.trimmed(), Qt::CaseInsensitive);
}

void JobWizard::checkSides()
{
    const int generation = ++m_checkGeneration;
    const Job j = job();
    QStringList problems;
    if (nameTaken(m_name->text()))
        problems << tr("Another job is already called “%1”: pick another name.").arg(m_name->text().trimmed());
    else if (!j.name.empty())
        if (auto v = validateJobName(j.name); !v)
            problems << QString::fromStdString(v.error().detail + ". " + v.error().nextStep);
    const QString sideNames[] = {tr("First folder"), tr("Second folder")};
    bool serverIncomplete = false;
    for (int side : {0, 1}) {
        const SideControls& c = m_sides[side];
        if (!c.server->isChecked())
            continue;
        // Why Next stays disabled, from the first field that is missing.
        const QString why = c.form->problem();
        serverIncomplete = serverIncomplete || !why.isEmpty();
        if (!why.isEmpty())
            problems << tr("%1: %2").arg(sideNames[side], why);
    }
    if (!j.left.empty() && !j.right.empty() && !serverIncomplete) {
        // The folders on their own: with a stand-in name, so a missing or
        // bad name (reported above) cannot hide a folder problem.
        Job sides = j;
        sides.name = "job";
        if (auto v = validateJob(sides); !v)
            problems << QString::fromStdString(v.error().detail + ". " + v.error().nextStep);
    }
    m_sidesWarning->setText(problems.join("\n"));
    if (!problems.isEmpty() || j.left.empty() || j.right.empty() || serverIncomplete)
        return;
    // Existence, emptiness and the drive of local folders: on a worker,
    // never on this thread. A server's folder is what Test connection checks.
    const QString left = m_sides[0].server->isChecked() ? QString() : QString::fromStdString(j.left);
    const QString right = m_sides[1].server->isChecked() ? QString() : QString::fromStdString(j.right);
    if (left.isEmpty() && right.isEmpty())
        return;
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation == m_checkGeneration)
            m_sidesWarning->setText(watcher->result());
    });
    watcher->setFuture(QtConcurrent::run([left, right] {
        QStringList notes;
        if (!left.isEmpty())
            if (QString n = folderWarning(left, tr("first")); !n.isEmpty())
                notes << n;
        if (!right.isEmpty())
            if (QString n = folderWarning(right, tr("second")); !n.isEmpty())
                notes << n;
        return notes.join("\n");
    }));
}

QWizardPage* JobWizard::makeConflictsPage()
{
    auto* page = new Page;
    page->setTitle(tr("When both sides changed the same file"));
    page->setSubTitle(tr("Two-way sync only (mirror and update skip this page). Nothing is ever overwritten "
                         "silently."));
    auto* layout = new QVBoxLayout(page);
    m_conflicts = new QButtonGroup(page);
    struct Choice {
        ConflictPolicy policy;
        QString text;
    };
    const Choice choices[] = {
        {ConflictPolicy::KeepBoth,
         tr("&Keep both (recommended): the older one is renamed “name (conflict DATE host)” on both sides")},
        {ConflictPolicy::Ask, tr("&Ask me: leave the file alone and list it, so I can choose")},
        {ConflictPolicy::Skip, tr("Ski&p: leave the file alone until it is settled (no questions)")},
        {ConflictPolicy::Newer, tr("The ne&wer version wins (the other goes to versioning when it is on)")},
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
    m_versioningForm = form;
    m_versioning = new QComboBox(page);
    m_versioning->setObjectName("versioning");
    m_versioning->setAccessibleName(tr("Versioning"));
    m_versioning->addItem(tr("Off"), int(VersioningSettings::Mode::None));
    m_versioning->addItem(tr("In a versions folder"), int(VersioningSettings::Mode::Folder));
    m_versioning->addItem(tr("In the system trash"), int(VersioningSettings::Mode::Trash));
    form->addRow(tr("&Versioning:"), m_versioning);
    keepNarrow(m_versioning);
    m_versionsFolder = new QLineEdit(page);
    m_versionsFolder->setObjectName("versionsFolder");
    m_versionsFolder->setAccessibleName(tr("Versions folder"));
    auto* browse = new QPushButton(tr("Browse…"), page);
    browse->setAccessibleName(tr("Browse for the versions folder"));
    connect(browse, &QPushButton::clicked, page, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Versions folder"),
                                                              expandHome(m_versionsFolder->text().trimmed()));
        if (!dir.isEmpty())
            m_versionsFolder->setText(JobsModel::displayPath(dir.toStdString()));
    });
    auto* row = new QHBoxLayout;
    row->addWidget(m_versionsFolder, 1);
    row->addWidget(browse);
    form->addRow(tr("Fol&der:"), row);
    qobject_cast<QLabel*>(form->labelForField(row))->setBuddy(m_versionsFolder);
    // A side on a server keeps its versions on that server.
    m_serverVersionsFolder = new QLineEdit(page);
    m_serverVersionsFolder->setObjectName("serverVersionsFolder");
    m_serverVersionsFolder->setAccessibleName(tr("Versions folder on the server"));
    m_serverVersionsFolder->setPlaceholderText(tr("a folder on the server, e.g. /srv/versions"));
    form->addRow(tr("On the &server:"), m_serverVersionsFolder);
    m_keepCount = new QSpinBox(page);
    m_keepCount->setRange(0, 10000);
    m_keepCount->setSpecialValueText(tr("No limit"));
    m_keepCount->setAccessibleName(tr("Versions to keep per file"));
    keepNarrow(m_keepCount);
    form->addRow(tr("Keep per &file:"), m_keepCount);
    m_maxAge = new QSpinBox(page);
    m_maxAge->setRange(0, 36500);
    m_maxAge->setSuffix(tr(" days"));
    m_maxAge->setSpecialValueText(tr("Forever"));
    m_maxAge->setAccessibleName(tr("Keep versions for"));
    keepNarrow(m_maxAge);
    form->addRow(tr("Keep f&or:"), m_maxAge);
    m_versioningNote = new QLabel(page);
    m_versioningNote->setWordWrap(true);
    m_versioningNote->setObjectName("versioningNote");
    form->addRow(m_versioningNote);
    connect(m_versioning, &QComboBox::currentIndexChanged, this, [this, page] {
        updateVersioningControls();
        static_cast<Page*>(page)->changed();
    });
    for (QLineEdit* e : {m_versionsFolder, m_serverVersionsFolder})
        connect(e, &QLineEdit::textChanged, page, [this, page] {
            static_cast<Page*>(page)->changed();
            updateVersioningControls();
        });
    static_cast<Page*>(page)->complete = [this] {
        const bool anyServer = m_sides[0].server->isChecked() || m_sides[1].server->isChecked();
        if (m_versioning->currentData().toInt() == int(VersioningSettings::Mode::Trash))
            return !anyServer; // a server has no desktop trash
        if (m_versioning->currentData().toInt() != int(VersioningSettings::Mode::Folder))
            return true;
        const bool local = !m_sides[0].server->isChecked() || !m_sides[1].server->isChecked();
        const QString f = expandHome(m_versionsFolder->text().trimmed());
        if (local && (f.isEmpty() || !QDir::isAbsolutePath(f)))
            return false;
        const bool remote = m_sides[0].server->isChecked() || m_sides[1].server->isChecked();
        if (remote && !m_serverVersionsFolder->text().trimmed().startsWith('/'))
            return false;
        const Job j = job();
        return !versioningSideProblem(j.left, j.right, j.mode, j.versioning).has_value();
    };
    return page;
}

void JobWizard::updateVersioningControls()
{
    // The folder and its retention only apply to a versions folder: hidden
    // otherwise (the trash keeps its own rules).
    const bool folder = m_versioning->currentData().toInt() == int(VersioningSettings::Mode::Folder);
    const bool remote = m_sides[0].server->isChecked() || m_sides[1].server->isChecked();
    const bool local = !m_sides[0].server->isChecked() || !m_sides[1].server->isChecked();
    m_versioningForm->setRowVisible(1, folder && local);  // the folder on this computer
    m_versioningForm->setRowVisible(2, folder && remote); // the folder on the server
    for (int row : {3, 4}) // keep per file, keep for
        m_versioningForm->setRowVisible(row, folder);
    switch (VersioningSettings::Mode(m_versioning->currentData().toInt())) {
    case VersioningSettings::Mode::None:
        m_versioningNote->setText(tr("What a sync replaces or deletes is gone for good."));
        break;
    case VersioningSettings::Mode::Trash:
        if (remote)
            m_versioningNote->setText(tr("A server has no system trash: keep versions in a folder (one on the "
                                         "server for its side), or turn versioning off."));
        else
            m_versioningNote->setText(tr("What a sync replaces or deletes goes to the system trash, which keeps it "
                                         "by its own rules."));
        break;
    case VersioningSettings::Mode::Folder:
        if (local && remote)
            m_versioningNote->setText(tr("What a sync replaces or deletes is kept, with the time it was replaced, "
                                         "for as long as you choose below: the files of this computer in the "
                                         "folder here, those of the server in the folder on the server."));
        else
            m_versioningNote->setText(tr("What a sync replaces or deletes is kept in this folder, with the time it "
                                         "was replaced, for as long as you choose below."));
        break;
    }
}

QWizardPage* JobWizard::makeSchedulePage()
{
    auto* page = new Page;
    page->setTitle(tr("When should it run?"));
    page->setSubTitle(tr("When the job runs by itself. “Sync now” (or ferry-cli run) runs it at any time."));
    auto* form = new QFormLayout(page);
    m_scheduleForm = form;
    m_schedule = new QComboBox(page);
    m_schedule->setObjectName("schedule");
    m_schedule->setAccessibleName(tr("Schedule"));
    m_schedule->addItem(tr("Only when I say so"), int(Schedule::Kind::Manual));
    m_schedule->addItem(tr("Every 15 minutes"), int(Schedule::Kind::Every15Minutes));
    m_schedule->addItem(tr("Every hour"), int(Schedule::Kind::Hourly));
    m_schedule->addItem(tr("Every day"), int(Schedule::Kind::Daily));
    m_schedule->addItem(tr("Every week"), int(Schedule::Kind::Weekly));
    m_schedule->addItem(tr("When files change"), int(Schedule::Kind::OnChange));
    keepNarrow(m_schedule);
    form->addRow(tr("&Run:"), m_schedule);
    m_weekday = new QComboBox(page);
    m_weekday->setAccessibleName(tr("Day of the week"));
    keepNarrow(m_weekday);
    for (int d = 1; d <= 7; ++d)
        m_weekday->addItem(QLocale().dayName(d), d);
    form->addRow(tr("&On:"), m_weekday);
    m_time = new QTimeEdit(page);
    m_time->setDisplayFormat("HH:mm");
    m_time->setAccessibleName(tr("Time of day"));
    keepNarrow(m_time);
    form->addRow(tr("&At:"), m_time);
    connect(m_schedule, &QComboBox::currentIndexChanged, this, &JobWizard::updateScheduleControls);
    return page;
}

void JobWizard::updateScheduleControls()
{
    const auto kind = Schedule::Kind(m_schedule->currentData().toInt());
    // Rows that do not apply are hidden, not greyed out.
    m_scheduleForm->setRowVisible(m_weekday, kind == Schedule::Kind::Weekly);
    m_scheduleForm->setRowVisible(m_time, kind == Schedule::Kind::Daily || kind == Schedule::Kind::Weekly);
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
    for (int side : {0, 1}) {
        const std::string& text = side == 0 ? j.left : j.right;
        auto loc = Location::parse(text);
        const bool server = loc && loc->scheme == Location::Scheme::Sftp;
        SideControls& c = m_sides[side];
        if (server) {
            c.form->setLocation(*loc);
            c.form->setKeyFile(QString::fromStdString(j.identityFile));
            c.form->setUsesPassword(!j.passwordEnv.empty());
            if (j.id) {
                c.form->setSavedPasswordKey(SecretStore::keyForJob(j.name));
                c.form->setPasswordVariable(j.passwordEnv);
                showSavedPasswordChoice(side, j.name);
            }
            c.edit->clear();
        } else {
            c.edit->setText(JobsModel::displayPath(text));
        }
        setSideIsServer(side, server);
    }
    m_filters->load(j);
    if (auto* b = m_conflicts->button(int(j.conflict)))
        b->setChecked(true);
    else
        m_conflicts->button(int(ConflictPolicy::KeepBoth))->setChecked(true);
    m_versioning->setCurrentIndex(m_versioning->findData(int(j.versioning.mode)));
    m_versionsFolder->setText(JobsModel::displayPath(j.versioning.folder));
    m_serverVersionsFolder->setText(QString::fromStdString(j.versioning.serverFolder));
    m_keepCount->setValue(j.versioning.keepCount);
    m_maxAge->setValue(j.versioning.maxAgeDays);
    m_schedule->setCurrentIndex(m_schedule->findData(int(j.schedule.kind)));
    m_weekday->setCurrentIndex(m_weekday->findData(j.schedule.weekday));
    m_time->setTime(QTime(j.schedule.minuteOfDay / 60, j.schedule.minuteOfDay % 60));
    updateVersioningControls();
    updateScheduleControls();
}

QPlainTextEdit* JobWizard::excludesEdit() const { return m_filters->excludesEdit(); }
QPlainTextEdit* JobWizard::includesEdit() const { return m_filters->includesEdit(); }
QCheckBox* JobWizard::skipHiddenBox() const { return m_filters->skipHiddenBox(); }

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
    j.identityFile.clear(); // one key file per job: the first server side's that signs in with a key
    for (int side : {0, 1}) {
        const SideControls& c = m_sides[side];
        std::string& out = side == 0 ? j.left : j.right;
        if (c.server->isChecked()) {
            out = c.form->location().toString();
            if (!c.form->usesPassword() && j.identityFile.empty() && !c.form->keyFile().isEmpty())
                j.identityFile = QDir::cleanPath(expandHome(c.form->keyFile())).toStdString();
            continue;
        }
        const std::string text = expandHome(c.edit->text().trimmed()).toStdString();
        auto loc = Location::parse(text);
        out = loc ? loc->toString() : text;
    }
    m_filters->apply(j);
    j.conflict = ConflictPolicy(std::max(0, m_conflicts->checkedId()));
    j.versioning.mode = VersioningSettings::Mode(m_versioning->currentData().toInt());
    const bool folderMode = j.versioning.mode == VersioningSettings::Mode::Folder;
    const bool remote = m_sides[0].server->isChecked() || m_sides[1].server->isChecked();
    const bool local = !m_sides[0].server->isChecked() || !m_sides[1].server->isChecked();
    const QString localFolder = m_versionsFolder->text().trimmed();
    j.versioning.folder = folderMode && local && !localFolder.isEmpty()
                              ? QDir::cleanPath(expandHome(localFolder)).toStdString()
                              : std::string();
    const QString serverFolder = m_serverVersionsFolder->text().trimmed();
    j.versioning.serverFolder =
        folderMode && remote && !serverFolder.isEmpty() ? QDir::cleanPath(serverFolder).toStdString() : std::string();
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
    case VersioningSettings::Mode::Folder: {
        QStringList places;
        if (!j.versioning.folder.empty())
            places << JobsModel::displayPath(j.versioning.folder).toHtmlEscaped();
        if (!j.versioning.serverFolder.empty())
            places << tr("%1 on the server").arg(QString::fromStdString(j.versioning.serverFolder).toHtmlEscaped());
        versioning = tr("replaced and deleted files are kept in %1").arg(places.join(tr(" and ")));
        break;
    }
    }
    QString conflicts;
    if (j.mode == SyncMode::TwoWay && m_conflicts->checkedButton())
        conflicts = tr("<tr><td>Conflicts:</td><td>%1</td></tr>")
                        .arg(m_conflicts->checkedButton()->accessibleName().toHtmlEscaped());
    return tr("<p><b>%1</b> %2.</p><table cellspacing=6>"
              "<tr><td>First folder:</td><td>%3</td></tr>"
              "<tr><td>Second folder:</td><td>%4</td></tr>"
              "%5%6"
              "<tr><td>Versioning:</td><td>%7</td></tr>"
              "<tr><td>Runs:</td><td>%8</td></tr></table>")
        .arg(h(j.name), modeSentence, JobsModel::displayPath(j.left).toHtmlEscaped(),
             JobsModel::displayPath(j.right).toHtmlEscaped(), m_filters->summaryRows(), conflicts, versioning,
             JobsModel::scheduleText(j.schedule).toHtmlEscaped());
}

} // namespace ferry::ui
