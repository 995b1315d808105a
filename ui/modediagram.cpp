#include "modediagram.h"

#include <QPainter>
#include <QPainterPath>

namespace ferry::ui {

ModeDiagram::ModeDiagram(SyncMode mode, QWidget* parent) : QWidget(parent), m_mode(mode)
{
    setFixedSize(150, 46);
    switch (mode) {
    case SyncMode::TwoWay: setAccessibleName(tr("Two-way sync diagram: A ⇄ B")); break;
    case SyncMode::Mirror: setAccessibleName(tr("Mirror diagram: A → B, B becomes a copy of A")); break;
    case SyncMode::Update: setAccessibleName(tr("Update diagram: A ⇢ B, new and changed files only")); break;
    }
}

void ModeDiagram::paintEvent(QPaintEvent*)
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

} // namespace ferry::ui
