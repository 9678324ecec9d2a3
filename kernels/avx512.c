/* ResWarp rows in AVX-512: the delta formulation, out = Warp(plate, Up(flow)) + Up(delta), and
 * the paper's, out = Up(low) + Warp(plate − Up(base), Up(flow)); the warp samples bilinearly, or
 * with Keys' cubic or Lanczos-3 held near the 2x2 footprint's range (atw_ofx/filters.py
 * states them; filtered_lanes below).
 *
 * Why C and not Numba here: the bilinear gather is the whole cost, and Numba (LLVM) emits it
 * as scalar loads. A smooth field moves neighbouring pixels by the same whole-pixel offset, so
 * the 16 pixels of a vector mostly read 16 *contiguous* source values per tap: grouped by their
 * offset, a vector of taps is one unaligned load, not 16 (a 4K expression field has 1.4 groups
 * per vector). Masked loads make every group safe at the crop's edges. Two further measured
 * gains: prefetching, for every group, the source row the *next* output row's bottom taps will
 * read (the field bends rows, so the hardware prefetcher loses the stream at each change of
 * row), and streaming stores of the output (it is not read back). `atw bench reswarp` measures
 * it against the Numba kernels and the compositions; kernels/cpu.py chooses it where it loads.
 *
 * Conventions are kernels/cpu.py's _delta_kernel's and _paper_kernel's, operation for operation
 * (same float32 rounding, same clamps, FMA lerps): bilinear results are bit-identical to them,
 * cubic and Lanczos agree to float32 rounding (their weights' arithmetic differs: Lanczos's
 * here are fitted polynomials). A pixel
 * whose up-sampled offset is exactly zero takes its source's own value; a zero refinement change
 * adds nothing (so -0.0 stays -0.0).
 *
 * Layouts: planes are C-contiguous `h×w` float32 planes `plane_size` apart; the low-resolution
 * grids arrive already up-sampled along x ("widened" to w columns, widen_rows), so a row of
 * their Up is one lerp of two widened rows, named by per-row taps (row0, row1, weight of row1).
 * The flat plane index of any pixel must fit in int32 (the caller checks: planes below 2^31
 * pixels).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <math.h>

#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma,bmi")))

/* Planes warped per pass over a row (their groups are shared); more planes take more passes. */
#define PASS_PLANES 4

AVX512 static inline __m512 lerp(__m512 a, __m512 b, __m512 w)
{
    return _mm512_fmadd_ps(w, _mm512_sub_ps(b, a), a);
}

/* One output row's sources and terms, for up to PASS_PLANES planes. */
typedef struct {
    const float *src[PASS_PLANES];  /* what the warp samples: the plate, or the residual ring */
    int64_t tap_shift;              /* added to a flat plate index to address src */
    const float *own[PASS_PLANES];  /* this row of src: a still pixel's value */
    const float *add0[PASS_PLANES], *add1[PASS_PLANES];  /* the added term's widened rows */
    float add_wy;                   /* ... and the weight of add1 */
    int add;                        /* ADD_NONE, ADD_CHANGE (skips zeros) or ADD_ALWAYS */
    int residual;                   /* src is a signed residual: no floor at zero (filters.py) */
    float *dst[PASS_PLANES];
} Row;

enum { ADD_NONE, ADD_CHANGE, ADD_ALWAYS };

/* The warp's filters (numbered as kernels/filters.py; atw_ofx/filters.py states them) and the
 * most taps per axis (Lanczos-3). */
enum { KIND_BILINEAR, KIND_CUBIC, KIND_LANCZOS };
#define MAX_TAPS 6
/* How far past its 2x2 footprint's range a sample may go, as a fraction of it (OVERSHOOT in
 * atw_ofx/filters.py). */
#define OVERSHOOT 0.25f

/* Lanczos-3's normalised weights as fitted polynomials: for the taps k and 1 - k (k = -2, -1, 0)
 * and t = f - 1/2, w_k = E(t^2) + t O(t^2) and w_{1-k} = E(t^2) - t O(t^2) (the weights mirror
 * about f = 1/2); E and O of degree 4, Chebyshev fits to sinc(d) sinc(d/3) normalised, within
 * 3.1e-7 in float32 — 35 operations an axis instead of a sine, a cosine, six reciprocals and a
 * normalisation. kernels/filters.py holds the same table for the Numba kernels (a test keeps the
 * two equal and both within 4e-7 of the exact weights). */
