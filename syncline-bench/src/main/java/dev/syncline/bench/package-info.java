/** JMH benchmarks of Syncline (client offline half: save, query at a million documents, watch delay). */
package dev.syncline.bench;
