/* placeholder */
#include "indexer.h"
