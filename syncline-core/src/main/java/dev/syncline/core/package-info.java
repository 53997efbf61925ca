/**
 * Value types shared by the Syncline client and server: names, the hybrid logical clock, the
 * exception root and the JSON codec. The wire records live in {@link dev.syncline.core.protocol}.
 */
package dev.syncline.core;
