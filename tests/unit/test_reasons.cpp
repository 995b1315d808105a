// Reasons and safety stops as data: a plan's reasons survive the trip
// through the history (JSON, the app database) and are worded the same;
// a stop survives the database and is worded by ferry-cli's formatter.
#include "builders.h"
#include "engine/reasons.h"
#include "engine/reconciler.h"
#include "engine/stoptext.h"
#include "jobs/stopadvice.h"
#include "store/appdb.h"
#include "tempdir.h"

#include <catch2/catch.hpp>

#include <set>

using namespace ferry;
using namespace ferry::test;

namespace {

SyncPolicy policy(SyncMode mode, ConflictPolicy c)
{
    SyncPolicy p;
    p.mode = mode;
    p.conflict = c;
    p.hostName = "box";
    p.nowNs = kT0 + 1000 * kSec;
    return p;
}

// Plans that between them fire most rules, with several policies.
std::vector<Plan> samplePlans()
{
    const auto b = baseState({base("same", 10, 0), baseWithHash(base("changed", 10, 0), "0123456789"),
                              base("deleted", 10, 0), base("both-deleted", 10, 0), base("conflict", 10, 0),
                              base("touched", 10, 0), base("edit-vs-delete", 10, 0), baseDir("folder"),
                              base("folder/old", 3, 0), base("renamed-from", 20, 0, 77, 88),
                              baseWithHash(base("hash-touch", 4, 0), "abcd")});
    const auto l = snap({file("same", 10, 0), withHash(file("changed", 12, 5), "012345678901"),
                         file("conflict", 11, 5), withHash(file("hash-touch", 4, 9), "abcd"), file("new-left", 7, 3),
                         file("edit-vs-delete", 14, 8), file("renamed-to", 20, 0, 77), file("both-new", 5, 1),
                         file("touched", 10, 0)});
    const auto r = snap({file("same", 10, 0), withHash(file("changed", 10, 0), "0123456789"), file("deleted", 10, 0),
                         file("conflict", 13, 6), file("hash-touch", 4, 0), dir("folder"), file("folder/old", 3, 0),
                         file("folder/new", 4, 2), file("renamed-from", 20, 0, 88), file("both-new", 6, 2),
                         file("new-right", 1, 1)});
    std::vector<Plan> plans;
    for (ConflictPolicy c : {ConflictPolicy::Ask, ConflictPolicy::KeepBoth, ConflictPolicy::LeftWins,
                             ConflictPolicy::RightWins, ConflictPolicy::Newer}) {
        SyncPolicy p = policy(SyncMode::TwoWay, c);
        p.leftCaps.fileIds = p.rightCaps.fileIds = true;
        plans.push_back(reconcile(l, r, b, p));
    }
    plans.push_back(reconcile(l, r, BaseState{}, policy(SyncMode::TwoWay, ConflictPolicy::KeepBoth)));
    plans.push_back(reconcile(l, r, BaseState{}, policy(SyncMode::Mirror, ConflictPolicy::KeepBoth)));
    plans.push_back(reconcile(l, r, BaseState{}, policy(SyncMode::Update, ConflictPolicy::KeepBoth)));
    // A row turned around in the preview keeps the reason it had.
    Plan flipped = plans.front();
    for (Action& a : flipped.actions)
        (void)flipDirection(a);
    plans.push_back(std::move(flipped));
    return plans;
}

} // namespace

TEST_CASE("a plan's reasons read back from the history are worded as the plan words them", "[reasons]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    Job j;
    j.name = "j";
    j.left = t / "L";
    j.right = t / "R";
    j.id = *(*db)->addJob(j);
    auto run = (*db)->beginRun(j, RunTrigger::Cli, false, 1, "h", 1000);
    REQUIRE(run.ok());

    std::vector<std::string> worded;
    std::vector<RunItemRecord> items;
    std::set<std::string> rules;
    for (const Plan& plan : samplePlans()) {
        for (const Action& a : plan.actions) {
            worded.push_back(reasonFor(a));
            rules.insert(std::string(a.rule));
            // Through the JSON alone…
            const std::string json = reasonToJson(reasonOf(a));
            const auto back = reasonFromJson(json);
            REQUIRE(back);
            INFO(json);
            CHECK(*back == reasonOf(a));
            CHECK(wordReason(*back) == worded.back());
            // …and through the app database.
            RunItemRecord it{a.path, a.op == Op::Conflict ? "conflict" : "copy-to-right", "done", 0, "", reasonOf(a)};
            items.push_back(std::move(it));
        }
    }
    // The sample is worth something only if it fires the rules that carry arguments.
    for (const char* rule : {"left-changed", "left-created", "right-deleted", "both-changed",
                             "first-run-differ", "left-renamed", "delete-vs-edit",
                             "mirror-differ", "mirror-extra", "update-changed", "user-flipped", "left-touched"}) {
        INFO(rule);
        CHECK(rules.count(rule) == 1);
    }
    REQUIRE((*db)->addRunItems(*run, 0, items).ok());
    auto stored = (*db)->runItems(*run);
    REQUIRE(stored.ok());
    REQUIRE(stored->size() == worded.size());
    for (size_t i = 0; i < worded.size(); ++i) {
        REQUIRE((*stored)[i].reason);
        CHECK(wordReason(*(*stored)[i].reason) == worded[i]);
        // ferry-cli history shows a conflict's reason, as it always did.
        if ((*stored)[i].action == "conflict")
            CHECK(historyDetail("conflict", (*stored)[i].detail, (*stored)[i].reason) == worded[i]);
    }
}

