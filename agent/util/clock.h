/* SPDX-License-Identifier: GPL-2.0 */
/* The time now, one way for every file: nanoseconds of a clock (CLOCK_REALTIME, CLOCK_MONOTONIC...). */
#ifndef CV_CLOCK_H
#define CV_CLOCK_H

#include <stdint.h>
#include <time.h>

#define CV_NS_PER_S	INT64_C(1000000000)
#define CV_NS_PER_MS	INT64_C(1000000)

static inline int64_t cv_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * CV_NS_PER_S + ts.tv_nsec;
}

/* The wall clock: ns since the epoch, UTC. */
static inline int64_t cv_wall_ns(void)
{
	return cv_clock_ns(CLOCK_REALTIME);
}

#endif /* CV_CLOCK_H */
