/* Where affected people live: the codes a count of affected residents
 * may be kept under (an incident's affected_residents, which the rules'
 * thresholds count: "more than 500 residents of a State"). Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RESIDENCE_CODE_MAX 8 /* "US-CA" and the longest ISO 3166-2 code, terminated */
/* At most this many people in one count: more than live on Earth. */
#define RESIDENTS_COUNT_MAX INT64_C(10000000000)
/* At most this many jurisdictions in one incident's counts. */
#define RESIDENTS_ENTRIES_MAX 512

/* Is code a place people live in: an assigned ISO 3166-1 alpha-2 code
 * ("DE"), or one with a subdivision ("US-CA", "CA-QC"). A US subdivision
 * must be one of ISO 3166-2:US (the states, DC and the outlying areas);
 * elsewhere 1 to 3 of A-Z and 0-9. Groups ("EU") are no residence. */
bool residence_code_known(const char *code);
