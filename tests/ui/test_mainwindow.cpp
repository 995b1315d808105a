#include "mainwindow.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <catch2/catch.hpp>

TEST_CASE("the empty main window explains how to create a job", "[ui]")
{
    ferry::ui::MainWindow w;
    w.show();
    REQUIRE(QTest::qWaitForWindowExposed(&w));
    REQUIRE(w.emptyStateLabel()->isVisible());
    CHECK(w.emptyStateLabel()->text().contains("No sync jobs yet"));
    REQUIRE(w.createJobButton()->isVisible());
    CHECK_FALSE(w.createJobButton()->accessibleName().isEmpty());
    QSignalSpy spy(&w, &ferry::ui::MainWindow::createJobRequested);
    QTest::mouseClick(w.createJobButton(), Qt::LeftButton);
    CHECK(spy.count() == 1);
}
