/* placeholder */
#include "analyzer.h"
