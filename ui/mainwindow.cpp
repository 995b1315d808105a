#include "mainwindow.h"

#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QPushButton>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>

namespace ferry::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Ferry"));
    setObjectName("mainWindow");
    resize(760, 480);

    auto* newJob = new QAction(tr("&New job…"), this);
    newJob->setShortcut(QKeySequence::New);
    connect(newJob, &QAction::triggered, this, &MainWindow::createJobRequested);
    auto* quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu* jobMenu = menuBar()->addMenu(tr("&Job"));
    jobMenu->addAction(newJob);
    jobMenu->addSeparator();
    jobMenu->addAction(quit);
    QToolBar* bar = addToolBar(tr("Jobs"));
    bar->setObjectName("jobsToolBar");
    bar->addAction(newJob);

    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    layout->addStretch();
    m_emptyText = new QLabel(tr("<h2>No sync jobs yet</h2>"
                                "<p>A job keeps two folders in sync, or mirrors and backs one up to the other.<br>"
                                "Create one to choose the two folders and how they are kept alike.</p>"),
                             central);
    m_emptyText->setAlignment(Qt::AlignCenter);
    m_emptyText->setWordWrap(true);
    m_emptyText->setAccessibleName(tr("No sync jobs yet"));
    layout->addWidget(m_emptyText);
    layout->addSpacing(16);
    m_createJob = new QPushButton(tr("Create your first sync job"), central);
    m_createJob->setObjectName("createFirstJob");
    m_createJob->setAccessibleName(tr("Create your first sync job"));
    m_createJob->setMinimumHeight(44);
    m_createJob->setStyleSheet("QPushButton { padding: 6px 28px; }");
    QFont f = m_createJob->font();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_createJob->setFont(f);
    connect(m_createJob, &QPushButton::clicked, this, &MainWindow::createJobRequested);
    auto* row = new QHBoxLayout;
    row->addStretch();
    row->addWidget(m_createJob);
    row->addStretch();
    layout->addLayout(row);
    layout->addStretch();
    setCentralWidget(central);
    statusBar()->showMessage(tr("Ready"));
}

} // namespace ferry::ui
