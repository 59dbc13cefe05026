/*
 * svg.h: carbonsim's figures as hand-written SVG: utilization and carbon
 * intensity over time, and carbon versus AVEbsld across max-delay values.
 */
#ifndef CARBONSIM_SVG_H
#define CARBONSIM_SVG_H

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

/*
 * The multi-criteria grid: one group of bars per criterion (AVEbsld, kg
 * CO2e, 99th-percentile wait, the worst size class's bsld, 1 - Jain's
 * index, learning CPU time), one bar per run, each criterion divided by
 * its largest value (lower is better); the values are printed on the
 * bars. A criterion no run has (no carbon, no users) is left out.
 * Returns 0, or -1 if the stream failed.
 */
int svg_plot_grid(FILE *fp, const struct report *rep);

#endif
