/*
 * server_cache.c — answers already computed for the current index
 * generation, so that a repeated query (the page's autocomplete and
 * search-as-you-type, dashboards polling /api/trends) costs a lookup and
 * a copy instead of a search.
 *
 * Direct-mapped: a key (path + parameters) hashes to one slot; a new
 * answer replaces whatever was there.  No LRU list to maintain, O(1)
 * lookups, one mutex per 64 slots so the loop threads rarely meet.
 * Entries carry the generation of the snapshot they were computed from and
 * only answer requests whose snapshot has the same generation, so a
 * rebuilt index is never answered from old results.  Memory is bounded by
 * `budget` bytes of keys and bodies: an answer that would exceed it is not
 * stored; a single answer larger than budget/64 is never stored.
 */
#include "server_impl.h"

#include <stdlib.h>
#include <string.h>

#define SLOTS_PER_LOCK 64

struct entry {
    uint64_t hash, gen;
    char *key; /* key bytes then body bytes, one allocation */
    size_t key_n, body_n;
    const char *type; /* a string literal */
};

struct pl_rcache {
    struct entry *slots;
    size_t n_slots; /* a power of two */
    pthread_mutex_t *locks;
    size_t n_locks;
    size_t budget;
    _Atomic size_t used;
};

int pl_rcache_new(size_t budget, size_t n_slots, pl_rcache **out)
{
    *out = NULL;
    size_t n = SLOTS_PER_LOCK;
    while (n < n_slots)
        n <<= 1;
    pl_rcache *c = pl_calloc(1, sizeof *c);
    if (!c)
        return PL_ENOMEM;
    c->slots = pl_calloc(n, sizeof *c->slots);
    c->n_locks = n / SLOTS_PER_LOCK;
    c->locks = pl_calloc(c->n_locks, sizeof *c->locks);
    if (!c->slots || !c->locks) {
        pl_free(c->slots);
        pl_free(c->locks);
        pl_free(c);
        return PL_ENOMEM;
    }
    for (size_t i = 0; i < c->n_locks; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    c->n_slots = n;
    c->budget = budget;
    *out = c;
    return PL_OK;
}

void pl_rcache_free(pl_rcache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_slots; i++)
        pl_free(c->slots[i].key);
    for (size_t i = 0; i < c->n_locks; i++)
        pthread_mutex_destroy(&c->locks[i]);
    pl_free(c->locks);
    pl_free(c->slots);
    pl_free(c);
}

char *pl_rcache_get(pl_rcache *c, uint64_t gen, const char *key, size_t key_n, size_t *n,
                    const char **type)
{
    uint64_t h = pl_hash64(key, key_n);
    size_t i = (size_t)h & (c->n_slots - 1);
    pthread_mutex_t *lock = &c->locks[i / SLOTS_PER_LOCK];
    char *out = NULL;
    pthread_mutex_lock(lock);
    struct entry *e = &c->slots[i];
    if (e->key && e->hash == h && e->gen == gen && e->key_n == key_n &&
        !memcmp(e->key, key, key_n)) {
        /* MHD frees bodies with free(). */
        out = malloc(e->body_n + 1);
        if (out) {
            memcpy(out, e->key + key_n, e->body_n);
            out[e->body_n] = 0;
            *n = e->body_n;
            *type = e->type;
        }
    }
    pthread_mutex_unlock(lock);
    return out;
}

void pl_rcache_put(pl_rcache *c, uint64_t gen, const char *key, size_t key_n, const char *body,
                   size_t n, const char *type)
{
    size_t need = key_n + n;
    if (need > c->budget / 64)
        return;
    uint64_t h = pl_hash64(key, key_n);
    size_t i = (size_t)h & (c->n_slots - 1);
    pthread_mutex_t *lock = &c->locks[i / SLOTS_PER_LOCK];
    pthread_mutex_lock(lock);
    struct entry *e = &c->slots[i];
    size_t freed = e->key ? e->key_n + e->body_n : 0;
    size_t used = atomic_load(&c->used);
    if (used - freed + need <= c->budget) {
        char *mem = pl_malloc(need);
        if (mem) {
            memcpy(mem, key, key_n);
            memcpy(mem + key_n, body, n);
            pl_free(e->key);
            *e = (struct entry){h, gen, mem, key_n, n, type};
            atomic_fetch_add(&c->used, need);
            atomic_fetch_sub(&c->used, freed);
        }
    }
    pthread_mutex_unlock(lock);
}

size_t pl_rcache_used(pl_rcache *c)
{
    return c ? atomic_load(&c->used) : 0;
}