static const float LANCZOS_EVEN_ODD[3][2][5] = {
    {{2.445654572e-02f, -8.812573406e-02f, -5.685750221e-02f, 7.806904031e-02f, -2.339042959e-02f},
     {-6.392437185e-02f, 3.099884687e-01f, -2.417345657e-01f, 1.112794674e-01f, -5.200383637e-02f}},
    {{-1.358695231e-01f, 5.707617265e-01f, -1.140247421e-01f, 2.841504764e-02f, -3.542707554e-02f},
     {1.811592572e-01f, -8.415094717e-01f, 5.253480538e-01f, -2.636127767e-01f, 1.287568439e-01f}},
    {{6.114129774e-01f, -4.826359925e-01f, 1.708822443e-01f, -1.064840879e-01f, 5.881750512e-02f},
     {-1.336671280e+00f, 1.545277363e+00f, -9.094963413e-01f, 5.232056919e-01f, -2.508561490e-01f}}
};

/* Weights of the taps k = 1 - r .. r at the fractions f: Keys' cubic (a = -0.5), or Lanczos-3
 * (LANCZOS_EVEN_ODD); both sum to one (Keys' by construction). A zero fraction's weights are
 * unused. */
AVX512 static inline __attribute__((always_inline)) void tap_weights(int kind, __m512 f,
                                                                     __m512 *weights)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    if (kind == KIND_CUBIC) {
        for (int k = 0; k < 4; k++) {
            __m512 d = _mm512_abs_ps(_mm512_sub_ps(f, _mm512_set1_ps((float)(k - 1))));
            __m512 near = _mm512_fmadd_ps(
                _mm512_mul_ps(_mm512_fmadd_ps(_mm512_set1_ps(1.5f), d, _mm512_set1_ps(-2.5f)), d),
                d, one);
            __m512 far = _mm512_fmadd_ps(
                _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(-0.5f), d, _mm512_set1_ps(2.5f)),
                                d, _mm512_set1_ps(-4.0f)),
                d, _mm512_set1_ps(2.0f));
            weights[k] = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(d, one, _CMP_LT_OQ), far, near);
        }
        return;
    }
    const __m512 t = _mm512_sub_ps(f, _mm512_set1_ps(0.5f)), u = _mm512_mul_ps(t, t);
    for (int pair = 0; pair < 3; pair++) {
        const float *e = LANCZOS_EVEN_ODD[pair][0], *o = LANCZOS_EVEN_ODD[pair][1];
        __m512 even = _mm512_set1_ps(e[4]), odd = _mm512_set1_ps(o[4]);
        for (int c = 3; c >= 0; c--) {
            even = _mm512_fmadd_ps(even, u, _mm512_set1_ps(e[c]));
            odd = _mm512_fmadd_ps(odd, u, _mm512_set1_ps(o[c]));
        }
        odd = _mm512_mul_ps(odd, t);
        weights[pair] = _mm512_add_ps(even, odd);
        weights[MAX_TAPS - 1 - pair] = _mm512_sub_ps(even, odd);
    }
}

/* The filtered sample of a group of lanes whose taps all lie inside the source: `s` is the
 * group's tap k = 0 (rows `w` apart). An axis with a zero fraction takes the tap itself; the
 * result is held near the 2x2 footprint's range, and a NaN sum is the bilinear sample instead (as
 * kernels/cpu.py _gather_filtered). `whole`: whether any lane of the group has a zero fraction
 * (rare: a fractional field is fractional almost everywhere); only then are the taps' own
 * values loaded and blended in, so the common case is loads and FMAs alone. `centre_x` /
 * `centre_y`: every lane of the group has a zero fraction along x / y (a pixel moved along one
 * axis only), so that axis' sum is its centre tap and the other taps along it are never read
 * (the same result: those lanes' sums were blended away). All three are constants at each call
 * (filtered_group_of), so each combination compiles to its own branch-free loop. */
