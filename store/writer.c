/* placeholder: replaced by the store implementation */
#include "store.h"
