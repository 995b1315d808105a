// ModeDiagram: the small picture next to each mode on the wizard's first
// page: two folders, A and B, and the arrows of the mode (⇄ two-way, →
// mirror, ⇢ update). Painted with the palette's colours; has an
// accessible name that says the same in words.
#pragma once

#include "model/settings.h"

#include <QWidget>

namespace ferry::ui {

class ModeDiagram : public QWidget {
public:
    ModeDiagram(SyncMode mode, QWidget* parent);

protected:
    void paintEvent(QPaintEvent*) override;

private:
    SyncMode m_mode;
};

} // namespace ferry::ui