AVX512 static inline __attribute__((always_inline)) __m512 filtered_group(
                                    const float *s, __mmask16 group, int64_t w, int taps,
                                    const __m512 *wx, const __m512 *wy, __mmask16 x_whole,
                                    __mmask16 y_whole, __m512 ax, __m512 ay, int whole,
                                    int centre_x, int centre_y, int residual)
{
    const int centre = taps / 2 - 1;
    __m512 value = _mm512_setzero_ps(), odd_rows = value, centre_row = value, a = value;
    __m512 b = value, c = value, d = value;
    for (int ky = 0; ky < taps; ky++) {
        const int footprint_row = ky == centre || ky == centre + 1;
        if (centre_y && !footprint_row)
            continue;
        const float *row = s + (ky - centre) * w;
        /* Two sums a row (even and odd taps), two over the rows: half as long a chain of
         * dependent FMAs, which is what bounds this loop. */
        __m512 across = _mm512_setzero_ps(), odd = across;
        for (int kx = 0; kx < taps; kx++) {
            const int footprint = footprint_row && (kx == centre || kx == centre + 1);
            if (centre_x && kx != centre && !footprint)
                continue;
            const __m512 tap = _mm512_maskz_loadu_ps(group, row + kx - centre);
            if (centre_x) {
                if (kx == centre)
                    across = tap;
            } else if (kx % 2)
                odd = _mm512_fmadd_ps(wx[kx], tap, odd);
            else
                across = _mm512_fmadd_ps(wx[kx], tap, across);
            /* The 2x2 footprint's taps, kept as they pass. */
            if (ky == centre && kx == centre)
                a = tap;
            else if (ky == centre && kx == centre + 1)
                b = tap;
            else if (ky == centre + 1 && kx == centre)
                c = tap;
            else if (ky == centre + 1 && kx == centre + 1)
                d = tap;
        }
        if (!centre_x) {
            across = _mm512_add_ps(across, odd);
            if (whole)
                across = _mm512_mask_blend_ps(x_whole, across, _mm512_maskz_loadu_ps(group, row));
        }
        if (ky == centre)
            centre_row = across;
        if (centre_y)
            continue;
        if (ky % 2)
            odd_rows = _mm512_fmadd_ps(wy[ky], across, odd_rows);
        else
            value = _mm512_fmadd_ps(wy[ky], across, value);
    }
    value = centre_y ? centre_row : _mm512_add_ps(value, odd_rows);
    /* The next output row reads one source row further down: fetch it into L2 now (as
     * warp_row does for bilinear taps; a prefetch never faults). */
    _mm_prefetch((const char *)(s + (taps / 2 + 1) * w - centre), _MM_HINT_T1);
    _mm_prefetch((const char *)(s + (taps / 2 + 1) * w - centre + 15 + taps), _MM_HINT_T1);
    /* The footprint stays the 2x2 pixels: the bound is continuous in f. */
    if (whole && !centre_y)
        value = _mm512_mask_blend_ps(y_whole, value, centre_row);
    const __m512 low = _mm512_min_ps(_mm512_min_ps(a, b), _mm512_min_ps(c, d));
    const __m512 high = _mm512_max_ps(_mm512_max_ps(a, b), _mm512_max_ps(c, d));
    /* Held within the footprint's range widened by OVERSHOOT of it, never below zero when the
     * footprint is not, unless it is a residual's (atw_ofx/filters.py). */
    const __m512 slack = _mm512_mul_ps(_mm512_sub_ps(high, low), _mm512_set1_ps(OVERSHOOT));
    __m512 floor = _mm512_sub_ps(low, slack);
    if (!residual)
        floor = _mm512_mask_max_ps(
            floor, _mm512_cmp_ps_mask(low, _mm512_setzero_ps(), _CMP_GE_OQ), floor,
            _mm512_setzero_ps());
    const __m512 ceiling = _mm512_add_ps(high, slack);
    /* Comparisons, not min/max: a NaN sum stays NaN here, and becomes the bilinear sample. */
    value = _mm512_mask_mov_ps(value, _mm512_cmp_ps_mask(value, floor, _CMP_LT_OQ), floor);
    value = _mm512_mask_mov_ps(value, _mm512_cmp_ps_mask(value, ceiling, _CMP_GT_OQ), ceiling);
    const __mmask16 nan = _mm512_cmp_ps_mask(value, value, _CMP_UNORD_Q) & group;
    if (nan)
        value = _mm512_mask_mov_ps(value, nan, lerp(lerp(a, b, ax), lerp(c, d, ax), ay));
    return value;
}

/* filtered_group with its tap count and its flags as constants: the compiler unrolls the taps,
 * keeps the weights in registers (a third faster than a loop over a variable count) and drops
 * the taps a flag makes unread. */
AVX512 static inline __attribute__((always_inline)) __m512 filtered_group_of(
                                       const float *s, __mmask16 group, int64_t w, int taps,
                                       const __m512 *wx, const __m512 *wy, __mmask16 x_whole,
                                       __mmask16 y_whole, __m512 ax, __m512 ay, int whole,
                                       int centre_x, int centre_y, int residual)
{
#define FILTERED_GROUP(TAPS, WHOLE, CX, CY) \
    filtered_group(s, group, w, TAPS, wx, wy, x_whole, y_whole, ax, ay, WHOLE, CX, CY, residual)
#define FILTERED_GROUP_OF_TAPS(TAPS)                                                          \
    return centre_x && centre_y ? FILTERED_GROUP(TAPS, 1, 1, 1)                               \
         : centre_x             ? FILTERED_GROUP(TAPS, 1, 1, 0)                               \
         : centre_y             ? FILTERED_GROUP(TAPS, 1, 0, 1)                               \
         : whole                ? FILTERED_GROUP(TAPS, 1, 0, 0)                               \
                                : FILTERED_GROUP(TAPS, 0, 0, 0)
    if (taps == 4)
        FILTERED_GROUP_OF_TAPS(4);
    FILTERED_GROUP_OF_TAPS(6);
#undef FILTERED_GROUP_OF_TAPS
#undef FILTERED_GROUP
}

/* One lane's filtered sample where its taps reach past the border (they repeat the edge):
 * filtered_group's arithmetic, a tap at a time. `src` + tap_shift addresses plate index
 * y * w + x; wx, wy are this lane's weights. */
