/* The organisation documents and on-call answers shared by org.c and
 * oncall.c. */
#pragma once

#include "cases/oncall.h"
