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
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d%02d%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                  t.tm_min, t.tm_sec);
    return buf;
}

std::string describeEntry(const EntryInfo& e)
{
    switch (e.kind) {
    case EntryKind::Directory: return "folder";
    case EntryKind::Symlink: return "symlink";
    case EntryKind::Special: return "special file";
    case EntryKind::File: break;
    }
    return "file, " + std::to_string(e.size) + " bytes, modified " + formatTime(e.mtimeNs);
}

std::string describePair(const EntryInfo& l, const EntryInfo& r)
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

std::string describeEntryChange(const BaseInfo* b, const EntryInfo* e, Side side)
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
    int64_t bt = side == Side::Left ? b->leftMtimeNs : b->rightMtimeNs;
    s += describeTimeChange(bt, e->mtimeNs);
    if (b->size == e->size && b->hasHash && e->hasHash && b->hash != e->hash)
        s += ", content hash differs";
    return s;
}

std::string reasonFor(const Action& a)
{
    if (!a.reason().empty())
        return a.reason();
    const std::string to = sideName(a.target);
    const std::string from = sideName(otherSide(a.target));
    const InfoRef& src = a.target == Side::Right ? a.left : a.right;
    const InfoRef& dst = a.target == Side::Right ? a.right : a.left;
    const std::string_view rule = a.rule;
    if ((rule == "left-created" || rule == "right-created") && src)
        return "new on the " + from + " (" + describeEntry(*src) + "), absent on the " + to +
               " and in the last sync → copy " + from + " → " + to;
    if (rule == "left-deleted" || rule == "right-deleted")
        return a.kind == EntryKind::Directory
                   ? "folder deleted on the " + from + "; nothing inside it changed on the " + to + " → delete on the " + to
                   : "deleted on the " + from + " since the last sync; " + to + " unchanged → delete on the " + to;
    if ((rule == "mirror-missing" || rule == "update-missing") && src)
        return "on the left (" + describeEntry(*src) + "), missing on the right → copy left → right";
    if (rule == "mirror-extra" && dst)
        return "on the right (" + describeEntry(*dst) + ") but not on the left → delete on the right";
    if (rule == "first-run-equal" && a.left && a.right)
        return "present on both sides with no earlier sync and the same content (" + describePair(*a.left, *a.right) +
               "): recorded as in sync";
    return std::string(a.rule);
}

} // namespace ferry
