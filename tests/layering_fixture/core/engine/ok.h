// A header the check allows.
#pragma once
#include "common/bad.h"
