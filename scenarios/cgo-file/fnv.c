#include "fnv.h"

/* 64-bit FNV-1a, http://www.isthe.com/chongo/tech/comp/fnv/ */
uint64_t fnv1a64(const unsigned char *p, size_t n) {
	fnv_require(p != NULL || n == 0, "p != NULL || n == 0");
	uint64_t h = 14695981039346656037ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}
