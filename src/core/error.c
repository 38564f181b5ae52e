#include "core/error.h"

#include <string.h>

const char *vg_strerror(int err)
{
        if (err < 0)
                err = -err;
        switch (err) {
        case VG_EVALIDATION: return "invalid input";
        case VG_ENOTFOUND: return "not found";
        case VG_ECONFLICT: return "conflict";
        case VG_EAUTH: return "authentication required";
        case VG_EFORBIDDEN: return "forbidden";
        case VG_ETOOLARGE: return "too large";
        case VG_ERATELIMIT: return "too many attempts";
        case VG_EPRECONDITION: return "precondition failed";
        case VG_ESTORE: return "store error";
        case VG_EBUSY: return "store busy";
        case VG_ECHAIN: return "audit chain broken";
        case VG_ECONFIG: return "invalid configuration";
        case VG_EMETHOD: return "method not allowed";
        case VG_EUNSUPPORTED: return "unsupported media type";
        case VG_EUNAVAILABLE: return "unavailable";
        default: break;
        }
        if (err > 0 && err < VG_EBASE)
                return strerror(err);
        return "unknown error";
}
