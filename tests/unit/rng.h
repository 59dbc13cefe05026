/*
 * rng.h: the unit tests' one random generator, xorshift64 (Marsaglia,
 * 2003): the same sequence on every run and every libc. Not for anything
 * but tests.
 */
#ifndef TESTS_UNIT_RNG_H
#define TESTS_UNIT_RNG_H

#include <stdint.h>

/* The next value of the sequence in *state (never 0: seed it non-zero). */
static inline uint64_t test_rng_next(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* A value in [0, n), n > 0 (the modulo's slight bias does not matter). */
static inline uint64_t test_rng_below(uint64_t *state, uint64_t n)
{
	return test_rng_next(state) % n;
}

#endif
