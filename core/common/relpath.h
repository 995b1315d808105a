// Relative paths inside a sync root: UTF-8, '/'-separated, no leading or
// trailing '/', never empty components, "." or "..". Every path that comes
// from a listing (local or remote) passes isValidName/isValidRelPath before
// it is used, so no backend ever touches anything outside its root.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ferry::relpath {

// A single name from a directory listing: not empty, not "." or "..",
// no '/', no NUL, valid UTF-8 is NOT required (Linux allows any bytes).
bool isValidName(std::string_view name);
bool isValidRelPath(std::string_view path);

std::string join(std::string_view dir, std::string_view name);
std::string_view parent(std::string_view path);   // "" for top level
std::string_view name(std::string_view path);
// True if `path` is `dir` or lies below it.
bool isInside(std::string_view path, std::string_view dir);
int depth(std::string_view path);

bool isAscii(std::string_view s);
// Unicode NFC form (unchanged for ASCII; a fast path, no allocation).
std::string toNfc(std::string_view s);
// Key used to match names between sides: NFC, and case-folded when
// `caseInsensitive` is set.
std::string matchKey(std::string_view s, bool caseInsensitive);
bool isValidUtf8(std::string_view s);

// Names shaped like Ferry's transient files inside a synced folder:
// ".ferry-tmp-" followed by exactly 16 characters of [0-9a-z]. The shape
// alone proves nothing (a user may name a file so): tempname::isOwn tells
// Ferry's own.
inline constexpr std::string_view kTempPrefix = ".ferry-tmp-";
bool isFerryTemp(std::string_view name);

} // namespace ferry::relpath
