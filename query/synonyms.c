/* placeholder */
#include "query.h"
