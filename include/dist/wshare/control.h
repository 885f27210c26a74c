/* The run's control values, carried in every iteration's allreduce (README "Checkpoints,
 * restart and SLURM"): each rank puts in what it saw (a signal; rank 0 also its clock's
 * verdicts), and the sums tell every rank the same thing at the same iteration.  The
 * reduction only carries them; the run loop gives them meaning. */
#ifndef WSHARE_CONTROL_H
#define WSHARE_CONTROL_H

enum {
  WS_CONTROL_SIGNAL,     /* a rank received SIGTERM, SIGINT or SIGUSR1 */
  WS_CONTROL_TIME,       /* rank 0: --max-time reached */
  WS_CONTROL_CHECKPOINT, /* rank 0: --checkpoint-seconds elapsed */
  WS_CONTROL_COUNT
};

#endif
