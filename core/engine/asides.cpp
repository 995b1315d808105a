#include "asides.h"

#include "common/relpath.h"
#include "common/tempname.h"

#include <set>

namespace ferry {

std::vector<AsideRecovery> decideAsides(const std::vector<Entry>& found, Snapshot& snapshot,
                                        const std::function<bool(const std::string&)>& excluded,
                                        std::vector<Error>& problems)
{
    std::vector<AsideRecovery> out;
    std::set<std::string> putBack; // originals claimed by an earlier aside here
    std::vector<Entry> shown;      // added after the lookups: the snapshot's find() needs it sorted
    auto leave = [&](const Entry& e, std::string original, const std::string& why) {
        out.push_back({AsideRecovery::Step::Leave, e.path, std::move(original)});
        problems.push_back(Error::skipItem("recover", e.path,
                                           "a file Ferry set aside while replacing a file, in a run that was "
                                           "interrupted; " + why + ", so it was left as it is",
                                           "Rename it back to the file's name if you need it, or delete it"));
    };
    for (const Entry& e : found) {
        const std::string_view name = relpath::name(e.path);
        const std::optional<std::string> originalName = tempname::asideOriginal(name);
        if (!originalName || !relpath::isValidName(*originalName)) {
            leave(e, {}, "its name does not say which file it was");
            continue;
        }
        const std::string original = relpath::join(relpath::parent(e.path), *originalName);
        if (putBack.count(original)) {
            leave(e, original, "another set-aside copy of '" + original + "' was put back already");
            continue;
        }
        if (snapshot.find(original)) {
            out.push_back({AsideRecovery::Step::Retire, e.path, original});
            continue;
        }
        out.push_back({AsideRecovery::Step::PutBack, e.path, original});
        putBack.insert(original);
        if (!excluded(original)) {
            Entry there = e;
            there.path = original;
            shown.push_back(std::move(there));
        }
    }
    for (const Entry& e : shown)
        snapshot.entries.add(e); // out of order: the caller sorts the snapshot again
    return out;
}

std::vector<Error> recoverAsides(Backend& side, const std::vector<AsideRecovery>& steps, Versioner& versioner)
{
    std::vector<Error> errors;
    for (const AsideRecovery& r : steps) {
        Result<void> done = Ok{};
        switch (r.step) {
        case AsideRecovery::Step::PutBack:
            if (auto moved = side.rename(r.aside, r.original); !moved) {
                Error e = moved.error();
                e.nextStep = "Rename '" + r.aside + "' back to '" + r.original + "' by hand (it is the file as it "
                             "was before an interrupted run), then run the sync again";
                done = e;
            }
            break;
        case AsideRecovery::Step::Retire:
            done = versioner.enabled() ? versioner.preserveAs(side, r.aside, r.original) : side.removeFile(r.aside);
            break;
        case AsideRecovery::Step::Leave: break;
        }
        if (!done)
            errors.push_back(done.error());
    }
    return errors;
}

} // namespace ferry
