/* placeholder */
#include "record.h"
