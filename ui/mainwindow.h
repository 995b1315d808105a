// MainWindow: the job list and its actions. Until saved jobs exist it shows
// an empty state that explains how to create one.
#pragma once

#include <QMainWindow>

class QLabel;
class QPushButton;

namespace ferry::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    QPushButton* createJobButton() const { return m_createJob; }
    QLabel* emptyStateLabel() const { return m_emptyText; }

signals:
    void createJobRequested();

private:
    QLabel* m_emptyText = nullptr;
    QPushButton* m_createJob = nullptr;
};

} // namespace ferry::ui
