/* Vigil error codes.
 *
 * Functions return int: >= 0 on success, a negative errno or a negative Vigil
 * code on failure. Vigil codes sit above the errno range so both fit in one
 * int without clashing. The http layer maps them to statuses in one table
 * (src/http/problem.c). */
#pragma once

enum {
        VG_EBASE = 10000,
        VG_EVALIDATION,   /* input refused; field errors say which */
        VG_ENOTFOUND,     /* the object does not exist (or is not visible) */
        VG_ECONFLICT,     /* unique key taken, or state forbids the change */
        VG_EAUTH,         /* no valid credentials */
        VG_EFORBIDDEN,    /* credentials valid, role not admitted */
        VG_ETOOLARGE,     /* a size limit was exceeded */
        VG_ERATELIMIT,    /* too many attempts; retry later */
        VG_EPRECONDITION, /* If-Match did not match */
        VG_ESTORE,        /* the store failed (I/O, corruption) */
        VG_EBUSY,         /* the store is locked; retry */
        VG_ECHAIN,        /* the audit chain is broken */
        VG_ECONFIG,       /* configuration is invalid */
        VG_EMETHOD,       /* route exists, method does not */
        VG_EUNSUPPORTED,  /* media type not supported */
        VG_EUNAVAILABLE,  /* at capacity for this kind of request; retry later */
        VG_E__MAX,
};

/* A short lowercase description of an error code, never NULL. */
const char *vg_strerror(int err);
