// What every ferry-cli command prints the same way: a failure goes to stderr
// as "ferry-cli CMD: message", and with --json also as one object on stdout
// ({"exit_code", "status", "message"}), so scripts never parse prose.
#pragma once

#include <QJsonObject>

#include <string>

namespace ferry::cli {

// Returns `code` (2: usage or configuration, 1: errors, 4: a safety guard).
int reportFailure(bool json, const std::string& cmd, const std::string& message, int code = 2);
// One compact JSON object and a newline on stdout.
void printJsonLine(const QJsonObject& object);
// Asks on the terminal (stderr), without echo; empty without a terminal on stdin.
std::string readPasswordFromTerminal(const std::string& prompt);

} // namespace ferry::cli