AVX512 static float filtered_at_edge(const float *src, int64_t tap_shift, int64_t x0, int64_t y0,
                              float fx, float fy, const float *wx, const float *wy, int taps,
                              int64_t w, int64_t h, int residual)
{
    const int centre = taps / 2 - 1;
    const float *plate = src + tap_shift;
    float value = 0.0f;
    for (int ky = 0; ky < taps; ky++) {
        if (fy == 0.0f && ky != centre)
            continue;
        int64_t yy = y0 + ky - centre;
        yy = yy < 0 ? 0 : yy > h - 1 ? h - 1 : yy;
        const float *row = plate + yy * w;
        float across = 0.0f;
        if (fx == 0.0f)
            across = row[x0];
        else
            for (int kx = 0; kx < taps; kx++) {
                int64_t xx = x0 + kx - centre;
                xx = xx < 0 ? 0 : xx > w - 1 ? w - 1 : xx;
                across = fmaf(wx[kx], row[xx], across);
            }
        value = fy == 0.0f ? across : fmaf(wy[ky], across, value);
    }
    const int64_t x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    const float a = plate[y0 * w + x0], b = plate[y0 * w + x1];
    const float c = plate[y1 * w + x0], d = plate[y1 * w + x1];
    const float low = fminf(fminf(a, b), fminf(c, d)), high = fmaxf(fmaxf(a, b), fmaxf(c, d));
    const float slack = OVERSHOOT * (high - low);
    float floor = low - slack;
    if (!residual && low >= 0.0f && floor < 0.0f)
        floor = 0.0f;
    if (value < floor)
        value = floor;
    else if (value > high + slack)
        value = high + slack;
    if (value != value) {
        const float top = fmaf(fx, b - a, a), bottom = fmaf(fx, d - c, c);
        value = fmaf(fy, bottom - top, top);
    }
    return value;
}

/* The filtered samples of the `pending` lanes of a vector, for every plane, into `result`:
 * lanes whose taps all lie inside are grouped by their tap's offset from their own column (as
 * warp_row groups bilinear taps) and loaded 16 at a time; lanes within a filter's reach of the
 * border are done one by one with the edge repeated. */
AVX512 static void filtered_lanes(const Row *r, int64_t n_planes, int64_t h, int64_t w,
                                  int64_t j0, int kind, __m512i xi, __m512i yi, __m512 ax,
                                  __m512 ay, __m512i offset, __mmask16 pending, __m512 *result)
{
    const int taps = kind == KIND_CUBIC ? 4 : 6, centre = taps / 2 - 1;
    __m512 wx[MAX_TAPS], wy[MAX_TAPS];
    tap_weights(kind, ax, wx);
    tap_weights(kind, ay, wy);
    const __mmask16 x_whole = _mm512_cmpeq_ps_mask(ax, _mm512_setzero_ps());
    const __mmask16 y_whole = _mm512_cmpeq_ps_mask(ay, _mm512_setzero_ps());
    const __mmask16 inside =
        _mm512_cmpge_epi32_mask(xi, _mm512_set1_epi32(centre))
        & _mm512_cmple_epi32_mask(xi, _mm512_set1_epi32((int)(w - 1 - taps / 2)))
        & _mm512_cmpge_epi32_mask(yi, _mm512_set1_epi32(centre))
        & _mm512_cmple_epi32_mask(yi, _mm512_set1_epi32((int)(h - 1 - taps / 2)));
    __mmask16 grouped = pending & inside;
    while (grouped) {
        const int k = __builtin_ctz(grouped);
        const int lane_offset = _mm512_cvtsi512_si32(
            _mm512_permutexvar_epi32(_mm512_set1_epi32(k), offset));
        const __mmask16 group = grouped
            & _mm512_cmpeq_epi32_mask(offset, _mm512_set1_epi32(lane_offset));
        const int64_t tap = lane_offset + j0 + r->tap_shift;
        const int centre_x = !(group & ~x_whole), centre_y = !(group & ~y_whole);
        const int whole = (group & (x_whole | y_whole)) != 0;
        for (int c = 0; c < n_planes; c++)
            result[c] = _mm512_mask_mov_ps(
                result[c], group,
                filtered_group_of(r->src[c] + tap, group, w, taps, wx, wy, x_whole, y_whole, ax,
                                  ay, whole, centre_x, centre_y, r->residual));
        grouped &= ~group;
    }
    __mmask16 edge = pending & ~inside;
    if (!edge)
        return;
    float lane_wx[MAX_TAPS][16], lane_wy[MAX_TAPS][16], fx[16], fy[16], values[16];
    int32_t x0[16], y0[16];
    for (int k = 0; k < taps; k++) {
        _mm512_storeu_ps(lane_wx[k], wx[k]);
        _mm512_storeu_ps(lane_wy[k], wy[k]);
    }
    _mm512_storeu_ps(fx, ax);
    _mm512_storeu_ps(fy, ay);
    _mm512_storeu_si512(x0, xi);
    _mm512_storeu_si512(y0, yi);
    for (int c = 0; c < n_planes; c++) {
        for (__mmask16 lanes = edge; lanes; lanes &= lanes - 1) {
            const int k = __builtin_ctz(lanes);
            float lane_x[MAX_TAPS], lane_y[MAX_TAPS];
            for (int t = 0; t < taps; t++) {
                lane_x[t] = lane_wx[t][k];
                lane_y[t] = lane_wy[t][k];
            }
            values[k] = filtered_at_edge(r->src[c], r->tap_shift, x0[k], y0[k], fx[k], fy[k],
                                         lane_x, lane_y, taps, w, h, r->residual);
        }
        result[c] = _mm512_mask_loadu_ps(result[c], edge, values);
    }
}

