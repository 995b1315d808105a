// Job state files: where a saved job keeps its base, and how a base that
// belongs to no job is set aside.
//
// A base belongs to exactly one job for ever. Its file is named by the job's
// state key (Job::stateKey: "job-<uuid>", made once when the job is saved,
// never reused, not after the job is removed nor after the app database is
// reset). Jobs saved before state keys existed keep "job-<id>", their old
// file name. A base without an owner is moved to state/orphaned/ (never
// deleted, never adopted): a new job always starts with a first run, which
// deletes nothing.
//
// Pair states of `ferry-cli sync` without --state are named by a hash of the
// two Locations (no "job-" prefix), so they never meet a job's.
// Thread-safety: plain functions over the file system; callers hold the
// job's run lock when they touch its file.
#pragma once

#include "jobs/job.h"

#include <optional>
#include <string>
#include <vector>

namespace ferry {

std::string jobStatePath(const std::string& dataDir, const Job& job);

// Moves `stateFile` (with its -wal, -shm and .lock) into
// <dataDir>/state/orphaned/ under a time-stamped name; returns the new name.
Result<std::string> setStateAside(const std::string& dataDir, const std::string& stateFile);
// Every job state file in <dataDir>/state that none of `jobs` owns is set
// aside. Returns the new names.
std::vector<std::string> setAsideOrphanedStates(const std::string& dataDir, const std::vector<Job>& jobs);
// A job saved before state keys existed uses "job-<id>", a name a job removed
// before a database reset may have used. Whose base such a file holds is
// read from the file itself: the pair of Locations its last run recorded
// (meta left_location/right_location), never its file times, which a clock
// that was wrong makes lie. Returns why the file is not this job's base
// (another pair, or no pair recorded: a base nobody can vouch for is never
// adopted); nothing when it is this job's, when there is none, or when it
// cannot be read (the run itself then refuses it, with what to do).
std::optional<std::string> legacyStateNotOwned(const std::string& dataDir, const Job& job);

} // namespace ferry
