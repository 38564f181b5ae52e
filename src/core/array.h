/* A growable array with a maximum: the one growth rule for every array
 * that is filled one element at a time (rows from a store callback,
 * points of a schedule, alerts of a batch). Capacity doubles from
 * ARRAY_CAP_MIN, so filling n elements costs O(n) copies; the size in
 * bytes is overflow-checked and the count is bounded by the caller's
 * maximum, so no input can make it wrap or take all memory. Memory only:
 * it lives in core so that core and every layer above share it. */
#pragma once

#include <stddef.h>

#define ARRAY_CAP_MIN 8

/* Make room for at least need elements of size bytes in the array *pv
 * (a pointer to the caller's T *; *pv may be NULL) whose capacity is
 * *cap elements. Returns 0 (also when the room is already there),
 * -ENOBUFS when need is above max elements, -EOVERFLOW when need * size
 * does not fit a size_t, -ENOMEM. On failure *pv and *cap are unchanged,
 * so the elements already there stay the caller's to use or free. */
int array_reserve_size(void *pv, size_t *cap, size_t need, size_t size, size_t max);

/* The typed form: v is an lvalue of type T *, cap a size_t lvalue; the
 * element size comes from v's type. Usually called as
 * array_reserve(a->v, a->cap, a->n + 1, THING_MAX) before a->v[a->n++]. */
#define array_reserve(v, cap, need, max)                                                           \
        array_reserve_size(&(v), &(cap), (need), sizeof *(v), (max))
