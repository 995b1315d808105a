#include "stopadvice.h"

namespace ferry {

namespace {

QString sideText(Side s) { return s == Side::Left ? StopAdvice::tr("left") : StopAdvice::tr("right"); }

QString location(const SafetyStop& s) { return QString::fromStdString(s.location); }

QString files(int64_t n) { return StopAdvice::tr("%n file(s)", nullptr, int(n)); }

// An engine error as a sentence start.
QString capitalized(const std::string& text)
{
    QString s = QString::fromStdString(text);
    if (!s.isEmpty())
        s[0] = s[0].toUpper();
    return s;
}

} // namespace

QString StopAdvice::what(const SafetyStop& s)
{
    const QString side = sideText(s.side);
    switch (s.kind) {
    case StopKind::SideUnreadable:
        return tr("The %1 folder cannot be read: %2").arg(side, QString::fromStdString(s.detail));
    case StopKind::SideMissing:
        return tr("The %1 folder '%2' is missing, but the last sync saw files there").arg(side, location(s));
    case StopKind::RootChanged:
        return tr("The %1 folder '%2' is not the folder synced last time (its device or folder id changed: a swapped "
                  "disk, or a folder deleted and created again)")
            .arg(side, location(s));
    case StopKind::ScanRefused: return capitalized(s.detail);
    case StopKind::EmptiedSide:
        if (s.kept == 0)
            return tr("The %1 folder '%2' holds none of the %3 the last sync saw there (the run would delete %4 on "
                      "the %5)")
                .arg(side, location(s), files(s.held), files(s.wouldDelete), sideText(otherSide(s.side)));
        return tr("The %1 folder '%2' holds only %3 of the %4 the last sync saw there (the run would delete %5 on "
                  "the %6)")
            .arg(side, location(s), QString::number(s.kept), files(s.held), files(s.wouldDelete),
                 sideText(otherSide(s.side)));
    case StopKind::EmptiedSource:
        return tr("The %1 folder '%2' (the source) holds only %3 of the %4 in the right folder: a mirror would "
                  "delete %5 there")
            .arg(side, location(s), QString::number(s.kept), files(s.held), files(s.wouldDelete));
    case StopKind::EmptySource:
        return tr("The %1 folder '%2' (the source) is empty, but the right folder holds %3")
            .arg(side, location(s), files(s.held));
    case StopKind::MassDeletion:
        return tr("The plan deletes %1 of %2 items on the %3 (more than %4%)")
            .arg(QString::number(s.deletes), QString::number(s.total), side, QString::number(s.percentLimit));
    case StopKind::HostKeyChanged:
        if (s.detail.empty())
            return tr("The server of the %1 side '%2' showed a different host key than the one recorded for it")
                .arg(side, location(s));
        return tr("The server of the %1 side '%2' showed a different host key than the one recorded for it (%3)")
            .arg(side, location(s), QString::fromStdString(s.detail));
    }
    return tr("A safety check stopped the run");
}

QString StopAdvice::nextStep(const SafetyStop& s)
{
    switch (s.kind) {
    case StopKind::MassDeletion:
        return tr("Check that both folders are complete: is the drive plugged in, the share mounted? Preview shows "
                  "what would be deleted. If you removed these files on purpose, remove them from the other folder "
                  "too, then Sync now again.");
    case StopKind::RootChanged:
        return tr("Check that the right drive is plugged in. If this really is the folder to sync now (a new disk), "
                  "remove the job and create it again: its first run deletes nothing.");
    case StopKind::EmptiedSide:
    case StopKind::EmptiedSource:
    case StopKind::EmptySource:
    case StopKind::SideMissing:
        return tr("Check that the drive is plugged in or the share mounted, then Sync now again. If you emptied the "
                  "folder on purpose, delete the files from the other folder too.");
    case StopKind::SideUnreadable:
        return tr("Check that the folder is there and that you may open it (is the drive plugged in, the share "
                  "mounted?), then Sync now again.");
    case StopKind::HostKeyChanged:
        return tr("Someone may be intercepting the connection, or the server was reinstalled or got a new key. Ask "
                  "the server's administrator for its key fingerprint. Only if it matches the new one, remove the "
                  "old key from known_hosts (ssh-keygen -R HOST, and Ferry's own known_hosts in its data folder), "
                  "then Sync now again.");
    case StopKind::ScanRefused: break;
    }
    return tr("Check that both folders are there: is the drive plugged in, the share mounted? Then Sync now again.");
}

QString windowGuardMessage(const SafetyStop& s)
{
    return StopAdvice::tr("%1. Nothing was changed. %2").arg(StopAdvice::what(s), StopAdvice::nextStep(s));
}

} // namespace ferry
