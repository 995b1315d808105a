#include "reasons.h"

#include <cstdio>
#include <ctime>

namespace ferry {

namespace {
struct tm utc(int64_t ns)
{
    time_t secs = time_t(ns / 1000000000);
    if (ns < 0 && ns % 1000000000)
        --secs;
    struct tm t {};
#ifdef _WIN32
    gmtime_s(&t, &secs);
#else
    gmtime_r(&secs, &t);
#endif
    return t;
}
} // namespace

std::string formatTime(int64_t ns)
{
    struct tm t = utc(ns);
    char buf[64];
    int64_t frac = ns % 1000000000;
    if (frac < 0)
        frac += 1000000000;
    if (frac)
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec, int(frac / 1000000));
    else
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                      t.tm_hour, t.tm_min, t.tm_sec);
    return buf;
}

std::string formatStamp(int64_t ns)
{
    struct tm t = utc(ns);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d%02d%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                  t.tm_min, t.tm_sec);
    return buf;
}

std::string describeEntry(const ItemFacts& e)
{
    switch (e.kind) {
    case EntryKind::Directory: return "folder";
    case EntryKind::Symlink: return "symlink";
    case EntryKind::Special: return "special file";
    case EntryKind::File: break;
    }
    return "file, " + std::to_string(e.size) + " bytes, modified " + formatTime(e.mtimeNs);
}

std::string describeEntry(const EntryInfo& e) { return describeEntry(factsOf(e)); }

std::string describePair(const ItemFacts& l, const ItemFacts& r)
{
    if (l.kind == EntryKind::File && r.kind == EntryKind::File) {
        std::string s = std::to_string(l.size) + " bytes";
        if (l.hasHash && r.hasHash)
            s += ", same content hash";
        else
            s += ", modified " + formatTime(l.mtimeNs) + " / " + formatTime(r.mtimeNs);
        return s;
    }
    return describeEntry(l) + " / " + describeEntry(r);
}

std::string describeTimeChange(int64_t before, int64_t after)
{
    return "modified " + formatTime(before) + " → " + formatTime(after);
}

std::string describeEntryChange(const BaseFacts* b, const ItemFacts* e, Side side)
{
    if (!e)
        return "deleted";
    if (!b)
        return "new " + describeEntry(*e);
    if (b->kind != e->kind)
        return std::string("was a ") + kindName(b->kind) + ", now a " + kindName(e->kind);
    if (e->kind != EntryKind::File)
        return std::string(kindName(e->kind)) + " changed";
    std::string s;
    if (b->size != e->size)
        s = "size " + std::to_string(b->size) + " → " + std::to_string(e->size) + ", ";
    s += describeTimeChange(side == Side::Left ? b->leftMtimeNs : b->rightMtimeNs, e->mtimeNs);
    if (b->size == e->size && (side == Side::Left ? b->leftHashDiffers : b->rightHashDiffers))
        s += ", content hash differs";
    return s;
}

BaseFacts baseFactsOf(const BaseInfo& b, const EntryInfo* left, const EntryInfo* right)
{
    auto differs = [&](const EntryInfo* e) { return e && b.hasHash && e->hasHash && b.hash != e->hash; };
    return {b.kind, b.size, b.leftMtimeNs, b.rightMtimeNs, differs(left), differs(right)};
}

Reason reasonOf(const Action& a)
{
    Reason r;
    r.rule = std::string(a.rule);
    r.form = a.reasonForm;
    r.op = a.op;
    r.target = a.target;
    r.kind = a.kind;
    r.loser = a.loser;
    if (a.left)
        r.left = factsOf(*a.left);
    if (a.right)
        r.right = factsOf(*a.right);
    if (const ReasonArgs* args = a.reasonArgs())
        r.args = *args;
    r.conflictName = a.conflictName();
    if (const Reason* was = a.flippedFrom())
        r.was = std::make_shared<const Reason>(*was);
    return r;
}

