/*
 * Two-phase commit (Gray and Lamport's TwoPhase): specs/2pc.ds in Promela,
 * for Spin's verifier `pan`, with the same state space as dsmc's.
 *
 *   spin -DN=7 -a bench/promela/2pc.pml
 *   gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c
 *   ./pan -m10000         # "states, stored" = dsmc check specs/2pc.ds -D N=7
 *
 * N, the number of resource managers (RMs), is a compile-time constant
 * (`spin -DN=...`, default 3, at most 16). Checked: with -DSAFETY -DNOREDUCE
 * (no partial-order reduction), pan's "states, stored" is 288 / 1,568 /
 * 8,832 / 50,816 / 296,448 for N = 3..7, dsmc's distinct states (and TLC's),
 * and its "transitions" (stored + matched) are dsmc's transitions (1,146 for
 * N = 3, 2,744,706 for N = 7).
 *
 * How a Spin state corresponds to a dsmc state:
 *
 *   dsmc                          Promela
 *   TM.phase                      tm_phase
 *   TM.prepared (set<RM>)         tm_prepared, bit i = RM[i] (a bit set)
 *   RM[i].state                   rm[i]
 *   network set: Prepared from    sent_prepared, bit i: once sent, a message
 *     RM[i] to TM                   stays, so the network is a set of flags
 *   Commit to RM[0..N-1]          sent_commit: the TM broadcasts Commit to every
 *                                   RM in one step, so the N messages are
 *                                   always all there or all absent
 *   Abort to RM[0..N-1]           sent_abort, likewise
 *
 * Each node is one process: TM and RM[i] (pid i). A process is a `do` loop
 * whose every option is one `d_step`, the guard first: one option per action
 * and per handler (per sender, for the TM's Prepared), so one Spin transition
 * is one dsmc step (an action, or the delivery of a message to a live node
 * whose handler guard holds) and no intermediate state exists. Between steps
 * every process is at the head of its loop, so the program counters add
 * nothing to the count. A message on a `set` network is never consumed: a
 * delivery only tests its flag, so it can be received again, late, or by
 * every RM, exactly as in dsmc (and in TwoPhase.tla's `msgs`). States are
 * then in one-to-one correspondence; steps that change nothing (an RM
 * receiving Commit again) are transitions to the same state in both.
 *
 * The invariant `consistent` (no RM committed while another aborted) is an
 * `assert` at the end of every step that makes an RM committed or aborted:
 * only those steps can falsify it, and the initial state satisfies it, so
 * it holds in every reachable state if no assert fails. This adds no state
 * (a monitor process would) and no never claim. The properties dsmc checks
 * besides it (commit_final, can_commit, decides) are not transcribed:
 * bench/compare times `consistent` alone.
 *
 * `end:` labels the loop heads so that a state where no process can move is
 * not reported as an invalid end state (dsmc's deadlock check is separate;
 * no such state is reachable here anyway).
 */

#ifndef N
#define N 3
#endif
#if N < 1 || N > 16
#error "N must be 1..16"
#endif

#define ALL ((1 << N) - 1)

/* RM[i].state */
#define WORKING   0
#define PREPARED  1
#define COMMITTED 2
#define ABORTED   3

/* TM.phase */
#define TM_INIT      0
#define TM_COMMITTED 1
#define TM_ABORTED   2

byte rm[N];                  /* RM[i].state, all `working` */
unsigned tm_phase : 2;       /* TM.phase = init */
unsigned tm_prepared : N;    /* TM.prepared = {} */
unsigned sent_prepared : N;  /* the network: Prepared from RM[i] to TM */
bit sent_commit;             /* Commit to every RM */
bit sent_abort;              /* Abort to every RM */

/* SOME(s): some RM's state is s. An expression over rm[0..N-1], unrolled by
 * the preprocessor (SOME3(s) is rm[0] == s || rm[1] == s || rm[2] == s):
 * no loop, so no scratch variable in the state vector (nor a `hidden` one,
 * which pan's multi-core and breadth-first modes refuse). */
