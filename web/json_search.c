/* placeholder */
#include "web.h"
