// A safety stop (model/safetystop.h) in ferry-cli's words: the sentence
// ferry-cli prints, --json's "stopped_by" and the history's message carry,
// and the warning of a dry run that the stop would have ended. The window
// words stops its own way (jobs/stopadvice.h): it has no command-line
// options to offer. Pure functions; thread-safe.
#pragma once

#include "model/safetystop.h"

#include <string>

namespace ferry {

// "stopped: … Nothing was changed. …" with the option that lets it pass.
std::string stopSentence(const SafetyStop& s);
// A dry run's note that a real run would stop here.
std::string dryRunWarning(const SafetyStop& s);

} // namespace ferry
