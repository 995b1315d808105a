// A deliberately wrong include: the layering check must refuse it.
#pragma once
#include "engine/ok.h"
