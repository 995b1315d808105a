// Job: a saved sync pair with all its settings, as the app database, the
// GUI, the scheduler and ferry-cli share it. A value type.
//
// Secrets are never part of a Job: it names where a password comes from
// (an environment variable, or the system keychain under the job's key),
// never the password itself. Exports (JSON) therefore carry no secrets.
#pragma once

#include "common/error.h"
#include "engine/syncrun.h"
#include "model/job.h"

#include <QJsonObject>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

// The engine options of a job (the caller adds the state file and clock).
SyncOptions syncOptionsOf(const Job& job);

// JSON for export and import. Import rejects unknown keys and bad values
// with a message that names the key, so a typo never silently drops a setting.
QJsonObject jobToJson(const Job& job);
Result<Job> jobFromJson(const QJsonObject& object);


} // namespace ferry
