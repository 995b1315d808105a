// ferry-cli job add | edit | remove | export | import: the commands that
// change saved jobs. The rules (checks, unique names, the run lock, the
// base set aside) are JobOperations'; these print what happened in
// ferry-cli's words (DESIGN.md). Single-threaded.
#include "jobsubcommands.h"

#include "backend/location.h"
#include "clioutput.h"
#include "jobcli.h"
#include "jobs/joboperations.h"
#include "remoteaccess.h"
#include "secrets/secretstore.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ferry::cli::jobcli {

namespace {

// A key file that is not there would only show when the job runs.
void noteMissingKey(const Job& job)
{
    if (!job.identityFile.empty() && !QFileInfo::exists(q(job.identityFile)))
        std::fprintf(stderr, "note: the SSH key '%s' does not exist (yet); runs of the job try it first\n",
                     job.identityFile.c_str());
}

PasswordSaver passwordSaver(bool wanted)
{
    if (!wanted)
        return {};
    return [](const Job& job) { return savePasswordFor(job, "job '" + job.name + "'"); };
}

} // namespace

int jobAdd(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{.settings = true}, ja, c))
        return fail(c, "job add", *e);
    Job job = ja.settings.job;
    if (auto e = applyFilterEdits(ja.settings, job))
        return fail(c, "job add", *e);
    if (ja.positional.size() != 3)
        return fail(c, "job add", "needs NAME LEFT RIGHT (got " + std::to_string(ja.positional.size()) + " arguments)");
    job.name = ja.positional[0];
    if (auto e = resolveLocation(ja.positional[1], job.left))
        return fail(c, "job add", "LEFT: " + *e);
    if (auto e = resolveLocation(ja.positional[2], job.right))
        return fail(c, "job add", "RIGHT: " + *e);
    if (auto v = JobOperations::check(job); !v)
        return fail(c, "job add", v.error().message());
    int code = 0;
    auto db = openDb(c, "job add", code);
    if (!db)
        return code;
    JobRefusal why = JobRefusal::None;
    auto saved = JobOperations(*db, dataDir()).create(job, passwordSaver(ja.settings.savePassword), &why);
    if (!saved && why == JobRefusal::NameTaken)
        return fail(c, "job add", "a job named '" + job.name + "' already exists; pick another name or use 'job edit'");
    if (!saved)
        return fail(c, "job add", saved.error().message());
    if (c.json) {
        QJsonObject o{{"exit_code", 0}, {"status", "added"}, {"job", jobJson(*db, *saved)}};
        printJson(o);
    } else {
        std::fprintf(stderr, "job '%s' added: %s ⇄ %s (%s). Run it with 'ferry-cli run %s'\n", job.name.c_str(),
                     job.left.c_str(), job.right.c_str(), modeName(job.mode), job.name.c_str());
    }
    noteMissingKey(job);
    // A typo in a path would otherwise only show as a new, empty folder.
    for (const std::string* side : {&job.left, &job.right})
        if (auto loc = Location::parse(*side); loc && loc->isLocal() && !QFileInfo::exists(q(loc->path)))
            std::fprintf(stderr, "note: '%s' does not exist yet; the first run creates it (check the path if that "
                                 "is not what you meant)\n", loc->path.c_str());
    return 0;
}

namespace {

// The job as `job edit` changes it: the loaded job with the options applied.
std::optional<std::string> editedJob(const JobArgs& edits, Job& job)
{
    job = edits.settings.job;
    if (auto e = applyFilterEdits(edits.settings, job))
        return e;
    if (edits.newName)
        job.name = *edits.newName;
    if (edits.left)
        if (auto e = resolveLocation(*edits.left, job.left))
            return "--left: " + *e;
    if (edits.right)
        if (auto e = resolveLocation(*edits.right, job.right))
            return "--right: " + *e;
    return std::nullopt;
}

void printEdited(const Common& c, AppDb& db, const Job& job, const std::vector<std::string>& notes)
{
    if (c.json) {
        QJsonArray n;
        for (const std::string& s : notes)
            n.append(q(s));
        printJson(QJsonObject{{"exit_code", 0}, {"status", "changed"}, {"job", jobJson(db, job)}, {"notes", n}});
    } else {
        for (const std::string& s : notes)
            std::fprintf(stderr, "note: %s\n", s.c_str());
        std::fprintf(stderr, "job '%s' changed\n", job.name.c_str());
    }
}

} // namespace

int jobEdit(const std::vector<std::string>& args)
{
    const Accepts accepts{.settings = true, .sides = true};
    Common c;
    JobArgs ja;
    // First pass: the name, to load the job the options then change.
    {
        JobArgs probe;
        Common pc;
        if (auto e = parseJobArgs(args, accepts, probe, pc))
            return fail(pc, "job edit", *e);
        if (probe.positional.size() != 1)
            return fail(pc, "job edit", "needs the NAME of one job, then the settings to change");
        ja.positional = probe.positional;
        c = pc;
    }
    int code = 0;
    auto db = openDb(c, "job edit", code);
    if (!db)
        return code;
    JobOperations ops(*db, dataDir());
    auto found = ops.find(ja.positional[0]);
    if (!found)
        return fail(c, "job edit", found.error().message());
    JobArgs edits;
    edits.settings.job = *found;
    if (auto e = parseJobArgs(args, accepts, edits, c))
        return fail(c, "job edit", *e);
    Job job;
    if (auto e = editedJob(edits, job))
        return fail(c, "job edit", *e);
    if (auto v = JobOperations::check(job); !v)
        return fail(c, "job edit", v.error().message());
    JobRefusal why = JobRefusal::None;
    auto changed = ops.edit(job, "ferry-cli job edit", passwordSaver(edits.settings.savePassword), &why);
    if (!changed)
        return fail(c, "job edit", changed.error().message() + (why == JobRefusal::Running ? " before changing it" : ""));
    std::vector<std::string> notes = changed->notes;
    if (edits.settings.forgetPassword) {
        auto r = SecretStore::remove(SecretStore::keyForJob(job.name));
        if (r.status == SecretStore::Status::Ok || r.status == SecretStore::Status::NotFound)
            notes.push_back("the saved password was removed from the keychain");
    }
    printEdited(c, *db, job, notes);
    noteMissingKey(job);
    return 0;
}

