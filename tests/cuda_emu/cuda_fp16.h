/* Host emulation of the cuda_fp16.h conversions npaccel uses (tests only): __half is an
 * IEEE binary16, converted with g++'s _Float16 (round to nearest even, like the device). */
#ifndef NPA_EMU_CUDA_FP16_H
#define NPA_EMU_CUDA_FP16_H
#include <string.h>

struct __half {
    unsigned short x;
};
inline __half npa_emu_to_half(_Float16 h) { __half r; memcpy(&r, &h, 2); return r; }
inline __half __float2half_rn(float f) { return npa_emu_to_half((_Float16)f); }
inline __half __double2half(double d) { return npa_emu_to_half((_Float16)d); }
inline float __half2float(__half h) { _Float16 v; memcpy(&v, &h, 2); return (float)v; }
#endif
