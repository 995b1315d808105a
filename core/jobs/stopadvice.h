// A safety stop in the window's words: what stopped the run, that nothing
// was changed, and what to check, speaking of the window's own controls
// (Preview, Sync now) and never of ferry-cli's options. Chosen from the
// stop's kind and counts (model/safetystop.h); translatable (tr() context
// "ferry::StopAdvice"). Thread-safe (translation lookups only).
#pragma once

#include "model/safetystop.h"

#include <QCoreApplication>
#include <QString>

namespace ferry {

class StopAdvice {
    Q_DECLARE_TR_FUNCTIONS(ferry::StopAdvice)
public:
    // What was seen ("The left folder '…' holds only 2 of the 30 files…").
    static QString what(const SafetyStop& s);
    // What to check and do next.
    static QString nextStep(const SafetyStop& s);
};

// "<what>. Nothing was changed. <next step>"
QString windowGuardMessage(const SafetyStop& s);

} // namespace ferry
