/* bfloat16 <-> float32 as torch rounds: to nearest, ties to even; NaN stays NaN. */
#ifndef QM_BF16_H
#define QM_BF16_H
#include <stdint.h>
#include <string.h>

static inline float bf16_to_float(uint16_t v)
{
    uint32_t bits = (uint32_t)v << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint16_t float_to_bf16(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static inline uint16_t round_bf16(float f) { return float_to_bf16(f); }
static inline float through_bf16(float f) { return bf16_to_float(float_to_bf16(f)); }

#endif
