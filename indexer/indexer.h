/*
 * indexer.h — inverts records into the store.  (Filled in by the index
 * implementation; see ARCHITECTURE.md.)
 */
#ifndef PL_INDEXER_H
#define PL_INDEXER_H

#include "../corpus/src/record.h"
#include "../store/store.h"
#include "analyzer.h"

#endif
