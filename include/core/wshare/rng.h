/* Counter-based random numbers: a value depends only on (seed, stream, index), so any
 * rank can generate any row and the result does not depend on the rank count. */
#ifndef WSHARE_RNG_H
#define WSHARE_RNG_H

#include <stdint.h>

/* Uniform in [0, 1). */
double ws_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
/* Standard normal (Box-Muller on two counter-derived uniforms). */
double ws_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);

#endif
