/* Command-line words: space-separated, "word" or "key=value". */
#include "probe.h"

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

/* First word equal to w (or, with prefix, starting with w), or NULL. */
static const char *find_word(const char *p, const char *w, size_t wl, int prefix)
{
    while (*p) {
        while (is_space(*p))
            p++;
        const char *start = p;
        while (*p && !is_space(*p))
            p++;
        size_t len = (size_t)(p - start);
        if (prefix ? (len >= wl && memcmp(start, w, wl) == 0)
                   : (len == wl && memcmp(start, w, wl) == 0))
            return start;
    }
    return NULL;
}

int cmdline_has_word(const char *cmdline, const char *word)
{
    return find_word(cmdline, word, strlen(word), 0) != NULL;
}

const char *cmdline_value(const char *cmdline, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    const char *p = cmdline;
    for (;;) {
        const char *w = find_word(p, key, kl, 1);
        if (!w)
            return NULL;
        if (w[kl] == '=') {
            const char *v = w + kl + 1, *e = v;
            while (*e && !is_space(*e))
                e++;
            *len = (size_t)(e - v);
            return v;
        }
        p = w + kl;   /* "probe.runner": same prefix, not our key; keep looking */
    }
}

uint64_t cmdline_u64(const char *cmdline, const char *key, uint64_t dflt)
{
    size_t len;
    const char *v = cmdline_value(cmdline, key, &len);
    if (!v || len == 0 || len > 19)
        return dflt;
    uint64_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return dflt;
        n = n * 10 + (uint64_t)(v[i] - '0');
    }
    return n;
}
