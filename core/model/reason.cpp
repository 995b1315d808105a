#include "reason.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace ferry {

const char* sideName(Side s) { return s == Side::Left ? "left" : "right"; }

const char* opName(Op op)
{
    switch (op) {
    case Op::Copy: return "copy";
    case Op::Delete: return "delete";
    case Op::Rename: return "rename";
    case Op::SetTime: return "set-time";
    case Op::RecordBase: return "record";
    case Op::ForgetBase: return "forget";
    case Op::Conflict: return "conflict";
    }
    return "?";
}

const char* resolutionName(Resolution r)
{
    switch (r) {
    case Resolution::Pending: return "pending";
    case Resolution::KeepLeft: return "keep-left";
    case Resolution::KeepRight: return "keep-right";
    case Resolution::KeepBoth: return "keep-both";
    case Resolution::Informational: return "kept-changed-items";
    }
    return "?";
}

ItemFacts factsOf(const EntryInfo& e) { return {e.kind, e.size, e.mtimeNs, e.hasHash}; }

bool Reason::operator==(const Reason& o) const
{
    const bool sameWas = was == o.was || (was && o.was && *was == *o.was);
    return rule == o.rule && form == o.form && op == o.op && target == o.target && kind == o.kind && loser == o.loser &&
           left == o.left && right == o.right && args == o.args && conflictName == o.conflictName && sameWas;
}

// ---- JSON -----------------------------------------------------------------------------------
// Written by hand (a history records one per item, so it must be cheap);
// read with QJsonDocument (only when shown). Short keys, defaults left out.

namespace {

void putString(std::string& out, std::string_view s)
{
    out += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    out += '"';
}

void key(std::string& out, const char* k)
{
    if (out.back() != '{')
        out += ',';
    out += '"';
    out += k;
    out += "\":";
}

void putInt(std::string& out, const char* k, int64_t v)
{
    key(out, k);
    out += std::to_string(v);
}

void putItem(std::string& out, const char* k, const ItemFacts& f)
{
    key(out, k);
    out += '{';
    putInt(out, "k", int(f.kind));
    putInt(out, "s", f.size);
    putInt(out, "t", f.mtimeNs);
    if (f.hasHash)
        putInt(out, "h", 1);
    out += '}';
}

void putArgs(std::string& out, const ReasonArgs& a)
{
    key(out, "a");
    out += '{';
    putInt(out, "side", int(a.side));
    if (a.otherKind != EntryKind::File)
        putInt(out, "ok", int(a.otherKind));
    putInt(out, "pol", int(a.policy));
    putInt(out, "res", int(a.resolution));
    if (a.count)
        putInt(out, "n", a.count);
    if (a.base) {
        key(out, "b");
        out += '{';
        putInt(out, "k", int(a.base->kind));
        putInt(out, "s", a.base->size);
        putInt(out, "lt", a.base->leftMtimeNs);
        putInt(out, "rt", a.base->rightMtimeNs);
        if (a.base->leftHashDiffers)
            putInt(out, "lh", 1);
        if (a.base->rightHashDiffers)
            putInt(out, "rh", 1);
        out += '}';
    }
    if (!a.path.empty()) {
        key(out, "p");
        putString(out, a.path);
    }
    if (!a.newPath.empty()) {
        key(out, "np");
        putString(out, a.newPath);
    }
    out += '}';
}

void putReason(std::string& out, const Reason& r)
{
    out += '{';
    key(out, "r");
    putString(out, r.rule);
    if (r.form != ReasonForm::Plain)
        putInt(out, "f", int(r.form));
    putInt(out, "op", int(r.op));
    putInt(out, "tg", int(r.target));
    putInt(out, "k", int(r.kind));
    if (r.op == Op::Conflict)
        putInt(out, "lo", int(r.loser));
    if (r.left)
        putItem(out, "l", *r.left);
    if (r.right)
        putItem(out, "rr", *r.right);
    if (r.args)
        putArgs(out, *r.args);
    if (!r.conflictName.empty()) {
        key(out, "cn");
        putString(out, r.conflictName);
    }
    if (r.was) {
        key(out, "was");
        putReason(out, *r.was);
    }
    out += '}';
}

template <typename E>
E enumOf(const QJsonObject& o, const char* k, E max, E fallback)
{
    const qint64 v = o.value(QLatin1String(k)).toInteger(qint64(fallback));
    return v >= 0 && v <= qint64(max) ? E(v) : fallback;
}

ItemFacts itemFrom(const QJsonObject& o)
{
    ItemFacts f;
    f.kind = enumOf(o, "k", EntryKind::Special, EntryKind::File);
    f.size = o.value("s").toInteger();
    f.mtimeNs = o.value("t").toInteger();
    f.hasHash = o.value("h").toInteger() != 0;
    return f;
}

ReasonArgs argsFrom(const QJsonObject& o)
{
    ReasonArgs a;
    a.side = enumOf(o, "side", Side::Right, Side::Left);
    a.otherKind = enumOf(o, "ok", EntryKind::Special, EntryKind::File);
    a.policy = enumOf(o, "pol", ConflictPolicy::RightWins, ConflictPolicy::Ask);
    a.resolution = enumOf(o, "res", Resolution::Informational, Resolution::Pending);
    a.count = o.value("n").toInteger();
    if (o.contains("b")) {
        const QJsonObject b = o.value("b").toObject();
        a.base = BaseFacts{enumOf(b, "k", EntryKind::Special, EntryKind::File), b.value("s").toInteger(),
                           b.value("lt").toInteger(), b.value("rt").toInteger(), b.value("lh").toInteger() != 0,
                           b.value("rh").toInteger() != 0};
    }
    a.path = o.value("p").toString().toStdString();
    a.newPath = o.value("np").toString().toStdString();
    return a;
}

std::optional<Reason> reasonFrom(const QJsonObject& o, int depth)
{
    if (!o.contains("r") || depth > 16)
        return std::nullopt;
    Reason r;
    r.rule = o.value("r").toString().toStdString();
    r.form = enumOf(o, "f", ReasonForm::RightNewer, ReasonForm::Plain);
    r.op = enumOf(o, "op", Op::Conflict, Op::Copy);
    r.target = enumOf(o, "tg", Side::Right, Side::Right);
    r.kind = enumOf(o, "k", EntryKind::Special, EntryKind::File);
    r.loser = enumOf(o, "lo", Side::Right, Side::Right);
    if (o.contains("l"))
        r.left = itemFrom(o.value("l").toObject());
    if (o.contains("rr"))
        r.right = itemFrom(o.value("rr").toObject());
    if (o.contains("a"))
        r.args = argsFrom(o.value("a").toObject());
    r.conflictName = o.value("cn").toString().toStdString();
    if (o.contains("was")) {
        auto was = reasonFrom(o.value("was").toObject(), depth + 1);
        if (!was)
            return std::nullopt;
        r.was = std::make_shared<const Reason>(std::move(*was));
    }
    return r;
}

} // namespace

std::string reasonToJson(const Reason& r)
{
    std::string out;
    out.reserve(128);
    putReason(out, r);
    return out;
}

std::optional<Reason> reasonFromJson(std::string_view json)
{
    if (json.empty())
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json.data(), qsizetype(json.size())), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return reasonFrom(doc.object(), 0);
}

} // namespace ferry
