/* placeholder */
#include "trends.h"
