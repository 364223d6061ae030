/* Runs a fuzz target's function once over each file named on the command
 * line, or each file in each directory named: the corpus replayed as a
 * regression test by builds without libFuzzer (gcc, the sanitizer build). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define INPUT_MAX ((size_t)16 << 20)

/* Reads path and runs the target on it; 0, or -errno. */
static int run_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        uint8_t *data = NULL;
        size_t n = 0;
        long size;
        int r = 0;

        if (!f)
                return -errno;
        if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                r = -errno;
                goto out;
        }
        if ((size_t)size > INPUT_MAX) {
                r = -E2BIG;
                goto out;
        }
        /* a copy of exactly the file's size, so ASan sees reads past its end */
        data = malloc(size ? (size_t)size : 1);
        if (!data) {
                r = -ENOMEM;
                goto out;
        }
        n = fread(data, 1, (size_t)size, f);
        if (n != (size_t)size) {
                r = -EIO;
                goto out;
        }
        LLVMFuzzerTestOneInput(data, n);
out:
        free(data);
        fclose(f);
        return r;
}

/* Runs every regular file in dir (sorted, so failures are reproducible). */
static int run_dir(const char *dir, size_t *ret_n)
{
        struct dirent **names = NULL;
        char path[4096];
        int n, r = 0;

        n = scandir(dir, &names, NULL, alphasort);
        if (n < 0)
                return -errno;
        for (int i = 0; i < n; i++) {
                struct stat st;

                snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
                if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                        int rf = run_file(path);

                        if (rf < 0) {
                                fprintf(stderr, "%s: %s\n", path, strerror(-rf));
                                r = rf;
                        }
                        (*ret_n)++;
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv)
{
        size_t n = 0;
        int failed = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        failed = 1;
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        r = run_dir(argv[i], &n);
                } else {
                        r = run_file(argv[i]);
                        n++;
                }
                if (r < 0)
                        failed = 1;
        }
        printf("replayed %zu input%s\n", n, n == 1 ? "" : "s");
        return failed || n == 0;
}
