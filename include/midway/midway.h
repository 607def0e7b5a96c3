/*
 * midway/midway.h - the umbrella header: every public layer of Midway.
 */
#ifndef MIDWAY_MIDWAY_H
#define MIDWAY_MIDWAY_H

#include <midway/base.h>
#include <midway/net.h>
#include <midway/marshal.h>
#include <midway/rr.h>
#include <midway/group.h>

/* The library's version. */
#define MW_VERSION_MAJOR 0
#define MW_VERSION_MINOR 1
#define MW_VERSION_PATCH 0
#define MW_VERSION_STRING "0.1.0"

#endif