/* Output row `i` of `n_planes` planes: dst = Warp(src, Up(flow)) (+ Up(added term)), the warp
 * sampling with the filter `kind`. */
AVX512 static void warp_row(const Row *r, int64_t n_planes, int64_t h, int64_t w, int64_t i,
                            const float *u0, const float *u1, const float *v0, const float *v1,
                            float field_wy, float sx, float sy, int kind)
{
    const __m512 zero = _mm512_setzero_ps(), last_x = _mm512_set1_ps((float)(w - 1));
    const __m512 last_y = _mm512_set1_ps((float)(h - 1)), row_y = _mm512_set1_ps((float)i);
    const __m512 wy = _mm512_set1_ps(field_wy), add_wy = _mm512_set1_ps(r->add_wy);
    const __m512 vsx = _mm512_set1_ps(sx), vsy = _mm512_set1_ps(sy);
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i width = _mm512_set1_epi32((int)w), last_col = _mm512_set1_epi32((int)(w - 1));
    const __m512i last_row = _mm512_set1_epi32((int)(h - 1));
    for (int64_t j0 = 0; j0 < w; j0 += 16) {
        const __mmask16 valid = w - j0 >= 16 ? 0xFFFF : (__mmask16)((1u << (w - j0)) - 1);
        /* Where each pixel samples: position + offset in float32, clamped to the border. */
        __m512 u = _mm512_mul_ps(lerp(_mm512_maskz_loadu_ps(valid, u0 + j0),
                                      _mm512_maskz_loadu_ps(valid, u1 + j0), wy), vsx);
        __m512 v = _mm512_mul_ps(lerp(_mm512_maskz_loadu_ps(valid, v0 + j0),
                                      _mm512_maskz_loadu_ps(valid, v1 + j0), wy), vsy);
        __m512i col = _mm512_add_epi32(_mm512_set1_epi32((int)j0), lanes);
        __m512 x = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(_mm512_cvtepi32_ps(col), u), zero),
                                 last_x);
        __m512 y = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(row_y, v), zero), last_y);
        __m512 xf = _mm512_roundscale_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        __m512 yf = _mm512_roundscale_ps(y, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
        __m512 ax = _mm512_sub_ps(x, xf), ay = _mm512_sub_ps(y, yf);
        __m512i xi = _mm512_cvttps_epi32(xf), yi = _mm512_cvttps_epi32(yf);
        /* Top-left tap relative to the lane's own column: equal within a group. Taps on the
         * last column/row have no right/down neighbour (steps of 0), so they group apart. */
        __m512i offset = _mm512_sub_epi32(_mm512_add_epi32(_mm512_mullo_epi32(yi, width), xi), col);
        __mmask16 on_right = _mm512_cmpeq_epi32_mask(xi, last_col);
        __mmask16 on_bottom = _mm512_cmpeq_epi32_mask(yi, last_row);
        __mmask16 still = _mm512_cmpeq_ps_mask(u, zero) & _mm512_cmpeq_ps_mask(v, zero) & valid;
        __m512 result[PASS_PLANES];
        for (int c = 0; c < n_planes; c++)
            result[c] = zero;
        __mmask16 pending = valid & ~still;
        if (kind != KIND_BILINEAR) {
            filtered_lanes(r, n_planes, h, w, j0, kind, xi, yi, ax, ay, offset, pending, result);
            pending = 0;
        }
        while (pending) {
            int k = __builtin_ctz(pending);
            int lane_offset = _mm512_cvtsi512_si32(
                _mm512_permutexvar_epi32(_mm512_set1_epi32(k), offset));
            int right_edge = (on_right >> k) & 1, bottom_edge = (on_bottom >> k) & 1;
            __mmask16 group = pending
                & _mm512_cmpeq_epi32_mask(offset, _mm512_set1_epi32(lane_offset))
                & (right_edge ? on_right : (__mmask16)~on_right)
                & (bottom_edge ? on_bottom : (__mmask16)~on_bottom);
            const int64_t tap = lane_offset + j0 + r->tap_shift;
            const int64_t right = !right_edge, down = bottom_edge ? 0 : w;
            for (int c = 0; c < n_planes; c++) {
                const float *s = r->src[c] + tap;
                __m512 top = lerp(_mm512_maskz_loadu_ps(group, s),
                                  _mm512_maskz_loadu_ps(group, s + right), ax);
                __m512 bottom = lerp(_mm512_maskz_loadu_ps(group, s + down),
                                     _mm512_maskz_loadu_ps(group, s + down + right), ax);
                result[c] = _mm512_mask_mov_ps(result[c], group, lerp(top, bottom, ay));
                /* The next output row reads one row further down: fetch it into L2 now (a
                 * prefetch never faults, so no bound check). */
                _mm_prefetch((const char *)(s + 2 * w), _MM_HINT_T1);
                _mm_prefetch((const char *)(s + 2 * w + 15), _MM_HINT_T1);
            }
            pending &= ~group;
        }
        for (int c = 0; c < n_planes; c++) {
            /* A still pixel is its source's own value, bit-exactly. */
            __m512 value = _mm512_mask_loadu_ps(result[c], still, r->own[c] + j0);
            if (r->add != ADD_NONE) {
                __m512 term = lerp(_mm512_maskz_loadu_ps(valid, r->add0[c] + j0),
                                   _mm512_maskz_loadu_ps(valid, r->add1[c] + j0), add_wy);
                if (r->add == ADD_ALWAYS)
                    value = _mm512_add_ps(term, value);
                else  /* adding a zero change would turn -0.0 into +0.0 */
                    value = _mm512_mask_add_ps(value, _mm512_cmpneq_ps_mask(term, zero), value,
                                               term);
            }
            float *dst = r->dst[c] + j0;
            if (valid == 0xFFFF && ((uintptr_t)dst & 63) == 0)
                _mm512_stream_ps(dst, value);  /* not read back: skip the cache */
            else
                _mm512_mask_storeu_ps(dst, valid, value);
        }
    }
}

