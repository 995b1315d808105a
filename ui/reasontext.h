// Reasons in the window: the one place the window turns a reason (the rule
// id and its arguments, model/reason.h) into words. For now it uses the
// core's English wording (engine/reasons.h); a translation replaces this
// function, not the callers. GUI thread (or any: pure functions).
#pragma once

#include "engine/plan.h"
#include "model/reason.h"
#include "store/appdb.h"

#include <QString>

namespace ferry {

QString reasonText(const Reason& reason);
QString reasonText(const Action& action);
// A history item's Details: its error (or the sentence recorded by runs
// from before reasons were data), else its reason in words.
QString itemDetailText(const RunItemRecord& item);

} // namespace ferry
