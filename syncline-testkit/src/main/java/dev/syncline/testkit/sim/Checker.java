package dev.syncline.testkit.sim;

import java.util.List;

/**
 * One property of a simulation run, judged from its {@link History} and {@link FinalState}.
 * Implementations are stateless and thread-safe.
 */
public interface Checker {
    /** @return a short name for reports, such as {@code convergence} */
    String name();

    /** @return every violation of the property; empty when the run kept it */
    List<Violation> check(History history, FinalState end);

    /** @return a violation of this checker */
    default Violation violation(String doc, String message) {
        return new Violation(name(), doc, message);
    }
}
