#include "datadir.h"

/* The go command strips the quotes of #cgo CFLAGS: -DDATADIR="...", so
   DATADIR is a path of bare tokens; STR makes it a string literal. (A path
   component equal to a predefined macro, such as `linux` or `unix`, would be
   replaced: the harness's paths have none.) */
#define STR_(x) #x
#define STR(x) STR_(x)

const char *data_dir(void) { return STR(DATADIR); }
