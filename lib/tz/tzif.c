#include "lib/tz/tzif.h"

#include "lib/readfile.h"
#include "lib/tz/posix_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OFF_MIN (-89999) /* RFC 8536: -25:59:59 < utoff < 26:00:00 */
#define OFF_MAX 93599
#define WINDOW 93600 /* no offset reaches this far */
#define COUNT_MAX 65536

struct ttype {
        int32_t off;
        bool dst;
};

struct tw_tz {
        int64_t *trans;
        uint8_t *idx;
        size_t n_trans;
        struct ttype *types;
        size_t n_types;
        bool has_footer;
        struct tw_tz_posix footer;
};

void tw_tz_free(struct tw_tz *tz)
{
        if (!tz)
                return;
        free(tz->trans);
        free(tz->idx);
        free(tz->types);
        free(tz);
}

static uint32_t be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
        return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct header {
        char version;
        uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

/* Reads a 44-byte header at p (n bytes left). */
static int read_header(const unsigned char *p, size_t n, struct header *h)
{
        if (n < 44 || memcmp(p, "TZif", 4) != 0)
                return -EBADMSG;
        h->version = (char)p[4];
        if (h->version != 0 && (h->version < '2' || h->version > '4'))
                return -EBADMSG;
        h->isutcnt = be32(p + 20), h->isstdcnt = be32(p + 24), h->leapcnt = be32(p + 28);
        h->timecnt = be32(p + 32), h->typecnt = be32(p + 36), h->charcnt = be32(p + 40);
        if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > COUNT_MAX ||
            h->leapcnt > COUNT_MAX || h->charcnt > COUNT_MAX || h->charcnt == 0 ||
            (h->isutcnt && h->isutcnt != h->typecnt) || (h->isstdcnt && h->isstdcnt != h->typecnt))
                return -EBADMSG;
        return 0;
}

/* The size of the data block after a header, times of tsize bytes. */
static size_t block_size(const struct header *h, size_t tsize)
{
        return (size_t)h->timecnt * (tsize + 1) + (size_t)h->typecnt * 6 + h->charcnt +
               (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

/* Fills tz's transitions and types from the data block at p. */
static int read_block(struct tw_tz *tz, const struct header *h, const unsigned char *p,
                      size_t tsize)
{
        const unsigned char *ip = p + (size_t)h->timecnt * tsize, *tp = ip + h->timecnt;

        tz->n_trans = h->timecnt, tz->n_types = h->typecnt;
        tz->trans = calloc(h->timecnt ? h->timecnt : 1, sizeof(*tz->trans));
        tz->idx = calloc(h->timecnt ? h->timecnt : 1, 1);
        tz->types = calloc(h->typecnt, sizeof(*tz->types));
        if (!tz->trans || !tz->idx || !tz->types)
                return -ENOMEM;
        for (size_t i = 0; i < h->timecnt; i++) {
                tz->trans[i] = tsize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
                tz->idx[i] = ip[i];
                if (ip[i] >= h->typecnt || (i && tz->trans[i] <= tz->trans[i - 1]))
                        return -EBADMSG;
        }
        for (size_t i = 0; i < h->typecnt; i++) {
                int32_t off = (int32_t)be32(tp + i * 6);

                if (off < OFF_MIN || off > OFF_MAX || tp[i * 6 + 4] > 1 ||
                    tp[i * 6 + 5] >= h->charcnt)
                        return -EBADMSG;
                tz->types[i].off = off;
                tz->types[i].dst = tp[i * 6 + 4];
        }
        return 0;
}

int tw_tz_parse(const void *data, size_t len, struct tw_tz **ret)
{
        const unsigned char *p = data;
        struct tw_tz *tz = NULL;
        struct header h;
        size_t tsize = 4, skip = 0, end;
        int r;

        if (!data || !ret)
                return -EINVAL;
        if (len > TW_TZ_FILE_MAX)
                return -E2BIG;
        r = read_header(p, len, &h);
        if (r < 0)
                return r;
        if (h.version) {
                skip = 44 + block_size(&h, 4);
                if (skip > len)
                        return -EBADMSG;
                r = read_header(p + skip, len - skip, &h);
                if (r < 0)
                        return r;
                tsize = 8;
        }
        if (h.leapcnt)
                return -ENOTSUP;
        end = skip + 44 + block_size(&h, tsize);
        if (end > len)
                return -EBADMSG;
        tz = calloc(1, sizeof(*tz));
        if (!tz)
                return -ENOMEM;
        r = read_block(tz, &h, p + skip + 44, tsize);
        if (r < 0)
                goto out;
        if (h.version) {
                const unsigned char *nl;

                r = -EBADMSG;
                if (end >= len || p[end] != '\n')
                        goto out;
                nl = memchr(p + end + 1, '\n', len - end - 1);
                if (!nl)
                        goto out;
                if (nl > p + end + 1) {
                        r = tw_tz_posix_parse((const char *)p + end + 1,
                                              (size_t)(nl - (p + end + 1)), &tz->footer);
                        if (r < 0)
                                goto out;
                        tz->has_footer = true;
                }
        }
        *ret = tz;
        tz = NULL;
        r = 0;
out:
        tw_tz_free(tz);
        return r;
}

bool tw_tz_name_ok(const char *z)
{
        size_t n = z ? strlen(z) : 0;

        if (n == 0 || n > 255 || z[0] == '/' || strstr(z, ".."))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= 'A' && z[i] <= 'Z') ||
                      (z[i] >= '0' && z[i] <= '9') || strchr("/_+.-", z[i])))
                        return false;
        return true;
}