/* Rows [first_row, stop_row) of the delta formulation, all planes:
 * out = Warp(plate, Up(flow)) + Up(delta). Row taps are int64 (numpy's). */
AVX512 static void delta_formulation_rows(
    const float *plate, int64_t planes, int64_t h, int64_t w, const float *flow_h,
    int64_t flow_rows, const int64_t *fy0, const int64_t *fy1, const float *fwy, float sx,
    float sy, const float *delta_h, int64_t delta_rows, const int64_t *dy0, const int64_t *dy1,
    const float *dwy, int64_t kind, float *out, int64_t first_row, int64_t stop_row)
{
    const int64_t plane_size = h * w, delta_plane = delta_rows * w;
    for (int64_t i = first_row; i < stop_row; i++) {
        const float *u0 = flow_h + fy0[i] * w, *u1 = flow_h + fy1[i] * w;
        const float *v0 = u0 + flow_rows * w, *v1 = u1 + flow_rows * w;
        for (int64_t c0 = 0; c0 < planes; c0 += PASS_PLANES) {
            const int64_t n = planes - c0 < PASS_PLANES ? planes - c0 : PASS_PLANES;
            Row r = {.tap_shift = 0, .add = delta_h ? ADD_CHANGE : ADD_NONE,
                     .add_wy = delta_h ? dwy[i] : 0.0f};
            for (int64_t c = 0; c < n; c++) {
                r.src[c] = plate + (c0 + c) * plane_size;
                r.own[c] = r.src[c] + i * w;
                r.dst[c] = out + (c0 + c) * plane_size + i * w;
                if (delta_h) {
                    r.add0[c] = delta_h + (c0 + c) * delta_plane + dy0[i] * w;
                    r.add1[c] = delta_h + (c0 + c) * delta_plane + dy1[i] * w;
                }
            }
            warp_row(&r, n, h, w, i, u0, u1, v0, v1, fwy[i], sx, sy, (int)kind);
        }
    }
    _mm_sfence();  /* streaming stores are weakly ordered: publish them before returning */
}

/* Rows [first_row, stop_row) of the paper formulation, all planes:
 * out = Up(low) + Warp(plate − Up(base), Up(flow)), base and low x-widened on one grid (row
 * taps ty*). The residual is computed a row at a time into a ring of the rows the warp can reach
 * (reach_up above to reach_down below an output row), never whole. Each residual row is written
 * twice, `ring_n` rows apart, so any ring_n consecutive plate rows lie contiguous in the ring:
 * the warp then addresses the ring exactly as it addresses the plate, one shift apart. Returns 0,
 * or -1 when the ring cannot be allocated. */
