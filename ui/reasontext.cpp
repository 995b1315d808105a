#include "reasontext.h"

#include "engine/reasons.h"

namespace ferry {

QString reasonText(const Reason& reason) { return QString::fromStdString(wordReason(reason)); }

QString reasonText(const Action& action) { return reasonText(reasonOf(action)); }

QString itemDetailText(const RunItemRecord& item)
{
    if (!item.detail.empty() || !item.reason)
        return QString::fromStdString(item.detail);
    return reasonText(*item.reason);
}

} // namespace ferry
