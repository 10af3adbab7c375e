#ifndef FNV_H
#define FNV_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t fnv1a64(const unsigned char *p, size_t n);

/* A header-only precondition check, as C libraries commonly ship. __FILE__
   here expands to this header's path as the compiler found it: through
   -I${SRCDIR}/include, an absolute path into the build directory. */
static inline void fnv_require(int ok, const char *what) {
	if (!ok) {
		fprintf(stderr, "%s:%d: precondition failed: %s\n", __FILE__, __LINE__, what);
		abort();
	}
}

static inline const char *fnv_header_path(void) { return __FILE__; }
#endif