AVX512 static int paper_formulation_rows(
    const float *plate, int64_t planes, int64_t h, int64_t w, const float *flow_h,
    int64_t flow_rows, const int64_t *fy0, const int64_t *fy1, const float *fwy, float sx,
    float sy, const float *base_h, const float *low_h, int64_t grid_rows, const int64_t *ty0,
    const int64_t *ty1, const float *twy, int64_t reach_up, int64_t reach_down, int64_t kind,
    float *out, int64_t first_row, int64_t stop_row)
{
    const int64_t plane_size = h * w, grid_plane = grid_rows * w;
    const int64_t ring_n = reach_up + reach_down + 2, ring_plane = 2 * ring_n * w;
    float *ring = aligned_alloc(64, (size_t)(planes * ring_plane * 4 + 63) / 64 * 64);
    if (!ring)
        return -1;
    int64_t filled = first_row - reach_up > 0 ? first_row - reach_up : 0;
    for (int64_t i = first_row; i < stop_row; i++) {
        const int64_t last_needed = i + reach_down < h - 1 ? i + reach_down : h - 1;
        for (; filled <= last_needed; filled++) {
            const int64_t slot = filled % ring_n;
            const __m512 bw = _mm512_set1_ps(twy[filled]);
            for (int64_t c = 0; c < planes; c++) {
                const float *own = plate + c * plane_size + filled * w;
                const float *b0 = base_h + c * grid_plane + ty0[filled] * w;
                const float *b1 = base_h + c * grid_plane + ty1[filled] * w;
                float *first = ring + c * ring_plane + slot * w, *second = first + ring_n * w;
                for (int64_t j = 0; j < w; j += 16) {
                    const __mmask16 m = w - j >= 16 ? 0xFFFF : (__mmask16)((1u << (w - j)) - 1);
                    __m512 residual = _mm512_sub_ps(
                        _mm512_maskz_loadu_ps(m, own + j),
                        lerp(_mm512_maskz_loadu_ps(m, b0 + j), _mm512_maskz_loadu_ps(m, b1 + j),
                             bw));
                    _mm512_mask_storeu_ps(first + j, m, residual);
                    _mm512_mask_storeu_ps(second + j, m, residual);
                }
            }
        }
        /* Plate row `top` = i − reach_up (≥ its ring slot's row) lies at ring row `start`, and
         * the rows below it follow contiguously: ring index = plate index + tap_shift. */
        const int64_t top = i - reach_up, start = ((top % ring_n) + ring_n) % ring_n;
        const int64_t tap_shift = (start - top) * w;
        const float *u0 = flow_h + fy0[i] * w, *u1 = flow_h + fy1[i] * w;
        const float *v0 = u0 + flow_rows * w, *v1 = u1 + flow_rows * w;
        for (int64_t c0 = 0; c0 < planes; c0 += PASS_PLANES) {
            const int64_t n = planes - c0 < PASS_PLANES ? planes - c0 : PASS_PLANES;
            Row r = {.tap_shift = tap_shift, .add = ADD_ALWAYS, .add_wy = twy[i],
                     .residual = 1};
            for (int64_t c = 0; c < n; c++) {
                r.src[c] = ring + (c0 + c) * ring_plane;
                r.own[c] = r.src[c] + (i % ring_n) * w;
                r.add0[c] = low_h + (c0 + c) * grid_plane + ty0[i] * w;
                r.add1[c] = low_h + (c0 + c) * grid_plane + ty1[i] * w;
                r.dst[c] = out + (c0 + c) * plane_size + i * w;
            }
            warp_row(&r, n, h, w, i, u0, u1, v0, v1, fwy[i], sx, sy, (int)kind);
        }
    }
    _mm_sfence();
    free(ring);
    return 0;
}

/* Rows [first_row, stop_row) of `planes` low-resolution `lo_h×lo_w` planes up-sampled along x
 * to `width` columns: out[c, y, j] = lerp(lo[c, y, x0[j]], lo[c, y, x1[j]], wx[j]) (kernels/cpu.py
 * _widen, the same FMA), here so that one ResWarp call is one library's work. */
AVX512 static inline __m512i load_taps(const int64_t *taps, __mmask16 m)
{
    __m256i low = _mm512_cvtepi64_epi32(_mm512_maskz_loadu_epi64((__mmask8)m, taps));
    __m256i high = _mm512_cvtepi64_epi32(_mm512_maskz_loadu_epi64((__mmask8)(m >> 8), taps + 8));
    return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}

