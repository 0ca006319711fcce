/* json_trends.h — trends as the API's JSON shapes (see docs/trends.md). */
#ifndef PL_JSON_TRENDS_H
#define PL_JSON_TRENDS_H

#include "../query/trends.h"

#include <jansson.h>

#endif
