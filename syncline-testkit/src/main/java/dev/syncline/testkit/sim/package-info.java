/**
 * The fault suite's judges: a {@link dev.syncline.testkit.sim.History} of what a simulation run
 * did (every write and whether it was acknowledged, every read, sync and fault), the
 * {@link dev.syncline.testkit.sim.FinalState} it left, and one
 * {@link dev.syncline.testkit.sim.Checker} per guarantee of {@code ARCHITECTURE.md} (convergence,
 * no lost write, no resurrected delete, exactly-once, no phantom value, nothing stuck, no
 * spurious conflict, the queue drains, read-your-writes, monotonic reads, clocks that do not run
 * ahead). The simulations that
 * produce histories live in this module's tests.
 */
package dev.syncline.testkit.sim;
