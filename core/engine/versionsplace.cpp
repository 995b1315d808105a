#include "versionsplace.h"

#include "common/relpath.h"
#include "engine/versioner.h"

#include <cerrno>
#include <functional>

#include <QDir>
#include <QFileInfo>

namespace ferry {

namespace {

std::string real(const std::string& p)
{
    const QString c = QFileInfo(QString::fromStdString(p)).canonicalFilePath();
    return c.isEmpty() ? p : c.toStdString();
}

// One item of a folder as firstUserItem sees it.
struct PlaceItem {
    std::string name;
    enum class Kind { File, Folder, Other } kind;
};
using Lister = std::function<std::vector<PlaceItem>(const std::string& rel)>;

// The first item below `rel` that Ferry did not put there: anything but
// version files (such as "docs/a 2026-01-01 000000.txt", the layout from
// before versions were kept per owner) and folders holding only those.
// Owners' folders ("job-…", "pair-…") count only at the top.
std::optional<std::string> firstUserItem(const Lister& list, const std::string& rel)
{
    for (const PlaceItem& item : list(rel)) {
        const std::string path = rel.empty() ? item.name : rel + "/" + item.name;
        std::string original;
        int64_t stampNs = 0;
        if (item.kind == PlaceItem::Kind::Folder) {
            if (rel.empty() && Versioner::isOwnerFolderName(item.name))
                continue;
            if (auto inner = firstUserItem(list, path))
                return inner;
            continue;
        }
        if (item.kind != PlaceItem::Kind::File || !Versioner::parseVersionName(item.name, original, stampNs))
            return path; // a link or a special file is the user's too
    }
    return std::nullopt;
}

std::string holdsUserFiles(const std::string& folder, const std::string& root, const std::string& item)
{
    return "the versions folder '" + folder + "' lies inside the synced folder '" + root +
           "' and holds files of its own (such as '" + item +
           "'): they would silently drop out of the sync, and keeping versions there could delete them. "
           "Nothing was changed. Choose a versions folder outside both synced folders (or a new, empty one)";
}

std::string isTheRoot(const std::string& folder, const std::string& root)
{
    return "the versions folder '" + folder + "' is the synced folder '" + root +
           "' itself; choose a versions folder outside both synced folders";
}

} // namespace

std::optional<std::string> versionsFolderRelPath(const std::string& folder, const std::string& root)
{
    const std::string vf = real(folder), r = real(root);
    if (vf.size() > r.size() + 1 && vf.compare(0, r.size(), r) == 0 && vf[r.size()] == '/')
        return vf.substr(r.size() + 1);
    return std::nullopt;
}

std::string versionsFolderShadowProblem(const std::string& folder, const std::string& relPath,
                                        const std::string& otherLocation)
{
    return "the versions folder '" + folder + "' lies inside a synced folder, and '" + otherLocation +
           "' holds something at the same place ('" + relPath +
           "'): leaving the versions folder out of the sync would silently leave that out too. Nothing was "
           "changed. Choose a versions folder outside both synced folders (or move that item away)";
}

std::optional<std::string> versionsFolderProblem(const std::string& folder, const std::string& root)
{
    const std::string vf = real(folder), r = real(root);
    if (vf != r && !versionsFolderRelPath(folder, root))
        return std::nullopt;
    if (vf == r)
        return isTheRoot(folder, root);
    const QString top = QString::fromStdString(vf);
    Lister list = [&](const std::string& rel) {
        std::vector<PlaceItem> out;
        const QDir dir(rel.empty() ? top : top + "/" + QString::fromStdString(rel));
        for (const QFileInfo& i : dir.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot))
            out.push_back({i.fileName().toStdString(), i.isSymLink() ? PlaceItem::Kind::Other
                                                       : i.isDir()   ? PlaceItem::Kind::Folder
                                                       : i.isFile()  ? PlaceItem::Kind::File
                                                                     : PlaceItem::Kind::Other});
        return out;
    };
    if (auto item = firstUserItem(list, {}))
        return holdsUserFiles(folder, root, *item);
    return std::nullopt;
}

std::optional<std::string> versionsStoreProblem(Backend& side, Backend& store)
{
    const std::optional<std::string> rel = side.placeOf(store);
    if (!rel)
        return std::nullopt;
    if (rel->empty())
        return isTheRoot(store.location(), side.location());
    std::optional<Error> failed;
    Lister list = [&](const std::string& dir) {
        std::vector<PlaceItem> out;
        auto items = store.list(dir);
        if (!items) {
            if (items.error().osError != ENOENT && !failed)
                failed = items.error();
            return out;
        }
        for (const ListedItem& i : *items)
            out.push_back({std::string(relpath::name(i.entry.path)),
                           i.entry.kind == EntryKind::Directory ? PlaceItem::Kind::Folder
                           : i.entry.kind == EntryKind::File    ? PlaceItem::Kind::File
                                                                : PlaceItem::Kind::Other});
        return out;
    };
    if (auto item = firstUserItem(list, {}))
        return holdsUserFiles(store.location(), side.location(), *item);
    if (failed)
        return "cannot look into the versions folder '" + store.location() + "' inside the synced folder '" +
               side.location() + "': " + failed->message();
    return std::nullopt;
}

} // namespace ferry
