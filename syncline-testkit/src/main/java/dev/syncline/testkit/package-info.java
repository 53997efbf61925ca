/**
 * Test support: a clock tests move by hand ({@link dev.syncline.testkit.ManualClock}) and a TCP proxy
 * that injects network faults ({@link dev.syncline.testkit.FaultyProxy}: refused, blackholed and
 * stalled connections, lost and cut responses, delay, bandwidth), and the fault suite's history and
 * checkers ({@link dev.syncline.testkit.sim}). Fakes only for time and the network; databases and
 * servers in tests are real.
 */
package dev.syncline.testkit;
