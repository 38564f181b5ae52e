/* The bounded buffer moved to src/core (core/buf.h) so that core, which
 * depends on nothing of ours, can use it too. This forwarding header keeps
 * branches written against the old path building; new code includes
 * core/buf.h. */
#pragma once

#include "core/buf.h"
