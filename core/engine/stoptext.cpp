#include "stoptext.h"

namespace ferry {

namespace {

std::string files(int64_t n) { return std::to_string(n) + (n == 1 ? " file" : " files"); }

std::string folder(const SafetyStop& s) { return std::string("the ") + sideName(s.side) + " folder '" + s.location + "'"; }

// What a stop of the emptied kinds saw.
std::string emptiedWhat(const SafetyStop& s)
{
    switch (s.kind) {
    case StopKind::EmptiedSide:
        return (s.kept == 0 ? folder(s) + " holds none of the " + files(s.held) + " the last sync saw there"
                            : folder(s) + " holds only " + std::to_string(s.kept) + " of the " + files(s.held) +
                                  " the last sync saw there") +
               " (the run would delete " + files(s.wouldDelete) + " on the " + sideName(otherSide(s.side)) + ")";
    case StopKind::EmptiedSource:
        return folder(s) + " (the source) holds only " + std::to_string(s.kept) + " of the " + files(s.held) +
               " in the right folder: a mirror would delete " + files(s.wouldDelete) + " there";
    default: return folder(s) + " (the source) is empty, but the right folder holds " + files(s.held);
    }
}

std::string emptiedSentence(const SafetyStop& s)
{
    const std::string ifMeant = s.kind == StopKind::EmptySource
                                    ? "If the source is empty on purpose, there is nothing to copy; --force-deletions "
                                      "lets such a run pass (an update never deletes)"
                                    : "If you really emptied it, run again with --force-deletions";
    return emptiedWhat(s) + ". Is a drive unplugged or a share not mounted? Nothing was changed. " + ifMeant;
}

std::string massDeletionWhat(const SafetyStop& s)
{
    return "the plan deletes " + std::to_string(s.deletes) + " of " + std::to_string(s.total) + " items on the " +
           sideName(s.side) + " (more than " + std::to_string(s.percentLimit) + "%)";
}

// No option lets a changed key pass: the user checks it and, only if the
// server really got a new key, removes the old one from known_hosts.
std::string hostKeyChangedSentence(const SafetyStop& s)
{
    const std::string what = "the SSH server of the " + std::string(sideName(s.side)) + " side '" + s.location +
                             "' showed a different host key than the one recorded for it";
    if (!s.detail.empty()) // the connection's words: both keys, where the old one is recorded, what to do
        return what + ". Nothing was changed: " + s.detail;
    return what + ". Someone may be intercepting the connection, or the server was reinstalled or got a new key. "
                  "Nothing was changed. Ask the server's administrator for its key fingerprint; only if it matches "
                  "the new one, remove the old key from known_hosts (ssh-keygen -R HOST, and from Ferry's own "
                  "known_hosts in its data folder) and run again";
}

// The sentence after "stopped: ".
std::string stopBody(const SafetyStop& s)
{
    const std::string side = sideName(s.side);
    switch (s.kind) {
    case StopKind::SideUnreadable:
        return "the " + side + " folder cannot be read: " + s.detail + ". Nothing was changed";
    case StopKind::SideMissing:
        return "the " + side + " folder '" + s.location +
               "' is missing, but the last sync saw files there. Is a drive unplugged or a share not mounted? "
               "Reconnect it and run again; nothing was changed";
    case StopKind::RootChanged:
        return "the " + side + " folder '" + s.location +
               "' is not the folder synced last time (its device or folder id changed: a swapped disk, or a folder "
               "deleted and created again). Nothing was changed. If this is the right folder, run again with "
               "--accept-new-root";
    case StopKind::ScanRefused: return s.detail + ". Nothing was changed";
    case StopKind::EmptiedSide:
    case StopKind::EmptiedSource:
    case StopKind::EmptySource: return emptiedSentence(s);
    case StopKind::MassDeletion:
        return massDeletionWhat(s) +
               ". Nothing was changed. Check with --dry-run; if the deletions are intended, run again with "
               "--force-deletions";
    case StopKind::HostKeyChanged: return hostKeyChangedSentence(s);
    }
    return "nothing was changed";
}

} // namespace

std::string stopSentence(const SafetyStop& s) { return "stopped: " + stopBody(s); }

std::string dryRunWarning(const SafetyStop& s)
{
    if (s.kind == StopKind::MassDeletion)
        return massDeletionWhat(s) + ": a real run would stop here unless --force-deletions is given";
    return stopBody(s) + " (a real run would stop here)";
}

} // namespace ferry
