/*
 * trends.h — how topics moved between years.  (Filled in by the trends
 * implementation.)
 */
#ifndef PL_TRENDS_H
#define PL_TRENDS_H

#include "query.h"

#endif
