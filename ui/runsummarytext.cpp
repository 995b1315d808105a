#include "runsummarytext.h"

#include <QCoreApplication>

namespace ferry::ui {

namespace {

QString tr(const char* text, int n = -1) { return QCoreApplication::translate("RunSummary", text, nullptr, n); }

QString changedText(const RunCounts& c)
{
    return tr("%1 copied, %2 deleted")
        .arg(c.copiedToLeft + c.copiedToRight)
        .arg(c.deletedLeft + c.deletedRight);
}

QStringList errorLines(const RunSummary& s)
{
    QStringList out;
    const int total = int(std::max<qsizetype>(s.errors.size(), qsizetype(s.counts.errors)));
    if (total == 0)
        return out;
    for (const QString& e : s.errors.mid(0, kErrorsListed))
        out << "• " + e;
    if (total > kErrorsListed)
        out << tr("%n more in History.", total - kErrorsListed);
    out << tr("Fix the items listed, then Sync now again; the details of every item are in History.");
    return out;
}

QStringList conflictLines(const RunSummary& s)
{
    const int pending = int(s.counts.conflictsPending);
    if (pending == 0)
        return {};
    return {tr("%n file(s) changed on both sides and were left as they are on both sides, as the job's conflict "
               "setting asks. Open Preview to see them (History lists them too); keep the version you want on "
               "one side, then Sync now again.",
               pending)};
}

} // namespace

QString runSummaryText(const RunSummary& s, const QString& jobName)
{
    const QString name = QString("“%1”").arg(jobName);
    QStringList lines;
    switch (s.outcome) {
    case RunOutcome::InSync: lines << tr("%1 is in sync: %2.").arg(name, changedText(s.counts)); break;
    case RunOutcome::Cancelled:
        lines << tr("%1 was stopped. What was done is kept; Sync now again to finish.").arg(name);
        break;
    case RunOutcome::Stopped: lines << tr("%1 was stopped by a safety check. %2").arg(name, s.message); break;
    case RunOutcome::Failed:
        lines << tr("%1 could not run: %2").arg(name, s.message.isEmpty() ? tr("see History") : s.message);
        break;
    case RunOutcome::Errors:
    case RunOutcome::Conflicts:
    case RunOutcome::Running:
    case RunOutcome::Interrupted: {
        const int errors = int(std::max<qsizetype>(s.errors.size(), qsizetype(s.counts.errors)));
        if (errors > 0)
            lines << tr("%1 finished with %n error(s); everything else was synced (%2).", errors)
                         .arg(name, changedText(s.counts));
        else
            lines << tr("%1 is synced (%2), except for what is listed below.").arg(name, changedText(s.counts));
        if (!s.message.isEmpty())
            lines << s.message;
        lines << errorLines(s) << conflictLines(s);
        break;
    }
    }
    for (const QString& n : s.notes)
        lines << tr("Note: %1.").arg(n);
    return lines.join("\n");
}

} // namespace ferry::ui