#define SOME1(s) (rm[0] == s)
#define SOME2(s) (SOME1(s) || rm[1] == s)
#define SOME3(s) (SOME2(s) || rm[2] == s)
#define SOME4(s) (SOME3(s) || rm[3] == s)
#define SOME5(s) (SOME4(s) || rm[4] == s)
#define SOME6(s) (SOME5(s) || rm[5] == s)
#define SOME7(s) (SOME6(s) || rm[6] == s)
#define SOME8(s) (SOME7(s) || rm[7] == s)
#define SOME9(s) (SOME8(s) || rm[8] == s)
#define SOME10(s) (SOME9(s) || rm[9] == s)
#define SOME11(s) (SOME10(s) || rm[10] == s)
#define SOME12(s) (SOME11(s) || rm[11] == s)
#define SOME13(s) (SOME12(s) || rm[12] == s)
#define SOME14(s) (SOME13(s) || rm[13] == s)
#define SOME15(s) (SOME14(s) || rm[14] == s)
#define SOME16(s) (SOME15(s) || rm[15] == s)
#define PASTE(a, b) a ## b
#define SOME_N(n, s) PASTE(SOME, n)(s)
#define SOME(s) SOME_N(N, s)

/* invariant consistent: !(exists a, b in RM: a.state == committed && b.state == aborted) */
#define CONSISTENT (!(SOME(COMMITTED) && SOME(ABORTED)))

/* RM[_pid]: declared first, so the RMs are pids 0..N-1. */
active [N] proctype RM() {
end:
  do
  /* fair action prepare when state == working { state = prepared; send TM Prepared } */
  :: d_step {
       rm[_pid] == WORKING ->
       rm[_pid] = PREPARED;
       sent_prepared = sent_prepared | (1 << _pid)
     }
  /* action give_up when state == working { state = aborted } */
  :: d_step {
       rm[_pid] == WORKING ->
       rm[_pid] = ABORTED;
       assert(CONSISTENT)
     }
  /* on Commit { state = committed } */
  :: d_step {
       sent_commit ->
       rm[_pid] = COMMITTED;
       assert(CONSISTENT)
     }
  /* on Abort { state = aborted } */
  :: d_step {
       sent_abort ->
       rm[_pid] = ABORTED;
       assert(CONSISTENT)
     }
  od
}

/* on Prepared from RM[i] when phase == init { prepared += RM[i] }: one option
 * per sender, as dsmc delivers each message as its own step. */
#define RECEIVE_PREPARED(i) \
  :: d_step { \
       tm_phase == TM_INIT && (sent_prepared & (1 << i)) != 0 -> \
       tm_prepared = tm_prepared | (1 << i) \
     }

active proctype TM() {
end:
  do
  /* fair action commit when phase == init && prepared == all RM { ... broadcast RM Commit } */
  :: d_step {
       tm_phase == TM_INIT && tm_prepared == ALL ->
       tm_phase = TM_COMMITTED;
       sent_commit = 1
     }
  /* fair action abort when phase == init { ... broadcast RM Abort } */
  :: d_step {
       tm_phase == TM_INIT ->
       tm_phase = TM_ABORTED;
       sent_abort = 1
     }
  RECEIVE_PREPARED(0)
#if N > 1
  RECEIVE_PREPARED(1)
#endif
#if N > 2
  RECEIVE_PREPARED(2)
#endif
#if N > 3
  RECEIVE_PREPARED(3)
#endif
#if N > 4
  RECEIVE_PREPARED(4)
#endif
#if N > 5
  RECEIVE_PREPARED(5)
#endif
#if N > 6
  RECEIVE_PREPARED(6)
#endif
#if N > 7
  RECEIVE_PREPARED(7)
#endif
#if N > 8
  RECEIVE_PREPARED(8)
#endif
#if N > 9
  RECEIVE_PREPARED(9)
#endif
#if N > 10
  RECEIVE_PREPARED(10)
#endif
#if N > 11
  RECEIVE_PREPARED(11)
#endif
#if N > 12
  RECEIVE_PREPARED(12)
#endif
#if N > 13
  RECEIVE_PREPARED(13)
#endif
#if N > 14
  RECEIVE_PREPARED(14)
#endif
#if N > 15
  RECEIVE_PREPARED(15)
#endif
  od
}
