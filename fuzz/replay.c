/* Replays a fuzz corpus through a harness as an ordinary test, so every
 * build (and the sanitizer build) runs every input ever found interesting.
 * Prints TAP with one case per corpus (a crash or sanitizer report ends the
 * program and fails it). usage: replay DIR... */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
        char *files[4096];
        size_t n = 0;
        for (int i = 1; i < argc; i++) {
                DIR *d = opendir(argv[i]);
                struct dirent *e;
                if (!d) {
                        printf("Bail out! cannot open %s\n", argv[i]);
                        return 1;
                }
                while ((e = readdir(d)) && n < 4096) {
                        if (e->d_name[0] == '.')
                                continue;
                        size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
                        files[n] = malloc(len);
                        snprintf(files[n], len, "%s/%s", argv[i], e->d_name);
                        n++;
                }
                closedir(d);
        }
        qsort(files, n, sizeof files[0], cmp);
        printf("1..1\n");
        size_t unreadable = 0;
        for (size_t i = 0; i < n; i++) {
                FILE *f = fopen(files[i], "rb");
                struct stat st;
                if (!f || fstat(fileno(f), &st) < 0) {
                        printf("# unreadable: %s\n", files[i]);
                        unreadable++;
                        free(files[i]);
                        if (f)
                                fclose(f);
                        continue;
                }
                uint8_t *buf = malloc((size_t)st.st_size + 1);
                size_t got = fread(buf, 1, (size_t)st.st_size, f);
                fclose(f);
                LLVMFuzzerTestOneInput(buf, got); /* a crash ends the program: not ok */
                free(buf);
                free(files[i]);
        }
        if (n == 0 || unreadable)
                printf("not ok 1 - corpus of %zu inputs (%zu unreadable)\n", n, unreadable);
        else
                printf("ok 1 - replayed %zu inputs\n", n);
        return 0;
}