namespace {

// ": left for you to decide (policy ask)" and the like, as planned.
std::string conflictSettlement(const Reason& r)
{
    const ReasonArgs& g = *r.args;
    const std::string policy = policyName(g.policy);
    switch (g.resolution) {
    case Resolution::Pending: return ": left for you to decide (policy " + policy + ")";
    case Resolution::KeepLeft: return ": the left version wins (policy " + policy + ")";
    case Resolution::KeepRight: return ": the right version wins (policy " + policy + ")";
    case Resolution::KeepBoth:
        return std::string(": both are kept; the ") + sideName(r.loser) + " version becomes '" + r.conflictName +
               "' on both sides";
    case Resolution::Informational: break;
    }
    return {};
}

bool isRule(std::string_view rule, const char* suffix)
{
    return rule.size() > 5 && (rule.substr(0, 5) == "left-" || rule.substr(0, 6) == "right-") &&
           rule.substr(rule.find('-') + 1) == suffix;
}

// The rules of two-way runs that say what one side did.
std::optional<std::string> wordSideRule(const Reason& r)
{
    const std::string to = sideName(r.target);
    const std::string from = sideName(otherSide(r.target));
    const std::optional<ItemFacts>& src = r.target == Side::Right ? r.left : r.right;
    const ReasonArgs* g = r.args ? &*r.args : nullptr;
    const bool touched = r.form == ReasonForm::OtherTouched;
    const std::string_view rule = r.rule;
    if (isRule(rule, "created") && src)
        return "new on the " + from + " (" + describeEntry(*src) + "), absent on the " + to +
               " and in the last sync → copy " + from + " → " + to;
    if (isRule(rule, "deleted")) {
        if (touched)
            return "deleted on the " + from + "; the " + to +
                   " only has a new time (same content, a touch is not an edit) → delete on the " + to;
        return r.kind == EntryKind::Directory
                   ? "folder deleted on the " + from + "; nothing inside it changed on the " + to + " → delete on the " + to
                   : "deleted on the " + from + " since the last sync; " + to + " unchanged → delete on the " + to;
    }
    const std::string other = touched ? to + " only touched (same content)" : to + " unchanged";
    if (isRule(rule, "changed") && src && g && g->base) {
        const Side x = otherSide(r.target);
        const std::string change = describeEntryChange(&*g->base, &*src, x);
        if (r.form == ReasonForm::SplitForm || r.form == ReasonForm::SplitFormOtherTouched)
            return "last synced as one item under another Unicode form of the name ('" + g->path +
                   "'), now two items; the " + from + " differs (" + change + "), the " + to +
                   (r.form == ReasonForm::SplitFormOtherTouched ? " only has a new time" : " is unchanged") +
                   " → copy " + from + " → " + to;
        return from + " changed since the last sync: " + change + "; " + other + " → copy " + from + " → " + to;
    }
    if (isRule(rule, "touched") && src && g && g->base)
        return from + " has a new time (" +
               describeTimeChange(r.target == Side::Right ? g->base->leftMtimeNs : g->base->rightMtimeNs, src->mtimeNs) +
               ") but the same content hash as the last sync; " + other + " → set the time on the " + to;
    if (isRule(rule, "renamed") && g) {
        const std::string x = sideName(g->side);
        if (r.form == ReasonForm::CaseOnly)
            return x + ": '" + g->path + "' was renamed to '" + g->newPath +
                   "' (only the letter case changed) → rename on the " + to;
        const std::string how = r.form == ReasonForm::ByFileId
                                    ? "the same file id (" + std::to_string(uint64_t(g->count)) + ")"
                                    : "the same size, time and content hash";
        return x + ": '" + g->path + "' is gone and '" + g->newPath + "' appeared with " + how + "; the " + to +
               " is unchanged → rename on the " + to;
    }
    return std::nullopt;
}

// Rules about both sides, and the folder and conflict rules.
std::optional<std::string> wordBothRule(const Reason& r)
{
    const std::string_view rule = r.rule;
    const ReasonArgs* g = r.args ? &*r.args : nullptr;
    if (rule == "both-touched")
        return "only the times changed on both sides; the content equals the last sync";
    if (rule == "both-deleted")
        return "deleted on both sides since the last sync";
    if (rule == "both-equal" && r.left && r.right)
        return "changed on both sides in the same way (" + describePair(*r.left, *r.right) + "): only the base is updated";
    if (rule == "first-run-equal" && r.left && r.right)
        return "present on both sides with no earlier sync and the same content (" + describePair(*r.left, *r.right) +
               "): recorded as in sync";
    if (!g)
        return std::nullopt;
    if (rule == "both-changed" && g->base)
        return "changed on both sides since the last sync: left " +
               describeEntryChange(&*g->base, r.left ? &*r.left : nullptr, Side::Left) + "; right " +
               describeEntryChange(&*g->base, r.right ? &*r.right : nullptr, Side::Right) + conflictSettlement(r);
    if (rule == "first-run-differ" && r.left && r.right)
        return "present on both sides with no earlier sync and different content: left " + describeEntry(*r.left) +
               "; right " + describeEntry(*r.right) + conflictSettlement(r);
    if (rule == "delete-vs-edit" && g->base) {
        const Side editor = otherSide(r.target);
        const std::optional<ItemFacts>& e = editor == Side::Left ? r.left : r.right;
        return std::string("deleted on the ") + sideName(r.target) + " but changed on the " + sideName(editor) +
               " since the last sync (" + describeEntryChange(&*g->base, e ? &*e : nullptr, editor) +
               "): the edit wins and is restored → copy " + sideName(editor) + " → " + sideName(r.target);
    }
    const std::string sx = sideName(g->side), sy = sideName(otherSide(g->side));
    if (rule == "folder-replaced-vs-changed")
        return std::string("the folder was replaced by a ") + kindName(g->otherKind) + " on the " + sx + " while " +
               std::to_string(g->count) + " item(s) inside it changed on the " + sy + conflictSettlement(r);
    const std::string what = "folder deleted on the " + sx + " while " + std::to_string(g->count) +
                             " item(s) inside it changed on the " + sy;
    if (rule == "folder-deleted-vs-changed") {
        if (r.op != Op::Conflict)
            return what + ": the folder is kept for them → copy " + sy + " → " + sx;
        if (g->resolution == Resolution::Pending)
            return what + conflictSettlement(r);
        switch (r.form) {
        case ReasonForm::KeptForChanged:
            return what + ": the changed items are kept on both sides, the unchanged ones are deleted";
        case ReasonForm::WinnerDeletes: return what + ": the " + sx + " wins (policy), the whole folder is deleted on the " + sy;
        case ReasonForm::WinnerRestores:
            return what + ": the " + sy + " wins (policy), the whole folder is restored on the " + sx;
        default: return what;
        }
    }
    if (rule == "conflict-resolution") {
        if (r.form == ReasonForm::WinnerDeletes)
            return what + ": the " + sx + " wins → delete on the " + sy;
        if (r.form == ReasonForm::WinnerRestores)
            return what + ": the " + sy + " wins → copy " + sy + " → " + sx;
        const std::string why = "inside a conflict resolved for the " + sx;
        switch (r.op) {
        case Op::RecordBase: return why + "; both sides already hold the same content";
        case Op::Copy: return why + " → copy " + sx + " → " + sy;
        case Op::Delete: return why + " → delete on the " + sy;
        case Op::ForgetBase: return why + "; gone from both sides";
        default: return why;
        }
    }
    return std::nullopt;
}

// Mirror and update runs.
std::optional<std::string> wordOneWayRule(const Reason& r)
{
    const std::string_view rule = r.rule;
    if ((rule == "mirror-missing" || rule == "update-missing") && r.left)
        return "on the left (" + describeEntry(*r.left) + "), missing on the right → copy left → right";
    if (rule == "mirror-extra" && r.right)
        return "on the right (" + describeEntry(*r.right) + ") but not on the left → delete on the right";
    if (rule == "mirror-time" && r.left && r.right)
        return "same content, different time (" + describePair(*r.left, *r.right) + ") → set the time on the right";
    if ((rule == "mirror-differ" || rule == "update-changed") && r.left && r.right)
        return "differs: left " + describeEntry(*r.left) + "; right " + describeEntry(*r.right) +
               (r.form == ReasonForm::RightNewer
                    ? " (the right copy is newer; it is replaced, and kept in versioning when that is on)"
                    : "") +
               " → copy left → right";
    return std::nullopt;
}

} // namespace

std::string wordReason(const Reason& r)
{
    if (r.rule == "user-flipped" && r.was)
        return "turned around in the preview; the plan was: " + wordReason(*r.was);
    if (auto s = wordSideRule(r))
        return *s;
    if (auto s = wordBothRule(r))
        return *s;
    if (auto s = wordOneWayRule(r))
        return *s;
    return r.rule;
}

std::string reasonFor(const Action& a)
{
    return wordReason(reasonOf(a));
}

std::string historyDetail(const std::string& action, const std::string& detail, const std::optional<Reason>& reason)
{
    if (!detail.empty() || !reason || action != "conflict")
        return detail;
    return wordReason(*reason);
}

} // namespace ferry