int tw_tz_load(const char *dir, const char *zone, struct tw_tz **ret)
{
        char path[4096], *data = NULL;
        size_t len = 0;
        struct stat st;
        int fd, n, r;

        if (!zone || !ret || !tw_tz_name_ok(zone))
                return -EINVAL;
        if (!dir)
                dir = TW_TZ_DIR;
        n = snprintf(path, sizeof(path), "%s/%s", dir, zone);
        if (n < 0 || (size_t)n >= sizeof(path))
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = -EBADMSG;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                r = tw_read_fd(fd, TW_TZ_FILE_MAX, 0, &data, &len);
        close(fd);
        if (r == 0)
                r = tw_tz_parse(data, len, ret);
        free(data);
        return r;
}

/* The index of the first transition after t (n_trans if none). */
static size_t first_after(const struct tw_tz *tz, int64_t t)
{
        size_t lo = 0, hi = tz->n_trans;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (tz->trans[mid] <= t)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

static struct ttype type_at(const struct tw_tz *tz, int64_t t)
{
        size_t i;

        if (!tz)
                return (struct ttype){0, false};
        if (tz->has_footer && (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1])) {
                struct ttype ty;

                tw_tz_posix_at(&tz->footer, t, &ty.off, &ty.dst);
                return ty;
        }
        i = first_after(tz, t);
        return tz->types[i == 0 ? 0 : tz->idx[i - 1]];
}

int tw_tz_offset(const struct tw_tz *tz, int64_t t, int32_t *ret_offset, bool *ret_dst)
{
        struct ttype ty;

        if (t < -TW_TZ_TIME_MAX || t > TW_TZ_TIME_MAX)
                return -ERANGE;
        ty = type_at(tz, t);
        if (ret_offset)
                *ret_offset = ty.off;
        if (ret_dst)
                *ret_dst = ty.dst;
        return 0;
}

/* Tries offset o for local; keeps the earliest instant that shows local. */
static void try_offset(const struct tw_tz *tz, int64_t local, int32_t o, int64_t *best)
{
        int64_t u = local - o;

        if (type_at(tz, u).off == o && (*best == TW_TZ_TIME_MAX + WINDOW || u < *best))
                *best = u;
}

int tw_tz_local_to_utc(const struct tw_tz *tz, int64_t local, int64_t *ret_utc)
{
        int64_t lo = local - WINDOW, hi = local + WINDOW, best = TW_TZ_TIME_MAX + WINDOW;
        int32_t before;

        if (local < -TW_TZ_TIME_MAX || local > TW_TZ_TIME_MAX || !ret_utc)
                return local < -TW_TZ_TIME_MAX || local > TW_TZ_TIME_MAX ? -ERANGE : -EINVAL;
        /* every offset in effect at some instant of [lo, hi] is a candidate:
         * the one at lo, each transition's inside, the footer's two */
        before = type_at(tz, lo).off;
        try_offset(tz, local, before, &best);
        for (size_t i = tz ? first_after(tz, lo) : 0; tz && i < tz->n_trans && tz->trans[i] <= hi;
             i++)
                try_offset(tz, local, tz->types[tz->idx[i]].off, &best);
        if (tz && tz->has_footer && (tz->n_trans == 0 || hi >= tz->trans[tz->n_trans - 1])) {
                try_offset(tz, local, tz->footer.std_off, &best);
                try_offset(tz, local, tz->footer.dst_off, &best);
        }
        *ret_utc = best != TW_TZ_TIME_MAX + WINDOW ? best : local - before;
        return 0;
}
