#include "versionsplace.h"

#include "engine/versioner.h"

#include <QDir>
#include <QFileInfo>

namespace ferry {

namespace {

std::string real(const std::string& p)
{
    const QString c = QFileInfo(QString::fromStdString(p)).canonicalFilePath();
    return c.isEmpty() ? p : c.toStdString();
}

// The first item below `dir` that Ferry did not put there: anything but
// version files (such as "docs/a 2026-01-01 000000.txt", the layout from
// before versions were kept per owner) and folders holding only those.
// Owners' folders ("job-…", "pair-…") count only at the top.
std::optional<std::string> firstUserItem(const QDir& dir, const std::string& rel)
{
    for (const QFileInfo& item : dir.entryInfoList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot)) {
        const std::string name = item.fileName().toStdString();
        const std::string path = rel.empty() ? name : rel + "/" + name;
        std::string original;
        int64_t stampNs = 0;
        if (item.isSymLink())
            return path;
        if (item.isDir()) {
            if (rel.empty() && Versioner::isOwnerFolderName(name))
                continue;
            if (auto inner = firstUserItem(QDir(item.filePath()), path))
                return inner;
            continue;
        }
        if (!item.isFile() || !Versioner::parseVersionName(name, original, stampNs))
            return path;
    }
    return std::nullopt;
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
        return "the versions folder '" + folder + "' is the synced folder '" + root +
               "' itself; choose a versions folder outside both synced folders";
    if (auto item = firstUserItem(QDir(QString::fromStdString(vf)), {}))
        return "the versions folder '" + folder + "' lies inside the synced folder '" + root +
               "' and holds files of its own (such as '" + *item +
               "'): they would silently drop out of the sync, and keeping versions there could delete them. "
               "Nothing was changed. Choose a versions folder outside both synced folders (or a new, empty one)";
    return std::nullopt;
}

} // namespace ferry
