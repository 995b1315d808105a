#include "safetystop.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace ferry {

namespace {
constexpr StopKind kKinds[] = {StopKind::SideUnreadable, StopKind::SideMissing,  StopKind::RootChanged,
                               StopKind::ScanRefused,    StopKind::EmptiedSide,  StopKind::EmptiedSource,
                               StopKind::EmptySource,    StopKind::MassDeletion, StopKind::HostKeyChanged};
}

const char* stopKindName(StopKind k)
{
    switch (k) {
    case StopKind::SideUnreadable: return "side-unreadable";
    case StopKind::SideMissing: return "side-missing";
    case StopKind::RootChanged: return "root-changed";
    case StopKind::ScanRefused: return "scan-refused";
    case StopKind::EmptiedSide: return "emptied-side";
    case StopKind::EmptiedSource: return "emptied-source";
    case StopKind::EmptySource: return "empty-source";
    case StopKind::MassDeletion: return "mass-deletion";
    case StopKind::HostKeyChanged: return "host-key-changed";
    }
    return "?";
}

// Kinds by name, so that the stored text does not depend on the enum's order.
std::string stopToJson(const SafetyStop& s)
{
    QJsonObject o{{"kind", stopKindName(s.kind)},
                  {"side", sideName(s.side)},
                  {"mode", modeName(s.mode)},
                  {"location", QString::fromStdString(s.location)},
                  {"detail", QString::fromStdString(s.detail)},
                  {"held", qint64(s.held)},
                  {"kept", qint64(s.kept)},
                  {"would_delete", qint64(s.wouldDelete)},
                  {"deletes", qint64(s.deletes)},
                  {"total", qint64(s.total)},
                  {"percent_limit", s.percentLimit}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact).toStdString();
}

std::optional<SafetyStop> stopFromJson(std::string_view json)
{
    if (json.empty())
        return std::nullopt;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray(json.data(), qsizetype(json.size())));
    if (!doc.isObject())
        return std::nullopt;
    const QJsonObject o = doc.object();
    SafetyStop s;
    const std::string kind = o.value("kind").toString().toStdString();
    bool known = false;
    for (StopKind k : kKinds)
        if (kind == stopKindName(k)) {
            s.kind = k;
            known = true;
        }
    if (!known)
        return std::nullopt;
    s.side = o.value("side").toString() == "right" ? Side::Right : Side::Left;
    const QString mode = o.value("mode").toString();
    for (SyncMode m : {SyncMode::TwoWay, SyncMode::Mirror, SyncMode::Update})
        if (mode == QLatin1String(modeName(m)))
            s.mode = m;
    s.location = o.value("location").toString().toStdString();
    s.detail = o.value("detail").toString().toStdString();
    s.held = o.value("held").toInteger();
    s.kept = o.value("kept").toInteger();
    s.wouldDelete = o.value("would_delete").toInteger();
    s.deletes = o.value("deletes").toInteger();
    s.total = o.value("total").toInteger();
    s.percentLimit = int(o.value("percent_limit").toInteger());
    return s;
}

} // namespace ferry
