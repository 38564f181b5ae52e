/* The rows of a tenant import, one at a time (see tenant-import.h).
 *
 * CSV goes through libcsv in pieces; each completed row becomes a JSON
 * object (lists - contacts, jurisdictions, sectors, data_categories,
 * regulated_as - are
 * ';'-separated in their cell; contacts are email addresses) handed to
 * the caller and freed. A JSON array is read one element at a time with
 * jansson (JSON_DISABLE_EOF_CHECK stops after each value and says where),
 * so neither format builds the whole file as a tree: that tree was what
 * made a 59 MB import peak at 1.6 GB. */
#include "http/tenant-import.h"

#include "core/error.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_COLS_MAX     16
#define CSV_COL_NAME_MAX 32
#define CSV_PIECE        65536 /* bytes given to libcsv at a time, so a stop is seen soon */

void tenant_field_error(struct field_errors *fe, const char *at, const char *field, const char *msg)
{
        char path[FIELDERR_FIELD_MAX];
        snprintf(path, sizeof path, "%s%s%s", at, *at ? ": " : "", field);
        fielderr_add(fe, path, "%s", msg);
}

static void why(const struct tenant_rows *s, const char *field, const char *msg, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));

/* The file itself is refused: the field error, and where in why. */
static void why(const struct tenant_rows *s, const char *field, const char *msg, const char *fmt,
                ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (s->why && s->why_size)
                vsnprintf(s->why, s->why_size, fmt, ap);
        va_end(ap);
        fielderr_add(s->fe, field, "%s", msg);
}

/* ---- CSV ---- */

struct csv_state {
        const struct tenant_rows *s;
        char cols[CSV_COLS_MAX][CSV_COL_NAME_MAX];
        size_t n_cols, col;
        size_t row;    /* 1-based; the header is row 1 */
        json_t *cur;   /* owns: the row being read */
        bool bad_cell; /* a cell of this row was refused */
        bool bad_header;
        int r; /* < 0: stop (the callback's answer, a bad header, no memory) */
};

static json_t *split(const char *s, size_t len, bool contacts)
{
        json_t *a = json_array();
        size_t i = 0;
        while (a && i <= len) {
                size_t j = i;
                while (j < len && s[j] != ';')
                        j++;
                size_t a0 = i, b0 = j;
                while (a0 < b0 && isspace((unsigned char)s[a0]))
                        a0++;
                while (b0 > a0 && isspace((unsigned char)s[b0 - 1]))
                        b0--;
                if (b0 > a0) {
                        json_t *v = json_stringn(s + a0, b0 - a0);
                        if (!v) { /* not UTF-8: the caller says so */
                                json_decref(a);
                                return NULL;
                        }
                        json_array_append_new(a, contacts ? json_pack("{s:o}", "email", v) : v);
                }
                i = j + 1;
        }
        return a;
}

static void cell_error(struct csv_state *st, const char *col, const char *msg)
{
        char at[32];
        snprintf(at, sizeof at, "row %zu", st->row);
        tenant_field_error(st->s->fe, at, col, msg);
        st->bad_cell = true;
}

static void csv_field(void *data, size_t len, void *userdata)
{
        struct csv_state *st = userdata;
        const char *s = data;
        if (st->r < 0)
                return;
        if (st->row == 1) {
                if (st->n_cols == CSV_COLS_MAX || len == 0 || len >= CSV_COL_NAME_MAX) {
                        st->bad_header = true;
                        return;
                }
                snprintf(st->cols[st->n_cols++], CSV_COL_NAME_MAX, "%.*s", (int)len, s);
                return;
        }
        if (!st->cur && !(st->cur = json_object())) {
                st->r = -ENOMEM;
                return;
        }
        size_t c = st->col++;
        if (c >= st->n_cols || !len)
                return; /* extra or empty cells: checked at the row's end */
        const char *col = st->cols[c];
        if (len > st->s->max_cell) {
                char msg[96];
                snprintf(msg, sizeof msg, "is longer than the limit of %zu bytes", st->s->max_cell);
                cell_error(st, col, msg);
                return;
        }
        json_t *v;
        if (strcmp(col, "contacts") == 0 || strcmp(col, "jurisdictions") == 0 ||
            strcmp(col, "sectors") == 0 || strcmp(col, "data_categories") == 0 || strcmp(col, "regulated_as") == 0) {
                v = split(s, len, strcmp(col, "contacts") == 0);
        } else if (strcmp(col, "notification_hours") == 0) {
                char buf[24], *end;
                snprintf(buf, sizeof buf, "%.*s", (int)(len < 20 ? len : 20), s);
                long long h = strtoll(buf, &end, 10);
                v = *end || end == buf ? json_stringn(s, len)
                                       : json_integer(h); /* a string is refused later */
        } else {
                v = json_stringn(s, len);
        }
        if (!v) {
                cell_error(st, col, "is not valid UTF-8");
                v = json_string("");
        }
        json_object_set_new(st->cur, col, v);
}

