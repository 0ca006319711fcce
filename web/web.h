/*
 * web.h — JSON building (shared by the CLI's --json and the server) and the
 * HTTP server.  (Filled in by the API implementation.)
 */
#ifndef PL_WEB_H
#define PL_WEB_H

#include "../query/query.h"
#include "../query/trends.h"

#endif