AVX512 static void widen_rows(const float *lo, int64_t planes, int64_t lo_h, int64_t lo_w,
                           const int64_t *x0, const int64_t *x1, const float *wx, int64_t width,
                           float *out, int64_t first_row, int64_t stop_row)
{
    for (int64_t j = 0; j < width; j += 16) {
        const int64_t n = width - j < 16 ? width - j : 16;
        const __mmask16 m = (__mmask16)((1u << n) - 1);
        /* Taps rise with j, so an up-sampling's 16 taps mostly lie within 16 source values:
         * then one load and two permutes replace two gathers. */
        const int64_t first = x0[j], span = x1[j + n - 1] - first;
        const __m512i i0 = load_taps(x0 + j, m), i1 = load_taps(x1 + j, m);
        const __m512 weight = _mm512_maskz_loadu_ps(m, wx + j);
        const __m512i from = _mm512_set1_epi32((int)first);
        const __mmask16 inside = lo_w - first >= 16 ? 0xFFFF
                                                    : (__mmask16)((1u << (lo_w - first)) - 1);
        for (int64_t c = 0; c < planes; c++)
            for (int64_t y = first_row; y < stop_row; y++) {
                const float *src = lo + (c * lo_h + y) * lo_w;
                __m512 a, b;
                if (span < 16) {
                    __m512 window = _mm512_maskz_loadu_ps(inside, src + first);
                    a = _mm512_permutexvar_ps(_mm512_sub_epi32(i0, from), window);
                    b = _mm512_permutexvar_ps(_mm512_sub_epi32(i1, from), window);
                } else {
                    a = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i0, src, 4);
                    b = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i1, src, 4);
                }
                _mm512_mask_storeu_ps(out + (c * lo_h + y) * width + j, m, lerp(a, b, weight));
            }
    }
}

/* The entry points: bands of rows [bounds[b], bounds[b + 1]) on `threads` OpenMP threads.
 * Built with -fopenmp, the library binds to the OpenMP runtime already loaded — torch's, which
 * Numba's kernels share too (kernels/avx512.py loads torch first) — so the workers still
 * spinning after the frame's previous parallel region take these bands at once, instead of
 * holding a core against a second pool of threads (in a 4K frame: 6 → 3 ms). */
void atw_delta_bands(const float *plate, int64_t planes, int64_t h, int64_t w,
                     const float *flow_h, int64_t flow_rows,
                     const int64_t *fy0, const int64_t *fy1, const float *fwy, float sx, float sy,
                     const float *delta_h, int64_t delta_rows,
                     const int64_t *dy0, const int64_t *dy1, const float *dwy, int64_t kind,
                     float *out, const int64_t *bounds, int64_t bands, int64_t threads)
{
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t b = 0; b < bands; b++)
        delta_formulation_rows(plate, planes, h, w, flow_h, flow_rows, fy0, fy1, fwy, sx, sy,
                               delta_h, delta_rows, dy0, dy1, dwy, kind, out, bounds[b],
                               bounds[b + 1]);
}

/* Returns -1 when a band had no memory for its ring (the other bands still ran), else 0. */
int atw_paper_bands(const float *plate, int64_t planes, int64_t h, int64_t w,
                    const float *flow_h, int64_t flow_rows,
                    const int64_t *fy0, const int64_t *fy1, const float *fwy, float sx, float sy,
                    const float *base_h, const float *low_h, int64_t grid_rows,
                    const int64_t *ty0, const int64_t *ty1, const float *twy,
                    int64_t reach_up, int64_t reach_down, int64_t kind,
                    float *out, const int64_t *bounds, int64_t bands, int64_t threads)
{
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) reduction(|:failed)
    for (int64_t b = 0; b < bands; b++)
        failed |= paper_formulation_rows(plate, planes, h, w, flow_h, flow_rows, fy0, fy1, fwy,
                                         sx, sy, base_h, low_h, grid_rows, ty0, ty1, twy,
                                         reach_up, reach_down, kind, out, bounds[b],
                                         bounds[b + 1]) != 0;
    return failed ? -1 : 0;
}

void atw_widen_bands(const float *lo, int64_t planes, int64_t lo_h, int64_t lo_w,
                     const int64_t *x0, const int64_t *x1, const float *wx, int64_t width,
                     float *out, const int64_t *bounds, int64_t bands, int64_t threads)
{
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t b = 0; b < bands; b++)
        widen_rows(lo, planes, lo_h, lo_w, x0, x1, wx, width, out, bounds[b], bounds[b + 1]);
}

/* Present from the build that samples with filters (kernels/avx512.py refuses older ones). */
int atw_avx512_filters(void) { return MAX_TAPS; }

int atw_avx512_supported(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi");
}

#else  /* not x86-64, or a compiler without GCC's target attributes: never chosen */
int atw_avx512_supported(void) { return 0; }
int atw_avx512_filters(void) { return 0; }
void atw_delta_bands(void) {}
int atw_paper_bands(void) { return -1; }
void atw_widen_bands(void) {}
#endif

/* A Python module only so that setuptools builds and installs the library; the functions are
 * called through ctypes (kernels/avx512.py), which releases the GIL for the call. */
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, .m_name = "_avx512", .m_size = -1};

PyMODINIT_FUNC PyInit__avx512(void) { return PyModule_Create(&module); }