/* The header's columns must all be tenant fields. */
static int csv_header_check(struct csv_state *st)
{
        static const char *const known[] = {"id",
                                            "name",
                                            "contacts",
                                            "webhook",
                                            "jurisdictions",
                                            "sectors",
                                            "data_categories",
                                            "notification_hours",
                                            "regulated_as"};
        for (size_t i = 0; i < st->n_cols; i++) {
                bool ok = false;
                for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                        ok |= strcmp(st->cols[i], known[k]) == 0;
                if (!ok) {
                        char msg[96];
                        snprintf(msg, sizeof msg, "'%s' is not a tenant column", st->cols[i]);
                        tenant_field_error(st->s->fe, "row 1", "header", msg);
                        st->bad_header = true;
                }
        }
        if (st->bad_header || !st->n_cols) {
                tenant_field_error(st->s->fe, "row 1", "header",
                                   "must name the columns (id, name, contacts, ...)");
                return -VG_EVALIDATION;
        }
        return 0;
}

static void csv_row(int c, void *userdata)
{
        struct csv_state *st = userdata;
        (void)c;
        if (st->r < 0)
                return;
        if (st->row == 1) {
                st->r = csv_header_check(st);
        } else {
                if (st->col > st->n_cols)
                        cell_error(st, "row", "has more cells than the header");
                if (!st->cur)
                        st->cur = json_object();
                char at[32];
                snprintf(at, sizeof at, "row %zu", st->row);
                st->r = st->cur ? st->s->row(st->cur, at, st->bad_cell, st->s->userdata) : -ENOMEM;
        }
        json_decref(st->cur);
        st->cur = NULL;
        st->col = 0;
        st->bad_cell = false;
        st->row++;
}

static int csv_rows(const char *p, size_t len, const struct tenant_rows *s)
{
        struct csv_parser cp;
        struct csv_state st = {.s = s, .row = 1};
        if (csv_init(&cp, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
                return -ENOMEM;
        size_t off = 0;
        bool ok = true;
        while (ok && st.r >= 0 && off < len) {
                size_t n = len - off < CSV_PIECE ? len - off : CSV_PIECE;
                ok = csv_parse(&cp, p + off, n, csv_field, csv_row, &st) == n;
                off += n;
        }
        if (ok && st.r >= 0)
                ok = csv_fini(&cp, csv_field, csv_row, &st) == 0;
        if (!ok && st.r >= 0) {
                why(s, "body", "is not valid CSV", "the CSV is malformed at row %zu: %s", st.row,
                    csv_strerror(csv_error(&cp)));
                st.r = -VG_EVALIDATION;
        }
        if (st.r >= 0 && st.row == 1) /* no header at all */
                st.r = csv_header_check(&st);
        csv_free(&cp);
        json_decref(st.cur);
        return st.r < 0 ? st.r : 0;
}

/* ---- JSON ---- */

static size_t skip_space(const char *p, size_t len, size_t i)
{
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
                i++;
        return i;
}

/* The array's punctuation is read here; each element is jansson's. */
static int json_rows(const char *p, size_t len, const struct tenant_rows *s)
{
        size_t i = skip_space(p, len, 0);
        if (i == len || p[i] != '[') {
                why(s, "body", "must be a JSON array of tenants (or send text/csv)",
                    "the body must be a JSON array");
                return -VG_EVALIDATION;
        }
        i = skip_space(p, len, i + 1);
        bool empty = i < len && p[i] == ']';
        for (size_t n = 0; !empty; n++) {
                json_error_t e;
                json_t *v = json_loadb(
                        p + i, len - i,
                        JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &e);
                if (!v) {
                        why(s, "body", "is not valid JSON",
                            "malformed JSON in tenant [%zu] at byte %zu: %s", n,
                            i + (size_t)(e.position > 0 ? e.position : 0), e.text);
                        return -VG_EVALIDATION;
                }
                char at[32];
                snprintf(at, sizeof at, "[%zu]", n);
                i += (size_t)e.position;
                int r = s->row(v, at, false, s->userdata);
                json_decref(v);
                if (r < 0)
                        return r;
                i = skip_space(p, len, i);
                if (i < len && p[i] == ']')
                        break;
                if (i == len || p[i] != ',') {
                        why(s, "body", "is not valid JSON",
                            "malformed JSON after tenant [%zu] at byte %zu: "
                            "expected ',' or ']'",
                            n, i);
                        return -VG_EVALIDATION;
                }
                i = skip_space(p, len, i + 1);
        }
        i = skip_space(p, len, i + 1);
        if (i < len) {
                why(s, "body", "is not valid JSON",
                    "malformed JSON at byte %zu: text after the array", i);
                return -VG_EVALIDATION;
        }
        return 0;
}

int tenant_rows_parse(enum tenant_format f, const char *p, size_t len, const struct tenant_rows *s)
{
        return f == TENANT_CSV ? csv_rows(p, len, s) : json_rows(p, len, s);
}
