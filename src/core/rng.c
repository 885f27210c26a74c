#include "wshare/rng.h"

#include <math.h>

/* splitmix64 finaliser: a good 64-bit mixer, enough for test data and initial guesses. */
static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t counter_bits(uint64_t seed, uint64_t stream, uint64_t index) {
  return mix64(mix64(mix64(seed) ^ stream) ^ index);
}

double ws_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return (double)(counter_bits(seed, stream, index) >> 11) * 0x1.0p-53;
}

double ws_rng_normal(uint64_t seed, uint64_t stream, uint64_t index) {
  uint64_t bits = counter_bits(seed, stream, index);
  double u1 = ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
  double u2 = (double)(mix64(bits) >> 11) * 0x1.0p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
