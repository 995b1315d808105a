// Names of Ferry's temporary files inside a synced folder, and how Ferry
// tells its own leftovers from a user's files that merely look like them.
//
// A name is ".ferry-tmp-" followed by 8 random characters and 8 characters
// of a hash of those 8 keyed with a secret of this installation (the file
// "temp-key" in Ferry's data folder, 0600, made on first use). Only a name
// that verifies with the key is Ferry's own; anything else, whatever it is
// called, is a user file and is synced like any other. Folders are never
// temporaries.
//
// The key is process-wide: ferry-cli and the GUI load it at startup with
// loadTempKey(); a process that loaded none (unit tests, a data folder that
// cannot be written) uses a random key of its own, so it cleans up only what
// it made itself.
// Thread-safety: all functions may be called from any thread; loadTempKey
// and setTempKeyForTest belong at startup, before any run.
#pragma once

#include "common/error.h"

#include <optional>
#include <string>
#include <string_view>

namespace ferry::tempname {

// A fresh temporary name (no folder part).
std::string make();
// True when `name` was made by make() with this process's key.
bool isOwn(std::string_view name);

// A name for a file set aside while a side without atomic rename replaces
// it: old aside, new into place, then the old removed. It is ".ferry-old-",
// the same random and keyed parts, "-" and `original` (the file's own name,
// which the key signs too), so that the next run knows whose it was; without
// the name when that would pass `maxNameBytes`. isOwn() rejects it on
// purpose: if a run dies between the steps it may hold the only copy of the
// old file, so it is never removed as a leftover temporary. The scanner
// recovers it instead (engine/asides.h).
std::string makeAside(std::string_view original = {}, size_t maxNameBytes = 255);
// True when `name` was made by makeAside() with this process's key.
bool isOwnAside(std::string_view name);
// The original name an aside of ours carries; nullopt when it is not one of
// ours or carries none.
std::optional<std::string> asideOriginal(std::string_view name);

// Reads the installation's key from `dataDir`/temp-key, creating the folder
// and the file (0600, random bytes) the first time. Errors name the file.
Result<void> loadTempKey(const std::string& dataDir);
// The key file's path in `dataDir`.
std::string keyPathIn(const std::string& dataDir);
// The data folder loadTempKey() read the key from; empty when none was loaded
// (then nothing of this process outlives it).
std::string keyDataDir();

} // namespace ferry::tempname
