/*
 * The one place in src/ that knows operating system names: it turns them into
 * feature macros the rest of the code tests.
 */

#ifndef PLATFORM_H
#define PLATFORM_H

/* Unix sockets in the abstract namespace ("@name"). */
#if defined(__linux__)
#define PLATFORM_ABSTRACT_UNIX 1
#else
#define PLATFORM_ABSTRACT_UNIX 0
#endif

#endif /* PLATFORM_H */