TEST_CASE("the frequent rules carry no arguments of their own in a plan", "[reasons]")
{
    const auto plans = samplePlans();
    for (const Action& a : plans[0].actions) {
        const std::string_view rule = a.rule;
        if (rule == "left-created" || rule == "right-created" || rule == "left-deleted" || rule == "right-deleted" ||
            rule == "mirror-missing" || rule == "mirror-extra" || rule == "first-run-equal") {
            INFO(rule);
            CHECK(a.reasonArgs() == nullptr);
        }
    }
}

TEST_CASE("a safety stop is kept by the history as data and worded by ferry-cli's formatter", "[reasons]")
{
    TempDir t;
    auto db = AppDb::open(t / "ferry.db");
    REQUIRE(db.ok());
    Job j;
    j.name = "j";
    j.left = t / "L";
    j.right = t / "R";
    j.id = *(*db)->addJob(j);
    SafetyStop stop;
    stop.kind = StopKind::EmptiedSide;
    stop.side = Side::Right;
    stop.location = "/media/usb/Docs";
    stop.held = 31;
    stop.kept = 1;
    stop.wouldDelete = 30;
    auto run = (*db)->beginRun(j, RunTrigger::Cli, false, 1, "h", 1000);
    REQUIRE(run.ok());
    REQUIRE((*db)->finishRun(*run, RunOutcome::Stopped, 4, {}, stopSentence(stop), 2000, stop).ok());
    auto back = (*db)->run(*run);
    REQUIRE(back.ok());
    REQUIRE(back->has_value());
    REQUIRE((*back)->stop);
    CHECK(*(*back)->stop == stop);
    CHECK(stopSentence(stop) ==
          "stopped: the right folder '/media/usb/Docs' holds only 1 of the 31 files the last sync saw there (the run "
          "would delete 30 files on the left). Is a drive unplugged or a share not mounted? Nothing was changed. If you "
          "really emptied it, run again with --force-deletions");
    CHECK(dryRunWarning(stop).rfind("the right folder '/media/usb/Docs' holds only 1", 0) == 0);
}

TEST_CASE("a changed host key is a safety stop the history keeps and both formatters word", "[reasons][hostkey]")
{
    SafetyStop stop;
    stop.kind = StopKind::HostKeyChanged;
    stop.side = Side::Right;
    stop.location = "sftp://me@127.0.0.1:2222/srv/docs";
    stop.detail = "the server's ED25519 key is now SHA256:new";
    auto back = stopFromJson(stopToJson(stop));
    REQUIRE(back);
    CHECK(*back == stop);
    CHECK(std::string(stopKindName(StopKind::HostKeyChanged)) == "host-key-changed");
    const std::string sentence = stopSentence(stop);
    CHECK(sentence.find("sftp://me@127.0.0.1:2222/srv/docs") != std::string::npos);
    CHECK(sentence.find("SHA256:new") != std::string::npos);
    CHECK(sentence.find("Nothing was changed") != std::string::npos);
    CHECK(sentence.find("--accept-new-host-key") == std::string::npos); // no option lets it pass
    SafetyStop bare = stop; // without the connection's words: the general advice
    bare.detail.clear();
    CHECK(stopSentence(bare).find("known_hosts") != std::string::npos);
    CHECK(stopSentence(bare).find("intercepting") != std::string::npos);
    const QString window = windowGuardMessage(stop);
    CHECK(window.contains("different host key"));
    CHECK(window.contains("Sync now"));
    CHECK_FALSE(window.contains("--"));
}