int jobRemove(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{}, ja, c))
        return fail(c, "job remove", *e);
    if (ja.positional.size() != 1)
        return fail(c, "job remove", "needs the NAME of one job");
    int code = 0;
    auto db = openDb(c, "job remove", code);
    if (!db)
        return code;
    JobOperations ops(*db, dataDir());
    auto job = ops.find(ja.positional[0]);
    if (!job)
        return fail(c, "job remove", job.error().message());
    JobRefusal why = JobRefusal::None;
    auto removed = ops.remove(job->id, "ferry-cli job remove", &why);
    if (!removed)
        return fail(c, "job remove", removed.error().message() + (why == JobRefusal::Running ? " before removing it" : ""));
    for (const std::string& n : removed->notes)
        std::fprintf(stderr, "note: %s\n", n.c_str());
    if (c.json)
        printJson(QJsonObject{{"exit_code", 0}, {"status", "removed"}, {"job", q(job->name)}});
    else
        std::fprintf(stderr, "job '%s' removed (its folders are untouched; its runs stay in the history)\n",
                     job->name.c_str());
    return 0;
}

int jobExport(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{}, ja, c))
        return fail(c, "job export", *e);
    if (ja.positional.empty() || ja.positional.size() > 2)
        return fail(c, "job export", "needs NAME and optionally a FILE to write");
    int code = 0;
    auto db = openDb(c, "job export", code);
    if (!db)
        return code;
    auto job = findJob(*db, ja.positional[0]);
    if (!job)
        return fail(c, "job export", job.error().message());
    QJsonObject o = jobToJson(*job);
    o["ferry_job_format"] = 1;
    const QByteArray text = QJsonDocument(o).toJson(QJsonDocument::Indented);
    if (ja.positional.size() == 2 && ja.positional[1] != "-") {
        const QString file = q(ja.positional[1]);
        const QString temp = file + ".ferry-export-tmp";
        QFile out(temp);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(text) != text.size() || !out.flush())
            return fail(c, "job export", "cannot write '" + ja.positional[1] + "': " + out.errorString().toStdString());
        out.close();
        // rename(2) replaces an existing file in one step: the old export
        // stays whole until the new one is complete.
        if (::rename(temp.toLocal8Bit().constData(), file.toLocal8Bit().constData()) != 0) {
            const std::string why = std::strerror(errno);
            QFile::remove(temp);
            return fail(c, "job export", "cannot write '" + ja.positional[1] + "': " + why);
        }
        if (c.json)
            printJson(QJsonObject{{"exit_code", 0}, {"status", "exported"}, {"file", file}});
        else
            std::fprintf(stderr, "job '%s' written to %s (no passwords are exported)\n", job->name.c_str(),
                         ja.positional[1].c_str());
    } else {
        std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    }
    return 0;
}

int jobImport(const std::vector<std::string>& args)
{
    Common c;
    JobArgs ja;
    if (auto e = parseJobArgs(args, Accepts{}, ja, c))
        return fail(c, "job import", *e);
    if (ja.positional.size() != 1)
        return fail(c, "job import", "needs the FILE to read ('-' for standard input)");
    QFile in;
    if (ja.positional[0] == "-") {
        if (!in.open(stdin, QIODevice::ReadOnly))
            return fail(c, "job import", "cannot read standard input");
    } else {
        in.setFileName(q(ja.positional[0]));
        if (!in.open(QIODevice::ReadOnly))
            return fail(c, "job import", "cannot read '" + ja.positional[0] + "': " + in.errorString().toStdString());
    }
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(in.readAll(), &perr);
    if (doc.isNull() || !doc.isObject())
        return fail(c, "job import", "'" + ja.positional[0] + "' is not a job file (" +
                                         (doc.isNull() ? perr.errorString().toStdString() : "not a JSON object") +
                                         "); write one with 'ferry-cli job export NAME FILE'");
    const QJsonObject o = doc.object();
    if (o.contains("ferry_job_format") && o.value("ferry_job_format").toInt() != 1)
        return fail(c, "job import", "the file uses job format " +
                                         std::to_string(o.value("ferry_job_format").toInt()) +
                                         ", which this Ferry does not know; update Ferry");
    auto job = jobFromJson(o);
    if (!job)
        return fail(c, "job import", job.error().message());
    int code = 0;
    auto db = openDb(c, "job import", code);
    if (!db)
        return code;
    auto saved = JobOperations(*db, dataDir()).create(*job);
    if (!saved)
        return fail(c, "job import", saved.error().message());
    if (c.json)
        printJson(QJsonObject{{"exit_code", 0}, {"status", "imported"}, {"job", jobJson(*db, *saved)}});
    else
        std::fprintf(stderr, "job '%s' imported: %s ⇄ %s (%s)\n", job->name.c_str(), job->left.c_str(),
                     job->right.c_str(), modeName(job->mode));
    return 0;
}

} // namespace ferry::cli::jobcli
