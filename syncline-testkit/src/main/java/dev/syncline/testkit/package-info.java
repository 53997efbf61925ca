/**
 * Test support: a clock tests move by hand ({@link dev.syncline.testkit.ManualClock}) and a TCP proxy
 * that injects network faults ({@link dev.syncline.testkit.FaultyProxy}). Fakes only for time and
 * the network; databases and servers in tests are real.
 */
package dev.syncline.testkit;
