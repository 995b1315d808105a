// The window's answer to CredentialResolver's prompt: a password dialog
// that says which job, which place and user, and why Ferry asks. Cancel
// refuses (the run then fails with what to set instead).
// GUI thread only: JobService calls it there while the run's thread waits.
#pragma once

#include "secrets/credentialresolver.h"

#include <optional>
#include <string>

class QWidget;

namespace ferry::ui {

std::optional<std::string> askPassword(QWidget* parent, const CredentialRequest& request);

} // namespace ferry::ui
