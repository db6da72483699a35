#ifndef VIRTMON_CALLOCATOR_H
#define VIRTMON_CALLOCATOR_H

/// Caps how many malloc arenas glibc keeps (mallopt M_ARENA_MAX), unless MALLOC_ARENA_MAX is set in the
/// environment, which then wins. Returns 1 when the cap was set, 0 when it was left alone or refused.
/// A no-op returning 0 on C libraries other than glibc.
int virtmon_limit_malloc_arenas(int arenas);

#endif
