/*
 * svg.h: carbonsim's figures as hand-written SVG: utilization and carbon
 * intensity over time, and carbon versus AVEbsld across max-delay values.
 */
#ifndef SCHED_SVG_H
#define SCHED_SVG_H

#include <stdio.h>

#include "report.h"

/*
 * Utilization of run (all sites together, averaged over about 600 bins)
 * over trace time in days, with each site's carbon intensity on a second
 * axis. Returns 0, or -1 if the stream failed or memory ran out.
 */
int svg_plot_utilization(FILE *fp, const struct report *rep, size_t run);

/*
 * kg CO2e against AVEbsld, one series per policy/backfill pair, one point
 * per max-delay value (its baseline first), each point labelled with its
 * delay. Returns 0, or -1 if the stream failed.
 */
int svg_plot_tradeoff(FILE *fp, const struct report *rep);

#endif
